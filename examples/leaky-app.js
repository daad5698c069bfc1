// leaky-app.js: a tiny "service" with two classic Node.js leaks, for trying
// memsnap on a real heap snapshot.
//
//   node examples/leaky-app.js OUT.heapsnapshot [REQUESTS]
//
// Leak 1: every request's Session is put in a module-level cache Map that is
// never evicted.  Leak 2: every request adds a listener to a shared event
// bus, and the listener's closure keeps the request's RequestContext alive.
// Each request also makes temporary garbage that is freed before the
// snapshot is written.
'use strict';
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

function handleRequest(id) {
  const session = new Session(id);
  sessionCache.set(`session:${id}`, session);
  const ctx = new RequestContext(id, 'x'.repeat(200) + id);
  bus.on('shutdown', () => console.log('closing', ctx.id));
  const scratch = Array.from({ length: 50 }, (_, i) => ({ i, id })); // garbage
  return scratch.length;
}

const out = process.argv[2];
const requests = Number(process.argv[3] || 5000);
if (!out) {
  console.error('usage: node leaky-app.js OUT.heapsnapshot [REQUESTS]');
  process.exit(2);
}
for (let i = 0; i < requests; i++) handleRequest(i);
const file = v8.writeHeapSnapshot(out);
console.log(`wrote ${file} after ${requests} requests`);
