/**
 * Seeds a party cannot invert (shared/scenario/rootSeeds.ts; docs/architecture.md, "The sandbox's own threat model").
 * Without a run key every seed is a 32-bit hash of "<seed>:<label>": from its own seed the receiver finds the scenario
 * seed by a search that takes a moment, and with it the sharer's data, its seed and a membership game's split. With
 * `runKey: secret` the runner draws a key and every seed is HMAC-SHA256(key, "<seed>:<label>"): the same search finds
 * nothing, and the run replays from the key the report records.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deriveSeed } from '../shared/random';
import { membershipGame, parseScenario, receiverGameSlice, sharerGameSlice } from '../shared/scenario';
import { rootSeed } from '../shared/scenario/rootSeeds';
import { repoRoot } from '../shared/repoRoot';
import { runCli } from './helpers/cli';

const TINY_MIA = path.join(repoRoot(), 'test', 'fixtures', 'tiny-mia.yaml');
const SOURCE = fs.readFileSync(TINY_MIA, 'utf8');
const KEY = 'a1'.repeat(32);
const parse = (text: string) => parseScenario(text, TINY_MIA);
const withKey = (key: string) => parse(SOURCE.replace('seed: 21\n', `seed: 21\nrunKey: ${JSON.stringify(key)}\n`));

/** Every seed the receiver is handed: its own, and each of its datasets'. */
function receiverSeeds(s: ReturnType<typeof parse>): number[] {
  const slice = receiverGameSlice(s, membershipGame(s)!.challenge);
  return [slice.seed, slice.testData.seed, ...Object.values(slice.attackData ?? {}).map((d) => d.seed)];
}

/** The cheap search: every scenario seed below `limit`, through the public derivation, against the receiver's seeds. */
function searchScenarioSeed(seeds: number[], limit: number): number | null {
  const mine = new Set(seeds);
  for (let s = 0; s < limit; s++) if (mine.has(deriveSeed(s, 'receiver'))) return s;
  return null;
}

test('without a run key, the receiver recovers the scenario seed, and from it the sharer\'s seed and the game, by a search of a moment', () => {
  const s = parse(SOURCE);
  const found = searchScenarioSeed(receiverSeeds(s), 100_000);
  expect(found).toBe(21);
  const recomputed = parse(SOURCE.replace('seed: 21', `seed: ${found}`));
  expect(sharerGameSlice(recomputed, membershipGame(recomputed)!.trainingSet).seed).toBe(sharerGameSlice(s, membershipGame(s)!.trainingSet).seed);
  expect(membershipGame(recomputed)!.isMember).toEqual(membershipGame(s)!.isMember);
});

test('with a run key, the same search finds nothing, and the receiver\'s seeds match no other party\'s or dataset\'s', () => {
  const s = withKey(KEY);
  const mine = receiverSeeds(s);
  expect(searchScenarioSeed(mine, 100_000)).toBeNull();
  // Nor any other label of the public derivation at any small seed (the sharer's seed, the pool's, the split's).
  const labels = ['sharer', 'broker', 'referee', 'dataset/pool', 'membership/split', 'membership/challenge'];
  const set = new Set(mine);
  let hits = 0;
  for (let seed = 0; seed < 20_000; seed++) for (const label of labels) if (set.has(deriveSeed(seed, label))) hits++;
  expect(hits).toBe(0);
  // The other parties' seeds under the key are not among the receiver's.
  const others = labels.map((l) => rootSeed(s, l));
  expect(others.filter((x) => set.has(x))).toEqual([]);
});

test('a run key replays: the same key gives the same seeds and game, another key other ones', () => {
  const a = withKey(KEY);
  expect(receiverSeeds(withKey(KEY))).toEqual(receiverSeeds(a));
  expect(membershipGame(withKey(KEY))!.isMember).toEqual(membershipGame(a)!.isMember);
  const b = withKey('b2'.repeat(32));
  expect(receiverSeeds(b)).not.toEqual(receiverSeeds(a));
  expect(membershipGame(b)!.challenge.rows).not.toEqual(membershipGame(a)!.challenge.rows);
  expect(() => withKey('not-a-key')).toThrow(/runKey: expected "secret" or a key of 64 lowercase hex digits/);
});

describe('through the CLI', () => {
  let tmp: string;
  beforeAll(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-runkey-'))));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('runKey: secret draws a key, the report records it, and the recorded key replays the same numbers', async () => {
    const secret = path.join(tmp, 'secret.yaml');
    fs.writeFileSync(secret, SOURCE.replace('seed: 21\n', 'seed: 21\nrunKey: secret\n'));
    const cache = path.join(tmp, 'cache');
    const first = await runCli(['run', secret, '--out', path.join(tmp, 'a'), '--cache', cache, '--quiet']);
    expect({ code: first.code, stderr: first.code === 0 ? '' : first.stderr }).toEqual({ code: 0, stderr: '' });
    const a = JSON.parse(fs.readFileSync(path.join(tmp, 'a', 'report.json'), 'utf8'));
    expect(a.scenario.runKey).toMatch(/^[0-9a-f]{64}$/);
    const replay = path.join(tmp, 'replay.yaml');
    fs.writeFileSync(replay, SOURCE.replace('seed: 21\n', `seed: 21\nrunKey: "${a.scenario.runKey}"\n`));
    expect((await runCli(['run', replay, '--out', path.join(tmp, 'b'), '--cache', cache, '--quiet'])).code).toBe(0);
    const b = JSON.parse(fs.readFileSync(path.join(tmp, 'b', 'report.json'), 'utf8'));
    expect(b.membership.scores).toEqual(a.membership.scores);
    expect(b.downstream ?? b.receiver?.downstream).toEqual(a.downstream ?? a.receiver?.downstream);
    // Another draw of the key is another run: the challenge set differs, so do the scores.
    expect((await runCli(['run', secret, '--out', path.join(tmp, 'c'), '--cache', cache, '--quiet'])).code).toBe(0);
    const c = JSON.parse(fs.readFileSync(path.join(tmp, 'c', 'report.json'), 'utf8'));
    expect(c.scenario.runKey).not.toBe(a.scenario.runKey);
    expect(c.membership.scores).not.toEqual(a.membership.scores);
  }, 180_000);
});
