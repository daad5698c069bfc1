// run.mjs: memsnap's benchmark.  On the same snapshot files, in one run, it
// measures memsnap next to the references users would otherwise use:
//   - Chrome DevTools' heap snapshot worker (npm heap-snapshot-toolkit, the
//     code behind the Memory panel), computing its Summary;
//   - memlab's full load (npm @memlab/heap-analysis getFullHeapFromFile).
// Each command runs as its own process under /usr/bin/time (wall seconds and
// peak RSS); memsnap runs RUNS times (median), the references REF_RUNS times.
// memsnap is measured twice: `info` (loading only) and `top --timings` (the
// whole analysis, which is what the references do; --timings gives phases).
// Absolute times on shared machines are noise: read the ratios.
//
//   node bench/run.mjs [--runs N] [--ref-runs N] [--no-refs] [small|medium|large ...]
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
if (!sizes.length) sizes.push('small', 'medium', 'large');

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
function timed(cmd, argv) {
  const out = join(scratch, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', out, cmd, ...argv],
    { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) die(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  const [s, kb] = readFileSync(out, 'utf8').trim().split(/\s+/).map(Number);
  return { seconds: s, rssMB: (kb * 1024) / 1e6, stdout: r.stdout, stderr: r.stderr };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(n, cmd, argv) {
  const all = Array.from({ length: n }, () => timed(cmd, argv));
  return { seconds: median(all.map((x) => x.seconds)), rssMB: median(all.map((x) => x.rssMB)), last: all[n - 1], all };
}

/** Median of each phase of `memsnap top --timings` over its runs. */
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
  const row = { size, mb, nodes: info.node_count, edges: info.edge_count, memsnap: ms,
    parseMBs: mb / info.load_seconds, loadSeconds: info.load_seconds, top, phases: phases(top) };
  if (refs) {
    // Beside the bench cache's node_modules, so its import resolves there.
    copyFileSync(devtools, join(cache, 'devtools.mjs'));
    row.devtools = measure(refRuns, 'node', ['--max-old-space-size=20000', join(cache, 'devtools.mjs'), 'summary', file]);
    row.memlab = measure(refRuns, 'node', ['--max-old-space-size=20000', join(here, 'memlab-load.js'), file,
      join(cache, 'node_modules')]);
  }
  rows.push(row);
  console.error(`bench: ${size} done`);
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
console.log('\nFull analysis (`memsnap top`: load, dominators, retained sizes, distances, classes), phases in seconds:\n');
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
