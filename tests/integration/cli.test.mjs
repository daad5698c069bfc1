// cli.test.mjs: the command line's contract: help, version, exit codes
// (0 ok, 2 usage, 3 bad input), messages on stderr, atomic -o output.
import { existsSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memsnap, snapshot, scratch, assert, SOURCE } from './lib.mjs';

const snap = snapshot('leaky-things');
const dir = scratch('cli');

let r = memsnap('--help');
assert.equal(r.status, 0);
assert.match(r.stdout, /usage: memsnap COMMAND/);
assert.match(r.stdout, /summary/);
r = memsnap('--version');
assert.equal(r.status, 0);
assert.match(r.stdout, /^memsnap \d+\.\d+\.\d+\n$/);
r = memsnap();
assert.equal(r.status, 2);
assert.match(r.stderr, /^memsnap: missing COMMAND\nusage: memsnap COMMAND/);
r = memsnap('frobnicate');
assert.equal(r.status, 2);
assert.match(r.stderr, /unknown command 'frobnicate'/);

for (const cmd of ['info', 'summary', 'top', 'dominators', 'nodes', 'why', 'cycles']) {
  const extra = cmd === 'why' ? ['@1'] : []; // why also takes an object id
  r = memsnap(cmd, '-h');
  assert.equal(r.status, 0, `${cmd} -h`);
  assert.match(r.stdout, new RegExp(`usage: memsnap ${cmd}`));
  r = memsnap(cmd);
  assert.equal(r.status, 2, `${cmd} without a file`);
  r = memsnap(cmd, '--no-such-option', snap, ...extra);
  assert.equal(r.status, 2, `${cmd} with a bad option`);
  r = memsnap(cmd, join(dir, 'missing.heapsnapshot'), ...extra);
  assert.equal(r.status, 3, `${cmd} on a missing file`);
  assert.match(r.stderr, /memsnap: .*missing\.heapsnapshot: cannot open: No such file/);
  r = memsnap(cmd, dir, ...extra);
  assert.equal(r.status, 3, `${cmd} on a directory`);
}
r = memsnap('summary', '-n', 'lots', snap);
assert.equal(r.status, 2);
assert.match(r.stderr, /-n needs a non-negative integer/);
r = memsnap('summary', '--sort', 'size', snap);
assert.equal(r.status, 2);
assert.match(r.stderr, /--sort takes retained, shallow or count/);
r = memsnap('top', '-n', '0', snap);
assert.equal(r.status, 2);
r = memsnap('dominators', '--min-size', '12 parsecs', snap);
assert.equal(r.status, 2);
assert.match(r.stderr, /--min-size needs a size/);
r = memsnap('dominators', '--depth', '-1', snap);
assert.equal(r.status, 2);
// Options may follow the file.
r = memsnap('top', snap, '-n', '3');
assert.equal(r.status, 0, r.stderr);
assert.match(r.stdout, /the 3 largest/);

