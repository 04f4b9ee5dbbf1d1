/**
 * Caps on what a fine-tune may ask (docs/shake-to-leak.md, "Caps as a defence"): the platform's knobs against
 * Shake-to-Leak (Li et al., SaTML 2024), whose amplification grows with how far a fine-tune can move the model: records
 * uploaded, steps × batch size (the records the fine-tune sees), LoRA rank, learning rate, the methods allowed and the
 * weights a fine-tune may touch. A FineTune.Start call over any cap is refused (PERMISSION_DENIED, one line naming the
 * cap, the limit and the value asked), before it reaches the sharer; the chain refunds and audits it like any refusal.
 * Caps left out do not bind.
 */
import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import { rpcError } from '../../../shared/grpc/errors';
import { FINE_TUNE_METHODS } from '../../../shared/scenario/lists';
import { FINE_TUNE_DEFAULTS } from '../../../shared/scenario/fineTuneDefaults';
import type { MoveIssue } from '../../../shared/moves/move';
import type { Scenario } from '../../../shared/scenario/schema';
import type { BrokerMove } from '../context';

const configSchema = z.strictObject({
  /** Most records one upload may hold. */
  maxRecords: z.number().int().min(1).optional(),
  /** Most records the fine-tune may see: steps × batch size. */
  maxStepsTimesBatch: z.number().int().min(1).optional(),
  /** Largest LoRA rank (a LoRA spec's rank 0 means the default 8, checked as 8). */
  maxRank: z.number().int().min(1).optional(),
  /** Largest learning rate. */
  maxLearningRate: z.number().gt(0).optional(),
  /** The methods allowed (absent: all). */
  methods: z.array(z.enum(FINE_TUNE_METHODS)).min(1).optional(),
  /**
   * The weights a fine-tune may touch, as the spec's `modules` patterns allowed (absent: any). A spec must then name
   * its modules, each one of these: an empty list means every weight, which this cap refuses.
   */
  modules: z.array(z.string().min(1)).min(1).optional(),
  /** The classes (values of the task label) whose records a fine-tune may hold (absent: any): S2L targets one domain. */
  classes: z.array(z.string().min(1)).min(1).optional(),
});
export type FineTuneCapsConfig = z.output<typeof configSchema>;


/** The first cap the call's spec (`args`, broker/services/fineTune.ts) breaks, as a message; null if none. */
export function capBroken(config: FineTuneCapsConfig, args: Record<string, unknown>): string | null {
  const num = (k: string) => Number(args[k] ?? 0);
  if (config.methods && !config.methods.includes(args.method as (typeof FINE_TUNE_METHODS)[number])) {
    return `method "${String(args.method)}" is not allowed (allowed: ${config.methods.join(', ')})`;
  }
  if (config.maxRecords !== undefined && num('records') > config.maxRecords) return `${num('records')} records uploaded, at most ${config.maxRecords} allowed (maxRecords)`;
  const seen = num('steps') * num('batchSize');
  if (config.maxStepsTimesBatch !== undefined && seen > config.maxStepsTimesBatch) {
    return `steps × batch_size = ${num('steps')} × ${num('batchSize')} = ${seen}, at most ${config.maxStepsTimesBatch} allowed (maxStepsTimesBatch)`;
  }
  const rank = num('rank') || FINE_TUNE_DEFAULTS.rank;
  if (config.maxRank !== undefined && args.method === 'lora' && rank > config.maxRank) return `LoRA rank ${rank}, at most ${config.maxRank} allowed (maxRank)`;
  if (config.maxLearningRate !== undefined && num('learningRate') > config.maxLearningRate) {
    return `learning_rate ${num('learningRate')}, at most ${config.maxLearningRate} allowed (maxLearningRate)`;
  }
  if (config.modules) {
    const asked = (args.modules ?? []) as string[];
    if (asked.length === 0) return `every weight asked (modules empty), only ${config.modules.join(', ')} allowed (modules)`;
    const outside = asked.filter((m) => !config.modules!.includes(m));
    if (outside.length > 0) return `modules ${outside.join(', ')} not allowed (allowed: ${config.modules.join(', ')})`;
  }
  if (config.classes) {
    const outside = ((args.classes ?? []) as string[]).filter((c) => !config.classes!.includes(c));
    if (outside.length > 0) return `records of class ${outside.map((c) => `"${c}"`).join(', ')} not allowed (allowed: ${config.classes.map((c) => `"${c}"`).join(', ')}) (classes)`;
  }
  return null;
}

export const fineTuneCaps: BrokerMove<FineTuneCapsConfig> = {
  id: 'fine-tune-caps',
  party: 'broker',
  describe: 'Refuses every FineTune.Start call whose spec exceeds a cap: records, steps × batch, LoRA rank, learning rate, methods, modules, classes',
  paper: "Shake-to-Leak's amplification grows with how far the fine-tune moves the model (Li et al., SaTML 2024)",
  requires: { access: [] },
  configSchema,
  cost: () => 0,
  check(_config, scenario: Scenario): MoveIssue[] {
    return scenario.broker.access.includes('fine-tune') ? [] : [{ path: ['kind'], message: 'caps fine-tunes, but broker.access does not grant fine-tune' }];
  },
  async run(config) {
    let checked = 0;
    let refused = 0;
    const reasons: string[] = [];
    return {
      name: this.id,
      check(call) {
        if (call.rpc !== 'FineTune.Start') return;
        checked++;
        const broken = capBroken(config, call.args);
        if (broken) {
          refused++;
          reasons.push(broken);
          throw rpcError(grpc.status.PERMISSION_DENIED, `${call.rpc}: ${broken} (fine-tune caps)`);
        }
      },
      report: () => ({ checked, refused, reasons }),
    };
  },
  score: (evidence, config, _truth, label) => ({
    report: { moves: { [label]: { caps: config, callsChecked: evidence.checked, refused: evidence.refused, reasons: evidence.reasons } } },
  }),
};
