// nodes-json.test.mjs: `memsnap nodes --json` on a real snapshot: the
// document matches docs/schema/nodes.schema.json; it has every node of the
// file, in the file's order, with the id, type, name and self size the file
// gives it (read here from the file's own arrays, not by memsnap); and each
// node's fields are those of the tab-separated output, field for field.
import { readFileSync } from 'node:fs';
import { memsnap, memsnapJson, snapshot, schemaValidator, assert } from './lib.mjs';

const file = snapshot('leaky-things');
const valid = schemaValidator('nodes');
const doc = memsnapJson('nodes', '--json', file);
valid(doc, 'nodes --json');
const raw = memsnapJson('nodes', '--json', '--raw-sizes', file);
valid(raw, 'nodes --json --raw-sizes');
assert.equal(doc.sizes, 'devtools');
assert.equal(raw.sizes, 'raw');

// The file's own nodes: id, type, name, self size.
const snap = JSON.parse(readFileSync(file, 'utf8'));
const meta = snap.snapshot.meta, fields = meta.node_fields, width = fields.length;
const at = (f) => fields.indexOf(f);
const types = meta.node_types[0];
const count = snap.nodes.length / width;
assert.equal(count, snap.snapshot.node_count);
assert.equal(doc.node_count, count);
assert.equal(doc.nodes.length, count);
assert.equal(doc.snapshot.node_count, count);
/** A name as memsnap cuts it: at most 200 characters, then "...". */
const cut = (s) => { const c = Array.from(s); return c.length > 200 ? c.slice(0, 200).join('') + '...' : s; };
const lone = /[\uD800-\uDFFF]/; // lone surrogates become U+FFFD (invalid UTF-8 in the file's strings)
for (let i = 0; i < count; i++) {
  const n = doc.nodes[i], base = i * width, name = snap.strings[snap.nodes[base + at('name')]];
  assert.equal(n.index, i);
  assert.equal(n.id, snap.nodes[base + at('id')], `node ${i}: id`);
  assert.equal(n.type, types[snap.nodes[base + at('type')]], `node ${i}: type`);
  // (DevTools' DOM state pass renames detached DOM nodes "Detached X".)
  if (!lone.test(name)) assert.ok(n.name === cut(name) || n.name === cut(`Detached ${name}`),
    `node ${i}: name ${JSON.stringify(n.name)}, the file says ${JSON.stringify(name)}`);
  assert.equal(raw.nodes[i].shallow_size, snap.nodes[base + at('self_size')], `node ${i}: raw size`);
}

// Field for field, the tab-separated output (whose names are escaped:
// control characters as \n, \t, \r or \xNN).
const tsvName = (s) => s.replace(/[\x00-\x1f\x7f]/g, (c) => ({ '\n': '\\n', '\t': '\\t', '\r': '\\r' })[c]
  ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
const text = memsnap('nodes', file);
assert.equal(text.status, 0, text.stderr);
const lines = text.stdout.split('\n');
assert.equal(lines[0], 'index\tid\ttype\tclass\tshallow\tretained\tdominator_id\tdistance\tname');
assert.equal(lines.length, count + 2, 'a header, a line per node, the final newline');
let names = 0;
for (let i = 0; i < count; i++) {
  const f = lines[i + 1].split('\t'), n = doc.nodes[i];
  assert.deepEqual([n.index, n.id, n.type, n.shallow_size, n.retained_size, n.dominator_id, n.distance],
    [+f[0], +f[1], f[2], +f[4], +f[5], +f[6], +f[7]], `node ${i}`);
  assert.equal(tsvName(n.class), f[3], `node ${i}: class`);
  if (!n.name.includes('\uFFFD')) {
    assert.equal(tsvName(n.name), f.slice(8).join('\t'), `node ${i}: name`);
    names++;
  }
}
assert.ok(names > count * 0.99, `names compared: ${names} of ${count}`);
// The known objects are there: every LeakyThing the program made.
assert.equal(doc.nodes.filter((n) => n.class === 'LeakyThing').length, 12345);
console.log(`ok: nodes --json, ${count} nodes, against the file and the TSV`);
