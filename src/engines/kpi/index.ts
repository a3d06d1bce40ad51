/** KPI engine: exact percentiles, FCR, mergeable partials, backlog, period comparison. Pure functions. */
export * from './percentile.js';
export * from './facts.js';
export * from './partial.js';
export * from './cell.js';
export * from './backlog.js';
export * from './metrics.js';
export * from './drivers.js';
