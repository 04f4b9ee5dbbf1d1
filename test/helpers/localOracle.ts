/**
 * The gray-box and white-box oracles of the membership attacks on an in-process TabularModel, for unit tests:
 * the same contract the broker client fulfils over gRPC (receiver/attacks/membership/oracle.ts), without processes.
 */
import type { Table, TableSchema } from '../../shared/data/table';
import type { GrayBoxOracle, WhiteBoxOracle } from '../../receiver/attacks/membership/oracle';
import type { TabularModel } from '../../sharer/tabularModel';

export function localOracles(model: TabularModel): { gray: GrayBoxOracle; white: WhiteBoxOracle; calls: { rows: number } } {
  const s = model.diffusionSchedule;
  const schedule = { timesteps: s.timesteps, alphaBars: s.alphaBars, modelWidth: s.modelWidth };
  const schema: TableSchema = model.schema;
  const table = (rows: number[][]): Table => ({ schema, rows });
  const calls = { rows: 0 };
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
