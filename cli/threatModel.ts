/**
 * The threat-model card (issue 20, "Reports that teach"): who holds what, which RPCs the broker serves, who attacks
 * whom and wanting what, which defences are on where, and what each grant gives away beyond samples — computed from
 * the validated scenario alone, before anything runs. `sharebox explain` prints it; every report carries it at the top
 * (report.json `threatModel`, report.md and report.html, the diagram as card.svg: cli/threatModelDiagram.ts).
 *
 * Every fact comes from the one place that decides it: the grants' services from broker/grants.ts (GRANT_OPENS) and
 * their RPCs from protos/sharebox.proto, what a move does and attacks from the move registry (`describe`, `goal`,
 * `paper`), the receiver's extra datasets from the slices (receiverDatasetRefs). Loading a dataset is never needed:
 * a card reads declarations, not records.
 */
import * as path from 'path';
import { ALWAYS_SERVED, EXTERNAL_RECEIVER_SERVICE, GRANT_OPENS, serviceRpcs } from '../broker/grants';
import { moveById } from '../shared/moves/registry';
import type { MoveGoal } from '../shared/moves/move';
import { receiverDatasetRefs, scenarioVariants, type AccessGrant, type DatasetConfig, type Scenario } from '../shared/scenario';
import { declaredDataset, parseDatasetRef } from '../shared/scenario/datasetRefs';
import { poisoningIsHonest } from '../shared/scenario/sweep';

/** A move as the card shows it: where the scenario lists it, what it does (its registry entry). */
export interface CardMove {
  kind: string;
  /** e.g. `receiver.attacks[2]`, `sharer.poisoning`. */
  where: string;
  describe: string;
  paper?: string;
}

export interface CardParty {
  /** What the party holds, one short phrase each (the diagram's lines). */
  holds: string[];
  /** Its defences, in the order the scenario lists them. */
  defences: CardMove[];
  /** Whether the party attacks another in this scenario. */
  adversary: boolean;
}

/** One RPC the receiver's seat can call on the broker, and what opens it. */
export interface CardRpc {
  rpc: string;
  /** The grant that opens it, `receiver.external` for Evidence.Submit, null for Gateway.Describe (always served). */
  opensWith: AccessGrant | 'receiver.external' | null;
}

export interface CardAdversary {
  party: 'sharer' | 'receiver';
  against: 'sharer' | 'receiver';
  /** The moves' goal (shared/moves/move.ts MOVE_GOALS); null for a move that declares none (a plugin's). */
  goal: MoveGoal | null;
  /** What it wants, in words. */
  wants: string;
  moves: CardMove[];
}

export interface ThreatModelCard {
  scenario: string;
  parties: { sharer: CardParty; broker: CardParty; receiver: CardParty };
  /** The referee is no party to the exchange: it holds the ground truth every attack is scored against. */
  referee: { holds: string[] };
  /** Whether an outside program takes the receiver's seat (receiver.external). */
  externalReceiver: boolean;
  grants: AccessGrant[];
  /** Every RPC the receiver's seat can call; every other method of the protocol answers UNIMPLEMENTED. */
  rpcs: CardRpc[];
  /** Budget units (one sampled record, or one denoiser evaluation of one record). */
  budgetUnits: number;
  /** What each grant in force hands over beyond samples (docs/privacy.md, "What each grant reveals"). */
  reveals: Array<{ grant: AccessGrant; what: string }>;
  adversaries: CardAdversary[];
  /**
   * A sweep: this card is the base scenario's. What the sweep varies, and, when variants differ from the base in who
   * attacks, the defences or the grants, each group of variants with what it has (empty when none differs).
   */
  sweep: {
    variants: string[];
    /** Each axis: a swept field (`axis` is its path), or named cases (`axis` is their name) setting the `fields` listed. */
    varies: Array<{ axis: string; fields: string[]; values: string[] }>;
    byVariant: Array<{ variants: string[]; summary: string }>;
  } | null;
  /** Replicates: the seeds every variant runs at. */
  replicateSeeds: number[] | null;
  /** The card in plain sentences, in reading order (explain prints them; report.md lists them). */
  sentences: string[];
}

/** The name of the diagram beside a report (report.md links it, report.html inlines it). */
export const CARD_FILE = 'card.svg';

