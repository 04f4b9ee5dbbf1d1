/**
 * Every plot a report can carry, in the order the report shows them: one source for the list. Each builder reads the
 * report's sections and returns null when the run has nothing for it.
 */
import { accessLadderPlot } from './accessLadder';
import { dependenceHeatmapPlot } from './dependenceHeatmap';
import { fpaAgainstAlphaPlot } from './fpaAgainstAlpha';
import { marginalHistogramsPlot } from './marginalHistograms';
import { matrixHeatmapPlot } from './matrixHeatmap';
import type { MatrixStudy } from '../studies/matrix';
import { piaEstimatesPlot } from './piaEstimates';
import { privacyUtilityPlot } from './privacyUtility';
import { rocLogLogPlot } from './rocLogLog';
import type { ReportPlot } from './render';

type Sections = Record<string, unknown>;

const PLOT_BUILDERS: ReadonlyArray<(report: Sections) => ReportPlot | null> = [
  (report) => {
    const across = (report.acrossSeeds as { fpa?: { rows: Record<string, Record<string, unknown>> } } | undefined)?.fpa;
    const fpa = across ?? (report.fpa as { rows: Record<string, Record<string, unknown>> } | undefined);
    return fpa ? fpaAgainstAlphaPlot(fpa.rows, across !== undefined) : null;
  },
  // The attack × defence matrix first of the privacy plots: it is the summary the others detail.
  (report) => (Array.isArray(report.matrix) ? matrixHeatmapPlot(report.matrix as MatrixStudy[]) : null),
  accessLadderPlot,
  rocLogLogPlot,
  privacyUtilityPlot,
  piaEstimatesPlot,
  marginalHistogramsPlot,
  dependenceHeatmapPlot,
];

export function reportPlots(report: Sections): ReportPlot[] {
  return PLOT_BUILDERS.map((build) => build(report)).filter((p): p is ReportPlot => p !== null);
}

export { renderSvg, type ReportPlot } from './render';
