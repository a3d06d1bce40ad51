export { simulateDay, type CallsimInterval, type CallsimOptions, type CallsimRow } from './callsim.js';
export {
  generateSample, generateTickets, runSample, writeSample, snapshotMs, SampleOptionsSchema,
  INTERVAL_COLUMNS, POLICY_COLUMNS, AGENT_COLUMNS, CUSTOMER_COLUMNS, TICKET_COLUMNS, EVENT_COLUMNS,
  type Sample, type SampleOptions, type ResolvedSampleOptions, type SampleLabels, type LabelEpisode, type RiskModelCard,
  type SampleSinks, type SlaPolicyRow, type WriteSampleResult,
} from './generate.js';
export type { IntervalRow } from './intervals.js';
export type { AgentRow, CustomerRow } from './people.js';
export { LATENT_MODEL, type TicketRow, type EventRow, type TicketTruth, type EarlyFeatures, type RiskTruthSummary } from './tickets.js';
export { requiredAgents } from './staffing.js';
export { expectedSigmoid, rankFigures, type RankFigures } from './bayes.js';
