// compare-leaks.test.mjs: `compare` and `leaks` on snapshots Node.js writes
// here, from tests/fixtures/diff/growth.js with a known leak: N Leaky
// objects pushed to the global array `leakyStore`, M Temp objects freed.
//   - compare reports exactly +N Leaky and -M Temp, and the Leaky group's
//     path goes through `leakyStore`;
//   - --fail-on 'class:Leaky>+0' exits 1 on the leak and 0 without it;
//   - leaks over baseline/target/final finds exactly the N Leaky objects
//     and none of the M Temp ones;
//   - snapshots of two processes: compare warns and compares per class,
//     leaks refuses (exit 3);
//   - --ignore, --markdown, and the JSON schemas.
import { join } from 'node:path';
import { existsSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { memsnap, memsnapJson, node, scratch, schemaValidator, SOURCE, assert } from './lib.mjs';

const N = 750, M = 400;
const growth = join(SOURCE, 'tests', 'fixtures', 'diff', 'growth.js');
const dir = scratch('compare-leaks');
const mk = (name, ...args) => {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  node(growth, d, ...args);
  return d;
};
const leak = mk('leak', '--leak', String(N), '--temps', String(M));
const clean = mk('clean', '--temps', String(M));
const three = mk('three', '--leak', String(N), '--temps', String(M), '--three');
const threeClean = mk('three-clean', '--temps', String(M), '--three'); // the twin without the leak
const other = mk('other', '--leak', String(N), '--temps', String(M)); // a second process
const validCompare = schemaValidator('compare');
const validLeaks = schemaValidator('leaks');

const row = (doc, name) => doc.classes.filter((r) => r.name === name);

// ---- compare: the known numbers --------------------------------------------
const before = join(leak, 'before.heapsnapshot'), after = join(leak, 'after.heapsnapshot');
const doc = memsnapJson('compare', '--json', '-n', '0', before, after);
validCompare(doc, 'compare --json');
assert.equal(doc.match, 'id');
assert.equal(doc.note, null);
const leaky = row(doc, 'Leaky');
assert.equal(leaky.length, 1, 'one Leaky row');
assert.equal(leaky[0].added_count, N);
assert.equal(leaky[0].removed_count, 0);
assert.equal(leaky[0].count_delta, N);
assert.ok(leaky[0].added_size > 0 && leaky[0].size_delta === leaky[0].added_size);
assert.ok(leaky[0].added_retained >= leaky[0].added_size, 'new Leaky objects retain at least themselves');
const temp = row(doc, 'Temp');
assert.equal(temp.length, 1, 'one Temp row');
assert.equal(temp[0].added_count, 0);
assert.equal(temp[0].removed_count, M);
assert.equal(temp[0].count_delta, -M);
assert.equal(doc.totals.before_nodes > 0 && doc.totals.after_nodes > 0, true);
assert.ok(doc.totals.new_retained >= leaky[0].added_retained);
// The new Leaky objects: one group, held by the global array leakyStore.
const groups = doc.groups.filter((g) => g.class === 'Leaky');
assert.equal(groups.length, 1, `one path group for Leaky, got ${groups.length}`);
assert.equal(groups[0].class_count, N);
assert.match(groups[0].signature, /--leakyStore-->/);
const edges = groups[0].path.hops.filter((h) => h.edge).map((h) => h.edge.name);
assert.ok(edges.includes('leakyStore'), `representative path names leakyStore: ${edges}`);
assert.equal(groups[0].path.hops.at(-1).class, 'Leaky');
// By default the program's classes come first, by what their new objects
// retain; the runtime's own classes are folded (counted apart).
assert.equal(doc.classes[0].name, 'Leaky', 'the program\'s class is the first row');
assert.equal(doc.classes[0].origin, 'user');
const users = doc.classes.filter((c) => c.origin === 'user');
assert.deepEqual(doc.classes.slice(0, users.length), users, 'user rows first');
assert.ok(!doc.classes.some((c) => c.origin === 'runtime'), 'runtime rows folded');
assert.ok(doc.folded.classes > 0 && doc.classes.every((c) => c.name !== '(compiled code)'));
// --sort delta: DevTools' order, every class, largest growth first.
const delta = memsnapJson('compare', '--json', '-n', '0', '--sort', 'delta', before, after);
validCompare(delta, 'compare --sort delta --json');
for (let i = 1; i < delta.classes.length; i++) assert.ok(delta.classes[i - 1].size_delta >= delta.classes[i].size_delta);
assert.equal(delta.folded.classes, 0);
assert.equal(delta.classes.length, doc.classes.length + doc.folded.classes, 'the same classes, none folded');
const internals = memsnapJson('compare', '--json', '-n', '0', '--internals', before, after);
assert.equal(internals.classes.length, delta.classes.length, '--internals lists every class');
assert.equal(internals.classes[0].name, 'Leaky');

// ---- compare: budgets ------------------------------------------------------
let r = memsnap('compare', '--fail-on', 'class:Leaky>+0', before, after);
assert.equal(r.status, 1, `leak: exit 1 expected, got ${r.status}: ${r.stderr}`);
assert.match(r.stderr, /budget exceeded: class:Leaky>\+0: objects of class Leaky changed by \+750 \(0 -> 750\)/);
assert.match(r.stdout, /Leaky/, 'the report is still written');
r = memsnap('compare', '--fail-on', 'class:Leaky>+0', join(clean, 'before.heapsnapshot'), join(clean, 'after.heapsnapshot'));
assert.equal(r.status, 0, `no leak: exit 0 expected, got ${r.status}: ${r.stderr}`);
assert.doesNotMatch(r.stderr, /budget/);
r = memsnap('compare', '--fail-on', `class:Leaky>=+${N}`, '--fail-on', `class:Leaky>+${N}`, '--fail-on', 'total>+1000%',
  '--fail-on', 'new-retained>1GB', '--fail-on', `class:Temp>=-${M}`, before, after);
assert.equal(r.status, 1);
assert.equal(r.stderr.trim().split('\n').length, 2, `two budgets exceeded: ${r.stderr}`);
assert.match(r.stderr, /class:Leaky>=\+750/);
assert.match(r.stderr, /class:Temp>=-400: objects of class Temp changed by -400 \(400 -> 0\)/);
// --no-paths: new-retained cannot be measured: fails rather than passes blind.
r = memsnap('compare', '--no-paths', '--fail-on', 'new-retained>1GB', before, after);
assert.equal(r.status, 1);
assert.match(r.stderr, /cannot be measured/);
for (const bad of ['total', 'total>', 'total>5%', 'bogus>1', 'total>+5XB', 'leaks>0', 'objects>+1MB']) {
  r = memsnap('compare', '--fail-on', bad, before, after);
  assert.equal(r.status, 2, `--fail-on '${bad}' is a usage error: ${r.status} ${r.stderr}`);
  assert.match(r.stderr, /fail-on/);
}
const budgetDoc = memsnapJson('compare', '--json', '--fail-on', 'class:Leaky>+1000', before, after);
validCompare(budgetDoc, 'compare --json with budgets');
assert.deepEqual(budgetDoc.budgets.map((b) => [b.expr, b.exceeded, b.value]), [['class:Leaky>+1000', false, N]]);

// ---- compare: --ignore -------------------------------------------------------
const ign = join(dir, 'ignore.txt');
writeFileSync(ign, '# accepted\nclass Leaky\n\npath *--label--> (string)\n');
const ignored = memsnapJson('compare', '--json', '-n', '0', '--ignore', ign, before, after);
validCompare(ignored, 'compare --ignore');
assert.equal(row(ignored, 'Leaky')[0].ignored, true);
assert.equal(row(ignored, 'Leaky')[0].added_count, N, 'DevTools numbers are kept');
assert.equal(ignored.groups.filter((g) => g.class === 'Leaky').length, 0, 'no Leaky group');
assert.equal(ignored.groups.filter((g) => /--label--> \(string\)$/.test(g.signature)).length, 0, 'no label strings');
assert.ok(ignored.totals.new_count <= doc.totals.new_count - 2 * N, 'Leaky objects and their labels left out');
assert.ok(ignored.totals.new_retained < doc.totals.new_retained);
r = memsnap('compare', '--ignore', join(dir, 'missing.txt'), before, after);
assert.equal(r.status, 2);

// ---- compare: --markdown, -o ------------------------------------------------
r = memsnap('compare', '--markdown', '--fail-on', 'class:Leaky>+0', before, after);
assert.equal(r.status, 1);
assert.match(r.stdout, /^\*\*Memory budget exceeded\*\* \(1 of 1\)/);
assert.match(r.stdout, /\| `Leaky` `growth\.js:\d+:\d+` \| 750 \| 0 \| \+750 \|/);
assert.match(r.stdout, /<details><summary>#1: 750 `Leaky` held by `global.leakyStore\[…\]` \(`leakyStore declared at growth.js:\d+:\d+`\): cutting it frees /);
assert.match(r.stdout, /leakyStore/);
const outFile = join(dir, 'report.md');
r = memsnap('compare', '--markdown', '-o', outFile, before, join(dir, 'missing.heapsnapshot'));
assert.equal(r.status, 3);
assert.ok(!existsSync(outFile), 'no output file on failure');
assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('report')), []);

