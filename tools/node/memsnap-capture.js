/*
memsnap-capture.js: heap snapshots of a running Node.js program, for memsnap.

One file, Node.js standard library only (tested with Node.js 20); copy it
anywhere. Load it before the program:

    node -r /path/to/memsnap-capture.js app.js [args...]
    NODE_OPTIONS="-r /path/to/memsnap-capture.js" npm start

then send the signal (it prints the command when it loads):

    kill -USR2 PID      # each signal writes the next snapshot

The snapshots are numbered in the order they are written and named
1-baseline, 2-target, 3-final, then 4-snapshot, 5-snapshot...:

    DIR/1-baseline.heapsnapshot     before the action under test
    DIR/2-target.heapsnapshot       after it
    DIR/3-final.heapsnapshot        after undoing it

    memsnap leaks DIR/1-baseline.heapsnapshot DIR/2-target.heapsnapshot \
        DIR/3-final.heapsnapshot
    memsnap compare DIR/1-baseline.heapsnapshot DIR/2-target.heapsnapshot

From the program (same numbering; a name is optional):

    require('/path/to/memsnap-capture.js').snapshot('after-login')
    globalThis.memsnapSnapshot?.('after-login')  // only when loaded with -r

Both write DIR/N-after-login.heapsnapshot and return its path, or null
when it could not be written (the reason is on stderr). The global is
defined only when the file is preloaded (-r, --require, --import), so a
program can leave the call in and run without the preload.

Environment:

    MEMSNAP_DIR          where to write; created when the first snapshot is
                         written; "%p" is replaced by the process id
                         (default: ./memsnap-snapshots-PID, in the directory
                         the program started in)
    MEMSNAP_SIGNAL       the signal: SIGUSR2 (default), USR1, SIGHUP...;
                         "none": no signal, calls only
    MEMSNAP_LABELS       names of the first snapshots, comma-separated
                         (default: baseline,target,final)
    MEMSNAP_GC=0         no garbage collection before each snapshot
    MEMSNAP_LINE_TABLES=0  no script line tables before the first snapshot
                         (the Node 20 workaround below)

Each snapshot:

1. collects garbage (a full collection): global.gc() when the
   program runs with --expose-gc, otherwise the same function obtained
   with v8.setFlagsFromString('--expose-gc') and a fresh vm context (the
   flag is switched off again at once, so contexts the program makes later
   have no `gc`). V8 also collects before it writes a snapshot: garbage
   would not show as a leak without this step either; it is kept so that
   what is written does not depend on that;
2. before the first snapshot only, builds every loaded script's line
   table (the Node 20 trap): V8 (Node 20) finds each function's and each
   object's source position by rescanning its script from the start when
   the script has no line table, which makes a snapshot take minutes
   instead of seconds when a large script is loaded (measured with
   TypeScript's 9 MB typescript.js and a parsed lib.es5.d.ts: 66 s instead
   of 1.4 s; docs/capture-node.md). Enabling the debugger in an
   inspector session of this process builds the table of every script (V8
   reports each script's last line); the session is closed at once. It is
   not done again for later snapshots: closing an inspector session resets
   V8's object ids, and a snapshot written before the reset cannot be
   compared with one written after it; and a session left open slows every
   console call and keeps what was logged. So a large script loaded after
   the first snapshot has no line table: take the first snapshot once the
   program has loaded its code (as a baseline should be anyway);
3. writes the snapshot (v8.writeHeapSnapshot) to a temporary file in DIR,
   ".N-LABEL.heapsnapshot.PID.tmp", and renames it into place only when it
   is complete: a file named N-LABEL.heapsnapshot is always whole;
4. prints one line on stderr:

    memsnap-capture: wrote DIR/1-baseline.heapsnapshot (13.1 MiB in 0.84 s)

Writing a snapshot pauses the program (it is synchronous) and needs memory
of its own, up to a few times the heap. A signal is handled when the
program returns to the event loop. An existing file is never replaced:
reuse of a directory is refused with a message (use a new MEMSNAP_DIR or
"%p" in it). A failure never stops the program: it is reported on stderr,
the snapshot's number is used up (so the names still say which signal wrote
what), and the program goes on. A worker thread (where Node.js
loads the preload too) has no signal handler and numbers its own
snapshots: snapshot() there writes the worker's heap as
N-LABEL-workerT.heapsnapshot (T: its threadId).

Run alone (node memsnap-capture.js) it prints this text.
*/
'use strict';

const STATE_KEY = Symbol.for('memsnap-capture.state');
const DEFAULT_LABELS = ['baseline', 'target', 'final'];
const EXTRA_LABEL = 'snapshot';

// One line on stderr.  fs.writeSync on fd 2 is synchronous and cannot
// leave an 'error' event behind (process.stderr.write on a closed pipe
// could, and an unhandled one would end the program).
function say(fs, text) {
  const line = `memsnap-capture: ${text}\n`;
  try {
    fs.writeSync(2, line);
  } catch (e) {
    try {
      if (e && e.code === 'EAGAIN') process.stderr.write(line);
    } catch (ignored) { /* nowhere left to say it */ }
  }
}

