/**
 * Shake-to-Leak (Li, Hong, Li, Wang, SaTML 2024; docs/shake-to-leak.md): fine-tuning a diffusion model on data it
 * generated itself for one domain amplifies membership inference on that domain. The receiver (1) draws an SP set of
 * class c from the base model (black-box), (2) has the sharer fine-tune a copy on it through the broker's fine-tune
 * grant (the weights stay with the sharer; the copy is a new model version), and (3) runs the same membership attacks
 * on the base and on the version, with the same seeds, so the referee scores the difference paired on the same
 * challenge records of class c.
 *
 * Cost: the SP set's records, the fine-tune's price (steps × batch × 3, broker/services/fineTune.ts), each attack's
 * own cost twice, and the utility guard's draws from both models.
 */
import type { MoveIssue } from '../../../shared/moves/move';
import { moveById, resolveMoves } from '../../../shared/moves/registry';
import type { Scenario } from '../../../shared/scenario/schema';
import { Rng, deriveSeed } from '../../../shared/random';
import { loadDataset } from '../../../shared/data/loadDataset';
import { columnIndex, type Table } from '../../../shared/data/table';
import { RecordSpace, nearestOtherDistances } from '../../../shared/data/recordDistance';
import type { ReceiverMove, ReceiverMoveContext } from '../context';
import type { MembershipEvidence } from '../membership/run';
import { FINE_TUNE_UNITS_PER_RECORD_STEP } from '../../../shared/scenario/fineTuneDefaults';
import { shakeToLeakConfigSchema, type ShakeToLeakConfig } from './config';
import { scoreShakeToLeak, type ShakeToLeakEvidence } from './score';


function innerMoves(config: ShakeToLeakConfig, where: string) {
  return resolveMoves(config.attacks as Array<{ kind: string }>, `${where}.attacks`);
}

function classIndexOf(ctx: ReceiverMoveContext, value: string, field: string): number {
  const k = ctx.description.classes.values.indexOf(value);
  if (k < 0) throw new Error(`receiver.attacks[${ctx.index}] (shake-to-leak): ${field}: "${value}" is not a class of "${ctx.description.classes.column}" (classes: ${ctx.description.classes.values.join(', ')})`);
  return k;
}

/** The fine-tuning set: rows in the shared schema and their classes. */
async function fineTuningSet(config: ShakeToLeakConfig, ctx: ReceiverMoveContext, c: number, seed: number): Promise<{ rows: number[][]; classes: number[]; drawn: number }> {
  const where = `receiver.attacks[${ctx.index}] (shake-to-leak)`;
  if (config.source === 'real') {
    const spec = config.auxData ? ctx.attackData[config.auxData] : undefined;
    if (!spec) throw new Error(`${where}: auxData: the dataset "${config.auxData}" was not handed to the receiver`);
    const table = loadDataset(spec, spec.seed);
    const label = columnIndex(table.schema, ctx.description.classes.column);
    const rows = table.rows.filter((r) => r[label] === c).slice(0, config.records);
    if (rows.length === 0) throw new Error(`${where}: auxData: "${config.auxData}" has no record of class "${config.class}"`);
    return { rows, classes: rows.map(() => c), drawn: 0 };
  }
  const from = config.source === 'other-class' ? classIndexOf(ctx, config.otherClass!, 'otherClass') : c;
  const count = config.selectDensestOf ?? config.records;
  const drawn = await ctx.broker.sample(ctx.description.schema, { count, seed: deriveSeed(seed, 'sp-set'), classIndex: from }, (got) => ctx.onProgress(got, count));
  if (config.source === 'scrambled') {
    const label = columnIndex(ctx.description.schema, ctx.description.classes.column);
    return { rows: scrambleColumns(drawn.rows, label, new Rng(deriveSeed(seed, 'scramble'))), classes: drawn.classes, drawn: drawn.rows.length };
  }
  if (config.selectDensestOf === undefined) return { rows: drawn.rows, classes: drawn.classes, drawn: drawn.rows.length };
  const kept = densest({ schema: ctx.description.schema, rows: drawn.rows }, config.records);
  return { rows: kept.map((i) => drawn.rows[i]), classes: kept.map((i) => drawn.classes[i]), drawn: drawn.rows.length };
}

/** Every column but `keep` permuted independently across the rows: the column's values survive, no record does. */
export function scrambleColumns(rows: readonly number[][], keep: number, rng: Rng): number[][] {
  const out = rows.map((r) => r.slice());
  const width = rows[0]?.length ?? 0;
  for (let j = 0; j < width; j++) {
    if (j === keep) continue;
    const order = rng.shuffle(Array.from(rows.keys()));
    order.forEach((from, i) => (out[i][j] = rows[from][j]));
  }
  return out;
}

/**
 * The indices of the `keep` records whose nearest other record is closest (ties by index), in the record distance
 * fitted on the set itself (the receiver holds nothing else of the class).
 */
function densest(table: Table, keep: number): number[] {
  const space = RecordSpace.fit(table);
  const nearest = nearestOtherDistances(space.encode(table), space.width);
  return Array.from(nearest.keys())
    .sort((a, b) => nearest[a] - nearest[b] || a - b)
    .slice(0, keep);
}

