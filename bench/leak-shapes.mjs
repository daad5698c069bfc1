// leak-shapes.mjs: memsnap's and memlab's FIRST reported leak on the seven
// classic Node.js leak shapes of tests/fixtures/leaks/shapes.js (an event
// listener never removed, a Map cache, an interval never cleared, the
// replaceThing closure, a global registry, reactions on a promise that never
// settles, a static Set), each with its --fixed twin.
//
// For each shape the script writes memlab's three snapshots (BASELINE after a
// warm-up, TARGET after N requests, FINAL after they were closed), then runs
//   memsnap leaks --json -n 0 B T F
//   memlab find-leaks --baseline B --target T --final F            (as shipped)
//   memlab find-leaks ... --trace-all-objects=selected-js-objects  (JS objects)
// and scores the first thing each reports: does it name the leaked class, the
// reference to cut (the culprit's name: an event, a variable, a property),
// the file (shapes.js) and a line of it (the line marked `@culprit SHAPE`)?
// How many groups (memsnap) or trace clusters (memlab) in all?  The same
// commands on the fixed twin count what each still reports there.  Each tool
// runs as its own process under /usr/bin/time -v (wall time, peak RSS),
// RUNS times (median); the ratios memsnap/memlab are from this run.
//
// memlab's CLI has no JSON report: the script reads its leaks.txt (one block
// per trace cluster, largest first: "--Similar leaks in this run: N--", then
// the trace from the GC roots to the leaked object, one hop a line) and
// counts the per-cluster files it writes in data/logger/trace-jsons/.
//
//   node bench/leak-shapes.mjs [--runs N] [--n REQUESTS] [--keep DIR]
//                              [--json FILE] [SHAPE ...]
//
// memsnap: build/release/tools/memsnap or $MEMSNAP.  memlab 2.0.5 is installed
// (npm, --ignore-scripts: its puppeteer would download a browser) into
// $MEMSNAP_BENCH_DIR/memlab-2.0.5 (default bench/.cache) when missing, and
// run as `node --expose-gc --max-old-space-size=4096 .../bin/memlab` (its
// shebang's flags: Debian's env does not split them).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, mkdirSync, rmSync, readdirSync, copyFileSync, chmodSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const cache = process.env.MEMSNAP_BENCH_DIR || join(here, '.cache');
const memsnap = process.env.MEMSNAP || join(root, 'build', 'release', 'tools', 'memsnap');
const shapesJs = join(root, 'tests', 'fixtures', 'leaks', 'shapes.js');
const MEMLAB_VERSION = '2.0.5';
const memlabDir = join(cache, `memlab-${MEMLAB_VERSION}`);
const memlabBin = join(memlabDir, 'node_modules', 'memlab', 'bin', 'memlab');

// The leaked class and the culprit reference's name, per shape.
const SHAPES = {
  listener: { cls: 'Subscriber', ref: 'config-changed' },
  'map-cache': { cls: 'CacheEntry', ref: 'userCache' },
  interval: { cls: 'Poller', ref: '_onTimeout' },
  closure: { cls: 'Thing', ref: 'originalThing' },
  registry: { cls: 'Widget', ref: 'widgetRegistry' },
  promise: { cls: 'PendingRequest', ref: 'upstream' },
  'static-set': { cls: 'Connection', ref: 'live' },
};

const args = process.argv.slice(2);
let runs = 3, requests = 300, keep = null, jsonOut = null;
const only = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--n') requests = Number(args[++i]);
  else if (args[i] === '--keep') keep = args[++i];
  else if (args[i] === '--json') jsonOut = args[++i];
  else if (SHAPES[args[i]]) only.push(args[i]);
  else die(`unknown argument ${args[i]} (shapes: ${Object.keys(SHAPES).join(', ')})`);
}
const shapes = only.length ? only : Object.keys(SHAPES);

