/**
 * The SQL dialect layer: renders the warehouse's one SQL source (sql/schema.sql, sql/migrations/*.sql,
 * sql/views*.sql, written for SQLite) as PostgreSQL statements, so the schema, migrations and views exist
 * once, not as two copies (docs/postgres.md).
 *
 * What it rewrites, statement by statement (comments dropped, strings kept verbatim):
 *   types        INTEGER → BIGINT (epoch ms overflow int4), REAL → DOUBLE PRECISION (REAL is float4 in
 *                Postgres), BLOB → BYTEA; `INTEGER PRIMARY KEY` (SQLite's rowid alias) → an identity column;
 *                `STRICT`, `WITHOUT ROWID` dropped; x'…' blob literals → bytea literals.
 *   functions    scalar MIN(a, b) / MAX(a, b) → LEAST / GREATEST; json_each(x) → jsonb_each_text(x::jsonb);
 *                json_valid, json_type and unixepoch keep their names: PRELUDE defines them in Postgres.
 *   operators    `a GLOB 'pat'` → `a ~ '^regex$'`; `a IS NOT b` (b not NULL) → IS DISTINCT FROM.
 *   FTS5         a `CREATE VIRTUAL TABLE x USING fts5(cols…, content = 'T')` becomes a stored generated
 *                tsvector column `x` on T (columns weighted A, B, … in order; 'english' = Porter stemming)
 *                with a GIN index; the sync triggers and 'rebuild' inserts of x are dropped (a generated
 *                column cannot go stale).
 *   triggers     `CREATE TRIGGER n AFTER … ON t [WHEN c] BEGIN …; END` → a PL/pgSQL function n_fn (the WHEN
 *                as an IF inside it) and a FOR EACH ROW trigger; DROP TRIGGER gets the table it was created on.
 *   renames      ALTER TABLE a RENAME TO b also renames a's indexes (a_pkey → b_pkey, …).
 *   views        DROP VIEW IF EXISTS … CASCADE (Postgres refuses to drop a view others depend on).
 * Anything it cannot render throws with the statement, so a new SQLite-only construct fails the Postgres
 * tests instead of silently diverging.
 */

/** SQLite functions the SQL uses, defined in Postgres with SQLite's semantics (NULL in → NULL out). */
export const PRELUDE = [
  `CREATE OR REPLACE FUNCTION json_valid(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF t IS NULL THEN RETURN NULL; END IF;
  PERFORM t::jsonb;
  RETURN true;
EXCEPTION WHEN others THEN
  RETURN false;
END $$`,
  `CREATE OR REPLACE FUNCTION json_type(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT CASE jsonb_typeof(t::jsonb) WHEN 'number' THEN CASE WHEN t ~ '^\\s*-?\\d+\\s*$' THEN 'integer' ELSE 'real' END
  WHEN 'boolean' THEN t::jsonb::text WHEN 'string' THEN 'text' ELSE jsonb_typeof(t::jsonb) END $$`,
  // Timestamps are stored as ISO-8601 UTC text ('…Z'): the offset is in the text, so the session time zone
  // never enters and the function is immutable in practice.
  `CREATE OR REPLACE FUNCTION unixepoch(t text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
SELECT floor(extract(epoch FROM t::timestamptz))::bigint $$`,
  // SQLite's json_each over an array or an object (key: the index or the member name), for the queries in
  // TypeScript that pass a JSON parameter (the views' own json_each calls are over objects).
  `CREATE OR REPLACE FUNCTION radar_json_each(t text) RETURNS TABLE (key text, value text) LANGUAGE sql IMMUTABLE AS $$
SELECT (e.n - 1)::text, e.v FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(t::jsonb) = 'array' THEN t::jsonb ELSE '[]'::jsonb END) WITH ORDINALITY AS e(v, n)
UNION ALL
SELECT o.key, o.value FROM jsonb_each_text(CASE WHEN jsonb_typeof(t::jsonb) = 'object' THEN t::jsonb ELSE '{}'::jsonb END) AS o $$`,
  // SQLite's json_extract(doc, '$.key' | '$."key"' | '$.a.b') as text (the queries compare it as text).
  `CREATE OR REPLACE FUNCTION json_extract(t text, path text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT t::jsonb #>> regexp_split_to_array(replace(regexp_replace(path, '^\\$\\.?', ''), '"', ''), '\\.') $$`,
  // FTS5 MATCH expressions as the retrieval engine writes them ("word" / "a phrase" / "prefix"*, joined by OR;
  // src/engines/retrieval/text.ts ftsQuery) as a tsquery with the same english stemming as the index.
  `CREATE OR REPLACE FUNCTION radar_fts_query(q text) RETURNS tsquery LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE m text[]; part tsquery; word text; out tsquery;
BEGIN
  FOR m IN SELECT regexp_matches(q, '"((?:[^"]|"")*)"(\\*?)', 'g') LOOP
    IF m[2] = '*' THEN
      word := regexp_replace(m[1], '[^[:alnum:]]+', '', 'g');
      IF word = '' THEN CONTINUE; END IF;
      part := to_tsquery('english', word || ':*');
    ELSE
      part := phraseto_tsquery('english', replace(m[1], '""', '"'));
    END IF;
    IF numnode(part) = 0 THEN CONTINUE; END IF;
    out := CASE WHEN out IS NULL THEN part ELSE out || part END;
  END LOOP;
  RETURN coalesce(out, ''::tsquery);
END $$`,
  // FTS5's 'bm25(wA, wB, wC)' column weights as ts_rank_cd's weight array {D, C, B, A}, scaled to at most 1.
  `CREATE OR REPLACE FUNCTION radar_fts_weights(rank text) RETURNS float4[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE w float8[]; mx float8;
BEGIN
  w := regexp_split_to_array(trim(substring(rank FROM '\\(([^)]*)\\)')), '\\s*,\\s*')::float8[];
  mx := greatest(w[1], coalesce(w[2], 1), coalesce(w[3], 1), 1e-9);
  RETURN ARRAY[0.1, coalesce(w[3], 1) / mx, coalesce(w[2], 1) / mx, w[1] / mx]::float4[];
END $$`,
  // SQLite's ROUND(x, digits) on a float (Postgres has it for numeric only); halves away from zero, as SQLite.
  `CREATE OR REPLACE FUNCTION round(x double precision, digits integer) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
SELECT round(x::numeric, digits)::double precision $$`,
];

