/**
 * The threat-model card (cli/threatModel.ts) from the test fixtures: the live RPCs are exactly the grants' (never an
 * RPC without its grant), the adversary and what it wants, the defences at the party that runs them, the referee's
 * ground truth, what a sweep varies; the diagram (cli/threatModelDiagram.ts) has the three boxes and the RPC labels.
 * Nothing is trained and no dataset is read.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { loadScenario, parseScenario, ACCESS_GRANTS, type AccessGrant, type Scenario } from '../shared/scenario';
import { liveRpcs, threatModelCard } from '../cli/threatModel';
import { renderThreatModelSvg, wrap } from '../cli/threatModelDiagram';

const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name: string) => loadScenario(path.join(FIXTURES, name));

/** The protocol's receiver-facing RPCs per grant, written out here independently of GRANT_OPENS (protos/sharebox.proto). */
const RPCS_OF_GRANT: Record<AccessGrant, string[]> = {
  'black-box': ['BlackBox.Sample'],
  'gray-box': ['GrayBox.Encode', 'GrayBox.PredictX0', 'GrayBox.Trajectory'],
  'white-box': ['WhiteBox.TimestepLoss'],
  'fine-tune': ['FineTune.Start'],
  'class-shares': [],
};

/** A fixture's YAML with some fields changed, parsed as the loader parses a file beside the fixtures. */
function variantOf(name: string, change: (raw: Record<string, any>) => void): Scenario {
  const raw = parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, any>;
  change(raw);
  return parseScenario(stringify(raw), path.join(FIXTURES, `${name}-variant.yaml`));
}

describe('the live RPCs are exactly the grants\'', () => {
  // Every set of grants the broker accepts: at least one that opens a service.
  const subsets = Array.from({ length: 2 ** ACCESS_GRANTS.length }, (_, mask) => ACCESS_GRANTS.filter((_, i) => mask & (1 << i))).filter((grants) =>
    grants.some((g) => RPCS_OF_GRANT[g].length > 0),
  );

  test.each(subsets.map((grants) => [grants.join(', '), grants] as const))('%s', (_, grants) => {
    const rpcs = liveRpcs(grants, false);
    expect(rpcs.map((r) => r.rpc).sort()).toEqual(['Gateway.Describe', ...grants.flatMap((g) => RPCS_OF_GRANT[g])].sort());
    // Each RPC names the grant that opens it, and that grant is given; an RPC of a grant not given fails here.
    for (const r of rpcs) {
      if (r.rpc === 'Gateway.Describe') expect(r.opensWith).toBeNull();
      else expect(grants).toContain(r.opensWith);
      if (r.opensWith !== null) expect(RPCS_OF_GRANT[r.opensWith as AccessGrant]).toContain(r.rpc);
    }
  });

  it('adds Evidence.Submit for an outside program in the receiver\'s seat, and only then', () => {
    expect(liveRpcs(['black-box'], true).map((r) => r.rpc)).toEqual(['Gateway.Describe', 'BlackBox.Sample', 'Evidence.Submit']);
    expect(liveRpcs(['black-box'], false).map((r) => r.rpc)).not.toContain('Evidence.Submit');
  });

  it('follows the scenario\'s broker.access, not a list of its own', () => {
    const base = fixture('tiny.yaml');
    for (const access of [['black-box'], ['white-box'], ['gray-box', 'fine-tune']] as AccessGrant[][]) {
      const card = threatModelCard({ ...base, broker: { ...base.broker, access } });
      expect(card.grants).toEqual(access);
      expect(card.rpcs.filter((r) => r.opensWith !== null).map((r) => r.rpc)).toEqual(access.flatMap((g) => RPCS_OF_GRANT[g]));
    }
  });
});

