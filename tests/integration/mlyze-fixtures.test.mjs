// mlyze-fixtures.test.mjs: the real Memlyze files in tests/fixtures/mlyze,
// read by a small reader written here (not memsnap's importer): memsnap's
// event counts, bytes per site, GC counts and times must equal it; the JSON
// outputs must match their schemas; the zstd-compressed files read the
// same; and the files cut or flipped anywhere fail cleanly (exit 3, one
// line naming the file and the byte offset) or, cut exactly between two
// events, import.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memsnap, memsnapJson, scratch, assert, run, schemaValidator, SOURCE, snapshot } from './lib.mjs';

const dir = join(SOURCE, 'tests', 'fixtures', 'mlyze');
const files = readdirSync(dir).filter((f) => f.endsWith('.mlyze')).sort();
assert.ok(files.length >= 5, 'the Memlyze fixtures are missing');
const work = scratch('mlyze-fixtures');
const validSummary = schemaValidator('summary');
const validTimeline = schemaValidator('timeline');
const validInfo = schemaValidator('info');
const validCompare = schemaValidator('compare');

/** Memlyze v1 exactly as its format-spec.md and writer describe it. */
function readMlyze(buf) {
  assert.equal(buf.toString('latin1', 0, 4), 'MTRC');
  const version = buf.readUInt32LE(4);
  const start = buf.readBigUInt64LE(8);
  const metaLen = buf.readUInt32LE(16);
  const meta = metaLen ? JSON.parse(buf.toString('utf8', 256, 256 + metaLen)) : {};
  let i = 256 + metaLen;
  const varint = () => {
    let v = 0n, shift = 0n;
    for (;;) {
      const c = buf[i++];
      v |= BigInt(c & 0x7f) << shift;
      if (!(c & 0x80)) return v;
      shift += 7n;
    }
  };
  const out = {
    version, start, meta, ends: [i], alloc: 0, free: 0, unsized: 0, gc: 0, gcObjects: 0n,
    gcBytes: 0n, markers: 0, bytes: 0n, sites: new Map(), duration: 0n,
  };
  // Memlyze stamps every event of one tracemalloc diff with the same delta
  // (docs/formats/mlyze.md, "Time"): such neighbours share a time.
  let now = 0n, lastMem = false, lastDelta = -1n;
  const advance = (delta, mem) => {
    if (!(mem && lastMem && delta === lastDelta)) now += delta;
    lastMem = mem;
    lastDelta = delta;
  };
  while (i < buf.length) {
    const type = buf[i++];
    const delta = varint();
    if (type === 0) {
      const addr = buf.readBigUInt64LE(i); i += 8;
      const size = varint(), stack = varint(); i += 2;
      assert.equal(addr, 0n, 'Memlyze writes address 0');
      advance(delta, true);
      const key = `stack ${stack}`;
      const s = out.sites.get(key) || { allocs: 0, bytes: 0n };
      s.allocs++;
      s.bytes += size;
      out.sites.set(key, s);
      out.alloc++;
      out.bytes += size;
    } else if (type === 1) {
      i += 8;
      advance(delta, true);
      out.free++;
      out.unsized++;
    } else if (type === 2) {
      out.gcObjects += varint();
      out.gcBytes += varint();
      advance(delta, false);
      out.gc++;
    } else if (type === 3) {
      varint();
      advance(delta, false);
      out.markers++;
    } else {
      throw new Error(`unexpected event type ${type}`);
    }
    out.ends.push(i);
  }
  out.duration = now;
  return out;
}

