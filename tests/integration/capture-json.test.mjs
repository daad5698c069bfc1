// capture-json: every --json output on a Boehm GC capture (the one the
// capture-known-heap-O2 test writes) matches its documented schema, and
// shows the capture as the program built it: 1009 objects, format boehm.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { memsnapJson, schemaValidator, assert, WORK } from './lib.mjs';

const file = join(WORK, 'capture', 'capture-known-heap-O2', 'capture.gcsnap');
assert.ok(existsSync(file), `missing ${file} (the capture-known-heap-O2 test writes it)`);

const info = memsnapJson('info', '--json', file);
schemaValidator('info')(info, 'info --json');
assert.equal(info.format, 'boehm');

const summary = memsnapJson('summary', '--json', file);
schemaValidator('summary')(summary, 'summary --json');
assert.equal(summary.object_count, 1009);
const sites = memsnapJson('summary', '--by', 'site', '--json', file);
schemaValidator('summary')(sites, 'summary --by site --json');
assert.ok(sites.classes.some((c) => c.name === 'build_list at known_heap.c:113' || c.name.startsWith('build_list at known_heap.c:')),
  'the list nodes are grouped under build_list');

schemaValidator('top')(memsnapJson('top', '--json', '-n', '5', file), 'top --json');
schemaValidator('dominators')(memsnapJson('dominators', '--json', file), 'dominators --json');
const nodes = memsnapJson('nodes', '--json', file);
schemaValidator('nodes')(nodes, 'nodes --json');
assert.equal(nodes.nodes.length, info.node_count);
console.log('capture JSON outputs match their schemas');
