/**
 * The run's report: report.json (everything, for machines), report.md and a self-contained report.html
 * (for people). Files are written to a temporary name and renamed, so a report is whole or absent.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeVerdict, type ExpectationOutcome, type Verdict } from './expectations';
import { ACCESS_LADDER, type AccessGrant } from '../shared/scenario/lists';
import type { DefenceStudy } from './studies/defences';
import type { AuditStudy } from './studies/audit';
import { renderSvg, reportPlots, type ReportPlot } from './plots';
import { writeFileAtomically } from './atomicFile';
import { matrixMarkdown, type MatrixStudy } from './studies/matrix';
import { jointFidelityMarkdown } from './jointFidelityMarkdown';
import { CARD_FILE, type ThreatModelCard } from './threatModel';
import { renderThreatModelSvg } from './threatModelDiagram';
import type { DatasetLoadFacts } from '../shared/data/loadDataset';
import { escapeMarkdown as md, escapeMarkdownParagraphs, markdownCells, unescapeMarkdown, unescapeMarkdownInHtml } from './markdownText';

export interface Report {
  scenario: { name: string; description?: string; file: string; seed: number };
  createdAt: string;
  /** passed / failed / report-only (no expectation to check: exit 0, and the report says nothing was asserted). */
  verdict: Verdict;
  /** verdict ≠ failed (kept for readers of older reports). */
  passed: boolean;
  expectations: ExpectationOutcome[];
  [section: string]: unknown;
}

/**
 * Writes report.json, report.md, report.html and one `plot-<id>.svg` per plot (cli/plots). The plots' specifications,
 * with the data behind them, go into report.json under `plots`; report.md links the SVG files and report.html
 * carries them inline, so it stays one self-contained file.
 */
export async function writeReport(dir: string, report: Report): Promise<{ json: string; md: string; html: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const files = { json: path.join(dir, 'report.json'), md: path.join(dir, 'report.md'), html: path.join(dir, 'report.html') };
  const plots = reportPlots(report);
  if (plots.length > 0) report = { ...report, plots };
  for (const plot of plots) writeFileAtomically(path.join(dir, plotFile(plot)), await renderSvg(plot.spec));
  const card = report.threatModel as ThreatModelCard | undefined;
  if (card) writeFileAtomically(path.join(dir, CARD_FILE), await renderThreatModelSvg(card));
  writeFileAtomically(files.json, JSON.stringify(report, null, 2) + '\n');
  const md = renderMarkdown(report);
  writeFileAtomically(files.md, md);
  writeFileAtomically(files.html, renderHtml(report, md, dir));
  return files;
}

function plotFile(plot: Pick<ReportPlot, 'id'>): string {
  return `plot-${plot.id}.svg`;
}

function fmt(x: unknown): string {
  if (typeof x !== 'number') return String(x);
  if (Number.isNaN(x)) return 'NaN';
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(4);
}

function interval(v: unknown): string {
  if (v && typeof v === 'object' && 'estimate' in v) {
    const i = v as { estimate: number; low: number; high: number };
    return `${fmt(i.estimate)} [${fmt(i.low)}, ${fmt(i.high)}]`;
  }
  return fmt(v);
}

