/** Retrieval: the warehouse's search index (FTS5 BM25, optional embeddings, hybrid RRF, term lift). */
export { searchTickets, searchMatch, ticketsById, markSnippet, DEFAULT_WEIGHTS, type SearchFilters, type SearchOptions, type TicketHit, type FieldWeights, type SearchResult } from './search.js';
export { buildEmbeddings, vectorSearch, embeddingCount, storedVector, loadSqliteVec, embeddingText, type Embedder, type BuildReport, type VectorHit } from './embeddings.js';
export { rankTickets, similarTickets, fuse, type RankedHit, type RankedResult, type SimilarResult, type HybridOptions } from './hybrid.js';
export { reciprocalRankFusion, type Fused } from './fusion.js';
export { termLift, fightinWords, type TermLiftOptions, type TermLiftResult, type LiftedTerm, type TermCounts } from './termlift.js';
export { redact, words, terms, ftsQuery, luhnValid, STOPWORDS, type RedactionCounts } from './text.js';
export { hashEmbedder, hashedNgramVector } from './hashEmbed.js';
export { openAIEmbedder, embedderFromConfig, type OpenAIEmbedderOptions } from './openai.js';