export interface FtsIndex {
  name: string;
  /** The content table or view. */
  table: string;
  columns: string[];
  /** generated: a tsvector column on the content table; side: a table (rowid, doc) kept by the SQL's own triggers. */
  mode: 'generated' | 'side';
  /** The content's rowid column (side mode). */
  rowid: string;
}

/** What earlier files created that later statements refer to (trigger → table, FTS tables). */
export interface DialectState {
  triggers: Map<string, string>;
  fts: Map<string, FtsIndex>;
  views: Set<string>;
}

export function newDialectState(): DialectState {
  return { triggers: new Map(), fts: new Map(), views: new Set() };
}

export class DialectError extends Error {}

/** Splits SQL into statements without comments; `CREATE TRIGGER … BEGIN …; END` stays one statement. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  const flush = () => {
    const s = cur.trim();
    if (s) out.push(s);
    cur = '';
  };
  while (i < sql.length) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === "'" && sql[j + 1] !== "'")) j += sql[j] === "'" ? 2 : 1;
      cur += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === ';') {
      const inTrigger = /^\s*CREATE\s+TRIGGER\b/i.test(cur) && !/\bEND\s*$/i.test(cur.trimEnd());
      if (inTrigger) cur += c;
      else flush();
      i++;
      continue;
    }
    cur += c;
    i++;
  }
  flush();
  return out;
}

/** Positions of string literals, so rewrites leave them alone. */
/** Applies `f` to the code between string literals (the literals kept verbatim). */
export function outsideStrings(s: string, f: (code: string) => string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const q = s.indexOf("'", i);
    if (q < 0) {
      out += f(s.slice(i));
      break;
    }
    // A blob literal x'…' is rewritten whole by the caller's code path: keep the x with its string.
    out += f(s.slice(i, q));
    let j = q + 1;
    while (j < s.length && !(s[j] === "'" && s[j + 1] !== "'")) j += s[j] === "'" ? 2 : 1;
    out += s.slice(q, j + 1);
    i = j + 1;
  }
  return out;
}

