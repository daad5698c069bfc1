// gen-snapshot.test.mjs: bench/gen/gen_snapshot (the generator of the large
// benchmark snapshots, docs/performance.md) writes valid V8 snapshots that
// Chrome DevTools' own worker loads and on which memsnap gives DevTools'
// numbers: every class of the Summary, every node's shallow and retained
// size, dominator and distance, and the Comparison of two snapshots of one
// "process" (step 0 and step 1 of one seed).  Small files, so that the
// 1-8 GB ones the bench writes (which DevTools cannot load) are known to be
// the same kind of heap.  Also: one seed gives one file byte for byte, the
// heap is all reachable from the root through (GC roots) and the global
// object, and two steps share the ids of the objects that stay.
//
// MEMSNAP_GEN_SNAPSHOT is the generator's path (tests/CMakeLists.txt).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memsnap, memsnapJson, oracle, run, scratch, snapshotHeader, assert } from './lib.mjs';
import { compareSummaries } from './oracle-summary.test.mjs';

const GEN = process.env.MEMSNAP_GEN_SNAPSHOT;
assert.ok(GEN, 'MEMSNAP_GEN_SNAPSHOT (bench/gen/gen_snapshot) must be set');
const dir = scratch('gen-snapshot');

function gen(name, ...args) {
  const out = join(dir, name);
  const r = run(GEN, [...args, '-o', out]);
  assert.equal(r.status, 0, `gen_snapshot ${args.join(' ')}: ${r.stderr}`);
  return out;
}
const sha = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

function table(text) {
  const lines = text.split('\n').filter((l) => l.length);
  const head = lines.shift().split('\t');
  return lines.map((l) => {
    const f = l.split('\t');
    return Object.fromEntries(head.map((h, i) => [h, f[i]]));
  });
}

/** Every node: memsnap's shallow, retained, dominator and distance against
 * DevTools'; returns DevTools' rows. */
function compareNodes(file) {
  const ours = join(dir, 'memsnap.tsv'), theirs = join(dir, 'devtools.tsv');
  const r = memsnap('nodes', '-o', ours, file);
  assert.equal(r.status, 0, r.stderr);
  oracle('nodes', file, theirs);
  const a = table(readFileSync(ours, 'utf8')), b = table(readFileSync(theirs, 'utf8'));
  assert.equal(a.length, b.length, `${file}: node count`);
  const bad = [];
  for (let i = 0; i < a.length; i++) {
    assert.equal(a[i].id, b[i].id, `${file}: node ${i} id`);
    for (const k of ['shallow', 'retained', 'dominator_id', 'distance'])
      if (a[i][k] !== b[i][k]) bad.push(`node ${i} @${a[i].id} ${k}: memsnap ${a[i][k]}, DevTools ${b[i][k]}`);
  }
  assert.deepEqual(bad.slice(0, 20), [], `${file}: ${bad.length} values differ from DevTools'`);
  return b;
}

// One seed, one file; a different seed, another heap.
const a0 = gen('a0.heapsnapshot', '--size', '3M', '--seed', '1');
const a1 = gen('a1.heapsnapshot', '--size', '3M', '--seed', '1', '--step', '1');
const b0 = gen('b0.heapsnapshot', '--size', '2M', '--seed', '7', '--growth', '25', '--deaths', '10');
const b2 = gen('b2.heapsnapshot', '--size', '2M', '--seed', '7', '--growth', '25', '--deaths', '10', '--step', '2');
assert.equal(sha(gen('again.heapsnapshot', '--size', '3M', '--seed', '1')), sha(a0), 'the same seed writes the same file');
assert.notEqual(sha(b0), sha(a0));

