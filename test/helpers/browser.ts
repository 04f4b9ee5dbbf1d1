/**
 * Opens a report.html in a real headless Chromium (issue 20), driven by playwright-core, which brings no browser of
 * its own: the system's Chromium is used (Debian's package `chromium`, which .ci/run installs). Two uses:
 * - `checkReportInBrowser`: what a reader's browser would do with the file — errors on the console or thrown by the
 *   page, any request other than the file itself and data: URIs (a report is one self-contained file), every SVG
 *   drawn (inline or as a data: image) with a non-empty box and marks in it, every image decoded;
 * - `screenshotReport`: a PNG of a report for the docs (`npm run screenshot -- <report.html> <out.png>`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { chromium, type Browser } from 'playwright-core';

/** The executables looked for on PATH, in order, when SHAREBOX_CHROMIUM is not set. */
const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome'];

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The Chromium to drive: $SHAREBOX_CHROMIUM, else the first of CHROMIUM_NAMES on PATH. Throws saying what to install. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.SHAREBOX_CHROMIUM;
  if (chosen) {
    if (!isExecutable(chosen)) throw new Error(`SHAREBOX_CHROMIUM=${chosen} is not an executable file: point it at a Chromium or Chrome binary, or unset it to search PATH`);
    return chosen;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of CHROMIUM_NAMES) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return file;
    }
  }
  throw new Error(
    `no Chromium to test the reports in: none of ${CHROMIUM_NAMES.join(', ')} is on PATH and SHAREBOX_CHROMIUM is not set. ` +
      'Install Debian\'s package "chromium" (apt-get install chromium; .ci/run does this) or set SHAREBOX_CHROMIUM to a Chromium or Chrome binary.',
  );
}

/**
 * A headless Chromium. The sandbox is off: as root Chromium refuses to start with it, and in containers without user
 * namespaces it cannot start at all; the pages opened are the project's own report files. Every host name resolves to
 * nothing, so a request that the checker's interception would miss still cannot leave the machine.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--host-resolver-rules=MAP * ~NOTFOUND'],
  });
}

/** What the browser made of one report. `problems` is empty when the report is fine; each entry says what and where. */
export interface ReportInBrowser {
  problems: string[];
  /** Every request the page made (the file itself first), data: URIs excluded. */
  requests: string[];
  /** Inline <svg> roots and <img> elements showing SVG data, each checked for a box and marks. */
  svgGraphics: number;
  /** <img> elements, each checked for having decoded. */
  images: number;
  /** The page's visible text, to check what it names. */
  text: string;
}

/** What a page reports about its graphics, computed inside the page. */
interface DrawnGraphics {
  svgs: Array<{ where: string; width: number; height: number; marks: number; error?: string }>;
  images: Array<{ where: string; width: number; height: number; naturalWidth: number }>;
  text: string;
}

/**
 * Runs in the page (a string: the project compiles without the DOM's types). Waits for every image to decode, then
 * measures each top-level inline <svg> and each <img> of SVG data (parsed to count its marks: the picture inside an
 * <img> is not in the DOM) and each image.
 */
