// run.mjs: memsnap's benchmark.  On the same snapshot files, in one run, it
// measures memsnap next to the references users would otherwise use:
//   - Chrome DevTools' heap snapshot worker (npm heap-snapshot-toolkit, the
//     code behind the Memory panel), computing its Summary;
//   - memlab's full load (npm @memlab/heap-analysis getFullHeapFromFile).
// Each command runs as its own process under /usr/bin/time (wall seconds and
// peak RSS); memsnap runs RUNS times (median), the references REF_RUNS times.
// memsnap is measured twice: `info` (loading only) and `top --timings` (the
// whole analysis, which is what the references do; --timings gives phases).
// Then memsnap's own questions, which the references do not answer in one
// command: `why` for one object and for 20 objects (spread over the whole
// snapshot, so paths are of every length), and `cycles`; their --timings
// separate the load and analyses from the queries.
// Absolute times on shared machines are noise: read the ratios.
//
// With `pair` (bench/make-snapshots.sh pair: two snapshots of one process),
// `memsnap compare` is timed next to DevTools' Comparison (heap-snapshot-
// toolkit's diff(), which loads both snapshots as the Memory panel does).
//
//   node bench/run.mjs [--runs N] [--ref-runs N] [--no-refs] [small|medium|large|pair ...]
//
// Snapshots come from bench/make-snapshots.sh (run it first); the memsnap
// binary from build/release (./scripts/demo.sh builds it) or $MEMSNAP.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readFileSync, mkdtempSync, rmSync, copyFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const cache = process.env.MEMSNAP_BENCH_DIR || join(here, '.cache');
const memsnap = process.env.MEMSNAP || join(root, 'build', 'release', 'tools', 'memsnap');
const args = process.argv.slice(2);
let runs = 3, refRuns = 1, refs = true;
const sizes = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--ref-runs') refRuns = Number(args[++i]);
  else if (args[i] === '--no-refs') refs = false;
  else sizes.push(args[i]);
}
if (!sizes.length) sizes.push('small', 'medium', 'large', 'pair');
const doPair = sizes.includes('pair');
if (doPair) sizes.splice(sizes.indexOf('pair'), 1);

function die(msg) { console.error(`bench: ${msg}`); process.exit(1); }
if (!existsSync(memsnap)) die(`no memsnap binary at ${memsnap} (build first, or set MEMSNAP)`);

function ensureRefs() {
  const have = (p) => existsSync(join(cache, 'node_modules', ...p.split('/'), 'package.json'));
  if (have('heap-snapshot-toolkit') && have('@memlab/heap-analysis')) return;
  console.error('bench: installing heap-snapshot-toolkit@1.1.3 and @memlab/heap-analysis@2.0.5');
  // --ignore-scripts: memlab's puppeteer dependency would try to download a browser.
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--save-exact',
    'heap-snapshot-toolkit@1.1.3', '@memlab/heap-analysis@2.0.5'], { cwd: cache, stdio: 'inherit' });
  if (r.status !== 0) die('npm install failed');
}