export function renderMarkdown(report: Report): string {
  const lines: string[] = [];
  lines.push(`# sharebox report: ${report.scenario.name}`, '');
  if (report.scenario.description) for (const paragraph of escapeMarkdownParagraphs(report.scenario.description)) lines.push(paragraph, '');
  const seeds = (report.replicates as { seeds?: number[] } | undefined)?.seeds;
  lines.push(`- scenario file: \`${report.scenario.file}\``, seeds ? `- seeds (replicates): ${seeds.join(', ')}` : `- seed: ${report.scenario.seed}`, `- created: ${report.createdAt}`);
  if (report.transport) lines.push(`- transport: ${report.transport === 'insecure' ? '**insecure** (plaintext gRPC, `--insecure`)' : 'mutual TLS under a CA of the run'}`);
  if (report.network) lines.push(`- network: **${report.network}**${report.networkLayout ? `, ${report.networkLayout}` : ''}`);
  const isolation = report.isolation as { separateUsers: boolean; reason: string } | undefined;
  if (isolation) lines.push(`- parties separated (each its own OS user): **${isolation.separateUsers ? 'yes' : 'no'}**, ${isolation.reason}`);
  lines.push(`- verdict: **${describeVerdict(report.verdict)}**`, '');
  renderThreatModel(report, lines);

  if (report.expectations.length > 0) {
    lines.push('## Expectations', '', '| metric | bound | measured | result |', '|---|---|---|---|');
    for (const e of report.expectations) {
      const bound = [e.min !== undefined ? `≥ ${e.min}` : '', e.max !== undefined ? `≤ ${e.max}` : ''].filter(Boolean).join(', ');
      const metric = e.baseline ? `${e.metric} − ${e.baseline}` : e.metric;
      lines.push(`| ${md(metric)} | ${bound} | ${e.value === null ? 'missing' : fmt(e.value)} | ${e.passed ? 'pass' : '**FAIL**'} |`);
    }
    lines.push('');
  }

  const plots = (report.plots ?? []) as ReportPlot[];
  if (plots.length > 0) {
    lines.push('## Plots', '');
    for (const plot of plots) lines.push(`### ${md(plot.title)}`, '', `![${md(plot.title)}](${plotFile(plot)})`, '', plot.caption, '');
  }

  const images = report.images as { grid: string; rows: string[] } | undefined;
  if (images) {
    lines.push('## Real vs synthetic images', '', `Rows, top to bottom: ${images.rows.join('; ')}.`, '', `![real vs synthetic images](${images.grid})`, '');
  }

  const fpa = report.fpa as { honestLabel: string; rows: Record<string, Record<string, unknown>> } | undefined;
  if (fpa) {
    lines.push('## Fairness poisoning (FPA): every variant beside the honest one', '');
    lines.push(`Honest baseline: ${md(fpa.honestLabel)}. Losses: accuracy honest − this; DP and EO gap this − honest. 95% bootstrap intervals in brackets (for the losses, paired: both classifiers scored on the same resampled test records).`, '');
    lines.push('| variant | method | α | training I(S;Y) | classifier | accuracy | DP gap | EO gap | acc. loss vs honest | DP gap rise vs honest | EO gap rise vs honest |', '|---|---|---|---|---|---|---|---|---|---|---|');
    for (const [label, row] of Object.entries(fpa.rows)) {
      for (const [kind, c] of Object.entries(row)) {
        if (!c || typeof c !== 'object' || Array.isArray(c)) continue;
        const k = c as Record<string, unknown>;
        lines.push(
          `| ${md(label)} | ${row.method} | ${row.alpha} | ${fmt(row.trainingISY)} | ${kind} | ${interval(k.accuracy)} | ${interval(k.dpGap)} | ${interval(k.eoGap)} | ${interval(k.accuracyLossVsHonest)} | ${interval(k.dpGapRiseVsHonest)} | ${interval(k.eoGapRiseVsHonest)} |`,
        );
      }
    }
    lines.push('', 'What the sharer did (its ground truth): the training set\'s (s, y) cells, its I(X;Y) against the pool\'s (the target the greedy step keeps within δ), and how many greedy additions met that constraint.', '');
    lines.push('| variant | cells [s0y0, s0y1; s1y0, s1y1] | training I(S;Y) | training I(X;Y) | pool I(X;Y) | additions within δ |', '|---|---|---|---|---|---|');
    for (const [label, row] of Object.entries(fpa.rows)) {
      const cells = row.cells as number[][] | null;
      const shown = cells ? `${cells[0].join(', ')}; ${cells[1].join(', ')}` : '—';
      lines.push(`| ${md(label)} | ${shown} | ${fmt(row.trainingISY)} | ${fmt(row.trainingIXY)} | ${fmt(row.poolIXY)} | ${row.constraintMet ?? '—'} |`);
    }
    lines.push('');
  }

  renderAcrossSeeds(report, lines);
  renderPia(report, lines);
  renderDecoy(report, lines);
  renderDefenceCost(report, lines);
  if (Array.isArray(report.matrix)) lines.push(...matrixMarkdown(report.matrix as MatrixStudy[]));
  renderAuditStudy(report, lines);
  renderMembership(report, lines);

  const receiver = report.receiver as { downstream?: Record<string, { evaluation: Record<string, unknown>; trainRows: number }> } | undefined;
  const fidelity = report.fidelity as Record<string, Record<string, unknown>> | undefined;
  if (receiver?.downstream) {
    lines.push('## Downstream classifiers (trained on synthetic, tested on the receiver\'s real split)', '');
    lines.push('95% bootstrap intervals in brackets. Baseline: the same classifier trained on the records the sharer trained on; "below baseline" is baseline − synthetic accuracy with its paired interval (both scored on the same resampled test records).', '');
    lines.push('| classifier | accuracy | baseline accuracy | below baseline | DP gap | baseline DP gap | EO gap | acc. s=0 | acc. s=1 |', '|---|---|---|---|---|---|---|---|---|');
    for (const [kind, d] of Object.entries(receiver.downstream)) {
      const ev = d.evaluation;
      const real = (fidelity?.[kind]?.real ?? {}) as Record<string, unknown>;
      lines.push(
        `| ${kind} | ${interval(ev.accuracy)} | ${interval(real.accuracy)} | ${interval(fidelity?.[kind]?.accuracyBelowReal)} | ${interval(ev.dpGap)} | ${interval(real.dpGap)} | ${interval(ev.eoGap)} | ${interval(ev.accuracyS0)} | ${interval(ev.accuracyS1)} |`,
      );
    }
    lines.push('');
  }
  const marginals = fidelity?.marginals as { maxTotalVariation: number; columns: Array<{ column: string; type: string; totalVariation: number }> } | undefined;
  if (marginals) {
    lines.push('## Marginal fidelity (total variation, synthetic vs the sharer\'s real records)', '');
    lines.push('| column | type | TV |', '|---|---|---|');
    for (const c of marginals.columns) lines.push(`| ${md(c.column)} | ${c.type} | ${fmt(c.totalVariation)} |`);
    lines.push('');
  }
  lines.push(...jointFidelityMarkdown(fidelity));
  const sharer = report.sharer as { trainingData?: Record<string, unknown>; model?: Record<string, unknown>; moves?: Array<Record<string, any>> } | undefined;
  if (sharer?.trainingData) {
    lines.push('## Ground truth (sharer)', '');
    const t = sharer.trainingData;
    lines.push(`- training records: ${t.rows}; share s=1: ${fmt(t.sensitiveShare)}; share y=1: ${fmt(t.positiveShare)}`);
    lines.push(`- (s,y) cells: ${JSON.stringify(t.cells)}`);
    const loaded = t.loaded as (DatasetLoadFacts & { dataset: string }) | undefined;
    if (loaded) lines.push(`- ${loadedLine(loaded)}`);
    for (const m of sharer.moves ?? []) {
      lines.push(`- poisoning: ${m.method}, α = ${m.alpha}: ${m.trainRows} of ${m.poolRows} pool records; training I(S;Y) = ${fmt(m.report?.iSY)} bits`);
    }
    if (sharer.model) lines.push(`- model: ${sharer.model.kind}, cached: ${sharer.model.cached}, train seconds: ${fmt(sharer.model.trainSeconds)}, final loss: ${fmt(sharer.model.finalLoss)}`);
    if (sharer.model?.encoderFittedOn === 'public') lines.push(`- encoder fitted on the public dataset "${sharer.model.encoderData}" (sharer.encoderData), not on the training records`);
    lines.push('');
  }
  const broker = report.broker as Record<string, unknown> | undefined;
  const audit = report.audit as Record<string, unknown> | undefined;
  if (broker) {
    lines.push('## Broker', '');
    lines.push(`- grants: ${(broker.grants as string[]).join(', ')}; budget used ${broker.budgetSamplesUsed} of ${broker.budgetSamplesTotal}`);
    if (audit) lines.push(`- audit log: ${audit.records} calls, ${audit.samplesReturned} samples returned, ${audit.refusedCalls} refused; matches the receiver: ${audit.consistentWithReceiver}`);
    // Receiver moves that a platform defence stopped (cli/referee.ts): the refusal is their result.
    const refused = (report.refused ?? {}) as Record<string, { kind: string; message: string }>;
    for (const [label, r] of Object.entries(refused)) lines.push(`- ${md(label)} (${r.kind}) was refused by the broker: ${md(r.message)}`);
    lines.push('');
  }
  return lines.join('\n') + '\n';
}

