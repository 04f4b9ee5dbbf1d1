/**
 * Data extraction by Carlini et al.'s relative-distance criterion (USENIX Security 2023, the CIFAR-10 criterion;
 * paper notes mia-s2l.md §3.3, §4.3 item 6). For a generation x̂ with its n nearest reference records
 * S_x̂ (ℓ2 in an encoding), the ratio
 *     ℓ(x̂) = ℓ2(x̂, x₁) / (α · mean_{y ∈ S_x̂} ℓ2(x̂, y)),   α = 0.5, x₁ the nearest reference record,
 * is below 1 when x̂ is much closer to x₁ than to its typical neighbours; x₁ then counts as extracted. A record
 * is counted once however many generations hit it. With the training set as reference this counts extracted
 * training records; with an equally large i.i.d. held-out set it gives the chance baseline.
 */
export interface ExtractionOptions {
  /** n: neighbours whose mean distance normalises (Carlini: 50; capped at the reference size). */
  neighbours: number;
  /** Ratios below which a record counts as extracted, e.g. [1, 0.5]. */
  thresholds: number[];
  /** α of the criterion (Carlini: 0.5). */
  alpha?: number;
  /** By reference record: counted apart in `extractedMarked` (e.g. the duplicated members). */
  marked?: readonly boolean[];
}

export interface ExtractionCount {
  threshold: number;
  /** Distinct reference records that are the nearest record of some generation with ratio < threshold. */
  extractedRecords: number;
  /** Generations with ratio < threshold. */
  generations: number;
  /** With `marked`: how many of the extracted records are marked ones. */
  extractedMarked?: number;
}

export interface ExtractionResult {
  neighbours: number;
  alpha: number;
  generations: number;
  referenceRecords: number;
  counts: ExtractionCount[];
  /** Quantiles of the ratio over generations (0, 1%, 10%, 50%). */
  ratioQuantiles: Record<string, number>;
}

/** `generations` (m × D) and `reference` (r × D) are encoded row-major matrices of the same width D. */
export function carliniExtraction(generations: Float32Array, reference: Float32Array, D: number, opts: ExtractionOptions): ExtractionResult {
  const m = generations.length / D;
  const r = reference.length / D;
  if (!Number.isInteger(m) || !Number.isInteger(r) || r < 1) throw new Error(`carliniExtraction: matrices do not divide into rows of ${D} (or no reference records)`);
  const n = Math.max(1, Math.min(opts.neighbours, r));
  const alpha = opts.alpha ?? 0.5;
  const ratios = new Float64Array(m);
  const nearest = new Int32Array(m);
  const best = new Float64Array(n); // the n smallest distances so far, ascending
  const bestIdx = new Int32Array(n);
  for (let g = 0; g < m; g++) {
    best.fill(Infinity);
    bestIdx.fill(-1);
    const go = g * D;
    for (let k = 0; k < r; k++) {
      let sq = 0;
      const ko = k * D;
      const bound = best[n - 1];
      for (let j = 0; j < D && sq < bound; j++) {
        const d = generations[go + j] - reference[ko + j];
        sq += d * d;
      }
      if (sq >= bound) continue;
      let p = n - 1;
      while (p > 0 && best[p - 1] > sq) {
        best[p] = best[p - 1];
        bestIdx[p] = bestIdx[p - 1];
        p--;
      }
      best[p] = sq;
      bestIdx[p] = k;
    }
    let meanDistance = 0;
    for (let p = 0; p < n; p++) meanDistance += Math.sqrt(best[p]) / n;
    const d1 = Math.sqrt(best[0]);
    ratios[g] = meanDistance > 0 ? d1 / (alpha * meanDistance) : d1 === 0 ? 0 : Infinity;
    nearest[g] = bestIdx[0];
  }
  const counts = opts.thresholds.map((threshold) => {
    const hit = new Set<number>();
    let generationsBelow = 0;
    for (let g = 0; g < m; g++) {
      if (ratios[g] < threshold) {
        hit.add(nearest[g]);
        generationsBelow++;
      }
    }
    const marked = opts.marked;
    return { threshold, extractedRecords: hit.size, generations: generationsBelow, ...(marked ? { extractedMarked: [...hit].filter((k) => marked[k]).length } : {}) };
  });
  const sorted = Array.from(ratios).sort((a, b) => a - b);
  const q = (p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
  return { neighbours: n, alpha, generations: m, referenceRecords: r, counts, ratioQuantiles: { '0': q(0), '0.01': q(0.01), '0.1': q(0.1), '0.5': q(0.5) } };
}