/** The arguments of the call whose '(' is at `open`: [args, index after ')']. */
function callArgs(s: string, open: number): [string[], number] {
  const args: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      let j = i + 1;
      while (j < s.length && !(s[j] === "'" && s[j + 1] !== "'")) j += s[j] === "'" ? 2 : 1;
      cur += s.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(') {
      depth++;
      if (depth === 1) continue;
    } else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(cur.trim());
        return [args, i + 1];
      }
    } else if (c === ',' && depth === 1) {
      args.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  throw new DialectError(`unbalanced parentheses in: ${s.slice(open, open + 80)}`);
}

/** MIN(a, b, …) / MAX(a, b, …) with two or more arguments are SQLite's scalar forms: LEAST / GREATEST. */
function scalarMinMax(s: string): string {
  let out = '';
  let i = 0;
  const re = /\b(MIN|MAX)\s*\(/gi;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    // Inside a string literal (an odd number of quotes before it; '' escapes count twice): leave it.
    if ((s.slice(0, m.index).match(/'/g)?.length ?? 0) % 2 === 1) continue;
    const open = m.index + m[0].length - 1;
    const [args, end] = callArgs(s, open);
    out += s.slice(i, m.index);
    if (args.length >= 2) out += `${m[1].toUpperCase() === 'MIN' ? 'LEAST' : 'GREATEST'}(${args.map(scalarMinMax).join(', ')})`;
    else out += `${m[1]}(${scalarMinMax(args[0])})`;
    i = end;
    re.lastIndex = end;
  }
  return out + s.slice(i);
}

/** A GLOB pattern as an anchored POSIX regex (only *, ? and [...] classes are used by the SQL). */
export function globToRegex(glob: string): string {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) throw new DialectError(`unterminated [ in GLOB '${glob}'`);
      const body = glob.slice(i + 1, end);
      re += `[${body.startsWith('^') ? '^' + body.slice(1) : body}]`;
      i = end;
    } else re += /[.+(){}|\\^$]/.test(c) ? `\\${c}` : c;
  }
  return re + '$';
}

function types(code: string): string {
  return code
    .replace(/\bINTEGER\s+PRIMARY\s+KEY\b/gi, 'BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY')
    .replace(/\bINTEGER\b/gi, 'BIGINT')
    .replace(/\bREAL\b/gi, 'DOUBLE PRECISION')
    .replace(/\bBLOB\b/gi, 'BYTEA');
}

/** Expression-level rewrites shared by every statement kind. */
function expressions(stmt: string): string {
  // x'AB12' → '\xAB12'::bytea (before the string-aware pass: the x sits just outside the quotes).
  let s = stmt.replace(/\bx'([0-9a-fA-F]*)'/g, "'\\x$1'::bytea");
  s = s.replace(/\bGLOB\s+'((?:[^']|'')*)'/gi, (_m, pat: string) => `~ '${globToRegex(pat.replace(/''/g, "'"))}'`);
  s = outsideStrings(s, (code) =>
    types(code)
      .replace(/\bIS\s+NOT\s+(?!NULL\b)/gi, 'IS DISTINCT FROM ')
      .replace(/\bjson_each\s*\(([^()]*)\)/gi, 'jsonb_each_text(($1)::jsonb)')
      .replace(/\bchar\s*\(\s*(\d+)\s*\)/gi, 'chr($1)')
      .replace(/\bgroup_concat\s*\(/gi, 'string_agg('),
  );
  return scalarMinMax(s);
}

/** The weighted tsvector of `exprs` (first column weight A, then B, C, D; 'english' = Porter stemming). */
function tsv(exprs: string[]): string {
  return exprs.map((e, k) => `setweight(to_tsvector('english', coalesce(${e}, '')), '${'ABCD'[Math.min(k, 3)]}')`).join(' || ');
}

