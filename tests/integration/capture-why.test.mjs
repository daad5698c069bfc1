// capture-why: the questions of issues 4 and 5 on Boehm GC captures of C
// programs (written by the capture-known-heap-O2 and capture-preload
// tests), answered from what each program wrote down about its heap:
//   - why: the tail of the 1000-node list that global g_list holds is
//     retained through g_list and the 999 nodes before it, each of which
//     dominates it;
//   - cycles: exactly one cycle, the 3 objects A -> B -> C -> A;
//   - compare: between the SIGUSR2 capture and the one at exit of one
//     process, objects matched by id although most of the churn chain's
//     addresses hold other objects in the second (the same process, by its
//     pid and start time, not by its ids): the new objects are exactly
//     g_after's and the second churn chain's, the deleted ones the first
//     chain's; captures of two processes of the program are compared per
//     class, with a note naming both pids, and leaks refuses them.
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

// why, by address (every hop: by default the list's run is one hop)
const why = memsnapJson('why', '--json', '--full', file, `0x${tail.toString(16)}`);
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
// by default the list is its head's hop and a run of the same step
const short = memsnapJson('why', '--json', file, `0x${tail.toString(16)}`);
const runHop = short.path.hops.find((h) => h.run);
assert.ok(runHop && BigInt(runHop.id) === head, 'the run starts at the list head');
assert.equal(short.path.hops.length + short.path.folded, short.path.length);
// the text output names addresses as 0x...
const text = memsnap('why', file, `0x${tail.toString(16)}`);
assert.equal(text.status, 0);
assert.match(text.stdout, new RegExp(`0x${tail.toString(16)}`));
assert.match(text.stdout, /--g_list \(property\)-->/);

// cycles
const cyc = memsnapJson('cycles', '--json', file);
schemaValidator('cycles')(cyc, 'cycles --json on a capture');
assert.equal(cyc.cycle_count, 1, `one cycle: ${JSON.stringify(cyc.groups.map((g) => g.size))}`);
assert.equal(cyc.groups.length, 1);
assert.equal(cyc.groups[0].count, 1);
assert.equal(cyc.groups[0].size, 3);
// A C heap is the program's: no runtime side, no collector to wait for.
assert.equal(cyc.groups[0].origin, 'user');
assert.equal(cyc.groups[0].collector_only, false);
const cycleAddrs = new Set(['cycle-a', 'cycle-b', 'cycle-c'].map((r) => String(addr(r)[0])));
assert.ok(cycleAddrs.has(String(BigInt(cyc.groups[0].example.entry.id))), 'entered at one of A, B, C');
assert.deepEqual(new Set(cyc.groups[0].example.member_ids.map((i) => String(BigInt(i)))), cycleAddrs,
  'its members are A, B, C');

// compare two captures of one process
const before = join(preload, 'capture.gcsnap.1'), after = join(preload, 'capture.gcsnap');
assert.ok(existsSync(before) && existsSync(after), 'the capture-preload test writes both captures');
const lines = (f) => readFileSync(f, 'utf8').split('\n').map((l) => l.split(' '));
/** What plain_gc wrote it built: its pid, and address -> allocation site
 * (a capture's class is its object's site). */
function built(f) {
  const l = lines(f);
  return { pid: l.find((x) => x[0] === 'pid')[1],
    objects: new Map(l.filter((x) => x[0] === 'object').map((x) => [BigInt(x[2]), `${x[4]}:${x[5]}`])) };
}
const first = built(join(preload, 'expect.txt.1')), last = built(join(preload, 'expect.txt'));
assert.equal(first.pid, last.pid);
const same = (a) => first.objects.get(a) === last.objects.get(a);
const added = [...last.objects.keys()].filter((a) => !same(a)).length;
const removed = [...first.objects.keys()].filter((a) => !same(a)).length;
const reused = [...last.objects.keys()].filter((a) => first.objects.has(a) && !same(a)).length;
const after_obj = lines(join(preload, 'expect.txt')).find((f) => f[0] === 'object' && f[1] === 'after');
const cmp = memsnapJson('compare', '--json', before, after);
schemaValidator('compare')(cmp, 'compare --json on captures');
assert.equal(cmp.match, 'id', cmp.note);
assert.equal(cmp.note, null);
assert.equal(cmp.totals.added_count, added);
assert.equal(cmp.totals.removed_count, removed);
// Addresses holding another object in AFTER: what made two captures of
// one process look like two processes when their ids decided.
assert.equal(cmp.totals.mismatched_ids, reused);
assert.ok(reused * 100 > cmp.totals.shared_ids, `the churn reused ${reused} of ${cmp.totals.shared_ids} shared addresses`);
const afterGroup = cmp.groups.filter((g) => BigInt(g.example.id) === BigInt(after_obj[2]));
assert.equal(afterGroup.length, 1);
assert.equal(afterGroup[0].count, 1);
assert.match(afterGroup[0].signature, /--g_after--> /);
assert.equal(cmp.groups.reduce((s, g) => s + g.count, 0), added, 'every new object in a group');
let r = memsnap('compare', '--fail-on', 'new>0', before, after);
assert.equal(r.status, 1, r.stderr);
assert.equal(r.stderr, `memsnap: budget exceeded: new>0: new objects: ${added.toLocaleString('en-US')}\n`);
// leaks over the same process: no refusal.
r = memsnap('leaks', before, after, after);
assert.equal(r.status, 0, r.stderr);

// Two processes of the same program (run-preload.sh runs it twice).
const otherFile = join(preload, 'other', 'capture.gcsnap');
const other = built(join(preload, 'other', 'expect.txt'));
assert.notEqual(other.pid, first.pid);
r = memsnap('compare', '--json', before, otherFile);
assert.equal(r.status, 0, r.stderr);
const why2 = `the snapshots come from different processes (pid ${first.pid} and pid ${other.pid})`;
assert.equal(r.stderr, `memsnap: warning: ${why2}; comparing per class only (counts and sizes), not object by object\n`);
const cross = JSON.parse(r.stdout);
schemaValidator('compare')(cross, 'compare --json on captures of two processes');
assert.equal(cross.match, 'class');
assert.equal(cross.note, why2);
r = memsnap('leaks', before, after, otherFile);
assert.equal(r.status, 3);
assert.equal(r.stderr, `memsnap: ${after} and ${otherFile} come from different processes (pid ${last.pid} and pid ${other.pid}); leaks needs three snapshots of one process\n`);
// Sizes are the collector's own (GC_size), not DevTools': the headings say so.
for (const cmd of ['summary', 'top']) {
  const t = memsnap(cmd, '-n', '1', file);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout.split('\n')[0], /\(Boehm object sizes\)/, `${cmd}: ${t.stdout}`);
  assert.doesNotMatch(t.stdout, /DevTools/);
}
console.log('ok: why, cycles and compare on Boehm GC captures');