// ---- two processes -----------------------------------------------------------
r = memsnap('compare', '--json', before, join(other, 'after.heapsnapshot'));
assert.equal(r.status, 0, r.stderr);
assert.match(r.stderr, /warning: .*different processes/);
const cross = JSON.parse(r.stdout);
validCompare(cross, 'compare of two processes');
assert.equal(cross.match, 'class');
assert.match(cross.note, /different processes/);
assert.equal(cross.groups, null);
const crossLeaky = row(cross, 'Leaky')[0];
assert.deepEqual([crossLeaky.before_count, crossLeaky.after_count, crossLeaky.count_delta, crossLeaky.added_count], [0, N, N, 0]);
r = memsnap('compare', '--match', 'id', '--json', before, join(other, 'after.heapsnapshot'));
assert.equal(JSON.parse(r.stdout).match, 'id', '--match id forces matching by id');

// ---- leaks -------------------------------------------------------------------
const [b3, t3, f3] = ['baseline', 'target', 'final'].map((n) => join(three, `${n}.heapsnapshot`));
const lk = memsnapJson('leaks', '--json', '-n', '0', b3, t3, f3);
validLeaks(lk, 'leaks --json');
const lkLeaky = lk.classes.filter((c) => c.name === 'Leaky');
assert.equal(lkLeaky.length, 1);
assert.equal(lkLeaky[0].count, N, 'exactly the leaked Leaky objects');
assert.equal(lk.classes.filter((c) => c.name === 'Temp').length, 0, 'no Temp object: they were freed');
assert.equal(lk.classes.reduce((s, c) => s + c.count, 0) + lk.folded.count, lk.count);
assert.equal(lk.classes[0].name, 'Leaky', 'the program\'s class first');
assert.ok(!lk.classes.some((c) => c.origin === 'runtime'), 'the runtime\'s classes folded');
const lkGroup = lk.groups.filter((g) => g.class === 'Leaky');
assert.equal(lkGroup.length, 1);
assert.equal(lkGroup[0].class_count, N);
assert.match(lkGroup[0].signature, /--leakyStore-->/);
assert.equal(lk.groups[0].class, 'Leaky', 'the first group is the leak');
// --sort delta: every class and group, largest retained first
const lkAll = memsnapJson('leaks', '--json', '-n', '0', '--sort', 'delta', b3, t3, f3);
validLeaks(lkAll, 'leaks --sort delta --json');
assert.equal(lkAll.classes.reduce((s, c) => s + c.count, 0), lkAll.count);
assert.equal(lkAll.groups.length, lkAll.group_count);
for (let i = 1; i < lkAll.groups.length; i++) assert.ok(lkAll.groups[i - 1].retained_size >= lkAll.groups[i].retained_size);
r = memsnap('leaks', '--fail-on', 'leaks>0', b3, t3, f3);
assert.equal(r.status, 1);
assert.match(r.stderr, /budget exceeded: leaks>0: leaked objects the program holds: /);
// what the program holds: at least the N Leaky objects and what they own;
// the engine's own leftovers (compiled code, feedback) are not counted
assert.ok(lk.program_count >= N && lk.program_count <= lk.count, `program_count ${lk.program_count}`);
// the twin without the leak: engine leftovers only, and leaks>0 passes
const [cb, ct, cf] = ['baseline', 'target', 'final'].map((n) => join(threeClean, `${n}.heapsnapshot`));
const lkClean = memsnapJson('leaks', '--json', '-n', '0', cb, ct, cf);
validLeaks(lkClean, 'leaks --json without a leak');
assert.equal(lkClean.program_count, 0, `a program that does not leak holds no leaked object: ${JSON.stringify(lkClean.classes)}`);
assert.equal(lkClean.program_retained_size, 0);
r = memsnap('leaks', '--fail-on', 'leaks>0', cb, ct, cf);
assert.equal(r.status, 0, `leaks>0 passes without a leak: ${r.stderr}`);
r = memsnap('leaks', '--fail-on', 'class:Temp>0', '--fail-on', `class:Leaky>${N}`, b3, t3, f3);
assert.equal(r.status, 0, `no Temp leaked, exactly ${N} Leaky: ${r.stderr}`);
r = memsnap('leaks', '--fail-on', 'total>+1%', b3, t3, f3);
assert.equal(r.status, 2, 'compare measures are a usage error for leaks');
const lkIgnored = memsnapJson('leaks', '--json', '--ignore', ign, b3, t3, f3);
assert.equal(lkIgnored.classes.filter((c) => c.name === 'Leaky').length, 0);
assert.ok(lkIgnored.count <= lk.count - 2 * N);
r = memsnap('leaks', b3, join(other, 'after.heapsnapshot'), f3);
assert.equal(r.status, 3, `two processes: exit 3, got ${r.status}`);
assert.match(r.stderr, /different processes/);
r = memsnap('leaks', '--markdown', b3, t3, f3);
assert.equal(r.status, 0);
assert.match(r.stdout, /### memsnap leaks/);
assert.match(r.stdout, /\| `Leaky` `growth\.js:\d+:\d+` \| 750 \|/);

// ---- one count of new objects in text, JSON and Markdown ---------------------
// "new objects" is every object only in AFTER: the sum of the class table's
// # New (DevTools' per-class numbers, checked against DevTools by the
// oracle tests), whatever the report's format.  With an ignored class the
// objects the `new` budget counts are fewer, so a report printing that
// count instead would differ.
const newObjects = (args) => {
  const j = memsnapJson('compare', '--json', '-n', '0', ...args, before, after);
  const sum = j.classes.reduce((a, c) => a + c.added_count, 0) + j.folded.added_count;
  assert.equal(j.totals.added_count, sum, 'totals.added_count is the sum of the rows and the folded ones');
  const t = memsnap('compare', ...args, before, after);
  assert.equal(t.status, 0, t.stderr);
  const tm = /^ {2}new objects +([\d,]+) +(\S+ \S+)$/m.exec(t.stdout);
  assert.ok(tm, `text: ${t.stdout}`);
  const m = memsnap('compare', '--markdown', ...args, before, after);
  assert.equal(m.status, 0, m.stderr);
  const mm = /; ([\d,]+) new objects \(([^)]+)\)/.exec(m.stdout);
  assert.ok(mm, `markdown: ${m.stdout}`);
  const count = (x) => Number(x.replaceAll(',', ''));
  assert.equal(count(tm[1]), sum, `text's new objects ${tm[1]} (${args})`);
  assert.equal(count(mm[1]), sum, `Markdown's new objects ${mm[1]} (${args})`);
  assert.equal(mm[2], tm[2], 'the same size in both');
  return j;
};
newObjects([]);
const withIgnored = newObjects(['--ignore', ign]);
assert.ok(withIgnored.totals.new_count < withIgnored.totals.added_count - N,
  'the case that told them apart: ignored Leaky objects are not in new_count');

