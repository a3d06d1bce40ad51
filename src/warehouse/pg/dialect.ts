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
];

export interface FtsIndex {
  name: string;
  table: string;
  columns: string[];
}

/** What earlier files created that later statements refer to (trigger → table, FTS tables). */
export interface DialectState {
  triggers: Map<string, string>;
  fts: Map<string, FtsIndex>;
}

export function newDialectState(): DialectState {
  return { triggers: new Map(), fts: new Map() };
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
function outsideStrings(s: string, f: (code: string) => string): string {
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
      .replace(/\bjson_each\s*\(([^()]*)\)/gi, 'jsonb_each_text(($1)::jsonb)'),
  );
  return scalarMinMax(s);
}

function renderFts(stmt: string, state: DialectState): string[] {
  const m = /^CREATE\s+VIRTUAL\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s+USING\s+fts5\s*\(([\s\S]*)\)\s*$/i.exec(stmt);
  if (!m) throw new DialectError(`only fts5 virtual tables are rendered: ${stmt.slice(0, 120)}`);
  const name = m[1];
  const parts = m[2].split(',').map((p) => p.trim()).filter(Boolean);
  const columns = parts.filter((p) => !p.includes('='));
  const content = parts.map((p) => /^content\s*=\s*'(\w+)'$/i.exec(p)?.[1]).find(Boolean);
  if (!content) throw new DialectError(`fts5 table ${name} without content = 'table': only external-content indexes are rendered`);
  state.fts.set(name, { name, table: content, columns });
  const weights = 'ABCD';
  const doc = columns.map((c, k) => `setweight(to_tsvector('english', coalesce(${c}, '')), '${weights[Math.min(k, 3)]}')`).join(' || ');
  return [
    `ALTER TABLE ${content} ADD COLUMN IF NOT EXISTS ${name} tsvector GENERATED ALWAYS AS (${doc}) STORED`,
    `CREATE INDEX IF NOT EXISTS ix_${name} ON ${content} USING gin (${name})`,
  ];
}

function renderTrigger(stmt: string, state: DialectState): string[] {
  const m = /^CREATE\s+TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s+(BEFORE|AFTER)\s+(INSERT|DELETE|UPDATE(?:\s+OF\s+[\w\s,]+?)?)\s+ON\s+(\w+)\s+(?:FOR\s+EACH\s+ROW\s+)?(?:WHEN\s+([\s\S]+?)\s+)?BEGIN\s+([\s\S]*?)\s*END$/i.exec(stmt);
  if (!m) throw new DialectError(`cannot render trigger: ${stmt.slice(0, 120)}`);
  const [, name, when, event, table, cond, body] = m;
  // Triggers that keep an FTS5 index in sync have no job once the index is a generated column.
  if ([...state.fts.keys()].some((f) => new RegExp(`\\b${f}\\b`, 'i').test(body))) return [];
  state.triggers.set(name.toLowerCase(), table);
  const stmts = splitStatements(body).map((s) => `${expressions(s)};`).join('\n  ');
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
  if (ins && state.fts.has(ins[1])) return []; // 'rebuild' of an FTS index: the generated column is always built
  if (/^PRAGMA\b/i.test(stmt)) throw new DialectError(`PRAGMA has no Postgres rendering: ${stmt}`);
  if (/^CREATE\s+TABLE\b/i.test(stmt)) return [expressions(stmt.replace(/\)\s*(STRICT|WITHOUT\s+ROWID)(\s*,\s*(STRICT|WITHOUT\s+ROWID))*\s*$/i, ')'))];
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