export const shakeToLeak: ReceiverMove<ShakeToLeakConfig, ShakeToLeakEvidence> = {
  id: 'shake-to-leak',
  party: 'receiver',
  goal: 'shake-to-leak',
  describe: 'Fine-tunes the model (through the fine-tune grant) on its own generations of one class, then runs membership attacks on the base and the fine-tuned version, paired',
  paper: 'Li, Hong, Li, Wang 2024 (SaTML), "Shake to Leak: Fine-tuning Diffusion Models Can Amplify the Generative Privacy Risk"',
  requires: { access: ['black-box', 'fine-tune'], membershipGame: true },
  configSchema: shakeToLeakConfigSchema,
  cost(config, view) {
    const inner = innerMoves(config, 'shake-to-leak').reduce((sum, { move, config: c }) => sum + move.cost(c, view), 0);
    const sp = config.source === 'real' ? 0 : config.selectDensestOf ?? config.records;
    return sp + config.fineTune.steps * config.fineTune.batchSize * FINE_TUNE_UNITS_PER_RECORD_STEP + 2 * inner + 2 * config.guardSamples;
  },
  check(config, scenario: Scenario): MoveIssue[] {
    const issues: MoveIssue[] = [];
    config.attacks.forEach((raw, i) => {
      const move = moveById(raw.kind);
      if (!move || move.party !== 'receiver' || move.slot !== undefined || !move.requires.membershipGame || move.id === 'shake-to-leak') {
        issues.push({ path: ['attacks', i, 'kind'], message: `"${raw.kind}" is not a membership attack (a receiver attack that plays the membership game)` });
        return;
      }
      for (const grant of move.requires.access) {
        if (!scenario.broker.access.includes(grant)) issues.push({ path: ['attacks', i, 'kind'], message: `${raw.kind} needs the "${grant}" grant, which broker.access does not give` });
      }
    });
    if (config.source === 'other-class' && !config.otherClass) issues.push({ path: ['otherClass'], message: 'source other-class needs otherClass (the class whose SP set is used)' });
    if (config.selectDensestOf !== undefined && config.selectDensestOf < config.records) issues.push({ path: ['selectDensestOf'], message: `expected at least records (${config.records}) generations to select from, got ${config.selectDensestOf}` });
    if (config.selectDensestOf !== undefined && (config.source === 'real' || config.source === 'scrambled')) issues.push({ path: ['selectDensestOf'], message: `selects among generations: not with source ${config.source}` });
    if (config.source === 'real' && !config.auxData) issues.push({ path: ['auxData'], message: "source real needs auxData (the receiver's dataset with records of the class)" });
    return issues;
  },
  async run(config, ctx) {
    const started = Date.now();
    const where = `receiver.attacks[${ctx.index}] (shake-to-leak)`;
    // Not the move's index: the same fine-tune whatever else the scenario lists, and fineTuneSeed tells repeats apart.
    const seed = deriveSeed(ctx.seed, `shake-to-leak/${config.fineTuneSeed}`);
    const c = classIndexOf(ctx, config.class, 'class');
    const set = await fineTuningSet(config, ctx, c, seed);
    ctx.say(`fine-tuning set: ${set.rows.length} records (${config.source}); fine-tuning (${config.fineTune.method}, ${config.fineTune.steps} steps)`);
    const spec = { ...config.fineTune, seed: deriveSeed(seed, 'fine-tune') };
    const reply = await ctx.broker.fineTune(spec, set.rows, set.classes);
    ctx.say(`version ${reply.modelVersion}: final loss ${reply.finalLoss.toFixed(4)}, ${reply.trainableParameters} trainable parameters, ${reply.seconds.toFixed(1)} s`);
    const version = ctx.broker.atVersion(reply.modelVersion);
    const attacks: ShakeToLeakEvidence['attacks'] = [];
    let samplesDrawn = set.drawn;
    let queryUnits = reply.unitsCharged;
    for (const { move, config: inner, index } of innerMoves(config, where)) {
      // The same index and seed on both models: the same draws, noise and timesteps (common random numbers).
      const base = (await move.run(inner, ctx)) as MembershipEvidence;
      const fineTuned = (await move.run(inner, { ...ctx, broker: version })) as MembershipEvidence;
      for (const e of [base, fineTuned]) {
        samplesDrawn += e.samplesDrawn;
        queryUnits += e.queryUnits ?? 0;
      }
      attacks.push({ kind: move.id, index, config: inner as Record<string, unknown>, base, fineTuned });
    }
    // The utility guard: the same draw of the class from both models.
    let guard: ShakeToLeakEvidence['guard'] = null;
    if (config.guardSamples > 0) {
      const request = { count: config.guardSamples, seed: deriveSeed(seed, 'guard'), classIndex: c };
      const fromBase = await ctx.broker.sample(ctx.description.schema, request);
      const fromVersion = await version.sample(ctx.description.schema, request);
      samplesDrawn += fromBase.rows.length + fromVersion.rows.length;
      guard = { base: fromBase.rows, fineTuned: fromVersion.rows };
    }
    return {
      kind: this.id,
      index: ctx.index,
      samplesDrawn,
      queryUnits,
      seconds: (Date.now() - started) / 1000,
      class: config.class,
      classIndex: c,
      classColumn: ctx.description.classes.column,
      source: config.source,
      fineTuningRecords: set.rows.length,
      fineTune: {
        spec: config.fineTune,
        modelVersion: reply.modelVersion,
        parentVersion: reply.parentVersion,
        recordsSha256: reply.recordsSha256,
        deltaSha256: reply.deltaSha256,
        unitsCharged: reply.unitsCharged,
        trainableParameters: reply.trainableParameters,
        finalLoss: reply.finalLoss,
        seconds: reply.seconds,
      },
      attacks,
      guard,
    };
  },
  score: scoreShakeToLeak,
};