/** A csv dataset's loading in one line: rows read, what each filter and missing values dropped, the parts of its split. */
function loadedLine(loaded: DatasetLoadFacts & { dataset: string }): string {
  const drops = [
    ...loaded.droppedByFilter.map((f) => `${f.rows} by filter ${f.filter}`),
    ...Object.entries(loaded.droppedByMissing).map(([column, rows]) => `${rows} for a missing ${column}`),
  ];
  const taken = loaded.rowsTaken !== undefined ? `, ${loaded.rowsTaken} taken` : '';
  const split = loaded.split ? `; split into ${Object.entries(loaded.split.rows).map(([p, n]) => `${p} ${n}`).join(', ')}, this is ${loaded.split.part}` : '';
  return md(`data "${loaded.dataset}": ${loaded.rowsRead} rows read, ${drops.length > 0 ? `dropped ${drops.join(', ')}` : 'none dropped'}, ${loaded.rowsKept} kept${taken}${split}`);
}

/** The threat-model card (cli/threatModel.ts), first: who holds what, the door, who attacks, the defences. */
function renderThreatModel(report: Report, lines: string[]): void {
  const card = report.threatModel as ThreatModelCard | undefined;
  if (!card) return;
  lines.push('## Threat model', '');
  for (const sentence of card.sentences) lines.push(`- ${md(sentence)}`);
  lines.push('', `![Threat model: the three parties, what each holds, the live RPCs, the adversary](${CARD_FILE})`, '');
}

