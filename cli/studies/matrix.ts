/**
 * The attack × defence matrix (issue 20; docs/privacy.md "The matrix"): for a sweep with a `cases` axis of defences
 * (shared/scenario/sweepSchema.ts), every attack the runs scored, in every defence's column, beside the axis's
 * baseline case (the undefended twin: same seed, same challenge set, same test records). A cell holds the column's own
 * value of the attack's metric and its paired change against the baseline with an interval, and a verdict read off that
 * interval: lower, higher, or no change shown (the interval holds 0). A defence's side effects on the attacks it does
 * not target are simply the other cells of its column.
 *
 * Rows come from the report sections every run already has (one list, ROW_READERS): the membership ladder's best
 * score per rung (Δ AUC paired on the challenge records), Carlini extraction (the excess of members over non-members;
 * a count, no interval), property inference (Δ p̂, with the two estimates' Hoeffding radii added: a union bound),
 * Shake-to-Leak (each column's own amplification Δ, fine-tuned − base, with its paired interval: does the fine-tune
 * still leak more under this defence?), fairness poisoning's harm (the receiver's DP gap, paired on the test records)
 * and the receiver's utility (accuracy, paired likewise).
 */
import { pairedAucDifference } from '../../shared/metrics/roc';
import { isInterval } from '../../shared/metrics/bootstrap';
import { Rng, deriveSeed } from '../../shared/random';
import type { Interval } from '../../shared/metrics/fairnessReport';
import type { SweepCasesEntry } from '../../shared/scenario/sweepSchema';
import { pairedClassifierDeltas, type PairedVariant } from './defences';
import { escapeMarkdown } from '../markdownText';

/** What a cell's interval says about the defence's effect on the attack's metric. */
export type MatrixVerdict = 'lower' | 'higher' | 'no-change' | 'no-interval' | 'refused' | 'absent';

export interface MatrixCell {
  /** The column's own value of the metric (an interval when the metric has one). */
  value: Interval | number | null;
  /** The column's value − the baseline's, paired where the runs share records; null in the baseline column. */
  delta: Interval | number | null;
  verdict: MatrixVerdict;
  /** Why a cell is refused or absent, or how its interval was made. */
  note?: string;
}

export interface MatrixRow {
  /** e.g. "membership/gray-box", "property/0", "shake-to-leak/s2l/mia-x0-error/trimmed", "utility/logistic". */
  id: string;
  /** What the metric is, for the table. */
  metric: string;
  /** A short name for the row, for the plot. */
  label: string;
  /** Whether a lower value is the defence working (an attack's success) or a cost (utility). */
  kind: 'attack' | 'utility';
  cells: Record<string, MatrixCell>;
}

export interface MatrixStudy {
  axis: string;
  baseline: string;
  /** The case labels, baseline first: the matrix's columns. */
  defences: string[];
  /** By row id, in the table's order: an expectation addresses a cell as `matrix.0.rows[membership/white-box].cells.<case>`. */
  rows: Record<string, MatrixRow>;
  /** Other swept values, when the axis is crossed with another entry: one matrix per group (`group` is its label). */
  group: string;
}

/** One variant as the study reads it: its report sections, test predictions and raw membership scores. */
export interface MatrixVariant extends PairedVariant {
  /** membership-scores.json of the run (isMember and every raw score by key), or null without a membership game. */
  membershipScores: { isMember: boolean[]; scores: Record<string, number[]> } | null;
}

type Sections = Record<string, unknown>;
type Rows = Map<string, Omit<MatrixRow, 'cells'> & { cells: Record<string, MatrixCell> }>;


/** The verdict of a change with its interval: it must exclude 0 to say anything. */
export function verdictOf(delta: Interval | number | null): MatrixVerdict {
  if (!isInterval(delta)) return 'no-interval';
  if (delta.high < 0) return 'lower';
  if (delta.low > 0) return 'higher';
  return 'no-change';
}

function cell(rows: Rows, id: string, metric: string, kind: MatrixRow['kind'], column: string, c: MatrixCell, label = id): void {
  if (!rows.has(id)) rows.set(id, { id, metric, label, kind, cells: {} });
  rows.get(id)!.cells[column] = c;
}

interface RowContext {
  v: MatrixVariant;
  base: MatrixVariant;
  column: string;
  isBaseline: boolean;
  rows: Rows;
  seed: number;
  /** The column's classifiers against the baseline's, paired on the test records (empty in the baseline column): one bootstrap for the fairness and utility rows. */
  classifierDeltas: ReturnType<typeof pairedClassifierDeltas>;
}

