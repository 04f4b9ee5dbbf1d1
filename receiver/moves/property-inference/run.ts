/**
 * The receiver's run of the property inference attack (Luo et al. 2024 §3; docs/pia.md): draw max(samples)
 * records through the broker in the class shares it reports, pick the discriminator the threat model allows
 * (identity when the property column is in the samples, else one trained on the receiver's own aux data), and
 * estimate the share on the first n records for each n. Returns raw evidence; the referee scores it against
 * the sharer's truth (score.ts) and across a sweep (cli/studies/pia.ts).
 */
import { loadDataset } from '../../../shared/data/loadDataset';
import type { Table } from '../../../shared/data/table';
import { deriveSeed } from '../../../shared/random';
import type { MoveEvidence } from '../../../shared/moves/move';
import { drawShuffled, type ReceiverMoveContext } from '../context';
import type { PropertyInferenceConfig } from './config';
import { describeProperty, discriminatorFor, estimateProportion, loadPretrainedDiscriminator, type DiscriminatorCalibration, type PropertySpec, type ProportionEstimate } from './algorithms';

export interface PropertyInferenceEvidence extends MoveEvidence {
  kind: 'property-inference';
  property: string;
  propertySpec: PropertySpec;
  /** The aux dataset the discriminator was trained on, or null (visible column, or a pretrained discriminator). */
  auxData: string | null;
  /** The pretrained discriminator's directory, or null. */
  pretrained: string | null;
  eta: number;
  correction: boolean;
  discriminator: { kind: string; featureColumns: string[]; calibration: DiscriminatorCalibration | null };
  /** Records drawn for the attack (max of `samples`). */
  samplesDrawn: number;
  budgetSamplesLeft: number;
  /** One estimate per n of `samples`, on the first n drawn records. */
  estimates: ProportionEstimate[];
}

/** Records the attack draws: the largest n it estimates with. */
export function propertyInferenceSamples(config: Pick<PropertyInferenceConfig, 'samples'>): number {
  return Math.max(...config.samples);
}

export async function runPropertyInference(config: PropertyInferenceConfig, ctx: ReceiverMoveContext): Promise<PropertyInferenceEvidence> {
  const started = Date.now();
  const index = ctx.index;
  const property = config.property as PropertySpec;
  const seed = deriveSeed(ctx.seed, `pia/${index}`);
  const { table: samples, budgetSamplesLeft } = await drawShuffled(ctx, propertyInferenceSamples(config), seed);

  const discriminator = config.pretrained
    ? await pretrainedFor(config.pretrained, property, index)
    : await discriminatorFor(property, ctx.description.schema, auxTable(config, ctx), {
        seed: deriveSeed(seed, 'discriminator'),
        classifier: config.classifier,
      });
  try {
    const estimates = [...config.samples]
      .sort((a, b) => a - b)
      .map((n) => {
        const estimate = estimateProportion(samples, discriminator, { eta: config.eta, n });
        return config.correction ? estimate : withoutCorrection(estimate);
      });
    const last = estimates.at(-1)!;
    ctx.say(`${describeProperty(property)}: p̂ = ${JSON.stringify(last.pHat)} at n = ${last.n}`);
    return {
      kind: 'property-inference',
      index,
      property: describeProperty(property),
      propertySpec: property,
      auxData: config.auxData ?? null,
      pretrained: config.pretrained ?? null,
      eta: config.eta,
      correction: config.correction,
      discriminator: { kind: discriminator.kind, featureColumns: [...discriminator.featureColumns], calibration: discriminator.calibration },
      samplesDrawn: samples.rows.length,
      budgetSamplesLeft,
      seconds: (Date.now() - started) / 1000,
      estimates,
    };
  } finally {
    discriminator.dispose();
  }
}

/** A pretrained discriminator, refused unless it was trained for the attack's own property. */
async function pretrainedFor(directory: string, property: PropertySpec, index: number) {
  const discriminator = await loadPretrainedDiscriminator(directory);
  if (canonicalJson(discriminator.property) !== canonicalJson(property)) {
    discriminator.dispose();
    throw new Error(
      `receiver.attacks[${index}].pretrained: ${directory} holds a discriminator for ${describeProperty(discriminator.property)}, ` +
        `but the attack infers ${describeProperty(property)}`,
    );
  }
  return discriminator;
}

/** JSON with object keys sorted, so that two equal property specs compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The receiver's aux table for the attack, or undefined when it has none (the discriminator then needs the column visible). */
function auxTable(config: PropertyInferenceConfig, ctx: ReceiverMoveContext): Table | undefined {
  if (config.auxData === undefined) return undefined;
  const auxSpec = ctx.attackData[config.auxData];
  if (!auxSpec) throw new Error(`receiver.attacks[${ctx.index}] (property-inference): aux dataset "${config.auxData}" was not handed to the receiver`);
  return loadDataset(auxSpec, auxSpec.seed);
}

/** `correction: false`: the paper's raw estimate only. */
function withoutCorrection(estimate: ProportionEstimate): ProportionEstimate {
  const correctionNote = 'correction turned off (correction: false)';
  if (estimate.kind === 'binary') return { ...estimate, corrected: null, correctedInterval: null, correctedIntervalWithCalibration: null, correctionNote };
  return {
    ...estimate,
    corrected: null,
    correctedRadius: null,
    correctionNote,
    perValue: estimate.perValue.map((v) => ({ ...v, corrected: null, correctedInterval: null })),
  };
}
