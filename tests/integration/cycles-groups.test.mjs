// cycles-groups.test.mjs: `memsnap cycles` groups reference cycles by shape.
//
// Node.js: tests/fixtures/programs/cycle-shapes.js builds TREES parent/child
// TreeNode pairs, RINGS rings of 3 RingLink objects and PLAIN pairs of plain
// objects (the counts are read from its source).  `cycles` must list exactly
// one group of TREES, one of RINGS and one of PLAIN, the program's groups
// before the runtime's, the runtime's folded into one line unless
// --internals; --class picks the right group (by name, as summary displays
// it with its location, by key); the same shape has the same signature in
// two snapshots of one process.  The cycles themselves are counted by this
// test's own Tarjan over the graph (graph_dump), with the default edges.
//
// Python: a program run by tools/python/memsnap_record.py with the cycle
// collector off keeps KEPT pairs of Pair, drops DROPPED more (garbage the
// collector has not collected) and keeps LINKS rings of 3 Link: one group of
// KEPT + DROPPED with DROPPED unreachable, one of LINKS; every group says
// only the collector frees it; the unreachable count is the one this test
// finds (components no path from the roots reaches).
import { copyFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  memsnap, memsnapJson, snapshot, schemaValidator, assert, readFileSync, SOURCE, scratch, node, run,
  graphDump, scc,
} from './lib.mjs';

const validCycles = schemaValidator('cycles');
const programPath = join(SOURCE, 'tests', 'fixtures', 'programs', 'cycle-shapes.js');
const source = readFileSync(programPath, 'utf8');
const constant = (name) => {
  const m = source.match(new RegExp(`\\b${name} = (\\d+)`));
  assert.ok(m, `cycle-shapes.js defines ${name}`);
  return +m[1];
};
const TREES = constant('TREES'), RINGS = constant('RINGS'), PLAIN = constant('PLAIN');
const EXTRA = constant('EXTRA');
const file = snapshot('cycle-shapes');

/** cycles --json with args, validated. */
function cyclesJson(...args) {
  const doc = memsnapJson('cycles', '--json', ...args);
  validCycles(doc, `cycles --json ${args.join(' ')}`);
  return doc;
}
const hasClass = (g, name) => g.classes.some((c) => c.class === name);
const shapeOf = (g) => g.shape.map((e) => [e.from_class, e.type, e.name, e.to_class, e.count]);

/** The nontrivial components (2+ nodes, or a node with an edge to itself)
 * of g over the edges `keep` takes, as arrays of node indices. */
function cyclesOf(g, keep) {
  const comp = scc(g, keep), members = new Map(), self = new Set();
  g.nodes.forEach((n, v) => {
    if (!members.has(comp[v])) members.set(comp[v], []);
    members.get(comp[v]).push(v);
    if (g.out[v].some((e) => e.to === v && keep(v, e))) self.add(comp[v]);
  });
  return [...members.entries()].filter(([c, m]) => m.length > 1 || self.has(c)).map(([, m]) => m);
}

// ---- Node.js ---------------------------------------------------------------

// The oracle: every cycle over the references a program holds (docs/paths.md:
// properties, elements, closure variables, internal edges into or out of
// arrays), found here.
const g = graphDump(file);
const v8Keep = (v, e) => e.type === 'property' || e.type === 'element' || e.type === 'context' ||
  (e.type === 'internal' && (g.nodes[e.to].type === 'array' || g.nodes[v].type === 'array'));
const found = cyclesOf(g, v8Keep);
const named = (c, name) => c.some((v) => g.nodes[v].name === name && g.nodes[v].type === 'object');
const treeCycles = found.filter((c) => named(c, 'TreeNode'));
const ringCycles = found.filter((c) => named(c, 'RingLink'));
assert.equal(treeCycles.length, TREES, 'the oracle finds a cycle per pair');
assert.equal(ringCycles.length, RINGS);
assert.ok(ringCycles.every((c) => c.length === 3 && c.every((v) => g.nodes[v].name === 'RingLink')));
const treeSize = treeCycles[0].length;
assert.ok(treeCycles.every((c) => c.length === treeSize), 'the pairs are alike');

