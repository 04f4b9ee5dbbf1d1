/**
 * `sharebox explain` (the compiled CLI, as a user runs it) on every shipped scenario: it prints the card's three parties
 * and the grants with their RPCs, runs nothing and reads no dataset. The scenarios are copied into a temporary tree
 * whose Adult files (`../../shared/datasets/adult/`, beside a checkout) are empty placeholders: a card that read them
 * would fail, and the test does not depend on the real files being on this machine.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, type Finished } from './helpers/cli';
import { repoRoot } from '../shared/repoRoot';
import { loadScenario } from '../shared/scenario';
import { liveRpcs } from '../cli/threatModel';

const SCENARIOS = path.join(repoRoot(), 'scenarios');
const files = fs.readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml')).sort();

let tree: string;
let copied: string;
const outputs = new Map<string, Finished>();

/** Runs `explain` on every copy, six at a time. */
async function explainAll(): Promise<void> {
  const queue = [...files];
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) outputs.set(file, await runCli(['explain', path.join(copied, file)]));
    }),
  );
}

beforeAll(async () => {
  tree = fs.mkdtempSync(path.join(os.tmpdir(), 'explain-'));
  copied = path.join(tree, 'checkout', 'scenarios');
  fs.mkdirSync(copied, { recursive: true });
  for (const f of files) fs.copyFileSync(path.join(SCENARIOS, f), path.join(copied, f));
  const adult = path.join(tree, 'shared', 'datasets', 'adult');
  fs.mkdirSync(adult, { recursive: true });
  for (const f of ['adult.data', 'adult.test']) fs.writeFileSync(path.join(adult, f), '');
  await explainAll();
}, 120_000);

afterAll(() => fs.rmSync(tree, { recursive: true, force: true }));

it('finds the shipped scenarios', () => {
  expect(files.length).toBeGreaterThan(20);
  expect(files).toContain('mia-ladder-census.yaml');
  expect(files).toContain('fpa-adult.yaml');
});

describe.each(files)('%s', (file) => {
  it('prints the three parties, the grants and their RPCs', () => {
    const { code, stdout, stderr } = outputs.get(file)!;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const scenario = loadScenario(path.join(copied, file));
    expect(stdout.split('\n')[0]).toBe(`${path.join(copied, file)}: threat model of "${scenario.name}"`);
    expect(stdout).toMatch(/^- The sharer holds /m);
    expect(stdout).toMatch(/^- (The receiver holds|An outside program takes the receiver's seat)/m);
    expect(stdout).toMatch(/^- The broker is the only door\. It grants /m);
    expect(stdout).toMatch(/^- The referee alone holds the ground truth/m);
    for (const grant of scenario.broker.access) expect(stdout).toContain(grant);
    for (const r of liveRpcs(scenario.broker.access, scenario.receiver.external !== undefined)) expect(stdout).toContain(r.rpc);
  });
});

describe('explain, its flags and its failures', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'explain-flags-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('--svg writes the diagram', async () => {
    const svg = path.join(dir, 'card.svg');
    const { code, stdout } = await runCli(['explain', path.join(SCENARIOS, 'mia-ladder-census.yaml'), '--svg', svg]);
    expect(code).toBe(0);
    expect(stdout).toContain(`diagram: ${svg}`);
    const text = fs.readFileSync(svg, 'utf8');
    expect(text.startsWith('<svg')).toBe(true);
    for (const label of ['sharer', 'broker', 'receiver: ADVERSARY', 'WhiteBox.TimestepLoss']) expect(text).toContain(`>${label}</text>`);
  });

  it('a bad scenario: exit 2 and the loader\'s error, as validate gives it', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tiny.yaml'), 'utf8').replace('access: [black-box, class-shares]', 'access: [black-box, x-ray]'));
    const explained = await runCli(['explain', bad]);
    const validated = await runCli(['validate', bad]);
    expect(explained.code).toBe(2);
    expect(explained.stdout).toBe('');
    expect(explained.stderr).toBe(validated.stderr);
    expect(explained.stderr).toMatch(/bad\.yaml:\d+:\d+: broker\.access/);
  });

  it('refuses a flag it does not take, and a missing scenario', async () => {
    const stray = await runCli(['explain', path.join(SCENARIOS, 'quickstart.yaml'), '--cache', dir]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--cache is not an option of explain/);
    const none = await runCli(['explain']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/expected exactly one scenario file/);
  });
});
