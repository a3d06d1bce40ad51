/** Queueing engine: Erlang C/A, required agents, what-if and staffing. Pure: no I/O, no clock. */
export * from './erlang.js';
export * from './erlang-a.js';
export * from './required.js';
export * from './whatif.js';
export * from './staffing.js';
export * from './calibrate.js';
export * from './calibration.js';
export * from './tdist.js';
export * from './corrections.js';
export * from './slModel.js';
export * from './dispersion.js';