function die(msg) { console.error(`leak-shapes: ${msg}`); process.exit(1); }
const log = (msg) => console.error(`leak-shapes: ${msg}`);
if (!existsSync(memsnap)) die(`no memsnap binary at ${memsnap} (build first, or set MEMSNAP)`);
if (!existsSync('/usr/bin/time')) die('needs /usr/bin/time (Debian: apt-get install time)');

function ensureMemlab() {
  const pkg = join(memlabDir, 'node_modules', 'memlab', 'package.json');
  if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).version === MEMLAB_VERSION) return;
  log(`installing memlab@${MEMLAB_VERSION} into ${memlabDir}`);
  mkdirSync(memlabDir, { recursive: true });
  if (!existsSync(join(memlabDir, 'package.json'))) writeFileSync(join(memlabDir, 'package.json'), '{"private": true}\n');
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--save-exact',
    `memlab@${MEMLAB_VERSION}`], { cwd: memlabDir, stdio: 'inherit' });
  if (r.status !== 0) die('npm install failed');
}

const scratch = keep || mkdtempSync(join(tmpdir(), 'memsnap-leak-shapes-'));
mkdirSync(scratch, { recursive: true });
if (!keep) process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
// The run uses its own copy of the binary: a rebuild while it runs changes
// nothing, and every shape is measured with the same memsnap.
const memsnapBin = join(scratch, 'memsnap');
copyFileSync(memsnap, memsnapBin);
chmodSync(memsnapBin, 0o755);

/** One process under /usr/bin/time -v: {seconds, rssMB, stdout, stderr}. */
function timed(cmd, argv) {
  const out = join(scratch, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-v', '-o', out, cmd, ...argv], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) die(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  const t = readFileSync(out, 'utf8');
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)/.exec(t)[1].split(':').map(Number);
  const seconds = wall.reduce((acc, x) => acc * 60 + x, 0);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(t)[1]);
  return { seconds, rssMB: (kb * 1024) / 1e6, stdout: r.stdout, stderr: r.stderr };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** RUNS runs of prepare() then cmd: medians, and what the last run left. */
function measure(prepare, cmd, argvOf) {
  const all = [];
  let last = null;
  for (let i = 0; i < runs; i++) {
    const ctx = prepare();
    all.push(timed(cmd, argvOf(ctx)));
    last = ctx;
  }
  return { seconds: median(all.map((x) => x.seconds)), rssMB: median(all.map((x) => x.rssMB)),
    last: all[all.length - 1], ctx: last };
}

// ---- the programs ----------------------------------------------------------

/** The lines of shapes.js marked `@culprit SHAPE`. */
function culpritLines(shape) {
  const lines = readFileSync(shapesJs, 'utf8').split('\n');
  const re = new RegExp(`//.*@culprit ${shape.replace(/[-]/g, '\\-')}\\b`);
  return lines.flatMap((l, i) => (re.test(l) ? [i + 1] : []));
}

function writeSnapshots(shape, dir, fixed) {
  const argv = ['--expose-gc', shapesJs, shape, dir, String(requests), ...(fixed ? ['--fixed'] : [])];
  const r = spawnSync('node', argv, { encoding: 'utf8' });
  if (r.status !== 0) die(`node ${argv.join(' ')} failed: ${r.stderr}`);
  return ['baseline', 'target', 'final'].map((s) => join(dir, `${s}.heapsnapshot`));
}

// ---- memsnap ---------------------------------------------------------------

/** Does TEXT name NAME as a whole word (names may hold '-' and '_')? */
function names(text, name) {
  if (!text) return false;
  const esc = name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  return new RegExp(`(^|[^\\w$-])${esc}($|[^\\w$-])`).test(text);
}

/** shapes.js positions in a list of locations: [{line, culprit}]. */
function shapesLines(locations, culprit) {
  return locations.filter((l) => l && l.file && basename(l.file) === 'shapes.js')
    .map((l) => ({ line: l.line, culprit: culprit.includes(l.line) }));
}

