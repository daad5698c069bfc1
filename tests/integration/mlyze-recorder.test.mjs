// mlyze-recorder.test.mjs: the Python recorder (tools/python/memsnap_record.py) on a
// program with a known leak: a module-level cache dict gaining N instances of
// Leaky, and a cycle of 3 Node objects held by one global.  Checked on the
// file written at the end (python3 -m memsnap_record) and on one the program
// writes itself mid-run (memsnap_record.snapshot):
//   - summary shows exactly N Leaky and 3 Node;
//   - the retention path of a Leaky runs through the module's global CACHE
//     and its dict key (found here by a BFS over the graph dump, not by
//     memsnap's analyses), and `memsnap why` shows that same path;
//     `why --class` puts the N instances in one group;
//   - the 3 Nodes form a strongly connected component of their own (found
//     here by Tarjan's algorithm over attribute/item references), and
//     `memsnap cycles` reports that component;
//   - `memsnap compare` of a snapshot taken before the fill and one after
//     reports exactly +N Leaky, held through CACHE;
//   - allocation sites, the timeline (marker, frees), JSON schemas;
//   - the heaps hold none of the recorder's own objects: not its module,
//     its _Recorder and tables, nor argparse (its command line's) when the
//     program does not use it; a program that uses argparse and json has
//     exactly its own parser, and json;
//   - the file cut or flipped fails cleanly.
// The recorder is used the way its docs say: one file copied next to the
// program.  MEMSNAP_PYTHON is the interpreter (CMake's Python3);
// MEMSNAP_PYTHONS (colon-separated) adds more, e.g. other CPython versions.
import { copyFileSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { memsnap, memsnapJson, scratch, assert, run, schemaValidator, SOURCE, graphDump as load, scc } from './lib.mjs';

assert.ok(process.env.MEMSNAP_GRAPH_DUMP, 'MEMSNAP_GRAPH_DUMP (tests/helpers/graph_dump) must be set');
const pythons = [process.env.MEMSNAP_PYTHON || 'python3',
  ...(process.env.MEMSNAP_PYTHONS || '').split(':').filter(Boolean)];
const N = 5000;
const validSummary = schemaValidator('summary');
const validTimeline = schemaValidator('timeline');
const validTop = schemaValidator('top');
const validDominators = schemaValidator('dominators');
const validWhy = schemaValidator('why');
const validCycles = schemaValidator('cycles');
const validCompare = schemaValidator('compare');

const PROGRAM = `import sys
import memsnap_record


class Leaky:
    def __init__(self, i):
        self.i = i
        self.payload = [i] * 8


class Node:
    def __init__(self, name):
        self.name = name
        self.next = None


CACHE = {}


def fill(n):
    for i in range(n):
        CACHE["key%d" % i] = Leaky(i)


def ring():
    a, b, c = Node("a"), Node("b"), Node("c")
    a.next, b.next, c.next = b, c, a
    return a


memsnap_record.snapshot(sys.argv[3])
fill(int(sys.argv[1]))
memsnap_record.mark("filled")
RING = ring()
memsnap_record.snapshot(sys.argv[2])
garbage = [bytearray(4096) for _ in range(200)]
memsnap_record.mark("garbage")
del garbage
`;
const FILL_LINE = PROGRAM.split('\n').indexOf('        CACHE["key%d" % i] = Leaky(i)') + 1;

function edge(g, from, name, type) {
  const e = g.out[from].find((x) => x.name === name && (!type || x.type === type));
  assert.ok(e, `node ${from} (${g.nodes[from].name}) has no edge ${name}`);
  return e.to;
}

/** Shortest path root -> target over non-weak edges: the edges, in order. */
function shortestPath(g, target) {
  const prev = new Int32Array(g.nodes.length).fill(-1), via = [];
  const queue = [0];
  prev[0] = 0;
  for (let q = 0; q < queue.length && prev[target] < 0; q++) {
    const n = queue[q];
    for (const e of g.out[n]) {
      if (e.type === 'weak' || prev[e.to] >= 0) continue;
      prev[e.to] = n;
      via[e.to] = e;
      queue.push(e.to);
    }
  }
  assert.ok(prev[target] >= 0, 'target unreachable');
  const path = [];
  for (let n = target; n !== 0; n = prev[n]) path.unshift({ from: prev[n], ...via[n] });
  return path;
}

// Names only the recorder's module has (its globals are dict keys: edges
// of that name).
const RECORDER_NAMES = ['_Recorder', '_recorder', '_Heap', '_WalkContext', '_run_script', '_OWN_MODULES',
  '_external_roots', 'memsnap_record'];

/** Checks that the heap g (of file) holds nothing of the recorder's: no
 * object of its classes, no module root of it, no edge named by one of its
 * globals; and no argparse unless the program used it (then `parsers`
 * ArgumentParser objects, the program's). */
function noRecorder(g, what, { parsers = 0 } = {}) {
  for (const n of g.nodes)
    assert.ok(!/^(memsnap_record|__main__)\._/.test(n.name), `${what}: the recorder's ${n.name}`);
  const argparse = g.nodes.filter((n) => n.name.startsWith('argparse.'));
  if (parsers === 0) assert.deepEqual(argparse.map((n) => n.name), [], `${what}: argparse objects`);
  assert.equal(g.nodes.filter((n) => n.name === 'argparse.ArgumentParser').length, parsers,
    `${what}: ArgumentParser objects`);
  for (const [from, edges] of g.out.entries())
    for (const e of edges)
      assert.ok(!RECORDER_NAMES.includes(e.name), `${what}: ${g.nodes[from].name} --${e.name}-->`);
  const modules = g.out[0].map((e) => e.to).find((k) => g.nodes[k].name === '(modules)');
  const roots = g.out[modules].map((e) => e.name);
  assert.ok(roots.includes('__main__') && roots.includes('sys'), `${what}: module roots ${roots}`);
  assert.ok(!roots.includes('memsnap_record'), `${what}: the recorder's module is a root`);
  assert.equal(roots.includes('argparse'), parsers > 0, `${what}: argparse ${parsers ? 'missing' : 'a root'}`);
  return roots;
}

function checkHeap(file, progPath, final) {
  const what = `${file}`;
  const sum = memsnapJson('summary', '--json', '-n', '0', file);
  validSummary(sum, `${what} summary`);
  const row = (name) => sum.classes.find((r) => r.name === name);
  assert.equal(row('__main__.Leaky')?.count, N, `${what}: N Leaky`);
  assert.equal(row('__main__.Node')?.count, 3, `${what}: 3 Node`);

  const g = load(file);
  const kinds = new Map(g.out[0].map((e) => [g.nodes[e.to].name, e.to]));
  assert.ok(kinds.has('(modules)') && kinds.has('(external)'), `${what}: root kinds ${[...kinds.keys()]}`);
  if (!final) assert.ok(kinds.has('(frames)'), `${what}: the program's frames are roots mid-run`);
  const mod = edge(g, kinds.get('(modules)'), '__main__');
  assert.equal(g.nodes[mod].name, 'builtins.module');
  const globals = edge(g, mod, '__dict__', 'property');
  assert.equal(g.nodes[globals].name, 'builtins.dict');
  const cache = edge(g, globals, 'CACHE', 'property');
  const leaky = new Set();
  for (let i = 0; i < N; i++) {
    const o = edge(g, cache, `key${i}`, 'property');
    assert.equal(g.nodes[o].name, '__main__.Leaky');
    leaky.add(o);
  }
  assert.equal(leaky.size, N, 'N distinct instances');
  // why: the shortest retention path of a Leaky ends in the module's
  // globals -> "CACHE" -> its key (mid-run a frame's f_globals may lead
  // to the same dict by a shorter way than the module).
  const target = edge(g, cache, 'key1234');
  const path = shortestPath(g, target);
  const tail = path.slice(-2);
  assert.deepEqual(tail.map((e) => [e.from, e.name]), [[globals, 'CACHE'], [cache, 'key1234']],
    `${what}: path ${path.map((e) => e.name).join(' -> ')}`);
  if (final) assert.deepEqual(path.map((e) => e.name).slice(1), ['__main__', '__dict__', 'CACHE', 'key1234']);
  // The key strings were allocated on the fill line.
  const keySites = g.out[cache].filter((e) => e.name === '(key)').map((e) => g.nodes[e.to].site);
  assert.equal(keySites.length, N);
  for (const s of keySites) assert.equal(s, `${progPath}:${FILL_LINE}`);
  const siteRow = memsnapJson('summary', '--json', '--by', 'site', '-n', '0', file).classes
    .find((r) => r.key === `${progPath}:${FILL_LINE}`);
  assert.ok(siteRow && siteRow.count >= N, `${what}: summary --by site`);

  // cycles: over the references the program holds (property and element
  // edges; an instance's __dict__ is one: CPython < 3.13 keeps attributes
  // there), the 3 Nodes are a component of their own.  (Over every
  // reference, __class__ and __globals__ tie most of a Python heap into one
  // component.)
  const comp = scc(g, (v, e) => e.type === 'property' || e.type === 'element');
  const nodes = g.nodes.map((x, i) => i).filter((i) => g.nodes[i].name === '__main__.Node');
  assert.equal(nodes.length, 3);
  const c = comp[nodes[0]];
  const members = g.nodes.map((x, i) => i).filter((i) => comp[i] === c);
  assert.ok(nodes.every((i) => comp[i] === c), `${what}: the Nodes are one component`);
  for (const m of members) {
    if (g.nodes[m].name === '__main__.Node') continue;
    assert.equal(g.nodes[m].name, 'builtins.dict', `${what}: ${g.nodes[m].name} in the cycle`);
    assert.ok(nodes.some((x) => g.out[x].some((e) => e.to === m && e.name === '__dict__')));
  }
  assert.ok(members.length === 3 || members.length === 6, `${what}: ${members.length} in the cycle`);
  // RING holds it.
  assert.ok(nodes.includes(edge(g, globals, 'RING')));
  noRecorder(g, what);

  // memsnap's own analyses agree.  why: the path found above, edge by edge.
  const why = memsnapJson('why', '--json', file, g.nodes[target].id);
  validWhy(why, `${what} why`);
  assert.equal(why.status, 'retained');
  assert.deepEqual(why.path.hops.slice(1).map((h) => (h.edge ? h.edge.name ?? `#${h.edge.index}` : null)),
    [...path.map((e) => e.name).slice(1), null], `${what}: why's path`);
  // why --class: the N instances share one path (CACHE's keys are data).
  const wc = memsnapJson('why', '--json', '--class', '__main__.Leaky', file);
  validWhy(wc, `${what} why --class`);
  assert.equal(wc.instances, N);
  assert.equal(wc.groups[0].count, N, `${what}: ${wc.group_count} groups`);
  // cycles: the component found above, and only it, holds the Nodes.
  const cyc = memsnapJson('cycles', '--json', '-n', '0', file);
  validCycles(cyc, `${what} cycles`);
  const withNodes = cyc.groups.filter((x) => x.classes.some((k) => k.class === '__main__.Node'));
  assert.equal(withNodes.length, 1, `${what}: cycles with Nodes`);
  assert.equal(withNodes[0].count, 1, `${what}: one cycle with Nodes`);
  assert.deepEqual(new Set(withNodes[0].example.member_ids.map(String)), new Set(members.map((m) => g.nodes[m].id)),
    `${what}: the cycle's members`);
  // External roots are objects held from outside the graph (C): none of
  // the program's objects, whose every reference is in the graph.
  const external = new Set(g.out[kinds.get('(external)')].map((e) => e.to));
  for (const x of external)
    assert.ok(!/^__main__\.(Leaky|Node)$/.test(g.nodes[x].name), `${what}: ${g.nodes[x].name} counted as held from C`);
  for (const e of g.out[cache])
    assert.ok(!external.has(e.to), `${what}: CACHE's ${e.name} ${g.nodes[e.to].name} counted as held from C`);
  return { sum, g, cache };
}

for (const [k, py] of pythons.entries()) {
  const dir = scratch(`mlyze-recorder-${k}`);
  copyFileSync(join(SOURCE, 'tools', 'python', 'memsnap_record.py'), join(dir, 'memsnap_record.py'));
  const prog = join(dir, 'prog.py');
  writeFileSync(prog, PROGRAM);
  const final = join(dir, 'final.mlyze'), mid = join(dir, 'mid.mlyze'), before = join(dir, 'before.mlyze');
  const env = { ...process.env };
  delete env.PYTHONPATH;
  const r = run(py, ['-m', 'memsnap_record', '-o', final, '--interval', '0.05', prog, String(N), mid, before],
    { cwd: dir, env });
  assert.equal(r.status, 0, `${py}: ${r.stderr}`);
  assert.ok(existsSync(final) && existsSync(mid) && existsSync(before), r.stderr);
  const version = run(py, ['-c', 'import sys; print(sys.version.split()[0])']).stdout.trim();

  checkHeap(mid, prog, false);
  const { g, cache } = checkHeap(final, prog, true);

  // The other analyses run on a Python heap: the largest retainer is the
  // cache (its dict), which dominates the N instances.
  const top = memsnapJson('top', '--json', '-n', '5', final);
  validTop(top, 'top');
  const cacheTop = top.objects.find((o) => String(o.id) === g.nodes[cache].id);
  assert.ok(cacheTop, `CACHE is among the 5 largest retainers: ${JSON.stringify(top.objects.map((o) => o.class))}`);
  assert.ok(cacheTop.retained_size > N * 100, `CACHE retains its ${N} instances`);
  // The sizes are sys.getsizeof's, not DevTools': the headings say so.
  for (const cmd of ['summary', 'top']) {
    const t = memsnap(cmd, '-n', '1', final);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout.split('\n')[0], /\(Python sys\.getsizeof sizes\)/, `${cmd}: ${t.stdout}`);
    assert.doesNotMatch(t.stdout, /DevTools/);
  }
  const dom = memsnapJson('dominators', '--json', final);
  validDominators(dom, 'dominators');

  // compare: one process, objects matched by id (their addresses): exactly
  // the N new Leaky, in one group whose path runs through CACHE; a budget
  // on the class fails the run.
  const cmp = memsnapJson('compare', '--json', '-n', '0', before, mid);
  validCompare(cmp, 'compare');
  assert.equal(cmp.match, 'id', cmp.note);
  const lrow = cmp.classes.find((c) => c.name === '__main__.Leaky');
  assert.equal(lrow?.added_count, N);
  assert.equal(lrow.removed_count, 0);
  const lgroups = cmp.groups.filter((x) => x.example.class === '__main__.Leaky');
  assert.equal(lgroups.length, 1);
  assert.equal(lgroups[0].class_count, N);
  assert.ok(lgroups[0].path.hops.some((h) => h.edge?.name === 'CACHE'), 'the path names CACHE');
  const budget = memsnap('compare', '--fail-on', 'class:__main__.Leaky>+0', before, mid);
  assert.equal(budget.status, 1, budget.stderr);
  assert.match(budget.stderr, /__main__\.Leaky/);

  noRecorder(load(before), before);

  // A program that uses argparse and json itself: its parser is in the
  // heap, the recorder's is not (there would be two), and json is a module
  // root (the recorder imports it too).
  const uses = join(dir, 'uses.py'), usesOut = join(dir, 'uses.mlyze');
  writeFileSync(uses, `import argparse, json
PARSER = argparse.ArgumentParser(prog="uses")
PARSER.add_argument("--n", type=int, default=3)
ARGS = PARSER.parse_args([])
TEXT = json.dumps({"n": ARGS.n})
`);
  const ru = run(py, ['-m', 'memsnap_record', '-o', usesOut, uses], { cwd: dir, env });
  assert.equal(ru.status, 0, `${py}: ${ru.stderr}`);
  const gu = load(usesOut);
  const usesRoots = noRecorder(gu, usesOut, { parsers: 1 });
  assert.ok(usesRoots.includes('json'), `${usesOut}: json is the program's too`);
  const parser = edge(gu, edge(gu, edge(gu, gu.out[0].map((e) => e.to).find((k) => gu.nodes[k].name === '(modules)'),
    '__main__'), '__dict__', 'property'), 'PARSER', 'property');
  assert.equal(gu.nodes[parser].name, 'argparse.ArgumentParser', 'the one parser is the program\'s');

  const tl = memsnapJson('timeline', '--json', final);
  validTimeline(tl, 'timeline');
  assert.equal(tl.extension, 1);
  assert.equal(tl.timing, 'event');
  assert.equal(tl.heap.present, true);
  assert.ok(tl.stack_count > 0, 'the metadata has the stacks');
  assert.ok(tl.events.alloc > 0);
  assert.ok(tl.events.free > 0 && tl.bytes.freed >= 200 * 4096 * 0.9, `frees: ${JSON.stringify(tl.bytes)}`);
  assert.equal(tl.events.unsized_free, 0);
  assert.ok(tl.bytes.peak >= tl.bytes.final + 200 * 4096 * 0.9, 'the garbage was the peak');
  const marker = tl.marks.find((m) => m.kind === 'marker');
  assert.equal(marker?.name, 'filled');
  assert.ok(tl.marks.some((m) => m.name === 'garbage' && m.live_bytes === tl.bytes.peak),
    'the peak is at the "garbage" marker');
  assert.ok(marker.live_bytes > N * 100, `live at the marker: ${marker.live_bytes}`);
  assert.ok(tl.samples.length >= 2);
  assert.ok(tl.duration_us >= tl.heap.time_us);

  // Cut and flipped: exit 3 with the file and offset, never a crash.
  const buf = readFileSync(final), bad = join(dir, 'bad.mlyze');
  for (let k2 = 1; k2 < 24; k2++) {
    const at = Math.floor((buf.length * k2) / 24) + (k2 % 5);
    writeFileSync(bad, buf.subarray(0, at));
    const c = memsnap('summary', bad);
    assert.equal(c.signal, null);
    assert.equal(c.status, 3, `cut at ${at}: ${c.stderr}`);
    assert.match(c.stderr, /^memsnap: .*bad\.mlyze: offset \d+: /);
    const copy = Buffer.from(buf);
    copy[at] ^= 0xff;
    writeFileSync(bad, copy);
    const f = memsnap('summary', bad);
    assert.equal(f.signal, null);
    assert.ok(f.status === 0 || f.status === 3, `flip at ${at}: ${f.status} ${f.stderr}`);
  }
  console.log(`ok ${py} (Python ${version}): ${N} Leaky, the cycle, sites, timeline`);
}