// Every command's help is generated from its option table (tools/cli_opt.c):
// the options it lists, in order, with their arguments, are the contract.
const OPTS = {
  info: ['--json', '-o, --output FILE', '-h, --help'],
  summary: ['-n, --top N', '--by class|site', '--sort retained|shallow|count', '--json', '--raw-sizes',
    '-o, --output FILE', '-h, --help'],
  top: ['-n, --top N', '--json', '--raw-sizes', '--all', '--timings', '-o, --output FILE', '-h, --help'],
  dominators: ['--depth D', '--min-size SIZE', '--max-children N', '--json', '--raw-sizes',
    '-o, --output FILE', '-h, --help'],
  why: ['--paths K', '--class NAME', '-n, --top N', '--json', '--raw-sizes', '--timings', '--full',
    '-o, --output FILE', '-h, --help'],
  cycles: ['-n, --top N', '--min-size SIZE', '--class NAME', '--internals', '--all-edges', '--json',
    '--raw-sizes', '--timings', '--full', '-o, --output FILE', '-h, --help'],
  compare: ['-n, --top N', '--groups K', '--json', '--markdown', '--fail-on EXPR', '--ignore FILE',
    '--by class|site', '--match auto|id|class', '--interfaces after|own', '--no-paths',
    '--sort user|delta', '--internals', '--raw-sizes',
    '--timings', '--full', '-o, --output FILE', '-h, --help'],
  leaks: ['-n, --top N', '--json', '--markdown', '--fail-on EXPR', '--ignore FILE',
    '--sort user|delta', '--internals', '--raw-sizes',
    '--timings', '--full', '-o, --output FILE', '-h, --help'],
  nodes: ['--json', '--raw-sizes', '-o, --output FILE', '-h, --help'],
  timeline: ['--rows N', '--json', '-o, --output FILE', '-h, --help'],
};
const OPERANDS = { compare: 2, leaks: 3 };
// What each command says is missing when it gets no operand (docs/cli.md's
// usage lines name them).
const MISSING = { info: 'SNAPSHOT', summary: 'SNAPSHOT', top: 'SNAPSHOT', dominators: 'SNAPSHOT',
  why: 'SNAPSHOT and ID', cycles: 'SNAPSHOT', compare: 'BEFORE and AFTER',
  leaks: 'BASELINE, TARGET and FINAL', nodes: 'SNAPSHOT', timeline: 'TRACE' };
// Options that may be given more than once.
const REPEATABLE = new Set(['fail-on']);
const ignoreFile = join(dir, 'accepted.txt');
writeFileSync(ignoreFile, 'class Nothing\n');
// A valid value for each kind of argument, so that `CMD OPT VALUE -h`
// shows the help: the parser took the value.
const sample = (cmd, arg) => ({ N: '3', K: '2', D: '2', SIZE: '4K', NAME: 'Foo',
  EXPR: cmd === 'leaks' ? 'leaks>0' : 'total>+5%', FILE: ignoreFile })[arg] ?? arg.split('|')[0];

