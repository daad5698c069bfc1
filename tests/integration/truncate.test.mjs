// truncate.test.mjs: a real snapshot cut at 64 points, and with bytes flipped
// at 64 points: memsnap never crashes or hangs; a cut file always exits 3
// with a message naming the file and the byte offset; a flipped one either
// exits 3 the same way or (when the flip leaves valid JSON) exits 0.  Every
// run writes with -o: a failed one must leave no file (nor a temporary one).
import { writeFileSync, statSync, readFileSync, existsSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { memsnap, snapshot, scratch, assert } from './lib.mjs';

const src = snapshot('weakmaps-closures');
const size = statSync(src).size;
const data = readFileSync(src);
const dir = scratch('truncate');
const file = join(dir, 'cut.heapsnapshot');
const out = join(dir, 'out.txt');

function check(r, what, allowOk) {
  assert.equal(r.signal, null, `${what}: killed by ${r.signal}\n${r.stderr}`);
  if (allowOk && r.status === 0) return 'ok';
  assert.equal(r.status, 3, `${what}: exit ${r.status}, expected 3\n${r.stderr}`);
  assert.match(r.stderr, /^memsnap: .*cut\.heapsnapshot: /m, `${what}: message must name the file`);
  assert.match(r.stderr, /^memsnap: .*cut\.heapsnapshot: offset \d+: \S/, `${what}: message must give the byte offset`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`);
  assert.equal(r.stdout, '', `${what}: no partial output`);
  assert.ok(!existsSync(out), `${what}: no output file`);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp.')), [], `${what}: no temporary file`);
  return 'error';
}

for (let k = 0; k < 64; k++) {
  const cut = Math.floor((size * k) / 64) + (k % 7);
  writeFileSync(file, data.subarray(0, cut));
  check(memsnap('info', '-o', out, file), `cut at ${cut} of ${size}`, false);
}
let ok = 0;
for (let k = 0; k < 64; k++) {
  const copy = Buffer.from(data);
  const at = Math.floor((size * k) / 64) + 13;
  copy[at] ^= [0x01, 0x10, 0x20, 0x7f, 0xff][k % 5];
  writeFileSync(file, copy);
  if (check(memsnap('summary', '-o', out, file), `byte ${at} flipped`, true) === 'ok') {
    assert.match(readFileSync(out, 'utf8'), /objects in \d+ classes/, `byte ${at} flipped: a whole summary`);
    rmSync(out);
    ok++;
  }
}
console.log(`ok: 64 truncations exit 3; 64 flips: ${64 - ok} rejected, ${ok} still valid`);
