/**
 * The OpenAI-compatible embedder (any endpoint speaking /v1/embeddings), through `OpenAIEmbeddings`.
 * Lives with retrieval so commands can search without importing the LLM surface.
 */
import type { Embedder } from './embeddings.js';

export interface OpenAIEmbedderOptions {
  model: string;
  apiKey?: string;
  baseURL?: string;
  timeoutMs?: number;
}

/**
 * Asks for floats: a server answering floats to the client's default base64 request can leave it with
 * empty vectors (buildEmbeddings refuses those loudly). No retries: callers fall back to BM25.
 */
export function openAIEmbedder(o: OpenAIEmbedderOptions): Embedder {
  // @langchain/openai costs ~450 ms to load: only when an embedding is really asked for.
  let pending: Promise<{ embedDocuments(t: string[]): Promise<number[][]>; embedQuery(t: string): Promise<number[]> }> | null = null;
  const client = () => (pending ??= import('@langchain/openai').then(({ OpenAIEmbeddings }) => new OpenAIEmbeddings({
    model: o.model,
    apiKey: o.apiKey ?? 'not-needed',
    encodingFormat: 'float',
    maxRetries: 0,
    timeout: o.timeoutMs,
    batchSize: 64,
    configuration: o.baseURL ? { baseURL: o.baseURL } : undefined,
  })));
  return { model: o.model, embedDocuments: async (t) => (await client()).embedDocuments(t), embedQuery: async (t) => (await client()).embedQuery(t) };
}

/** The embedder the configuration asks for, or null (no EMBEDDINGS_MODEL, or no endpoint/key). */
export function embedderFromConfig(c: { EMBEDDINGS_MODEL?: string; OPENAI_API_KEY?: string; OPENAI_BASE_URL?: string; LLM_TIMEOUT_MS?: number }): Embedder | null {
  if (!c.EMBEDDINGS_MODEL || !(c.OPENAI_API_KEY || c.OPENAI_BASE_URL)) return null;
  return openAIEmbedder({ model: c.EMBEDDINGS_MODEL, apiKey: c.OPENAI_API_KEY, baseURL: c.OPENAI_BASE_URL, timeoutMs: c.LLM_TIMEOUT_MS });
}
