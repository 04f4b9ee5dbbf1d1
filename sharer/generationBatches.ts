/**
 * How the sharer splits one generation request into model calls. ModelHost.Sample and ModelHost.Trajectory share
 * it, so that the same (count, seed, class) gives the same records through either RPC.
 */
import { Rng, deriveSeed } from '../shared/random';

/** Records generated per model call: bounds memory (4096 × width floats per layer), and is the unit of streaming
 * back to the broker; large batches keep the per-step matmuls efficient. */
export const GENERATION_BATCH = 4096;

/** Calls `generate` once per batch with the batch's size, seed and the request's class stream, until done or cancelled. */
export async function forEachGenerationBatch(
  count: number,
  seed: number,
  cancelled: () => boolean,
  generate: (n: number, batchSeed: number, rngForClasses: () => number) => Promise<void>,
  batchSize: number = GENERATION_BATCH,
): Promise<void> {
  const classRng = new Rng(deriveSeed(seed, 'classes'));
  for (let start = 0, batch = 0; start < count && !cancelled(); start += batchSize, batch++) {
    await generate(Math.min(batchSize, count - start), deriveSeed(seed, `batch/${batch}`), () => classRng.next());
  }
}