/** Replicates: the FPA rows as means over seeds with their t-intervals (each replicate has its own report). */
function renderAcrossSeeds(report: Report, lines: string[]): void {
  const replicates = report.replicates as { seeds: number[] } | undefined;
  if (!replicates) return;
  lines.push(`## Over seeds`, '', `The scenario ran once per seed (${replicates.seeds.join(', ')}); each replicate's own report is in \`replicates/seed=<s>/\`. Every number below is the mean over the seeds with its 95% t-interval.`, '');
  const across = report.acrossSeeds as { fpa?: { rows: Record<string, Record<string, unknown>> }; defenceStudy?: { rows: Record<string, Record<string, any>> } } | undefined;
  renderAcrossSeedsFpa(across?.fpa, lines);
  renderAcrossSeedsDefences(across?.defenceStudy, lines);
}

/** A receiver's defence over seeds (`acrossSeeds.defenceStudy`): its price beside its twin, and the poisoning it undoes. */
function renderAcrossSeedsDefences(study: { rows: Record<string, Record<string, any>> } | undefined, lines: string[]): void {
  if (!study) return;
  lines.push('### What each defence costs the receiver, beside its undefended twin of the same seed', '');
  lines.push('| variant | classifier | accuracy loss vs twin | DP gap change vs twin |', '|---|---|---|---|');
  for (const [label, row] of Object.entries(study.rows)) {
    for (const [kind, c] of Object.entries((row.classifiers ?? {}) as Record<string, Record<string, unknown>>)) {
      lines.push(`| ${md(label)} | ${kind} | ${interval(c.accuracyLossVsUndefended)} | ${interval(c.dpGapChangeVsUndefended)} |`);
    }
  }
  lines.push('');
  const against = Object.entries(study.rows).filter(([, r]) => r.againstPoisoning);
  if (against.length === 0) return;
  lines.push('Against the poisoning (per seed the four variants of that seed, paired on its test records; cli/studies/defences.ts):', '');
  lines.push('| variant | classifier | DP gap rise, undefended | DP gap rise, defended | rise cut | accuracy cost beyond honest |', '|---|---|---|---|---|---|');
  for (const [label, r] of against) {
    for (const [kind, a] of Object.entries(r.againstPoisoning as Record<string, Record<string, unknown>>)) {
      lines.push(`| ${md(label)} | ${kind} | ${interval(a.dpGapRiseUndefended)} | ${interval(a.dpGapRiseDefended)} | ${interval(a.riseCut)} | ${interval(a.accuracyCostBeyondHonest)} |`);
    }
  }
  lines.push('');
}

function renderAcrossSeedsFpa(fpa: { rows: Record<string, Record<string, unknown>> } | undefined, lines: string[]): void {
  if (!fpa) return;
  lines.push('### Fairness poisoning: every variant against the honest sharer of its own seed', '');
  lines.push('| variant | classifier | accuracy | accuracy loss vs honest | DP gap | DP gap rise vs honest |', '|---|---|---|---|---|---|');
  for (const [label, row] of Object.entries(fpa.rows)) {
    for (const [kind, c] of Object.entries(row)) {
      const k = c as Record<string, unknown>;
      if (!k || typeof k !== 'object' || !('accuracyLossVsHonest' in k)) continue;
      lines.push(`| ${md(label)} | ${kind} | ${interval(k.accuracy)} | ${interval(k.accuracyLossVsHonest)} | ${interval(k.dpGap)} | ${interval(k.dpGapRiseVsHonest)} |`);
    }
  }
  lines.push('');
}

