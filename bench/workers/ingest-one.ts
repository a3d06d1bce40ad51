/** Child process of the ingest bench: ingests files into a fresh warehouse and prints rows, seconds and peak RSS. */
import { rmSync } from 'node:fs';
import { openWarehouse } from '../../src/warehouse/db.js';
import { ingestFiles } from '../../src/warehouse/ingest.js';

const [dbPath, ...files] = process.argv.slice(2);
for (const s of ['', '-wal', '-shm']) rmSync(dbPath + s, { force: true });
const db = openWarehouse(dbPath);
const t0 = process.hrtime.bigint();
const r = await ingestFiles(db, files, { defaultTz: 'UTC' });
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
db.close();
const rows = Object.values(r.rows).reduce((a, b) => a + b, 0);
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ ok: r.ok, problems: r.problems.slice(0, 3), rows, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + '\n');
