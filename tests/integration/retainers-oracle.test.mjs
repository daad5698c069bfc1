// retainers-oracle.test.mjs: among equally short retention paths, `why`
// takes the one Chrome DevTools' Memory panel shows first.  For a sample of
// nodes of real snapshots, the last hop of memsnap's path (the retainer and
// its edge) must be the first retainer DevTools' Retainers view lists under
// its default sort, computed by DevTools' own worker code
// (tests/oracle/devtools.mjs retainers).  Nodes whose first listed retainer
// is nearer than one hop (through an edge the distance BFS does not follow,
// docs/paths.md) are counted apart: memsnap keeps to the BFS's edges.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memsnap, memsnapJson, ourOracle, snapshot, scratch, node, SOURCE, assert } from './lib.mjs';

const dir = scratch('retainers-oracle');
const service = join(dir, 'c.heapsnapshot');
node(join(SOURCE, 'tests', 'fixtures', 'diff', 'service.js'), join(dir, 'a.heapsnapshot'),
  join(dir, 'b.heapsnapshot'), service, '30');

function sample(file, want) {
  const r = memsnap('nodes', file);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.split('\n').slice(1).filter(Boolean).map((l) => l.split('\t'))
    .filter((f) => { const d = Number(f[7]); return d >= 2 && d < 100000000; });
  const step = Math.max(1, Math.floor(rows.length / want));
  const ids = [];
  for (let i = 0; i < rows.length && ids.length < want; i += step) ids.push(rows[i][1]);
  return ids;
}

for (const file of [snapshot('retention'), snapshot('leaky-things'), snapshot('weakmaps-closures'), service]) {
  const ids = sample(file, 300);
  const ours = memsnapJson('why', '--json', '--full', '--paths', '0', file, ...ids.map((i) => `@${i}`));
  const theirs = ourOracle('retainers', file, ...ids);
  let same = 0, nearer = 0;
  const bad = [];
  ours.objects.forEach((o, k) => {
    const t = theirs[k];
    assert.equal(String(t.id), String(o.object.id));
    const hops = o.path.hops;
    const last = hops[hops.length - 2];
    if (t.distance < o.object.distance - 1) {
      nearer++;
      return;
    }
    const edge = last.edge.name ?? String(last.edge.index);
    if (String(last.id) === String(t.retainer_id) && edge === t.edge) same++;
    else bad.push(`@${o.object.id}: memsnap @${last.id} --${edge}-->, DevTools @${t.retainer_id} --${t.edge}-->`);
  });
  assert.deepEqual(bad.slice(0, 10), [], `${file}: ${bad.length} of ${ids.length} first retainers differ`);
  assert.ok(nearer <= ids.length / 20, `${file}: ${nearer} nodes with a retainer nearer than one hop`);
  console.log(`${file}: ${same} of ${ids.length} as DevTools, ${nearer} with a nearer retainer (BFS edges only)`);
}
