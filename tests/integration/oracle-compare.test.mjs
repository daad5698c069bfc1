// oracle-compare.test.mjs: memsnap compare equals Chrome DevTools'
// Comparison for every class, on snapshot pairs Node.js writes here
// (tests/fixtures/diff/growth.js: a leak, freed objects, and plain objects
// whose shapes change so that the two snapshots infer different interface
// names "{p, q}" / "{p, q, r}").
//
// Two references, both DevTools' own worker code:
//   - the Memory panel (HeapSnapshotDataGrids.ts names BEFORE's plain
//     objects with AFTER's interface definitions): memsnap's default;
//   - heap-snapshot-toolkit's diff(), which ../shared/tools/devtools-oracle
//     runs (each snapshot names its own): memsnap --interfaces own.
// As in the summary (docs/summary.md), DevTools' exported table keeps one
// of two classes sharing a key; its row must equal one of memsnap's rows
// with that key.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { memsnapJson, node, oracle, panelOracle, scratch, SOURCE, assert } from './lib.mjs';

const growth = join(SOURCE, 'tests', 'fixtures', 'diff', 'growth.js');
const dir = scratch('oracle-compare');
const two = join(dir, 'two'), three = join(dir, 'three');
mkdirSync(two);
mkdirSync(three);
node(growth, two, '--leak', '300', '--temps', '200');
node(growth, three, '--leak', '300', '--temps', '200', '--three');

function check(before, after, theirs, interfaces) {
  const ours = memsnapJson('compare', '--json', '-n', '0', '--no-paths', '--sort', 'delta', '--interfaces', interfaces, before, after);
  assert.equal(ours.match, 'id');
  const byKey = new Map();
  for (const r of ours.classes) {
    if (!byKey.has(r.key)) byKey.set(r.key, []);
    byKey.get(r.key).push(r);
  }
  for (const t of theirs) {
    const rows = byKey.get(t.key) || [];
    const match = rows.find((r) => r.name === t.name && r.added_count === t.added_count &&
      r.removed_count === t.removed_count && r.added_size === t.added_size && r.removed_size === t.removed_size &&
      r.count_delta === t.count_delta && r.size_delta === t.size_delta);
    assert.ok(match, `${after} (${interfaces}): class ${JSON.stringify(t.key)}: DevTools +${t.added_count}/-${t.removed_count} ` +
      `+${t.added_size}/-${t.removed_size} B; memsnap ${JSON.stringify(rows.map((r) =>
        [r.name, r.added_count, r.removed_count, r.added_size, r.removed_size]))}`);
  }
  const theirKeys = new Set(theirs.map((t) => t.key));
  for (const key of byKey.keys()) assert.ok(theirKeys.has(key), `memsnap lists class ${key} that DevTools does not`);
  return theirs.length;
}

const pairs = [
  [join(two, 'before.heapsnapshot'), join(two, 'after.heapsnapshot')],
  [join(three, 'baseline.heapsnapshot'), join(three, 'target.heapsnapshot')],
  [join(three, 'target.heapsnapshot'), join(three, 'final.heapsnapshot')],
];
let differ = false;
for (const [before, after] of pairs) {
  const panel = panelOracle(before, after);
  const toolkit = oracle('compare', before, after);
  const n1 = check(before, after, panel, 'after');
  const n2 = check(before, after, toolkit, 'own');
  const key = (rows) => JSON.stringify(rows.map((t) => [t.key, t.added_count, t.removed_count]).sort());
  differ ||= key(panel) !== key(toolkit);
  console.log(`ok: ${after}: ${n1} classes equal the Memory panel's, ${n2} equal heap-snapshot-toolkit's`);
}
// The shapes change in the two-snapshot pair, so the two references differ:
// the test checks both naming rules, not one twice.
assert.ok(differ, 'the panel and the toolkit should disagree on at least one pair');
