#!/usr/bin/env node
// memory-budget.mjs: a memory test for CI (docs/ci.md).
//
//   node --expose-gc examples/ci/memory-budget.mjs [OUTDIR]
//
// Warms the code under test up, writes a heap snapshot, runs the workload,
// writes a second snapshot, and has `memsnap compare` check the budgets.
// Exits with memsnap's status: 0 within budget, 1 over it (one line per
// exceeded budget on stderr), 2/3 on usage or input errors.  Writes the
// Markdown report to $GITHUB_STEP_SUMMARY when set (GitHub Actions shows it
// on the run's page), else to OUTDIR/memory-report.md.
//
// MEMSNAP: the memsnap binary (default: memsnap on PATH).
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { mkdirSync, appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

const require = createRequire(import.meta.url);
const { handleRequest } = require('./app.js');
const out = process.argv[2] || 'memory-test';
mkdirSync(out, { recursive: true });

function snapshot(name) {
  // Two collections: objects only weakly held go too, so the snapshot shows
  // what the program really keeps.
  globalThis.gc();
  globalThis.gc();
  return writeHeapSnapshot(join(out, name));
}

for (let i = 0; i < 200; i++) handleRequest(i % 50); // warm-up: caches, JIT
const before = snapshot('before.heapsnapshot');
for (let i = 0; i < 5000; i++) handleRequest(i);
const after = snapshot('after.heapsnapshot');

// The budgets: what may grow while serving 5000 requests.
const budgets = [
  'class:CacheEntry>+100',  // the cache is bounded: a few entries may turn over
  'new-retained>512KB',     // all that the new objects keep alive
  'total>+10%',             // the heap as a whole
];
const memsnap = process.env.MEMSNAP || 'memsnap';
const args = ['compare', '--markdown', ...budgets.flatMap((b) => ['--fail-on', b]), before, after];
const r = spawnSync(memsnap, args, { encoding: 'utf8' });
if (r.error) {
  console.error(`memory-budget: cannot run ${memsnap}: ${r.error.message}`);
  process.exit(2);
}
process.stderr.write(r.stderr);
if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, r.stdout);
else writeFileSync(join(out, 'memory-report.md'), r.stdout);
console.log(r.status === 0 ? 'memory budget: ok' : `memory budget: exceeded (memsnap exit ${r.status})`);
process.exit(r.status ?? 2);
