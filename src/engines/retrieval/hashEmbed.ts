/**
 * A deterministic local embedding stand-in: hashed character n-grams (3- to 5-grams of each word, with word
 * boundaries) and hashed words into `dim` buckets with a sign hash (feature hashing, Weinberger et al. 2009),
 * sub-linear tf (log(1 + |tf|)). Not a semantic model: it captures spelling overlap (typos, inflections), which
 * is what lets the benchmark and tests exercise the embedding storage, vector search and fusion code paths
 * without a network. Real deployments point EMBEDDINGS_MODEL at an OpenAI-compatible endpoint.
 */
import type { Embedder } from './embeddings.js';
import { words, STOPWORDS } from './text.js';

function fnv1a(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Vector of `text`: O(length · n-gram sizes). Empty text → zero vector. */
export function hashedNgramVector(text: string, dim = 256): number[] {
  const counts = new Map<number, number>();
  const add = (feature: string, weight: number) => {
    const h = fnv1a(feature);
    const idx = h % dim;
    const sign = (h >>> 31) & 1 ? -1 : 1;
    counts.set(idx, (counts.get(idx) ?? 0) + sign * weight);
  };
  for (const w of words(text)) {
    if (STOPWORDS.has(w)) continue;
    add(`w:${w}`, 1);
    const s = `<${w}>`;
    for (let n = 3; n <= 5; n++) for (let i = 0; i + n <= s.length; i++) add(s.slice(i, i + n), 0.5);
  }
  const v = new Array<number>(dim).fill(0);
  for (const [i, c] of counts) v[i] = Math.sign(c) * Math.log1p(Math.abs(c));
  return v;
}

export function hashEmbedder(dim = 256): Embedder {
  return {
    model: `local-hash-ngram-${dim}`,
    embedDocuments: async (texts) => texts.map((t) => hashedNgramVector(t, dim)),
    embedQuery: async (text) => hashedNgramVector(text, dim),
  };
}
