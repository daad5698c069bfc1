// random-oracle.test.mjs: memsnap's Summary equals DevTools' on random
// snapshots that stress its naming rules (DOM state, "Detached" names,
// property-set names of plain objects, odd property names, locations,
// shallow-size ownership).  Seeds are fixed so a failure can be replayed:
//   MEMSNAP_SEEDS=17 ctest -R random-oracle
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomSnapshot } from './gen-random.mjs';
import { compareSummaries } from './oracle-summary.test.mjs';
import { scratch } from './lib.mjs';

const dir = scratch('random-oracle');
const seeds = process.env.MEMSNAP_SEEDS
  ? process.env.MEMSNAP_SEEDS.split(',').map(Number)
  : Array.from({ length: 40 }, (_, i) => i + 1);
let classes = 0;
for (const seed of seeds) {
  const file = join(dir, `random-${seed}.heapsnapshot`);
  writeFileSync(file, randomSnapshot(seed, { nodes: 60 + (seed % 7) * 60 }));
  classes += compareSummaries(file);
}
console.log(`ok: ${seeds.length} random snapshots, ${classes} classes equal DevTools'`);
