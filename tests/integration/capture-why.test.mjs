// capture-why: the questions of issues 4 and 5 on Boehm GC captures of C
// programs (written by the capture-known-heap-O2 and capture-preload
// tests), answered from what each program wrote down about its heap:
//   - why: the tail of the 1000-node list that global g_list holds is
//     retained through g_list and the 999 nodes before it, each of which
//     dominates it;
//   - cycles: exactly one cycle, the 3 objects A -> B -> C -> A;
//   - compare: between the SIGUSR2 capture and the one at exit of one
//     process, exactly one new object: the one in g_after.
import { join } from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import { memsnap, memsnapJson, schemaValidator, assert, WORK } from './lib.mjs';

const known = join(WORK, 'capture', 'capture-known-heap-O2');
const preload = join(WORK, 'capture', 'preload');
const file = join(known, 'capture.gcsnap');
assert.ok(existsSync(file), `missing ${file} (the capture-known-heap-O2 test writes it)`);
const expect = readFileSync(join(known, 'expect.txt'), 'utf8').split('\n').map((l) => l.split(' '));
const addr = (role) => expect.filter((f) => f[0] === 'object' && f[1] === role).map((f) => BigInt(f[2]));
const [tail] = addr('list-tail'), [head] = addr('list-head'), list = addr('list');
assert.equal(list.length, 998);

// why, by address
const why = memsnapJson('why', '--json', file, `0x${tail.toString(16)}`);
schemaValidator('why')(why, 'why --json on a capture');
assert.equal(why.status, 'retained');
const hops = why.path.hops;
assert.equal(BigInt(hops.at(-1).id), tail);
const viaGlobal = hops.findIndex((h) => h.edge && h.edge.name === 'g_list');
assert.ok(viaGlobal >= 0, `the path goes through g_list: ${JSON.stringify(hops.slice(0, 3))}`);
assert.equal(BigInt(hops[viaGlobal + 1].id), head, 'g_list leads to the list head');
assert.equal(hops.length - (viaGlobal + 1), 1000, 'then through all 1000 nodes');
const inList = new Set([head, ...list].map(String));
const doms = new Set(why.dominators.map((d) => String(BigInt(d.id))));
for (const a of inList) assert.ok(doms.has(a), `list node 0x${BigInt(a).toString(16)} dominates the tail`);
// the text output names addresses as 0x...
const text = memsnap('why', file, `0x${tail.toString(16)}`);
assert.equal(text.status, 0);
assert.match(text.stdout, new RegExp(`0x${tail.toString(16)}`));
assert.match(text.stdout, /--g_list \(property\)-->/);

// cycles
const cyc = memsnapJson('cycles', '--json', file);
schemaValidator('cycles')(cyc, 'cycles --json on a capture');
assert.equal(cyc.cycle_count, 1, `one cycle: ${JSON.stringify(cyc.cycles.map((c) => c.size))}`);
assert.equal(cyc.cycles[0].size, 3);
const cycleAddrs = new Set(['cycle-a', 'cycle-b', 'cycle-c'].map((r) => String(addr(r)[0])));
assert.ok(cycleAddrs.has(String(BigInt(cyc.cycles[0].entry.id))), 'entered at one of A, B, C');

// compare two captures of one process
const before = join(preload, 'capture.gcsnap.1'), after = join(preload, 'capture.gcsnap');
assert.ok(existsSync(before) && existsSync(after), 'the capture-preload test writes both captures');
const after_obj = readFileSync(join(preload, 'expect.txt'), 'utf8').split('\n')
  .map((l) => l.split(' ')).find((f) => f[0] === 'object' && f[1] === 'after');
const cmp = memsnapJson('compare', '--json', before, after);
schemaValidator('compare')(cmp, 'compare --json on captures');
assert.equal(cmp.match, 'id');
assert.equal(cmp.totals.added_count, 1);
assert.equal(cmp.totals.removed_count, 0);
assert.equal(cmp.groups.length, 1);
assert.equal(BigInt(cmp.groups[0].example.id), BigInt(after_obj[2]));
assert.match(cmp.groups[0].signature, /--g_after--> /);
const r = memsnap('compare', '--fail-on', 'new>0', before, after);
assert.equal(r.status, 1, r.stderr);
assert.match(r.stderr, /budget exceeded: new>0: new objects: 1/);
// Sizes are the collector's own (GC_size), not DevTools': the headings say so.
for (const cmd of ['summary', 'top']) {
  const t = memsnap(cmd, '-n', '1', file);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout.split('\n')[0], /\(Boehm object sizes\)/, `${cmd}: ${t.stdout}`);
  assert.doesNotMatch(t.stdout, /DevTools/);
}
console.log('ok: why, cycles and compare on Boehm GC captures');
