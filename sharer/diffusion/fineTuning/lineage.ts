/**
 * The lineage of a fine-tuned copy, as the broker logs it: a sha256 over what the run learned (the weight deltas for
 * full fine-tuning, LoRA's A and B, the new class row), in a stable order, and the L2 norm of how far the weights moved.
 */
import { createHash } from 'crypto';
import { endianness } from 'os';

/** One named tensor the hash covers. */
export interface LineagePart {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** float32 little-endian bytes (the save format's byte order, whatever the machine's). */
function littleEndianBytes(values: Float32Array): Buffer {
  if (endianness() === 'LE') return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes;
}

/**
 * sha256 of a header naming the method, then per part a line "name shape" and its float32 little-endian values.
 * The names and shapes are hashed so that two runs with equal numbers in different places never collide.
 */
export function lineageSha256(method: string, parts: readonly LineagePart[]): string {
  const hash = createHash('sha256');
  hash.update(`sharebox-fine-tune-delta v1 ${method}\n`);
  for (const part of parts) {
    hash.update(`${part.name} ${part.shape.join('x')}\n`);
    hash.update(littleEndianBytes(part.values));
  }
  return hash.digest('hex');
}

/** W − W₀ of one weight, in float32. */
export function weightDelta(final: Float32Array, start: Float32Array): Float32Array {
  const delta = new Float32Array(final.length);
  for (let i = 0; i < final.length; i++) delta[i] = final[i] - start[i];
  return delta;
}

/** ‖W − W₀‖₂ over every weight (accumulated in float64). */
export function deltaNorm(final: ReadonlyMap<string, Float32Array>, start: ReadonlyMap<string, Float32Array>): number {
  let sum = 0;
  for (const [name, w] of final) {
    const w0 = start.get(name)!;
    for (let i = 0; i < w.length; i++) sum += (w[i] - w0[i]) ** 2;
  }
  return Math.sqrt(sum);
}
