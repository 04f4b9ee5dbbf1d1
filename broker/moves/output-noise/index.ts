/**
 * Output perturbation by the platform (issue 16, docs/privacy.md "Broker defences"): the broker adds Gaussian noise
 * to every float of the gray- and white-box answers before the receiver sees them, and may round them after. The
 * classic output-perturbation defence against loss- and error-threshold membership inference (Yeom et al. 2018 §6;
 * Zhu et al. 2023 reach their AUCs on exactly these numbers).
 *
 * - `sigmaX0` is in the model's coordinates ("f32le-model": standardised numerics, one-hot-ish categories, the x₀
 *   that Encode returns), added to each coordinate of x̂₀ (PredictX0, Trajectory's predicted_x0) and of Trajectory's
 *   states x_t. The x̂₀ error ‖x̂₀ − x₀‖²/width the gray-box attack scores then grows by σ² on average and by a
 *   record-dependent term of std ≈ 2σ·√(error/width) + σ²·√(2/width).
 * - `sigmaLoss` is in the loss's own units (‖ε̂ − ε‖²/width, ≈ 1 at large t, → 0 at small t for a fitted model),
 *   added once to each per-timestep loss of TimestepLoss: one number per (record, t), whatever noise_draws averaged.
 *
 * The noise is drawn from the broker's seed (which the receiver never learns), the move's index, a counter of the
 * calls it perturbs and the answer's part: one scenario seed gives the same report, and asking the same query twice
 * gives two independent draws. That is what the averaging attacker exploits (receiver moves' `repeats`): k answers
 * to one query average to noise σ/√k at k times the cost. Keying the noise on the query instead would defeat plain
 * repetition but not an attacker who perturbs its queries slightly; it is not done here.
 */
import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import { rpcError } from '../../../shared/grpc/errors';
import { Rng, deriveSeed } from '../../../shared/random';
import type { Scenario } from '../../../shared/scenario/schema';
import type { MoveIssue } from '../../../shared/moves/move';
import type { RecordChunk__Output } from '../../../shared/grpc/generated/sharebox/RecordChunk';
import type { CallContext, OutputPart } from '../../chain';
import type { BrokerMove } from '../context';

/** The answers it can perturb, with the grant each belongs to. */
export const NOISY_RPCS = {
  'GrayBox.PredictX0': 'gray-box',
  'GrayBox.Trajectory': 'gray-box',
  'WhiteBox.TimestepLoss': 'white-box',
} as const;
type NoisyRpc = keyof typeof NOISY_RPCS;
const RPC_NAMES = Object.keys(NOISY_RPCS) as [NoisyRpc, ...NoisyRpc[]];

const configSchema = z.strictObject({
  /** Std of the Gaussian noise on every x̂₀ and state coordinate, in model coordinates. */
  sigmaX0: z.number().min(0).optional(),
  /** Std of the Gaussian noise on every per-timestep loss. */
  sigmaLoss: z.number().min(0).optional(),
  /** Decimals kept after the noise (rounding half away from zero, then back to float32); none by default. */
  round: z.number().int().min(0).max(8).optional(),
  /** The RPCs whose answers it perturbs; default every one of them that broker.access grants. */
  applyTo: z
    .array(z.enum(RPC_NAMES))
    .min(1)
    .refine((v) => new Set(v).size === v.length, { error: 'expected each RPC at most once' })
    .optional(),
});
export type OutputNoiseConfig = z.output<typeof configSchema>;

/** The RPCs a config perturbs under the grants given. */
function resolveApplyTo(config: OutputNoiseConfig, access: readonly string[]): NoisyRpc[] {
  return config.applyTo ?? RPC_NAMES.filter((rpc) => access.includes(NOISY_RPCS[rpc]));
}

/** Which σ a part of an answer gets (null: the part is left alone). */
function sigmaFor(config: OutputNoiseConfig, part: OutputPart): number | null {
  if (part === 'predictedX0' || part === 'states') return config.sigmaX0 ?? null;
  if (part === 'losses') return config.sigmaLoss ?? null;
  return null; // samples are black-box outputs, encoded records the receiver's own
}

