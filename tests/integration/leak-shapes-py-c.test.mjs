// leak-shapes-py-c.test.mjs: classic leak shapes in Python and in C, each
// written as memlab's three heaps during the test, with its truth read from
// the program's source (the variable on the line marked "@culprit"):
//   - tests/fixtures/leaks/shapes.py through the recorder
//     (tools/python/memsnap_record.py): a module-level dict cache of Job
//     objects that only grows ("cache"), callbacks on a module-level
//     listener list that close over Session objects ("listeners");
//   - tests/fixtures/leaks/registry.c on the Boehm collector, captured by
//     libmemsnap_capture: every struct connection stays on the global
//     registry list g_registry after it is closed.
// For each, `leaks --json`'s first group must name the leaked class with the
// exact count and a reference naming the culprit variable, the program's
// class must lead `compare --json` BASELINE FINAL (the origins Python heaps
// and captures now carry: docs/compare.md), and the fixed twin (--fixed,
// -DFIXED) must leak nothing the program holds.
//
// MEMSNAP_PYTHON is the interpreter; MEMSNAP_CC, MEMSNAP_CAPTURE_LIB (the
// capture library) build the C program; without them (a build without the
// capture library) the C part is skipped, and says so.
import { join, dirname } from 'node:path';
import { readFileSync, mkdirSync } from 'node:fs';
import { memsnap, memsnapJson, scratch, schemaValidator, run, SOURCE, assert } from './lib.mjs';

const N = 300;
const validLeaks = schemaValidator('leaks');
const validCompare = schemaValidator('compare');
const dir = scratch('leak-shapes-py-c');
const summary = [];

/** The variable declared on the line of `file` marked "@culprit TAG"
 * ("JOBS = {}  # @culprit cache", "static struct connection *g_registry;
 * /* @culprit *\/"), and that line (1-based). */
function culprit(file, tag) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => !/^\s*(\*|#|\/\/|\/\*)/.test(l) &&
      new RegExp(`@culprit${tag ? ` ${tag}\\b` : '\\b'}`).test(l));
  assert.ok(at >= 0, `${file} marks the culprit ${tag}`);
  const m = lines[at].match(/^\s*(?:static\s+[\w\s]+\*?\s*)?(\w+)\s*(?:=|;)/);
  assert.ok(m, `a variable on the culprit line: ${lines[at]}`);
  return { variable: m[1], line: at + 1 };
}

/** leaks and compare on one program's three heaps (leaky) and its twin's
 * (fixed): the checks of the file comment. */
