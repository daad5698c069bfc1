// node-capture.test.mjs: the Node.js capture preload (tools/node/
// memsnap-capture.js) on programs that say what they did, and README's
// walkthrough "Find a leak in five minutes" run from README's own text.
//   - signals: tests/fixtures/node-capture/phases.js under `node -r`; the
//     test sends SIGUSR2 three times and waits for each stderr line; three
//     complete files (memsnap info reads each, its size is the one printed,
//     no temporary file is left); `leaks` finds exactly the Order objects
//     the program put in its leaking Map between baseline and target (it
//     counts them; Orders made before the baseline, after the target, or
//     freed by the undo are not leaks), and none of the capture's own
//     objects; `compare` baseline -> target finds every Order made in
//     between;
//   - the call API: require(...).snapshot(), the preload's global, a name
//     cleaned for a file name, the paths returned; a directory that holds
//     the names already is refused, file by file, the files untouched;
//   - failures: an unwritable MEMSNAP_DIR (under a regular file) gives one
//     clear line per snapshot, the program goes on and exits 0, and calls
//     return null; an unknown MEMSNAP_SIGNAL is named and calls still work;
//     a signal other than SIGUSR2 (SIGHUP) works;
//   - the Node 20 workaround works: with a large script loaded, a snapshot
//     through the capture is several times faster than with
//     MEMSNAP_LINE_TABLES=0 (measured on a 3.6 MB generated script);
//   - README: the commands of the walkthrough run as written (in a scratch
//     directory holding tools/ and examples/, memsnap on PATH, the server's
//     pid put for the one shown); the leaks output lists Session and
//     UserProfile of leaky-server.js, 500 each as the driver made, and
//     `why --class Session` shows the path README shows; README's fix,
//     applied to a copy of the example, makes both disappear from `leaks`.
import { spawn } from 'node:child_process';
import {
  existsSync, mkdirSync, readdirSync, statSync, writeFileSync, symlinkSync, copyFileSync,
} from 'node:fs';
import { join, dirname } from 'node:path';
import { memsnap, memsnapJson, scratch, run, snapshotHeader, schemaValidator, SOURCE, MEMSNAP, assert, readFileSync } from './lib.mjs';

const CAPTURE = join(SOURCE, 'tools', 'node', 'memsnap-capture.js');
const PHASES = join(SOURCE, 'tests', 'fixtures', 'node-capture', 'phases.js');
const work = scratch('node-capture');
const validLeaks = schemaValidator('leaks');
const validInfo = schemaValidator('info');
const NAMES = ['1-baseline.heapsnapshot', '2-target.heapsnapshot', '3-final.heapsnapshot'];
const WROTE = /^memsnap-capture: wrote (.+) \((\d+\.\d) MiB in (\d+\.\d\d) s\)$/;

// Children still running when the test ends (it failed) are killed.
const children = [];
process.on('exit', () => children.forEach((c) => {
  if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}));