/** Property inference: this run's estimates against the truth (`pia`), and the sweep summary (`piaStudy`). */
function renderPia(report: Report, lines: string[]): void {
  const list = (v: unknown) => (Array.isArray(v) ? `[${v.map(fmt).join(', ')}]` : fmt(v));
  type Guess = { guess: unknown; error: number };
  const pia = report.pia as
    | { attacks: Array<{ property: string; discriminator: string; truth: unknown; byN: Record<string, Record<string, unknown>>; baselines?: { midpoint: Guess; auxPrior: Guess | null } }> }
    | undefined;
  for (const a of pia?.attacks ?? []) {
    lines.push(`## Property inference: ${md(a.property)}`, '');
    lines.push(`Truth (the sharer's training records): ${list(a.truth)}; discriminator: ${md(a.discriminator)}. Bound = Hoeffding radius + discriminator error.`, '');
    if (a.baselines) {
      const aux = a.baselines.auxPrior ? `; the share in the receiver's aux data ${list(a.baselines.auxPrior.guess)} (error ${fmt(a.baselines.auxPrior.error)})` : '';
      lines.push(`Trivial attacks (no sample looked at): the midpoint ${list(a.baselines.midpoint.guess)} (error ${fmt(a.baselines.midpoint.error)})${aux}.`, '');
    }
    lines.push('| n | p̂ | corrected | error p̂ | error corrected | radius | bound | held |', '|---|---|---|---|---|---|---|---|');
    for (const e of Object.values(a.byN)) {
      lines.push(`| ${e.n} | ${list(e.pHat)} | ${list(e.corrected)} | ${fmt(e.error)} | ${fmt(e.correctedError)} | ${fmt(e.hoeffdingRadius)} | ${fmt(e.bound)} | ${e.held} |`);
    }
    lines.push('');
  }
  const study = report.piaStudy as
    | { property: string; discriminator: string; byN: Record<string, Record<string, unknown>>; rows: Array<Record<string, unknown>>; byGroup?: Record<string, Record<string, any>> }
    | undefined;
  if (study) {
    lines.push(`## Property inference across the variants: ${study.property} (${study.discriminator} discriminator)`, '');
    lines.push('The attack beside the trivial one: a constant answer that looks at no sample (the midpoint, or the share in the receiver\'s aux data, whichever errs less). Ratio = attack error / constant error; coverage = share of variants whose truth lies in the interval the attack reported.', '');
    lines.push('| n | variants | mean error p̂ | mean error corrected | constant guess error | ratio to constant | coverage | mean interval width | radius r | mean disc. error e | r + e | raw held share |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const [n, b] of Object.entries(study.byN)) {
      lines.push(
        `| ${n} | ${b.variants} | ${fmt(b.meanAbsError)} | ${fmt(b.meanAbsErrorCorrected)} | ${fmt(b.constantGuessError)} | ${fmt(b.errorRatioToConstant)} | ${fmt(b.coverage)} | ${fmt(b.meanIntervalWidth)} | ${fmt(b.hoeffdingRadius)} | ${fmt(b.meanDiscriminatorError)} | ${fmt(b.bound)} | ${fmt(b.boundHeldShare)} |`,
      );
    }
    renderPiaGroups(study.byGroup, lines);
    lines.push('', '| variant | truth p | n | p̂ | corrected | reported interval | covered | r | e | r + e | p̂ within r + e |', '|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of study.rows) {
      const shown = r.interval ? JSON.stringify(r.interval, (_, v) => (typeof v === 'number' ? Number(v.toFixed(3)) : v)) : '—';
      lines.push(`| ${md(r.variant)} | ${list(r.truth)} | ${r.n} | ${list(r.pHat)} | ${list(r.corrected)} | ${shown} | ${r.covered ?? '—'} | ${fmt(r.hoeffdingRadius)} | ${fmt(r.discriminatorError)} | ${fmt(r.bound)} | ${r.held} |`);
    }
    lines.push('');
  }
}

/** The property decoy across a sweep (`decoyStudy`, cli/studies/decoy.ts): each decoy variant beside its undefended twin. */
function renderDecoy(report: Report, lines: string[]): void {
  const study = report.decoyStudy as { rows: Record<string, { undefendedLabel: string; property: string; ownerShare: number; decoyShare: number; achievedShare: number; rowsAfter: number; duplicates: number; pia: Record<string, Record<string, unknown>>; classifiers: Record<string, Record<string, unknown>> }> } | undefined;
  if (!study) return;
  lines.push('## Property decoy against property inference', '');
  lines.push("Each decoy variant beside its undefended twin (same seed). p: the owner's share; p₀: the decoy's. Rise = |p̂ − p| with the decoy − without. Classifier deltas on paired 95% bootstrap intervals.", '');
  lines.push('| variant | twin | property | p | p₀ | achieved | N | duplicates | n | p̂ | corrected | r + e | \\|p̂ − p₀\\| | \\|corrected − p₀\\| | rise \\|p̂ − p\\| | rise \\|corrected − p\\| | p₀ / p in interval |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [label, r] of Object.entries(study.rows)) {
    for (const [n, e] of Object.entries(r.pia)) {
      lines.push(
        `| ${md(label)} | ${md(r.undefendedLabel)} | ${md(r.property)} | ${fmt(r.ownerShare)} | ${fmt(r.decoyShare)} | ${fmt(r.achievedShare)} | ${r.rowsAfter} | ${r.duplicates} | ${n} | ${fmt(e.pHat)} | ${fmt(e.corrected)} | ${fmt(e.bound)} | ${fmt(e.errorToDecoy)} | ${fmt(e.correctedErrorToDecoy)} | ${fmt(e.errorRiseVsUndefended)} | ${fmt(e.correctedErrorRiseVsUndefended)} | ${e.decoyCovered ?? '—'} / ${e.truthCovered ?? '—'} |`,
      );
    }
  }
  lines.push('', '| variant | classifier | TSTR gap (real − synthetic) | twin TSTR gap | accuracy loss vs twin | DP gap | twin DP gap | DP gap change vs twin |', '|---|---|---|---|---|---|---|---|');
  for (const [label, r] of Object.entries(study.rows)) {
    for (const [kind, c] of Object.entries(r.classifiers)) {
      lines.push(`| ${md(label)} | ${kind} | ${interval(c.accuracyBelowReal)} | ${interval(c.undefendedAccuracyBelowReal)} | ${interval(c.accuracyLossVsUndefended)} | ${interval(c.dpGap)} | ${interval(c.undefendedDpGap)} | ${interval(c.dpGapChangeVsUndefended)} |`);
    }
  }
  lines.push('');
}

