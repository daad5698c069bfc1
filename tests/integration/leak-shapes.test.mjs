// leak-shapes.test.mjs: the classic Node.js leak shapes of
// tests/fixtures/leaks/shapes.js, each written as memlab's three snapshots
// by a real Node.js during the test, with its truth from the source: the
// leaked class, the reference to cut and the line marked "@culprit".
// For each shape, `leaks`' first group must name the class (with the exact
// count), the reference and shapes.js:LINE of the culprit, its text path
// must contain the culprit hop, at most two groups of the program's may
// share the cause, and the --fixed twin must leak nothing the program
// holds; `compare` BASELINE FINAL must list the class first and give the
// same first group.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { memsnap, memsnapJson, node, scratch, schemaValidator, SOURCE, assert } from './lib.mjs';

const script = join(SOURCE, 'tests', 'fixtures', 'leaks', 'shapes.js');
const src = readFileSync(script, 'utf8').split('\n');
const N = 300;
const culprit = (shape) => {
  const i = src.findIndex((l) => l.includes(`// @culprit ${shape}`));
  assert.ok(i >= 0, `shapes.js marks the culprit of ${shape}`);
  return i + 1;
};
// shape: [leaked class, the reference (cause.reference), a hop of the path (text)]
const truths = {
  listener: ['Subscriber', /^bus\._events\["config-changed"\]\[…\]$/, /--config-changed \(property\)-->/],
  'map-cache': ['CacheEntry', /^userCache\.get\(…\)$/, /--userCache \(context\)-->/],
  interval: ['Poller', /^Timeout\._onTimeout$/, /--_onTimeout \(property\)-->/],
  closure: ['Thing', /^originalThing$/, /--originalThing \(context\)-->/],
  registry: ['Widget', /^global\.widgetRegistry\[…\]$/, /--widgetRegistry \(property\)-->/],
  promise: ['PendingRequest', /^upstream…$/, /--upstream \(context\)-->/],
  'static-set': ['Connection', /^Connection\.live \(a member\)$/, /--live \(property\)-->/],
};
const validLeaks = schemaValidator('leaks');
const validCompare = schemaValidator('compare');
const dir = scratch('leak-shapes');
const summary = [];
for (const [shape, [cls, ref, hop]] of Object.entries(truths)) {
  const line = culprit(shape);
  const out = join(dir, shape);
  node(script, shape, out, String(N));
  const files = ['baseline', 'target', 'final'].map((n) => join(out, `${n}.heapsnapshot`));
  const lk = memsnapJson('leaks', '--json', '-n', '0', ...files);
  validLeaks(lk, `${shape}: leaks --json`);
  const first = lk.groups[0];
  const what = `${shape}: first group ${first.class} ×${first.class_count} held by ${first.cause.reference} (${first.cause.text})`;
  assert.equal(first.class, cls, what);
  assert.equal(first.class_count, N, `${what}: exactly the leaked ${cls} objects`);
  assert.equal(lk.classes.find((c) => c.name === cls).count, N, `${shape}: the class row counts ${N}`);
  assert.match(first.cause.reference, ref, what);
  assert.ok(first.cause.text.includes(`shapes.js:${line}:`), `${what}: names shapes.js:${line}`);
  assert.ok(first.retained_size > 0 && first.retained_size <= lk.retained_size);
  // the program's groups that name the same reference: at most two (a Map's
  // values and its keys); the output follows causes, not objects
  const same = lk.groups.filter((g) => g.cause.reference === first.cause.reference);
  assert.ok(same.length <= 2, `${shape}: ${same.length} groups for one cause`);
  assert.ok(lk.groups.filter((g) => g.class === cls).length === 1, `${shape}: one group of ${cls}`);
  // the text: the heading with the class, the reference and the line, then
  // the path through the culprit hop
  const text = memsnap('leaks', '-n', '1', ...files);
  assert.equal(text.status, 0, text.stderr);
  const head = text.stdout.split('\n').find((l) => /^ {2}#1 /.test(l));
  assert.ok(head && head.includes(` ${cls} `) && head.includes(first.cause.reference) &&
    head.includes(`shapes.js:${line}:`), `${shape}: heading ${head}`);
  const path = text.stdout.slice(text.stdout.indexOf(head));
  assert.match(path, hop, `${shape}: the path shows the culprit hop\n${path}`);
  // the twin without the leak: nothing the program holds
  const fixedOut = join(dir, `${shape}-fixed`);
  node(script, shape, fixedOut, String(N), '--fixed');
  const fx = memsnapJson('leaks', '--json', ...['baseline', 'target', 'final'].map((n) => join(fixedOut, `${n}.heapsnapshot`)));
  assert.equal(fx.program_count, 0, `${shape} --fixed: ${fx.program_count} objects held: ${JSON.stringify(fx.groups.map((g) => [g.class, g.class_count, g.cause.reference]))}`);
  assert.ok(!fx.groups.some((g) => g.class === cls), `${shape} --fixed: no ${cls} group`);
  // what the twin still lists is the engine's, folded: no group of the program's
  assert.deepEqual(fx.groups.map((g) => [g.class, g.class_count, g.cause.reference]), [], `${shape} --fixed lists no group`);
  const failOn = memsnap('leaks', '--fail-on', 'leaks>0', ...['baseline', 'target', 'final'].map((n) => join(fixedOut, `${n}.heapsnapshot`)));
  assert.equal(failOn.status, 0, `${shape} --fixed passes --fail-on leaks>0: ${failOn.stderr}`);
  // compare: the leaked class is the first row, its cause the first group
  const cmp = memsnapJson('compare', '--json', files[0], files[2]);
  validCompare(cmp, `${shape}: compare --json`);
  assert.equal(cmp.classes[0].name, cls, `${shape}: compare's first row`);
  assert.equal(cmp.groups[0].class, cls, `${shape}: compare's first group`);
  // (compare counts FINAL's newest objects too: the closure chain's head is
  // held by theThing there)
  assert.ok(cmp.groups[0].cause.reference === first.cause.reference ||
    (shape === 'closure' && cmp.groups[0].cause.reference === 'theThing'), `${shape}: compare's cause ${cmp.groups[0].cause.reference}`);
  summary.push(`${shape}: ${head.trim()}`);
}
console.log(`ok: ${Object.keys(truths).length} leak shapes, first group names class, reference and line\n${summary.join('\n')}`);