/** What each goal is after and whose it is: the victim of a receiver's attack is the sharer's data, of poisoning the receiver. */
const GOALS: { readonly [G in MoveGoal]: { against: 'sharer' | 'receiver'; wants: string } } = {
  membership: { against: 'sharer', wants: 'membership: which records were in the sharer\'s training set' },
  property: { against: 'sharer', wants: 'a property: its share in the sharer\'s training data' },
  extraction: { against: 'sharer', wants: 'extraction: the sharer\'s training records themselves, found among generations' },
  'shake-to-leak': { against: 'sharer', wants: 'Shake-to-Leak: more membership and extraction than the model gives, by fine-tuning it on its own generations' },
  fairness: { against: 'receiver', wants: 'fairness poisoning: the receiver\'s classifiers unfair at little accuracy cost, by choosing what the model learns' },
};

/**
 * What a grant hands over beyond samples (docs/privacy.md, "What each grant reveals"); null when nothing. Samples
 * reveal the distribution the model learnt, within sampling error: that is black-box access, and no more.
 */
function reveals(grant: AccessGrant, scenario: Scenario): string | null {
  switch (grant) {
    case 'black-box':
      return null;
    case 'class-shares':
      return 'the exact share of each class in the training data (in Gateway.Describe), a property of the private data';
    case 'gray-box':
      return scenario.sharer.encoderData
        ? `the encoder, fitted on the public dataset "${scenario.sharer.encoderData}" (sharer.encoderData): Encode and x̂₀ give only its statistics; x̂₀ at larger t still carries what the model learnt`
        : 'the encoder fitted on the private data: GrayBox.Encode of one record gives each category\'s training share and each numeric column\'s empirical CDF (sharer.encoderData closes it)';
    case 'white-box':
      return 'per-timestep losses of records the receiver chooses: a membership oracle by design';
    case 'fine-tune':
      return 'model versions trained further on records the receiver uploads';
  }
}

const count = (n: number) => n.toLocaleString('en-US');

/** A dataset in a few words, from its declaration alone (no file is read). */
export function describeDataset(name: string, d: DatasetConfig): string {
  const rows = d.propertyShare?.rows ?? d.take?.rows ?? (d.source === 'census' ? d.rows : null);
  // A reference to one part of a split csv file (`adult_all.train`, shared/scenario/datasetRefs.ts).
  const splitPart = parseDatasetRef(name).part;
  let source: string;
  switch (d.source) {
    case 'census':
      source = 'census generator';
      break;
    case 'adult':
      source = `UCI Adult file ${path.basename(d.path)}`;
      break;
    case 'csv':
      source = `CSV file ${path.basename(d.path)}${splitPart !== undefined ? `, the ${splitPart} part` : ''}`;
      break;
    case 'mnist':
      source = `MNIST ${d.parity ? 'digits (parity)' : `digits ${d.digits?.join(' and ')}`}, the ${d.part} part`;
      break;
  }
  const size =
    d.source === 'csv' && d.split && splitPart !== undefined
      ? `a share ${d.split.parts[splitPart]} of its${rows !== null ? ` ${count(rows)}` : ''} records`
      : rows !== null
        ? `${count(rows)} records`
        : d.source === 'mnist'
          ? `a share ${d.split[d.part]} of the task's images`
          : 'every record';
  const share = d.propertyShare ? `, ${d.propertyShare.column} = ${d.propertyShare.value} in a share of ${d.propertyShare.share}` : '';
  return `"${name}" (${source}, ${size}${share})`;
}

/** A property as a receiver move names it: `{column, value}`, `{column, values}` or a rule. */
function describeProperty(property: unknown): string | null {
  if (!property || typeof property !== 'object') return null;
  const p = property as { column?: string; value?: unknown; values?: unknown[]; rule?: { column: string; op: string; value: unknown } };
  if (p.rule) return `${p.rule.column} ${p.rule.op} ${Array.isArray(p.rule.value) ? p.rule.value.join(', ') : String(p.rule.value)}`;
  if (p.values) return `the shares of ${p.column}'s values ${p.values.join(', ')}`;
  if (p.column !== undefined) return `${p.column} = ${String(p.value)}`;
  return null;
}

function cardMove(kind: string, where: string): CardMove {
  const move = moveById(kind);
  return { kind, where, describe: move?.describe ?? kind, ...(move?.paper ? { paper: move.paper } : {}) };
}

/** The sharer's poisoning move when it poisons (α > 0); an honest twin (α = 0) poisons nothing. */
function poisoning(scenario: Scenario): { move: CardMove; alpha: number; stealth: boolean } | null {
  const p = scenario.sharer.poisoning;
  if (!p || poisoningIsHonest(p)) return null;
  return { move: cardMove(p.method, 'sharer.poisoning'), alpha: p.alpha, stealth: p.stealth !== undefined };
}

