// install-deps.mjs: the fixture step that installs the tests' npm packages
// (tests/package.json) into $MEMSNAP_WORK/node_modules, once per build tree.
import { existsSync, mkdirSync, copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, WORK, SOURCE, assert } from './lib.mjs';

mkdirSync(WORK, { recursive: true });
const want = readFileSync(join(SOURCE, 'tests', 'package.json'), 'utf8');
const have = join(WORK, 'package.json');
const done = join(WORK, 'node_modules', '.memsnap-installed');
if (!existsSync(done) || readFileSync(have, 'utf8') !== want) {
  copyFileSync(join(SOURCE, 'tests', 'package.json'), have);
  const r = run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', WORK]);
  assert.equal(r.status, 0, `npm install failed: ${r.stderr}`);
  run('touch', [done]);
}
console.log(`ok: test packages in ${join(WORK, 'node_modules')}`);
