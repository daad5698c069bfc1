// make-seeds.mjs: writes the V8 fuzz seed corpus, tests/fuzz/corpus/heapsnapshot/.
//
// Seeds are small but real: Node.js writes full snapshots of the fixture
// programs (tests/fixtures/programs), and each is cut down to a few dozen
// nodes: the nodes a breadth-first walk reaches first from the root, or
// from the first node with a given name, with the edges among them, the
// strings they use and their locations; counts are rewritten so the result
// is valid.  Plus small random snapshots from tests/integration/gen-random.mjs
// (DOM states, WeakMap pairs, unreachable groups), the hand-written tiny
// snapshot of the unit tests with its members in another order, and one
// zstd-compressed seed.  Rerun to refresh (the output depends on the Node.js
// version; inputs merged from fuzzing runs are left alone):
//
//   node tests/fuzz/make-seeds.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomSnapshot } from '../integration/gen-random.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'corpus', 'heapsnapshot');
const programs = join(here, '..', 'fixtures', 'programs');
const tmp = mkdtempSync(join(tmpdir(), 'memsnap-seeds-'));

function realSnapshot(program) {
  const path = join(tmp, `${program}.heapsnapshot`);
  const r = spawnSync('node', ['--expose-gc', join(programs, `${program}.js`), path], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`${program} failed`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The snapshot cut down to at most `limit` nodes found breadth-first from
 * the root (and, when `around` is given, first from the first node so named). */
function cut(snap, limit, around) {
  const meta = snap.snapshot.meta;
  const NF = meta.node_fields.length, EF = meta.edge_fields.length;
  const nName = meta.node_fields.indexOf('name'), nEdges = meta.node_fields.indexOf('edge_count');
  const eType = meta.edge_fields.indexOf('type'), eName = meta.edge_fields.indexOf('name_or_index');
  const eTo = meta.edge_fields.indexOf('to_node');
  const edgeTypes = meta.edge_types[eType];
  const N = snap.nodes.length / NF;
  const first = new Uint32Array(N + 1);
  for (let n = 0; n < N; n++) first[n + 1] = first[n] + snap.nodes[n * NF + nEdges];
  const keep = new Map(); // old node -> true, in discovery order
  const bfs = (start, max) => {
    const queue = [start], seen = new Set();
    for (let q = 0; q < queue.length && keep.size < max; q++) {
      const n = queue[q];
      if (seen.has(n)) continue;
      seen.add(n);
      keep.set(n, true);
      for (let e = first[n]; e < first[n + 1]; e++) queue.push(snap.edges[e * EF + eTo] / NF);
    }
  };
  const root = 0;
  keep.set(root, true); // node 0 stays node 0: the root
  if (around) {
    const target = snap.strings.indexOf(around);
    for (let n = 0; n < N; n++) {
      if (snap.nodes[n * NF + nName] === target) {
        bfs(n, Math.floor(limit * 2 / 3));
        break;
      }
    }
  }
  bfs(root, limit);
  const olds = [...keep.keys()].sort((a, b) => a - b);
  const renum = new Map(olds.map((o, i) => [o, i]));
  const strings = [], sid = new Map();
  const str = (i) => {
    if (!sid.has(i)) {
      sid.set(i, strings.length);
      strings.push(snap.strings[i]);
    }
    return sid.get(i);
  };
  str(0);
  const nodes = [], edges = [];
  for (const o of olds) {
    const row = snap.nodes.slice(o * NF, o * NF + NF);
    row[nName] = str(row[nName]);
    let degree = 0;
    for (let e = first[o]; e < first[o + 1]; e++) {
      const er = snap.edges.slice(e * EF, e * EF + EF);
      const to = er[eTo] / NF;
      if (!renum.has(to)) continue;
      const t = edgeTypes[er[eType]];
      if (t !== 'element' && t !== 'hidden') er[eName] = str(er[eName]);
      er[eTo] = renum.get(to) * NF;
      edges.push(er);
      degree++;
    }
    row[nEdges] = degree;
    nodes.push(row);
  }
  const LF = (meta.location_fields || []).length;
  const locations = [];
  for (let i = 0; LF && i < (snap.locations || []).length; i += LF) {
    const row = snap.locations.slice(i, i + LF);
    const o = row[0] / NF;
    if (renum.has(o)) {
      row[0] = renum.get(o) * NF;
      locations.push(row);
    }
  }
  const header = { ...snap.snapshot, node_count: nodes.length, edge_count: edges.length };
  return { header, nodes, edges, locations, strings };
}

/** Text laid out as V8 writes it: one row per line. */
function write(name, s, { order = ['snapshot', 'nodes', 'edges', 'trace_function_infos', 'trace_tree', 'samples', 'locations', 'strings'] } = {}) {
  const parts = {
    snapshot: JSON.stringify(s.header),
    nodes: '[' + s.nodes.map((r) => r.join(',')).join(',\n') + ']',
    edges: '[' + s.edges.map((r) => r.join(',')).join(',\n') + ']',
    trace_function_infos: '[]',
    trace_tree: '[]',
    samples: '[]',
    locations: '[' + s.locations.map((r) => r.join(',')).join(',\n') + ']',
    strings: '[' + s.strings.map((x) => JSON.stringify(x)).join(',\n') + ']',
  };
  const text = '{' + order.map((k) => `"${k}":${parts[k]}`).join(',\n') + '}';
  writeFileSync(join(out, name), text);
  return text;
}

// Only the seeds below are (re)written: the directory also holds inputs a
// long fuzzing run found to add coverage (merged with libFuzzer's -merge=1,
// named by their SHA-1; docs/robustness.md).
mkdirSync(out, { recursive: true });

const leaky = realSnapshot('leaky-things');
write('leaky-root-30.json', cut(leaky, 30));
write('leaky-thing-60.json', cut(leaky, 60, 'LeakyThing'));
write('leaky-map-60.json', cut(leaky, 60, 'Map'));
write('leaky-root-200.json', cut(leaky, 200));
const weak = realSnapshot('weakmaps-closures');
write('weakmap-60.json', cut(weak, 60, 'WeakMap'));
const weakText = write('weakmap-members-reordered.json', cut(weak, 40, 'WeakMap'),
  { order: ['strings', 'locations', 'edges', 'samples', 'nodes', 'snapshot'] });
const retention = realSnapshot('retention');
write('retention-80.json', cut(retention, 80));

for (const seed of [1, 2, 3, 4]) {
  writeFileSync(join(out, `random-${seed}.json`), randomSnapshot(seed, { nodes: 12 + seed * 6 }));
}

// The unit tests' tiny snapshot (tests/unit/test_heapsnapshot.c).
const tiny = JSON.parse(readFileSync(join(out, 'random-1.json'), 'utf8')).snapshot.meta;
writeFileSync(join(out, 'tiny.json'), JSON.stringify({
  snapshot: { meta: tiny, node_count: 3, edge_count: 3, root_index: 0 },
  nodes: [9, 0, 1, 0, 1, 0, 0, 3, 1, 3, 32, 2, 0, 0, 3, 2, 5, 16, 0, 0, 0].slice(0, 3 * tiny.node_fields.length),
  edges: [5, 4, tiny.node_fields.length, 2, 3, 2 * tiny.node_fields.length, 1, 7, 2 * tiny.node_fields.length],
  locations: [],
  strings: ['', 'Window', 'F\u00e9o\ud83d\ude00', 'x', 'global'],
}));

// zstd-compressed input is read as it is: one seed so the fuzzer keeps a
// valid frame to mutate.
writeFileSync(join(tmp, 'z.json'), weakText);
const z = spawnSync('zstd', ['-q', '-19', '-f', join(tmp, 'z.json'), '-o', join(out, 'weakmap-reordered.json.zst')]);
if (z.status !== 0) console.error('zstd not found: no compressed seed');

rmSync(tmp, { recursive: true, force: true });
for (const f of readdirSync(out).filter((f) => !/^[0-9a-f]{40}$/.test(f)).sort()) {
  console.log(`${f}: ${readFileSync(join(out, f)).length} bytes`);
}
