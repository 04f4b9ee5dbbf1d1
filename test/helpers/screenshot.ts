/**
 * `npm run screenshot -- <report.html> <out.png> [--width N]`: a full-page PNG of a report, taken in headless Chromium
 * (test/helpers/browser.ts), for the docs' pictures of reports (docs/img/). Kept beside the tests, not in cli/: the
 * browser driver is a development dependency.
 */
import { screenshotReport } from './browser';

async function main(argv: string[]): Promise<number> {
  const widthAt = argv.indexOf('--width');
  const width = widthAt >= 0 ? Number(argv[widthAt + 1]) : 1000;
  const files = widthAt >= 0 ? [...argv.slice(0, widthAt), ...argv.slice(widthAt + 2)] : argv;
  if (files.length !== 2 || !Number.isInteger(width) || width <= 0) {
    console.error('usage: npm run screenshot -- <report.html> <out.png> [--width CSS-pixels (default 1000)]');
    return 2;
  }
  await screenshotReport(files[0], files[1], { width });
  console.log(`screenshot: ${files[1]} (${width} px wide)`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`screenshot failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