const MEASURE_GRAPHICS = `(async () => {
  const MARKS = 'path,rect,line,circle,ellipse,polygon,polyline,text,image,use';
  const describe = (el, i) => {
    const label = el.getAttribute('alt') ?? el.getAttribute('aria-label') ?? el.querySelector('title')?.textContent ?? '';
    return '<' + el.tagName.toLowerCase() + '> #' + (i + 1) + (label ? ' "' + label.slice(0, 80) + '"' : '');
  };
  const svgText = (src) => {
    const comma = src.indexOf(',');
    const data = src.slice(comma + 1);
    if (!src.slice(0, comma).endsWith(';base64')) return decodeURIComponent(data);
    return new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
  };
  const images = Array.from(document.images);
  await Promise.all(images.map((img) => img.decode().catch(() => undefined)));
  const svgs = [];
  Array.from(document.querySelectorAll('svg'))
    .filter((svg) => !svg.parentElement?.closest('svg'))
    .forEach((svg, i) => {
      const box = svg.getBoundingClientRect();
      svgs.push({ where: describe(svg, i), width: box.width, height: box.height, marks: svg.querySelectorAll(MARKS).length });
    });
  images.forEach((img, i) => {
    if (!img.src.startsWith('data:image/svg+xml')) return;
    const box = img.getBoundingClientRect();
    const parsed = new DOMParser().parseFromString(svgText(img.src), 'image/svg+xml');
    const error = parsed.querySelector('parsererror')?.textContent ?? undefined;
    svgs.push({ where: describe(img, i), width: box.width, height: box.height, marks: parsed.querySelectorAll(MARKS).length, error });
  });
  return {
    svgs,
    images: images.map((img, i) => {
      const box = img.getBoundingClientRect();
      return { where: describe(img, i), width: box.width, height: box.height, naturalWidth: img.naturalWidth };
    }),
    text: document.body.innerText,
  };
})()`;

/**
 * Opens `htmlFile` (file: URL) in a new page of `browser` and reports what a reader would have met. A request to
 * anything but the file itself is recorded as a problem and aborted; data: URIs are not requests.
 */
export async function checkReportInBrowser(browser: Browser, htmlFile: string, viewportWidth = 1000): Promise<ReportInBrowser> {
  const fileUrl = pathToFileURL(path.resolve(htmlFile)).href;
  const problems: string[] = [];
  const requests: string[] = [];
  const page = await browser.newPage({ viewport: { width: viewportWidth, height: 800 } });
  try {
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('websocket', (socket) => problems.push(`WebSocket to ${socket.url()}: a report must not reach out`));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('data:')) return route.continue();
      requests.push(url);
      if (url === fileUrl) return route.continue();
      problems.push(`request to ${url}: a report must be one self-contained file (data: URIs only)`);
      return route.abort('blockedbyclient');
    });
    await page.goto(fileUrl, { waitUntil: 'load' });
    const drawn = (await page.evaluate(MEASURE_GRAPHICS)) as DrawnGraphics;
    for (const svg of drawn.svgs) {
      if (svg.error) problems.push(`SVG ${svg.where} does not parse: ${svg.error}`);
      if (!(svg.width > 0 && svg.height > 0)) problems.push(`SVG ${svg.where} is not drawn: its box is ${svg.width}×${svg.height}`);
      if (svg.marks === 0) problems.push(`SVG ${svg.where} has no marks (no path, rect, line, text, …)`);
    }
    for (const img of drawn.images) {
      if (img.naturalWidth === 0) problems.push(`image ${img.where} did not load (naturalWidth 0)`);
      else if (!(img.width > 0 && img.height > 0)) problems.push(`image ${img.where} is not shown: its box is ${img.width}×${img.height}`);
    }
    return { problems, requests, svgGraphics: drawn.svgs.length, images: drawn.images.length, text: drawn.text };
  } finally {
    await page.close();
  }
}

/** A full-page PNG of a report at `width` CSS pixels (the docs' pictures of reports, docs/img/). */
export async function screenshotReport(htmlFile: string, pngFile: string, { width = 1000 }: { width?: number } = {}): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    // Offline by construction: nothing but the file itself is fetched.
    const fileUrl = pathToFileURL(path.resolve(htmlFile)).href;
    await page.route('**/*', (route) => (route.request().url() === fileUrl || route.request().url().startsWith('data:') ? route.continue() : route.abort('blockedbyclient')));
    await page.goto(fileUrl, { waitUntil: 'load' });
    fs.mkdirSync(path.dirname(path.resolve(pngFile)), { recursive: true });
    await page.screenshot({ path: pngFile, fullPage: true });
  } finally {
    await browser.close();
  }
}