function scoreMemsnap(doc, truth, culprit) {
  const g = (doc.groups || [])[0];
  const res = { groups: doc.group_count, folded: doc.folded ? doc.folded.groups || 0 : 0,
    programCount: doc.program_count };
  if (!g) return { ...res, cls: 'N', ref: 'N', where: 'N', heading: '(no group)' };
  const hops = (g.path && g.path.hops) || [];
  res.cls = g.class === truth.cls ? 'Y'
    : hops.some((h) => h.class === truth.cls || h.name === truth.cls) ? 'path' : 'N';
  const ref = g.cause && g.cause.reference;
  res.ref = names(ref, truth.ref) ? 'Y'
    : hops.some((h) => h.edge && (h.edge.name === truth.ref || names(h.name, truth.ref))) ? 'path' : 'N';
  // The heading names the group's class (its constructor's position), the
  // code that holds the reference (a function, or a scope: line 0, the file
  // only) and, when it has one, the variable's declaration.
  const c = g.cause || {};
  const head = shapesLines([g.example && g.example.location, c.code && c.code.location,
    c.declaration && c.declaration.location].filter((l) => l && l.line > 0), culprit);
  const onPath = shapesLines(hops.map((h) => h.location).filter((l) => l && l.line > 0), culprit);
  res.where = whereScore(head, onPath, /shapes\.js/.test(JSON.stringify(c)));
  res.reference = ref;
  res.hops = g.path ? g.path.length - 1 : null;
  return res;
}

/** "Y :38 (culprit)", "Y :25", "file", "path :38", or "N". */
function whereScore(head, onPath, fileOnly) {
  const pick = (ls) => ls.find((l) => l.culprit) || ls[0];
  const fmt = (l) => `:${l.line}${l.culprit ? ' (culprit)' : ''}`;
  if (head.length) return `Y ${fmt(pick(head))}`;
  if (fileOnly) return 'file';
  if (onPath.length) return `path ${fmt(pick(onPath))}`;
  return 'N';
}

function memsnapHeading(files) {
  const r = spawnSync(memsnapBin, ['leaks', ...files], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const line = r.stdout.split('\n').find((l) => /^\s+#1\s/.test(l));
  return line ? line.trim() : '(no group)';
}

// ---- memlab ----------------------------------------------------------------

function memlabArgs(files, workDir, mode) {
  return ['--expose-gc', '--max-old-space-size=4096', memlabBin, 'find-leaks',
    '--baseline', files[0], '--target', files[1], '--final', files[2], '--work-dir', workDir,
    ...(mode === 'selected' ? ['--trace-all-objects=selected-js-objects'] : [])];
}

let workDirs = 0;
function freshWorkDir() {
  const d = join(scratch, `memlab-work-${++workDirs}`);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  return d;
}

/** memlab's leaks.txt: [{count, retained, trace: [{edge, edgeType, name, type, id}]}]. */
function parseLeaksTxt(workDir) {
  const file = join(workDir, 'data', 'out', 'leaks.txt');
  if (!existsSync(file)) die(`memlab wrote no ${file}`);
  const clusters = [];
  let cur = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    let m;
    if ((m = /^--Similar leaks in this run: (\d+)--$/.exec(line))) {
      cur = { count: Number(m[1]), retained: '', trace: [] };
      clusters.push(cur);
    } else if (cur && (m = /^--Retained size of leaked objects: (.*)--$/.exec(line))) {
      cur.retained = m[1];
    } else if (cur && (m = /^\s*(?:--(.*) \(([\w ]+)\)--->\s+)?\[(.*)\] \(([\w ]+)\) @(\d+) \[[^\]]*\]$/.exec(line))) {
      cur.trace.push({ edge: m[1] ?? null, edgeType: m[2] ?? null, name: m[3], type: m[4], id: Number(m[5]) });
    }
  }
  const declared = /------(\d+) clusters------/.exec(readFileSync(file, 'utf8'));
  if (declared && Number(declared[1]) !== clusters.length) {
    die(`${file}: says ${declared[1]} clusters, parsed ${clusters.length}`);
  }
  const jsonDir = join(workDir, 'data', 'logger', 'trace-jsons');
  const traceJsons = existsSync(jsonDir) ? readdirSync(jsonDir).filter((f) => f.endsWith('.json')).length : 0;
  return { clusters, traceJsons };
}

