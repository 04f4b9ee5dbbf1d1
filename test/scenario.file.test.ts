/**
 * The scenario file itself, before any YAML is parsed: a size cap checked before reading it whole, a binary or
 * non-UTF-8 file said to be one in a single line without echoing its bytes, and control characters from the file
 * never printed raw in any scenario message (an escape sequence would be run by the terminal that shows it).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadScenario, parseScenario, ScenarioError } from '../shared/scenario';
import { MAX_SCENARIO_BYTES } from '../shared/scenario/scenarioFile';

/** Any C0 control but the newline that separates issues, DEL, or a C1 control. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-scenario-file-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function messageOf(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('expected the scenario to be rejected');
}

function fileWith(name: string, content: string | Buffer): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content);
  return file;
}

test('a scenario file over 1 MiB is refused by its size, in one line naming the file, its size and the limit', () => {
  const file = path.join(tmp, 'huge.yaml');
  // Sparse: 50 MiB on paper, nothing on disk. Only its size is looked at.
  fs.closeSync(fs.openSync(file, 'w'));
  fs.truncateSync(file, 50 * 1024 * 1024);
  const readFileSync = jest.spyOn(fs, 'readFileSync');
  try {
    expect(messageOf(() => loadScenario(file))).toBe(
      `invalid scenario ${file}: the file is 52428800 bytes (50.0 MiB), over the 1 MiB limit for a scenario file`,
    );
    expect(readFileSync).not.toHaveBeenCalled();
  } finally {
    readFileSync.mockRestore();
  }
});

test('a file just over the limit is refused, and one at the limit is read (then judged as YAML)', () => {
  const over = fileWith('over.yaml', `# ${'x'.repeat(MAX_SCENARIO_BYTES - 2)}\n`);
  expect(messageOf(() => loadScenario(over))).toMatch(/over the 1 MiB limit/);
  const atLimit = fileWith('at-limit.yaml', `# ${'x'.repeat(MAX_SCENARIO_BYTES - 3)}\n`);
  expect(fs.statSync(atLimit).size).toBe(MAX_SCENARIO_BYTES);
  expect(messageOf(() => loadScenario(atLimit))).not.toMatch(/over the 1 MiB limit/);
});

test('a binary file is said to be one, in one line, without echoing its bytes', () => {
  const bytes = Buffer.concat([Buffer.from('\x7fELF\x02\x01\x1b[2J\x1b]0;owned\x07'), Buffer.alloc(16), Buffer.from('name: x\n')]);
  const file = fileWith('binary.yaml', bytes);
  const message = messageOf(() => loadScenario(file));
  expect(message).toBe(`invalid scenario ${file}: expected a YAML text file, but it holds a NUL byte (line 1): is it a binary file?`);
  expect(message).not.toMatch(/ELF|owned/);
  expect(message).not.toMatch(RAW_CONTROL);
});

test('a file that is not UTF-8 is said to be one, with the first line that is not', () => {
  const file = fileWith('latin1.yaml', Buffer.concat([Buffer.from('name: t\n# caf'), Buffer.from([0xe9]), Buffer.from('\nseed: 1\n')]));
  expect(messageOf(() => loadScenario(file))).toBe(
    `invalid scenario ${file}: expected a YAML text file in UTF-8, but line 2 is not valid UTF-8 (another encoding, or a binary file?)`,
  );
});

test('control characters from the file are escaped in every kind of message, never printed raw', () => {
  const sources = {
    // The YAML library quotes an unresolved alias's name in its syntax error.
    yaml: 'name: *a\x1bb\n',
    // An unknown field is named, with its control characters.
    schema: 'name: t\n\x1b]0;owned\x07key: 1\n',
    // A value is quoted back: C1 controls and a bidi override are not escaped by JSON.stringify.
    value: 'name: t\nseed: "\u009b31m\u202eabc"\n',
  };
  for (const [kind, source] of Object.entries(sources)) {
    const message = messageOf(() => parseScenario(source, `/virtual/${kind}.yaml`));
    expect({ kind, raw: RAW_CONTROL.test(message) || /\u202e/.test(message) }).toEqual({ kind, raw: false });
  }
  expect(messageOf(() => parseScenario(sources.yaml, '/virtual/yaml.yaml'))).toContain('(the anchor must be set before the alias): a\\u001bb');
  expect(messageOf(() => parseScenario(sources.schema, '/virtual/schema.yaml'))).toContain('unknown field "\\u001b]0;owned\\u0007key"');
  expect(messageOf(() => parseScenario(sources.value, '/virtual/value.yaml'))).toContain('(got "\\u009b31m\\u202eabc")');
});
