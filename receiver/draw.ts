/**
 * Drawing the synthetic training set. With `classBalance: match` the receiver asks per class in the
 * proportions the broker's Describe reports (the model's training shares), so the synthetic set mirrors the
 * shared distribution; with `balanced` it asks for equal numbers per class, as the FPA paper's receiver does.
 */
import type { Table } from '../shared/data/table';
import { deriveSeed } from '../shared/random';
import type { BrokerClient, BrokerDescription } from './brokerClient';

export interface DrawPlan {
  /** null: an unconditional draw, each record's class picked by the sharer from its training shares. */
  classIndex: number | null;
  count: number;
}

/**
 * Splits `samples` over classes; largest-remainder rounding so the counts add up exactly. When the broker reports no
 * class shares (no `class-shares` grant), a draw in the model's proportions is one unconditional request.
 */
export function planDraw(samples: number, classes: { values: string[]; shares: number[] }, classBalance: 'match' | 'balanced'): DrawPlan[] {
  const { shares } = classes;
  if (classBalance === 'match' && shares.length === 0) return [{ classIndex: null, count: samples }];
  const weights = classBalance === 'balanced' ? classes.values.map(() => 1 / classes.values.length) : shares;
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new Error('receiver.draw: the broker reported no class shares to draw by');
  const exact = weights.map((w) => (samples * w) / total);
  const counts = exact.map(Math.floor);
  let left = samples - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, k) => [e - Math.floor(e), k] as const).sort((a, b) => b[0] - a[0]);
  for (let i = 0; left > 0; i = (i + 1) % order.length, left--) counts[order[i][1]]++;
  return counts.map((count, classIndex) => ({ classIndex, count })).filter((p) => p.count > 0);
}

export async function drawSynthetic(
  broker: BrokerClient,
  description: BrokerDescription,
  plan: DrawPlan[],
  seed: number,
  onProgress: (received: number, total: number) => void,
): Promise<{ table: Table; budgetSamplesLeft: number }> {
  const total = plan.reduce((a, p) => a + p.count, 0);
  const rows: number[][] = [];
  let budgetSamplesLeft = description.budgetSamplesLeft;
  for (const { classIndex, count } of plan) {
    const before = rows.length;
    const got = await broker.sample(
      description.schema,
      classIndex === null ? { count, seed: deriveSeed(seed, 'draw/unconditional') } : { count, seed: deriveSeed(seed, `draw/class-${classIndex}`), classIndex },
      (received) => onProgress(before + received, total),
    );
    if (got.rows.length !== count) {
      throw new Error(`BlackBox.Sample: asked for ${count} records of ${classIndex === null ? 'any class' : `class ${classIndex}`}, received ${got.rows.length}`);
    }
    rows.push(...got.rows);
    budgetSamplesLeft = got.budgetSamplesLeft;
  }
  return { table: { schema: description.schema, rows }, budgetSamplesLeft };
}
