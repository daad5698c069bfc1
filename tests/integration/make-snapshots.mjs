// make-snapshots.mjs: the fixture step.  Runs every program in
// tests/fixtures/programs with Node.js, each writing a real heap snapshot to
// $MEMSNAP_WORK/snapshots/NAME.heapsnapshot.  Snapshots are made fresh on
// every run: they are what Node.js writes today, not stored files.
import { readdirSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, basename } from 'node:path';
import { run, SOURCE, SNAPSHOTS, assert } from './lib.mjs';

rmSync(SNAPSHOTS, { recursive: true, force: true });
mkdirSync(SNAPSHOTS, { recursive: true });
const dir = join(SOURCE, 'tests', 'fixtures', 'programs');
for (const f of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
  const out = join(SNAPSHOTS, basename(f, '.js') + '.heapsnapshot');
  const r = run('node', ['--expose-gc', join(dir, f), out], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.status, 0, `${f} failed: ${r.stderr}`);
  console.log(`${out}: ${statSync(out).size} bytes`);
}
