/**
 * The party runtime's Control.Result streams a result as JSON pieces (shared/party/runtime.ts): a receiver's result
 * with image generations for several attacks exceeds one gRPC message (seen: 25 MB against the 16 MB cap, Shake-to-Leak
 * on MNIST with extraction on two model versions).
 */
import { resultPieces } from '../shared/party/runtime';

test('a result is cut into pieces that join back to it, each within the size, never inside a surrogate pair', () => {
  const json = JSON.stringify({ text: 'ab😀cd'.repeat(1000), values: Array.from({ length: 500 }, (_, i) => i / 7) });
  for (const size of [1, 2, 3, 7, 64, 1 << 20]) {
    const pieces = resultPieces(json, size);
    expect(pieces.join('')).toBe(json);
    expect(pieces.every((p) => p.length >= 1 && p.length <= size)).toBe(true);
    // A piece that ends in a high surrogate would be sent as a lone surrogate and mangled (size 1 cannot avoid it).
    if (size > 1) expect(pieces.some((p) => /[\uD800-\uDBFF]$/.test(p))).toBe(false);
  }
  expect(resultPieces('')).toEqual([]);
});
