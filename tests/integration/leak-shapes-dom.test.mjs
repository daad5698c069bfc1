// leak-shapes-dom.test.mjs: the detached DOM subtree, in a real browser.
//
// tests/fixtures/leaks/browser-snapshots.mjs opens
// tests/fixtures/leaks/detached-dom.html in headless Chromium and takes
// memlab's three snapshots: the page's action opens N cards (a <div
// class="card"> with an <h2>, a <p> and a <button>, three text nodes, and a
// CardView holding the div), its undo removes them from the document but
// keeps every CardView in `detachedCards` (the line marked @culprit).
// `memsnap leaks` must put that first, in the program's terms:
//   - the first group is named by CardView (the program's class), N of them;
//   - its reference is detachedCards[…], and the code that holds it is the
//     declaration of detachedCards (the page's line);
//   - every detached element is counted, exactly: N of each card's four
//     elements and 3N text nodes, all the program's;
//   - the twin without the leak (?fixed) leaks nothing of the program's
//     (program_count 0): Blink's own objects are the runtime's.
// Skipped (exit 0) only when no Chromium is installed
// (scripts/install-deps.sh installs it).
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { memsnap, memsnapJson, run, scratch, schemaValidator, SOURCE, assert } from './lib.mjs';

const N = 200;
const fixtures = join(SOURCE, 'tests', 'fixtures', 'leaks');
const page = join(fixtures, 'detached-dom.html');
const driver = join(fixtures, 'browser-snapshots.mjs');

function chromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

if (!chromium()) {
  console.log('skip: no Chromium installed (chromium, chromium-browser or google-chrome on PATH, or CHROMIUM); ' +
    'scripts/install-deps.sh installs it');
  process.exit(0);
}

// The page's truths: the culprit line's variable, its declaration, CardView's class.
const lines = readFileSync(page, 'utf8').split('\n');
const culprit = lines.find((l) => l.includes('// @culprit'));
const variable = /(\w+)\.push\(/.exec(culprit)[1];
assert.equal(variable, 'detachedCards');
// N is the page's default: the leak's page runs without a query string,
// which would be part of its scripts' names (file:///…/detached-dom.html?n=9)
const pageN = /params\.get\('n'\) \|\| (\d+)/.exec(lines.join('\n'));
assert.ok(pageN && Number(pageN[1]) === N, `detached-dom.html opens ${N} cards by default`);
const declLine = lines.findIndex((l) => new RegExp(`^const ${variable} = `).test(l)) + 1;
assert.ok(declLine > 0, `detached-dom.html declares ${variable}`);

const dir = scratch('leak-shapes-dom');
function snapshots(name, ...args) {
  const out = join(dir, name);
  const r = run('node', ['--experimental-websocket', '--no-warnings', driver, out, ...args],
    { timeout: 60000 });
  assert.equal(r.status, 0, `browser-snapshots ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return ['baseline', 'target', 'final'].map((s) => join(out, `${s}.heapsnapshot`));
}

const leak = snapshots('leak');
const fixed = snapshots('fixed', '--fixed');
const validLeaks = schemaValidator('leaks');

function leaks(files, ...args) {
  const r = memsnap('leaks', ...args, ...files);
  assert.equal(r.status, 0, `memsnap leaks ${args.join(' ')} failed (${r.status}): ${r.stderr}` +
    (/different processes/.test(r.stderr)
      ? '\n(a DOM node detached between two snapshots is renamed "Detached <name>" by DevTools\' ' +
        'DOM state propagation: the same-process check must not count it as another object)'
      : ''));
  return r;
}

// ---- the leak ---------------------------------------------------------------
const doc = JSON.parse(leaks(leak, '--json', '-n', '0').stdout);
validLeaks(doc, 'leaks --json (detached DOM)');
const count = (name) => doc.classes.filter((c) => c.name === name).reduce((s, c) => s + c.count, 0);
assert.equal(count('CardView'), N, 'every CardView leaks');
for (const el of ['Detached <div>', 'Detached <h2>', 'Detached <p>', 'Detached <button>'])
  assert.equal(count(el), N, `every ${el} leaks`);
assert.equal(count('Detached Text'), 3 * N, 'every text node of the cards leaks');
const cardView = doc.classes.find((c) => c.name === 'CardView');
assert.equal(cardView.origin, 'user');
assert.match(cardView.key, /CardView$/);

const first = doc.groups[0];
assert.equal(first.class, 'CardView', `the first group is the program's class: ${JSON.stringify(first.class)}`);
assert.equal(first.class_count, N);
assert.ok(first.count >= 9 * N, `the group holds the cards' elements and text too (${first.count})`);
assert.ok(first.cause.reference.startsWith(`${variable}[`),
  `the reference to cut is ${variable}[…]: ${first.cause.reference}`);
assert.equal(first.cause.reference, `${variable}[…]`);
assert.ok(first.cause.declaration, 'the heading names where the reference is declared');
assert.equal(first.cause.declaration.name, variable);
assert.match(first.cause.declaration.location.file, /detached-dom\.html$/);
assert.equal(first.cause.declaration.location.line, declLine);
assert.equal(first.example.location.file, pathToFileURL(page).href, 'script names are the page\'s URL');
// the program holds the cards, their elements and text nodes; Blink's own
// objects (styles, fonts, caches) are not counted
assert.ok(doc.program_count >= 9 * N && doc.program_count <= first.count,
  `program_count ${doc.program_count}: the cards' objects (${9 * N} at least, ${first.count} in the group)`);

// The text heading says the same.
const text = leaks(leak, '-n', '1').stdout;
const heading = text.split('\n').find((l) => /^\s+#1\s/.test(l));
assert.ok(heading, `a first group in:\n${text}`);
assert.match(heading, new RegExp(`#1  ${N} CardView \\(detached-dom\\.html:\\d+:\\d+\\) held by ${variable}\\[…\\]`));
assert.ok(heading.includes(`detached-dom.html:${declLine}:`), `the heading names the declaration's line ${declLine}: ${heading}`);

// ---- the twin without the leak ----------------------------------------------
const clean = JSON.parse(leaks(fixed, '--json', '-n', '0').stdout);
validLeaks(clean, 'leaks --json (fixed)');
assert.equal(clean.program_count, 0,
  `the fixed page leaks nothing of the program's: ${JSON.stringify(clean.groups.slice(0, 3).map((g) => [g.class, g.count]))}`);
assert.equal(clean.classes.filter((c) => c.name.startsWith('Detached ')).length, 0, 'no detached element is left');
assert.equal(clean.classes.filter((c) => c.name === 'CardView').length, 0);
assert.equal(leaks(fixed, '--fail-on', 'leaks>0').status, 0);

console.log(`ok: detached DOM in Chromium: ${heading.trim()}; fixed twin: program_count 0 ` +
  `(${clean.count} objects of the browser's own)`);
