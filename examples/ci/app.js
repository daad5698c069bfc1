// app.js: the code under test in the CI example: a request handler with a
// cache.  With BUGGY_CACHE=1 the cache never evicts: every request leaves a
// CacheEntry behind, the kind of leak the memory budget is there to catch.
'use strict';

class CacheEntry {
  constructor(key, body) {
    this.key = key;
    this.body = body;
    this.created = Date.now();
  }
}

const cache = new Map();
const LIMIT = 50;

function handleRequest(i) {
  const key = `/items/${i}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = new CacheEntry(key, JSON.stringify({ id: i, name: `item ${i}` }));
    cache.set(key, entry);
    if (process.env.BUGGY_CACHE !== '1' && cache.size > LIMIT) {
      cache.delete(cache.keys().next().value); // evict the oldest
    }
  }
  return entry.body.length;
}

module.exports = { handleRequest, cache };