/** The membership ladder: each rung's best score, paired against the baseline's best on the same challenge records. */
function membershipRows({ v, base, column, isBaseline, rows, seed }: RowContext): void {
  const byAccess = ((v.result as Sections).membership as { byAccess?: Record<string, { best: string; auc: Interval }> } | undefined)?.byAccess ?? {};
  const baseAccess = ((base.result as Sections).membership as { byAccess?: Record<string, { best: string; auc: Interval }> } | undefined)?.byAccess ?? {};
  for (const [rung, entry] of Object.entries(byAccess)) {
    const id = `membership/${rung}`;
    const metric = `best ${rung} membership AUC (chance 0.5)`;
    if (isBaseline) {
      cell(rows, id, metric, 'attack', column, { value: entry.auc, delta: null, verdict: 'no-interval' }, `membership AUC, ${rung}`);
      continue;
    }
    const twin = baseAccess[rung];
    const a = v.membershipScores;
    const b = base.membershipScores;
    const scoresA = a?.scores[entry.best];
    const scoresB = twin ? b?.scores[twin.best] : undefined;
    if (!twin || !a || !b || !scoresA || !scoresB || a.isMember.join() !== b.isMember.join()) {
      cell(rows, id, metric, 'attack', column, { value: entry.auc, delta: null, verdict: 'no-interval', note: 'no paired scores on the same challenge set' }, `membership AUC, ${rung}`);
      continue;
    }
    const split = (s: number[]) => ({ members: s.filter((_, i) => a.isMember[i]), nonMembers: s.filter((_, i) => !a.isMember[i]) });
    const d = pairedAucDifference(split(scoresA), split(scoresB), new Rng(deriveSeed(seed, `matrix/${column}/${rung}`)));
    const delta = d.difference;
    cell(rows, id, metric, 'attack', column, { value: entry.auc, delta, verdict: verdictOf(delta), note: `paired bootstrap: ${entry.best} against ${twin.best}` }, `membership AUC, ${rung}`);
  }
}

/** Carlini extraction: members extracted beyond as many non-members, at the first threshold (a count: no interval). */
function extractionRows({ v, base, column, isBaseline, rows }: RowContext): void {
  type Extraction = Record<string, { excess: Array<{ threshold: number; excessOverNonMembers: number }> }>;
  const own = ((v.result as Sections).membership as { extraction?: Extraction } | undefined)?.extraction ?? {};
  const twin = ((base.result as Sections).membership as { extraction?: Extraction } | undefined)?.extraction ?? {};
  for (const [label, section] of Object.entries(own)) {
    const first = section.excess[0];
    if (!first) continue;
    const baseline = twin[label]?.excess[0];
    const id = `extraction/${label}`;
    const metric = `members extracted beyond as many non-members (ratio < ${first.threshold})`;
    const delta = isBaseline || !baseline ? null : first.excessOverNonMembers - baseline.excessOverNonMembers;
    cell(rows, id, metric, 'attack', column, { value: first.excessOverNonMembers, delta, verdict: 'no-interval', note: 'a count on one challenge set' }, `extraction excess (${label})`);
  }
}

/** Property inference: the estimate at its largest n; Δ p̂ with the two Hoeffding radii added (each at η: a union bound). */
function propertyRows({ v, base, column, isBaseline, rows }: RowContext): void {
  type Estimate = { n: number; pHat: number | number[]; corrected: number | number[] | null; hoeffdingRadius: number; error: number };
  type Attack = { index: number; property: string; truth: number | number[]; byN: Record<string, Estimate> };
  const own = ((v.result as Sections).pia as { attacks?: Attack[] } | undefined)?.attacks ?? [];
  const twin = ((base.result as Sections).pia as { attacks?: Attack[] } | undefined)?.attacks ?? [];
  for (const attack of own) {
    const largest = (a: Attack) => Object.values(a.byN).reduce((x, y) => (y.n > x.n ? y : x));
    const e = largest(attack);
    const estimate = (x: Estimate) => (typeof x.corrected === 'number' ? x.corrected : typeof x.pHat === 'number' ? x.pHat : null);
    const p = estimate(e);
    if (p === null) continue; // a K-way property: not in the matrix yet
    const id = `property/${attack.index}`;
    const metric = `estimated share of ${attack.property} (truth ${typeof attack.truth === 'number' ? attack.truth.toFixed(3) : '?'})`;
    const value = { estimate: p, low: Math.max(0, p - e.hoeffdingRadius), high: Math.min(1, p + e.hoeffdingRadius) };
    const other = twin.find((a) => a.index === attack.index);
    if (isBaseline || !other) {
      cell(rows, id, metric, 'attack', column, { value, delta: null, verdict: 'no-interval' }, `property p̂ (${attack.property})`);
      continue;
    }
    const b = largest(other);
    const q = estimate(b);
    if (q === null) continue;
    const r = e.hoeffdingRadius + b.hoeffdingRadius;
    const delta = { estimate: p - q, low: p - q - r, high: p - q + r };
    cell(rows, id, metric, 'attack', column, { value, delta, verdict: verdictOf(delta), note: 'Δ p̂ ± the sum of both Hoeffding radii' }, `property p̂ (${attack.property})`);
  }
}

