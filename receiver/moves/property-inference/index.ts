/**
 * The property inference move (Luo et al. 2024 §3: Algorithm 2 sample-and-count, Theorem 1 Hoeffding bound;
 * docs/pia.md): the receiver estimates the share of a sensitive property in the sharer's training data from samples
 * alone. Its config is config.ts, its run run.ts (over the algorithms in algorithms.ts), its score score.ts.
 */
import type { Scenario } from '../../../shared/scenario/schema';
import { datasetColumns } from '../../../shared/scenario/sources';
import { datasetRefProblem, declaredDataset, readSameFile } from '../../../shared/scenario/datasetRefs';
import { sharedHiddenColumns } from '../../../shared/scenario/slices';
import { propertyColumn } from '../../../shared/propertyInference/property';
import type { MoveIssue } from '../../../shared/moves/move';
import { listForMessage } from '../../../shared/scenario/consistency';
import type { ReceiverMove } from '../context';
import { propertyInferenceConfigSchema, type PropertyInferenceConfig } from './config';
import { propertyInferenceSamples, runPropertyInference, type PropertyInferenceEvidence } from './run';
import { scorePropertyInferenceRun } from './score';

export const propertyInference: ReceiverMove<PropertyInferenceConfig, PropertyInferenceEvidence> = {
  id: 'property-inference',
  party: 'receiver',
  goal: 'property',
  describe: 'Estimates the share of a property in the sharer’s training data by classifying samples and counting (Hoeffding bound)',
  paper: 'Luo et al. 2024, §3 (Algorithm 2, Theorem 1)',
  requires: { access: ['black-box'] },
  configSchema: propertyInferenceConfigSchema,
  cost: (config) => propertyInferenceSamples(config),
  check: checkAuxData,
  run: runPropertyInference,
  score: (evidence, config, truth) => ({ report: { pia: { attacks: [scorePropertyInferenceRun(evidence, config, truth)] } } }),
};

/**
 * The discriminator needs the property column: in the samples, or in the receiver's own aux data (never the sharer's
 * dataset or file), or a pretrained discriminator.
 */
function checkAuxData(config: PropertyInferenceConfig, s: Scenario): MoveIssue[] {
  const column = propertyColumn(config.property);
  const aux = config.auxData;
  if (aux === undefined) {
    // Without aux data or a pretrained model, a hidden property column leaves nothing to classify samples with.
    if (config.pretrained === undefined && sharedHiddenColumns(s).includes(column)) {
      return [
        {
          path: [],
          message:
            `the property column "${column}" is hidden by sharer.hideColumns, so the samples lack it: expected auxData ` +
            '(a dataset of the receiver\'s with that column, to train a discriminator) or pretrained (a discriminator directory)',
        },
      ];
    }
    return [];
  }
  const auxData = declaredDataset(s.datasets, aux);
  const at = ['auxData'];
  if (!auxData) return [{ path: at, message: datasetRefProblem(s.datasets, aux)! }];
  if (aux === s.sharer.data) return [{ path: at, message: `must not be the sharer's dataset "${s.sharer.data}": the receiver's aux data is its own` }];
  if (readSameFile(s.datasets, s.sharer.data, aux)) {
    return [{ path: at, message: `must not be the file of the sharer's dataset "${s.sharer.data}": the receiver's aux data is its own` }];
  }
  const columns = datasetColumns(auxData).map((c) => c.name);
  if (!columns.includes(column)) {
    return [{ path: at, message: `dataset "${aux}" has no column "${column}", the property's (columns: ${listForMessage(columns)}): the discriminator learns it from the aux data` }];
  }
  return [];
}
