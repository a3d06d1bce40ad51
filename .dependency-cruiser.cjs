/** Layering rules from DESIGN.md §10, checked by `npm run lint` (part of `npm test`). */
module.exports = {
  forbidden: [
    {
      name: 'engines-are-pure',
      comment: 'Engines import nothing outside src/engines (no database, Slack, LLM, clock). Retrieval is the exception.',
      severity: 'error',
      from: { path: '^src/engines/(?!retrieval/)' },
      to: { path: '^(src/(?!engines/)|commands/)', pathNot: '^src/engines/' },
    },
    {
      name: 'engines-no-io-packages',
      severity: 'error',
      from: { path: '^src/engines/(?!retrieval/)' },
      to: { path: 'node_modules/(better-sqlite3|@slack|@langchain|node-cron|pino)' },
    },
    {
      name: 'commands-not-surfaces',
      comment: 'Commands use engines and the warehouse, never Slack, the CLI or the LLM surface (ask gets its answerer injected).',
      severity: 'error',
      from: { path: '^commands/' },
      to: { path: '^src/(slack|cli|llm)/' },
    },
    {
      name: 'warehouse-not-surfaces',
      severity: 'error',
      from: { path: '^src/(warehouse|engines)/' },
      to: { path: '^(src/(slack|cli|llm|alerts)/|commands/)' },
    },
    {
      name: 'surfaces-not-each-other',
      comment: 'Slack and CLI surfaces do not import each other.',
      severity: 'error',
      from: { path: '^src/(slack|cli)/' },
      // The CLI may start the Slack app through its public entry (src/slack/index.ts) and nothing else.
      to: { path: '^src/(slack|cli)/', pathNot: ['^src/$1/', '^src/slack/index\\.ts$'] },
    },
    {
      name: 'slack-not-cli',
      severity: 'error',
      from: { path: '^src/slack/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'cli-not-slack',
      comment: 'The CLI reaches the Slack surface only through src/slack/index.ts (serve).',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/slack/', pathNot: '^src/slack/index\\.ts$' },
    },
    {
      name: 'llm-through-its-entry',
      comment: 'Slack and the CLI reach the LLM surface only through its public entry, src/llm/index.ts.',
      severity: 'error',
      from: { path: '^src/(slack|cli)/' },
      to: { path: '^src/llm/', pathNot: '^src/llm/index\\.ts$' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
