import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { CsvSplitter, CsvSyntaxError, type CsvOut } from '../src/warehouse/csv.js';

/** Splits `text` at the given cut points, feeding the pieces one by one (as a file stream would). */
function split(text: string, cuts: number[]): CsvOut {
  const s = new CsvSplitter();
  const out: CsvOut = { lines: [], rows: [] };
  let at = 0;
  for (const c of [...new Set(cuts.map((x) => Math.min(text.length, x)))].sort((a, b) => a - b)) {
    s.push(text.slice(at, c), out);
    at = c;
  }
  s.push(text.slice(at), out);
  s.end(out);
  return out;
}

/** RFC 4180 writer: quote a field holding a comma, quote, CR or LF, doubling the quotes. */
const field = (f: string) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f);

describe('CsvSplitter', () => {
  it('matches csv-parse on generated files split into random chunks, with each record’s first line', () => {
    const cell = fc.stringMatching(/^[ab ,"\né\r]{0,6}$/).filter((f) => !/\r(?!\n)/.test(f));
    const record = fc.array(cell, { minLength: 1, maxLength: 5 }).filter((r) => !(r.length === 1 && r[0] === ''));
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), fc.boolean(), fc.boolean(), fc.array(fc.nat(200), { maxLength: 6 }), (recs, crlf, trailing, cuts) => {
        const eol = crlf ? '\r\n' : '\n';
        const texts = recs.map((r) => r.map(field).join(','));
        const text = texts.join(eol) + (trailing ? eol : '');
        const got = split(text, cuts);
        const reference = parse(text, { relax_column_count: true, skip_empty_lines: false }) as string[][];
        expect(got.rows).toEqual(reference);
        // Line of each record: 1 + the newlines written before it (second method: count in the writer's output).
        let line = 1;
        const lines = texts.map((t) => {
          const l = line;
          line += (t.match(/\n/g) ?? []).length + 1;
          return l;
        });
        expect(got.lines).toEqual(lines);
      }),
      { numRuns: 400 },
    );
  });

  it('drops a BOM, keeps blank lines as one empty field, and accepts a last line without a newline', () => {
    expect(split('\ufeffa,b\n\nc,"d\ne"', [3, 5]).rows).toEqual([['a', 'b'], [''], ['c', 'd\ne']]);
    expect(split('\ufeffa,b\n\nc,"d\ne"', []).lines).toEqual([1, 2, 3]);
  });

  it('reports malformed quoting with the line', () => {
    const err = (text: string) => {
      try {
        split(text, []);
      } catch (e) {
        return e as CsvSyntaxError;
      }
      return null;
    };
    expect(err('a,b\nc,"d\n')).toMatchObject({ line: 2, reason: expect.stringMatching(/never closed/) });
    expect(err('a,b\nc,"d"x\n')).toMatchObject({ line: 2, reason: expect.stringMatching(/closing quote/) });
    expect(err('a,b\nc,d"x\n')).toMatchObject({ line: 2, reason: expect.stringMatching(/quote inside an unquoted field/) });
  });
});
