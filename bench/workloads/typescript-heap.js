'use strict';
// Benchmark workload for memsnap: builds real TypeScript type-checker state,
// keeps it alive, then writes a V8 heap snapshot of this process.
//
// Usage: node typescript-heap.js PROGRAMS OUT.heapsnapshot [NODE_MODULES_DIR [BEFORE.heapsnapshot]]
//   PROGRAMS = 0  parse lib.es5.d.ts with ts.createSourceFile and keep the AST
//   PROGRAMS = N  build N independent ts.Program objects that type-check
//                 @types/node and typescript.d.ts against the esnext.full lib
//                 (esnext + DOM), each with its own compiler options, and keep
//                 all of them alive (programs, checkers, diagnostics)
//   NODE_MODULES_DIR defaults to ../.cache/node_modules (next to this folder)
//                 and must hold typescript@5.9.3 and @types/node.
//   BEFORE        also write a snapshot once half of the programs are built
//                 (a before/after pair of one process, for `memsnap compare`)
// Prints one line: "programs=N build_seconds=B.BB write_seconds=W.WW".

const path = require('path');
const v8 = require('v8');

function usage(msg) {
  process.stderr.write(`typescript-heap.js: ${msg}\n` +
    'usage: node typescript-heap.js PROGRAMS OUT.heapsnapshot [NODE_MODULES_DIR [BEFORE.heapsnapshot]]\n');
  process.exit(2);
}

const [countArg, outFile, modulesArg, beforeFile] = process.argv.slice(2);
if (countArg === undefined || outFile === undefined) usage('missing arguments');
if (!/^\d+$/.test(countArg)) usage(`PROGRAMS must be a non-negative integer, got '${countArg}'`);
const count = Number(countArg);
const modulesDir = path.resolve(modulesArg || path.join(__dirname, '..', '.cache', 'node_modules'));

const ts = require(path.join(modulesDir, 'typescript'));
if (ts.version !== '5.9.3') usage(`expected typescript 5.9.3, found ${ts.version}`);
const tsLibDir = path.join(modulesDir, 'typescript', 'lib');
// Root files of each program: all of @types/node plus TypeScript's own API
// declarations; the esnext.full lib adds esnext, DOM and web worker types.
const rootNames = [
  path.join(modulesDir, '@types', 'node', 'index.d.ts'),
  path.join(tsLibDir, 'typescript.d.ts'),
];

// Distinct option sets, so that no two programs could share anything.
const variants = [
  { target: ts.ScriptTarget.ESNext, strict: true, module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext },
  { target: ts.ScriptTarget.ES2022, strict: false, module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10 },
  { target: ts.ScriptTarget.ES2020, strict: true, exactOptionalPropertyTypes: true,
    module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
  { target: ts.ScriptTarget.ES2017, noImplicitAny: true, strictNullChecks: false,
    module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
  { target: ts.ScriptTarget.ES2015, strict: true, noUncheckedIndexedAccess: true,
    module: ts.ModuleKind.Preserve, moduleResolution: ts.ModuleResolutionKind.Bundler },
];

// Everything built here stays reachable from this array until the snapshot.
const keep = [];
const buildStart = process.hrtime.bigint();

if (count === 0) {
  const file = path.join(tsLibDir, 'lib.es5.d.ts');
  const text = ts.sys.readFile(file);
  keep.push(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, /*setParentNodes*/ true));
} else {
  for (let i = 0; i < count; i++) {
    if (beforeFile && i === Math.floor(count / 2)) {
      ts.forEach([0], () => new Error().stack); // see below
      v8.writeHeapSnapshot(beforeFile);
    }
    const options = {
      ...variants[i % variants.length],
      lib: ['lib.esnext.full.d.ts'],
      types: [],
      noEmit: true,
      skipLibCheck: false,
    };
    const program = ts.createProgram({ rootNames, options });
    const checker = program.getTypeChecker();
    const diagnostics = [
      ...program.getGlobalDiagnostics(),
      ...program.getSemanticDiagnostics(),
    ];
    keep.push({ options, program, checker, diagnostics });
  }
}
const buildSeconds = Number(process.hrtime.bigint() - buildStart) / 1e9;
globalThis.__memsnapKeep = keep;

// Node 20 trap: without this, writeHeapSnapshot() spends minutes recomputing
// source positions of every function in typescript.js. One stack trace taken
// from inside typescript.js makes V8 build that script's line-ends table once.
ts.forEach([0], () => new Error().stack);

const writeStart = process.hrtime.bigint();
v8.writeHeapSnapshot(outFile);
const writeSeconds = Number(process.hrtime.bigint() - writeStart) / 1e9;
process.stdout.write(`programs=${count} build_seconds=${buildSeconds.toFixed(2)} ` +
  `write_seconds=${writeSeconds.toFixed(2)}\n`);
