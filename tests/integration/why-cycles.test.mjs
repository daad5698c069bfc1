// why-cycles.test.mjs: `why` and `cycles` on a real snapshot of a program
// with known leaks (tests/fixtures/programs/retention.js): the paths name
// the globals and properties that hold the objects, each hop is one step of
// distance, --class clusters the instances into one explanation, and the
// known cycles are found with their exact members.  JSON output matches the
// published schemas.
import { memsnap, memsnapJson, snapshot, schemaValidator, assert } from './lib.mjs';

const file = snapshot('retention');
const validWhy = schemaValidator('why');
const validCycles = schemaValidator('cycles');

function checkPath(path, what) {
  assert.ok(path.length >= 2, `${what}: a path from the root`);
  assert.equal(path.hops.length, path.length, `${what}: all hops listed`);
  assert.equal(path.hops[0].type, 'synthetic', `${what}: starts at the root`);
  for (let i = 1; i < path.hops.length; i++) {
    const prev = path.hops[i - 1], hop = path.hops[i];
    assert.ok(prev.edge, `${what}: hop ${i - 1} has an edge`);
    assert.notEqual(prev.edge.type, 'weak', `${what}: no weak edge`);
    // Each hop is one step of distance; the first lands on a user root at 1.
    if (i === 1) assert.ok(hop.distance === 1 || hop.distance === prev.distance + 1);
    else assert.equal(hop.distance, prev.distance + 1, `${what}: hop ${i} distance`);
  }
  assert.equal(path.hops[path.hops.length - 1].edge, undefined, `${what}: ends at the object`);
}
const edgeNames = (path) => path.hops.filter((h) => h.edge).map((h) => h.edge.name ?? h.edge.index);

// 1. The cache: one group of 1000, held by the global `requestCache`.
const cache = memsnapJson('why', '--json', '--class', 'CacheEntry', file);
validWhy(cache, 'why --class CacheEntry');
assert.equal(cache.instances, 1000);
assert.equal(cache.groups.length, 1, 'one explanation for the whole cache');
assert.equal(cache.groups[0].count, 1000);
checkPath(cache.groups[0].path, 'CacheEntry group');
assert.ok(edgeNames(cache.groups[0].path).includes('requestCache'), 'the path names the global');
assert.equal(cache.groups[0].path.hops.find((h) => h.edge?.name === 'requestCache').class, 'global');

// ... and one instance in detail.
const one = memsnapJson('why', '--json', file, `@${cache.groups[0].example.id}`);
validWhy(one, 'why @id');
assert.equal(one.mode, 'object');
assert.equal(one.status, 'retained');
assert.equal(one.object.class, 'CacheEntry');
checkPath(one.path, 'CacheEntry');
assert.ok(edgeNames(one.path).includes('requestCache'));
assert.ok(one.path.hops.some((h) => h.class === 'Map'), 'through the Map');
// Dominators: nearest first, every one of them on the path.
const onPath = new Set(one.path.hops.map((h) => h.id));
assert.ok(one.dominators.length >= 2);
for (const d of one.dominators) assert.ok(onPath.has(d.id), `dominator @${d.id} lies on every path`);
for (let i = 1; i < one.dominators.length; i++)
  assert.ok(one.dominators[i].retained_size >= one.dominators[i - 1].retained_size, 'nearest first');

// 2. Listener closures: 200 states, held through the bus and a closure variable.
const listeners = memsnapJson('why', '--json', '--class', 'ListenerState', file);
validWhy(listeners, 'why --class ListenerState');
assert.equal(listeners.instances, 200);
assert.equal(listeners.groups.length, 1);
const lp = listeners.groups[0].path;
checkPath(lp, 'ListenerState group');
assert.ok(edgeNames(lp).includes('bus'), 'the path names the global bus');
assert.ok(edgeNames(lp).includes('tick'), '... and the event');
// The listener closure, then its scope (V8 may record the variable slot as
// a hidden edge rather than a named context edge), then the state.
const n = lp.hops.length;
assert.equal(lp.hops[n - 1].class, 'ListenerState');
assert.equal(lp.hops[n - 2].class, 'system / Context');
assert.equal(lp.hops[n - 3].class, 'Function');
assert.equal(lp.hops[n - 3].edge.name, 'context');

// 3. The ring: a cycle of exactly the 3 RingNodes, entered from `ring`.
const cycles = memsnapJson('cycles', '--json', '-n', '0', file);
validCycles(cycles, 'cycles --json');
const ringGroups = cycles.groups.filter((g) => g.classes.some((k) => k.class === 'RingNode'));
assert.equal(ringGroups.length, 1, 'one group holds the RingNodes');
assert.equal(ringGroups[0].count, 1, 'one ring');
assert.equal(ringGroups[0].size, 3);
assert.equal(ringGroups[0].origin, 'user');
assert.deepEqual(ringGroups[0].classes.map((k) => [k.class, k.count]), [['RingNode', 3]]);
assert.deepEqual(ringGroups[0].shape.map((e) => [e.from_class, e.type, e.name, e.to_class, e.count]),
  [['RingNode', 'property', 'next', 'RingNode', 3]], 'a -> b -> c -> a by next');
const ring = ringGroups[0].example;
checkPath(ring.path, 'ring entry');
assert.ok(edgeNames(ring.path).includes('ring'));
assert.equal(ring.entry.class, 'RingNode');
// 4. SelfRef holds itself through its Map.
const self = cycles.groups.filter((g) => g.classes.some((k) => k.class === 'SelfRef'));
assert.equal(self.length, 1);
assert.ok(self[0].classes.some((k) => k.class === 'Map'), 'the cycle goes through the Map');

// Several ids at once; an unknown id and the root are explained.
const two = memsnapJson('why', '--json', file, `@${ring.member_ids[0]}`, `${ring.member_ids[1]}`);
validWhy(two, 'why with two ids');
assert.equal(two.mode, 'objects');
assert.equal(two.objects.length, 2);
for (const o of two.objects) checkPath(o.path, 'ring member');
let r = memsnap('why', file, '@999999999');
assert.equal(r.status, 3);
assert.match(r.stderr, /no object with id @999999999/);
r = memsnap('why', file, 'thing');
assert.equal(r.status, 2);
r = memsnap('why', '--class', 'NoSuchClassHere', file);
assert.equal(r.status, 3);
assert.match(r.stderr, /no class named "NoSuchClassHere"/);
const root = memsnapJson('why', '--json', file, '@1');
validWhy(root, 'why @1');
assert.equal(root.status, 'root');
r = memsnap('why', file, '@1');
assert.match(r.stdout, /is the root/);
r = memsnap('why', file, `@${cache.groups[0].example.id}`);
assert.match(r.stdout, /--requestCache \(property\)-->/);
assert.match(r.stdout, /Kept alive by/);
console.log('ok: why and cycles explain the known leaks');
