// msnap.test.mjs: the native file (.msnap) through the CLI, on real inputs
// of every importer written during the run: the fixture programs' V8
// snapshots, a Python heap recorded by tools/python/memsnap_record.py, the
// Memlyze traces of tests/fixtures/mlyze and (when the capture tests ran)
// Boehm GC captures.
//
//  - `convert` writes FILE.msnap; every command on it prints exactly what it
//    prints on the snapshot (stdout, stderr, exit status), the file's name
//    aside (bench/compare-msnap.sh does the same on more inputs);
//  - a .msnap cut at 64 points, or with a byte flipped at 64 points, exits
//    3 with one line naming the file and the byte offset, and leaves no
//    output file;
//  - convert's own contract: -o is required and never the input; a failed
//    convert leaves no file (nor a temporary one); --json matches its
//    schema.
import { writeFileSync, readFileSync, existsSync, readdirSync, copyFileSync, statSync, rmSync } from 'node:fs';
import { join, basename } from 'node:path';
import { memsnap, memsnapJson, snapshot, scratch, schemaValidator, run, assert, SOURCE, WORK } from './lib.mjs';

const dir = scratch('msnap');

// ---- the inputs -------------------------------------------------------------
const inputs = ['retention', 'leaky-things', 'weakmaps-closures'].map(snapshot);
const fixtures = join(SOURCE, 'tests', 'fixtures', 'mlyze');
for (const f of readdirSync(fixtures).filter((f) => f.endsWith('.mlyze'))) inputs.push(join(fixtures, f));
{
  // a Python heap of a program with a known leak
  const py = process.env.MEMSNAP_PYTHON || 'python3';
  copyFileSync(join(SOURCE, 'tools', 'python', 'memsnap_record.py'), join(dir, 'memsnap_record.py'));
  writeFileSync(join(dir, 'prog.py'), `
import sys
sys.path.insert(0, sys.argv[1])
import memsnap_record
class Job:
    def __init__(self, n):
        self.n = n
        self.payload = [n] * 20
jobs = {}
for i in range(200):
    jobs["job-%d" % i] = Job(i)
memsnap_record.snapshot(sys.argv[2])
`);
  const heap = join(dir, 'python.mlyze');
  const r = run(py, [join(dir, 'prog.py'), dir, heap]);
  assert.equal(r.status, 0, `the recorder failed: ${r.stderr}`);
  inputs.push(heap);
}
for (const c of ['capture-known-heap-O2', 'capture-known-heap-O0-thread-nohook']) {
  const f = join(WORK, 'capture', c, 'capture.gcsnap');
  if (existsSync(f)) inputs.push(f);
}
const formats = new Set();

// ---- convert, then every command alike ----------------------------------------
let runs = 0;
function same(args, src, msnap, what) {
  const a = memsnap(...args.map((x) => (x === '@' ? src : x)));
  const b = memsnap(...args.map((x) => (x === '@' ? msnap : x)));
  const fix = (s) => s.split(msnap).join(src);
  const drop = (s) => (args[0] === 'info' ? s.replace(/^load time:.*$/m, '').replace(/"load_seconds":.*$/m, '') : s);
  assert.equal(b.signal, null, `${what}: killed by ${b.signal}`);
  assert.equal(b.status, a.status, `${what}: exit ${b.status}, the snapshot's ${a.status}\n${b.stderr}`);
  assert.equal(drop(fix(b.stdout)), drop(a.stdout), `${what}: stdout differs`);
  assert.equal(fix(b.stderr), a.stderr, `${what}: stderr differs`);
  runs++;
}

const validate = schemaValidator('convert');
for (const src of inputs) {
  const msnap = join(dir, basename(src) + '.msnap');
  const doc = memsnapJson('convert', '--json', src, '-o', msnap);
  validate(doc, `convert --json ${basename(src)}`);
  assert.equal(doc.output, msnap);
  assert.equal(doc.output_bytes, statSync(msnap).size);
  formats.add(doc.snapshot.format);
  const tag = basename(src);
  for (const args of [['info', '@'], ['info', '--json', '@'], ['summary', '@'], ['summary', '--json', '-n', '0', '@'],
    ['summary', '--by', 'site', '@'], ['summary', '--raw-sizes', '--sort', 'shallow', '@'],
    ['top', '@'], ['top', '--json', '--all', '-n', '30', '@'], ['top', '--raw-sizes', '@'],
    ['dominators', '--depth', '4', '@'], ['cycles', '@'], ['cycles', '--json', '@'], ['nodes', '@']]) {
    same(args, src, msnap, `${args.join(' ')} on ${tag}`);
  }
  if (doc.snapshot.format === 'mlyze') same(['timeline', '@'], src, msnap, `timeline on ${tag}`);
  // why: the largest objects, their first hops, and one missing id
  const top = memsnapJson('top', '--json', '--all', '-n', '8', src).objects.map((o) => String(o.id));
  for (const id of top.slice(0, 8)) {
    same(['why', '@', id], src, msnap, `why ${id} on ${tag}`);
    same(['why', '--json', '--paths', '6', '@', id], src, msnap, `why --json ${id} on ${tag}`);
  }
  same(['why', '@', ...top.slice(0, 5)], src, msnap, `why on five ids on ${tag}`);
  same(['why', '@', '@999999999999'], src, msnap, `why on a missing id on ${tag}`);
  const classes = memsnapJson('summary', '--json', '-n', '3', src).classes.map((c) => c.name);
  for (const c of classes) same(['why', '--class', c, '@'], src, msnap, `why --class ${c} on ${tag}`);
}
for (const f of ['heapsnapshot', 'mlyze']) assert.ok(formats.has(f), `no ${f} input converted`);