const all = cyclesJson('-n', '0', '--internals', file);
assert.equal(all.cycle_count, found.length, 'every cycle the oracle finds');
assert.equal(all.user.cycle_count + all.runtime.cycle_count, all.cycle_count);
assert.equal(all.groups.length, all.user.group_count + all.runtime.group_count);
assert.equal(all.groups.reduce((s, x) => s + x.count, 0), all.cycle_count, 'each cycle in one group');
assert.equal(all.shape_count, all.groups.length);
// The program's groups first, each side largest retained size first.
const firstRuntime = all.groups.findIndex((x) => x.origin === 'runtime');
assert.ok(firstRuntime > 0, 'the program has groups and so has the runtime');
assert.ok(all.groups.slice(firstRuntime).every((x) => x.origin === 'runtime'), 'user groups first');
assert.equal(firstRuntime, all.user.group_count);
for (let i = 1; i < all.groups.length; i++) {
  if (i === firstRuntime) continue;
  const [p, x] = [all.groups[i - 1], all.groups[i]];
  assert.ok(p.retained_size > x.retained_size ||
    (p.retained_size === x.retained_size && p.shallow_size >= x.shallow_size), `group ${i} in order`);
}
// Node's module registry is a cycle among the runtime's objects.
assert.ok(all.groups.some((x) => x.origin === 'runtime' && hasClass(x, 'BuiltinModule')));

// By default: the program's groups only.
const cyc = cyclesJson('-n', '0', file);
assert.equal(cyc.internals, false);
assert.ok(cyc.groups.every((x) => x.origin === 'user'));
assert.equal(cyc.groups.length, cyc.user.group_count);
assert.deepEqual(cyc.groups.map((x) => x.signature), all.groups.slice(0, firstRuntime).map((x) => x.signature));
// Exactly one group of TREES pairs: 2 TreeNode each, child --parent--> parent
// and parent --children--> the children array.
const trees = cyc.groups.filter((x) => hasClass(x, 'TreeNode'));
assert.equal(trees.length, 1, 'one group holds the TreeNodes');
assert.equal(trees[0].count, TREES);
assert.equal(trees[0].size, treeSize);
assert.equal(trees[0].classes.find((c) => c.class === 'TreeNode').count, 2);
const treeShape = shapeOf(trees[0]);
assert.ok(treeShape.some((e) => e.join() === ['TreeNode', 'property', 'parent', 'TreeNode', 1].join()), treeShape);
assert.ok(treeShape.some((e) => e.join() === ['TreeNode', 'property', 'children', 'Array', 1].join()), treeShape);
assert.ok(trees[0].retained_size >= trees[0].shallow_size);
assert.equal(trees[0].unreachable, 0);
assert.equal(trees[0].collector_only, false);
const exampleIds = new Set(trees[0].example.member_ids.map(String));
assert.ok(treeCycles.some((c) => c.length === exampleIds.size && c.every((v) => exampleIds.has(g.nodes[v].id))),
  'the example is one of the pairs');
assert.ok(trees[0].example.path.hops.some((h) => h.edge?.name === 'forest'), 'held by forest');
// Exactly one group of RINGS rings: 3 RingLink, next x3.
const rings = cyc.groups.filter((x) => hasClass(x, 'RingLink'));
assert.equal(rings.length, 1);
assert.equal(rings[0].count, RINGS);
assert.deepEqual(rings[0].classes.map((c) => [c.class, c.count]), [['RingLink', 3]]);
assert.deepEqual(shapeOf(rings[0]), [['RingLink', 'property', 'next', 'RingLink', 3]]);
// The plain pairs: plain data, the program's because its module holds them.
const plain = cyc.groups.filter((x) => x.shape.length === 1 && x.shape[0].name === 'peer');
assert.equal(plain.length, 1);
assert.equal(plain[0].count, PLAIN);
assert.equal(plain[0].size, 2);
assert.equal(plain[0].shape[0].count, 2);