function renderFts(stmt: string, state: DialectState): string[] {
  const m = /^CREATE\s+VIRTUAL\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s+USING\s+fts5\s*\(([\s\S]*)\)\s*$/i.exec(stmt);
  if (!m) throw new DialectError(`only fts5 virtual tables are rendered: ${stmt.slice(0, 120)}`);
  const name = m[1];
  const parts = m[2].split(',').map((p) => p.trim()).filter(Boolean);
  const columns = parts.filter((p) => !p.includes('='));
  const opt = (k: string) => parts.map((p) => new RegExp(`^${k}\\s*=\\s*'(\\w+)'$`, 'i').exec(p)?.[1]).find(Boolean);
  const content = opt('content');
  if (!content) throw new DialectError(`fts5 table ${name} without content = 'table': only external-content indexes are rendered`);
  const rowid = opt('content_rowid') ?? 'rowid';
  // Content in a table: a generated column that cannot go stale. Content in a view: a side table that the
  // SQL's own triggers keep (their 'delete' / insert commands are rendered as DELETE / upsert below).
  const mode = state.views.has(content) ? 'side' : 'generated';
  state.fts.set(name, { name, table: content, columns, mode, rowid });
  if (mode === 'side') {
    return [`CREATE TABLE IF NOT EXISTS ${name} (rowid BIGINT PRIMARY KEY, doc tsvector NOT NULL)`, `CREATE INDEX IF NOT EXISTS ix_${name} ON ${name} USING gin (doc)`];
  }
  return [
    `ALTER TABLE ${content} ADD COLUMN IF NOT EXISTS ${name} tsvector GENERATED ALWAYS AS (${tsv(columns)}) STORED`,
    `CREATE INDEX IF NOT EXISTS ix_${name} ON ${content} USING gin (${name})`,
  ];
}

/** Splits `a, b, c FROM rest` at top-level commas up to the top-level FROM: [items, rest or '']. */
function selectList(s: string): [string[], string] {
  const items: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'") {
      let j = i + 1;
      while (j < s.length && !(s[j] === "'" && s[j + 1] !== "'")) j += s[j] === "'" ? 2 : 1;
      cur += s.slice(i, j + 1);
      i = j;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    if (depth === 0 && c === ',') {
      items.push(cur.trim());
      cur = '';
      continue;
    }
    if (depth === 0 && /\s/.test(c) && /^\s+FROM\s/i.test(s.slice(i))) {
      items.push(cur.trim());
      return [items, s.slice(i).trim()];
    }
    cur += c;
  }
  items.push(cur.trim());
  return [items, ''];
}

/** FTS5 commands on a side-table index: 'rebuild', 'delete' (VALUES or SELECT) and inserts. */
function renderFtsInsert(stmt: string, f: FtsIndex): string[] {
  const m = /^INSERT\s+INTO\s+\w+\s*\(([^)]*)\)\s*([\s\S]*)$/i.exec(stmt);
  if (!m) throw new DialectError(`cannot render FTS insert: ${stmt.slice(0, 120)}`);
  const cols = m[1].split(',').map((c) => c.trim());
  const rest = m[2].trim();
  let items: string[];
  let from = '';
  if (/^VALUES/i.test(rest)) items = callArgs(rest, rest.indexOf('('))[0];
  else if (/^SELECT\s/i.test(rest)) [items, from] = selectList(rest.replace(/^SELECT\s+/i, ''));
  else throw new DialectError(`cannot render FTS insert: ${stmt.slice(0, 120)}`);
  const command = cols[0] === f.name ? items[0].replace(/^'|'$/g, '').toLowerCase() : null;
  if (command === 'rebuild') return [`DELETE FROM ${f.name}`, `INSERT INTO ${f.name} (rowid, doc) SELECT ${f.rowid}, ${tsv(f.columns)} FROM ${f.table}`];
  const at = (c: string) => items[cols.indexOf(c)];
  if (command === 'delete') {
    return [expressions(from ? `DELETE FROM ${f.name} WHERE rowid IN (SELECT ${at('rowid')} ${from})` : `DELETE FROM ${f.name} WHERE rowid = ${at('rowid')}`)];
  }
  if (command !== null) throw new DialectError(`FTS5 command '${command}' has no Postgres rendering`);
  const doc = tsv(f.columns.map((c) => at(c) ?? 'NULL'));
  const body = from ? `SELECT ${at('rowid')}, ${doc} ${from}` : `VALUES (${at('rowid')}, ${doc})`;
  return [expressions(`INSERT INTO ${f.name} (rowid, doc) ${body} ON CONFLICT (rowid) DO UPDATE SET doc = excluded.doc`)];
}

