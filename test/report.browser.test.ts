/**
 * Reports as a reader's browser shows them (issue 20): real runs of tiny fixtures, each report.html opened from its
 * file in headless Chromium (test/helpers/browser.ts; needs Debian's package `chromium` or SHAREBOX_CHROMIUM, which
 * .ci/run installs). A report must open with no error, fetch nothing (one self-contained file), draw every plot that
 * report.json lists and every SVG it carries, and decode every image. The checker is shown to catch each kind of
 * fault on a spoiled copy of a real report.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { repoRoot } from '../shared/repoRoot';
import { checkReportInBrowser, findChromium, launchChromium } from './helpers/browser';
import { runCli } from './helpers/cli';

const FIXTURES = path.join(repoRoot(), 'test', 'fixtures');
// tiny.yaml: a plain report. tiny-fpa.yaml: a sweep over the poisoning ratio α, whose report carries the FPA plot.
// tiny-mnist-grid.yaml: an image model, whose report embeds the real-vs-synthetic sample grid as a PNG data URI.
const RUNS = { plain: 'tiny.yaml', plots: 'tiny-fpa.yaml', images: 'tiny-mnist-grid.yaml' } as const;
type RunName = keyof typeof RUNS;

let tmp: string;
let browser: Browser;
const reportDirs = {} as Record<RunName, string>;

beforeAll(async () => {
  findChromium(); // fails first, naming the package to install, when there is no browser
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sharebox-browser-'));
  const [launched] = await Promise.all([
    launchChromium(),
    ...Object.entries(RUNS).map(async ([name, fixture]) => {
      const out = path.join(tmp, name);
      const { code, stderr } = await runCli(['run', path.join(FIXTURES, fixture), '--out', out, '--cache', path.join(tmp, `cache-${name}`), '--quiet']);
      expect({ fixture, code, stderr: code === 0 ? '' : stderr }).toEqual({ fixture, code: 0, stderr: '' });
      reportDirs[name as RunName] = out;
    }),
  ]);
  browser = launched;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function reportJson(name: RunName): { plots?: Array<{ id: string; title: string }>; images?: unknown } {
  return JSON.parse(fs.readFileSync(path.join(reportDirs[name], 'report.json'), 'utf8'));
}

describe('report.html in headless Chromium', () => {
  test.each(Object.keys(RUNS) as RunName[])('the %s report opens cleanly, self-contained, every graphic drawn', async (name) => {
    const html = path.join(reportDirs[name], 'report.html');
    const seen = await checkReportInBrowser(browser, html);
    expect(seen.problems).toEqual([]);
    expect(seen.requests).toEqual([expect.stringMatching(/^file:.*report\.html$/)]);
    // Every plot report.json lists is drawn, under its title; the report may carry other SVGs on purpose.
    const plots = reportJson(name).plots ?? [];
    expect(seen.svgGraphics).toBeGreaterThanOrEqual(plots.length);
    for (const plot of plots) expect(seen.text).toContain(plot.title);
  });

  test('the fixtures cover what a report can embed: a plot and an image', () => {
    expect(reportJson('plots').plots?.length).toBeGreaterThanOrEqual(1);
    expect(reportJson('images').images).toBeDefined();
  });

  test('without a browser, the message names what to install or set', () => {
    expect(() => findChromium({ PATH: '' })).toThrow(/Debian's package "chromium" \(apt-get install chromium/);
    expect(() => findChromium({ SHAREBOX_CHROMIUM: path.join(tmp, 'no-such-chromium') })).toThrow(/SHAREBOX_CHROMIUM=.* is not an executable file/);
  });

  test('the checker catches a request out, a script error, a console error, an undrawn SVG and a broken image', async () => {
    const original = fs.readFileSync(path.join(reportDirs.plots, 'report.html'), 'utf8');
    const spoil = async (label: string, injected: string) => {
      const file = path.join(tmp, `spoiled-${label}.html`);
      fs.writeFileSync(file, original.replace('</body>', `${injected}\n</body>`));
      return (await checkReportInBrowser(browser, file)).problems;
    };
    // The request is aborted by the checker (and no host name resolves in this browser): nothing leaves the machine.
    expect(await spoil('request', '<img alt="tracker" src="https://example.com/x.png">')).toEqual(
      expect.arrayContaining([expect.stringContaining('request to https://example.com/x.png')]),
    );
    expect(await spoil('script', '<script>throw new Error("injected fault")</script>')).toEqual([expect.stringMatching(/^page error: .*injected fault/)]);
    expect(await spoil('console', '<script>console.error("injected complaint")</script>')).toEqual(['console error: injected complaint']);
    expect(await spoil('svg', '<svg aria-label="empty plot" width="0" height="0"></svg>')).toEqual([
      expect.stringMatching(/SVG <svg> #\d+ "empty plot" is not drawn/),
      expect.stringMatching(/SVG <svg> #\d+ "empty plot" has no marks/),
    ]);
    expect(await spoil('image', '<img alt="broken" src="data:image/png;base64,AAAA">')).toEqual([expect.stringMatching(/image <img> #\d+ "broken" did not load/)]);
  });
});