// A label as a file name part: letters, digits, '.', '_' and '-'.
function cleanLabel(label) {
  let text = '';
  try {
    text = String(label);
  } catch (ignored) { /* a value without a string: the default name */ }
  const s = text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').slice(0, 64);
  return s || EXTRA_LABEL;
}

function parseSignal(os, value) {
  const v = (value === undefined ? '' : String(value)).trim();
  if (v === '') return { signal: 'SIGUSR2' };
  if (/^(none|off|0)$/i.test(v)) return { signal: null };
  const name = /^SIG/i.test(v) ? v.toUpperCase() : `SIG${v.toUpperCase()}`;
  if (!Object.prototype.hasOwnProperty.call(os.constants.signals, name)) {
    return { error: `MEMSNAP_SIGNAL: '${v}' is not a signal name (e.g. SIGUSR2, USR1, SIGHUP, none)` };
  }
  if (name === 'SIGKILL' || name === 'SIGSTOP') {
    return { error: `MEMSNAP_SIGNAL: ${name} cannot be caught: choose another (e.g. SIGUSR2)` };
  }
  return { signal: name };
}

function formatMiB(bytes) {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

// The state is kept on the global object, so that two copies of this file
// (one preloaded, one required by the program from another path) share
// one numbering and one signal handler.
function createState(deps) {
  const { path } = deps;
  const env = process.env;
  const pid = process.pid;
  const dirSetting = env.MEMSNAP_DIR && env.MEMSNAP_DIR.trim() !== ''
    ? env.MEMSNAP_DIR : `memsnap-snapshots-${pid}`;
  const labels = (env.MEMSNAP_LABELS || '').split(',').map((s) => s.trim()).filter(Boolean).map(cleanLabel);
  let threadId = 0;
  try {
    threadId = require('node:worker_threads').threadId;
  } catch (ignored) { /* no worker_threads: the main thread */ }
  return {
    dir: path.resolve(dirSetting.replace(/%p/g, String(pid))),
    labels: labels.length ? labels : DEFAULT_LABELS.slice(),
    gcEnabled: env.MEMSNAP_GC !== '0',
    lineTablesEnabled: env.MEMSNAP_LINE_TABLES !== '0',
    threadId,
    count: 0,
    gcUnavailable: false,
    lineTablesDone: false,
    warm: false,
    signal: null,
    deps,
  };
}

// A full collection.  global.gc when the program exposes it; else the
// same function from a fresh context made with --expose-gc set for a
// moment.  The context is not kept: its function is fetched for each
// snapshot and dropped, so the snapshots do not carry a second global
// object.  Returns false when no collection was possible.
function collectGarbage(state) {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    return true;
  }
  if (state.gcUnavailable) return false;
  const { v8, vm } = state.deps;
  let gc = null;
  try {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc');
  } catch (e) {
    gc = null;
  } finally {
    try {
      v8.setFlagsFromString('--no-expose-gc');
    } catch (ignored) { /* the flag stays on; harmless */ }
  }
  if (typeof gc !== 'function') {
    state.gcUnavailable = true;
    say(state.deps.fs, 'note: cannot collect garbage before snapshots (no gc function); V8 still collects as it writes');
    return false;
  }
  gc();
  return true;
}

// Node 20's trap (see the header): give every loaded script its line
// table before V8 asks for thousands of positions in it.  Enabling the
// debugger reports every script with its last line and column, which makes
// V8 build the script's line table.  Done once, before the first snapshot,
// in a session closed at once, because:
//   - closing an inspector session clears V8's heap object ids (the heap
//     profiler agent's disable() calls ClearObjectIds): a snapshot cannot
//     be matched by id with one written before the close, so no session
//     may close between two snapshots;
//   - a session left open costs the program: while one is connected, Node
//     also hands every console call to V8's inspector, which formats and
//     keeps the last messages with their arguments (console.log took 2.4
//     times as long here, and the objects logged would stay reachable).
function buildLineTables(state) {
  state.lineTablesDone = true;
  let session = null;
  try {
    const inspector = require('node:inspector');
    session = new inspector.Session();
    session.connect();
    let failure = null;
    session.post('Debugger.enable', (err) => { if (err) failure = err; });
    session.post('Debugger.disable', () => {});
    if (failure) throw failure;
    return true;
  } catch (e) {
    say(state.deps.fs, `note: could not build the scripts' line tables (${e && e.message}); ` +
      'on Node 20 snapshots of programs with large scripts may take minutes');
    return false;
  } finally {
    if (session) {
      try {
        session.disconnect();
      } catch (ignored) { /* already closed */ }
    }
  }
}

// The steps that follow the write, run once before the first snapshot
// with an empty file: code that first runs after a snapshot is compiled
// then, and would be new in the next one (a few dozen objects of node:fs
// code in every leaks report, held through this file).
function warmUp(state, temp) {
  const { fs } = state.deps;
  fs.writeFileSync(temp, '');
  fs.renameSync(temp, temp);
  const seconds = Number(process.hrtime.bigint() - process.hrtime.bigint()) / 1e9;
  `${formatMiB(fs.statSync(temp).size)} ${seconds.toFixed(2)}`.trim();
  fs.unlinkSync(temp);
  state.warm = true;
}