/** memlab's console table of "Alive objects allocated in target page": its first row. */
function memlabTableTop(stdout) {
  const row = stdout.split('\n').find((l) => /^│ 0 /.test(l));
  if (!row) return null;
  const cells = row.split('│').map((c) => c.trim()).filter(Boolean);
  return { name: cells[1].replace(/^'|'$/g, ''), type: cells[2].replace(/^'|'$/g, ''), count: Number(cells[3]) };
}

function scoreMemlab(parsed, truth) {
  const c = parsed.clusters[0];
  const res = { groups: parsed.clusters.length, traces: parsed.clusters.reduce((a, x) => a + x.count, 0),
    traceJsons: parsed.traceJsons };
  if (!c) return { ...res, cls: 'N', ref: 'N', where: 'N', heading: '(no leak)' };
  const leaf = c.trace[c.trace.length - 1];
  // The report is the trace: its last line is the leaked object.
  res.cls = leaf.name === truth.cls ? 'Y' : c.trace.some((h) => h.name === truth.cls) ? 'path' : 'N';
  res.ref = c.trace.some((h) => h.edge === truth.ref || names(h.edge, truth.ref)) ? 'path' : 'N';
  // memlab prints no source positions on a trace.
  res.where = 'N';
  // The trace as one line, a run of one step (a list's links) as one "×N".
  const steps = [];
  for (const h of c.trace.slice(1)) {
    const step = `${h.edge}→${h.name}`;
    const prev = steps[steps.length - 1];
    if (prev && prev.step === step) prev.n++;
    else steps.push({ step, n: 1 });
  }
  res.hops = c.trace.length - 1;
  res.heading = `${c.count} × ${leaf.name} (${leaf.type}), retaining ${c.retained}, ${res.hops} hops: ` +
    steps.map((x) => (x.n > 1 ? `(${x.step}) ×${x.n}` : x.step)).join(' ');
  return res;
}

// ---- the run -----------------------------------------------------------------

ensureMemlab();
const results = [];
for (const shape of shapes) {
  const truth = SHAPES[shape];
  const culprit = culpritLines(shape);
  const dir = join(scratch, shape);
  const leaky = writeSnapshots(shape, join(dir, 'leaky'), false);
  const fixed = writeSnapshots(shape, join(dir, 'fixed'), true);
  const row = { shape, truth, culprit };

  const ms = measure(() => null, memsnapBin, () => ['leaks', '--json', '-n', '0', ...leaky]);
  row.memsnap = { seconds: ms.seconds, rssMB: ms.rssMB, ...scoreMemsnap(JSON.parse(ms.last.stdout), truth, culprit),
    heading: memsnapHeading(leaky) };
  const twin = JSON.parse(timed(memsnapBin, ['leaks', '--json', '-n', '0', ...fixed]).stdout);
  row.memsnap.twin = { programCount: twin.program_count, groups: twin.group_count,
    folded: twin.folded ? twin.folded.groups || 0 : 0,
    heading: twin.group_count ? memsnapHeading(fixed) : null };

  for (const mode of ['shipped', 'selected']) {
    const ml = measure(freshWorkDir, 'node', (wd) => memlabArgs(leaky, wd, mode));
    const parsed = parseLeaksTxt(ml.ctx);
    row[mode] = { seconds: ml.seconds, rssMB: ml.rssMB, ...scoreMemlab(parsed, truth),
      tableTop: memlabTableTop(ml.last.stdout) };
    const wd = freshWorkDir();
    timed('node', memlabArgs(fixed, wd, mode));
    const tw = parseLeaksTxt(wd);
    row[mode].twin = { groups: tw.clusters.length, traces: tw.clusters.reduce((a, x) => a + x.count, 0),
      heading: tw.clusters.length ? scoreMemlab(tw, truth).heading : null };
  }
  results.push(row);
  log(`${shape} done`);
}

