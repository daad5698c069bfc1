// msnap.mjs: the native file (.msnap) next to the snapshot it was made
// from, in one run on the same files: `memsnap convert`'s time, peak RSS and
// output size, then each command as its own process under /usr/bin/time
// (wall seconds and peak RSS, median of RUNS) on the .heapsnapshot and on
// its .msnap, with the ratio .msnap / .heapsnapshot.  `why` is asked about
// the object `top` lists first and the 200th (smaller, deeper).  Absolute
// times on a shared machine are noise: read the ratios.
//
//   node bench/msnap.mjs [--runs N] [small|medium|large ...]
//
// Snapshots come from bench/make-snapshots.sh (MEMSNAP_BENCH_DIR, default
// bench/.cache/snapshots); the binary from build/release or $MEMSNAP.  The
// .msnap files are written to a temporary directory and removed.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const cache = process.env.MEMSNAP_BENCH_DIR || join(here, '.cache');
const memsnap = process.env.MEMSNAP || join(root, 'build', 'release', 'tools', 'memsnap');
const args = process.argv.slice(2);
let runs = 3;
const sizes = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else sizes.push(args[i]);
}
if (!sizes.length) sizes.push('small', 'medium', 'large');

function die(msg) { console.error(`bench: ${msg}`); process.exit(1); }
if (!existsSync(memsnap)) die(`no memsnap binary at ${memsnap}`);
const scratch = mkdtempSync(join(tmpdir(), 'memsnap-msnap-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** One process under /usr/bin/time -v: {seconds, rssMB, stdout}. */
function timed(argv) {
  const out = join(scratch, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-v', '-o', out, memsnap, ...argv], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) die(`memsnap ${argv.join(' ')} failed: ${r.stderr}`);
  const t = readFileSync(out, 'utf8');
  // "h:mm:ss" or "m:ss.ss"
  const parts = t.match(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/)[1].split(':').map(Number);
  const seconds = parts.reduce((acc, x) => acc * 60 + x, 0);
  const kb = Number(t.match(/Maximum resident set size \(kbytes\): (\d+)/)[1]);
  return { seconds, rssMB: (kb * 1024) / 1e6, stdout: r.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function measure(argv) {
  const all = Array.from({ length: runs }, () => timed(argv));
  return { seconds: median(all.map((x) => x.seconds)), rssMB: median(all.map((x) => x.rssMB)) };
}
const f2 = (x) => x.toFixed(2), r2 = (a, b) => (a / b).toFixed(3);

for (const size of sizes) {
  const snap = join(cache, 'snapshots', `${size}.heapsnapshot`);
  if (!existsSync(snap)) die(`no ${snap} (bench/make-snapshots.sh writes it)`);
  const msnap = join(scratch, `${size}.msnap`);
  const conv = timed(['convert', snap, '-o', msnap]);
  const inBytes = statSync(snap).size, outBytes = statSync(msnap).size;
  console.log(`\n${size}: ${(inBytes / 2 ** 20).toFixed(1)} MiB -> .msnap ${(outBytes / 2 ** 20).toFixed(1)} MiB ` +
    `(${r2(outBytes, inBytes)} x); convert ${f2(conv.seconds)} s, peak ${conv.rssMB.toFixed(0)} MB`);
  const objs = JSON.parse(timed(['top', '--json', '-n', '200', msnap]).stdout).objects;
  const first = objs[0].id, later = objs[objs.length - 1].id;
  const cmds = [
    ['info', ['info']],
    ['top', ['top']],
    [`why @${first}`, ['why', '@', `@${first}`]],
    [`why @${later}`, ['why', '@', `@${later}`]],
    ['summary', ['summary']],
    ['dominators', ['dominators']],
    ['cycles', ['cycles']],
  ];
  console.log(`| command | .heapsnapshot s | .msnap s | ratio | .heapsnapshot MB | .msnap MB | ratio |`);
  console.log(`| --- | ---: | ---: | ---: | ---: | ---: | ---: |`);
  for (const [name, argv] of cmds) {
    const with_ = (f) => (argv.includes('@') ? argv.map((x) => (x === '@' ? f : x)) : [...argv, f]);
    const a = measure(with_(snap)), b = measure(with_(msnap));
    console.log(`| ${name} | ${f2(a.seconds)} | ${f2(b.seconds)} | ${r2(b.seconds, a.seconds)} | ` +
      `${a.rssMB.toFixed(0)} | ${b.rssMB.toFixed(0)} | ${r2(b.rssMB, a.rssMB)} |`);
  }
}