describe('the card of each fixture', () => {
  it('tiny: an honest baseline, black-box with class shares', () => {
    const card = threatModelCard(fixture('tiny.yaml'));
    expect(card.rpcs.map((r) => r.rpc)).toEqual(['Gateway.Describe', 'BlackBox.Sample']);
    expect(card.adversaries).toEqual([]);
    expect(card.parties.sharer.adversary || card.parties.receiver.adversary).toBe(false);
    expect(card.reveals.map((r) => r.grant)).toEqual(['class-shares']);
    expect(card.parties.sharer.holds[0]).toBe('its private data "private" (census generator, 1,500 records)');
    expect(card.parties.receiver.holds).toEqual(['its test split "test" (census generator, 800 records)']);
    expect(card.sweep).toBeNull();
    expect(card.sentences.join('\n')).toMatch(/No party attacks/);
    expect(card.sentences.join('\n')).toMatch(/No defence is on\./);
  });

  it('tiny-mia: the receiver attacks the sharer\'s data (membership, extraction); the referee holds the labels', () => {
    const card = threatModelCard(fixture('tiny-mia.yaml'));
    expect(card.adversaries.map((a) => [a.party, a.against, a.goal])).toEqual([
      ['receiver', 'sharer', 'membership'],
      ['receiver', 'sharer', 'extraction'],
    ]);
    expect(card.adversaries[0].moves.map((m) => m.kind)).toEqual(['mia-nearest-synthetic', 'mia-x0-error', 'mia-secmi', 'mia-pia', 'mia-loss', 'mia-trajectory']);
    expect(card.adversaries[0].moves[0]).toMatchObject({ where: 'receiver.attacks[0]', describe: expect.stringMatching(/nearest/) });
    expect(card.parties.receiver.adversary).toBe(true);
    expect(card.parties.sharer.adversary).toBe(false);
    expect(card.parties.sharer.holds[0]).toMatch(/^the 100 members drawn from "pool"/);
    expect(card.parties.receiver.holds).toContain('the membership challenge: 200 records, unlabelled');
    expect(card.referee.holds[0]).toBe('which of the 200 challenge records are members');
    expect(card.reveals.map((r) => r.grant)).toEqual(['gray-box', 'white-box', 'class-shares']);
    expect(card.reveals[0].what).toMatch(/encoder fitted on the private data/);
  });

  it('gray-box with sharer.encoderData: the encoder reveals the public data only', () => {
    const card = threatModelCard(
      variantOf('tiny-mia.yaml', (raw) => {
        raw.datasets.public = { source: 'census', rows: 300 };
        raw.sharer.encoderData = 'public';
      }),
    );
    expect(card.reveals.find((r) => r.grant === 'gray-box')?.what).toMatch(/public dataset "public"/);
    expect(card.parties.sharer.holds).toContain('public data for its encoder "public" (census generator, 300 records)');
  });

  it('tiny-fpa: the base is the honest twin; the sweep varies the poisoning, and its poisoned variants make the sharer the adversary', () => {
    const card = threatModelCard(fixture('tiny-fpa.yaml'));
    expect(card.adversaries).toEqual([]);
    expect(card.sweep?.varies).toEqual([
      { axis: 'sharer.poisoning.method', fields: ['sharer.poisoning.method'], values: ['greedy-mi', 'label-flipping'] },
      { axis: 'sharer.poisoning.alpha', fields: ['sharer.poisoning.alpha'], values: ['0', '0.5'] },
    ]);
    expect(card.sweep?.variants).toHaveLength(4);
    const poisoned = card.sweep!.byVariant.filter((g) => /the sharer attacks the receiver \(fairness/.test(g.summary));
    expect(poisoned.flatMap((g) => g.variants).sort()).toEqual(['method=greedy-mi,alpha=0.5', 'method=label-flipping,alpha=0.5']);
    expect(card.sentences.join('\n')).toMatch(/honest twin/);

    const poisonedCard = threatModelCard(variantOf('tiny-fpa.yaml', (raw) => ((raw.sharer.poisoning.alpha = 0.5), delete raw.sweep, delete raw.expect)));
    expect(poisonedCard.adversaries.map((a) => [a.party, a.against, a.goal, a.moves[0].kind])).toEqual([['sharer', 'receiver', 'fairness', 'greedy-mi']]);
    expect(poisonedCard.parties.sharer.adversary).toBe(true);
    expect(poisonedCard.parties.receiver.adversary).toBe(false);
    expect(poisonedCard.sentences.join('\n')).toMatch(/The sharer is the adversary, against the receiver\. It wants fairness poisoning.*\(greedy-mi, α = 0\.5\)/);
  });

  it('tiny-matrix: a sweep of named cases lists the fields it sets, and each variant\'s defences at their party', () => {
    const card = threatModelCard(fixture('tiny-matrix.yaml'));
    expect(card.sweep?.varies).toEqual([{ axis: 'defence', fields: ['sharer.defences', 'broker.defences'], values: ['none', 'dp-eps10', 'output-noise', 'nn-rejection', 'fine-tune-caps'] }]);
    expect(card.sweep?.byVariant).toEqual([
      { variants: ['defence=none'], summary: 'no defence' },
      { variants: ['defence=dp-eps10'], summary: 'defences at the sharer, dp-training' },
      { variants: ['defence=output-noise'], summary: 'defences at the broker, output-noise' },
      { variants: ['defence=nn-rejection'], summary: 'defences at the sharer, nn-rejection' },
      { variants: ['defence=fine-tune-caps'], summary: 'defences at the broker, fine-tune-caps' },
    ]);
    expect(card.sentences.join('\n')).toMatch(/No defence is on in the base scenario\./);
  });

  it('tiny-external: an outside program in the receiver\'s seat, with Evidence.Submit', () => {
    const card = threatModelCard(fixture('tiny-external.yaml'));
    expect(card.externalReceiver).toBe(true);
    expect(card.rpcs.map((r) => r.rpc)).toEqual(['Gateway.Describe', 'BlackBox.Sample', 'Evidence.Submit']);
    expect(card.rpcs.find((r) => r.rpc === 'Evidence.Submit')?.opensWith).toBe('receiver.external');
    expect(card.parties.receiver.holds[0]).toMatch(/an outside program/);
    expect(card.adversaries.map((a) => a.goal)).toEqual(['membership', 'property']);
    expect(card.referee.holds).toContain('the true share of sex = Female in it');
    expect(card.sentences[1]).toMatch(/^An outside program takes the receiver's seat/);
  });

  it('tiny-s2l: fine-tune opens FineTune.Start; the broker\'s cap is a broker defence; the goal is Shake-to-Leak', () => {
    const card = threatModelCard(fixture('tiny-s2l.yaml'));
    expect(card.rpcs.map((r) => r.rpc)).toEqual(['Gateway.Describe', 'BlackBox.Sample', 'GrayBox.Encode', 'GrayBox.PredictX0', 'GrayBox.Trajectory', 'FineTune.Start']);
    expect(card.parties.broker.defences.map((d) => [d.kind, d.where])).toEqual([['fine-tune-caps', 'broker.defences[0]']]);
    expect(card.parties.sharer.defences).toEqual([]);
    expect(card.parties.receiver.defences).toEqual([]);
    expect(card.adversaries.map((a) => a.goal)).toEqual(['shake-to-leak']);
    expect(card.parties.receiver.holds).toContain('its aux data "aux" (census generator, 300 records)');
    expect(card.parties.sharer.holds).toContain('20 members 3 times each in training');
    expect(card.sentences.join('\n')).toMatch(/shake-to-leak ×6/);
  });

  it('puts each defence at the party that runs it', () => {
    const card = threatModelCard(
      variantOf('tiny-mia.yaml', (raw) => {
        raw.sharer.defences = [{ kind: 'deduplicate' }];
        raw.broker.defences = [{ kind: 'output-noise', sigmaX0: 0.5, sigmaLoss: 0.1 }];
        raw.receiver.defences = [{ kind: 'reweighing' }];
      }),
    );
    expect(card.parties.sharer.defences.map((d) => d.kind)).toEqual(['deduplicate']);
    expect(card.parties.broker.defences.map((d) => d.kind)).toEqual(['output-noise']);
    expect(card.parties.receiver.defences.map((d) => d.kind)).toEqual(['reweighing']);
    expect(card.sentences.find((s) => s.startsWith('Defences on'))).toMatch(/at the sharer, deduplicate .*; at the broker, output-noise .*; at the receiver, reweighing/);
  });

  it('reads no dataset: an Adult scenario whose files are empty placeholders still has its card', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'card-adult-'));
    try {
      for (const f of ['adult.data', 'adult.test']) fs.writeFileSync(path.join(dir, f), '');
      const raw = parse(fs.readFileSync(path.join(FIXTURES, 'tiny.yaml'), 'utf8')) as Record<string, any>;
      raw.datasets = { private: { source: 'adult', path: 'adult.data', take: { rows: 500 } }, test: { source: 'adult', path: 'adult.test' } };
      fs.writeFileSync(path.join(dir, 'adult.yaml'), stringify(raw));
      const card = threatModelCard(loadScenario(path.join(dir, 'adult.yaml')));
      expect(card.parties.sharer.holds[0]).toBe('its private data "private" (UCI Adult file adult.data, 500 records)');
      expect(card.parties.receiver.holds[0]).toBe('its test split "test" (UCI Adult file adult.test, every record)');
      // No absolute path of this machine in the card.
      expect(JSON.stringify(card)).not.toContain(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the diagram', () => {
  /** The text of every <text> element of an SVG, unescaped. */
  const textsOf = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&'));

  it('has the three boxes, the RPC labels, the adversary marked and the referee', async () => {
    const card = threatModelCard(fixture('tiny-mia.yaml'));
    const svg = await renderThreatModelSvg(card);
    expect(svg.startsWith('<svg')).toBe(true);
    const texts = textsOf(svg);
    expect(texts).toEqual(expect.arrayContaining(['sharer', 'broker', 'receiver: ADVERSARY', 'ModelHost']));
    for (const r of card.rpcs) expect(texts).toContain(r.rpc);
    expect(texts.some((t) => t.startsWith('referee'))).toBe(true);
    // Four rectangles: three parties and the referee's strip.
    expect(svg.match(/class="mark-rect[^"]*"/g)).toHaveLength(1);
    expect((svg.match(/<g class="mark-rect[\s\S]*?<\/g>/)?.[0].match(/<path/g) ?? []).length).toBe(4);
    // Every text starts inside the picture.
    const width = Number(/width="(\d+)"/.exec(svg)?.[1]);
    for (const m of svg.matchAll(/translate\(([\d.]+),([\d.]+)\)/g)) expect(Number(m[1])).toBeLessThanOrEqual(width);
  });

  it('marks a poisoning sharer, and shows an honest receiver as such', async () => {
    const card = threatModelCard(variantOf('tiny-fpa.yaml', (raw) => ((raw.sharer.poisoning.alpha = 0.5), delete raw.sweep, delete raw.expect)));
    const texts = textsOf(await renderThreatModelSvg(card));
    expect(texts).toContain('sharer: ADVERSARY');
    expect(texts).toContain('receiver');
    expect(texts.some((t) => t.includes('greedy-mi'))).toBe(true);
  });

  it('draws scenario text as text', async () => {
    const card = threatModelCard(fixture('tiny.yaml'));
    const svg = await renderThreatModelSvg({ ...card, scenario: '<script>alert(1)</script>' });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
  });

  it('wraps long lines at the width and cuts a word longer than a line', () => {
    expect(wrap('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
});
