/** Forecast engine: day totals by Holt–Winters × intraday profile, prediction intervals, rolling-origin backtest. Pure. */
export * from './forecast.js';
export * from './backtest.js';
export * from './holtWinters.js';
export * from './combination.js';
export * from './aht.js';
export * from './profile.js';
export * from './quantiles.js';
