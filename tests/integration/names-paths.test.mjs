// names-paths.test.mjs: names a user recognizes, on three snapshots of one
// process that tests/fixtures/diff/service.js writes here (a node:http
// service leaking through an event bus, a Map cache, intervals, a registry
// and pending promises):
//   - classes and closures print file:line:column, found in the source
//     text itself; a module's top-level scope prints as its module scope;
//   - a leak through the event bus shows the event-name hop under default
//     options, the runtime's timer hops fold into one line, and --full
//     prints every hop of the JSON path;
//   - a Map entry in a path prints its key; --class takes the class as
//     summary displays it;
//   - intervals held by one timer list are one group, with one signature,
//     in both snapshots (the _idlePrev/_idleNext and setTimeout/clearTimeout
//     variants fold with the runtime's hops);
//   - top and dominators name containers by how they are reached.
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { memsnap, memsnapJson, node, scratch, schemaValidator, SOURCE, assert } from './lib.mjs';

const script = join(SOURCE, 'tests', 'fixtures', 'diff', 'service.js');
const src = readFileSync(script, 'utf8').split('\n');
const dir = scratch('names-paths');
const [a, b, c] = ['a', 'b', 'c'].map((x) => join(dir, `${x}.heapsnapshot`));
node('--expose-gc', script, a, b, c, '40');