r = memsnap('--help');
for (const cmd of Object.keys(OPTS)) assert.match(r.stdout, new RegExp(`^  ${cmd} `, 'm'), `--help lists ${cmd}`);
for (const [cmd, expected] of Object.entries(OPTS)) {
  const operands = Array(OPERANDS[cmd] ?? 1).fill(snap);
  const help = memsnap(cmd, '-h');
  assert.equal(help.status, 0, `${cmd} -h`);
  assert.equal(help.stderr, '', `${cmd} -h: help goes to stdout`);
  const lines = help.stdout.split('\n');
  assert.match(lines[0], new RegExp(`^usage: memsnap ${cmd} `));
  for (const l of lines) assert.ok(l.length <= 80, `${cmd} -h: over 80 columns: ${l}`);
  const labels = lines.filter((l) => /^  -/.test(l)).map((l) => l.slice(2).split(/  +/)[0]);
  assert.deepEqual(labels, expected, `${cmd} -h lists its options`);
  const usage = help.stdout.slice(0, help.stdout.indexOf('\n\n')).replace(/\s+/g, ' ');
  for (const label of expected) {
    if (label === '-h, --help') continue;
    const m = /^(?:-(\w), )?--([\w-]+)(?: (\S+))?$/.exec(label);
    assert.ok(m, `${cmd}: option label ${label}`);
    const [, letter, name, arg] = m;
    const inUsage = (letter ? `-${letter}` : `--${name}`) + (arg ? ` ${arg}` : '');
    assert.ok(usage.includes(inUsage), `${cmd}: the usage line names ${inUsage}`);
    // Each option the help lists is one the parser takes, long or short.
    const value = arg ? [sample(cmd, arg)] : [];
    for (const spelling of letter ? [`-${letter}`, `--${name}`] : [`--${name}`]) {
      r = memsnap(cmd, spelling, ...value, '-h');
      assert.equal(r.status, 0, `${cmd} ${spelling} ${value} -h: ${r.stderr}`);
      assert.equal(r.stdout, help.stdout);
    }
    // An option with a value, given twice, is refused: the last would
    // silently win.  --fail-on is the one meant to repeat.
    if (arg) {
      const spelling = letter ? `-${letter}` : `--${name}`;
      const v = sample(cmd, arg);
      r = memsnap(cmd, spelling, v, `--${name}`, v, ...operands);
      if (REPEATABLE.has(name)) {
        assert.ok(r.status === 0 || r.status === 1, `${cmd} --${name} twice: ${r.status} ${r.stderr}`);
      } else {
        assert.equal(r.status, 2, `${cmd} ${spelling} twice`);
        assert.equal(r.stderr, `memsnap: ${cmd}: ${letter ? `-${letter}/--${name}` : `--${name}`} given twice ('${v}', then '${v}'): give it once\n`);
        assert.equal(r.stdout, '');
      }
    }
    // A missing argument: getopt's message, then the help, on stderr.
    if (arg) {
      r = memsnap(cmd, ...operands, `--${name}`);
      assert.equal(r.status, 2, `${cmd} --${name} without its argument`);
      assert.match(r.stderr, new RegExp(`^${cmd}: option '--${name}' requires an argument\n`));
      assert.ok(r.stderr.endsWith(help.stdout), `${cmd}: the help follows the message`);
      assert.equal(r.stdout, '');
    }
    // One format for bad values: "memsnap: CMD: OPT needs/takes ..., not 'V'".
    if (arg === 'N' || arg === 'K' || arg === 'D') {
      r = memsnap(cmd, letter ? `-${letter}` : `--${name}`, 'lots', ...operands);
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(`^memsnap: ${cmd}: ${letter ? `-${letter}` : `--${name}`} needs (a non-negative|a positive|an) integer( \\d+\\.\\.\\d+)?, not 'lots'\n$`));
    } else if (arg && arg.includes('|')) {
      const choices = arg.split('|');
      r = memsnap(cmd, `--${name}`, 'bogus', ...operands);
      assert.equal(r.status, 2);
      assert.equal(r.stderr, `memsnap: ${cmd}: --${name} takes ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}, not 'bogus'\n`);
    }
  }
  // Unknown options and a wrong number of operands: the help on stderr.
  r = memsnap(cmd, ...operands, '--no-such-option');
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `${cmd}: unrecognized option '--no-such-option'\n${help.stdout}`);
  r = memsnap(cmd);
  assert.equal(r.status, 2, `${cmd} without operands`);
  assert.equal(r.stderr, `memsnap: ${cmd}: missing ${MISSING[cmd]}\n${help.stdout}`);
  if (cmd !== 'why') { // why takes any number of ids after the snapshot
    const extra = join(dir, 'extra.heapsnapshot');
    r = memsnap(cmd, ...operands, extra);
    assert.equal(r.status, 2, `${cmd} with too many operands`);
    assert.equal(r.stderr, `memsnap: ${cmd}: unexpected operand '${extra}'\n${help.stdout}`);
  }
}
// Some operands given, not all: the first line names the ones missing.
const firstLine = (res) => res.stderr.split('\n')[0];
r = memsnap('compare', snap);
assert.equal(r.status, 2);
assert.equal(firstLine(r), 'memsnap: compare: missing AFTER');
r = memsnap('leaks', snap, snap);
assert.equal(r.status, 2);
assert.equal(firstLine(r), 'memsnap: leaks: missing FINAL');
r = memsnap('leaks', snap);
assert.equal(firstLine(r), 'memsnap: leaks: missing TARGET and FINAL');
r = memsnap('why', snap);
assert.equal(r.status, 2);
assert.equal(firstLine(r), 'memsnap: why: missing ID (or --class NAME)');
r = memsnap('why', '--class', 'Foo', snap, '@1');
assert.equal(r.status, 2);
assert.equal(firstLine(r), "memsnap: why: unexpected operand '@1'");
// The case of issue 16: --class twice used the second class, silently.
r = memsnap('why', '--class', 'LeakyThing', '--class', 'Object', snap);
assert.equal(r.status, 2);
assert.equal(r.stderr, "memsnap: why: --class given twice ('LeakyThing', then 'Object'): give it once\n");
assert.equal(r.stdout, '');
// Abbreviated and short spellings count as the same option.
r = memsnap('summary', '-n', '3', '--to=4', snap);
assert.equal(r.status, 2);
assert.equal(r.stderr, "memsnap: summary: -n/--top given twice ('3', then '4'): give it once\n");
// Flags may repeat.
r = memsnap('summary', '--json', '--json', '-n', '1', snap);
assert.equal(r.status, 0, r.stderr);
assert.equal(memsnap('top', '-n', '0', snap).stderr, "memsnap: top: -n needs an integer 1..100000000, not '0'\n");
for (const cmd of ['compare', 'leaks']) {
  r = memsnap(cmd, '--json', '--markdown', ...Array(OPERANDS[cmd]).fill(snap));
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `memsnap: ${cmd}: --json or --markdown, not both\n`);
}
// why's two forms: ids, or --class with the snapshot alone.
assert.equal(memsnap('why', '--class', 'Foo').status, 2);
assert.equal(memsnap('why', '--class', 'Foo', snap, '@1').status, 2);
assert.match(memsnap('why', '-h').stdout, /^usage: memsnap why .*\n(.*\n)*       memsnap why --class NAME /);

