/**
 * A property estimate an outside program submits from the receiver's seat (docs/external-receiver.md): the share of
 * training records with the property, and how many records drawn through the broker it rests on. The referee scores it
 * as it scores the built-in property inference (docs/pia.md): against the share in the sharer's training records,
 * with the Hoeffding radius at that n as its bound (the program's own method, e.g. a discriminator's error, is
 * unknown to the referee), beside the trivial guesses (the midpoint, the share in the receiver's aux data).
 */
import { z } from 'zod';
import { hoeffdingRadius } from '../../../shared/metrics/hoeffding';
import { resolveProperty } from '../../../shared/propertyInference/property';
import type { MoveEvidence } from '../../../shared/moves/move';
import type { ReceiverMove } from '../context';
import { scorePropertyInferenceRun } from '../property-inference/score';
import type { PropertyInferenceEvidence } from '../property-inference/run';
import type { BinaryProportionEstimate, ProportionEstimate } from '../property-inference/estimate';
import { submittedOnly } from '../external';

const name = () => z.string().min(1);

const configSchema = z.strictObject({
  /** A binary property: records whose `column` is `value`. */
  property: z.strictObject({ column: name(), value: name() }),
  /** Budget units the program may spend on it (its cost in the scenario's budget check). */
  units: z.number().int().min(1),
  /** Failure probability of the Hoeffding bound the estimate is scored against. */
  eta: z.number().gt(0).lt(1).default(0.05),
  /** The receiver's own dataset with the property column: its share there is the trivial guess beside the estimate. */
  auxData: name().optional(),
});
export type ExternalPropertyConfig = z.output<typeof configSchema>;

/** What the runner makes of the submitted PropertyEstimate (protos/sharebox.proto). */
export interface ExternalPropertyEvidence extends MoveEvidence {
  estimate: number;
  samples: number;
}

export const externalProperty: ReceiverMove<ExternalPropertyConfig, ExternalPropertyEvidence> = {
  id: 'external-property',
  party: 'receiver',
  goal: 'property',
  describe: "A property's share in the training data, estimated by an outside program in the receiver's seat",
  requires: { access: ['black-box'], externalReceiver: 'property' },
  configSchema,
  cost: (config) => config.units,
  run: submittedOnly('external-property'),
  score: (evidence, config, truth) => {
    const spec = config.property;
    const { outcomes } = resolveProperty(spec, truth.trainingRecords.schema, "the sharer's data");
    const r = hoeffdingRadius(evidence.samples, config.eta);
    const clip = (v: number) => Math.min(1, Math.max(0, v));
    const estimate: BinaryProportionEstimate = {
      kind: 'binary',
      property: `${spec.column} = ${spec.value}`,
      // Not a discriminator sharebox knows: the program's method is its own, so the bound is the radius alone.
      discriminator: 'external' as BinaryProportionEstimate['discriminator'],
      outcomes,
      n: evidence.samples,
      eta: config.eta,
      discriminatorError: null,
      correctionNote: 'submitted by an external receiver: its method and error are its own',
      pHat: evidence.estimate,
      hoeffdingRadius: r,
      interval: [clip(evidence.estimate - r), clip(evidence.estimate + r)],
      theorem1Interval: null,
      corrected: null,
      correctedInterval: null,
      correctedIntervalWithCalibration: null,
    };
    const run = {
      ...evidence,
      kind: 'property-inference',
      property: `${spec.column} = ${spec.value}`,
      propertySpec: spec,
      auxData: config.auxData ?? null,
      pretrained: null,
      eta: config.eta,
      correction: false,
      discriminator: { kind: 'external', featureColumns: [], calibration: null },
      budgetSamplesLeft: 0,
      estimates: [estimate as ProportionEstimate],
    } as unknown as PropertyInferenceEvidence;
    return { report: { pia: { attacks: [scorePropertyInferenceRun(run, config, truth)] } } };
  },
};