// ---- Markdown is read in a CI comment: no command-line hints ----------------
// What each command's -h lists are the options a hint could name.
const optionsOf = (cmd) => [...memsnap(cmd, '-h').stdout.matchAll(/^ {2}(?:-(\w), )?--([\w-]+)/gm)]
  .flatMap(([, letter, name]) => [`--${name}`, ...(letter ? [`-${letter} `] : [])]);
/** Checks a Markdown report outside its code blocks (paths there are data:
 * "--leakyStore (property)-->" is an edge, not an option). */
function noHints(md, cmd, what) {
  const prose = md.replace(/```[\s\S]*?```/g, '');
  for (const o of optionsOf(cmd)) assert.ok(!prose.includes(o), `${what}: Markdown names ${o}: ${prose}`);
  assert.doesNotMatch(prose, /-n 0|shows all|lists all/, `${what}: a CLI hint`);
}
const netChanged = doc.classes.filter((c) => c.count_delta !== 0 || c.size_delta !== 0).length;
r = memsnap('compare', '--markdown', '-n', '1', '--groups', '3', before, after);
assert.equal(r.status, 0, r.stderr);
noHints(r.stdout, 'compare', 'compare --markdown');
assert.match(r.stdout, new RegExp(`^${(netChanged - 1).toLocaleString('en-US')} more classes changed\\.$`, 'm'),
  `the rows not listed, said plainly: ${r.stdout}`);
