// robustness.test.mjs: the command line on hostile input and its output files
// (docs/robustness.md):
//  - a 1 KB file whose header claims 2^32-1 nodes (or 2^28-1, under the
//    limit) fails at once: exit 3, "memsnap: FILE: offset N: ...", and a
//    small peak RSS (measured with getrusage by a python3 wrapper);
//  - every hostile file gets exit 3 and one line in that format;
//  - -o never leaves a partial file: not after a failure (for every command,
//    and an existing file is left as it was), not after SIGINT or SIGTERM in
//    the middle of writing a large output.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MEMSNAP, memsnap, run, scratch, snapshot, assert } from './lib.mjs';

const dir = scratch('robustness');
const META = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
  node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native',
    'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'],
  'string', 'number', 'number', 'number', 'number', 'number'],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'],
    'string_or_number', 'node'],
};
const header = (nodes, edges) => `{"snapshot":${JSON.stringify({ meta: META, node_count: nodes, edge_count: edges })}`;
// root -> Window -> Foo, as in the unit tests
const TINY = `,"nodes":[9,0,1,0,1,0,0,3,1,3,32,1,0,0,3,2,5,16,0,0,0],"edges":[5,3,7,2,4,14],` +
  `"strings":["","Window","Foo","global","x"]}`;

/** Runs memsnap under a python3 wrapper that reports the child's peak RSS (KiB). */
function withPeakRss(...args) {
  const r = run('python3', ['-c', `
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(r.stdout)
sys.stderr.write(r.stderr)
print("peak_rss_kib", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "status", r.returncode)
`, MEMSNAP, ...args]);
  assert.equal(r.status, 0, `wrapper failed: ${r.stderr}`);
  const m = r.stdout.match(/peak_rss_kib (\d+) status (-?\d+)\n$/);
  assert.ok(m, r.stdout);
  return { status: Number(m[2]), rss: Number(m[1]), stderr: r.stderr };
}

const oneLine = (file) => new RegExp(`^memsnap: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: offset \\d+: \\S.*\\n$`);

// ---- header counts that would need terabytes -----------------------------
for (const [nodes, edges, needle] of [
  [4294967295, 3, /snapshot\.node_count 4294967295 .* more than memsnap's limit of 268435455 nodes/],
  [268435455, 4294967295, /snapshot\.node_count 268435455 x 7 fields cannot fit in the \d+ bytes left/],
]) {
  const f = join(dir, `claims-${nodes}.heapsnapshot`);
  let text = header(nodes, edges) + TINY;
  text = text.replace('"strings":[', `"strings":["${'p'.repeat(1024 - text.length - 3)}",`);
  writeFileSync(f, text);
  assert.ok(statSync(f).size >= 1000 && statSync(f).size <= 1100, 'a 1 KB file');
  const r = withPeakRss('info', f);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, oneLine(f));
  assert.match(r.stderr, needle);
  assert.ok(r.rss < 64 * 1024, `peak RSS ${r.rss} KiB for a 1 KB file claiming ${nodes} nodes`);
  console.log(`ok: ${nodes} nodes claimed in 1 KB: exit 3, peak RSS ${r.rss} KiB`);
}

