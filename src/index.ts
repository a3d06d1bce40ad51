/**
 * Package entry (`main`): the engines' public API, one namespace per engine so names never collide
 * (risk's `calibrate` vs queueing's calibration helpers, say). Engines are pure except retrieval, which reads
 * the warehouse's search index.
 */
export * as queueing from './engines/queueing/index.js';
export * as drift from './engines/drift/index.js';
export * as risk from './engines/risk/index.js';
export * as retrieval from './engines/retrieval/index.js';
export * as forecast from './engines/forecast/index.js';