// Writes the next snapshot; returns its path, or null after saying why on
// stderr.  Never throws.
function writeSnapshot(state, requested) {
  const { fs, path, v8 } = state.deps;
  state.count += 1;
  const n = state.count;
  let label = requested === undefined || requested === null || requested === ''
    ? (state.labels[n - 1] || EXTRA_LABEL) : cleanLabel(requested);
  if (state.threadId !== 0) label += `-worker${state.threadId}`;
  const name = `${n}-${label}.heapsnapshot`;
  const file = path.join(state.dir, name);
  const temp = path.join(state.dir, `.${name}.${process.pid}.tmp`);
  let tempMade = false;
  const t0 = process.hrtime.bigint();
  try {
    fs.mkdirSync(state.dir, { recursive: true });
    if (fs.existsSync(file)) {
      throw Object.assign(new Error(`${file} exists already (an earlier run, or another process, ` +
        'wrote it): it is left as it is; use a new MEMSNAP_DIR, or "%p" in it'), { code: 'EEXIST' });
    }
    tempMade = true;
    if (!state.warm) warmUp(state, temp);
    if (state.gcEnabled) collectGarbage(state);
    if (state.lineTablesEnabled && !state.lineTablesDone) buildLineTables(state);
    v8.writeHeapSnapshot(temp);
    fs.renameSync(temp, file);
    tempMade = false;
    const size = fs.statSync(file).size;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    say(fs, `wrote ${file} (${formatMiB(size)} in ${seconds.toFixed(2)} s)`);
    return file;
  } catch (e) {
    if (tempMade) {
      try {
        fs.unlinkSync(temp);
      } catch (ignored) { /* never created */ }
    }
    const why = e && e.message ? e.message : String(e);
    const code = e && e.code;
    let hint = '';
    if (['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOENT', 'EISDIR'].includes(code)) {
      hint = ` (MEMSNAP_DIR is ${state.dir}: set it to a writable directory)`;
    } else if (code === 'ENOSPC' || code === 'EDQUOT') {
      hint = ` (the disk holding ${state.dir} is full)`;
    }
    say(fs, `snapshot ${n} (${name}) not written: ${why}${hint}`);
    return null;
  }
}

function installSignal(state) {
  const { fs, os } = state.deps;
  const parsed = parseSignal(os, process.env.MEMSNAP_SIGNAL);
  if (parsed.error) {
    say(fs, `${parsed.error}; no signal handler installed (snapshot() still works)`);
    return;
  }
  if (!parsed.signal) return;
  try {
    process.on(parsed.signal, () => {
      writeSnapshot(state);
    });
  } catch (e) {
    say(fs, `cannot handle ${parsed.signal} (${e.message}); no signal handler installed (snapshot() still works)`);
    return;
  }
  state.signal = parsed.signal;
  const next = `${state.count + 1}-${state.labels[state.count] || EXTRA_LABEL}`;
  say(fs, `kill -${parsed.signal.slice(3)} ${process.pid} writes the next heap snapshot (${next}) into ${state.dir}`);
}

function printHelp(fs) {
  const source = fs.readFileSync(__filename, 'utf8');
  const start = source.indexOf('/*') + 2;
  const end = source.indexOf('*/', start);
  process.stdout.write(source.slice(start, end).replace(/^\n/, ''));
}

function setUp() {
  const fs = require('node:fs');
  if (require.main === module) {
    printHelp(fs);
    return { snapshot: () => null };
  }
  const deps = {
    fs,
    path: require('node:path'),
    os: require('node:os'),
    v8: require('node:v8'),
    vm: require('node:vm'),
  };
  let state = globalThis[STATE_KEY];
  const first = !state;
  if (first) {
    state = createState(deps);
    Object.defineProperty(globalThis, STATE_KEY, { value: state, configurable: true });
  }
  const snapshot = (label) => writeSnapshot(state, label);
  let isMainThread = true;
  try {
    isMainThread = require('node:worker_threads').isMainThread;
  } catch (ignored) { /* no worker_threads: the main thread */ }
  // Preloaded (-r, --require, --import): no main module yet.
  const preloaded = require.main === undefined;
  if (first && isMainThread) installSignal(state);
  if (preloaded && typeof globalThis.memsnapSnapshot !== 'function') {
    Object.defineProperty(globalThis, 'memsnapSnapshot', {
      value: snapshot, writable: true, configurable: true, enumerable: false,
    });
  }
  return {
    snapshot,
    get dir() { return state.dir; },
    get count() { return state.count; },
  };
}

let api;
try {
  api = setUp();
} catch (e) {
  // Never stop the program over a capture problem.
  try {
    require('node:fs').writeSync(2, `memsnap-capture: not active: ${e && e.stack ? e.stack : e}\n`);
  } catch (ignored) { /* nowhere to say it */ }
  api = { snapshot: () => null, dir: null, count: 0 };
}
module.exports = api;
