#!/usr/bin/env node
/**
 * sharebox command line.
 *   sharebox run <scenario.yaml> [--out DIR] [--cache DIR] [--quiet] [--insecure] [--netns]
 *   sharebox validate <scenario.yaml>
 * Exit codes: 0 every expectation holds; 1 an expectation failed; 2 bad scenario, bad usage or failed party.
 */
import { parseArgs } from 'util';
import { loadScenario } from '../shared/scenario';
import { runScenario } from './run';
import { describeVerdict } from './expectations';
import { registerBuiltInMoves } from './moves';

const USAGE = `usage:
  sharebox run <scenario.yaml> [--out DIR] [--cache DIR] [--quiet] [--insecure] [--netns]
  sharebox validate <scenario.yaml>

  run       start sharer, broker and receiver, referee the run, write report.json/.md/.html into --out, a new
            or empty directory (default runs/<scenario>-<timestamp>/). Trained models are cached in --cache
            (default .cache/, or $SHAREBOX_CACHE_DIR). The parties talk mutual TLS under a CA made for the
            run; --insecure makes them talk plaintext, for debugging (the report says which). --netns (root)
            puts each party in a network namespace of its own, linked only as the protocol needs.
  validate  check a scenario without running it.
exit codes: 0 all expectations hold (or none: report only), 1 an expectation failed, 2 bad scenario or a party failed.`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        cache: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        insecure: { type: 'boolean', default: false },
        netns: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`sharebox: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [command, file, ...extra] = parsed.positionals;
  if (parsed.values.help || !command) {
    process.stdout.write(USAGE + '\n');
    return parsed.values.help ? 0 : 2;
  }
  if (!file || extra.length > 0) {
    process.stderr.write(`sharebox ${command}: expected exactly one scenario file\n${USAGE}\n`);
    return 2;
  }
  try {
    registerBuiltInMoves();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  switch (command) {
    case 'validate':
      try {
        const s = loadScenario(file);
        const seeds = s.replicates ? `replicates at seeds ${s.replicates.seeds.join(', ')}` : `seed ${s.seed}`;
        const checks = s.expect.length > 0 ? `${s.expect.length} expectation${s.expect.length === 1 ? '' : 's'}` : 'report only: nothing asserted';
        process.stdout.write(`${file}: valid scenario "${s.name}" (${seeds}; ${checks})\n`);
        return 0;
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        return 2;
      }
    case 'run': {
      const outcome = await runScenario(file, { outDir: parsed.values.out, cacheDir: parsed.values.cache, quiet: parsed.values.quiet, insecure: parsed.values.insecure, netns: parsed.values.netns });
      if (outcome.error) {
        process.stderr.write(`sharebox run: ${outcome.error}\n`);
        return outcome.exitCode;
      }
      const report = outcome.report!;
      for (const e of report.expectations) process.stdout.write(`${e.passed ? 'PASS' : 'FAIL'}  ${e.message}\n`);
      if (report.verdict === 'report-only') process.stdout.write(`${describeVerdict(report.verdict)}\n`);
      process.stdout.write(`report: ${outcome.runDir}/report.html (and report.json, report.md)\n`);
      return outcome.exitCode;
    }
    default:
      process.stderr.write(`sharebox: unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`sharebox: ${err?.stack ?? err}\n`);
    process.exit(2);
  },
);
