// cli.test.mjs: the command line's contract: help, version, exit codes
// (0 ok, 2 usage, 3 bad input), messages on stderr, atomic -o output.
import { existsSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memsnap, snapshot, scratch, assert } from './lib.mjs';

const snap = snapshot('leaky-things');
const dir = scratch('cli');

let r = memsnap('--help');
assert.equal(r.status, 0);
assert.match(r.stdout, /usage: memsnap COMMAND/);
assert.match(r.stdout, /summary/);
r = memsnap('--version');
assert.equal(r.status, 0);
assert.match(r.stdout, /^memsnap \d+\.\d+\.\d+\n$/);
r = memsnap();
assert.equal(r.status, 2);
r = memsnap('frobnicate');
assert.equal(r.status, 2);
assert.match(r.stderr, /unknown command 'frobnicate'/);

for (const cmd of ['info', 'summary', 'top', 'dominators', 'nodes', 'why', 'cycles']) {
  const extra = cmd === 'why' ? ['@1'] : []; // why also takes an object id
  r = memsnap(cmd, '-h');
  assert.equal(r.status, 0, `${cmd} -h`);
  assert.match(r.stdout, new RegExp(`usage: memsnap ${cmd}`));
  r = memsnap(cmd);
  assert.equal(r.status, 2, `${cmd} without a file`);
  r = memsnap(cmd, '--no-such-option', snap, ...extra);
  assert.equal(r.status, 2, `${cmd} with a bad option`);
  r = memsnap(cmd, join(dir, 'missing.heapsnapshot'), ...extra);
  assert.equal(r.status, 3, `${cmd} on a missing file`);
  assert.match(r.stderr, /memsnap: .*missing\.heapsnapshot: cannot open: No such file/);
  r = memsnap(cmd, dir, ...extra);
  assert.equal(r.status, 3, `${cmd} on a directory`);
}
r = memsnap('summary', '-n', 'lots', snap);
assert.equal(r.status, 2);
assert.match(r.stderr, /-n needs a non-negative integer/);
r = memsnap('summary', '--sort', 'size', snap);
assert.equal(r.status, 2);
assert.match(r.stderr, /--sort takes retained, shallow or count/);
r = memsnap('top', '-n', '0', snap);
assert.equal(r.status, 2);
r = memsnap('dominators', '--min-size', '12 parsecs', snap);
assert.equal(r.status, 2);
assert.match(r.stderr, /--min-size needs a size/);
r = memsnap('dominators', '--depth', '-1', snap);
assert.equal(r.status, 2);
// Options may follow the file.
r = memsnap('top', snap, '-n', '3');
assert.equal(r.status, 0, r.stderr);
assert.match(r.stdout, /the 3 largest/);

// Not a snapshot: clear message, exit 3.
const text = join(dir, 'notes.txt');
writeFileSync(text, 'these are not the bytes you are looking for\n');
r = memsnap('info', text);
assert.equal(r.status, 3);
assert.match(r.stderr, /notes\.txt: offset 0: not a heap snapshot/);

// -o writes atomically: the file appears whole, and a failure leaves none.
const out = join(dir, 'summary.json');
r = memsnap('summary', '--json', '-o', out, snap);
assert.equal(r.status, 0, r.stderr);
assert.equal(r.stdout, '');
assert.equal(JSON.parse(readFileSync(out, 'utf8')).schema, 'memsnap.summary/1');
const failed = join(dir, 'failed.json');
r = memsnap('summary', '--json', '-o', failed, text);
assert.equal(r.status, 3);
assert.ok(!existsSync(failed), 'no output file after a failure');
assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp.')), [], 'no temporary files left');

// Text summary: a header line and the known class.
r = memsnap('summary', '-n', '5', snap);
assert.equal(r.status, 0);
assert.match(r.stdout, /objects in \d+ classes/);
assert.match(r.stdout, /LeakyThing/);
assert.match(r.stdout, /more classes \(-n 0 shows all\)/);
console.log('ok: cli');
