// scale.mjs: memsnap on generated snapshots of 1-8 GiB (bench/gen/gen_snapshot),
// next to the real ~1 GB one, and what the JavaScript tools do with the big
// ones.  Every command runs as its own process under /usr/bin/time (wall
// seconds, peak RSS); a watchdog kills a reference tool that passes its
// time or memory limit (the machine has 24 GiB and other work on it).
//
//   node bench/scale.mjs [--sizes 1G,2G,4G,8G] [--runs N] [--threads 2,1]
//                        [--real FILE] [--pair 4G] [--refs 4G,8G]
//                        [--ref-timeout SECONDS] [--ref-rss-mb MB]
//                        [--only memsnap|convert|pair|refs]
//
// Files: $MEMSNAP_GEN_DIR (default bench/.cache/gen) holds gen-SIZE.heapsnapshot
// (written by gen_snapshot when missing; gen-SIZE-step1.heapsnapshot is the
// same process one step later, for compare and leaks).  Binaries: $MEMSNAP
// (default build/release/tools/memsnap), $GEN_SNAPSHOT (build/release/bench/
// gen/gen_snapshot).  The references: ../shared/tools/devtools-oracle
// (DevTools' heap snapshot worker, `summary`) and memlab's full load
// (bench/memlab-load.js with @memlab/heap-analysis from the memlab package,
// installed with --ignore-scripts into $MEMSNAP_GEN_DIR/memlab).
//
// Prints one JSON line per measurement on stdout, a summary on stderr.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { tmpdir, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const genDir = process.env.MEMSNAP_GEN_DIR || join(here, '.cache', 'gen');
const memsnap = process.env.MEMSNAP || join(root, 'build', 'release', 'tools', 'memsnap');
const genBin = process.env.GEN_SNAPSHOT || join(root, 'build', 'release', 'bench', 'gen', 'gen_snapshot');
const oracleBin = resolve(root, '..', 'shared', 'tools', 'devtools-oracle');

const opt = { sizes: ['1G', '2G', '4G', '8G'], runs: 1, threads: ['2', '1'], real: null, pair: '4G',
  refs: ['4G', '8G'], refTimeout: 1800, refRssMb: 20000, only: null };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i], v = () => args[++i];
  if (a === '--sizes') opt.sizes = v().split(',').filter(Boolean);
  else if (a === '--runs') opt.runs = Number(v());
  else if (a === '--threads') opt.threads = v().split(',');
  else if (a === '--real') opt.real = v();
  else if (a === '--pair') opt.pair = v();
  else if (a === '--refs') opt.refs = v().split(',').filter(Boolean);
  else if (a === '--ref-timeout') opt.refTimeout = Number(v());
  else if (a === '--ref-rss-mb') opt.refRssMb = Number(v());
  else if (a === '--only') opt.only = v();
  else { console.error(`scale.mjs: unknown argument ${a}`); process.exit(2); }
}
const want = (part) => !opt.only || opt.only === part;
mkdirSync(genDir, { recursive: true });
const scratch = mkdtempSync(join(tmpdir(), 'memsnap-scale-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

const emit = (row) => console.log(JSON.stringify({ load: loadavg()[0], ...row }));
const log = (s) => console.error(`scale: ${s}`);

/** The pid of /usr/bin/time's child (the measured command). */
function childOf(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]) || 0;
  } catch { return 0; }
}
function rssMb(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) / 1024 : 0;
  } catch { return 0; }
}

/** Runs cmd under /usr/bin/time; kills it (its process group) past the
 * limits.  Resolves {status, seconds, rssMB, stdout, stderr, killed}. */
