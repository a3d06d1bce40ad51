/**
 * The `risk model` / `risk train` chart: a SHAP summary of the model card — the top features by mean
 * |TreeSHAP contribution| to the log-odds over test rows, one horizontal bar each, coloured by direction
 * (a higher value raises or lowers the risk; a category's effect depends on its level; "mixed" when
 * neither holds). Other risk answers (score, ticket, simulate, compare) have no chart.
 */
import type { RiskResult } from '../../commands/risk.js';
import type { ModelCard } from '../engines/risk/model.js';
import { featureTitle } from '../engines/risk/explain.js';
import type { ChartSpec } from './render.js';

/** Bars shown: enough for the main drivers, few enough to read at Slack's preview size. */
export const MAX_FEATURES = 10;

const DIRECTIONS = ['higher raises risk', 'higher lowers risk', 'by level', 'mixed'] as const;
const LEGEND = ['higher value raises risk', 'higher value lowers risk', 'depends on the level', 'mixed'];
const COLOURS = ['#d6604d', '#4393c3', '#8c6bb1', '#9e9e9e'];

export function riskShapChartSpec(r: RiskResult): ChartSpec | null {
  let top: ModelCard['topFeatures'];
  let title: string;
  if (r.kind === 'model') {
    top = r.card.topFeatures;
    title = `What drives ${r.label === 'escalated' ? 'escalation' : 'SLA-breach'} risk — model v${r.active?.version ?? '?'}`;
  } else if (r.kind === 'train') {
    top = r.topFeatures;
    title = `What drives ${r.label === 'escalated' ? 'escalation' : 'SLA-breach'} risk — model v${r.version}`;
  } else return null;
  const values = top
    .filter((f) => Number.isFinite(f.meanAbsContribution) && f.meanAbsContribution > 0)
    .slice(0, MAX_FEATURES)
    .map((f, rank) => ({ feature: featureTitle(f.feature), rank, impact: f.meanAbsContribution, direction: LEGEND[Math.max(0, DIRECTIONS.indexOf(f.direction ?? 'mixed'))] }));
  if (!values.length) return null;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: 'mean |SHAP contribution| to the log-odds over test tickets; colour: which way it pushes' },
    width: 340,
    height: { step: 24 },
    data: { values },
    mark: { type: 'bar', cornerRadiusEnd: 2 },
    encoding: {
      y: { field: 'feature', type: 'nominal', title: null, sort: { field: 'rank', op: 'min' }, axis: { labelLimit: 320, labelFontSize: 12 } },
      x: { field: 'impact', type: 'quantitative', title: 'mean |contribution| (log-odds)', axis: { tickCount: 5 } },
      color: { field: 'direction', type: 'nominal', title: null, scale: { domain: LEGEND, range: COLOURS }, legend: { columns: 2, labelLimit: 260 } },
    },
  } as ChartSpec;
}
