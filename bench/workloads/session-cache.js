'use strict';
// Benchmark workload for memsnap: a heap of the size and shape the dominator
// target names (10 M nodes, 45 M edges): a server's session cache.
//
// Usage: node session-cache.js SESSIONS OUT.heapsnapshot
//   SESSIONS sessions in a Map, each with two cart items; sessions share
//   50,000 users, 20,000 products and 5,000 strings, and each links to the
//   one made before it (a chain as long as the cache).
//   1,980,000 sessions give 10.0 M nodes and 44.2 M edges (Node.js 20).
// Prints one line: "sessions=N build_seconds=B.BB write_seconds=W.WW".

const v8 = require('v8');

const [countArg, outFile] = process.argv.slice(2);
if (!/^\d+$/.test(countArg || '') || !outFile) {
  process.stderr.write('usage: node session-cache.js SESSIONS OUT.heapsnapshot\n');
  process.exit(2);
}
const count = Number(countArg);

const t0 = process.hrtime.bigint();
const words = Array.from({ length: 5000 }, (_, i) => 'w' + i);
const products = Array.from({ length: 20000 },
  (_, i) => ({ sku: words[i % 5000], name: words[(i * 7) % 5000], price: i % 100 }));
const users = Array.from({ length: 50000 },
  (_, i) => ({ name: words[i % 5000], email: words[(i * 3) % 5000], role: words[i % 5] }));

class Session {
  constructor(i, prev) {
    this.id = i;
    this.user = users[i % users.length];
    this.prev = prev;
    this.lang = words[i % 40];
    this.items = [
      { product: products[i % products.length], qty: i % 7, note: words[i % 100] },
      { product: products[(i * 13) % products.length], qty: 1, note: words[i % 77] },
    ];
  }
}

const sessions = new Map();
let prev = null;
for (let i = 0; i < count; i++) {
  prev = new Session(i, prev);
  sessions.set(i, prev);
}
globalThis.__memsnapKeep = sessions;
const t1 = process.hrtime.bigint();
v8.writeHeapSnapshot(outFile);
const t2 = process.hrtime.bigint();
console.log(`sessions=${count} build_seconds=${(Number(t1 - t0) / 1e9).toFixed(2)} ` +
  `write_seconds=${(Number(t2 - t1) / 1e9).toFixed(2)}`);