/** Shake-to-Leak: each column's own amplification (fine-tuned − base AUC, paired), in-class; refused under a cap. */
function shakeToLeakRows({ v, column, isBaseline, rows }: RowContext): void {
  type S2L = { attacks?: Record<string, { scores?: Record<string, { inClass?: { deltaAuc: Interval } }> }> };
  const moves = ((v.result as Sections).moves as Record<string, S2L> | undefined) ?? {};
  for (const [label, move] of Object.entries(moves)) {
    for (const [key, attack] of Object.entries(move.attacks ?? {})) {
      for (const [name, score] of Object.entries(attack.scores ?? {})) {
        const d = score.inClass?.deltaAuc;
        if (!d) continue;
        cell(rows, `shake-to-leak/${label}/${key}/${name}`, `Shake-to-Leak amplification: AUC fine-tuned − base (${key}, ${name}, in class)`, 'attack', column, {
          value: d,
          delta: d,
          // The baseline column reads as every row's baseline does: its value, no verdict.
          verdict: isBaseline ? 'no-interval' : verdictOf(d),
          note: "the column's own fine-tune against its own base model",
        }, `Shake-to-Leak Δ AUC (${key}, ${name})`);
      }
    }
  }
  // A fine-tune the broker refused (fine-tune-caps): the attack stopped there.
  const refused = ((v.result as Sections).refused as Record<string, { kind: string; message: string }> | undefined) ?? {};
  for (const [label, r] of Object.entries(refused)) {
    if (r.kind !== 'shake-to-leak') continue;
    for (const id of [...rows.keys()].filter((k) => k.startsWith(`shake-to-leak/${label}/`))) {
      cell(rows, id, rows.get(id)!.metric, 'attack', column, { value: null, delta: null, verdict: 'refused', note: r.message }, rows.get(id)!.label);
    }
  }
}

/** The receiver's utility: accuracy of each classifier trained on synthetic records, paired on the test records. */
function utilityRows({ v, column, isBaseline, rows, classifierDeltas: deltas }: RowContext): void {
  const downstream = (v.result.receiver as { downstream?: Record<string, { evaluation: { accuracy?: Interval } }> } | undefined)?.downstream ?? {};
  for (const [kind, summary] of Object.entries(downstream)) {
    const id = `utility/${kind}`;
    const metric = `${kind} accuracy trained on synthetic records (TSTR)`;
    const loss = deltas[kind]?.accuracyLossVsUndefended;
    // accuracyLossVsUndefended is undefended − defended: the change is its negation.
    const delta = loss ? { estimate: -loss.estimate, low: -loss.high, high: -loss.low } : null;
    cell(rows, id, metric, 'utility', column, { value: summary.evaluation.accuracy ?? null, delta, verdict: isBaseline ? 'no-interval' : verdictOf(delta) }, `utility: ${kind} TSTR accuracy`);
  }
}

/**
 * Fairness poisoning's harm: the demographic-parity gap of the receiver's classifier, paired on the test records. In a
 * matrix whose groups are an honest and a poisoning sharer (another swept entry), the poisoning group's baseline column
 * against the honest group's is what the attack does, and each defence's cell what it undoes (or adds).
 */
function fairnessRows({ v, column, isBaseline, rows, classifierDeltas: deltas }: RowContext): void {
  const downstream = (v.result.receiver as { downstream?: Record<string, { evaluation: { dpGap?: Interval } }> } | undefined)?.downstream ?? {};
  for (const [kind, summary] of Object.entries(downstream)) {
    const delta = deltas[kind]?.dpGapChangeVsUndefended ?? null;
    cell(rows, `fairness/${kind}`, `demographic-parity gap of the ${kind} classifier trained on synthetic records (fairness poisoning raises it)`, 'attack', column, {
      value: summary.evaluation.dpGap ?? null,
      delta,
      verdict: isBaseline ? 'no-interval' : verdictOf(delta),
    }, `fairness: ${kind} DP gap`);
  }
}