for (const f of files) {
  const path = join(dir, f);
  const buf = readFileSync(path);
  const want = readMlyze(buf);

  const info = memsnapJson('info', '--json', path);
  validInfo(info, `${f} info`);
  assert.equal(info.format, 'mlyze');
  assert.equal(info.node_count, 1 + want.sites.size, `${f}: the root and one node per site`);
  assert.equal(BigInt(info.total_self_size), want.bytes);

  const sum = memsnapJson('summary', '--json', path);
  validSummary(sum, `${f} summary`);
  assert.equal(sum.group, 'site');
  assert.equal(sum.class_count, want.sites.size);
  assert.equal(sum.trace.alloc_events, want.alloc);
  assert.equal(sum.trace.free_events, want.free);
  assert.equal(sum.trace.unsized_frees, want.unsized);
  assert.equal(BigInt(sum.trace.alloc_bytes), want.bytes);
  assert.equal(sum.trace.freed_bytes, 0, 'Memlyze FREEs carry no size');
  for (const [key, s] of want.sites) {
    const row = sum.classes.find((r) => r.key === key);
    assert.ok(row, `${f}: no row for ${key}`);
    assert.equal(row.alloc_events, s.allocs, `${f} ${key} allocs`);
    assert.equal(BigInt(row.alloc_bytes), s.bytes, `${f} ${key} bytes`);
    assert.equal(BigInt(row.live_bytes), s.bytes, `${f} ${key} live`);
    assert.equal(BigInt(row.shallow_size), s.bytes);
  }
  // Rows come largest first.
  for (let k = 1; k < sum.classes.length; k++)
    assert.ok(sum.classes[k - 1].live_bytes >= sum.classes[k].live_bytes, `${f}: rows out of order`);

  const tl = memsnapJson('timeline', '--json', path);
  validTimeline(tl, `${f} timeline`);
  assert.equal(tl.version, want.version);
  assert.equal(tl.extension, 0);
  assert.equal(tl.timing, 'batch');
  assert.equal(BigInt(tl.start_time_us), want.start);
  assert.equal(BigInt(tl.duration_us), want.duration, `${f}: duration`);
  assert.equal(tl.events.alloc, want.alloc);
  assert.equal(tl.events.free, want.free);
  assert.equal(tl.events.unsized_free, want.unsized);
  assert.equal(tl.events.gc, want.gc);
  assert.equal(tl.events.marker, want.markers);
  assert.equal(tl.events.records, want.ends.length - 1);
  assert.equal(BigInt(tl.gc.objects), want.gcObjects);
  assert.equal(BigInt(tl.gc.bytes), want.gcBytes);
  assert.equal(BigInt(tl.bytes.allocated), want.bytes);
  assert.equal(BigInt(tl.bytes.final), want.bytes);
  assert.equal(BigInt(tl.bytes.peak), want.bytes, 'live bytes only grow in Memlyze files');
  assert.equal(tl.marks.length, want.gc + want.markers);
  assert.equal(tl.heap.present, false);
  const text = memsnap('timeline', path);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /peak/);

  // The whole file zstd-compressed reads the same.
  const zst = join(work, `${f}.zst`);
  const z = run('zstd', ['-q', '-f', '-o', zst, path]);
  assert.equal(z.status, 0, z.stderr);
  const sumz = memsnapJson('summary', '--json', zst);
  assert.deepEqual(sumz.classes, sum.classes, `${f}: compressed`);

  // Cut anywhere: exit 3 with the offset, except exactly between events.
  // (Every byte of these and of a file with every record kind is cut
  // in-process by tests/unit/test_mlyze.c; here every fifth, through the CLI.)
  const cut = join(work, 'cut.mlyze');
  const boundaries = new Set(want.ends);
  const cuts = [...want.ends];
  for (let at = 0; at < buf.length; at += at < 256 ? 37 : 5) cuts.push(at);
  for (const at of cuts) {
    writeFileSync(cut, buf.subarray(0, at));
    const r = memsnap('summary', '--json', cut);
    assert.equal(r.signal, null, `${f} cut at ${at}: ${r.signal}`);
    if (boundaries.has(at)) {
      assert.equal(r.status, 0, `${f} cut at event boundary ${at}: ${r.stderr}`);
      continue;
    }
    assert.equal(r.status, 3, `${f} cut at ${at}: exit ${r.status}\n${r.stderr}`);
    assert.match(r.stderr, /^memsnap: .*cut\.mlyze: (offset \d+: )?/);
    assert.match(r.stderr, /offset \d+|is empty/, `${f} cut at ${at}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(r.stdout, '');
  }
  // Flipped bytes: a clean error or a valid import, never a crash.
  for (let at = 0; at < buf.length; at += 11) {
    const copy = Buffer.from(buf);
    copy[at] ^= [0x01, 0x80, 0xff, 0x40][at % 4];
    writeFileSync(cut, copy);
    const r = memsnap('timeline', '--json', cut);
    assert.equal(r.signal, null, `${f} flip at ${at}: ${r.signal}`);
    if (r.status !== 0) {
      assert.equal(r.status, 3, `${f} flip at ${at}: exit ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, /cut\.mlyze: /);
    }
  }
  console.log(`ok ${f}: ${want.alloc} ALLOC, ${want.free} FREE, ${want.gc} GC over ${want.sites.size} sites`);
}

