// devtools.mjs: Chrome DevTools' numbers for a .heapsnapshot, computed by
// DevTools' own heap snapshot worker (the npm package heap-snapshot-toolkit
// re-exports it).  The tests compare memsnap against these numbers.
//
//   node devtools.mjs summary SNAP     -> JSON {node_count, edge_count, total, classes: [...]}
//   node devtools.mjs nodes SNAP OUT   -> TSV per node: id type name shallow retained dominator_id distance
//   node devtools.mjs compare A B      -> JSON per class: added/removed counts and sizes
//   node devtools.mjs compare-panel A B -> the same as the Memory panel computes it: A's
//                                         plain objects named with B's interface definitions
//                                         (HeapSnapshotDataGrids.ts); `compare` (the package's
//                                         diff()) names them with A's own
//   node devtools.mjs classes SNAP     -> JSON per node: {id, class, key}: the class name
//                                         and class key DevTools gives it (className(),
//                                         classKeyInternal() as exported)
//   node devtools.mjs retainers SNAP ID... -> JSON per id: the first retainer the Memory
//                                         panel's Retainers view lists (its default sort:
//                                         ComparatorConfig('!edgeDistance', true, 'name',
//                                         true)): {id, retainer_id, edge, distance}
//
// Used when ../shared/tools/devtools-oracle is not available; prints the
// same fields.
import { createReadStream, createWriteStream } from 'node:fs';
import { parse, diff, DevToolsAPI } from 'heap-snapshot-toolkit';

async function open(path) {
  return parse(createReadStream(path));
}

async function summary(path) {
  const snap = await open(path);
  const aggregates = await snap.aggregatesWithFilter({});
  const classes = [];
  for (const [key, a] of Object.entries(aggregates)) {
    classes.push({ key, name: a.name, count: a.count, distance: a.distance, self: a.self, retained: a.maxRet });
  }
  const rootOrdinal = snap.rootNodeIndexInternal / snap.nodeFieldCount;
  return {
    node_count: snap.nodeCount,
    edge_count: snap.containmentEdges.length / snap.edgeFieldsCount,
    total: snap.retainedSizes[rootOrdinal],
    statistics: snap.getStatistics(),
    classes,
  };
}

async function nodes(path, out) {
  const snap = await open(path);
  const F = snap.nodeFieldCount;
  const arr = snap.nodes;
  const sink = createWriteStream(out);
  sink.write('id\ttype\tname\tshallow\tretained\tdominator_id\tdistance\n');
  for (let i = 0; i < snap.nodeCount; i++) {
    const at = i * F;
    const name = JSON.stringify(snap.strings[arr.getValue(at + snap.nodeNameOffset)]).slice(0, 200);
    const row = [
      arr.getValue(at + snap.nodeIdOffset),
      snap.nodeTypes[arr.getValue(at + snap.nodeTypeOffset)],
      name,
      arr.getValue(at + snap.nodeSelfSizeOffset),
      snap.retainedSizes[i],
      arr.getValue(snap.dominatorsTree[i] * F + snap.nodeIdOffset),
      snap.nodeDistances[i],
    ].join('\t');
    if (!sink.write(row + '\n')) await new Promise((r) => sink.once('drain', r));
  }
  await new Promise((r) => sink.end(r));
  return { node_count: snap.nodeCount, written: out };
}

async function compare(before, after) {
  const a = await open(before);
  const b = await open(after);
  const d = await diff(a, b);
  return Object.entries(d).map(([key, c]) => ({
    key,
    name: c.name,
    added_count: c.addedCount,
    removed_count: c.removedCount,
    added_size: c.addedSize,
    removed_size: c.removedSize,
    count_delta: c.countDelta,
    size_delta: c.sizeDelta,
  }));
}

async function comparePanel(before, after) {
  const a = await open(before);
  const b = await open(after);
  const definitions = await b.interfaceDefinitions();
  const aggregates = await a.aggregatesForDiff(definitions);
  const d = await b.calculateSnapshotDiff(String(a.uid ?? 'base'), aggregates);
  return Object.entries(d).map(([key, c]) => ({
    key,
    name: c.name,
    added_count: c.addedCount,
    removed_count: c.removedCount,
    added_size: c.addedSize,
    removed_size: c.removedSize,
    count_delta: c.countDelta,
    size_delta: c.sizeDelta,
  }));
}

async function classes(path) {
  const snap = await open(path);
  const node = snap.createNode(0);
  const out = [];
  for (let i = 0; i < snap.nodeCount; i++) {
    node.nodeIndex = i * snap.nodeFieldCount;
    out.push({
      id: node.id(),
      class: node.className(),
      key: snap.classKeyFromClassKeyInternal(node.classKeyInternal()),
    });
  }
  return out;
}

async function retainers(path, ids) {
  const snap = await open(path);
  const { ComparatorConfig } = DevToolsAPI.HeapSnapshotModel;
  const byId = new Map();
  const node = snap.createNode(0);
  for (let i = 0; i < snap.nodeCount; i++) {
    node.nodeIndex = i * snap.nodeFieldCount;
    byId.set(node.id(), node.nodeIndex);
  }
  return ids.map(Number).map((id) => {
    const provider = snap.createRetainingEdgesProvider(byId.get(id));
    provider.sortAndRewind(new ComparatorConfig('!edgeDistance', true, 'name', true));
    const first = provider.serializeItemsRange(0, 1).items[0];
    return first
      ? { id, retainer_id: first.node.id, edge: String(first.name), distance: first.node.distance }
      : { id, retainer_id: null };
  });
}

const [cmd, ...args] = process.argv.slice(2);
let result;
if (cmd === 'summary' && args.length === 1) result = await summary(args[0]);
else if (cmd === 'nodes' && args.length === 2) result = await nodes(args[0], args[1]);
else if (cmd === 'compare' && args.length === 2) result = await compare(args[0], args[1]);
else if (cmd === 'compare-panel' && args.length === 2) result = await comparePanel(args[0], args[1]);
else if (cmd === 'classes' && args.length === 1) result = await classes(args[0]);
else if (cmd === 'retainers' && args.length >= 2) result = await retainers(args[0], args.slice(1));
else {
  console.error('usage: devtools.mjs summary SNAP | nodes SNAP OUT.tsv | compare BEFORE AFTER |'
    + ' compare-panel BEFORE AFTER | classes SNAP | retainers SNAP ID...');
  process.exit(2);
}
process.stdout.write(JSON.stringify(result) + '\n');