/** A child process whose output lines can be awaited. */
function start(cmd, args, opts) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.push(child);
  const p = { child, out: [], err: [], waiters: [] };
  const feed = (name) => {
    let buf = '';
    child[name].setEncoding('utf8');
    child[name].on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        p[name === 'stdout' ? 'out' : 'err'].push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      p.waiters = p.waiters.filter((w) => !w());
    });
  };
  feed('stdout');
  feed('stderr');
  p.exit = new Promise((resolve) => child.on('close', (code, signal) => {
    p.waiters.forEach((w) => w());
    resolve({ code, signal });
  }));
  /** Resolves with the match of the n-th line (0-based) of stream matching re. */
  p.line = (stream, re, n = 0, seconds = 120) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re} on ${stream}:\n` +
      `stdout: ${p.out.join('\n')}\nstderr: ${p.err.join('\n')}`)), seconds * 1000);
    const check = () => {
      const hits = p[stream].map((l) => l.match(re)).filter(Boolean);
      if (hits.length > n) {
        clearTimeout(timer);
        resolve(hits[n]);
        return true;
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        clearTimeout(timer);
        reject(new Error(`exited (${child.exitCode ?? child.signalCode}) before ${re} on ${stream}:\n` +
          `stdout: ${p.out.join('\n')}\nstderr: ${p.err.join('\n')}`));
        return true;
      }
      return false;
    };
    if (!check()) p.waiters.push(check);
  });
  return p;
}

const nodeEnv = (extra) => {
  const env = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  return env;
};

/** The complete snapshots in dir: memsnap info reads each, nothing else is there. */
function checkFiles(dir, names) {
  assert.deepEqual(readdirSync(dir).sort(), [...names].sort(), `only the snapshots in ${dir}, no temporary file`);
  for (const name of names) {
    const file = join(dir, name);
    const info = memsnapJson('info', '--json', file);
    validInfo(info, `info ${name}`);
    assert.equal(info.input_bytes, statSync(file).size, `${name}: memsnap read all of it`);
    assert.equal(info.node_count, snapshotHeader(file).node_count, `${name}: every node of the header`);
  }
}

/** leaks --json over three snapshots; the Order row (or undefined). */
function leakedOrders(files) {
  const doc = memsnapJson('leaks', '--json', '-n', '0', ...files);
  validLeaks(doc, 'leaks --json');
  const rows = doc.classes.filter((c) => c.name === 'Order');
  assert.ok(rows.length <= 1, 'one Order class');
  return { doc, row: rows[0] };
}

// ---- signals ----------------------------------------------------------------
{
  const dir = join(work, 'signal');
  const p = start('node', ['-r', CAPTURE, PHASES, 'signal'], { env: nodeEnv({ MEMSNAP_DIR: dir }) });
  const pid = p.child.pid;
  const hello = await p.line('err', /^memsnap-capture: kill -USR2 (\d+) writes the next heap snapshot \(1-baseline\) into (.+)$/);
  assert.equal(Number(hello[1]), pid);
  assert.equal(hello[2], dir);
  const phase = async (k) => JSON.parse((await p.line('out', new RegExp(`^\\{"phase":${k},`))).input);
  const phases = [await phase(0)];
  assert.ok(!existsSync(dir), 'the directory is made when the first snapshot is written');
  for (let k = 1; k <= 3; k++) {
    process.kill(pid, 'SIGUSR2');
    const m = await p.line('err', WROTE, k - 1);
    assert.equal(m[1], join(dir, NAMES[k - 1]), `signal ${k} writes ${NAMES[k - 1]}`);
    assert.equal(m[2], (statSync(m[1]).size / 1048576).toFixed(1), 'the size printed is the file\'s');
    phases.push(await phase(k));
  }
  const { code } = await p.exit;
  assert.equal(code, 0, p.err.join('\n'));
  assert.equal(p.err.length, 4, `one line at start and one per snapshot:\n${p.err.join('\n')}`);
  checkFiles(dir, NAMES);
  const files = NAMES.map((n) => join(dir, n));
  const { doc, row } = leakedOrders(files);
  const leaked = phases[3].leaked;
  assert.ok(leaked > 0 && leaked < phases[1].live - phases[0].live, 'the program leaks some, not all, of what it made');
  assert.equal(row.count, leaked, `exactly the ${leaked} Orders kept in history`);
  assert.match(row.location.file, /phases\.js$/);
  const group = doc.groups.filter((g) => g.class === 'Order');
  assert.equal(group.length, 1);
  assert.match(group[0].signature, /--history-->/);
  // The capture's own objects are no leak: none of its functions, scopes or
  // objects, and nothing held through its state but V8's code and feedback
  // for the node:fs functions it calls (made when they get warm).
  for (const c of doc.classes) {
    assert.ok(!(c.location && /memsnap-capture\.js$/.test(c.location.file ?? '')), `capture class ${c.name} leaked`);
  }
  for (const g of doc.groups.filter((x) => /memsnap-capture/.test(x.signature))) {
    assert.equal(g.class, '(compiled code)', `a leak held by the capture: ${g.signature}`);
  }
  // compare baseline -> target: every Order made by the action is new.
  const cmp = memsnapJson('compare', '--json', '-n', '0', files[0], files[1]);
  assert.equal(cmp.match, 'id', 'the snapshots are matched by id: one process, ids kept');
  const orders = cmp.classes.filter((c) => c.name === 'Order');
  assert.equal(orders.length, 1);
  assert.equal(orders[0].added_count, phases[1].live - phases[0].live);
  assert.equal(orders[0].removed_count, 0);
}

// ---- the call API -----------------------------------------------------------
const callNames = [...NAMES, '4-after-all-..-that.heapsnapshot'];
const callDir = join(work, 'call');
{
  const r = run('node', ['-r', CAPTURE, PHASES, 'call'],
    { env: nodeEnv({ MEMSNAP_DIR: callDir, MEMSNAP_SIGNAL: 'none', MEMSNAP_CAPTURE: CAPTURE }) });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim());
  assert.deepEqual(out.paths, callNames.map((n) => join(callDir, n)), 'each call returns the path it wrote');
  const lines = r.stderr.trim().split('\n');
  assert.deepEqual(lines.map((l) => (l.match(WROTE) || [])[1]), out.paths, `a line per snapshot, nothing else:\n${r.stderr}`);
  checkFiles(callDir, callNames);
  const { row } = leakedOrders(out.paths.slice(0, 3));
  assert.equal(row.count, out.leaked);
}

// A second run into the same directory: every name exists; nothing is replaced.
{
  const before = callNames.map((n) => statSync(join(callDir, n)));
  const r = run('node', ['-r', CAPTURE, PHASES, 'call'],
    { env: nodeEnv({ MEMSNAP_DIR: callDir, MEMSNAP_SIGNAL: 'none', MEMSNAP_CAPTURE: CAPTURE }) });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()).paths, [null, null, null, null]);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 4, r.stderr);
  lines.forEach((l, i) => assert.equal(l, `memsnap-capture: snapshot ${i + 1} (${callNames[i]}) not written: ` +
    `${join(callDir, callNames[i])} exists already (an earlier run, or another process, wrote it): ` +
    'it is left as it is; use a new MEMSNAP_DIR, or "%p" in it'));
  callNames.forEach((n, i) => {
    const s = statSync(join(callDir, n));
    assert.deepEqual([s.size, s.mtimeMs, s.ino], [before[i].size, before[i].mtimeMs, before[i].ino], `${n} untouched`);
  });
  checkFiles(callDir, callNames);
}

// ---- failures ---------------------------------------------------------------
{
  // An unwritable directory (below a regular file: unwritable even as root),
  // with another signal.
  const blocker = join(work, 'blocker');
  writeFileSync(blocker, 'not a directory\n');
  const dir = join(blocker, 'snapshots');
  const p = start('node', ['-r', CAPTURE, PHASES, 'signal'],
    { env: nodeEnv({ MEMSNAP_DIR: dir, MEMSNAP_SIGNAL: 'SIGHUP' }) });
  await p.line('err', /^memsnap-capture: kill -HUP \d+ writes the next heap snapshot \(1-baseline\)/);
  await p.line('out', /^\{"phase":0,/);
  for (let k = 1; k <= 3; k++) {
    process.kill(p.child.pid, 'SIGHUP');
    const m = await p.line('err', /^memsnap-capture: snapshot (\d) \((.+)\) not written: (.+)$/, k - 1);
    assert.equal(m[1], String(k));
    assert.equal(m[2], NAMES[k - 1]);
    assert.equal(m[3], `ENOTDIR: not a directory, mkdir '${dir}' (MEMSNAP_DIR is ${dir}: set it to a writable directory)`);
    await p.line('out', new RegExp(`^\\{"phase":${k},`));
  }
  const { code } = await p.exit;
  assert.equal(code, 0, 'the program goes on and ends normally');
  assert.equal(p.err.length, 4, p.err.join('\n'));
  const r = run('node', ['-r', CAPTURE, PHASES, 'call'],
    { env: nodeEnv({ MEMSNAP_DIR: dir, MEMSNAP_SIGNAL: 'none', MEMSNAP_CAPTURE: CAPTURE }) });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()).paths, [null, null, null, null], 'calls return null');
  assert.equal(r.stderr.trim().split('\n').length, 4);
}
{
  // An unknown signal: said once; no handler; calls still work.
  const dir = join(work, 'bogus-signal');
  const r = run('node', ['-r', CAPTURE, PHASES, 'call'],
    { env: nodeEnv({ MEMSNAP_DIR: dir, MEMSNAP_SIGNAL: 'BOGUS', MEMSNAP_CAPTURE: CAPTURE }) });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines[0], "memsnap-capture: MEMSNAP_SIGNAL: 'BOGUS' is not a signal name (e.g. SIGUSR2, USR1, " +
    'SIGHUP, none); no signal handler installed (snapshot() still works)');
  assert.equal(lines.filter((l) => WROTE.test(l)).length, 4);
  checkFiles(dir, callNames);
}
{
  // Run alone, it prints its header and does nothing else.
  const r = run('node', [CAPTURE]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^memsnap-capture\.js: heap snapshots of a running Node\.js program, for memsnap\./);
  assert.match(r.stdout, /MEMSNAP_DIR/);
  assert.equal(r.stderr, '');
}

// ---- the Node 20 workaround -------------------------------------------------
{
  // A 3.6 MB script of 8,000 kept functions: without line tables, V8 rescans
  // it from the start for each function's position.
  const big = join(work, 'big.js');
  const pad = '/* ' + 'x'.repeat(440) + ' */';
  const fns = Array.from({ length: 8000 }, (_, i) => `function f${i}(a) { ${pad} return a + ${i}; }`);
  writeFileSync(big, `'use strict';\n${fns.join('\n')}\nmodule.exports = [${fns.map((_, i) => `f${i}`).join(',')}];\n`);
  const prog = join(work, 'timed.js');
  writeFileSync(prog, `globalThis.big = require(${JSON.stringify(big)});
const t0 = process.hrtime.bigint();
const file = require(${JSON.stringify(CAPTURE)}).snapshot();
console.log(JSON.stringify({ file, seconds: Number(process.hrtime.bigint() - t0) / 1e9 }));
`);
  const timed = (tables) => {
    const dir = join(work, `timed-${tables}`);
    const r = run('node', [prog], { env: nodeEnv({ MEMSNAP_DIR: dir, MEMSNAP_SIGNAL: 'none', MEMSNAP_LINE_TABLES: tables }) });
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout);
    assert.equal(m.file, join(dir, NAMES[0]));
    return m.seconds;
  };
  const fast = timed('1'), slow = timed('0');
  console.log(`snapshot with a 3.6 MB script: ${fast.toFixed(2)} s with line tables, ${slow.toFixed(2)} s without`);
  assert.ok(slow > 3 * fast, `the line tables make the snapshot faster: ${fast.toFixed(2)} s with, ${slow.toFixed(2)} s without`);
}

// ---- README: "Find a leak in five minutes" ----------------------------------
const readme = readFileSync(join(SOURCE, 'README.md'), 'utf8');
const start5 = readme.indexOf('### Find a leak in five minutes');
assert.ok(start5 >= 0, 'README has the walkthrough');
const section = readme.slice(start5, readme.slice(start5 + 4).search(/\n##+ /) + start5 + 4);
const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
const commands = blocks.filter((b) => b.lang !== 'diff')
  .flatMap((b) => b.text.split('\n').filter((l) => l.startsWith('$ ')).map((l) => l.slice(2)));
const readmePid = section.match(/\(pid (\d+)\)/)[1];
const isServer = (c) => /leaky-server\.js/.test(c) && !/--drive/.test(c);
assert.deepEqual(commands.map((c) => (isServer(c) ? 'server' : c.split(/\s+/).slice(0, 2).join(' '))),
  ['server', 'kill -USR2', 'node examples/leaky-server.js', 'kill -USR2', 'node examples/leaky-server.js', 'kill -USR2',
    'memsnap leaks', 'memsnap why'], `the walkthrough's commands: ${commands.join('\n')}`);
const logins = Number(commands.find((c) => /--drive login/.test(c)).match(/--drive login (\d+)/)[1]);
const diff = blocks.find((b) => b.lang === 'diff');
assert.ok(diff, 'README shows the fix as a diff');

/** Runs the walkthrough's commands in dir (tools/ and examples/ in it); returns the outputs of the others. */
async function walkthrough(dir, fixed = false) {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(MEMSNAP, join(bin, 'memsnap'));
  const env = nodeEnv({ PATH: `${bin}:${process.env.PATH}` });
  const server = start('bash', ['-c', commands.find(isServer)], { cwd: dir, env: { ...env, PORT: '0' } });
  const ready = await server.line('out', /^leaky-server: listening on http:\/\/127\.0\.0\.1:(\d+)\/ \(pid (\d+)\)$/);
  const port = ready[1], pid = ready[2];
  const outputs = [];
  let kills = 0;
  for (const c of commands.filter((x) => !isServer(x))) {
    const cmd = c.replace(new RegExp(`\\b${readmePid}\\b`, 'g'), pid);
    const r = run('bash', ['-c', cmd], { cwd: dir, env: { ...env, PORT: port } });
    if (fixed && c.startsWith('memsnap why')) {
      // No Session is alive in the final snapshot any more.
      assert.equal(r.status, 3, `${cmd}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /: no class named "Session"$/m);
    } else {
      assert.equal(r.status, 0, `${cmd}: ${r.stderr}`);
    }
    if (c.startsWith('kill -USR2')) {
      const m = await server.line('err', WROTE, kills);
      assert.equal(m[1], join(dir, `memsnap-snapshots-${pid}`, NAMES[kills]));
      kills++;
    }
    outputs.push({ cmd, stdout: r.stdout });
  }
  process.kill(Number(pid), 'SIGTERM');
  await server.exit;
  return { pid, outputs, files: NAMES.map((n) => join(dir, `memsnap-snapshots-${pid}`, n)) };
}

const norm = (line) => line.replace(/\d+(\.\d+)?/g, '#').replace(/\s+/g, ' ').trim();
const prepare = (name, example) => {
  const dir = join(work, name);
  mkdirSync(join(dir, 'examples'), { recursive: true });
  symlinkSync(join(SOURCE, 'tools'), join(dir, 'tools'));
  writeFileSync(join(dir, 'examples', 'leaky-server.js'), example);
  return dir;
};
{
  const example = readFileSync(join(SOURCE, 'examples', 'leaky-server.js'), 'utf8');
  const { outputs, files } = await walkthrough(prepare('readme', example));
  const leaksText = outputs.find((o) => o.cmd.startsWith('memsnap leaks')).stdout;
  for (const cls of ['Session', 'UserProfile']) {
    assert.match(leaksText, new RegExp(`^ +${logins} +\\S+ \\S+ +\\S+ \\S+  ${cls}  leaky-server\\.js:\\d+:\\d+$`, 'm'),
      `leaks lists ${logins} ${cls}:\n${leaksText}`);
  }
  const doc = memsnapJson('leaks', '--json', '-n', '0', ...files);
  for (const cls of ['Session', 'UserProfile']) {
    assert.equal(doc.classes.find((c) => c.name === cls)?.count, logins, `${cls}: one per login`);
  }
  // What README shows of the program's hops is what memsnap prints.
  const whyText = outputs.find((o) => o.cmd.startsWith('memsnap why')).stdout;
  assert.match(whyText, new RegExp(`: ${logins} instances of Session, in 1 group by retention path`));
  const whyBlock = blocks.find((b) => /^\$ memsnap why/m.test(b.text)).text;
  const shown = whyBlock.split('\n').filter((l) => /leaky-server\.js|instances/.test(l) && !l.startsWith('$'));
  assert.ok(shown.length >= 4, 'README shows the path');
  const actual = new Set(whyText.split('\n').map(norm));
  for (const l of shown) assert.ok(actual.has(norm(l)), `README's line is what memsnap prints:\n${l}\nin:\n${whyText}`);
  const leaksBlock = blocks.find((b) => /^\$ memsnap leaks/m.test(b.text)).text;
  const actualLeaks = new Set(leaksText.split('\n').map(norm));
  for (const l of leaksBlock.split('\n').filter((x) => /leaky-server\.js/.test(x))) {
    assert.ok(actualLeaks.has(norm(l)), `README's line is what memsnap prints:\n${l}\nin:\n${leaksText}`);
  }

  // README's fix, applied to a copy: neither class leaks any more.
  let fixed = example;
  for (const hunk of diff.text.split(/^@@.*\n/m).filter((h) => h.trim())) {
    const lines = hunk.replace(/\n$/, '').split('\n');
    const from = lines.filter((l) => !l.startsWith('+')).map((l) => l.slice(1)).join('\n');
    const to = lines.filter((l) => !l.startsWith('-')).map((l) => l.slice(1)).join('\n');
    assert.equal(fixed.split(from).length, 2, `the fix's context is in the example once:\n${from}`);
    fixed = fixed.replace(from, to);
  }
  assert.notEqual(fixed, example);
  const after = await walkthrough(prepare('readme-fixed', fixed), true);
  const doc2 = memsnapJson('leaks', '--json', '-n', '0', ...after.files);
  for (const cls of ['Session', 'UserProfile']) {
    assert.equal(doc2.classes.find((c) => c.name === cls), undefined, `${cls} does not leak after the fix`);
  }
}
console.log('node-capture: ok');
