/**
 * Charts per command: a command's result → a Vega-Lite spec → PNG. Used by the Slack surface (uploaded into
 * the answer's thread) and the CLI (`radar sla … --chart out.png`). To give another command a chart, write
 * its spec builder next to sla.ts and add it to CHARTS. Keep what varies between answers in the rows, the title
 * and top-level params (see sla.ts): the rest is the spec's shape, compiled once (render.ts).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { renderSpec, type ChartSpec } from './render.js';
import { slaChartSpec } from './sla.js';
import { whyChartSpec } from './why.js';
import { whatifChartSpec } from './whatif.js';
import { driftChartSpec } from './drift.js';
import { forecastCommandChartSpec } from './forecast.js';
import type { ForecastResult } from '../../commands/forecast.js';
import type { SlaResult } from '../../commands/sla.js';
import type { WhyResult } from '../../commands/why.js';
import type { WhatifCommandResult } from '../../commands/whatif.js';
import type { DriftResult } from '../../commands/drift.js';
import { riskShapChartSpec } from './riskShap.js';
import type { RiskResult } from '../../commands/risk.js';

export type ChartBuilder = (result: unknown) => ChartSpec | null;

/** Command name → chart builder. The builder returns null when there is nothing to draw (no data). */
export const CHARTS: Readonly<Record<string, ChartBuilder>> = {
  sla: (r) => slaChartSpec(r as SlaResult),
  why: (r) => whyChartSpec(r as WhyResult),
  whatif: (r) => whatifChartSpec(r as WhatifCommandResult),
  drift: (r) => driftChartSpec(r as DriftResult),
  forecast: (r) => forecastCommandChartSpec(r as ForecastResult),
  risk: (r) => riskShapChartSpec(r as RiskResult),
};

export function hasChart(commandName: string): boolean {
  return Object.hasOwn(CHARTS, commandName);
}

/** The chart's spec for a command's result, or null (no chart for this command, or nothing to draw). */
export function chartSpec(commandName: string, result: unknown): ChartSpec | null {
  return hasChart(commandName) ? CHARTS[commandName](result) : null;
}

/** PNG bytes of a command's chart, or null. A builder that throws on an odd result is a bug we log upstream, never a failed answer: callers catch. */
export async function chartPng(commandName: string, result: unknown): Promise<Buffer | null> {
  const spec = chartSpec(commandName, result);
  return spec ? (await renderSpec(spec)).png : null;
}

/** Writes the chart to `outPath` and returns the absolute path, or null when the command has no chart. */
export async function renderCommandChart(commandName: string, result: unknown, outPath: string): Promise<string | null> {
  const png = await chartPng(commandName, result);
  if (!png) return null;
  const abs = resolve(outPath);
  mkdirSync(dirname(abs), { recursive: true });
  writeFileSync(abs, png);
  return abs;
}

/**
 * Renders a made-up sla chart once (compiled spec, View, fonts and label outlines cached) so the first real
 * chart after a start is as quick as the rest. `radar serve` calls it in the background; returns the PNG's
 * size in bytes.
 */
export async function warmCharts(): Promise<number> {
  const days = Array.from({ length: 14 }, (_, i) => `2026-01-${String(i + 1).padStart(2, '0')}`);
  // Only the fields the chart reads.
  const demo = {
    range: { from: days[0], to: days[13], label: 'warm-up' },
    note: null,
    queues: [{ displayName: 'warm-up', target: { pct: 80 }, trend14: days.map((date, i) => ({ date, sl: 0.7 + (i % 3) * 0.05 })) }],
  } as unknown as SlaResult;
  const spec = slaChartSpec(demo);
  return spec ? (await renderSpec(spec)).png.length : 0;
}

export { renderSpec, specToSvg, svgToPng, clearChartCaches, CHART_DATA_KEY, type ChartSpec } from './render.js';
export { pngText } from './png.js';
export { fontWarning } from './fonts.js';
