// memlab-load.js: memlab's full load of a snapshot (parse, then its own
// indexes, dominators and retained sizes), for the benchmark.
// usage: node memlab-load.js SNAPSHOT NODE_MODULES_DIR
'use strict';
const path = require('path');
const { getFullHeapFromFile } = require(path.join(process.argv[3], '@memlab', 'heap-analysis'));

(async () => {
  const heap = await getFullHeapFromFile(process.argv[2]);
  process.stdout.write(JSON.stringify({ nodes: heap.nodes.length }) + '\n');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
