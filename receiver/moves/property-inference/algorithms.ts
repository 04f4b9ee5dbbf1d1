/**
 * Property inference (PIA): the receiver estimates the share p of a sensitive property in the sharer's training
 * data from samples alone (Luo et al. 2024, §3: Algorithm 2 sample-and-count, Theorem 1 Hoeffding bound).
 * This is the algorithmic core; docs/pia.md explains the method, its assumptions and the variants.
 *
 * The move that runs it (its id, grant, config, run and score) is index.ts beside this file.
 */

export { PropertyInferenceError, type PropertyInferenceErrorCode } from '../../../shared/propertyInference/errors';
export {
  describeProperty,
  isMultiValuedProperty,
  isRuleProperty,
  OTHER_OUTCOME,
  propertyColumn,
  resolveProperty,
  RULE_OPS,
  validatePropertySpec,
  type PropertyRule,
  type PropertySpec,
  type ResolvedProperty,
  type RuleOp,
} from '../../../shared/propertyInference/property';
export {
  calibrationFromPredictions,
  discriminatorFor,
  identityDiscriminator,
  trainDiscriminator,
  type DiscriminatorCalibration,
  type DiscriminatorKind,
  type PropertyDiscriminator,
  type TrainDiscriminatorOptions,
} from './discriminator';
export {
  estimateProportion,
  invertMatrix,
  MIN_CORRECTION_SEPARATION,
  type BinaryProportionEstimate,
  type EstimateOptions,
  type Interval,
  type MultiProportionEstimate,
  type OutcomeEstimate,
  type ProportionEstimate,
} from './estimate';
export {
  checkSidecarAgainst,
  DISCRIMINATOR_SIDECAR,
  fileSystemModelHandler,
  filePathFromUrl,
  loadLayersModelFromFile,
  loadPretrainedDiscriminator,
  savePretrainedDiscriminator,
  type PretrainedDiscriminatorSidecar,
} from './pretrained';
