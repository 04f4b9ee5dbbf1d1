/**
 * report.md's "Joint fidelity" section: the three sections cli/jointFidelity.ts adds to `fidelity` (pairwise
 * dependences, the records' S–Y dependence, detection), each number beside its baseline. Reads report.json's shape,
 * so it renders replicates and old reports alike (a section that is absent is left out).
 */
import type { JointFidelity } from '../shared/metrics/jointFidelity';
import type { Interval } from '../shared/metrics/bootstrap';
import { isInterval } from '../shared/metrics/bootstrap';
import type { DependenceSection, DetectionSection } from './jointFidelity';
import { escapeMarkdown as md } from './markdownText';

/** Pairs listed in report.md (report.json has them all, up to its own cap). */
export const MARKDOWN_PAIRS = 8;

const STATISTIC_NAMES: Record<string, string> = { pearson: 'Pearson r', cramersV: "Cramér's V", correlationRatio: 'η' };

const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '—');
const interval = (v: unknown) => (isInterval(v) ? `${num(v.estimate)} [${num(v.low)}, ${num(v.high)}]` : '—');

export function jointFidelityMarkdown(fidelity: Record<string, unknown> | undefined): string[] {
  const joint = fidelity?.joint as JointFidelity | undefined;
  const dependence = fidelity?.dependence as DependenceSection | undefined;
  const detection = fidelity?.detection as DetectionSection | undefined;
  if (!joint && !dependence && !detection) return [];
  const lines = ['## Joint fidelity (synthetic vs the sharer\'s real records)', ''];
  if (joint) {
    const s = joint.summary;
    const h = joint.halvesBaseline;
    lines.push(
      `Pairwise dependence (Pearson r for two numeric columns, bias-corrected Cramér's V for two categorical ones, the correlation ratio η for a mixed pair), |real − synthetic| over ${s.pairs} pairs: ` +
        `max ${num(s.maxDifference)}, mean ${num(s.meanDifference)}. Baseline, two disjoint halves of the real records (${h.rowsPerHalf} each): max ${num(h.maxDifference)}, mean ${num(h.meanDifference)}.`,
      '',
      '| pair | statistic | real | synthetic | \\|difference\\| | halves \\|difference\\| |',
      '|---|---|---|---|---|---|',
    );
    for (const p of joint.pairs.slice(0, MARKDOWN_PAIRS)) {
      lines.push(`| ${md(p.columns.join(' × '))} | ${STATISTIC_NAMES[p.statistic] ?? p.statistic} | ${num(p.real)} | ${num(p.synthetic)} | ${num(p.difference)} | ${num(p.halvesDifference)} |`);
    }
    lines.push('');
  }
  if (dependence && 'unavailable' in dependence) {
    lines.push(`S–Y dependence of the records: not measured, ${md(dependence.unavailable)}.`, '');
  } else if (dependence) {
    const d = dependence as { synthetic: Interval; real: Interval; syntheticMinusReal: Interval; intervalsOverlap: boolean };
    lines.push(
      `S–Y dependence of the records, the label DP gap P(y=1 | s=privileged) − P(y=1 | s=other), 95% bootstrap intervals: synthetic ${interval(d.synthetic)}, ` +
        `real (baseline) ${interval(d.real)}; synthetic − real ${interval(d.syntheticMinusReal)}; the intervals ${d.intervalsOverlap ? 'overlap' : 'do not overlap'}.`,
      '',
    );
  }
  if (detection) {
    const halves = detection.realHalves ? `, real half against real half ${interval(detection.realHalves.auc)}` : '';
    const run = detection.syntheticVsReal;
    lines.push(
      `Detection (a classifier, ${md(detection.classifier)}, telling synthetic from real records; ${run.trainPerSide} per side to train, ${run.testPerSide} per side held out): ` +
        `AUC ${interval(run.auc)}; baseline: chance ${detection.chance}${halves}.`,
      '',
    );
  }
  return lines;
}
