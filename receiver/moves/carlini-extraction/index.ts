/**
 * Data extraction (Carlini et al. 2023 §4): the receiver draws M generations; the referee, which knows the training
 * set, counts the training records within Carlini's relative distance of one (score.ts).
 */
import type { ReceiverMove } from '../context';
import { extractionConfigSchema, type ExtractionConfig } from '../membership/config';
import { runDrawingAttack, type MembershipEvidence } from '../membership/run';
import { scoreExtraction } from './score';

export const carliniExtraction: ReceiverMove<ExtractionConfig, MembershipEvidence> = {
  id: 'carlini-extraction',
  party: 'receiver',
  goal: 'extraction',
  describe: 'Data extraction: M generations, training records within Carlini’s relative distance (counted by the referee)',
  paper: 'Carlini et al. 2023 (USENIX Security), §4 CIFAR-10 criterion',
  requires: { access: ['black-box'], membershipGame: true },
  configSchema: extractionConfigSchema,
  cost: (config) => config.samples,
  run(config, ctx) {
    // The generations go to the referee, which alone can compare them with the training set.
    return runDrawingAttack(this, config.samples, ctx, (generations) => ({ details: { neighbours: config.neighbours, thresholds: config.thresholds }, generations }));
  },
  score: scoreExtraction,
};
