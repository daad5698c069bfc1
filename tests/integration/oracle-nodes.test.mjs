// oracle-nodes.test.mjs: memsnap's shallow size, retained size, immediate
// dominator and distance equal Chrome DevTools' for EVERY node, on real
// snapshots written by Node.js (one of them full of WeakMaps, WeakRefs and
// closures) and on random snapshots with unreachable groups, weak and
// shortcut edges, WeakMap ephemeron pairs and DOM-like nodes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memsnap, oracle, snapshot, scratch, assert } from './lib.mjs';
import { randomSnapshot } from './gen-random.mjs';

const dir = scratch('oracle-nodes');

function table(text) {
  const lines = text.split('\n').filter((l) => l.length);
  const head = lines.shift().split('\t');
  return lines.map((l) => {
    const f = l.split('\t');
    return Object.fromEntries(head.map((h, i) => [h, f[i]]));
  });
}

export function compareNodes(file) {
  const ours = join(dir, 'memsnap.tsv');
  const theirs = join(dir, 'devtools.tsv');
  const r = memsnap('nodes', '-o', ours, file);
  assert.equal(r.status, 0, r.stderr);
  oracle('nodes', file, theirs);
  const a = table(readFileSync(ours, 'utf8'));
  const b = table(readFileSync(theirs, 'utf8'));
  assert.equal(a.length, b.length, `${file}: node count`);
  const bad = [];
  for (let i = 0; i < a.length; i++) {
    const m = a[i], d = b[i];
    assert.equal(m.id, d.id, `${file}: node ${i} id`);
    for (const [ours_, theirs_] of [['shallow', 'shallow'], ['retained', 'retained'],
      ['dominator_id', 'dominator_id'], ['distance', 'distance']]) {
      if (m[ours_] !== d[theirs_]) bad.push(`node ${i} @${m.id} ${ours_}: memsnap ${m[ours_]}, DevTools ${d[theirs_]}`);
    }
  }
  assert.deepEqual(bad.slice(0, 20), [], `${file}: ${bad.length} values differ from DevTools'`);
  return a.length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let nodes = 0;
  for (const name of ['leaky-things', 'weakmaps-closures']) nodes += compareNodes(snapshot(name));
  const seeds = process.env.MEMSNAP_SEEDS
    ? process.env.MEMSNAP_SEEDS.split(',').map(Number)
    : Array.from({ length: 25 }, (_, i) => 1000 + i);
  for (const seed of seeds) {
    const file = join(dir, `random-${seed}.heapsnapshot`);
    writeFileSync(file, randomSnapshot(seed, { nodes: 40 + (seed % 9) * 50 }));
    try {
      nodes += compareNodes(file);
    } catch (e) {
      e.message = `seed ${seed}: ${e.message}`;
      throw e;
    }
  }
  console.log(`ok: ${nodes} nodes: shallow, retained, dominator and distance equal DevTools'`);
}