function renderTrigger(stmt: string, state: DialectState): string[] {
  const m = /^CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s+(BEFORE|AFTER)\s+(INSERT|DELETE|UPDATE(?:\s+OF\s+[\w\s,]+?)?)\s+ON\s+(\w+)\s+(?:FOR\s+EACH\s+ROW\s+)?(?:WHEN\s+([\s\S]+?)\s+)?BEGIN\s+([\s\S]*?)\s*END$/i.exec(stmt);
  if (!m) throw new DialectError(`cannot render trigger: ${stmt.slice(0, 120)}`);
  const [, name, when, event, table, cond, body] = m;
  // Triggers that keep an FTS5 index in sync have no job once the index is a generated column.
  if ([...state.fts.values()].some((f) => f.mode === 'generated' && new RegExp(`\\b${f.name}\\b`, 'i').test(body))) return [];
  state.triggers.set(name.toLowerCase(), table);
  const stmts = splitStatements(body).flatMap((s) => renderStatement(s, state)).map((s) => `${s};`).join('\n  ');
  // The WHEN goes into the function: a Postgres trigger's WHEN may not hold a subquery (SQLite's may).
  const guarded = cond ? `IF ${expressions(cond)} THEN\n  ${stmts}\n  END IF;` : stmts;
  return [
    `CREATE OR REPLACE FUNCTION ${name}_fn() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  ${guarded}\n  RETURN NULL;\nEND $$`,
    `DROP TRIGGER IF EXISTS ${name} ON ${table}`,
    `CREATE TRIGGER ${name} ${when.toUpperCase()} ${event.replace(/\s+/g, ' ')} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}_fn()`,
  ];
}

/** Renders one SQLite statement as zero or more Postgres statements. */
export function renderStatement(stmt: string, state: DialectState): string[] {
  if (/^CREATE\s+VIRTUAL\s+TABLE\b/i.test(stmt)) return renderFts(stmt, state);
  if (/^CREATE\s+TRIGGER\b/i.test(stmt)) return renderTrigger(stmt, state);
  const drop = /^DROP\s+TRIGGER\s+(?:IF\s+EXISTS\s+)?(\w+)$/i.exec(stmt);
  if (drop) {
    const table = state.triggers.get(drop[1].toLowerCase());
    if (!table) return []; // an FTS sync trigger (never created here) or one never made
    state.triggers.delete(drop[1].toLowerCase());
    return [`DROP TRIGGER IF EXISTS ${drop[1]} ON ${table}`, `DROP FUNCTION IF EXISTS ${drop[1]}_fn()`];
  }
  const ins = /^INSERT\s+INTO\s+(\w+)/i.exec(stmt);
  const fts = ins ? state.fts.get(ins[1]) : undefined;
  if (fts?.mode === 'generated') return []; // 'rebuild' of a generated column: always built
  if (fts) return renderFtsInsert(stmt, fts);
  // DROP TABLE of an FTS index: its generated column or side table.
  const dropTable = /^DROP\s+TABLE\s+(IF\s+EXISTS\s+)?(\w+)$/i.exec(stmt);
  const dropped = dropTable ? state.fts.get(dropTable[2]) : undefined;
  if (dropped) {
    state.fts.delete(dropped.name);
    return [dropped.mode === 'generated' ? `ALTER TABLE ${dropped.table} DROP COLUMN IF EXISTS ${dropped.name}` : `DROP TABLE IF EXISTS ${dropped.name}`];
  }
  // In ON CONFLICT … DO UPDATE SET, SQLite reads a bare column as the existing row's; Postgres calls it ambiguous.
  const upsert = /^INSERT\s+INTO\s+(\w+)[\s\S]*?\bDO\s+UPDATE\s+SET\s+([\s\S]*)$/i.exec(stmt);
  if (upsert) {
    const [, table, set] = upsert;
    const assigned = [...set.matchAll(/(?:^|,)\s*(\w+)\s*=/g)].map((m) => m[1]);
    const qualified = set.replace(/(=\s*)([^,]*)/g, (_m, eq: string, rhs: string) => eq + outsideStrings(rhs, (code) => code.replace(new RegExp(`(?<![.\\w])(${assigned.join('|')})\\b`, 'g'), `${table}.$1`)));
    return [expressions(stmt.slice(0, stmt.length - set.length) + qualified)];
  }
  const view = /^CREATE\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/i.exec(stmt);
  if (view) state.views.add(view[1]);
  if (/^PRAGMA\b/i.test(stmt)) throw new DialectError(`PRAGMA has no Postgres rendering: ${stmt}`);
  if (/^CREATE\s+TABLE\b/i.test(stmt)) {
    const tail = /\)\s*((?:STRICT|WITHOUT\s+ROWID)(?:\s*,\s*(?:STRICT|WITHOUT\s+ROWID))*)?\s*$/i.exec(stmt)!;
    let out = stmt.slice(0, tail.index) + ')';
    // SQLite's implicit rowid, which the SQL may name (FTS content, ORDER BY rowid): an explicit identity column.
    if (!/WITHOUT\s+ROWID/i.test(tail[1] ?? '') && !/\bINTEGER\s+PRIMARY\s+KEY\b/i.test(stmt)) out = out.replace(/\(/, '(rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE, ');
    return [expressions(out)];
  }
  // Postgres keeps a renamed table's index names (t_pkey, …): rename them too, or the table re-created under
  // the old name (SQLite's rebuild-a-table migrations) collides with them.
  const rename = /^ALTER\s+TABLE\s+(\w+)\s+RENAME\s+TO\s+(\w+)$/i.exec(stmt);
  if (rename) {
    const [, from, to] = rename;
    return [
      stmt,
      `DO $$ DECLARE r record; BEGIN FOR r IN SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = '${to}' AND indexname LIKE '${from}\\_%' LOOP EXECUTE format('ALTER INDEX %I RENAME TO %I', r.indexname, '${to}' || substr(r.indexname, ${from.length + 1})); END LOOP; END $$`,
    ];
  }
  const dropView = /^DROP\s+VIEW\s+(IF\s+EXISTS\s+)?(\w+)$/i.exec(stmt);
  if (dropView) return [`DROP VIEW IF EXISTS ${dropView[2]} CASCADE`];
  return [expressions(stmt)];
}

