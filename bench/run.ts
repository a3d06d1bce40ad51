/**
 * `npm run bench [-- --quick] [-- --only group1,group2]`: runs every bench/*.bench.ts module and prints one
 * table of figures (value, unit, target, verdict). Also writes bench/out/results.json.
 */
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchModule, BenchRow } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? new Set(args[onlyIdx + 1].split(',')) : null;
const outDir = join(here, 'out');
mkdirSync(outDir, { recursive: true });

const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
const rows: BenchRow[] = [];
for (const f of files) {
  const group = f.replace(/\.bench\.ts$/, '');
  if (only && !only.has(group)) continue;
  process.stderr.write(`bench: ${group} …\n`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default: BenchModule };
  try {
    const got = await mod.default({ quick, outDir });
    rows.push(...got);
    for (const r of got) process.stderr.write(`  ${r.name}: ${fmt(r.value)} ${r.unit}${r.target ? `  (target ${r.target}: ${r.verdict ?? '?'})` : ''}\n`);
  } catch (err) {
    rows.push({ group, name: 'FAILED', value: NaN, unit: '', note: String((err as Error)?.stack ?? err) });
    process.stderr.write(`  FAILED: ${(err as Error)?.stack ?? err}\n`);
  }
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toPrecision(3);
}

const header = ['group', 'figure', 'value', 'unit', 'target', 'verdict'];
const table = rows.map((r) => [r.group, r.name, fmt(r.value), r.unit, r.target ?? '', r.verdict ?? '']);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const t of table) console.log(line(t));
for (const r of rows.filter((r) => r.note)) console.log(`note [${r.group}] ${r.name}: ${r.note}`);
writeFileSync(join(outDir, 'results.json'), JSON.stringify(rows, null, 2));
