/**
 * The receiver process: sees only the broker. Draws a synthetic training set, trains downstream classifiers
 * on it, and measures them on its own real test split.
 */
import { runParty, type Party, type Emit } from '../shared/party/runtime';
import { initBackend } from '../shared/tf';
import { receiverTestSplit } from '../shared/evaluation/testSplit';
import { parseReceiverRuntimeConfig, type ReceiverRuntimeConfig } from './config';
import { BrokerClient } from './brokerClient';
import { drawSynthetic, planDraw } from './draw';
import { trainAndEvaluate, type DownstreamResult } from '../shared/evaluation/downstream';
import { propertyInferenceSamples, runPropertyInference, type PropertyInferenceRunResult } from './attacks/runPropertyInference';
import type { PropertyInferenceConfig } from '../shared/scenario/attacks/propertyInference';
import { gameAttacksCost, generationView, isGameAttack, runMembershipAttack, type MembershipRunResult } from './attacks/runMembership';
import type { Table } from '../shared/data/table';
import { imageSummaryTable } from '../shared/data/imageTable';
import { imagesPerClass } from '../shared/data/sampleGrid';

class Receiver implements Party {
  readonly name = 'receiver' as const;
  private config: ReceiverRuntimeConfig | null = null;
  private broker: BrokerClient | null = null;

  async configure(raw: unknown): Promise<Record<string, unknown>> {
    this.config = parseReceiverRuntimeConfig(raw);
    this.broker = new BrokerClient(this.config.brokerAddress, this.config.token);
    return {};
  }

  async start(emit: Emit): Promise<unknown> {
    const config = this.config!;
    const broker = this.broker!;
    const backend = await initBackend();
    const description = await broker.describe();
    emit({
      stage: 'describe',
      current: 0,
      total: 0,
      message: `access ${description.access.join(', ')}; budget ${description.budgetSamplesLeft}/${description.budgetSamplesTotal}`,
      level: 'info',
    });

    // Check the whole run's budget before drawing anything: the attacks draw after receiver.draw.
    const piaAttacks = config.attacks
      .map((attack, index) => ({ attack: attack as unknown as PropertyInferenceConfig, index }))
      .filter(({ attack }) => (attack as { kind?: string }).kind === 'property-inference');
    const attackSamples = piaAttacks.reduce((a, { attack }) => a + propertyInferenceSamples(attack), 0);
    const gameAttacks = config.attacks.map((attack, index) => ({ attack, index })).filter(({ attack }) => isGameAttack(attack.kind));
    const challenge = config.membershipChallenge as unknown as Table | undefined;
    if (gameAttacks.length > 0 && !challenge) {
      throw new Error(`receiver.attacks[${gameAttacks[0].index}] (${gameAttacks[0].attack.kind}): no membership challenge set was handed to the receiver (the scenario needs a \`membership\` section)`);
    }
    const gameCost = challenge
      ? gameAttacksCost(config.attacks, challenge.rows.length, description.schedule?.timesteps ?? null, generationView(description, challenge))
      : 0;
    // One check of the whole spend, naming each part (the load-time check in consistency.ts is the same sum).
    if (config.draw.samples + attackSamples + gameCost > description.budgetSamplesLeft) {
      const parts = [
        `receiver.draw.samples (${config.draw.samples})`,
        ...piaAttacks.map(({ attack, index }) => `receiver.attacks[${index}] (property-inference) ${propertyInferenceSamples(attack)}`),
        ...(gameCost > 0 ? [`membership attacks (${gameCost} units)`] : []),
      ];
      throw new Error(
        `receiver: ${parts.join(' + ')} need ${config.draw.samples + attackSamples + gameCost}, but broker.budget.samples leaves ` +
          `${description.budgetSamplesLeft} of ${description.budgetSamplesTotal}: raise broker.budget.samples or lower the attacks' spend`,
      );
    }

    const plan = planDraw(config.draw.samples, description.classes.shares, config.draw.classBalance);
    const drawStarted = Date.now();
    const { table: synthetic, budgetSamplesLeft } = await drawSynthetic(broker, description, plan, config.seed, (got, total) =>
      emit({ stage: 'draw', current: got, total, message: 'synthetic records', level: 'progress' }),
    );
    const drawSeconds = (Date.now() - drawStarted) / 1000;

    const syntheticImages = imagesPerClass(synthetic, description.classes.column);
    const test = receiverTestSplit(config);
    const downstream: Record<string, DownstreamResult> = {};
    for (const kind of config.classifiers) {
      downstream[kind] = await trainAndEvaluate(synthetic, test, config.task, kind, {
        epochs: config.classifierEpochs,
        seed: config.seed,
        onEpoch: (epoch, loss) =>
          emit({ stage: `classifier:${kind}`, current: epoch + 1, total: config.classifierEpochs, message: `loss ${loss.toFixed(4)}`, level: 'progress' }),
      });
    }
    const attacks: PropertyInferenceRunResult[] = [];
    for (const { attack, index } of piaAttacks) {
      attacks.push(
        await runPropertyInference(attack, index, {
          broker,
          description,
          seed: config.seed,
          attackData: config.attackData,
          onProgress: (got, total) => emit({ stage: `attack:property-inference`, current: got, total, message: 'synthetic records', level: 'progress' }),
        }),
      );
      const last = attacks[attacks.length - 1].estimates.at(-1)!;
      emit({ stage: 'attack:property-inference', current: 1, total: 1, message: `${attacks[attacks.length - 1].property}: p̂ = ${JSON.stringify(last.pHat)} at n = ${last.n}`, level: 'info' });
    }
    const membershipAttacks: MembershipRunResult[] = [];
    for (const { attack, index } of gameAttacks) {
      emit({ stage: `attack:${attack.kind}`, current: 0, total: 1, message: `${challenge!.rows.length} challenge records`, level: 'info' });
      const result = await runMembershipAttack(attack, index, {
        broker,
        description,
        seed: config.seed,
        challenge: challenge!,
      });
      membershipAttacks.push(result);
      emit({ stage: `attack:${attack.kind}`, current: 1, total: 1, message: `done in ${result.seconds.toFixed(1)} s`, level: 'info' });
    }
    return {
      backend,
      attacks: [...attacks, ...membershipAttacks],
      describe: { access: description.access, modelKind: description.modelKind, columns: description.schema.columns.map((c) => c.name), classes: description.classes },
      draw: { plan, received: synthetic.rows.length, seconds: drawSeconds, budgetSamplesLeft },
      testRows: test.rows.length,
      testBalanced: config.balanceTest,
      downstream,
      // The referee compares these with the sharer's real data (marginals); the receiver owns them anyway. Image
      // records go as their attributes and ink mass (not 784 pixels each), plus a few images per class for the grid.
      synthetic: imageSummaryTable(synthetic),
      ...(syntheticImages ? { syntheticImages } : {}),
    };
  }

  async shutdown(): Promise<void> {
    this.broker?.close();
  }
}

if (require.main === module) {
  runParty(new Receiver()).catch((err) => {
    console.error(`[receiver] ${err?.stack ?? err}`);
    process.exit(1);
  });
}