// Where V8 puts a function: the "(" of its parameters, 1-based.
const at = (re, after = 0) => {
  for (let i = after; i < src.length; i++) {
    const m = re.exec(src[i]);
    if (m) return { line: i + 1, column: m.index + m[0].length, i };
  }
  throw new Error(`${re} not in service.js`);
};
const ctorOf = (cls) => at(/constructor\(/, at(new RegExp(`^class ${cls} `)).i);
const where = (p) => `service.js:${p.line}:${p.column}`;

// ---- classes print file:line:column --------------------------------------
const sum = memsnap('summary', '-n', '0', c);
assert.equal(sum.status, 0, sum.stderr);
for (const cls of ['RequestContext', 'UserSession', 'Poller', 'TreeNode', 'PendingJob']) {
  const want = `${cls}  ${where(ctorOf(cls))}`;
  assert.ok(sum.stdout.includes(want), `summary shows "${want}"`);
  // --class takes the class as displayed, and finds the same instances
  const shown = memsnapJson('why', '--json', c, '--class', want);
  const bare = memsnapJson('why', '--json', c, '--class', cls);
  assert.equal(shown.instances, bare.instances, `--class "${want}"`);
  assert.equal(shown.instances, (cls === 'TreeNode' ? 2 : 1) * 85, `${cls}: 5 + 40 + 40 requests`);
  const paren = memsnapJson('why', '--json', c, '--class', `${cls} (${where(ctorOf(cls))})`);
  assert.equal(paren.instances, shown.instances);
}
const wrong = memsnap('why', c, '--class', `Poller  service.js:${ctorOf('Poller').line + 1}:1`);
assert.equal(wrong.status, 3, 'a wrong location is no class');
assert.match(wrong.stderr, /no class named "Poller  service\.js:\d+:1"/);
const sumDoc = memsnapJson('summary', '--json', '-n', '0', c);
schemaValidator('summary')(sumDoc, 'summary --json');
const poller = sumDoc.classes.find((r) => r.name === 'Poller');
const oneLeft = memsnap('summary', '-n', String(sumDoc.class_count - 1), c).stdout;
assert.match(oneLeft, /^\.\.\. 1 more class \(-n 0 shows all\)$/m, 'one class: singular');
assert.equal(poller.location.file, script, 'JSON gives the whole script name');
assert.equal(poller.location.line, ctorOf('Poller').line);
assert.equal(poller.location.column, ctorOf('Poller').column);

// ---- the listener leak: closure, scopes, the event-name hop ---------------
const why = memsnap('why', c, '--class', 'RequestContext');
assert.equal(why.status, 0, why.stderr);
const listener = where(at(/function onConfigChanged\(/));
assert.ok(why.stdout.includes(`onConfigChanged (${listener})`), `the closure by name and place:\n${why.stdout}`);
assert.match(why.stdout, /system \/ Context @\d+ {2}module scope \(service\.js\) {2}--bus \(context\)-->/);
assert.match(why.stdout, /--config-changed \(property\)-->/, 'the event name is shown');
assert.match(why.stdout, /scope of handle\(\) \(service\.js\) {2}--ctx \(context\)-->/);
assert.match(why.stdout, /\.\.\. \d+ runtime hops \(node:/, 'the timer plumbing folds into a line');
// --full: every hop of the path, as JSON has it
const whyDoc = memsnapJson('why', '--json', c, '--class', 'RequestContext');
schemaValidator('why')(whyDoc, 'why --class --json');
const full = memsnap('why', c, '--class', 'RequestContext', '-n', '1', '--full');
const hopLines = full.stdout.split('\n').filter((l) => /^\s+\S+ \S*B {2}/.test(l));
const hops = whyDoc.groups[0].path.hops;
const entries = hops.filter((h) => h.edge && h.edge.entry).length; // a Map entry takes two hops' line
assert.equal(hopLines.length, hops.length - entries, `--full prints every hop:\n${full.stdout}`);
assert.ok(!/runtime hops/.test(full.stdout));
const ctxHop = hops.find((h) => h.scope === 'module scope' && h.location.file === script);
assert.ok(ctxHop && ctxHop.origin === 'user' && ctxHop.location.line === 0, 'module scope in JSON');
const fn = hops.find((h) => h.name === 'onConfigChanged');
assert.equal(`${fn.location.line}:${fn.location.column}`, listener.split(':').slice(1).join(':'));

// ---- the Map cache: the key --------------------------------------------------
const cache = memsnap('why', c, '--class', 'UserSession');
assert.match(cache.stdout, /--sessionCache \(context\)-->\n\s+\S+ \S*B {2}Map @\d+ {2}--get\("user-\d+"\)-->\n\s+\S+ \S*B {2}UserSession @/,
  `the Map entry by its key:\n${cache.stdout}`);
const cacheDoc = memsnapJson('why', '--json', c, '--class', 'UserSession');
const entry = cacheDoc.groups[0].path.hops.find((h) => h.edge && h.edge.entry);
assert.equal(entry.edge.entry.kind, 'map');
assert.match(entry.edge.entry.key, /^user-\d+$/);

// ---- a plain object used as a dictionary: its keys are data ----------------
const dict = memsnapJson('why', '--json', c, '--class', 'Entry');
assert.equal(dict.instances, 85);
assert.equal(dict.group_count, 1, `85 entries of one dictionary, one group: ${dict.groups.map((g) => g.signature)}`);
assert.match(dict.groups[0].signature, /--entries--> Object --entry-#--> Entry$/);
assert.ok(dict.groups[0].path.hops.some((h) => h.edge && /^entry-\d+$/.test(h.edge.name)), 'the example keeps its key');

// ---- one cause, one group, one signature across snapshots ------------------
const sigs = [b, c].map((f) => memsnapJson('why', '--json', f, '--class', 'Poller'));
for (const d of sigs) {
  assert.equal(d.group_count, 1, `every Poller in one group: ${d.groups.map((g) => g.signature)}`);
  assert.match(d.groups[0].signature, /\(runtime\) Timeout --_onTimeout--> Function/);
}
assert.equal(sigs[0].groups[0].signature, sigs[1].groups[0].signature);
const lk = memsnapJson('leaks', '--json', '-n', '0', a, b, c);
schemaValidator('leaks')(lk, 'leaks --json');
const md = memsnap('leaks', '--markdown', '-n', '0', a, b, c);
assert.ok(md.stdout.includes(`| \`Poller\` \`${where(ctorOf('Poller'))}\` |`), `Markdown rows say where:\n${md.stdout.slice(0, 1500)}`);
const pollerGroups = lk.groups.filter((g) => g.class === 'Poller');
assert.equal(pollerGroups.length, 1, 'the leaked Pollers: one group');
assert.equal(pollerGroups[0].class_count, 40);

// ---- containers named by how they are reached -----------------------------
const top = memsnap('top', '-n', '60', c);
assert.match(top.stdout, /EventEmitter @\d+ .*<- bus \(service\.js\)/, top.stdout);
assert.match(top.stdout, /Array @\d+ .*<- registry \(service\.js\)/);
const topDoc = memsnapJson('top', '--json', '-n', '60', c);
schemaValidator('top')(topDoc, 'top --json');
const bus = topDoc.objects.find((o) => o.reached_by && o.reached_by.name === 'bus (service.js)');
assert.ok(bus && bus.class === 'EventEmitter' && bus.reached_by.edge.name === 'bus');
const dom = memsnap('dominators', '--depth', '8', c);
assert.match(dom.stdout, /EventEmitter @\d+ .*<- bus \(service\.js\)/, dom.stdout);
schemaValidator('dominators')(memsnapJson('dominators', '--json', c), 'dominators --json');
// ---- a script the snapshot does not name: its number, said once ----------
const evald = join(dir, 'evald.js');
writeFileSync(evald, `const Evald = eval('(class Evald { constructor() { this.x = 1; } })');
globalThis.keep = [new Evald(), new Evald()];
require('node:v8').writeHeapSnapshot(process.argv[2]);
`);
const evSnap = join(dir, 'evald.heapsnapshot');
node(evald, evSnap);
const ev = memsnap('summary', '-n', '0', evSnap);
const evRow = /Evald {2}(script \d+:1:\d+)/.exec(ev.stdout);
assert.ok(evRow, `an eval'd class by its script's number:\n${ev.stdout.slice(0, 2000)}`);
assert.equal(ev.stdout.split('"script N"').length - 1, 1, 'the note, once');
assert.equal(memsnapJson('why', '--json', evSnap, '--class', `Evald  ${evRow[1]}`).instances, 2);
assert.equal(memsnapJson('summary', '--json', '-n', '0', evSnap).classes.find((c) => c.name === 'Evald')
  .location.file, null);
assert.ok(!sum.stdout.includes('"script N"'), 'no note where every script is named');
// ---- a long chain prints once: output follows causes, not hops -------------
const chainJs = join(dir, 'chain.js');
writeFileSync(chainJs, `class ConfigSnapshot { constructor(previous) { this.previous = previous; } }
let current = null;
for (let i = 0; i < 1300; i++) current = new ConfigSnapshot(current);
globalThis.latest = current;
require('node:v8').writeHeapSnapshot(process.argv[2]);
`);
const chainSnap = join(dir, 'chain.heapsnapshot');
node(chainJs, chainSnap);
const chainRows = memsnap('nodes', chainSnap).stdout.split('\n').map((l) => l.split('\t'))
  .filter((f) => f[3] === 'ConfigSnapshot');
assert.equal(chainRows.length, 1300);
const tail = chainRows.reduce((a, f) => (Number(f[7]) > Number(a[7]) ? f : a));
const chainDoc = memsnapJson('why', '--json', chainSnap, `@${tail[1]}`);
schemaValidator('why')(chainDoc, 'why --json on a chain');
assert.ok(chainDoc.path.length > 1300, `the tail is 1300 hops down: ${chainDoc.path.length}`);
const run = chainDoc.path.hops.find((h) => h.run);
assert.ok(run && run.class === 'ConfigSnapshot' && run.edge.name === 'previous', 'the chain is one hop with its run');
assert.equal(chainDoc.path.hops.length + chainDoc.path.folded, chainDoc.path.length, 'hops + folded = length');
assert.ok(chainDoc.path.hops.length < 20, `the JSON path is short: ${chainDoc.path.hops.length} hops`);
const chainText = memsnap('why', chainSnap, `@${tail[1]}`).stdout;
assert.match(chainText, /ConfigSnapshot @\d+ .*--previous \(property\)-->\n\s+\.\.\. the same step 1,2\d\d more times \.\.\./);
const chainFull = memsnapJson('why', '--json', '--full', chainSnap, `@${tail[1]}`);
assert.equal(chainFull.path.folded, 0);
assert.equal(chainFull.path.hops.length, chainFull.path.length, '--full: every hop');
console.log('ok: names and paths on service.js');