// Not a snapshot: clear message, exit 3.
const text = join(dir, 'notes.txt');
writeFileSync(text, 'these are not the bytes you are looking for\n');
r = memsnap('info', text);
assert.equal(r.status, 3);
assert.match(r.stderr, /notes\.txt: offset 0: not a heap snapshot/);

// -o writes atomically: the file appears whole, and a failure leaves none.
const out = join(dir, 'summary.json');
r = memsnap('summary', '--json', '-o', out, snap);
assert.equal(r.status, 0, r.stderr);
assert.equal(r.stdout, '');
assert.equal(JSON.parse(readFileSync(out, 'utf8')).schema, 'memsnap.summary/2');
const failed = join(dir, 'failed.json');
r = memsnap('summary', '--json', '-o', failed, text);
assert.equal(r.status, 3);
assert.ok(!existsSync(failed), 'no output file after a failure');
assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp.')), [], 'no temporary files left');

// Text summary: a header line and the known class.
r = memsnap('summary', '-n', '5', snap);
assert.equal(r.status, 0);
assert.match(r.stdout, /objects in \d+ classes/);
assert.match(r.stdout, /LeakyThing/);
assert.match(r.stdout, /more classes \(-n 0 shows all\)/);
// The heading names what the sizes are: a V8 snapshot's self sizes under
// DevTools' shallow-size rules, or as recorded with --raw-sizes.
assert.match(r.stdout.split('\n')[0], /, [\d.]+ \S+ \(V8 self sizes, DevTools' shallow-size rules\); /);
assert.match(memsnap('summary', '--raw-sizes', '-n', '1', snap).stdout.split('\n')[0], / \(raw sizes\); /);
assert.match(memsnap('top', '-n', '1', snap).stdout.split('\n')[0], /heap [\d.]+ \S+ \(V8 self sizes, DevTools' shallow-size rules\)$/);
// An .mlyze event trace's nodes are allocation sites sized by live bytes.
r = memsnap('top', '-n', '1', join(SOURCE, 'tests', 'fixtures', 'mlyze', '01_leak_simulation.mlyze'));
assert.equal(r.status, 0, r.stderr);
assert.match(r.stdout.split('\n')[0], /\(live bytes per allocation site\)$/);
assert.doesNotMatch(r.stdout, /DevTools/);
console.log('ok: cli');
