/**
 * Model factory: a chat model and an embedder from the configuration, or null when none is configured
 * (then the deterministic narrator and BM25 answer). Any OpenAI-compatible endpoint works: OPENAI_BASE_URL
 * points elsewhere, OPENAI_API_KEY may be a dummy for local servers.
 */
import { ChatOpenAI } from '@langchain/openai';
import { llmConfigured, type Config } from '../config.js';
import { embedderFromConfig, type Embedder } from '../engines/retrieval/index.js';

type LlmConfig = Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'LLM_MODEL' | 'LLM_TIMEOUT_MS' | 'EMBEDDINGS_MODEL'>;

/**
 * ChatOpenAI with no retries (a retry would blow the answer's time budget; the narrator is the fallback)
 * and the configured timeout. Null when neither a key nor a base URL is set.
 */
export function createChatModel(config: LlmConfig): ChatOpenAI | null {
  if (!llmConfigured(config as Config)) return null;
  return new ChatOpenAI({
    model: config.LLM_MODEL,
    apiKey: config.OPENAI_API_KEY ?? 'not-needed',
    maxRetries: 0,
    timeout: config.LLM_TIMEOUT_MS,
    temperature: 0,
    configuration: config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : undefined,
  });
}

/** The configured embedder (EMBEDDINGS_MODEL on the same endpoint), or null; see retrieval/openai.ts. */
export function createEmbedder(config: LlmConfig): Embedder | null {
  return embedderFromConfig(config);
}
