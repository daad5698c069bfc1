// top-dominators.test.mjs: `memsnap top` and `memsnap dominators` on a real
// snapshot: their JSON matches the schemas, agrees with the per-node table
// (which oracle-nodes checks against DevTools), and finds what the program
// built: the global array holding 12345 LeakyThing objects retains them all.
import { memsnap, memsnapJson, snapshot, schemaValidator, assert } from './lib.mjs';

const file = snapshot('leaky-things');
const top = memsnapJson('top', '--json', '-n', '30', file);
schemaValidator('top')(top, 'top --json');
const summary = memsnapJson('summary', '--json', file);
const nodesText = memsnap('nodes', file);
assert.equal(nodesText.status, 0, nodesText.stderr);
const byId = new Map();
for (const line of nodesText.stdout.split('\n').slice(1)) {
  if (!line) continue;
  const f = line.split('\t');
  byId.set(Number(f[1]), { type: f[2], shallow: Number(f[4]), retained: Number(f[5]), dominator: Number(f[6]), distance: Number(f[7]) });
}

// Sorted, consistent with the node table, no synthetic nodes.
assert.equal(top.objects.length, 30);
for (let i = 0; i < top.objects.length; i++) {
  const o = top.objects[i], n = byId.get(o.id);
  if (i > 0) assert.ok(top.objects[i - 1].retained_size >= o.retained_size, 'largest first');
  assert.equal(o.retained_size, n.retained);
  assert.equal(o.shallow_size, n.shallow);
  assert.equal(o.distance, n.distance);
  assert.equal(o.dominator_id, n.dominator);
  assert.notEqual(o.type, 'synthetic');
  assert.ok(o.retained_size >= o.shallow_size);
}
// No object outside the list retains more than the last one listed.
const last = top.objects[top.objects.length - 1].retained_size;
const listed = new Set(top.objects.map((o) => o.id));
for (const [id, n] of byId) {
  if (!listed.has(id) && n.type !== 'synthetic') assert.ok(n.retained <= last, `@${id} retains ${n.retained} > ${last}`);
}
assert.equal(top.total_size, Math.max(...[...byId.values()].map((n) => n.retained)), 'total = the root\'s retained size');

// The array of LeakyThings retains at least all of them.
const leaky = summary.classes.find((c) => c.name === 'LeakyThing');
const holder = top.objects.find((o) => o.class === 'Array' && o.retained_size >= leaky.retained_size);
assert.ok(holder, 'an Array retaining every LeakyThing is among the top 30');
assert.ok(leaky.retained_size >= leaky.shallow_size);

// Dominator tree: children follow their parent, sizes add up, limits hold.
const dom = memsnapJson('dominators', '--json', '--depth', '3', '--min-size', '10K', '--max-children', '5', file);
schemaValidator('dominators')(dom, 'dominators --json');
assert.equal(dom.nodes[0].depth, 0);
assert.equal(dom.nodes[0].retained_size, dom.total_size);
const stack = [];
for (const n of dom.nodes) {
  while (stack.length > n.depth) stack.pop();
  if (n.depth > 0) {
    const parent = stack[stack.length - 1];
    assert.equal(n.dominator_id, parent.id, 'listed under its immediate dominator');
    assert.ok(n.retained_size <= parent.retained_size);
    assert.ok(n.retained_size >= 10240, '--min-size');
    parent.kids = (parent.kids || 0) + 1;
    parent.sum = (parent.sum || 0) + n.retained_size;
  }
  assert.ok(n.depth <= 3, '--depth');
  assert.equal(n.dominator_id, byId.get(n.id).dominator);
  stack.push(n);
}
for (const n of dom.nodes) {
  assert.ok((n.kids || 0) <= 5, '--max-children');
  if (n.depth < 3) {
    // retained = own shallow size + every child's retained size, shown or not
    assert.equal((n.sum || 0) + n.shallow_size + n.retained_not_shown, n.retained_size,
      `@${n.id}: sizes add up`);
  }
}
const text = memsnap('dominators', '--depth', '2', file);
assert.equal(text.status, 0);
assert.match(text.stdout, /dominator tree, 2 levels/);
assert.match(text.stdout, /└─ /);
console.log(`ok: top and dominators agree with the node table; ${dom.nodes.length} tree rows`);
