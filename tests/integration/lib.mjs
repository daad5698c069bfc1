// lib.mjs: what the integration tests share: running memsnap, finding the
// snapshots the fixture step wrote, and running Chrome DevTools' own code
// as the oracle.
//
// ctest sets MEMSNAP (the binary), MEMSNAP_WORK (a scratch directory in the
// build tree) and MEMSNAP_SOURCE (the source tree).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, copyFileSync, openSync, readSync, closeSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

export const MEMSNAP = process.env.MEMSNAP;
export const WORK = process.env.MEMSNAP_WORK;
export const SOURCE = process.env.MEMSNAP_SOURCE;
assert.ok(MEMSNAP && WORK && SOURCE, 'run through ctest: MEMSNAP, MEMSNAP_WORK and MEMSNAP_SOURCE must be set');
export const SNAPSHOTS = join(WORK, 'snapshots');

/** Runs a command; returns {status, signal, stdout, stderr}. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  if (r.error) throw r.error;
  return r;
}

/** Runs memsnap with args; returns {status, signal, stdout, stderr}. */
export function memsnap(...args) {
  return run(MEMSNAP, args);
}

/** Runs memsnap and parses its JSON output; fails the test on a non-zero exit. */
export function memsnapJson(...args) {
  const r = memsnap(...args);
  assert.equal(r.status, 0, `memsnap ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Path of a snapshot written by the fixture step (tests/fixtures/programs/NAME.js). */
export function snapshot(name) {
  const p = join(SNAPSHOTS, `${name}.heapsnapshot`);
  assert.ok(existsSync(p), `missing fixture snapshot ${p} (the snapshots fixture writes it)`);
  return p;
}

/** The "snapshot" header at the start of a V8 snapshot file. */
export function snapshotHeader(path) {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(8192);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  const text = buf.subarray(0, n).toString('utf8');
  const start = text.indexOf('{"meta"');
  let depth = 0, end = start;
  for (; end < text.length; end++) {
    if (text[end] === '{') depth++;
    else if (text[end] === '}' && --depth === 0) break;
  }
  return JSON.parse(text.slice(start, end + 1));
}

let oracleCommand;

/** The DevTools oracle: ../shared/tools/devtools-oracle when present (as the
 * project asks; MEMSNAP_ORACLE overrides the path), else
 * tests/oracle/devtools.mjs with the heap-snapshot-toolkit the install-deps
 * fixture put in the build tree.  Both run DevTools' own heap snapshot worker. */
function oracleCmd() {
  if (oracleCommand) return oracleCommand;
  const shared = process.env.MEMSNAP_ORACLE || resolve(SOURCE, '..', 'shared', 'tools', 'devtools-oracle');
  if (existsSync(shared)) {
    oracleCommand = [shared];
  } else {
    const copy = join(WORK, 'devtools.mjs'); // beside node_modules, so its imports resolve
    copyFileSync(join(SOURCE, 'tests', 'oracle', 'devtools.mjs'), copy);
    oracleCommand = ['node', '--max-old-space-size=8000', copy];
  }
  console.log(`oracle: ${oracleCommand.join(' ')}`);
  return oracleCommand;
}

/** A JSON Schema (2020-12) validator for docs/schema/NAME.schema.json:
 * returns a function that throws with the errors when data does not match. */
export function schemaValidator(name) {
  const require = createRequire(join(WORK, 'node_modules', 'x.js'));
  const Ajv2020 = require('ajv/dist/2020').default;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const schema = JSON.parse(readFileSync(join(SOURCE, 'docs', 'schema', `${name}.schema.json`), 'utf8'));
  const validate = ajv.compile(schema);
  return (data, what) => {
    assert.ok(validate(data), `${what} does not match ${name}.schema.json: ${JSON.stringify(validate.errors, null, 1)}`);
  };
}

/** Our tests/oracle/devtools.mjs (DevTools' own worker code, with the
 * heap-snapshot-toolkit the install-deps fixture put in the build tree), for
 * the commands the shared oracle does not have; its JSON output parsed. */
export function ourOracle(...args) {
  const copy = join(WORK, 'devtools.mjs'); // beside node_modules, so its imports resolve
  copyFileSync(join(SOURCE, 'tests', 'oracle', 'devtools.mjs'), copy);
  const r = run('node', ['--max-old-space-size=8000', copy, ...args]);
  assert.equal(r.status, 0, `DevTools oracle ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** DevTools' Comparison exactly as the Memory panel computes it (BEFORE's
 * plain objects named with AFTER's interface definitions): our
 * tests/oracle/devtools.mjs compare-panel, on DevTools' own worker code. */
export function panelOracle(before, after) {
  return ourOracle('compare-panel', before, after);
}

/** Runs node on a test program (with --expose-gc); fails the test if it fails. */
export function node(script, ...args) {
  const r = run('node', ['--expose-gc', script, ...args]);
  assert.equal(r.status, 0, `node ${script} ${args.join(' ')} failed: ${r.stderr}`);
  return r;
}

/** Runs the oracle and parses its JSON output. */
export function oracle(...args) {
  const [cmd, ...pre] = oracleCmd();
  const r = run(cmd, [...pre, ...args]);
  assert.equal(r.status, 0, `DevTools oracle ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** A fresh scratch directory for one test. */
export function scratch(name) {
  const dir = join(WORK, 'scratch', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export { assert, readFileSync };