/** Renders a whole SQL file (state carries what earlier files created). */
export function renderSql(sql: string, state: DialectState): string[] {
  return splitStatements(sql).flatMap((s) => renderStatement(s, state));
}

// ——— Queries written in TypeScript (db.prepare / db.exec through the synchronous facade, syncDb.ts) ———

export interface RenderedQuery {
  /** The Postgres statement(s) the SQLite text became (usually one; an FTS 'rebuild' is two). */
  texts: string[];
  /** Named parameters in $n order (`@name`, `:name`, `$name`), or null when the SQL uses `?`. */
  names: string[] | null;
  /** How many `?` values the statement takes. */
  positional: number;
  /** Lower-cased column name → the case the SQL wrote it in (Postgres folds unquoted names). */
  columns: Map<string, string>;
  returnsRows: boolean;
  /** The prepared statement's name on the connection (set by the facade). */
  name?: string;
}

/** The primary key columns of a table (read from the catalogue by the caller). */
export type PrimaryKeyOf = (table: string) => string[];

/** `?` → $1, $2, …; `@x` / `:x` / `$x` → one $n per distinct name (outside string literals). */
function placeholders(stmt: string): { text: string; names: string[] | null; positional: number } {
  let positional = 0;
  const names: string[] = [];
  const text = outsideStrings(stmt, (code) =>
    code.replace(/\?(\d*)|(?<![:\w])[@:$]([A-Za-z_]\w*)/g, (_m, num: string, name: string | undefined) => {
      if (name === undefined) {
        if (num) throw new DialectError(`numbered parameters (?${num}) are not supported: ${stmt.slice(0, 120)}`);
        return `$${++positional}`;
      }
      let k = names.indexOf(name);
      if (k < 0) k = names.push(name) - 1;
      return `$${k + 1}`;
    }),
  );
  if (positional && names.length) throw new DialectError(`a statement mixes ? and named parameters: ${stmt.slice(0, 120)}`);
  return { text, names: names.length ? names : null, positional };
}

/** Appends an ON CONFLICT clause before a trailing RETURNING (or at the end). */
function withConflict(stmt: string, clause: string): string {
  const ret = /\sRETURNING\s[\s\S]*$/i.exec(stmt);
  return ret ? `${stmt.slice(0, ret.index)} ${clause}${ret[0]}` : `${stmt} ${clause}`;
}

