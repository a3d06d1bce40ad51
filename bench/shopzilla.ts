/**
 * The shared real e-commerce CSAT contacts (../shared/data/shopzilla_ecommerce_csat) as a tickets CSV in the
 * product's ingest format (docs/data-formats.md), so benches load them through `radar ingest` like any
 * customer file. Same reading as the risk bench's: reported = created_at, responded = first_response_at
 * (a response stamped before the report is dropped: no response); the contact type (Inbound / Outcall /
 * Email) maps to channel phone / phone / email and is kept whole as attr_contact; the category is the
 * ticket category; supervisor, manager, tenure, shift, sub-category and product category — known when the
 * contact came in — become attr_* columns. The customer remarks are written after the survey and never read.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

const here = dirname(fileURLToPath(import.meta.url));
const CANDIDATES = [
  join(here, '..', '..', 'shared', 'data', 'shopzilla_ecommerce_csat', 'customer_support_data_first10527.csv'),
  '/work/shared/data/shopzilla_ecommerce_csat/customer_support_data_first10527.csv',
];

export function shopzillaPath(): string | null {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** 'd/m/Y H:M' → ISO UTC (the file has no zone; its order is what matters). */
export function dmy(s: string): string | null {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const p = (v: string) => v.padStart(2, '0');
  return `${m[3]}-${p(m[2])}-${p(m[1])}T${p(m[4])}:${m[5]}:00Z`;
}

const CHANNEL: Record<string, string> = { Inbound: 'phone', Outcall: 'phone', Email: 'email' };

/** Writes the contacts with a CSAT score as `tickets.csv` in `dir`; returns how many rows it wrote and skipped. */
export function writeShopzillaTickets(dir: string): { path: string; rows: number; skipped: number; responseDropped: number } | null {
  const src = shopzillaPath();
  if (!src) return null;
  const recs = parse(readFileSync(src), { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
  const header = ['ticket_id', 'created_at', 'first_response_at', 'status', 'priority', 'channel', 'queue', 'subject', 'category', 'csat',
    'attr_contact', 'attr_sub_category', 'attr_supervisor', 'attr_manager', 'attr_tenure', 'attr_shift', 'attr_product_category'];
  const out: string[][] = [];
  let skipped = 0;
  let responseDropped = 0;
  const seen = new Set<string>();
  for (const r of recs) {
    const created = dmy(r['Issue_reported at']);
    const csat = Number(r['CSAT Score']);
    const id = r['Unique id'];
    if (!created || !(csat >= 1 && csat <= 5) || !id || seen.has(id)) {
      skipped++;
      continue;
    }
    seen.add(id);
    let responded = dmy(r['issue_responded']);
    if (responded && responded < created) {
      responded = null;
      responseDropped++;
    }
    out.push([id, created, responded ?? '', 'closed', 'normal', CHANNEL[r['channel_name']] ?? 'web', 'ecommerce', r['category'] || 'contact', r['category'], String(csat),
      r['channel_name'], r['Sub-category'], r['Supervisor'], r['Manager'], r['Tenure Bucket'], r['Agent Shift'], r['Product_category']]);
  }
  const path = join(dir, 'tickets.csv');
  writeFileSync(path, stringify([header, ...out]));
  return { path, rows: out.length, skipped, responseDropped };
}