/** Who attacks whom in one scenario (no sweep): the receiver's attacks grouped by goal, then a poisoning sharer. */
function adversariesOf(scenario: Scenario): CardAdversary[] {
  const byGoal = new Map<MoveGoal | null, CardMove[]>();
  scenario.receiver.attacks.forEach((attack, i) => {
    const goal = moveById(attack.kind)?.goal ?? null;
    byGoal.set(goal, [...(byGoal.get(goal) ?? []), cardMove(attack.kind, `receiver.attacks[${i}]`)]);
  });
  const adversaries: CardAdversary[] = [...byGoal].map(([goal, moves]) => ({
    party: 'receiver',
    against: goal ? GOALS[goal].against : 'sharer',
    goal,
    wants: goal ? GOALS[goal].wants : `what its moves do: ${moves.map((m) => m.describe).join('; ')}`,
    moves,
  }));
  const poison = poisoning(scenario);
  if (poison) {
    const goal = moveById(poison.move.kind)?.goal ?? 'fairness';
    adversaries.push({ party: 'sharer', against: GOALS[goal].against, goal, wants: GOALS[goal].wants, moves: [poison.move] });
  }
  return adversaries;
}

function defencesOf(list: ReadonlyArray<{ kind: string }>, where: string): CardMove[] {
  return list.map((d, i) => cardMove(d.kind, `${where}[${i}]`));
}

/** The RPCs the receiver's seat can call under these grants: GRANT_OPENS's services, their methods from the proto. */
export function liveRpcs(grants: readonly AccessGrant[], externalReceiver: boolean): CardRpc[] {
  const rpcs: CardRpc[] = serviceRpcs(ALWAYS_SERVED).map((rpc) => ({ rpc, opensWith: null }));
  for (const grant of grants) {
    const opens = GRANT_OPENS[grant];
    if ('service' in opens) rpcs.push(...serviceRpcs(opens.service).map((rpc) => ({ rpc, opensWith: grant })));
  }
  if (externalReceiver) rpcs.push(...serviceRpcs(EXTERNAL_RECEIVER_SERVICE).map((rpc) => ({ rpc, opensWith: 'receiver.external' as const })));
  return rpcs;
}

