// ci-example.test.mjs: the CI example of docs/ci.md works as documented:
// examples/ci/memory-budget.mjs passes (exit 0) on the bounded cache and
// fails (exit 1, one line per exceeded budget) when the cache leaks, and
// writes its Markdown report to $GITHUB_STEP_SUMMARY when that is set.
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { run, scratch, SOURCE, MEMSNAP, assert } from './lib.mjs';

const script = join(SOURCE, 'examples', 'ci', 'memory-budget.mjs');
const dir = scratch('ci-example');
const env = (extra) => ({ ...process.env, MEMSNAP, ...extra });

let r = run('node', ['--expose-gc', script, join(dir, 'ok')], { env: env({ GITHUB_STEP_SUMMARY: '' }) });
assert.equal(r.status, 0, `bounded cache: exit 0 expected, got ${r.status}\n${r.stdout}\n${r.stderr}`);
assert.match(r.stdout, /memory budget: ok/);
const okReport = readFileSync(join(dir, 'ok', 'memory-report.md'), 'utf8');
assert.match(okReport, /^Memory budgets: all 3 met\./);

const summary = join(dir, 'step-summary.md');
writeFileSync(summary, '# CI run\n');
r = run('node', ['--expose-gc', script, join(dir, 'leak')], { env: env({ BUGGY_CACHE: '1', GITHUB_STEP_SUMMARY: summary }) });
assert.equal(r.status, 1, `leaking cache: exit 1 expected, got ${r.status}\n${r.stdout}\n${r.stderr}`);
assert.match(r.stderr, /budget exceeded: class:CacheEntry>\+100: objects of class CacheEntry changed by \+4,950/);
assert.match(r.stderr, /budget exceeded: new-retained>512KB/);
const report = readFileSync(summary, 'utf8');
assert.match(report, /^# CI run\n\*\*Memory budget exceeded\*\*/, 'appended to the step summary');
assert.match(report, /\| `CacheEntry` `app\.js:\d+:\d+` \| 4,950 \| 0 \| \+4,950 \|/);
assert.match(report, /--cache \(property\)-->/, 'the report shows what holds the entries');
console.log('ok: the CI example passes on the bounded cache and fails on the leaking one');