// The text report keeps its hints (it is read at a terminal).
assert.match(memsnap('compare', '-n', '1', before, after).stdout, /more classes changed \(-n 0 shows all\)/);
r = memsnap('leaks', '--markdown', '-n', '1', b3, t3, f3);
assert.equal(r.status, 0, r.stderr);
noHints(r.stdout, 'leaks', 'leaks --markdown');
assert.match(r.stdout, new RegExp(`^${lk.class_count - 1} more class${lk.class_count - 1 === 1 ? '' : 'es'}\\.$`, 'm'));
if (lk.group_count > 1) assert.match(r.stdout, new RegExp(`^${lk.group_count - 1} more groups\\.$`, 'm'));
else assert.doesNotMatch(r.stdout, /more groups/, 'one cause: no "more groups" line');
const traces = ['01_leak_simulation', '05_realistic_app'].map((n) => join(SOURCE, 'tests', 'fixtures', 'mlyze', `${n}.mlyze`));
r = memsnap('compare', '--markdown', '-n', '1', ...traces);
assert.equal(r.status, 0, r.stderr);
noHints(r.stdout, 'compare', 'compare --markdown of two traces');
assert.match(r.stdout, /^\d+ more sites changed\.$/m);

console.log(`ok: compare +${N} Leaky / -${M} Temp with the leakyStore path; budgets; ignore; markdown; ` +
  `two processes; leaks finds ${N} Leaky and no Temp`);
