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

/** The graph as tests/helpers/graph_dump prints it (MEMSNAP_GRAPH_DUMP is
 * its path): nodes {id, type, size, name, site} and each node's out-edges
 * {to, type, name}, for tests that check the graph with their own code. */
export function graphDump(file) {
  const DUMP = process.env.MEMSNAP_GRAPH_DUMP;
  assert.ok(DUMP, 'MEMSNAP_GRAPH_DUMP (tests/helpers/graph_dump) must be set');
  const r = run(DUMP, [file]);
  assert.equal(r.status, 0, r.stderr);
  const nodes = [], out = [];
  for (const line of r.stdout.split('\n')) {
    const f = line.split('\t');
    if (f[0] === 'N') {
      nodes[+f[1]] = { id: f[2], type: f[3], size: +f[4], name: f[5], site: f[6] };
      out[+f[1]] = [];
    } else if (f[0] === 'E') {
      out[+f[1]].push({ to: +f[2], type: f[3], name: f[4] });
    }
  }
  return { nodes, out };
}

/** Tarjan's strongly connected components (iterative) over the edges
 * `keep(v, e)` accepts, on a graphDump graph; returns the component number
 * of every node. */
export function scc(g, keep) {
  const n = g.nodes.length, index = new Int32Array(n).fill(-1), low = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1), onStack = new Uint8Array(n), stack = [];
  let next = 0, comps = 0;
  for (let s = 0; s < n; s++) {
    if (index[s] >= 0) continue;
    const work = [[s, 0]];
    index[s] = low[s] = next++;
    stack.push(s);
    onStack[s] = 1;
    while (work.length) {
      const top = work[work.length - 1], v = top[0], edges = g.out[v];
      if (top[1] < edges.length) {
        const e = edges[top[1]++];
        if (!keep(v, e)) continue;
        const w = e.to;
        if (index[w] < 0) {
          index[w] = low[w] = next++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, 0]);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], index[w]);
        }
        continue;
      }
      work.pop();
      if (work.length) low[work[work.length - 1][0]] = Math.min(low[work[work.length - 1][0]], low[v]);
      if (low[v] === index[v]) {
        let w;
        do {
          w = stack.pop();
          onStack[w] = 0;
          comp[w] = comps;
        } while (w !== v);
        comps++;
      }
    }
  }
  return comp;
}

export { assert, readFileSync };
