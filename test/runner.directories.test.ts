/**
 * `sharebox run` checks the directories it writes into before any party starts: `--cache` and `--out` must be
 * directories it can create and write into, and `--out` must be new or empty. Each problem is one line naming the
 * flag and the path, exit code 2, promptly: no stack trace, no hang, no model trained for nothing.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';
import { CLI } from './helpers/cli';

const TINY = path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml');
/** procfs: exists on Linux, and answers ENOENT to any mkdir in it. */
const onProcfs = fs.existsSync(path.join(path.sep, 'proc', 'self')) ? test : test.skip;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-directories-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI with a deadline: a hang fails the test instead of the test run. */
function run(args: string[]): { code: number | null; stderr: string; timedOut: boolean } {
  const r = spawnSync(process.execPath, [CLI, 'run', TINY, '--quiet', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stderr: r.stderr, timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' };
}

/** Exit 2, one line on stderr (no stack trace), matching `pattern`. */
function expectOneLineRefusal(r: ReturnType<typeof run>, pattern: RegExp): void {
  expect(r.timedOut).toBe(false);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(pattern)]);
  expect(r.code).toBe(2);
}

/** A regular file, to stand for a path that cannot be a directory (root writes into any directory). */
function aFile(): string {
  const file = path.join(tmp, `a-file-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, '');
  return file;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('an unwritable --cache is refused before any party starts', () => {
  const out = path.join(tmp, 'cache-refused');
  const cache = path.join(aFile(), 'cache');
  const r = run(['--out', out, '--cache', cache]);
  expectOneLineRefusal(r, new RegExp(`^sharebox run: --cache ${escape(cache)}: expected a directory sharebox can create, but .* is not a directory$`));
  // No party was started, so none logged anything: the sharer did not train a model it could not save.
  expect(fs.existsSync(path.join(out, 'logs'))).toBe(false);
});

const asUser = process.getuid?.() === 0 ? test.skip : test;
asUser('a --cache directory without write permission is refused (not testable as root)', () => {
  const cache = path.join(tmp, 'read-only-cache');
  fs.mkdirSync(cache, { mode: 0o555 });
  const r = run(['--out', path.join(tmp, 'read-only-cache-run'), '--cache', cache]);
  expectOneLineRefusal(r, new RegExp(`^sharebox run: --cache ${escape(cache)}: expected a directory sharebox can write into, but .*EACCES`));
});

test('an --out below a file is one line, not a stack trace', () => {
  const out = path.join(aFile(), 'run');
  const r = run(['--out', out]);
  expectOneLineRefusal(r, new RegExp(`^sharebox run: --out ${escape(out)}: expected a directory sharebox can create, but .* is not a directory$`));
});

onProcfs('an --out under /proc fails promptly instead of spinning in a recursive mkdir', () => {
  const out = path.join(path.sep, 'proc', 'sharebox-run');
  const started = Date.now();
  const r = run(['--out', out, '--cache', path.join(tmp, 'cache')]);
  expectOneLineRefusal(r, /^sharebox run: --out .*proc.sharebox-run: expected a directory sharebox can create, but mkdir .* failed \(.* does not accept new directories\)$/);
  expect(Date.now() - started).toBeLessThan(10_000);
});

onProcfs('a --cache under /proc fails promptly too', () => {
  const r = run(['--out', path.join(tmp, 'proc-cache-run'), '--cache', path.join(path.sep, 'proc', 'self', 'sharebox-cache')]);
  expectOneLineRefusal(r, /^sharebox run: --cache .*sharebox-cache: expected a directory sharebox can create/);
});

test('an --out that exists and is not empty is refused, even when it holds only a failed run\'s logs', () => {
  const out = path.join(tmp, 'failed-run');
  fs.mkdirSync(path.join(out, 'logs'), { recursive: true });
  fs.writeFileSync(path.join(out, 'logs', 'sharer.log'), 'sharer exited unexpectedly\n');
  const r = run(['--out', out, '--cache', path.join(tmp, 'cache')]);
  expectOneLineRefusal(r, new RegExp(`^sharebox run: --out ${escape(out)}: expected a new or empty directory, but it already holds logs; choose another$`));
  // The earlier log is left as it was, not appended to.
  expect(fs.readFileSync(path.join(out, 'logs', 'sharer.log'), 'utf8')).toBe('sharer exited unexpectedly\n');
});