/** The receiver's fairness audit as a detector (`auditStudy`, cli/studies/audit.ts): flag rates per variant and the AUC. */
function renderAuditStudy(report: Report, lines: string[]): void {
  const study = report.auditStudy as AuditStudy | undefined;
  if (!study) return;
  const rate = (r: { estimate: number; low: number; high: number; flagged: number; runs: number }) => `${r.flagged}/${r.runs} = ${r.estimate.toFixed(2)} [${r.low.toFixed(2)}, ${r.high.toFixed(2)}]`;
  lines.push('## Fairness audit as a detector of poisoning', '');
  lines.push(`The receiver's audit (flag when p < ${study.significance}) over ${study.seeds.length} seed(s); flag rates with 95% Clopper–Pearson intervals; AUC of the p-value against the honest runs (0.5 is chance).`, '');
  lines.push('| variant | method | α | flag rate | mean p-value | max p-value | mean \\|synthetic gap\\| | mean \\|training gap\\| (truth) | AUC vs honest |', '|---|---|---|---|---|---|---|---|---|');
  for (const [label, r] of Object.entries(study.rows)) {
    lines.push(`| ${md(label)} | ${r.method} | ${r.alpha} | ${rate(r.flagRate)} | ${r.meanPValue.toPrecision(3)} | ${r.maxPValue.toPrecision(3)} | ${fmt(r.meanAbsGapSynthetic)} | ${fmt(r.meanAbsTrainingLabelParityGap)} | ${r.aucVsHonest === null ? '—' : fmt(r.aucVsHonest)} |`);
  }
  if (study.detector) {
    const d = study.detector;
    lines.push('', `Every poisoned run (${d.poisonedRuns}) against every honest run (${d.honestRuns}): AUC ${fmt(d.auc)}, true-positive rate ${rate(d.truePositiveRate)}, false-positive rate ${rate(d.falsePositiveRate)}.`);
  }
  lines.push('');
}

/** What each swept defence costs the receiver (`defenceStudy`, cli/studies/defences.ts), paired with its undefended twin. */
function renderDefenceCost(report: Report, lines: string[]): void {
  const study = report.defenceStudy as DefenceStudy | undefined;
  if (!study) return;
  lines.push('## What each defence costs the receiver', '');
  lines.push('Each defended variant beside its undefended twin (same seed, same test records): accuracy loss and DP gap change on paired 95% bootstrap intervals.', '');
  lines.push('| variant | defences | twin | classifier | TSTR gap | twin TSTR gap | accuracy loss vs twin | DP gap change vs twin |', '|---|---|---|---|---|---|---|---|');
  for (const [label, r] of Object.entries(study.rows)) {
    const defences = [
      ...r.defences.sharer.map((d) => `sharer: ${d}`),
      ...r.defences.broker.map((d) => `broker: ${d}`),
      ...(r.defences.receiver ?? []).map((d) => `receiver: ${d}`),
    ].join(', ');
    for (const [kind, c] of Object.entries(r.classifiers)) {
      lines.push(`| ${md(label)} | ${defences} | ${md(r.undefendedLabel)} | ${kind} | ${interval(c.accuracyBelowReal)} | ${interval(c.undefendedAccuracyBelowReal)} | ${interval(c.accuracyLossVsUndefended)} | ${interval(c.dpGapChangeVsUndefended)} |`);
    }
  }
  lines.push('');
  const against = Object.entries(study.rows).filter(([, r]) => r.againstPoisoning);
  if (against.length === 0) return;
  lines.push(
    'Against the poisoning: each poisoned defended variant with its three counterparts of the same seed (undefended twin, honest sharer with and without the same defences), paired on the test records. DP gap rise = poisoned − honest, undefended and defended (like for like); cut = 1 − defended / undefended rise; accuracy cost beyond honest = the defence\'s accuracy loss under poisoning − its loss on the honest run.',
    '',
  );
  lines.push('| variant | classifier | DP gap rise, undefended | DP gap rise, defended | rise cut | accuracy cost beyond honest |', '|---|---|---|---|---|---|');
  for (const [label, r] of against) {
    for (const [kind, a] of Object.entries(r.againstPoisoning!)) {
      lines.push(`| ${md(label)} | ${kind} | ${interval(a.dpGapRiseUndefended)} | ${interval(a.dpGapRiseDefended)} | ${interval(a.riseCut)} | ${interval(a.accuracyCostBeyondHonest)} |`);
    }
  }
  lines.push('');
}

