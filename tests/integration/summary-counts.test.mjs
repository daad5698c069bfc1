// summary-counts.test.mjs: memsnap counts what a real Node.js program made.
// leaky-things.js keeps exactly 12345 LeakyThing objects alive; memsnap must
// report exactly that many, and node/edge counts equal to the file header's.
import { memsnapJson, snapshot, snapshotHeader, schemaValidator, assert } from './lib.mjs';

const file = snapshot('leaky-things');
const header = snapshotHeader(file);
const summary = memsnapJson('summary', '--json', file);
const info = memsnapJson('info', '--json', file);
const raw = memsnapJson('summary', '--json', '--raw-sizes', file);

schemaValidator('summary')(summary, 'summary --json');
schemaValidator('info')(info, 'info --json');
schemaValidator('summary')(memsnapJson('summary', '--json', '--raw-sizes', '-n', '3', file), 'summary --raw-sizes');
assert.equal(summary.schema, 'memsnap.summary/2');
const leaky = summary.classes.filter((c) => c.name === 'LeakyThing');
assert.equal(leaky.length, 1, 'one LeakyThing class');
assert.equal(leaky[0].count, 12345);
assert.match(leaky[0].key, /^\d+,\d+,\d+,LeakyThing$/, 'split by constructor location, as DevTools');

assert.equal(info.schema, 'memsnap.info/1');
assert.equal(info.format, 'heapsnapshot');
assert.equal(info.node_count, header.node_count);
assert.equal(info.edge_count, header.edge_count);
assert.equal(summary.snapshot.node_count, header.node_count);
assert.equal(summary.snapshot.edge_count, header.edge_count);
assert.equal(info.root.index, 0);
assert.equal(info.root.type, 'synthetic');

// Plain objects are named by their property sets, as DevTools does.
const points = summary.classes.find((c) => c.name === '{x, y}');
assert.ok(points && points.count >= 300, 'the 300 {x, y} points are one class');
// Raw sizes count every object with a non-zero self size, so at least as
// many as DevTools' sizes; both add up to the file's total self size.
assert.ok(raw.object_count >= summary.object_count);
assert.equal(raw.shallow_size, info.total_self_size);
assert.ok(summary.shallow_size <= info.total_self_size);
console.log(`ok: LeakyThing x ${leaky[0].count}, ${info.node_count} nodes, ${info.edge_count} edges`);