function check(what, files, fixedFiles, cls, { variable, line }) {
  const lk = memsnapJson('leaks', '--json', '-n', '0', ...files);
  validLeaks(lk, `${what}: leaks --json`);
  const first = lk.groups[0];
  const said = `${what}: first group ${first.class} ×${first.class_count} held by ${first.cause.reference}`;
  assert.equal(first.class, cls, said);
  assert.equal(first.class_count, N, `${said}: exactly the leaked ${cls} objects`);
  assert.equal(lk.classes.find((c) => c.name === cls).count, N, `${what}: the class row counts ${N}`);
  assert.equal(lk.classes[0].name, cls, `${what}: the program's class is the first row`);
  assert.equal(lk.classes[0].origin, 'user', `${what}: ${cls} is the program's`);
  assert.equal(first.example.origin, 'user', `${what}: the example is the program's`);
  // the reference ends at the culprit: the variable, then any keys or
  // indices ("JOBS[…]", "LISTENERS[…]", "g_registry")
  assert.match(first.cause.reference, new RegExp(`(^|[^\\w])${variable}(\\[…\\])?$`), said);
  assert.ok(first.path.hops.some((h) => h.edge && h.edge.name === variable),
    `${what}: the path goes through ${variable}`);
  // where in the code: the program's file beside the class, and the
  // variable's declaration found in it, on the culprit line
  const file = lk.groups[0].example.location && lk.groups[0].example.location.file;
  assert.ok(file && file.endsWith(what.split(' ')[0]), `${what}: the example's location ${file}`);
  const decl = first.cause.declaration;
  assert.ok(decl && decl.name === variable && decl.location.file === file,
    `${said}: declaration ${JSON.stringify(decl)}`);
  assert.equal(decl.location.line, line, `${said}: declared on the culprit line`);
  assert.ok(lk.program_count >= N && lk.program_count <= lk.count, `${what}: program_count ${lk.program_count}`);
  assert.ok(lk.groups.filter((g) => g.class === cls).length === 1, `${what}: one group of ${cls}`);
  // the text: the heading with the class and the reference
  const text = memsnap('leaks', '-n', '1', ...files);
  assert.equal(text.status, 0, text.stderr);
  const head = text.stdout.split('\n').find((l) => /^ {2}#1 /.test(l));
  assert.ok(head && head.includes(` ${cls} `) && head.includes(first.cause.reference) &&
    head.includes(`${variable} declared at ${what.split(' ')[0]}:`), `${what}: heading ${head}\n${text.stdout}`);
  // the twin without the leak: nothing the program holds
  const fx = memsnapJson('leaks', '--json', ...fixedFiles);
  validLeaks(fx, `${what} fixed: leaks --json`);
  assert.equal(fx.program_count, 0, `${what} fixed: ${fx.program_count} objects held: ` +
    JSON.stringify(fx.groups.map((g) => [g.class, g.class_count, g.cause.reference])));
  assert.ok(!fx.groups.some((g) => g.class === cls), `${what} fixed: no ${cls} group`);
  assert.equal(memsnap('leaks', '--fail-on', 'leaks>0', ...fixedFiles).status, 0,
    `${what} fixed passes --fail-on leaks>0`);
  assert.equal(memsnap('leaks', '--fail-on', 'leaks>0', ...files).status, 1,
    `${what} fails --fail-on leaks>0`);
  // compare BASELINE FINAL: the program's class first, its cause first
  const cmp = memsnapJson('compare', '--json', files[0], files[2]);
  validCompare(cmp, `${what}: compare --json`);
  assert.equal(cmp.classes[0].name, cls, `${what}: compare's first row ${cmp.classes[0].name}`);
  assert.equal(cmp.classes[0].origin, 'user', `${what}: compare's first row is the program's`);
  assert.equal(cmp.groups[0].class, cls, `${what}: compare's first group`);
  assert.equal(cmp.groups[0].cause.reference, first.cause.reference, `${what}: compare's cause`);
  summary.push(`${what}: ${head.trim()}`);
  return { lk, cmp };
}

// ---- Python ------------------------------------------------------------------
const python = process.env.MEMSNAP_PYTHON || 'python3';
const shapesPy = join(SOURCE, 'tests', 'fixtures', 'leaks', 'shapes.py');
const pyEnv = { ...process.env, PYTHONPATH: join(SOURCE, 'tools', 'python') };
const pyTruths = { cache: '__main__.Job', listeners: '__main__.Session' };
for (const [shape, cls] of Object.entries(pyTruths)) {
  const heaps = (out, ...flags) => {
    const r = run(python, [shapesPy, shape, out, String(N), ...flags], { env: pyEnv });
    assert.equal(r.status, 0, `shapes.py ${shape} ${flags.join(' ')}: ${r.stderr}`);
    return ['baseline', 'target', 'final'].map((n) => join(out, `${n}.mlyze`));
  };
  const { lk } = check(`shapes.py ${shape}`, heaps(join(dir, `py-${shape}`)),
    heaps(join(dir, `py-${shape}-fixed`), '--fixed'), cls, culprit(shapesPy, shape));
  // the interpreter's own objects are the runtime's: the module-level
  // frame that holds the globals is the program's (its code is), a frame
  // of the standard library's would not be
  const frame = lk.groups[0].path.hops.find((h) => h.class === 'builtins.frame');
  if (frame) assert.equal(frame.origin, 'user', `shapes.py ${shape}: the <module> frame is the program's`);
}

// ---- C on the Boehm collector ---------------------------------------------------
const cc = process.env.MEMSNAP_CC, lib = process.env.MEMSNAP_CAPTURE_LIB;
if (cc && lib) {
  const source = join(SOURCE, 'tests', 'fixtures', 'leaks', 'registry.c');
  const build = (name, ...defs) => {
    const exe = join(dir, name);
    const r = run(cc, ['-O1', '-g', ...defs, source, `-I${join(SOURCE, 'include')}`,
      `-L${dirname(lib)}`, `-Wl,-rpath,${dirname(lib)}`, '-lmemsnap_capture', '-lgc', '-o', exe]);
    assert.equal(r.status, 0, `cc ${name}: ${r.stderr}`);
    return exe;
  };
  const captures = (exe, out) => {
    mkdirSync(out, { recursive: true });
    const r = run(exe, [out, String(N)], { env: { ...process.env, MEMSNAP_QUIET: '1' } });
    assert.equal(r.status, 0, `${exe}: ${r.stderr}`);
    return ['baseline', 'target', 'final'].map((n) => join(out, `${n}.gcsnap`));
  };
  const { cmp } = check('registry.c', captures(build('registry'), join(dir, 'c')),
    captures(build('registry-fixed', '-DFIXED'), join(dir, 'c-fixed')), 'struct connection',
    culprit(source, ''));
  // the peer names (GC_MALLOC_ATOMIC in the program: classed by their
  // site) are the program's; the greetings GC_strdup makes inside libgc
  // (a shared library's site) the runtime's, folded
  const peer = cmp.classes.find((c) => /^open_connection at registry\.c:\d+/.test(c.name));
  assert.ok(peer && peer.origin === 'user' && peer.added_count === N,
    `registry.c: the peer names' row ${JSON.stringify(peer)}`);
  assert.ok(cmp.folded && cmp.folded.classes >= 1 && cmp.folded.added_count >= N,
    `registry.c: the library's objects are folded: ${JSON.stringify(cmp.folded)}`);
} else {
  summary.push('registry.c: skipped (MEMSNAP_CC and MEMSNAP_CAPTURE_LIB unset: no capture library)');
}
console.log(`ok: leak shapes in Python and C, first group names class and reference\n${summary.join('\n')}`);