// ---- the report --------------------------------------------------------------

const f = (x, d = 2) => x.toFixed(d);
const plural = (n, w) => `${n} ${w}${n === 1 ? '' : 's'}`;
const version = spawnSync(memsnapBin, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`memsnap ${version}, memlab ${MEMLAB_VERSION}, node ${process.version}; ${requests} requests per program; ` +
  `${runs} run(s) of each tool (median)\n`);
console.log('| program | tool | class | reference | file:line | groups | fixed twin | wall s | peak RSS MB | memsnap ÷ memlab: time, RSS |');
console.log('| --- | --- | --- | --- | --- | --- | --- | ---: | ---: | ---: |');
for (const r of results) {
  const m = r.memsnap;
  const prog = `${r.shape} (${r.truth.cls}, \`${r.truth.ref}\`)`;
  console.log(`| ${prog} | memsnap | ${m.cls} | ${m.ref} | ${m.where} | ${m.groups}${m.folded ? ` (+${m.folded} runtime)` : ''} | ` +
    `${m.twin.programCount} objects, ${plural(m.twin.groups, 'group')} | ${f(m.seconds)} | ${f(m.rssMB, 0)} | |`);
  for (const mode of ['shipped', 'selected']) {
    const x = r[mode];
    const name = mode === 'shipped' ? 'memlab' : 'memlab `selected-js-objects`';
    console.log(`| | ${name} | ${x.cls} | ${x.ref} | ${x.where} | ${x.groups} (${x.traces} traces) | ` +
      `${x.twin.groups} (${x.twin.traces} traces) | ${f(x.seconds)} | ${f(x.rssMB, 0)} | ` +
      `${f(m.seconds / x.seconds)}x, ${f(m.rssMB / x.rssMB)}x |`);
  }
}
console.log('\nclass: Y = the first report is about the leaked class (memsnap: the group is named after it; memlab: ' +
  'its trace ends at it), path = it is only on the printed path.  reference: Y = the heading names the culprit ' +
  '(memsnap\'s reference), path = it is an edge of the printed path or trace.  file:line: a shapes.js line the ' +
  'heading gives, (culprit) when it is the line marked @culprit; file = only the file.  groups: memsnap\'s groups of ' +
  'the program\'s objects (and of the runtime\'s, folded), memlab\'s trace clusters (and the traces in them).  fixed ' +
  'twin: what each reports on the program without the leak (memsnap: program_count and groups).\n');
console.log('First reports:\n');
for (const r of results) {
  console.log(`- ${r.shape} (culprit at shapes.js:${r.culprit.join(',')}):`);
  console.log(`  - memsnap: \`${r.memsnap.heading}\` (its example's path: ${r.memsnap.hops} hops)`);
  for (const mode of ['shipped', 'selected']) {
    const x = r[mode];
    const top = x.tableTop ? `; its table of objects alive from TARGET starts with ${x.tableTop.count} ${x.tableTop.name} (${x.tableTop.type})` : '';
    console.log(`  - memlab ${mode}: ${x.heading === '(no leak)' ? 'no leak' : `\`${x.heading}\``}${top}`);
  }
  if (r.memsnap.twin.heading) console.log(`  - memsnap on the fixed twin: \`${r.memsnap.twin.heading}\``);
  for (const mode of ['shipped', 'selected']) {
    if (r[mode].twin.heading) console.log(`  - memlab ${mode} on the fixed twin: \`${r[mode].twin.heading}\``);
  }
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ version, memlab: MEMLAB_VERSION, node: process.version, requests, runs, results }, null, 2));
