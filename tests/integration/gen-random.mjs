// gen-random.mjs: random but valid V8 .heapsnapshot files for differential
// tests against DevTools.  They exercise what real Node.js snapshots rarely
// do: DOM-like native nodes with detachedness, "Detached <...>" names,
// "(Document DOM trees)", many plain-object shapes, odd property names,
// shared and single-owner hidden/array nodes, weak and shortcut edges,
// self edges, cycles, unreachable parts, and constructor locations.
//
//   import { randomSnapshot } from './gen-random.mjs'
//   const text = randomSnapshot(seed, { nodes: 300 })

const NODE_TYPES = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number',
  'native', 'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape'];
const EDGE_TYPES = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
  };
}

const OBJECT_NAMES = ['Object', 'Object', 'Object', 'Object', 'Foo', 'Bar', 'Array', 'Map', 'RegExp',
  'Function', '(system)', 'system / Context', 'Window', 'global', 'Ünïcödé', 'a\u{1F600}b'];
const NATIVE_NAMES = ['<div id="a">', '<div>', '<span class="x y">', 'HTMLDivElement', 'InternalNode',
  'Detached <div id=z>', 'Detached <p>', 'Detached InternalNode', 'system / ExternalStringData',
  'system / JSArrayBufferData', '<a href="/x">', 'Document'];
const PROPS = ['x', 'y', 'z', 'id', 'name', '__proto__', 'a,b', "it's", '{c}', 'quote"d', 'cr\r',
  'sloppy_function_map', ' 12', '4x', '-7',
  'longpropertyname_abcdefghijklmnopqrstuvwxyz', 'another_quite_long_property_name_0123456789',
  'third_long_property_name_for_the_120_unit_limit', 'é', '\u{1F600}', 'constructor', 'length', 'map'];

/** A snapshot as JSON text; `nodes` is about how many nodes it has. */
export function randomSnapshot(seed, { nodes = 200 } = {}) {
  const r = rng(seed);
  const strings = [''];
  const sid = new Map([['', 0]]);
  const str = (s) => {
    if (!sid.has(s)) { sid.set(s, strings.length); strings.push(s); }
    return sid.get(s);
  };
  const N = Math.max(4, nodes + r.int(nodes));
  const ns = []; // {type, name, id, self, detach, edges: [[type, nameOrIndex, to]]}
  // Root, (GC roots), maybe (Document DOM trees), then the rest.
  ns.push({ type: 'synthetic', name: '', self: 0, detach: 0, edges: [] });
  ns.push({ type: 'synthetic', name: '(GC roots)', self: 0, detach: 0, edges: [] });
  const withDom = r.chance(0.5);
  if (withDom) ns.push({ type: 'synthetic', name: '(Document DOM trees)', self: 0, detach: 0, edges: [] });
  const shapes = Array.from({ length: 1 + r.int(6) }, () =>
    Array.from({ length: 1 + r.int(5) }, () => r.pick(PROPS)));
  while (ns.length < N) {
    const type = r.chance(0.35) ? 'object' : r.chance(0.3) ? 'native' : r.pick(NODE_TYPES);
    let name;
    if (type === 'object') name = r.pick(OBJECT_NAMES);
    else if (type === 'native') name = r.pick(NATIVE_NAMES);
    else if (type === 'array') name = r.chance(0.2) ? '(map descriptors)' : r.pick(['', '(object elements)', 'Array']);
    else if (type === 'hidden') name = r.pick(['system / NativeContext', 'system / Map', '(internal)']);
    else if (type === 'synthetic') name = r.pick(['(Stack roots)', '(Handle scope)', '(Internalized strings)']);
    else name = r.pick(['s' + r.int(50), 'hello', 'x,y', '']);
    const self = r.chance(0.15) ? 0 : r.int(200) * 8;
    const detach = type === 'native' && r.chance(0.4) ? r.int(3) : 0;
    const node = { type, name, self, detach, edges: [] };
    if (type === 'object' && name === 'Object' && r.chance(0.8)) node.shape = r.pick(shapes);
    ns.push(node);
  }
  const M = ns.length;
  const any = () => 1 + r.int(M - 1);
  // Root edges: shortcuts to a few user roots, GC roots, maybe DOM trees.
  for (let k = 0; k < 1 + r.int(3); k++) ns[0].edges.push(['shortcut', str('global'), any()]);
  ns[0].edges.push(['element', 1, 1]);
  if (withDom) {
    ns[0].edges.push(['element', 2, 2]);
    for (let k = 0; k < 3; k++) ns[2].edges.push(['element', k, any()]);
  }
  for (let k = 0; k < 3; k++) ns[1].edges.push(['element', k, any()]);
  if (r.chance(0.3)) ns[0].edges.push(['element', 9, any()]);
  for (let i = 1; i < M; i++) {
    const node = ns[i];
    if (node.shape) for (const p of node.shape) node.edges.push(['property', str(p), any()]);
    const extra = r.int(4);
    for (let k = 0; k < extra; k++) {
      const t = r.pick(EDGE_TYPES);
      const to = r.chance(0.05) ? i : r.chance(0.6) ? Math.min(M - 1, i + 1 + r.int(20)) : any();
      const name = t === 'element' || t === 'hidden' ? r.int(100) : str(r.pick(PROPS));
      node.edges.push([t, name, to]);
    }
  }
  // WeakMap entries: the value is held by two internal edges, from the table
  // and from the key, whose names differ only in the leading number.
  for (let k = 0; k < r.int(6); k++) {
    const table = any(), key = any(), value = any();
    const part = ` / part of key (${ns[key].name} @${key * 2 + 1}) -> value (${ns[value].name} @${value * 2 + 1}) ` +
      `pair in WeakMap (table @${table * 2 + 1})`;
    const pair = [[table, str(`${r.int(900)}${part}`)], [key, str(`${r.int(900)}${part}`)]];
    if (r.chance(0.5)) pair.reverse();
    for (const [from, name] of pair) ns[from].edges.push(['internal', name, value]);
    if (r.chance(0.2)) ns[any()].edges.push(['internal', str(`7 / part of key (x @1) -> value (y @2) pair in WeakMap (table @999999)`), value]);
  }
  const nodesOut = [];
  const edgesOut = [];
  let edgeCount = 0;
  ns.forEach((n, i) => {
    nodesOut.push(NODE_TYPES.indexOf(n.type), str(n.name), i * 2 + 1, n.self, n.edges.length, 0, n.detach);
    for (const [t, nm, to] of n.edges) {
      edgesOut.push(EDGE_TYPES.indexOf(t), nm, to * 7);
      edgeCount++;
    }
  });
  const locations = [];
  const scripts = [[3, 10, 4], [3, 10, 4], [7, 0, 30], [9, 5, 5]];
  ns.forEach((n, i) => {
    if ((n.type === 'object' || n.type === 'closure') && r.chance(0.3)) locations.push(i * 7, ...r.pick(scripts));
  });
  const meta = {
    node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
    node_types: [NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
    trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
    trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
    sample_fields: ['timestamp_us', 'last_assigned_id'],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
  };
  return JSON.stringify({
    snapshot: { meta, node_count: M, edge_count: edgeCount, trace_function_count: 0 },
    nodes: nodesOut, edges: edgesOut, trace_function_infos: [], trace_tree: [], samples: [],
    locations, strings,
  });
}