const scratch = mkdtempSync(join(tmpdir(), 'memsnap-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** One process under /usr/bin/time: {seconds, rssMB, stdout, stderr}. */
function timed(cmd, argv, env = {}) {
  const out = join(scratch, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', out, cmd, ...argv],
    { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, ...env } });
  if (r.status !== 0) die(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  const [s, kb] = readFileSync(out, 'utf8').trim().split(/\s+/).map(Number);
  return { seconds: s, rssMB: (kb * 1024) / 1e6, stdout: r.stdout, stderr: r.stderr };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(n, cmd, argv, env = {}) {
  const all = Array.from({ length: n }, () => timed(cmd, argv, env));
  return { seconds: median(all.map((x) => x.seconds)), rssMB: median(all.map((x) => x.rssMB)), last: all[n - 1], all };
}

/** Median of each phase of a `memsnap ... --timings` command over its runs. */
function phases(m) {
  const runs = m.all.map((x) => JSON.parse(x.stderr.trim().split('\n').pop()));
  return Object.fromEntries(Object.keys(runs[0]).map((k) => [k, median(runs.map((r) => r[k]))]));
}

if (refs) ensureRefs();
const devtools = join(scratch, 'devtools.mjs');
copyFileSync(join(root, 'tests', 'oracle', 'devtools.mjs'), devtools);
const rows = [];
for (const size of sizes) {
  const file = join(cache, 'snapshots', `${size}.heapsnapshot`);
  if (!existsSync(file)) die(`missing ${file}: run bench/make-snapshots.sh ${size}`);
  const mb = statSync(file).size / 1e6;
  const ms = measure(runs, memsnap, ['info', '--json', file]);
  const info = JSON.parse(ms.last.stdout);
  const top = measure(runs, memsnap, ['top', '--timings', '-n', '20', file]);
  // The same on one thread: the dominator target is for one core.
  const top1 = measure(runs, memsnap, ['top', '--timings', '-n', '20', file], { MEMSNAP_THREADS: '1' });
  const info1 = measure(runs, memsnap, ['info', '--json', file], { MEMSNAP_THREADS: '1' });
  const row = { size, mb, nodes: info.node_count, edges: info.edge_count, memsnap: ms,
    parseMBs: mb / info.load_seconds, loadSeconds: info.load_seconds, top, phases: phases(top),
    top1, phases1: phases(top1), info1, parse1MBs: mb / JSON.parse(info1.last.stdout).load_seconds };
  if (refs) {
    // Beside the bench cache's node_modules, so its import resolves there.
    copyFileSync(devtools, join(cache, 'devtools.mjs'));
    row.devtools = measure(refRuns, 'node', ['--max-old-space-size=20000', join(cache, 'devtools.mjs'), 'summary', file]);
    row.memlab = measure(refRuns, 'node', ['--max-old-space-size=20000', join(here, 'memlab-load.js'), file,
      join(cache, 'node_modules')]);
  }
  // 20 reachable objects spread evenly over the node list.
  const nodesFile = join(scratch, 'nodes.tsv');
  timed(memsnap, ['nodes', '-o', nodesFile, file]);
  // (awk: the large file's table is longer than a JavaScript string.)
  const reach = spawnSync('awk', ['-F', '\t', 'NR > 1 && $8 >= 1 && $8 < 100000000 { print $2 }', nodesFile],
    { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout.trim().split('\n');
  rmSync(nodesFile);
  const ids = Array.from({ length: 20 }, (_, i) => '@' + reach[Math.floor(((i + 0.5) * reach.length) / 20)]);
  row.why1 = measure(runs, memsnap, ['why', '--timings', file, ids[10]]);
  row.why20 = measure(runs, memsnap, ['why', '--timings', '--json', file, ...ids]);
  row.cycles = measure(runs, memsnap, ['cycles', '--timings', file]);
  rows.push(row);
  console.error(`bench: ${size} done`);
}

let pair = null;
if (doPair) {
  const before = join(cache, 'snapshots', 'pair-before.heapsnapshot');
  const after = join(cache, 'snapshots', 'pair-after.heapsnapshot');
  if (!existsSync(before) || !existsSync(after)) die('missing the pair: run bench/make-snapshots.sh pair');
  const mb = (statSync(before).size + statSync(after).size) / 1e6;
  const cmp = measure(runs, memsnap, ['compare', '--timings', '--json', before, after]);
  const doc = JSON.parse(cmp.last.stdout);
  // The memory yardstick: the two graphs as memsnap holds them
  // (`memsnap info`'s graph_bytes: nodes, edges, strings).
  const graphMB = (file) => JSON.parse(timed(memsnap, ['info', '--json', file]).stdout).graph_bytes / 1e6;
  pair = { mb, before: statSync(before).size / 1e6, after: statSync(after).size / 1e6, cmp, phases: phases(cmp),
    classes: doc.class_count, added: doc.totals.added_count, removed: doc.totals.removed_count,
    graphs: graphMB(before) + graphMB(after) };
  if (refs) {
    copyFileSync(devtools, join(cache, 'devtools.mjs'));
    pair.devtools = measure(refRuns, 'node', ['--max-old-space-size=20000', join(cache, 'devtools.mjs'), 'compare', before, after]);
  }
  console.error('bench: pair done');
}

const f = (x, d = 2) => x.toFixed(d);
console.log(`memsnap ${spawnSync(memsnap, ['--version'], { encoding: 'utf8' }).stdout.trim()}, ` +
  `node ${process.version}, ${runs} memsnap run(s) (median), ${refs ? refRuns : 0} reference run(s)\n`);
console.log('Loading (`memsnap info`):\n');
console.log('| snapshot | MB | nodes | edges | load s | parse MB/s | peak RSS MB | RSS / file |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.size} | ${f(r.mb, 1)} | ${r.nodes} | ${r.edges} | ${f(r.memsnap.seconds)} | ${f(r.parseMBs, 0)} | ` +
    `${f(r.memsnap.rssMB, 0)} | ${f(r.memsnap.rssMB / r.mb)} |`);
}
console.log('\nFull analysis (`memsnap top`, two threads where the machine has them: load, then the dominator tree ' +
  'next to distances and classes, then retained sizes), phases in seconds (they overlap):\n');
console.log('| snapshot | load | dominators | retained | distances | classes | total s | peak RSS MB |' +
  (refs ? ' DevTools worker s / RSS MB | memlab s / RSS MB | DevTools ÷ memsnap: time, RSS | memlab ÷ memsnap: time, RSS |' : ''));
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |' + (refs ? ' ---: | ---: | ---: | ---: |' : ''));
for (const r of rows) {
  const p = r.phases;
  let line = `| ${r.size} | ${f(p.load)} | ${f(p.dominators)} | ${f(p.retained)} | ${f(p.distances)} | ${f(p.classes)} | ` +
    `${f(r.top.seconds)} | ${f(r.top.rssMB, 0)} |`;
  if (refs) {
    line += ` ${f(r.devtools.seconds)} / ${f(r.devtools.rssMB, 0)} | ${f(r.memlab.seconds)} / ${f(r.memlab.rssMB, 0)} |` +
      ` ${f(r.devtools.seconds / r.top.seconds, 1)}x, ${f(r.devtools.rssMB / r.top.rssMB, 1)}x |` +
      ` ${f(r.memlab.seconds / r.top.seconds, 1)}x, ${f(r.memlab.rssMB / r.top.rssMB, 1)}x |`;
  }
  console.log(line);
}
console.log('\nOn one thread (`MEMSNAP_THREADS=1`): loading, and `top` with its phases in seconds (dominators include ' +
  "DevTools' edge rules, retained sizes DevTools' shallow sizes):\n");
console.log('| snapshot | load s | parse MB/s | top: load | dominators | retained | dominators + retained | distances | classes | total s | peak RSS MB |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const p = r.phases1;
  console.log(`| ${r.size} | ${f(r.info1.seconds)} | ${f(r.parse1MBs, 0)} | ${f(p.load)} | ${f(p.dominators)} | ${f(p.retained)} | ` +
    `${f(p.dominators + p.retained)} | ${f(p.distances)} | ${f(p.classes)} | ${f(r.top1.seconds)} | ${f(r.top1.rssMB, 0)} |`);
}
console.log('\nQuestions (`why`, `cycles`): load and the analyses they need, then the question itself; seconds:\n');
console.log('| snapshot | why 1 id: load | analyses | query ms | why 20 ids: analyses + retainer index | ms per id | cycles: analyses | SCCs | cycles total s | peak RSS MB |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const w1 = phases(r.why1), w20 = phases(r.why20), c = phases(r.cycles);
  console.log(`| ${r.size} | ${f(w1.load)} | ${f(w1.analysis)} | ${f(w1.query * 1000, 1)} | ${f(w20.analysis)} | ` +
    `${f((w20.query * 1000) / w20.queries, 1)} | ${f(c.analysis)} | ${f(c.cycles)} | ${f(r.cycles.seconds)} | ${f(r.cycles.rssMB, 0)} |`);
}
if (pair) {
  console.log(`\nComparing two snapshots of one process (\`memsnap compare\`: DevTools' Comparison, totals, ` +
    `what the new objects retain and where they are held), seconds:\n`);
  console.log('| pair | MB (before + after) | classes changed | new / deleted objects | load before | load after | compare | compare ÷ loading | total s | peak RSS MB | the two graphs MB | peak ÷ graphs |' +
    (refs ? ' DevTools diff s / RSS MB | DevTools ÷ memsnap: time, RSS |' : ''));
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |' + (refs ? ' ---: | ---: |' : ''));
  const p = pair.phases;
  let line = `| pair | ${f(pair.before, 0)} + ${f(pair.after, 0)} | ${pair.classes} | ${pair.added} / ${pair.removed} | ` +
    `${f(p.load_before)} | ${f(p.load_after)} | ${f(p.compare)} | ${f(p.compare / (p.load_before + p.load_after), 2)}x | ` +
    `${f(pair.cmp.seconds)} | ${f(pair.cmp.rssMB, 0)} | ${f(pair.graphs, 0)} | ${f(pair.cmp.rssMB / pair.graphs, 2)} |`;
  if (refs) {
    line += ` ${f(pair.devtools.seconds)} / ${f(pair.devtools.rssMB, 0)} |` +
      ` ${f(pair.devtools.seconds / pair.cmp.seconds, 1)}x, ${f(pair.devtools.rssMB / pair.cmp.rssMB, 1)}x |`;
  }
  console.log(line);
}
