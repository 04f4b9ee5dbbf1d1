/**
 * A scenario run once per seed (`replicates:`): every number of the replicates' reports, summarised as its mean
 * over the seeds with a 95% t-interval (shared/metrics/overSeeds.ts). The section mirrors a replicate's report, so
 * the metric a single run asserts at `fpa.rows[…].logistic.accuracyLossVsHonest` is asserted over seeds at
 * `acrossSeeds.fpa.rows[…].logistic.accuracyLossVsHonest` (its estimate is the mean; `.low`/`.high` its interval).
 *
 * An interval-valued metric (a bootstrap interval `{ estimate, low, high }`) is summarised by its estimates: the
 * spread over seeds already contains the spread over records. Lists (ROC points, per-n rows) and text are left in
 * the replicates' own reports, as are the sections that describe one run rather than measure it. Text that every
 * replicate shares (a row's method, its defences) is kept as it is, so a reader of the means can tell the rows apart.
 */
import { meanOverSeeds, type IntervalOverSeeds } from '../../shared/metrics/overSeeds';

/** What one run did rather than what it measured: kept per replicate only. */
const NOT_AGGREGATED = new Set(['scenario', 'createdAt', 'overrides', 'sweep', 'backend', 'sharer', 'broker', 'receiver', 'audit', 'images']);

export type AcrossSeeds = { [key: string]: AcrossSeeds | IntervalOverSeeds | string };

function isInterval(v: unknown): v is { estimate: number } {
  return !!v && typeof v === 'object' && typeof (v as { estimate?: unknown }).estimate === 'number';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Means over the seeds of every number found at the same place in every replicate. A number missing from a
 * replicate (a study that one seed did not produce) is left out rather than averaged over fewer seeds.
 */
export function acrossSeeds(replicates: ReadonlyArray<Record<string, unknown>>): AcrossSeeds {
  return summarise(replicates) as AcrossSeeds;
}

function summarise(nodes: readonly unknown[]): AcrossSeeds | IntervalOverSeeds | string | null {
  if (nodes.every((n) => typeof n === 'number' && Number.isFinite(n))) return meanOverSeeds(nodes as number[]);
  if (nodes.every((n) => n === nodes[0]) && typeof nodes[0] === 'string') return nodes[0];
  if (nodes.every(isInterval)) return meanOverSeeds(nodes.map((n) => n.estimate));
  if (!nodes.every(isRecord)) return null;
  const out: AcrossSeeds = {};
  for (const key of Object.keys(nodes[0])) {
    if (NOT_AGGREGATED.has(key)) continue;
    const summary = summarise(nodes.map((n) => n[key]));
    if (summary && (!isRecord(summary) || Object.keys(summary).length > 0)) out[key] = summary;
  }
  return out;
}