/** Per group of variants (e.g. per generator): mean PIA error per n beside the group's fidelity. */
function renderPiaGroups(groups: Record<string, Record<string, any>> | undefined, lines: string[]): void {
  if (!groups) return;
  const classifiers = [...new Set(Object.values(groups).flatMap((g) => Object.keys(g.accuracyGap ?? {})))];
  const ns = [...new Set(Object.values(groups).flatMap((g) => Object.keys(g.byN)))].sort((a, b) => Number(a) - Number(b));
  const largest = ns[ns.length - 1];
  lines.push('', 'Per group of variants (means over the property shares; accuracy gap = |real − synthetic| accuracy of the receiver\'s classifier):', '');
  const head = ['group', 'model', ...ns.map((n) => `error p̂, n=${n}`), `error corrected, n=${largest}`, 'worst marginal TV', 'mean marginal TV', ...classifiers.map((c) => `${c} accuracy gap`)];
  lines.push(`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
  for (const [label, g] of Object.entries(groups)) {
    const cells = [md(label), g.modelKind, ...ns.map((n) => fmt(g.byN[n]?.meanAbsError)), fmt(g.byN[largest]?.meanAbsErrorCorrected), fmt(g.maxTotalVariation), fmt(g.meanTotalVariation), ...classifiers.map((c) => fmt(g.accuracyGap?.[c]))];
    lines.push(`| ${cells.join(' | ')} |`);
  }
}

/** Membership inference: every score side by side, ordered up the access ladder, beside chance; and extraction. */
function renderMembership(report: Report, lines: string[]): void {
  type Entry = { attack: string; access: string[]; score: string; auc: unknown; tprAt: Record<string, number>; tprAtInterval: Record<string, unknown>; rocFile: string; nMembers: number; nNonMembers: number };
  const m = report.membership as
    | { game: Record<string, unknown>; scores: Record<string, Entry>; byAccess: Record<string, { best: string; auc: unknown; tprAt: Record<string, number> }>; trimmedVsMean: Record<string, { trimmed: number; mean: number; difference: { estimate: number; low: number; high: number }; verdict: string }>; extraction?: Record<string, { training: ExtractionView; nonMemberBaseline: ExtractionView; excess?: Array<{ excessOverNonMembers: number }> }> }
    | undefined;
  if (!m) return;
  type ExtractionView = { generations: number; neighbours: number; referenceRecords: number; counts: Array<{ threshold: number; extractedRecords: number; generations: number }> };
  const g = m.game;
  lines.push('## Membership inference: the access ladder', '');
  const near = g.nonMembersByColumnsFromNearestMember as Record<string, number> | null | undefined;
  const nearText = near ? ` Near copies, as columns from the nearest member: non-members ${Object.entries(near).map(([k, n]) => `${n} at ${k}`).join(', ')}.` : '';
  lines.push(
    `Game: ${g.members} members and ${g.nonMembers} non-members drawn i.i.d. from pool \`${g.pool}\` (${g.poolRows} records), no non-member an exact copy of a member (${g.nonMemberCopiesReplaced} such copies in the plain draw were replaced).${nearText} The receiver scored all ${g.challenge} unlabelled. ` +
      'Chance is AUC 0.5 and TPR = FPR. TPR at FPR ≤ x is the conservative operating point (no interpolation); 95% stratified bootstrap intervals in brackets.',
    '',
  );
  const rank = (e: Entry) => Math.max(...e.access.map((a) => ACCESS_LADDER.indexOf(a as AccessGrant)));
  lines.push('| access | score | AUC | TPR @ 0.1% FPR | TPR @ 1% FPR | TPR @ 10% FPR | ROC data |', '|---|---|---|---|---|---|---|');
  for (const [key, e] of Object.entries(m.scores).sort((a, b) => rank(a[1]) - rank(b[1]))) {
    lines.push(
      `| ${e.access.join(', ')} | ${md(key)} | ${interval(e.auc)} | ${interval(e.tprAtInterval['0.001'])} | ${interval(e.tprAtInterval['0.01'])} | ${interval(e.tprAtInterval['0.1'])} | \`${e.rocFile}\` |`,
    );
  }
  lines.push('', '| access | best score (chosen on these scores) | AUC | TPR @ 1% FPR |', '|---|---|---|---|');
  for (const [grant, b] of Object.entries(m.byAccess)) lines.push(`| ${grant} | ${b.best} | ${interval(b.auc)} | ${fmt(b.tprAt['0.01'])} |`);
  lines.push('');
  for (const [attack, t] of Object.entries(m.trimmedVsMean)) {
    lines.push(`- ${md(attack)}: trimmed statistic AUC ${fmt(t.trimmed)} vs plain mean ${fmt(t.mean)}: difference ${interval(t.difference)} (paired bootstrap): ${t.verdict}`);
  }
  if (Object.keys(m.trimmedVsMean).length > 0) lines.push('');
  for (const [name, x] of Object.entries(m.extraction ?? {})) {
    lines.push(`### Extraction (${md(name)}): Carlini's relative distance, ${x.training.generations} generations, n = ${x.training.neighbours} neighbours`, '');
    lines.push('| ratio below | training records extracted (of ' + x.training.referenceRecords + ') | generations | non-member baseline records (of ' + x.nonMemberBaseline.referenceRecords + ') | members − non-members |', '|---|---|---|---|---|');
    x.training.counts.forEach((c, i) => lines.push(`| ${c.threshold} | ${c.extractedRecords} | ${c.generations} | ${x.nonMemberBaseline.counts[i]?.extractedRecords} | ${x.excess?.[i]?.excessOverNonMembers ?? '—'} |`));
    lines.push('');
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * A minimal Markdown-to-HTML rendering of the report (headings, lists, tables, images), with no external assets:
 * an image line `![alt](file)` is embedded as a data URI read from `assetDir` (the run directory).
 */
export function renderHtml(report: Report, md: string, assetDir?: string): string {
  const out: string[] = [];
  let inTable = false;
  let inList = false;
  const inline = (s: string) =>
    unescapeMarkdownInHtml(escapeHtml(s))
      .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
      .replace(/`(.+?)`/g, '<code>$1</code>');
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) {
      const cells = markdownCells(line);
      if (cells.every((c) => /^-+$/.test(c))) continue;
      if (!inTable) {
        out.push('<table><tr>' + cells.map((c) => `<th>${inline(c)}</th>`).join('') + '</tr>');
        inTable = true;
      } else {
        out.push('<tr>' + cells.map((c) => `<td class="${c.includes('FAIL') ? 'fail' : ''}">${inline(c)}</td>`).join('') + '</tr>');
      }
      continue;
    }
    if (inTable) {
      out.push('</table>');
      inTable = false;
    }
    if (line.startsWith('- ')) {
      if (!inList) out.push('<ul>');
      inList = true;
      out.push(`<li>${inline(line.slice(2))}</li>`);
      continue;
    }
    if (inList) {
      out.push('</ul>');
      inList = false;
    }
    const image = /^!\[((?:\\.|[^\]\\])*)\]\(([^)]+)\)$/.exec(line.trim());
    // The threat-model card's diagram inline (the SVG is Vega's, every text in it escaped), scaled to the page.
    if (image && image[2] === CARD_FILE && assetDir && fs.existsSync(path.join(assetDir, CARD_FILE))) {
      out.push(`<figure class="threat-model" aria-label="${escapeHtml(unescapeMarkdown(image[1]))}">${fs.readFileSync(path.join(assetDir, CARD_FILE), 'utf8')}</figure>`);
      continue;
    }
    if (image) {
      const file = assetDir ? path.join(assetDir, image[2]) : null;
      const type = image[2].endsWith('.svg') ? 'image/svg+xml' : 'image/png';
      const src = file && fs.existsSync(file) ? `data:${type};base64,${fs.readFileSync(file).toString('base64')}` : escapeHtml(image[2]);
      out.push(`<p><img alt="${escapeHtml(unescapeMarkdown(image[1]))}" src="${src}"></p>`);
      continue;
    }
    if (line.startsWith('### ')) out.push(`<h3>${inline(line.slice(4))}</h3>`);
    else if (line.startsWith('## ')) out.push(`<h2>${inline(line.slice(3))}</h2>`);
    else if (line.startsWith('# ')) out.push(`<h1>${inline(line.slice(2))}</h1>`);
    else if (line.trim()) out.push(`<p>${inline(line)}</p>`);
  }
  if (inTable) out.push('</table>');
  if (inList) out.push('</ul>');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sharebox: ${escapeHtml(report.scenario.name)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}
th{background:#f3f3f3}td.fail{background:#fde2e2}code{background:#f3f3f3;padding:0 3px}
figure.threat-model{margin:1em 0}figure.threat-model svg{max-width:100%;height:auto}
</style></head><body>
${out.join('\n')}
<script type="application/json" id="report-data">${JSON.stringify(report).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}