/** Every row of the matrix, in the order the table shows them: one list. */
const ROW_READERS: ReadonlyArray<(ctx: RowContext) => void> = [membershipRows, extractionRows, propertyRows, shakeToLeakRows, fairnessRows, utilityRows];

/** The variant label's segment for the axis, and the rest (the group). */
function splitLabel(label: string, axis: string): { caseLabel: string | null; group: string } {
  const segments = label.split(',');
  const at = segments.findIndex((s) => s.startsWith(`${axis}=`));
  if (at < 0) return { caseLabel: null, group: label };
  return { caseLabel: segments[at].slice(axis.length + 1), group: segments.filter((_, i) => i !== at).join(',') };
}

/**
 * The matrix of each group of a sweep with a cases axis (its first cases entry), or null without one. Each row's cells
 * hold every column that has the row; a column that lacks it (its attack did not run) gets `absent`.
 */
export function matrixStudies(sweep: ReadonlyArray<unknown> | undefined, variants: readonly MatrixVariant[], seed: number): MatrixStudy[] | null {
  const axis = (sweep ?? []).find((e): e is SweepCasesEntry => !!e && typeof e === 'object' && 'cases' in e);
  if (!axis) return null;
  const defences = axis.cases.map((c) => c.label);
  const baseline = defences[0];
  const groups = new Map<string, Map<string, MatrixVariant>>();
  for (const v of variants) {
    const { caseLabel, group } = splitLabel(v.label, axis.name);
    if (caseLabel === null) continue;
    if (!groups.has(group)) groups.set(group, new Map());
    groups.get(group)!.set(caseLabel, v);
  }
  const studies: MatrixStudy[] = [];
  for (const [group, byCase] of groups) {
    const base = byCase.get(baseline);
    if (!base) continue;
    const rows: Rows = new Map();
    for (const column of defences) {
      const v = byCase.get(column);
      if (!v) continue;
      const isBaseline = column === baseline;
      const classifierDeltas = isBaseline ? {} : pairedClassifierDeltas(v, base, 'matrix');
      for (const read of ROW_READERS) read({ v, base, column, isBaseline, rows, seed, classifierDeltas });
    }
    for (const row of rows.values()) {
      for (const column of defences) if (!row.cells[column]) row.cells[column] = { value: null, delta: null, verdict: 'absent' };
    }
    studies.push({ axis: axis.name, baseline, defences, rows: Object.fromEntries(rows), group });
  }
  return studies.length > 0 ? studies : null;
}


function formatted(v: Interval | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3);
  return `${v.estimate.toFixed(3)} [${v.low.toFixed(3)}, ${v.high.toFixed(3)}]`;
}

/** A cell as the report's table shows it: the baseline's value, else the change with its interval and its verdict. */
function cellText(c: MatrixCell, baseline: boolean): string {
  if (c.verdict === 'refused') return 'refused';
  if (c.verdict === 'absent') return '—';
  if (baseline) return formatted(c.value);
  const mark = c.verdict === 'lower' ? ' ↓' : c.verdict === 'higher' ? ' ↑' : c.verdict === 'no-change' ? ' =' : '';
  return `${formatted(c.delta)}${mark}`;
}

/** The matrix as report.md tables (one per group), the same numbers as its heatmap. */
export function matrixMarkdown(studies: readonly MatrixStudy[]): string[] {
  const lines = ['## Attacks × defences', ''];
  lines.push(
    'Each row an attack\'s metric (or the receiver\'s utility), each column a defence. The undefended column gives the value; every other cell the change against it ' +
      'on its paired interval (membership: AUC on the same challenge records; utility: accuracy on the same test records; property: Δ p̂ ± both Hoeffding radii), ' +
      '↓ when the interval lies below 0, ↑ above, = when it holds 0. Shake-to-Leak cells are each column\'s own amplification (fine-tuned − base).',
    '',
  );
  for (const study of studies) {
    if (study.group) lines.push(`### ${escapeMarkdown(study.group)}`, '');
    lines.push(`| metric | ${study.defences.join(' | ')} |`, `|---|${study.defences.map(() => '---').join('|')}|`);
    for (const row of Object.values(study.rows)) {
      // A metric's name carries scenario text (a property's column and value, a move's label): escaped like the rest.
      lines.push(`| ${escapeMarkdown(row.metric)} | ${study.defences.map((d) => cellText(row.cells[d], d === study.baseline)).join(' | ')} |`);
    }
    lines.push('');
  }
  return lines;
}