/** Adds N(0, σ²) to every float32 of a chunk and rounds to `decimals` when given; a new chunk, the same count and size. */
export function perturbFloats(chunk: RecordChunk__Output, sigma: number, decimals: number | undefined, rng: Rng): RecordChunk__Output {
  if (chunk.data.length % 4 !== 0) throw new Error(`output-noise: a ${chunk.encoding} chunk of ${chunk.data.length} bytes is not float32`);
  // A copy, aligned for Float32Array (a received Buffer may start at any offset of a shared pool).
  const bytes = new Uint8Array(chunk.data.length);
  bytes.set(chunk.data);
  const values = new Float32Array(bytes.buffer);
  const scale = decimals === undefined ? 0 : 10 ** decimals;
  for (let i = 0; i < values.length; i++) {
    let v = values[i] + (sigma > 0 ? sigma * rng.normal() : 0);
    if (scale > 0) v = (Math.sign(v) * Math.round(Math.abs(v) * scale)) / scale;
    values[i] = v;
  }
  return { ...chunk, data: Buffer.from(bytes.buffer) };
}

export const outputNoise: BrokerMove<OutputNoiseConfig> = {
  id: 'output-noise',
  party: 'broker',
  describe: 'Adds Gaussian noise (σ in model coordinates for x̂₀ and states, in loss units for losses) to every gray- and white-box answer, optionally rounded',
  paper: 'output perturbation against threshold MIAs (Yeom et al. 2018 §6); the averaging attacker repeats each query',
  requires: { access: [] },
  configSchema,
  // The broker spends nothing of the receiver's budget.
  cost: () => 0,
  check(config, scenario: Scenario): MoveIssue[] {
    const issues: MoveIssue[] = [];
    if (config.sigmaX0 === undefined && config.sigmaLoss === undefined) {
      issues.push({ path: [], message: 'expected sigmaX0 (noise std on x̂₀ and states, model coordinates) or sigmaLoss (on per-timestep losses), or both' });
    }
    const access = scenario.broker.access;
    if (config.applyTo) {
      config.applyTo.forEach((rpc, i) => {
        if (!access.includes(NOISY_RPCS[rpc])) issues.push({ path: ['applyTo', i], message: `${rpc} needs the "${NOISY_RPCS[rpc]}" grant, which broker.access does not give` });
      });
    } else if (resolveApplyTo(config, access).length === 0) {
      issues.push({ path: ['kind'], message: 'perturbs gray- and white-box answers, but broker.access grants neither' });
    }
    return issues;
  },
  async run(config, ctx) {
    const applyTo = new Set<string>(resolveApplyTo(config, ctx.access));
    const moveSeed = deriveSeed(ctx.seed, `output-noise/${ctx.index}`);
    // Each call's own seed, by the order the calls it may perturb reach the link (the receiver's calls are
    // sequential), then one stream per (call, part), so where the chunks split does not change the noise.
    const callSeeds = new WeakMap<CallContext, number>();
    const streams = new WeakMap<CallContext, Map<OutputPart, Rng>>();
    let seen = 0;
    let calls = 0;
    let values = 0;
    const byRpc: Record<string, { calls: number; values: number }> = {};
    return {
      name: this.id,
      check(call) {
        if (applyTo.has(call.rpc)) callSeeds.set(call, deriveSeed(moveSeed, `call/${seen++}`));
      },
      filterChunk(call, part, chunk) {
        const callSeed = callSeeds.get(call);
        const sigma = sigmaFor(config, part);
        if (callSeed === undefined || sigma === null || (sigma === 0 && config.round === undefined)) return chunk;
        let perPart = streams.get(call);
        if (!perPart) {
          perPart = new Map();
          streams.set(call, perPart);
          calls++;
          (byRpc[call.rpc] ??= { calls: 0, values: 0 }).calls++;
        }
        let rng = perPart.get(part);
        if (!rng) {
          rng = new Rng(deriveSeed(callSeed, part));
          perPart.set(part, rng);
        }
        let out: RecordChunk__Output;
        try {
          out = perturbFloats(chunk, sigma, config.round, rng);
        } catch (err) {
          throw rpcError(grpc.status.INTERNAL, `${call.rpc}: ${(err as Error).message}`);
        }
        const n = chunk.data.length / 4;
        values += n;
        byRpc[call.rpc].values += n;
        return out;
      },
      report: () => ({ applyTo: [...applyTo], calls, values, byRpc }),
    };
  },
  score: (evidence, config, _truth, label) => ({
    report: {
      moves: {
        [label]: {
          sigmaX0: config.sigmaX0 ?? 0,
          sigmaLoss: config.sigmaLoss ?? 0,
          ...(config.round !== undefined ? { round: config.round } : {}),
          applyTo: evidence.applyTo,
          callsPerturbed: evidence.calls,
          valuesPerturbed: evidence.values,
          byRpc: evidence.byRpc,
        },
      },
    },
  }),
};
