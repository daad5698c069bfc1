// leaky-app.js: a tiny "service" with two classic Node.js leaks, for trying
// memsnap on real heap snapshots.
//
//   node examples/leaky-app.js OUTDIR [REQUESTS]
//
// Writes memlab's three snapshots into OUTDIR: baseline.heapsnapshot after
// a warm-up, target.heapsnapshot after REQUESTS requests (default 2000),
// final.heapsnapshot after every one of them was closed again, which
// should have freed what they allocated.  It does not:
//   - leak 1: every request's Session goes into a module-level cache Map
//     that closing the request never evicts;
//   - leak 2: every request adds a listener to a shared event bus, and the
//     listener's closure keeps the request's RequestContext alive; closing
//     the request never removes it.
// Each request also makes temporary garbage that is freed before the
// snapshots are written.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');
const { EventEmitter } = require('node:events');

class Session {
  constructor(id) {
    this.id = id;
    this.user = `user-${id}`;
    this.createdAt = Date.now();
    this.history = [];
  }
}

class RequestContext {
  constructor(id, body) {
    this.id = id;
    this.body = body;
  }
}

const sessionCache = new Map(); // leak 1: grows forever
const bus = new EventEmitter(); // leak 2: listeners pile up
bus.setMaxListeners(0);
const open = new Map();

function handleRequest(id) {
  const session = new Session(id);
  sessionCache.set(`session:${id}`, session);
  const ctx = new RequestContext(id, 'x'.repeat(200) + id);
  bus.on('shutdown', () => console.log('closing', ctx.id));
  open.set(id, ctx);
  const scratch = Array.from({ length: 50 }, (_, i) => ({ i, id })); // garbage
  return scratch.length;
}

function closeRequest(id) {
  open.delete(id); // the fix would also evict the session and remove the listener
}

const [outDir, count] = process.argv.slice(2);
const requests = Number(count || 2000);
if (!outDir) {
  console.error('usage: node leaky-app.js OUTDIR [REQUESTS]');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const snap = (name) => v8.writeHeapSnapshot(path.join(outDir, `${name}.heapsnapshot`));
for (let i = 1; i <= 50; i++) { // warm-up: the code is compiled before the baseline
  handleRequest(-i);
  closeRequest(-i);
}
snap('baseline');
for (let i = 0; i < requests; i++) handleRequest(i);
snap('target');
for (let i = 0; i < requests; i++) closeRequest(i);
snap('final');
console.log(`wrote baseline, target and final snapshots of ${requests} requests into ${outDir}`);
