import type { RecordChunk__Output } from '../shared/grpc/generated/sharebox/RecordChunk';

/**
 * Splits a chunk into pieces of at most `maxRecords` records, whatever its encoding: every encoding stores
 * records contiguously with the same byte size, so a piece is a byte range plus its slice of `classes`.
 */
export function splitChunk(chunk: RecordChunk__Output, maxRecords: number): RecordChunk__Output[] {
  if (chunk.count <= maxRecords) return [chunk];
  if (chunk.data.length % chunk.count !== 0) {
    throw new Error(`RecordChunk: ${chunk.data.length} bytes do not divide into ${chunk.count} records`);
  }
  const bytesPerRecord = chunk.data.length / chunk.count;
  const pieces: RecordChunk__Output[] = [];
  for (let start = 0; start < chunk.count; start += maxRecords) {
    const n = Math.min(maxRecords, chunk.count - start);
    pieces.push({
      count: n,
      encoding: chunk.encoding,
      shape: [n, ...chunk.shape.slice(1)],
      data: chunk.data.subarray(start * bytesPerRecord, (start + n) * bytesPerRecord),
      classes: chunk.classes.slice(start, start + n),
    });
  }
  return pieces;
}