// Text: one line per group, the runtime's folded into one line.
let r = memsnap('cycles', '-n', '0', file);
assert.equal(r.status, 0, r.stderr);
let t = r.stdout;
assert.equal(t.match(new RegExp(`^#\\d+  ${TREES} cycles of ${treeSize} objects each`, 'gm'))?.length, 1, t);
assert.equal(t.match(new RegExp(`^#\\d+  ${RINGS} cycles of 3 objects each`, 'gm'))?.length, 1, t);
assert.match(t, new RegExp(`^#\\d+  ${TREES} cycles .*\\n    classes, in each: 2 TreeNode  cycle-shapes\\.js:`, 'm'));
assert.match(t, /^    shape: RingLink --next \(property\)--> RingLink x3$/m);
assert.equal(t.match(/^#\d+  /gm).length, cyc.user.group_count);
assert.match(t, new RegExp(`^${cyc.runtime.cycle_count} more cycles among the runtime's objects \\(--internals shows them\\)$`, 'm'));
assert.doesNotMatch(t, /BuiltinModule/);
assert.match(t.split('\n')[1], new RegExp(`^the program's: ${cyc.user.cycle_count} cycles of ${cyc.user.group_count} shapes; ` +
  `among the runtime's objects: ${cyc.runtime.cycle_count} cycles of ${cyc.runtime.group_count} shapes$`));
r = memsnap('cycles', '-n', '0', '--internals', file);
assert.equal(r.status, 0, r.stderr);
assert.match(r.stdout, /BuiltinModule/);
assert.doesNotMatch(r.stdout, /more cycles among the runtime's objects/);
assert.equal(r.stdout.match(/^#\d+  /gm).length, all.groups.length);

// -n counts groups; --min-size leaves out the small ones.
const one = cyclesJson('-n', '1', file);
assert.equal(one.groups.length, 1);
assert.equal(one.groups[0].signature, cyc.groups[0].signature);
r = memsnap('cycles', '-n', '1', file);
assert.match(r.stdout, new RegExp(`^\\.\\.\\. ${cyc.user.group_count - 1} more groups \\(-n 0 shows all\\)$`, 'm'));
const big = cyclesJson('-n', '0', '--min-size', '1K', file);
assert.deepEqual(big.groups.map((x) => x.signature),
  cyc.groups.filter((x) => x.shallow_size >= 1024).map((x) => x.signature));
assert.ok(big.groups.length >= 1 && big.groups.length < cyc.groups.length);

// --class: the group of that class, named as summary shows it too.
const lines = source.split('\n');
const classLine = lines.findIndex((l) => l.startsWith('class TreeNode')) + 1;
const ctorLine = lines.slice(classLine).findIndex((l) => l.includes('constructor(')) + classLine;
const ctorColumn = lines[ctorLine].indexOf('constructor(') + 'constructor'.length + 1;
const key = memsnapJson('summary', '--json', '-n', '0', file).classes.find((c) => c.name === 'TreeNode').key;
for (const q of ['TreeNode', `TreeNode  cycle-shapes.js:${ctorLine + 1}:${ctorColumn}`,
  `TreeNode (cycle-shapes.js:${ctorLine + 1})`, key]) {
  const c = cyclesJson('--class', q, file);
  assert.equal(c.class, q);
  assert.equal(c.groups.length, 1, `--class ${q}`);
  assert.equal(c.groups[0].count, TREES);
  assert.equal(c.groups[0].signature, trees[0].signature);
  assert.equal(c.user.cycle_count, TREES);
  assert.equal(c.runtime.cycle_count, 0);
  assert.equal(c.cycle_count, cyc.cycle_count, 'cycle_count counts every cycle');
}
const byRing = cyclesJson('--class', 'RingLink', file);
assert.deepEqual(byRing.groups.map((x) => [x.count, x.signature]), [[RINGS, rings[0].signature]]);
r = memsnap('cycles', '--class', 'RingLink', file);
assert.match(r.stdout, /^holding an object of class RingLink: 3 cycles of 1 shape$/m);
// A runtime class: folded unless --internals.
const byModule = cyclesJson('--class', 'BuiltinModule', file);
assert.deepEqual(byModule.groups, []);
assert.equal(byModule.user.cycle_count, 0);
assert.ok(byModule.runtime.cycle_count >= 1);
const byModuleAll = cyclesJson('--class', 'BuiltinModule', '--internals', file);
assert.equal(byModuleAll.groups.length, byModule.runtime.group_count);
assert.ok(byModuleAll.groups.every((x) => x.origin === 'runtime' && hasClass(x, 'BuiltinModule')));
r = memsnap('cycles', '--class', 'NoSuchClassHere', file);
assert.equal(r.status, 3);
assert.match(r.stderr, /no class named "NoSuchClassHere"/);

// Two snapshots of one process: EXTRA more pairs, the same signatures.
const dir = scratch('cycles-groups');
const a = join(dir, 'a.heapsnapshot'), b = join(dir, 'b.heapsnapshot');
node(programPath, a, b);
const before = cyclesJson('--class', 'TreeNode', a), after = cyclesJson('--class', 'TreeNode', b);
assert.equal(before.groups[0].count, TREES);
assert.equal(after.groups[0].count, TREES + EXTRA);
assert.equal(before.groups[0].signature, after.groups[0].signature);
assert.deepEqual(cyclesJson('--class', 'RingLink', b).groups.map((x) => x.signature), [rings[0].signature]);
console.log(`ok: Node.js: ${TREES} pairs in one group, ${RINGS} rings in one, ${PLAIN} plain pairs in one; ` +
  `${cyc.runtime.cycle_count} runtime cycles folded`);

// ---- Python -----------------------------------------------------------------

const KEPT = 30, DROPPED = 7, LINKS = 5;
const PROGRAM = `import gc
gc.disable()  # the dropped pairs stay in the heap, as garbage


class Pair:
    def __init__(self):
        self.other = None


class Link:
    def __init__(self):
        self.next = None


def pair():
    a, b = Pair(), Pair()
    a.other, b.other = b, a
    return a


PAIRS = [pair() for _ in range(${KEPT})]
for _ in range(${DROPPED}):
    pair()
RINGS = []
for _ in range(${LINKS}):
    x, y, z = Link(), Link(), Link()
    x.next, y.next, z.next = y, z, x
    RINGS.append(x)
`;
const py = process.env.MEMSNAP_PYTHON || 'python3';
const pdir = scratch('cycles-groups-python');
copyFileSync(join(SOURCE, 'tools', 'python', 'memsnap_record.py'), join(pdir, 'memsnap_record.py'));
writeFileSync(join(pdir, 'prog.py'), PROGRAM);
const heap = join(pdir, 'prog.mlyze');
const env = { ...process.env };
delete env.PYTHONPATH;
r = run(py, ['-m', 'memsnap_record', '-o', heap, 'prog.py'], { cwd: pdir, env });
assert.equal(r.status, 0, r.stderr);
assert.ok(existsSync(heap), r.stderr);

// The oracle: cycles over the program's references (property and element
// edges, docs/importers.md), and which of them nothing reachable holds.
const pg = graphDump(heap);
const pyCycles = cyclesOf(pg, (v, e) => e.type === 'property' || e.type === 'element');
const reached = new Uint8Array(pg.nodes.length), queue = [0];
reached[0] = 1;
for (let q = 0; q < queue.length; q++)
  for (const e of pg.out[queue[q]])
    if (e.type !== 'weak' && !reached[e.to]) {
      reached[e.to] = 1;
      queue.push(e.to);
    }
const garbage = pyCycles.filter((c) => !c.some((v) => reached[v]));
const ofClass = (cs, name) => cs.filter((c) => c.some((v) => pg.nodes[v].name === name));
assert.equal(ofClass(pyCycles, '__main__.Pair').length, KEPT + DROPPED);
assert.equal(ofClass(garbage, '__main__.Pair').length, DROPPED, 'the dropped pairs are garbage');

const pc = cyclesJson('-n', '0', heap);
assert.equal(pc.cycle_count, pyCycles.length);
assert.equal(pc.unreachable_count, garbage.length);
// The recorder tells whose the objects are (docs/compare.md): the
// program's cycles are its pairs and rings; those among the interpreter's
// modules and the standard library's classes are the runtime's, folded.
assert.equal(pc.user.cycle_count, KEPT + DROPPED + LINKS, "the program's cycles: pairs and rings");
assert.equal(pc.user.group_count, 2);
assert.equal(pc.runtime.cycle_count, pyCycles.length - (KEPT + DROPPED + LINKS), "the runtime's");
assert.ok(pc.groups.every((x) => x.collector_only && x.origin === 'user'));
const pairs = pc.groups.filter((x) => hasClass(x, '__main__.Pair'));
assert.equal(pairs.length, 1, 'one group of pairs, reachable or not');
assert.equal(pairs[0].count, KEPT + DROPPED);
assert.equal(pairs[0].unreachable, DROPPED);
assert.equal(pairs[0].classes.find((c) => c.class === '__main__.Pair').count, 2);
assert.equal(pairs[0].shape.filter((e) => e.name === 'other').reduce((s, e) => s + e.count, 0), 2);
assert.ok(pairs[0].example.path.length > 0, 'the example is a pair the program keeps');
const links = pc.groups.filter((x) => hasClass(x, '__main__.Link'));
assert.equal(links.length, 1);
assert.equal(links[0].count, LINKS);
assert.equal(links[0].unreachable, 0);
assert.equal(links[0].classes.find((c) => c.class === '__main__.Link').count, 3);
assert.equal(links[0].shape.filter((e) => e.name === 'next').reduce((s, e) => s + e.count, 0), 3);
assert.deepEqual(cyclesJson('--class', '__main__.Pair', heap).groups.map((x) => x.signature),
  [pairs[0].signature]);
r = memsnap('cycles', '-n', '0', heap);
assert.equal(r.status, 0, r.stderr);
t = r.stdout;
assert.match(t, /only the cycle collector \(gc\) frees it/);
assert.match(t, new RegExp(`^${garbage.length} of ${pyCycles.length} cycles unreachable from the roots`, 'm'));
assert.equal(t.match(/^    freed only by the cycle collector when unreachable$/gm).length, pc.groups.length,
  'every group says so');
assert.match(t, new RegExp(`^#\\d+  ${KEPT + DROPPED} cycles .*\\n(    .*\\n)*?    ${DROPPED} of them unreachable ` +
  '\\(garbage the cycle collector has not collected yet\\)$', 'm'));
console.log(`ok: Python: ${KEPT + DROPPED} pairs in one group, ${DROPPED} of them unreachable; ${LINKS} rings`);