function timed(cmd, argv, { env = {}, timeout = 0, rssLimitMb = 0 } = {}) {
  const out = join(scratch, `time-${process.hrtime.bigint()}.txt`);
  return new Promise((resolveRun) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('/usr/bin/time', ['-f', '%e %M', '-o', out, cmd, ...argv],
      { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', killed = null, sampled = 0;
    p.stdout.on('data', (d) => { if (stdout.length < (1 << 26)) stdout += d; });
    p.stderr.on('data', (d) => { if (stderr.length < (1 << 20)) stderr += d; });
    const kill = (why) => { if (!killed) { killed = why; try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ } } };
    const watch = setInterval(() => {
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (timeout && secs > timeout) kill(`time limit ${timeout} s`);
      const c = childOf(p.pid), rss = c ? rssMb(c) : 0;
      sampled = Math.max(sampled, rss);
      if (rssLimitMb && rss > rssLimitMb) kill(`memory limit ${rssLimitMb} MB`);
    }, 250);
    p.on('close', (status, signal) => {
      clearInterval(watch);
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      let seconds = secs, rss = NaN;
      try {
        const line = readFileSync(out, 'utf8').trim().split('\n').pop().split(/\s+/).map(Number);
        if (line.length === 2 && !Number.isNaN(line[0])) [seconds, rss] = [line[0], (line[1] * 1024) / 1e6];
      } catch { rss = sampled; /* killed before time wrote: the watchdog's last look */ }
      resolveRun({ status: status ?? signal, seconds, rssMB: rss, stdout, stderr, killed });
    });
  });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(label, cmd, argv, env = {}) {
  const all = [];
  for (let i = 0; i < opt.runs; i++) {
    const r = await timed(cmd, argv, { env });
    if (r.status !== 0) throw new Error(`${label}: ${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
    all.push(r);
  }
  const last = all[all.length - 1];
  let phases = null;
  try { phases = JSON.parse(last.stderr.trim().split('\n').pop()); } catch { /* no --timings */ }
  return { seconds: median(all.map((r) => r.seconds)), rssMB: median(all.map((r) => r.rssMB)),
    runs: all.map((r) => [r.seconds, Math.round(r.rssMB)]), phases, stdout: last.stdout };
}

function file(size, step = 0) {
  return join(genDir, `gen-${size}${step ? `-step${step}` : ''}.heapsnapshot`);
}
async function ensure(size, step = 0) {
  const f = file(size, step);
  if (existsSync(f)) return f;
  log(`writing ${f}`);
  const r = await timed(genBin, ['--size', size, ...(step ? ['--step', String(step)] : []), '--stats', '-o', f]);
  if (r.status !== 0) throw new Error(`gen_snapshot failed: ${r.stderr}`);
  emit({ what: 'generate', size, step, file: f, bytes: statSync(f).size, seconds: r.seconds, rssMB: r.rssMB,
    stats: r.stderr.trim().split('\n') });
  return f;
}

// ---- memsnap: info (the load) and top (the whole analysis) ------------------
if (want('memsnap')) {
  const files = [];
  if (opt.real) files.push(['real', opt.real]);
  for (const s of opt.sizes) files.push([s, await ensure(s)]);
  for (const [size, f] of files) {
    const info = await measure(`${size} info`, memsnap, ['info', '--json', f]);
    const doc = JSON.parse(info.stdout);
    const row = { what: 'memsnap', size, file: f, bytes: statSync(f).size, nodes: doc.node_count,
      edges: doc.edge_count, graph_bytes: doc.graph_bytes, info: { seconds: info.seconds, rssMB: info.rssMB,
        load_seconds: doc.load_seconds, runs: info.runs } };
    for (const t of opt.threads) {
      const top = await measure(`${size} top`, memsnap, ['top', '--timings', '-n', '20', f], { MEMSNAP_THREADS: t });
      row[`top_${t}`] = { seconds: top.seconds, rssMB: top.rssMB, phases: top.phases, runs: top.runs,
        ns_per_edge: (top.seconds * 1e9) / doc.edge_count };
    }
    emit(row);
    log(`${size}: ${doc.node_count} nodes, ${doc.edge_count} edges: load ${doc.load_seconds.toFixed(2)} s, ` +
      opt.threads.map((t) => `top ${t}t ${row[`top_${t}`].seconds} s ${Math.round(row[`top_${t}`].rssMB)} MB`).join(', '));
  }
}

// ---- convert: the native file, and `top` reopening it -----------------------------
if (want('convert')) {
  const files = [];
  if (opt.real) files.push(['real', opt.real]);
  for (const s of opt.sizes) files.push([s, await ensure(s)]);
  for (const [size, f] of files) {
    const out = join(genDir, `convert-${size}.msnap`);
    const cv = await measure(`${size} convert`, memsnap, ['convert', '--json', '-o', out, f]);
    const doc = JSON.parse(cv.stdout);
    const top = await measure(`${size} top .msnap`, memsnap, ['top', '-n', '20', out]);
    emit({ what: 'convert', size, file: f, bytes: doc.input_bytes, msnap_bytes: doc.output_bytes, ratio: doc.ratio,
      nodes: doc.snapshot.node_count, edges: doc.snapshot.edge_count,
      convert: { seconds: cv.seconds, rssMB: cv.rssMB, load_seconds: doc.load_seconds, write_seconds: doc.write_seconds,
        runs: cv.runs, ns_per_edge: (cv.seconds * 1e9) / doc.snapshot.edge_count },
      top_msnap: { seconds: top.seconds, rssMB: top.rssMB, runs: top.runs } });
    log(`${size}: convert ${cv.seconds} s (load ${doc.load_seconds.toFixed(2)}, write ${doc.write_seconds.toFixed(2)}), ` +
      `${Math.round(cv.rssMB)} MB, .msnap ${(doc.output_bytes / 1e6).toFixed(0)} MB (${doc.ratio.toFixed(3)} x); ` +
      `top on it ${top.seconds} s, ${Math.round(top.rssMB)} MB`);
    rmSync(out, { force: true });
  }
}

// ---- compare and leaks on two snapshots of one process -------------------------
if (want('pair') && opt.pair) {
  const a = await ensure(opt.pair), b = await ensure(opt.pair, 1);
  const ia = await measure('pair info A', memsnap, ['info', '--json', a]);
  const ib = await measure('pair info B', memsnap, ['info', '--json', b]);
  const da = JSON.parse(ia.stdout), db = JSON.parse(ib.stdout);
  const cmp = await measure('compare', memsnap, ['compare', '--timings', '--json', a, b]);
  const leaks = await measure('leaks', memsnap, ['leaks', '--timings', '--json', a, b, b]);
  const c = JSON.parse(cmp.stdout), l = JSON.parse(leaks.stdout);
  // The bounds (docs/performance.md): the comparison itself (its --timings
  // phase, after both loads) within 2x the loading of both; the peak
  // within the two graphs as `info` measures them.
  const loading = da.load_seconds + db.load_seconds, graphs = (da.graph_bytes + db.graph_bytes) / 1e6;
  emit({ what: 'pair', before: a, after: b, load_before: da.load_seconds, load_after: db.load_seconds,
    graphs_MB: graphs, compare: { seconds: cmp.seconds, rssMB: cmp.rssMB, phases: cmp.phases, runs: cmp.runs,
      added: c.totals.added_count, removed: c.totals.removed_count, shared: c.totals.shared_ids },
    leaks: { seconds: leaks.seconds, rssMB: leaks.rssMB, phases: leaks.phases, runs: leaks.runs, count: l.count } });
  const cl = cmp.phases.load_before + cmp.phases.load_after;
  log(`pair: info loads ${loading.toFixed(2)} s, graphs ${graphs.toFixed(0)} MB; compare ${cmp.seconds} s: loads ` +
    `${cl.toFixed(2)}, compare ${cmp.phases.compare} (${(cmp.phases.compare / cl).toFixed(2)}x the loads), ` +
    `${Math.round(cmp.rssMB)} MB (${(cmp.rssMB / graphs).toFixed(2)}x the graphs); leaks ${leaks.seconds} s: loads ` +
    `${leaks.phases.load}, leaks ${leaks.phases.leaks} (${(leaks.phases.leaks / cl).toFixed(2)}x compare's loads), ` +
    `${Math.round(leaks.rssMB)} MB (${(leaks.rssMB / graphs).toFixed(2)}x)`);
}

// ---- the JavaScript tools on the big files ------------------------------------------
function ensureMemlab() {
  const dir = join(genDir, 'memlab');
  if (existsSync(join(dir, 'node_modules', '@memlab', 'heap-analysis', 'package.json'))) return dir;
  mkdirSync(dir, { recursive: true });
  log('installing memlab (npm install --ignore-scripts memlab)');
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', 'memlab'], { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm install memlab failed');
  return dir;
}
if (want('refs')) {
  const lim = { timeout: opt.refTimeout, rssLimitMb: opt.refRssMb };
  const memlabDir = opt.refs.length ? ensureMemlab() : null;
  for (const size of opt.refs) {
    const f = await ensure(size);
    const tools = [
      ['devtools', oracleBin, ['summary', f]],
      ['memlab', 'node', ['--max-old-space-size=20000', join(here, 'memlab-load.js'), f, join(memlabDir, 'node_modules')]],
    ];
    for (const [tool, cmd, argv] of tools) {
      log(`${tool} on ${f} (limits ${opt.refTimeout} s, ${opt.refRssMb} MB)`);
      const r = await timed(cmd, argv, lim);
      // DevTools' Summary of a file it could load: kept, to compare with memsnap's
      if (tool === 'devtools' && r.status === 0) writeFileSync(join(genDir, `devtools-summary-${size}.json`), r.stdout);
      const error = r.killed ? `killed: ${r.killed}` :
        r.status === 0 ? null : r.stderr.split('\n').filter((x) => /Error|error|FATAL|heap|memory|Invalid/.test(x)).slice(0, 6).join(' | ');
      emit({ what: 'ref', tool, size, file: f, status: r.status, seconds: r.seconds, rssMB: r.rssMB, error,
        stderr_tail: r.stderr.slice(-2000) });
      log(`${tool} ${size}: status ${r.status} in ${r.seconds} s, ${Math.round(r.rssMB)} MB${error ? `: ${error}` : ''}`);
    }
  }
}
