/**
 * The external receiver's rules without processes (docs/external-receiver.md): what the broker's Evidence service
 * accepts (readSubmission), and what the scenario loader refuses for an external receiver.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import { readSubmission } from '../broker/services/evidence';
import type { EvidenceSeat } from '../shared/external/evidence';
import type { EvidenceSubmission__Output } from '../shared/grpc/generated/sharebox/EvidenceSubmission';
import { parseScenario, ScenarioError } from '../shared/scenario';
import { registerBuiltInMoves } from '../cli/moves';
import { repoRoot } from '../shared/repoRoot';

const seat: EvidenceSeat = {
  deadline: new Date(Date.now() + 60_000).toISOString(),
  attacks: [
    { index: 0, kind: 'external-membership', evidence: 'membership', challengeRecords: 3 },
    { index: 1, kind: 'external-property', evidence: 'property' },
  ],
};
const membership = (scores: number[]) => ({ attack: 0, evidence: 'membership' as const, membership: { scores } });
const property = (estimate: number, samples: number) => ({ attack: 1, evidence: 'property' as const, property: { estimate, samples } });
const submit = (...attacks: EvidenceSubmission__Output['attacks']) => ({ attacks });

describe('readSubmission: one piece per listed attack, of its kind and size, finite, resting on records drawn', () => {
  test('a valid submission, in any order, comes back in the seat\'s order', () => {
    expect(readSubmission(submit(property(0.4, 100), membership([1, 0.5, -2])), seat, 100)).toEqual([
      { index: 0, kind: 'external-membership', evidence: 'membership', scores: [1, 0.5, -2] },
      { index: 1, kind: 'external-property', evidence: 'property', estimate: 0.4, samples: 100 },
    ]);
  });
  const refused: Array<[string, EvidenceSubmission__Output, RegExp]> = [
    ['too few scores', submit(membership([1, 2]), property(0.4, 10)), /attacks\[0\] \(attack 0\), external-membership: membership\.scores holds 2 scores, expected one per challenge record \(3\)/],
    ['a NaN score', submit(membership([1, NaN, 2]), property(0.4, 10)), /membership\.scores\[1\] is NaN, expected a finite number/],
    ['a missing attack', submit(membership([1, 2, 3])), /no evidence for attack 1 \(external-property\): expected one piece per listed attack/],
    ['an attack twice', submit(membership([1, 2, 3]), membership([1, 2, 3]), property(0.4, 10)), /attacks\[1\] \(attack 0\): a second piece of evidence for the same attack/],
    ['an unknown attack', submit({ attack: 7, evidence: 'membership', membership: { scores: [] } }), /attacks\[0\] \(attack 7\): no such attack \(the connection file lists 0, 1\)/],
    ['the wrong kind', submit({ attack: 0, evidence: 'property', property: { estimate: 0.5, samples: 1 } }), /external-membership: expected membership evidence, got property/],
    ['an estimate outside [0, 1]', submit(membership([1, 2, 3]), property(1.2, 10)), /property\.estimate is 1\.2, expected a share in \[0, 1\]/],
    ['more samples than units charged', submit(membership([1, 2, 3]), property(0.4, 101)), /property\.samples is 101, but the broker has charged this receiver 100 units/],
  ];
  test.each(refused)('%s: INVALID_ARGUMENT naming the attack and field', (_name, submission, message) => {
    let caught: { code?: number; message?: string } = {};
    try {
      readSubmission(submission, seat, 100);
    } catch (err) {
      caught = err as { code?: number; message?: string };
    }
    expect(caught.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(caught.message).toMatch(/^Evidence\.Submit: /);
    expect(caught.message).toMatch(message);
  });
});

describe('the loader: an external receiver submits evidence, the built-in one runs moves', () => {
  beforeAll(() => registerBuiltInMoves());
  const fixture = fs.readFileSync(path.join(repoRoot(), 'test', 'fixtures', 'tiny-external.yaml'), 'utf8');
  const problems = (source: string) => {
    try {
      parseScenario(source, '/virtual/external.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      return (err as ScenarioError).issues.map((i) => `${i.kind === 'file' ? '' : (i as unknown as { path: ReadonlyArray<string | number> }).path.join('.')}: ${i.message}`);
    }
    return [];
  };
  test('the fixture is valid', () => expect(problems(fixture)).toEqual([]));
  test('a built-in attack in an external receiver\'s list', () => {
    expect(problems(fixture.replace('- { kind: external-membership, units: 200 }', '- { kind: mia-nearest-synthetic, samples: 200 }'))).toEqual([
      expect.stringMatching(/^receiver\.attacks\.0\.kind: an external receiver \(receiver\.external\) submits evidence, it runs no built-in move: expected one of external-membership, external-property/),
    ]);
  });
  test('external evidence without receiver.external, and no draw', () => {
    const builtIn = fixture.replace('  external: { deadlineSeconds: 60 }\n', '');
    const issues = problems(builtIn);
    expect(issues).toContain('receiver.draw: required: the built-in receiver draws its synthetic training set ({ samples: N })');
    expect(issues).toEqual(expect.arrayContaining([expect.stringMatching(/^receiver\.attacks\.0\.kind: is evidence an outside program submits: it needs receiver\.external/)]));
  });
  test('a draw with an external receiver', () => {
    expect(problems(fixture.replace('  external: { deadlineSeconds: 60 }\n', '  external: { deadlineSeconds: 60 }\n  draw: { samples: 10 }\n'))).toEqual([
      'receiver.draw: not used with receiver.external: the outside program draws what it wants within the budget (remove it)',
    ]);
  });
  test('an evidence budget over the broker\'s', () => {
    expect(problems(fixture.replace('units: 300 }', 'units: 900 }')).join('\n')).toMatch(/broker\.budget\.samples: expected at least 1100 units/);
  });
  test('a rung the broker does not grant', () => {
    expect(problems(fixture.replace('- { kind: external-membership, units: 200 }', '- { kind: external-membership, units: 200, access: [gray-box] }'))).toEqual([
      'receiver.attacks.0.access: gray-box is not granted by broker.access (black-box)',
    ]);
  });
});
