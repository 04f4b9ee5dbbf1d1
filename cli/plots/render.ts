/**
 * Plots for the reports: a Vega-Lite specification (data inline) compiled and rendered to SVG in Node, with no
 * browser and no network. vega and vega-lite 5 are used because their CommonJS builds load with require(); version 6
 * is ESM only, with a top-level await that require() refuses and that Jest's module sandbox cannot import.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** One plot of a report: the specification (with its data, which report.json keeps) and how the report shows it. */
export interface ReportPlot {
  /** Names the SVG file next to the report (`plot-<id>.svg`): lower-case letters, digits and dashes. */
  id: string;
  title: string;
  /** What to read in it, one or two sentences under the picture. */
  caption: string;
  spec: TopLevelSpec;
}

/** The plot as an SVG document. Text widths are estimated (there is no canvas to measure them with). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