for (const file of [a0, a1, b0, b2]) {
  const header = snapshotHeader(file);
  assert.deepEqual(header.meta.node_fields,
    ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness']);
  const info = memsnapJson('info', '--json', file);
  assert.equal(info.node_count, header.node_count);
  assert.equal(info.edge_count, header.edge_count);
  assert.ok(info.edge_count > 4 * info.node_count, `${file}: ${info.edge_count} edges for ${info.node_count} nodes`);

  const classes = compareSummaries(file);
  assert.ok(classes > 40, `${file}: only ${classes} classes`);
  const nodes = compareNodes(file);
  // (root) -> (GC roots) -> the root categories; everything reachable,
  // nearly all of it from the global object (distances below DevTools'
  // 100,000,000 for what only the system roots hold).
  assert.equal(nodes[1].name, '"(GC roots)"');
  assert.equal(nodes[2].name, '"(Internalized strings)"');
  const unreachable = nodes.filter((n) => Number(n.distance) < 0).length;
  const user = nodes.filter((n) => Number(n.distance) >= 0 && Number(n.distance) < 100000000).length;
  assert.equal(unreachable, 0, `${file}: ${unreachable} nodes DevTools cannot reach`);
  assert.ok(user > 0.95 * nodes.length, `${file}: ${user} of ${nodes.length} nodes reachable from the global object`);
  console.log(`ok: ${file}: ${nodes.length} nodes, ${info.edge_count} edges, ${classes} classes equal DevTools'`);
}

// Two snapshots of one process: DevTools' Comparison (heap-snapshot-toolkit's
// diff, each snapshot naming its own plain objects) equals memsnap's, the
// objects that stay keep their ids, the new ones have larger ids.
for (const [before, after] of [[a0, a1], [b0, b2]]) {
  const ours = memsnapJson('compare', '--json', '-n', '0', '--no-paths', '--sort', 'delta', '--interfaces', 'own', before, after);
  assert.equal(ours.match, 'id');
  const byKey = new Map();
  for (const r of ours.classes) {
    if (!byKey.has(r.key)) byKey.set(r.key, []);
    byKey.get(r.key).push(r);
  }
  const theirs = oracle('compare', before, after);
  for (const t of theirs) {
    const rows = byKey.get(t.key) || [];
    assert.ok(rows.find((r) => r.name === t.name && r.added_count === t.added_count &&
      r.removed_count === t.removed_count && r.added_size === t.added_size && r.removed_size === t.removed_size),
    `${after}: class ${JSON.stringify(t.key)}: DevTools +${t.added_count}/-${t.removed_count}, memsnap ` +
      JSON.stringify(rows.map((r) => [r.name, r.added_count, r.removed_count])));
  }
  const tot = ours.totals;
  assert.ok(tot.added_count > 0 && tot.removed_count > 0, JSON.stringify(tot));
  assert.ok(tot.shared_ids > 0.85 * tot.before_nodes, `${after}: ${tot.shared_ids} of ${tot.before_nodes} ids shared`);
  assert.equal(tot.mismatched_ids, 0);
  const beforeIds = new Set(table(memsnap('nodes', before).stdout).map((n) => Number(n.id)));
  const maxBefore = Math.max(...beforeIds);
  const added = table(memsnap('nodes', after).stdout).map((n) => Number(n.id)).filter((id) => !beforeIds.has(id));
  // (DevTools' Comparison leaves some objects out, e.g. those of size 0)
  assert.ok(added.length >= tot.added_count, `${added.length} new ids, ${tot.added_count} new objects`);
  assert.ok(added.every((id) => id > maxBefore), `${after}: new objects have ids above BEFORE's`);

  // leaks BASELINE TARGET FINAL: what step 1 allocated, alive in step 1.
  const leaks = memsnapJson('leaks', '--json', before, after, after);
  assert.ok(leaks.count > 0 && leaks.count <= tot.added_count, `leaks ${leaks.count}, added ${tot.added_count}`);
  console.log(`ok: ${before} -> ${after}: ${theirs.length} classes equal DevTools' Comparison; ` +
    `${tot.shared_ids} shared ids, +${tot.added_count} -${tot.removed_count}; leaks ${leaks.count}`);
}