/** INSERT OR IGNORE → ON CONFLICT DO NOTHING; INSERT OR REPLACE / REPLACE INTO → upsert on the primary key. */
function insertOr(stmt: string, pkOf: PrimaryKeyOf): string {
  const ignore = /^INSERT\s+OR\s+IGNORE\s+INTO\b/i.exec(stmt);
  if (ignore) return withConflict(`INSERT INTO${stmt.slice(ignore[0].length)}`, 'ON CONFLICT DO NOTHING');
  const replace = /^(?:INSERT\s+OR\s+REPLACE|REPLACE)\s+INTO\s+(\w+)\s*\(([^)]*)\)/i.exec(stmt);
  if (!replace) {
    if (/^(?:INSERT\s+OR\s+\w+|REPLACE)\s/i.test(stmt)) throw new DialectError(`cannot render (name the columns of an INSERT OR REPLACE): ${stmt.slice(0, 120)}`);
    return stmt;
  }
  const [, table, cols] = replace;
  const pk = pkOf(table);
  const set = cols.split(',').map((c) => c.trim()).filter((c) => !pk.includes(c.toLowerCase()));
  const action = set.length ? `DO UPDATE SET ${set.map((c) => `${c} = excluded.${c}`).join(', ')}` : 'DO NOTHING';
  return withConflict(`INSERT INTO${stmt.slice(replace[0].indexOf(table) - 1)}`, `ON CONFLICT (${pk.join(', ')}) ${action}`);
}