// ---- hostile files: exit 3, one line "memsnap: FILE: offset N: what" -------
const hostile = {
  'ends-in-u-escape': header(3, 2) + TINY.replace('"x"]}', '"x\\u00'),
  'ends-in-pair': header(3, 2) + TINY.replace('"x"]}', '"\\ud83d\\u'),
  'deep-nesting-cut': header(3, 2) + ',"samples":' + '['.repeat(200000),
  'header-nesting': '{"snapshot":{"meta":' + '['.repeat(5000) + ']'.repeat(5000) + '}}',
  'digits-400': header(3, 2) + TINY.replace('3,1,3,32', `3,1,${'7'.repeat(400)},32`),
  'nan-size': header(3, 2) + TINY.replace('3,1,3,32', '3,1,3,NaN'),
  'negative-size': header(3, 2) + TINY.replace('3,1,3,32', '3,1,3,-32'),
  'sizes-past-2^64': header(3, 2) + TINY.replace('3,1,3,32', '3,1,3,18446744073709551615').replace('5,16', '5,1'),
  'giant-key': `{"${'k'.repeat(5000)}":1}`,
  'to-node-not-a-node': header(3, 2) + TINY.replace('2,4,14', '2,4,15'),
  'empty': '',
  'nul-bytes': '\0'.repeat(1000),
};
for (const [name, text] of Object.entries(hostile)) {
  const f = join(dir, `${name}.heapsnapshot`);
  const out = join(dir, `${name}.out`);
  writeFileSync(f, text);
  const r = memsnap('summary', '-o', out, f);
  assert.equal(r.signal, null, `${name}: killed by ${r.signal}`);
  assert.equal(r.status, 3, `${name}: exit ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, oneLine(f), `${name}: message format`);
  assert.ok(!existsSync(out), `${name}: no output file`);
}
console.log(`ok: ${Object.keys(hostile).length} hostile files: exit 3, one line with file and offset`);

// ---- -o after a failure: no file, and an existing one untouched -----------
const bad = join(dir, 'ends-in-u-escape.heapsnapshot');
const good = snapshot('leaky-things');
for (const cmd of ['info', 'summary', 'top', 'dominators', 'nodes', 'why', 'cycles']) {
  const extra = cmd === 'why' ? ['@1'] : [];
  for (const json of cmd === 'nodes' ? [[]] : [[], ['--json']]) {
    const out = join(dir, `${cmd}${json.length ? '.json' : '.txt'}`);
    let r = memsnap(cmd, ...json, '-o', out, bad, ...extra);
    assert.equal(r.status, 3, `${cmd} ${json}: ${r.stderr}`);
    assert.ok(!existsSync(out), `${cmd} ${json}: no output after a failure`);
    writeFileSync(out, 'precious\n');
    r = memsnap(cmd, ...json, '-o', out, bad, ...extra);
    assert.equal(r.status, 3);
    assert.equal(readFileSync(out, 'utf8'), 'precious\n', `${cmd} ${json}: existing file kept`);
  }
}
// why fails after its output is open: an id that is not in the snapshot
{
  const out = join(dir, 'why-missing.txt');
  const r = memsnap('why', '-o', out, good, '@1', '@999999999999');
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /no object with id @999999999999/);
  assert.ok(!existsSync(out), 'why: no output when one id is missing');
}
assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp.')), [], 'no temporary files left');
// a written file gets the mode any new file gets (the temporary file is
// made 0600 by mkstemp): 0666 less the umask
for (const mask of [0o022, 0o077, 0o002]) {
  const out = join(dir, `mode-${mask.toString(8)}.txt`);
  const r = run('sh', ['-c', `umask ${mask.toString(8)} && exec "$0" "$@"`, MEMSNAP, 'info', '-o', out, good]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(statSync(out).mode & 0o777, 0o666 & ~mask, `mode with umask ${mask.toString(8)}`);
}
console.log('ok: -o leaves nothing after a failure, keeps an existing file, and gives new files the usual mode');

// ---- a signal in the middle of writing ------------------------------------
// A chain of 1.5 M objects: `memsnap nodes` writes about 90 MB, long enough
// to be interrupted once its temporary file exists.
const big = join(dir, 'chain.heapsnapshot');
{
  const N = 1500000;
  const rows = ['9,0,1,0,1,0,0'];
  for (let i = 1; i < N; i++) rows.push(`3,1,${2 * i + 1},32,${i + 1 < N ? 1 : 0},0,0`);
  const edges = ['5,2,7'];
  for (let i = 1; i + 1 < N; i++) edges.push(`2,2,${(i + 1) * 7}`);
  writeFileSync(big, header(N, N - 1) + `,"nodes":[${rows.join(',')}],"edges":[${edges.join(',')}],` +
    `"strings":["","Obj","next"]}`);
}

function interruptWhileWriting(sig, out) {
  return new Promise((resolve, reject) => {
    const child = spawn(MEMSNAP, ['nodes', '-o', out, big], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '', sent = false;
    child.stderr.on('data', (d) => { stderr += d; });
    const poll = setInterval(() => {
      const tmp = readdirSync(dir).filter((f) => f.startsWith('signal.txt.tmp.'));
      if (!sent && tmp.length && statSync(join(dir, tmp[0])).size > 0) {
        sent = true;
        child.kill(sig);
      }
    }, 1);
    child.on('error', reject);
    child.on('exit', (status, signal) => {
      clearInterval(poll);
      resolve({ status, signal, sent, stderr });
    });
  });
}

let interrupted = 0;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGINT']) {
  const out = join(dir, 'signal.txt');
  const r = await interruptWhileWriting(sig, out);
  const tmp = readdirSync(dir).filter((f) => f.includes('.tmp.'));
  assert.deepEqual(tmp, [], `${sig}: temporary file removed`);
  if (r.signal === sig) {
    // killed while writing: nothing in place
    assert.ok(!existsSync(out), `${sig}: no partial output file`);
    interrupted++;
  } else {
    // it finished first: then the file is whole
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(out, 'utf8');
    assert.equal(text.split('\n').length, 1500000 + 2, 'a complete output');
  }
}
assert.ok(interrupted >= 1, 'at least one run was interrupted in the middle of writing');
console.log(`ok: ${interrupted} of 3 runs interrupted while writing left no file`);
