/**
 * The averaging attacker (docs/privacy.md "Broker defences"): against a platform that adds fresh noise to every
 * answer (broker move output-noise), ask each question k times and average the answers. Independent noise of std σ
 * averages to σ/√k, at k times the cost; the model's own answer, the same each time (same records, timesteps and
 * noise seed), is untouched. With k = 1 the oracle is returned as it is, so every attack without `repeats` gives
 * exactly the numbers it gave before.
 */
import type { GrayBoxOracle, WhiteBoxOracle } from './oracle';

/** The mean of k answers of one query, element by element (summed in float64, returned as float32 like an answer). */
export async function averageOf(repeats: number, ask: () => Promise<Float32Array>): Promise<Float32Array> {
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`repeats: expected a positive integer (got ${repeats})`);
  const first = await ask();
  if (repeats === 1) return first;
  const sum = Float64Array.from(first);
  for (let r = 1; r < repeats; r++) {
    const next = await ask();
    if (next.length !== sum.length) throw new Error(`repeats: answer ${r + 1} of one query has ${next.length} values, the first had ${sum.length}`);
    for (let i = 0; i < sum.length; i++) sum[i] += next[i];
  }
  const out = new Float32Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = sum[i] / repeats;
  return out;
}

/** A gray-box oracle whose PredictX0 answers are each the mean of `repeats` calls; Encode and Trajectory pass through. */
export function averagingGrayBox(oracle: GrayBoxOracle, repeats: number): GrayBoxOracle {
  if (repeats === 1) return oracle;
  return {
    schedule: oracle.schedule,
    encode: (rows) => oracle.encode(rows),
    trajectory: (request) => oracle.trajectory(request),
    predictX0AtTimesteps: (rows, timesteps, noiseSeed) => averageOf(repeats, () => oracle.predictX0AtTimesteps(rows, timesteps, noiseSeed)),
    predictX0: (xt, t, classes) => averageOf(repeats, () => oracle.predictX0(xt, t, classes)),
  };
}

/** A white-box oracle whose TimestepLoss answers are each the mean of `repeats` calls. */
export function averagingWhiteBox(oracle: WhiteBoxOracle, repeats: number): WhiteBoxOracle {
  if (repeats === 1) return oracle;
  return {
    schedule: oracle.schedule,
    timestepLoss: (rows, timesteps, noiseSeed, draws) => averageOf(repeats, () => oracle.timestepLoss(rows, timesteps, noiseSeed, draws)),
  };
}
