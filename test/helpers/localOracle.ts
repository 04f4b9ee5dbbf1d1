/**
 * The gray-box and white-box oracles of the membership attacks on an in-process diffusion model (TabularModel or
 * ImageModel), for unit tests: the same contract the broker client fulfils over gRPC
 * (receiver/moves/membership/oracle.ts), without processes. `calls.rows` counts budget units as the broker
 * charges them (one per denoiser evaluation of one record; a trajectory record costs the sampler's S steps).
 */
import type { Table, TableSchema } from '../../shared/data/table';
import type { GrayBoxOracle, WhiteBoxOracle } from '../../receiver/moves/membership/oracle';
import { forEachGenerationBatch } from '../../sharer/generationBatches';
import type { TimestepModel } from '../../sharer/timestepAccess';

export function localOracles(model: TimestepModel): { gray: GrayBoxOracle; white: WhiteBoxOracle; calls: { rows: number; trajectoryCalls: number } } {
  const s = model.diffusionSchedule;
  const schedule = { timesteps: s.timesteps, alphaBars: s.alphaBars, modelWidth: s.modelWidth, samplerTimesteps: s.samplerTimesteps };
  const schema: TableSchema = model.schema;
  const table = (rows: number[][]): Table => ({ schema, rows });
  const calls = { rows: 0, trajectoryCalls: 0 };
  return {
    calls,
    gray: {
      schedule,
      encode: async (rows) => {
        calls.rows += rows.length;
        return model.encodeRecords(table(rows));
      },
      predictX0AtTimesteps: async (rows, timesteps, seed) => {
        calls.rows += rows.length * timesteps.length;
        return model.predictX0AtTimesteps(table(rows), timesteps, seed);
      },
      predictX0: async (xt, t, classes) => {
        calls.rows += classes.length;
        return model.predictX0(xt, t, classes);
      },
      // As the sharer's ModelHost.Trajectory runs it: the same generation batches as Sample, states record-major.
      trajectory: async ({ count, seed, classIndex, timesteps, includePredictedX0 }) => {
        if (!model.sampleTrajectory) throw new Error('localOracles: this model serves no trajectory');
        calls.rows += count * s.samplerTimesteps.length;
        calls.trajectoryCalls++;
        const width = s.modelWidth;
        const states = new Float32Array(count * timesteps.length * width);
        const predictedX0 = includePredictedX0 ? new Float32Array(count * timesteps.length * width) : null;
        let done = 0;
        await forEachGenerationBatch(
          count,
          seed,
          () => false,
          async (n, batchSeed, rngForClasses) => {
            const out = await model.sampleTrajectory!(n, classIndex ?? null, batchSeed, rngForClasses, { timesteps, predictedX0: includePredictedX0 ?? false });
            states.set(out.states, done * timesteps.length * width);
            if (predictedX0 && out.predictedX0) predictedX0.set(out.predictedX0, done * timesteps.length * width);
            done += n;
          },
          model.generationBatch,
        );
        return { states, predictedX0 };
      },
    },
    white: {
      schedule,
      timestepLoss: async (rows, timesteps, seed, draws) => {
        calls.rows += rows.length * timesteps.length * draws;
        return model.timestepLoss(table(rows), timesteps, seed, draws);
      },
    },
  };
}
