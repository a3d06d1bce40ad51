/**
 * The risk SHAP summary chart: the model card's top features as bars in the card's order with their
 * mean |contribution|, coloured by direction; only `risk model` / `risk train` answers draw it, and the PNG
 * has its labels (fonts) at a size Slack previews legibly.
 */
import { describe, it, expect } from 'vitest';
import { riskShapChartSpec, MAX_FEATURES } from '../src/charts/riskShap.js';
import { chartPng, chartSpec } from '../src/charts/index.js';
import { specToSvg } from '../src/charts/render.js';
import { featureTitle } from '../src/engines/risk/explain.js';
import type { RiskResult } from '../commands/risk.js';
import type { ModelCard } from '../src/engines/risk/model.js';

type Top = ModelCard['topFeatures'];
const top: Top = [
  { feature: 'escalation_phrases', meanAbsContribution: 0.51, direction: 'higher raises risk' },
  { feature: 'category', meanAbsContribution: 0.44, direction: 'by level' },
  { feature: 'customer_tier', meanAbsContribution: 0.11, direction: 'higher lowers risk' },
  { feature: 'wording (hashed tokens)', meanAbsContribution: 0.08, direction: 'mixed' },
  { feature: 'attr_region', meanAbsContribution: 0.02, direction: 'by level' },
];
const modelResult = (t: Top): RiskResult => ({ kind: 'model', label: 'escalated', active: { version: 3 } as never, versions: [], card: { topFeatures: t } as ModelCard });

interface Row {
  feature: string;
  rank: number;
  impact: number;
  direction: string;
}
const rows = (r: RiskResult) => (riskShapChartSpec(r) as unknown as { data: { values: Row[] } }).data.values;

describe('risk SHAP summary chart', () => {
  it('draws the card’s features in its order with their values and a direction each', () => {
    const v = rows(modelResult(top));
    expect(v.map((x) => x.feature)).toEqual(['escalation phrases', 'category', 'customer tier', 'wording (hashed tokens)', 'region']);
    expect(v.map((x) => x.rank)).toEqual([0, 1, 2, 3, 4]);
    expect(v.map((x) => x.impact)).toEqual([0.51, 0.44, 0.11, 0.08, 0.02]);
    expect(v.map((x) => x.direction)).toEqual(['higher value raises risk', 'depends on the level', 'higher value lowers risk', 'mixed', 'depends on the level']);
    expect((riskShapChartSpec(modelResult(top)) as unknown as { title: { text: string } }).title.text).toBe('What drives escalation risk — model v3');
  });

  it('shows at most MAX_FEATURES bars and leaves out zero or undefined contributions', () => {
    const many: Top = Array.from({ length: 15 }, (_, i) => ({ feature: `attr_a${i}`, meanAbsContribution: 1 - i / 20, direction: 'mixed' }));
    expect(rows(modelResult(many))).toHaveLength(MAX_FEATURES);
    const odd: Top = [...top.slice(0, 2), { feature: 'x', meanAbsContribution: 0, direction: 'mixed' }, { feature: 'y', meanAbsContribution: NaN, direction: 'mixed' }];
    expect(rows(modelResult(odd)).map((x) => x.feature)).toEqual(['escalation phrases', 'category']);
  });

  it('only model and train answers have a chart; nothing to draw → none', () => {
    expect(riskShapChartSpec(modelResult([]))).toBeNull();
    expect(chartSpec('risk', { kind: 'ticket' })).toBeNull();
    expect(chartSpec('risk', { kind: 'score', tickets: [] })).toBeNull();
    const train = { kind: 'train', label: 'sla_breached', version: 2, topFeatures: top } as unknown as RiskResult;
    expect((riskShapChartSpec(train) as unknown as { title: { text: string } }).title.text).toBe('What drives SLA-breach risk — model v2');
  });

  it('names features for people', () => {
    expect(featureTitle('first_response_wait_hours')).toBe('wait for the first response');
    expect(featureTitle('attr_product_category')).toBe('product category');
    expect(featureTitle('tok_07')).toBe('tok 07');
  });

  it('renders a PNG with its labels at a size Slack previews legibly', async () => {
    const png = (await chartPng('risk', modelResult(top)))!;
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    // 340-px plot plus the labels at 1.5×; five bars of 24 px plus title, axis and legend.
    expect(width).toBeGreaterThan(800);
    expect(width).toBeLessThan(1400);
    expect(height).toBeGreaterThan(300);
    expect(height).toBeLessThan(800);
    const svg = await specToSvg(riskShapChartSpec(modelResult(top))!);
    for (const label of ['escalation phrases', 'customer tier', 'depends on the level']) expect(svg).toContain(label);
  });
});
