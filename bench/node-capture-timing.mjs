// node-capture-timing.mjs: how long v8.writeHeapSnapshot() takes with a
// large script loaded, with and without the Node 20 workaround
// (docs/snapshots.md, docs/capture-node.md).  Each measurement is a fresh
// process that loads the script, then writes one snapshot:
//
//   plain     v8.writeHeapSnapshot() as it is
//   stack     docs/snapshots.md's workaround first: one `new Error().stack`
//             made inside the large script (through a callback it calls)
//   capture   tools/node/memsnap-capture.js's snapshot() (collects garbage,
//             builds every script's line table through node:inspector,
//             writes); its time includes those steps
//   capture-no-tables  the same with MEMSNAP_LINE_TABLES=0
//
// Scripts: `generated`, a 9 MB script written here (20,000 top-level
// functions, kept alive, each with a comment that pads it), and with
// --typescript DIR (a node_modules holding typescript@5.9.3, e.g.
// bench/.cache/node_modules after bench/make-snapshots.sh) TypeScript's own
// typescript.js, alone (`typescript.js`) and with the syntax tree of its
// lib.es5.d.ts kept alive (`typescript.js+ast`: 370,000 objects whose
// constructors are in typescript.js, each a position lookup).
//
//   node bench/node-capture-timing.mjs [--runs N] [--typescript DIR] [--modes a,b] [--scripts a,b]
//
// Prints one line per script and mode: the median seconds of the write (of
// the snapshot() call for capture), the snapshot's size, and every run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const capture = resolve(here, '..', 'tools', 'node', 'memsnap-capture.js');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const runs = Number(opt('--runs', 3));
const modes = opt('--modes', 'plain,stack,capture,capture-no-tables').split(',');
const tsDir = opt('--typescript', null);
const only = opt('--scripts', null);

const work = mkdtempSync(join(tmpdir(), 'memsnap-timing-'));

// The generated script: FUNCTIONS functions padded to about 9 MB (the size
// of typescript.js), all exported, and run(cb), which calls cb from inside
// the script (the stack workaround's hook).
const FUNCTIONS = 20000;
const pad = '/* ' + 'x'.repeat(440) + ' */';
const lines = ["'use strict';"];
for (let i = 0; i < FUNCTIONS; i++) lines.push(`function f${i}(a) { ${pad} return a + ${i}; }`);
lines.push(`module.exports = { fns: [${Array.from({ length: FUNCTIONS }, (_, i) => `f${i}`).join(',')}],`);
lines.push('  run(cb) { return cb(); } };');
const generated = join(work, 'generated.js');
writeFileSync(generated, lines.join('\n') + '\n');

let scripts = [{ name: 'generated', file: generated, stack: 'lib.run(() => new Error().stack)', setup: '' }];
if (tsDir) {
  const file = join(resolve(tsDir), 'typescript', 'lib', 'typescript.js');
  if (!existsSync(file)) {
    console.error(`node-capture-timing: no ${file}`);
    process.exit(2);
  }
  const stack = 'lib.forEach([0], () => new Error().stack)';
  const es5 = join(dirname(file), 'lib.es5.d.ts');
  scripts.push({ name: 'typescript.js', file, stack, setup: '' });
  scripts.push({
    name: 'typescript.js+ast', file, stack,
    setup: `globalThis.ast = lib.createSourceFile('lib.es5.d.ts', fs.readFileSync(${JSON.stringify(es5)}, 'utf8'), ` +
      'lib.ScriptTarget.Latest, true);',
  });
}
if (only) scripts = scripts.filter((x) => only.split(',').includes(x.name));

// The measured program: load the script, keep it, write one snapshot.
const program = join(work, 'measure.js');
writeFileSync(program, `'use strict';
const v8 = require('node:v8');
const fs = require('node:fs');
const [file, mode, out, stack, setup] = process.argv.slice(2);
globalThis.lib = require(file);
eval(setup);
let t0, path;
if (mode === 'plain' || mode === 'stack') {
  if (mode === 'stack') eval(stack);
  t0 = process.hrtime.bigint();
  path = v8.writeHeapSnapshot(out);
} else {
  const capture = require(${JSON.stringify(capture)});
  t0 = process.hrtime.bigint();
  path = capture.snapshot('timing');
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ seconds, bytes: fs.statSync(path).size }));
`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
console.log(`node ${process.version}, ${runs} run(s) each`);
for (const script of scripts) {
  for (const mode of modes) {
    const times = [];
    let bytes = 0;
    for (let r = 0; r < runs; r++) {
      const dir = join(work, `${script.name}-${mode}-${r}`);
      const env = { ...process.env, MEMSNAP_DIR: dir, MEMSNAP_SIGNAL: 'none' };
      if (mode === 'capture-no-tables') env.MEMSNAP_LINE_TABLES = '0';
      const res = spawnSync(process.execPath, [program, script.file, mode, join(work, 'plain.heapsnapshot'), script.stack, script.setup],
        { encoding: 'utf8', env });
      if (res.status !== 0) {
        console.error(`${script.name} ${mode}: failed: ${res.stderr}`);
        process.exit(1);
      }
      const m = JSON.parse(res.stdout.trim().split('\n').pop());
      times.push(m.seconds);
      bytes = m.bytes;
      rmSync(dir, { recursive: true, force: true });
      rmSync(join(work, 'plain.heapsnapshot'), { force: true });
    }
    console.log(`${script.name.padEnd(18)} ${mode.padEnd(18)} ${median(times).toFixed(2).padStart(7)} s  ` +
      `${(bytes / 1048576).toFixed(1).padStart(6)} MiB   runs: ${times.map((t) => t.toFixed(2)).join(' ')}`);
  }
}
rmSync(work, { recursive: true, force: true });