// compare and leaks take .msnap inputs (either side)
{
  const pair = join(dir, 'pair');
  run('node', ['--expose-gc', join(SOURCE, 'tests', 'fixtures', 'diff', 'growth.js'), pair, '--leak', '120', '--temps', '40', '--three']);
  const [b, t, f] = ['baseline', 'target', 'final'].map((n) => join(pair, `${n}.heapsnapshot`));
  for (const x of [b, t, f]) memsnap('convert', x, '-o', `${x}.msnap`);
  for (const args of [['compare', b, t], ['compare', '--json', b, t], ['compare', '--markdown', b, t]]) {
    for (const [i, j] of [[1, 0], [2, 0], [1, 1]]) {
      const a2 = args.slice();
      if (i === 1 || j === 1) a2[a2.length - 2] += '.msnap';
      if (i === 2 || j === 1) a2[a2.length - 1] += '.msnap';
      const x = memsnap(...args), y = memsnap(...a2);
      assert.equal(y.status, x.status, `${a2.join(' ')}: exit ${y.status}\n${y.stderr}`);
      assert.equal(y.stdout.split('.msnap').join(''), x.stdout, `${a2.join(' ')}: stdout differs`);
      runs++;
    }
  }
  const x = memsnap('leaks', b, t, f), y = memsnap('leaks', `${b}.msnap`, t, `${f}.msnap`);
  assert.equal(y.status, x.status, `leaks on .msnap: exit ${y.status}\n${y.stderr}`);
  assert.equal(y.stdout.split('.msnap').join(''), x.stdout, 'leaks on .msnap: stdout differs');
  runs++;
}
console.log(`ok: ${runs} runs on ${inputs.length} inputs (${[...formats].join(', ')}) print the same on their .msnap`);

// ---- hostile files ------------------------------------------------------------------
{
  const src = join(dir, 'weakmaps-closures.heapsnapshot.msnap');
  const data = readFileSync(src);
  const size = data.length;
  const file = join(dir, 'cut.msnap');
  const out = join(dir, 'out.txt');
  const check = (r, what) => {
    assert.equal(r.signal, null, `${what}: killed by ${r.signal}\n${r.stderr}`);
    assert.equal(r.status, 3, `${what}: exit ${r.status}, expected 3\n${r.stderr}`);
    assert.match(r.stderr, /^memsnap: .*cut\.msnap: offset \d+: \S/, `${what}: file and offset: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`);
    assert.equal(r.stdout, '', `${what}: no output`);
    assert.ok(!existsSync(out), `${what}: no output file`);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp.')), [], `${what}: no temporary file`);
  };
  for (let k = 0; k < 64; k++) {
    const cut = Math.floor((size * k) / 64) + (k % 7) + 1;
    writeFileSync(file, data.subarray(0, cut));
    check(memsnap(['top', 'info', 'summary', 'why'][k % 4], '-o', out, file, ...(k % 4 === 3 ? ['@1'] : [])), `cut at ${cut} of ${size}`);
  }
  for (let k = 0; k < 64; k++) {
    const copy = Buffer.from(data);
    const at = Math.floor((size * k) / 64) + 13;
    copy[at] ^= [0x01, 0x10, 0x20, 0x7f, 0xff][k % 5];
    writeFileSync(file, copy);
    check(memsnap(['top', 'info', 'summary', 'why'][k % 4], '-o', out, file, ...(k % 4 === 3 ? ['@1'] : [])), `byte ${at} flipped`);
  }
  console.log('ok: 64 truncations and 64 flipped bytes exit 3');
}

// ---- convert's contract ---------------------------------------------------------------
{
  const src = inputs[0];
  let r = memsnap('convert', src);
  assert.equal(r.status, 2, `convert without -o: exit ${r.status}`);
  assert.match(r.stderr, /-o FILE\.msnap is required/);
  r = memsnap('convert', src, '-o', src);
  assert.equal(r.status, 2, `convert onto its input: exit ${r.status}`);
  const missing = join(dir, 'no-such-dir', 'x.msnap');
  r = memsnap('convert', src, '-o', missing);
  assert.notEqual(r.status, 0, 'convert into a missing directory fails');
  assert.ok(!existsSync(missing));
  const cut = join(dir, 'cut.heapsnapshot');
  writeFileSync(cut, readFileSync(src).subarray(0, 5000));
  const o = join(dir, 'from-cut.msnap');
  r = memsnap('convert', cut, '-o', o);
  assert.equal(r.status, 3, `convert of a cut snapshot: exit ${r.status}`);
  assert.ok(!existsSync(o), 'no output after a failed convert');
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp.')), [], 'no temporary file');
  // a .msnap converted again is the same snapshot
  const again = join(dir, 'again.msnap');
  memsnapJson('convert', '--json', join(dir, basename(src) + '.msnap'), '-o', again);
  same(['summary', '@'], src, again, 'summary on a .msnap converted again');
  rmSync(again);
  console.log('ok: convert needs -o, never writes its input, leaves nothing when it fails');
}