// compare: growth per allocation site between two traces, against the
// reader: every site of either file, live bytes before and after.
for (let k = 0; k + 1 < files.length; k++) {
  const [fa, fb] = [files[k], files[k + 1]];
  const [pa, pb] = [join(dir, fa), join(dir, fb)];
  const [a, b] = [readMlyze(readFileSync(pa)), readMlyze(readFileSync(pb))];
  const cmp = memsnapJson('compare', '--json', '-n', '0', pa, pb);
  validCompare(cmp, `compare ${fa} ${fb}`);
  assert.equal(cmp.match, 'class');
  assert.match(cmp.note, /event traces/);
  assert.equal(BigInt(cmp.trace.before.live_bytes), a.bytes);
  assert.equal(BigInt(cmp.trace.after.live_bytes), b.bytes);
  assert.equal(cmp.trace.before.alloc_events, a.alloc);
  assert.equal(cmp.trace.after.alloc_events, b.alloc);
  const keys = new Set([...a.sites.keys(), ...b.sites.keys()]);
  let changed = 0;
  for (const key of keys) {
    const sa = a.sites.get(key), sb = b.sites.get(key);
    const delta = (sb ? sb.bytes : 0n) - (sa ? sa.bytes : 0n);
    const allocsSame = (sa ? sa.allocs : 0) === (sb ? sb.allocs : 0);
    const row = cmp.trace.sites.find((r) => r.site === key);
    if (delta === 0n && allocsSame) {
      assert.equal(row, undefined, `${fa} -> ${fb}: ${key} did not change`);
      continue;
    }
    changed++;
    assert.ok(row, `${fa} -> ${fb}: no row for ${key}`);
    assert.equal(BigInt(row.live_delta), delta, `${fa} -> ${fb}: ${key}`);
    assert.equal(row.before === null, !sa);
    assert.equal(row.after === null, !sb);
    if (sa) assert.equal(BigInt(row.before.live_bytes), sa.bytes);
    if (sb) assert.equal(row.after.alloc_events, sb.allocs);
  }
  assert.equal(cmp.trace.site_count, changed);
  assert.equal(cmp.trace.sites.length, changed);
  for (let i = 1; i < cmp.trace.sites.length; i++)
    assert.ok(cmp.trace.sites[i - 1].live_delta >= cmp.trace.sites[i].live_delta, 'sorted by growth');
  // Budgets on live bytes: exceeded exactly when the trace grew.
  const grew = b.bytes > a.bytes;
  const r = memsnap('compare', '--fail-on', 'total>+0', pa, pb);
  assert.equal(r.status, grew ? 1 : 0, `${fa} -> ${fb}: ${r.stderr}`);
  assert.match(r.stdout, /compared per allocation site/);
  console.log(`ok compare ${fa} ${fb}: ${changed} sites changed`);
}

// timeline needs a trace.
{
  const r = memsnap('timeline', snapshot('leaky-things'));
  assert.equal(r.status, 3);
  assert.match(r.stderr, /has no timeline/);
}
