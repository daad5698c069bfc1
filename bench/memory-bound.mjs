// memory-bound.mjs: peak memory per byte of input on the inputs that cost
// the most memory per byte (docs/robustness.md, "Memory").  Measures, never
// asserts.
//
//   node bench/memory-bound.mjs MEMSNAP [MB]        (default 32 MB per file)
//
// Each file packs one kind of record as densely as JSON allows: nodes with
// 5 fields of one digit, edges of one digit, distinct short strings,
// duplicate empty strings, locations, and the same nodes without header
// counts (arrays grow as they go).  For each, `memsnap info` (import only)
// and `memsnap summary` (import and every analysis the summary needs) run
// under a python3 wrapper that reads the child's peak RSS with getrusage.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const memsnap = process.argv[2];
const mb = Number(process.argv[3] || 32);
if (!memsnap) throw new Error('usage: node bench/memory-bound.mjs MEMSNAP [MB]');
const target = mb << 20;
const dir = mkdtempSync(join(tmpdir(), 'memsnap-membound-'));

const META5 = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
  node_types: [['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native',
    'synthetic'], 'string', 'number', 'number', 'number'],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'],
    'string_or_number', 'node'],
  location_fields: ['object_index', 'script_id', 'line', 'column'],
};

function repeatJoin(piece, n) {
  return Array(n).fill(piece).join(',');
}

function snapshotText({ nodes, edges = '', strings = '""', locations = '', counts = null }) {
  const h = { meta: META5 };
  if (counts) Object.assign(h, { node_count: counts[0], edge_count: counts[1] });
  return `{"snapshot":${JSON.stringify(h)},"nodes":[${nodes}],"edges":[${edges}],` +
    `"locations":[${locations}],"strings":[${strings}]}`;
}

const files = {};
{
  // nodes: "3,0,1,1,0" = 10 bytes per node
  const n = Math.floor(target / 10);
  files.nodes = snapshotText({ nodes: repeatJoin('3,0,1,1,0', n), counts: [n, 0] });
  files['nodes, no header counts'] = snapshotText({ nodes: repeatJoin('3,0,1,1,0', n) });
}
{
  // edges: 2 nodes, all edges "1,0,0" (element 0 -> node 0) = 6 bytes per edge
  const e = Math.floor(target / 6);
  files.edges = snapshotText({ nodes: `3,0,1,1,${e},3,0,3,1,0`, edges: repeatJoin('1,0,0', e), counts: [2, e] });
}
{
  // distinct strings of 1-4 characters: about 6 bytes each
  const parts = [];
  let bytes = 0;
  for (let i = 0; bytes < target; i++) {
    const s = JSON.stringify(i.toString(36));
    parts.push(s);
    bytes += s.length + 1;
  }
  files['distinct strings'] = snapshotText({ nodes: '9,0,1,0,0', strings: '"",' + parts.join(','), counts: [1, 0] });
  files['duplicate strings'] = snapshotText({ nodes: '9,0,1,0,0', strings: repeatJoin('""', Math.floor(target / 3)), counts: [1, 0] });
}
{
  // locations: "0,1,2,3" = 8 bytes each, on one node, distinct positions
  const parts = [];
  let bytes = 0;
  for (let i = 0; bytes < target; i++) {
    const s = `0,${i % 997},${i},${i % 89}`;
    parts.push(s);
    bytes += s.length + 1;
  }
  files.locations = snapshotText({ nodes: '9,0,1,0,0', locations: parts.join(','), counts: [1, 0] });
}

function peak(args) {
  const r = spawnSync('python3', ['-c', `
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode, r.stderr.strip()[:200])
`, memsnap, ...args], { encoding: 'utf8' });
  const [kib, status, ...msg] = r.stdout.trim().split(' ');
  return { bytes: Number(kib) * 1024, status: Number(status), msg: msg.join(' ') };
}

console.log('| input | file | info: peak RSS | x file | summary: peak RSS | x file |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [name, text] of Object.entries(files)) {
  const f = join(dir, 'f.heapsnapshot');
  writeFileSync(f, text);
  const size = statSync(f).size;
  const a = peak(['info', f]);
  const b = peak(['summary', '-n', '1', f]);
  for (const x of [a, b]) if (x.status !== 0) console.error(`${name}: exit ${x.status}: ${x.msg}`);
  const m = (v) => `${(v / 1048576).toFixed(0)} MiB`;
  console.log(`| ${name} | ${m(size)} | ${m(a.bytes)} | ${(a.bytes / size).toFixed(2)} | ${m(b.bytes)} | ${(b.bytes / size).toFixed(2)} |`);
}
rmSync(dir, { recursive: true, force: true });