/** Move ids in order, each once, with how many times it is listed when more than once ("shake-to-leak ×8"). */
export function moveKinds(moves: readonly CardMove[]): string {
  const counts = new Map<string, number>();
  for (const m of moves) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => (n > 1 ? `${kind} ×${n}` : kind)).join(', ');
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');
/** A move's one-line description inside a sentence: its first letter lowercase, unless it starts an acronym (SecMI, PIA). */
const inSentence = (text: string) => (/^[A-Z][a-z]/.test(text) ? text[0].toLowerCase() + text.slice(1) : text);

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The card of a validated scenario (defaults applied; the loader's `Scenario`). Reads no dataset. */
export function threatModelCard(scenario: Scenario): ThreatModelCard {
  const ds = (name: string) => describeDataset(name, declaredDataset(scenario.datasets, name)!);
  const external = scenario.receiver.external !== undefined;
  const game = scenario.membership;
  const grants = [...scenario.broker.access];
  const rpcs = liveRpcs(grants, external);
  const adversaries = adversariesOf(scenario);
  const poison = poisoning(scenario);
  const auxRefs = receiverDatasetRefs(scenario);
  const auxNames = [...new Set(auxRefs.map(([, name]) => name))];
  const properties = scenario.receiver.attacks.flatMap((a) => {
    const p = describeProperty(a.property);
    return p ? [p] : [];
  });

  // The sharer: its private data (in a membership game, only the members reach it), what it trains, what it hides.
  const sharerHolds = [
    game ? `the ${count(game.members)} members drawn from ${ds(scenario.sharer.data)}: its training set` : `its private data ${ds(scenario.sharer.data)}`,
    ...(game?.duplicates ? [`${count(game.duplicates.members)} members ${game.duplicates.copies} times each in training`] : []),
    `its model: ${scenario.sharer.model.kind}`,
    ...(scenario.sharer.encoderData ? [`public data for its encoder ${ds(scenario.sharer.encoderData)}`] : []),
    ...(scenario.sharer.hideColumns.length > 0 ? [`columns it never shares: ${scenario.sharer.hideColumns.join(', ')}`] : []),
    ...(poison ? [`its poisoning: ${poison.move.kind}, α = ${poison.alpha}${poison.stealth ? ', stealthy' : ''}`] : []),
  ];
  const brokerHolds = [
    `the grants: ${grants.join(', ')}`,
    `the budget: ${count(scenario.broker.budget.samples)} units`,
    'the audit log of every call',
  ];
  const receiverHolds = [
    ...(external ? ['an outside program in its seat (receiver.external)'] : []),
    `its test split ${ds(scenario.receiver.testData)}`,
    ...auxNames.map((name) => `its aux data ${ds(name)}`),
    ...(game ? [`the membership challenge: ${count(game.members + game.nonMembers)} records, unlabelled`] : []),
  ];
  const refereeHolds = [
    ...(game ? [`which of the ${count(game.members + game.nonMembers)} challenge records are members`] : []),
    'the sharer\'s training set',
    ...properties.map((p) => `the true share of ${p} in it`),
    ...(poison ? ['what the poisoning chose (its ground truth)'] : []),
    ...(scenario.expect.length > 0 ? [`${scenario.expect.length} expectation${scenario.expect.length === 1 ? '' : 's'} to check`] : []),
  ];
  const parties = {
    sharer: { holds: sharerHolds, defences: defencesOf(scenario.sharer.defences, 'sharer.defences'), adversary: adversaries.some((a) => a.party === 'sharer') },
    broker: { holds: brokerHolds, defences: defencesOf(scenario.broker.defences, 'broker.defences'), adversary: false },
    receiver: { holds: receiverHolds, defences: defencesOf(scenario.receiver.defences, 'receiver.defences'), adversary: adversaries.some((a) => a.party === 'receiver') },
  };
  const revealed = grants.flatMap((grant) => {
    const what = reveals(grant, scenario);
    return what ? [{ grant, what }] : [];
  });

  const sweep = sweepOf(scenario);
  const card: ThreatModelCard = {
    scenario: scenario.name,
    parties,
    referee: { holds: refereeHolds },
    externalReceiver: external,
    grants,
    rpcs,
    budgetUnits: scenario.broker.budget.samples,
    reveals: revealed,
    adversaries,
    sweep,
    replicateSeeds: scenario.replicates ? [...scenario.replicates.seeds] : null,
    sentences: [],
  };
  card.sentences = sentencesOf(card, scenario);
  return card;
}

/**
 * What one scenario of a sweep is, in the terms a sweep may change: who attacks (without the variant's numbers), the
 * defences, the grants. Variants that agree on all three are grouped.
 */
function variantTerms(scenario: Scenario): { attacks: string; defences: string; grants: string } {
  const adversaries = adversariesOf(scenario);
  const attacks =
    adversaries.length === 0
      ? 'no party attacks'
      : (['receiver', 'sharer'] as const)
          .filter((party) => adversaries.some((a) => a.party === party))
          .map((party) => {
            const own = adversaries.filter((a) => a.party === party);
            return `the ${party} attacks ${own[0].against === 'sharer' ? "the sharer's training data" : 'the receiver'} (${own.map((a) => `${a.goal ?? 'a goal of its own'}: ${moveKinds(a.moves)}`).join('; ')})`;
          })
          .join('; ');
  const defences = [
    ...scenario.sharer.defences.map((d) => `at the sharer, ${d.kind}`),
    ...scenario.broker.defences.map((d) => `at the broker, ${d.kind}`),
    ...scenario.receiver.defences.map((d) => `at the receiver, ${d.kind}`),
  ];
  return { attacks, defences: defences.length === 0 ? 'no defence' : `defences ${defences.join(', ')}`, grants: `grants ${scenario.broker.access.join(', ')}` };
}

/** What a sweep varies, and, when the variants differ from the base in who attacks, the defences or the grants, how. */
function sweepOf(scenario: Scenario): ThreatModelCard['sweep'] {
  const entries = scenario.sweep ?? [];
  if (entries.length === 0) return null;
  const variants = scenarioVariants(scenario);
  const base = variantTerms(scenario);
  const terms = variants.map((v) => ({ label: v.label, terms: variantTerms(v.scenario) }));
  const changed = (['attacks', 'defences', 'grants'] as const).filter((k) => terms.some((t) => t.terms[k] !== base[k]));
  const groups = new Map<string, string[]>();
  if (changed.length > 0) {
    for (const t of terms) {
      const summary = changed.map((k) => t.terms[k]).join('; ');
      groups.set(summary, [...(groups.get(summary) ?? []), t.label]);
    }
  }
  return {
    variants: variants.map((v) => v.label),
    varies: entries.map((e) =>
      'cases' in e
        ? { axis: e.name, fields: [...new Set(e.cases.flatMap((c) => Object.keys(c.set)))], values: e.cases.map((c) => c.label) }
        : { axis: e.path, fields: [e.path], values: e.labels ?? e.values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))) },
    ),
    byVariant: [...groups].map(([summary, labels]) => ({ variants: labels, summary })),
  };
}

