/**
 * What the report's plots share: the colours (the baseline always in the same grey, so a reader learns it once),
 * the interval test, and where a report keeps its runs (one run, or the variants of a sweep).
 */

/** Vega's tableau10 without its grey, which is kept for the baseline. */
export const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d'];

/** The baseline's colour in every plot: chance, the diagonal, the undefended twin, the real data. */
export const BASELINE_GREY = '#7f7f7f';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

export interface IntervalLike {
  estimate: number;
  low: number;
  high: number;
}

/** A bootstrap interval or a mean over seeds (shared/metrics/overSeeds.ts): both carry estimate, low and high. */
export { isInterval } from '../../shared/metrics/bootstrap';

type Sections = Record<string, unknown>;

/**
 * The runs a report (or its `acrossSeeds` summary) holds: the report itself for one run (variant null), or each
 * variant of a sweep under its label.
 */
export function runsOf(report: Sections): Array<{ variant: string | null; run: Sections }> {
  const variants = report.variants as Record<string, Sections> | undefined;
  if (variants && typeof variants === 'object') return Object.entries(variants).map(([variant, run]) => ({ variant, run }));
  return [{ variant: null, run: report }];
}

/**
 * One run's own report, for plots of lists that the means over seeds drop (ROC points, histogram bins): the report,
 * or with replicates its first seed's, named so the caption can say which.
 */
export function firstReplicate(report: Sections): { report: Sections; seed: string | null } {
  const runs = (report.replicates as { runs?: Record<string, Sections> } | undefined)?.runs;
  const first = runs ? Object.entries(runs)[0] : undefined;
  return first ? { report: first[1], seed: first[0] } : { report, seed: null };
}

/** Colours for a list of names, the baseline's (if it is among them) grey. */
export function colourScale(domain: readonly string[], baseline?: (name: string) => boolean): { domain: string[]; range: string[] } {
  let next = 0;
  return { domain: [...domain], range: domain.map((d) => (baseline?.(d) ? BASELINE_GREY : PALETTE[next++ % PALETTE.length])) };
}
