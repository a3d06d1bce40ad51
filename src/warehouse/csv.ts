/**
 * CSV (RFC 4180) records from text chunks, each with the line it starts on: comma-separated, fields
 * optionally in double quotes ("" is a quote inside one; quoted fields may hold commas and newlines),
 * records end at \n or \r\n, a BOM at the start is dropped. Rows may have any number of fields (the
 * validator reports missing ones by name); a blank line is a record of one empty field.
 *
 * Why not csv-parse: on a million-row interval file it was half of ingest's parsing time (a state machine
 * per character plus a Buffer slice per field). Unquoted fields — nearly all — cost one indexOf and one
 * slice here. tests/csv.test.ts holds it to csv-parse's output on generated files.
 */

/** A malformed file: the line where it happened and what is wrong. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

export interface CsvOut {
  lines: number[];
  rows: string[][];
}

export class CsvSplitter {
  /** Text of the unfinished last record of the previous chunk. */
  private carry = '';
  /** Line number where `carry` (the next record) starts. */
  private line = 1;
  private started = false;

  /** Splits `chunk`, after any unfinished record, into records appended to `out`; keeps the unfinished tail. */
  push(chunk: string, out: CsvOut): void {
    this.split(chunk, false, out);
  }

  /** Ends the input: the tail is a record even without a final newline; an open quote is an error. */
  end(out: CsvOut): void {
    this.split('', true, out);
  }

  private split(chunk: string, final: boolean, out: CsvOut): void {
    let text = this.carry ? this.carry + chunk : chunk;
    if (!this.started && text.length) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const len = text.length;
    let pos = 0;
    let line = this.line;
    // Next newline and next quote at or after pos (-1 = none): found once, reused across fields.
    let nl = text.indexOf('\n', pos);
    let quote = text.indexOf('"', pos);
    while (pos < len) {
      const recStart = pos;
      const recLine = line;
      if (nl >= 0 && nl < pos) nl = text.indexOf('\n', pos);
      if (nl < 0 && !final) break; // the record may continue in the next chunk
      const fields: string[] = [];
      let complete = false;
      for (;;) {
        if (quote >= 0 && quote < pos) quote = text.indexOf('"', pos);
        if (quote === pos) {
          // Quoted field: up to the quote not followed by another.
          let value = '';
          let from = pos + 1;
          let closed = -1;
          for (;;) {
            const q = text.indexOf('"', from);
            if (q < 0) break;
            if (q + 1 === len && !final) break; // "" may straddle the chunks
            if (text.charCodeAt(q + 1) === 34) {
              value += text.slice(from, q + 1);
              from = q + 2;
              continue;
            }
            value += text.slice(from, q);
            closed = q;
            break;
          }
          if (closed < 0) {
            if (final) throw new CsvSyntaxError(recLine, 'a quoted field is never closed (a " is missing)');
            break;
          }
          for (let i = value.indexOf('\n'); i >= 0; i = value.indexOf('\n', i + 1)) line++;
          fields.push(value);
          pos = closed + 1;
          const c = text.charCodeAt(pos);
          if (c === 44) {
            pos++;
            continue;
          }
          if (pos >= len) {
            if (!final) break;
            complete = true;
            break;
          }
          if (c === 10 || (c === 13 && text.charCodeAt(pos + 1) === 10)) {
            pos += c === 13 ? 2 : 1;
            line++;
            complete = true;
            break;
          }
          if (c === 13 && pos + 1 >= len && !final) break;
          throw new CsvSyntaxError(line, 'a closing quote must be followed by a comma or the end of the line');
        }
        if (nl >= 0 && nl < pos) nl = text.indexOf('\n', pos);
        if (nl < 0 && !final) break; // the last field may continue in the next chunk
        const end = nl < 0 ? len : nl;
        let comma = text.indexOf(',', pos);
        if (comma < 0 || comma > end) comma = -1;
        const stop = comma < 0 ? end : comma;
        if (quote >= 0 && quote < stop) {
          throw new CsvSyntaxError(line, `a quote inside an unquoted field (quote the whole field and double the quote: "say ""hi""")`);
        }
        if (comma >= 0) {
          fields.push(text.slice(pos, comma));
          pos = comma + 1;
          continue;
        }
        // Last field of the record.
        fields.push(text.slice(pos, end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end));
        pos = end + 1;
        line++;
        complete = true;
        break;
      }
      if (!complete) {
        pos = recStart;
        line = recLine;
        break;
      }
      out.lines.push(recLine);
      out.rows.push(fields);
    }
    this.carry = pos < len ? text.slice(pos) : '';
    this.line = line;
    if (final && this.carry) throw new CsvSyntaxError(line, 'unexpected end of file');
  }
}