/** The card in sentences, in the docs' teaching voice: who holds what, the door, who attacks, the defences. */
function sentencesOf(card: ThreatModelCard, scenario: Scenario): string[] {
  const { sharer, broker, receiver } = card.parties;
  const game = scenario.membership;
  const s: string[] = [];
  s.push(
    game
      ? `The sharer holds the ${count(game.members)} members the referee draws from the pool ${describeDataset(scenario.sharer.data, declaredDataset(scenario.datasets, scenario.sharer.data)!)}: the training set of its ${scenario.sharer.model.kind}. The rest of the pool, the non-members among it, it never sees.`
      : `The sharer holds its private data ${describeDataset(scenario.sharer.data, declaredDataset(scenario.datasets, scenario.sharer.data)!)} and trains ${article(scenario.sharer.model.kind)} ${scenario.sharer.model.kind} on ${scenario.sharer.poisoning?.trainRows ? `${count(scenario.sharer.poisoning.trainRows)} records it picks from it (sharer.poisoning)` : 'it'}.`,
  );
  const receiverHas = receiver.holds.filter((h) => !h.startsWith('an outside program'));
  s.push(
    card.externalReceiver
      ? `An outside program takes the receiver's seat (receiver.external): it is given ${list(receiverHas.map((h) => h.replace(/^its /, 'the receiver\'s ')))}, and submits its evidence through Evidence.Submit.`
      : `The receiver holds ${list(receiverHas)}.`,
  );
  s.push(`The referee alone holds the ground truth: ${list(card.referee.holds.filter((h) => !/expectation/.test(h)))}.`);
  const calls = card.rpcs.map((r) => r.rpc);
  s.push(
    `The broker is the only door. It grants ${list(card.grants)}: the receiver can call ${list(calls)}, and nothing else answers. ` +
      `It forwards each call to the sharer's ModelHost within a budget of ${count(card.budgetUnits)} units (one unit: one sampled record, or one denoiser evaluation of one record), and audits every call.`,
  );
  for (const r of card.reveals) s.push(`Beyond samples, ${r.grant} reveals ${r.what}.`);
  if (card.adversaries.length === 0) {
    s.push(
      card.sweep && card.sweep.byVariant.length > 0
        ? 'In the base scenario no party attacks: it is the honest twin the variants below are measured against.'
        : 'No party attacks in this scenario: every party is honest (a baseline).',
    );
  }
  for (const party of ['receiver', 'sharer'] as const) {
    const own = card.adversaries.filter((a) => a.party === party);
    if (own.length === 0) continue;
    const whose = own[0].against === 'sharer' ? "the sharer's training data" : 'the receiver';
    const poisonAlpha = party === 'sharer' ? scenario.sharer.poisoning?.alpha : undefined;
    s.push(
      `The ${party} is the adversary, against ${whose}. It wants ${own.map((a) => `${a.wants} (${moveKinds(a.moves)}${poisonAlpha !== undefined ? `, α = ${poisonAlpha}` : ''})`).join('; ')}.`,
    );
  }
  const defences = [
    ...sharer.defences.map((d) => `at the sharer, ${d.kind} (${inSentence(d.describe)})`),
    ...broker.defences.map((d) => `at the broker, ${d.kind} (${inSentence(d.describe)})`),
    ...receiver.defences.map((d) => `at the receiver, ${d.kind} (${inSentence(d.describe)})`),
    ...(scenario.sharer.encoderData ? [`at the sharer, an encoder fitted on public data (sharer.encoderData)`] : []),
  ];
  s.push(defences.length === 0 ? `No defence is on${card.sweep ? ' in the base scenario' : ''}.` : `Defences on: ${defences.join('; ')}.`);
  if (card.sweep) {
    const varies = card.sweep.varies.map((v) => `${v.axis}${v.fields.length === 1 && v.fields[0] === v.axis ? '' : ` (setting ${v.fields.join(', ')})`} over ${v.values.join(', ')}`).join('; ');
    s.push(`This card is the base scenario's. The sweep varies ${varies}: ${card.sweep.variants.length} variants, each with fresh processes at the same seed.`);
    for (const g of card.sweep.byVariant) s.push(`In variant${g.variants.length === 1 ? '' : 's'} ${g.variants.join(', ')}: ${g.summary}.`);
  }
  if (card.replicateSeeds) s.push(`Everything runs once per seed: ${card.replicateSeeds.join(', ')} (replicates).`);
  return s;
}