/** SQLite's total(x): a float sum that is 0.0 over no rows (SUM gives NULL). */
function totals(s: string): string {
  let out = '';
  let i = 0;
  const re = /\btotal\s*\(/gi;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if ((s.slice(0, m.index).match(/'/g)?.length ?? 0) % 2 === 1) continue;
    const [args, end] = callArgs(s, m.index + m[0].length - 1);
    out += `${s.slice(i, m.index)}COALESCE(SUM((${totals(args[0])})::double precision), 0)`;
    i = end;
    re.lastIndex = end;
  }
  return out + s.slice(i);
}

/** Rewrites of the shared expression subset that only TypeScript's queries need. */
function queryExpressions(stmt: string): string {
  return outsideStrings(totals(stmt), (code) =>
    code
      // SQLite's LIKE ignores ASCII case.
      .replace(/\bNOT\s+LIKE\b/gi, 'NOT ILIKE')
      .replace(/(?<!NOT\s+)\bLIKE\b/gi, 'ILIKE')
      // json_each over a parameter may be an array or an object: the prelude's radar_json_each takes both.
      .replace(/\bjson_each\s*\(/gi, 'radar_json_each('),
  );
}

function columnCase(stmt: string): Map<string, string> {
  const columns = new Map<string, string>();
  outsideStrings(stmt, (code) => {
    for (const m of code.matchAll(/\b[A-Za-z_]\w*\b/g)) {
      const w = m[0];
      if (w !== w.toLowerCase() && w !== w.toUpperCase()) columns.set(w.toLowerCase(), w);
    }
    return code;
  });
  return columns;
}

/** PRAGMA table_info(t) from the catalogue, in SQLite's columns (cid, name, type, notnull, dflt_value, pk). */
function tableInfo(table: string): string {
  return `SELECT a.attnum - 1 AS cid, a.attname AS name, upper(format_type(a.atttypid, a.atttypmod)) AS type, a.attnotnull::int AS notnull,
  pg_get_expr(d.adbin, d.adrelid) AS dflt_value, COALESCE(array_position(i.indkey, a.attnum), 0) AS pk
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
WHERE a.attrelid = to_regclass('${table.toLowerCase()}') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`;
}

/** `FROM (SELECT …)` without an alias (SQLite allows it, Postgres 15 does not): one is added. */
function aliasSubqueries(stmt: string): string {
  let out = stmt;
  const re = /\bFROM\s*\(\s*SELECT\b/gi;
  for (let m = re.exec(out), n = 0; m; m = re.exec(out)) {
    const open = out.indexOf('(', m.index);
    const [, end] = callArgs(out, open);
    if (!/^\s*(AS\s+)?\w+/i.test(out.slice(end)) || /^\s*(WHERE|GROUP|ORDER|LIMIT|UNION|JOIN|LEFT|INNER|ON)\b/i.test(out.slice(end))) {
      out = `${out.slice(0, end)} AS radar_sub${++n}${out.slice(end)}`;
    }
    re.lastIndex = open + 1;
  }
  return out;
}

/**
 * FTS5 queries over an index kept as a side table (rowid, doc tsvector; migration 017's ticket_search_fts):
 *   x MATCH $m                       → x.doc @@ radar_fts_query($m)
 *   rank MATCH $r (… ORDER BY rank)  → rank = −ts_rank_cd(weights of 'bm25(…)' in $r, x.doc, query, 1)
 *   instr(highlight(x, k, o, c), o) > 0  (did column k match)  → to_tsvector(column k) @@ query
 *   snippet(x, k, o, c, e, n)        → ts_headline of column k, the matches between o and c, ≤ n words
 * BM25 is not reproduced: ts_rank_cd weighs cover density by the A/B/C column weights, normalised by
 * 1 + log(document length). Which tickets match is the same (same stemming family); the order may differ
 * (docs/postgres.md).
 */
function ftsSide(text: string, state: DialectState): string {
  let out = text;
  for (const f of state.fts.values()) {
    if (f.mode !== 'side') continue;
    const match = new RegExp(`\\b${f.name}\\s+MATCH\\s+\\$(\\d+)`, 'i').exec(out);
    if (!match) continue;
    const q = `radar_fts_query($${match[1]}::text)`;
    out = out.replace(match[0], `${f.name}.doc @@ ${q}`);
    const content = (col: string) => `coalesce((SELECT ${col} FROM ${f.table} radar_c WHERE radar_c.${f.rowid} = ${f.name}.rowid), '')`;
    const hl = new RegExp(`instr\\(\\s*highlight\\(\\s*${f.name}\\s*,\\s*(\\d+)\\s*,\\s*'[^']*'\\s*,\\s*'[^']*'\\s*\\)\\s*,\\s*'[^']*'\\s*\\)\\s*>\\s*0`, 'gi');
    out = out.replace(hl, (_m, k: string) => `(to_tsvector('english', ${content(f.columns[Number(k)])}) @@ ${q})`);
    for (let at = out.search(new RegExp(`\\bsnippet\\(\\s*${f.name}\\s*,`, 'i')); at >= 0; at = out.search(new RegExp(`\\bsnippet\\(\\s*${f.name}\\s*,`, 'i'))) {
      const [args, end] = callArgs(out, out.indexOf('(', at));
      const [, col, open, close, ellipsis, words] = args;
      const opt = (v: string) => `"${v.replace(/^'|'$/g, '').replace(/"/g, '""')}"`;
      const options = `StartSel=${opt(open)}, StopSel=${opt(close)}, FragmentDelimiter=${opt(ellipsis)}, MaxFragments=1, MaxWords=${Number(words)}, MinWords=${Math.max(1, Math.floor(Number(words) / 2))}`;
      const pick = `CASE ${col} ${f.columns.map((c, i) => `WHEN ${i} THEN ${c}`).join(' ')} END`;
      out = `${out.slice(0, at)}ts_headline('english', ${content(pick)}, ${q}, '${options.replace(/'/g, "''")}')${out.slice(end)}`;
    }
    const rankMatch = /\brank\s+MATCH\s+\$(\d+)/i.exec(out);
    const weights = rankMatch ? `radar_fts_weights($${rankMatch[1]}::text), ` : '';
    if (rankMatch) out = out.replace(rankMatch[0], `$${rankMatch[1]}::text IS NOT NULL`);
    out = outsideStrings(out, (code) => code.replace(/(?<![.\w])rank\b/g, `(-ts_rank_cd(${weights}${f.name}.doc, ${q}, 1))`));
  }
  return out;
}

/** One SQLite statement with parameters, as the Postgres text(s) the facade runs. */
export function renderQuery(sql: string, state: DialectState, pkOf: PrimaryKeyOf): RenderedQuery {
  const stmts = splitStatements(sql);
  if (stmts.length !== 1) throw new DialectError(`prepare() takes one statement, got ${stmts.length}: ${sql.slice(0, 120)}`);
  const stmt = stmts[0];
  const info = /^PRAGMA\s+table_info\s*\(\s*'?(\w+)'?\s*\)$/i.exec(stmt);
  if (info) return { texts: [tableInfo(info[1])], names: null, positional: 0, columns: new Map(), returnsRows: true };
  const { text, names, positional } = placeholders(queryExpressions(insertOr(stmt, pkOf)));
  const texts = renderStatement(ftsSide(aliasSubqueries(text), state), state);
  const returnsRows = /^\s*(SELECT|WITH|VALUES)\b/i.test(stmt) || /\bRETURNING\b/i.test(stmt);
  return { texts, names, positional, columns: columnCase(stmt), returnsRows };
}

/** A parameterless script (db.exec) as Postgres statements. */
export function renderScript(sql: string, state: DialectState, pkOf: PrimaryKeyOf): string[] {
  return splitStatements(sql).flatMap((s) => renderStatement(queryExpressions(insertOr(s, pkOf)), state));
}
