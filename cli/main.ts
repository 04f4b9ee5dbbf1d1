#!/usr/bin/env node
/**
 * sharebox command line.
 *   sharebox run <scenario.yaml> [--out DIR] [--cache DIR] [--quiet] [--insecure] [--netns] [--receiver-command CMD]
 *   sharebox run <scenario.yaml> --identity DIR --party sharer=HOST:PORT --party broker=HOST:PORT --party receiver=HOST:PORT [--out DIR] [--cache DIR] [--quiet]
 *   sharebox credentials <dir> [--hosts sharer=HOST,broker=HOST,receiver=HOST]
 *   sharebox party <sharer|broker|receiver> --identity DIR --listen HOST:PORT
 *   sharebox validate <scenario.yaml>
 *   sharebox explain <scenario.yaml> [--svg FILE]
 * Exit codes: 0 every expectation holds; 1 an expectation failed; 2 bad scenario, bad usage or failed party.
 */
import { parseArgs } from 'util';
import * as fs from 'fs';
import * as path from 'path';
import { PARTY_NAMES, type PartyName } from '../shared/party/runtime';
import { spawn } from 'child_process';
import { parsePartyCommand, parseRemoteRun, parseHostsList, type PartyLaunch } from './partyCommand';

const USAGE = `usage:
  sharebox run <scenario.yaml> [--out DIR] [--cache DIR] [--quiet] [--insecure] [--netns] [--receiver-command CMD]
  sharebox run <scenario.yaml> --identity DIR --party sharer=HOST:PORT --party broker=HOST:PORT --party receiver=HOST:PORT
               [--out DIR] [--cache DIR] [--quiet]
  sharebox credentials <dir> [--hosts sharer=HOST,broker=HOST,receiver=HOST]
  sharebox party <sharer|broker|receiver> --identity DIR --listen HOST:PORT
  sharebox validate <scenario.yaml>
  sharebox explain <scenario.yaml> [--svg FILE]

  run       start sharer, broker and receiver, referee the run, write report.json/.md/.html into --out, a new
            or empty directory (default runs/<scenario>-<timestamp>/). Trained models are cached in --cache
            (default .cache/, or $SHAREBOX_CACHE_DIR). The parties talk mutual TLS under a CA made for the
            run; --insecure makes them talk plaintext, for debugging (the report says which). --netns (root)
            puts each party in a network namespace of its own, linked only as the protocol needs.
            With --party (all three), the parties already run on hosts of their own (sharebox party): the runner
            dials each one's Control at HOST:PORT instead of spawning it, as the runner of --identity (the runner
            folder of sharebox credentials); the report says network: remote. A run without sweep or replicates.
            A scenario with receiver.external leaves the receiver's seat to an outside program: the runner writes
            its connection file (printed) and waits for its evidence; --receiver-command CMD starts the program
            itself, as the receiver would run, with the file as its last argument and in $SHAREBOX_CONNECTION.
  credentials  issue one run's identities into <dir> (new): a folder per party (its key, certificate, the CA
            certificate and its control token) to copy to its host, and runner/ (the runner's identity and every
            party's token). Certificates name roles, not addresses; --hosts only fills in the next steps printed.
  party     start one party on this host, for a runner elsewhere: TLS identity and control token from --identity
            (its folder of sharebox credentials), Control on the fixed --listen HOST:PORT, its other servers on HOST
            (free ports, sent to the runner). It serves one run and exits after Control.Shutdown, or on
            SIGINT/SIGTERM; it has no stdin tie to the runner (a runner that dies leaves it waiting: stop it).
  validate  check a scenario without running it.
  explain   validate a scenario and print its threat-model card: who holds what, the RPCs the broker serves, who
            attacks whom, the defences at each party, what each grant reveals. Runs nothing, reads no dataset.
            --svg FILE also writes the card's diagram (the card.svg every report carries).
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
        identity: { type: 'string' },
        party: { type: 'string', multiple: true },
        listen: { type: 'string' },
        hosts: { type: 'string' },
        'receiver-command': { type: 'string' },
        svg: { type: 'string' },
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
  const values = parsed.values;
  // Each command's own flags: one a command does not take is an error naming it, not silently ignored.
  const own: Record<string, readonly string[]> = {
    run: ['out', 'cache', 'quiet', 'insecure', 'netns', 'identity', 'party', 'receiver-command'],
    validate: ['out', 'cache', 'quiet', 'insecure', 'netns'], // ignored, as they always were
    explain: ['svg'],
    credentials: ['hosts'],
    party: ['identity', 'listen'],
  };
  const stray = own[command] ? (Object.keys(values) as Array<keyof typeof values>).find((k) => k !== 'help' && values[k] !== undefined && values[k] !== false && !own[command].includes(k)) : undefined;
  if (stray) {
    process.stderr.write(`sharebox ${command}: --${stray} is not an option of ${command}\n${USAGE}\n`);
    return 2;
  }
  if (command === 'party') {
    let launch;
    try {
      launch = parsePartyCommand(parsed.positionals.slice(1), values);
    } catch (err) {
      process.stderr.write(`sharebox party: ${(err as Error).message}\n`);
      return 2;
    }
    return runPartyHere(launch);
  }
  if (command === 'credentials') {
    if (!file || extra.length > 0) {
      process.stderr.write(`sharebox credentials: expected exactly one folder to create\n${USAGE}\n`);
      return 2;
    }
    try {
      const hosts = values.hosts === undefined ? null : parseHostsList(values.hosts);
      const { issuePartyCredentials } = await import('./remoteParties');
      const folders = issuePartyCredentials(path.resolve(file));
      process.stdout.write(nextSteps(file, folders, hosts));
      return 0;
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      return 2;
    }
  }
  if (!file || extra.length > 0) {
    process.stderr.write(`sharebox ${command}: expected exactly one scenario file\n${USAGE}\n`);
    return 2;
  }
  const { loadScenario } = await import('../shared/scenario');
  const { runScenario } = await import('./run');
  const { describeVerdict } = await import('./expectations');
  const { registerBuiltInMoves } = await import('./moves');
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
    case 'explain':
      try {
        const s = loadScenario(file);
        const { threatModelCard } = await import('./threatModel');
        const card = threatModelCard(s);
        const lines = [`${file}: threat model of "${s.name}"`, ...card.sentences.map((sentence) => `- ${sentence}`)];
        if (values.svg !== undefined) {
          const { renderThreatModelSvg } = await import('./threatModelDiagram');
          fs.writeFileSync(values.svg, await renderThreatModelSvg(card));
          lines.push(`diagram: ${values.svg}`);
        }
        process.stdout.write(lines.join('\n') + '\n');
        return 0;
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        return 2;
      }
    case 'run': {
      let remote;
      try {
        remote = parseRemoteRun(values);
      } catch (err) {
        process.stderr.write(`sharebox run: ${(err as Error).message}\n`);
        return 2;
      }
      const outcome = await runScenario(file, { outDir: parsed.values.out, cacheDir: parsed.values.cache, quiet: parsed.values.quiet, insecure: parsed.values.insecure, netns: parsed.values.netns, remote, receiverCommand: parsed.values['receiver-command'] });
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

/**
 * `sharebox party`: the party's own main.js as a child (the very command the runner spawns), with stdin closed (its
 * token comes from its file) and stdout and stderr ours. SIGINT, SIGTERM and SIGHUP are passed on; we exit as it does.
 */
function runPartyHere(launch: PartyLaunch): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [launch.script], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...launch.environment } });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
    child.on('error', (err) => {
      process.stderr.write(`sharebox party: could not start ${launch.role}: ${err.message}\n`);
      resolve(2);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 143)));
  });
}

/** What `sharebox credentials` prints: the folders, and the commands that follow, with the hosts if given. */
function nextSteps(dir: string, folders: Record<'runner' | PartyName, string>, hosts: Record<PartyName, string> | null): string {
  const host = (p: PartyName) => hosts?.[p] ?? `<${p}-host>`;
  const port: Record<PartyName, number> = { sharer: 7001, broker: 7002, receiver: 7003 };
  const lines = [
    `identities for one run in ${dir} (folders 0700, files 0600; the CA's key is already deleted):`,
    ...(['runner', ...PARTY_NAMES] as const).map((r) => `  ${folders[r]}  ${r === 'runner' ? "stays here: the runner's identity and every party's control token" : `copy to the ${r}'s host, and only there`}`),
    'then, on each party\'s host (any free port; the one the runner is given):',
    ...PARTY_NAMES.map((r) => `  sharebox party ${r} --identity <copied ${r} folder> --listen ${host(r)}:${port[r]}`),
    'and here:',
    `  sharebox run <scenario.yaml> --identity ${path.join(dir, 'runner')} ${PARTY_NAMES.map((r) => `--party ${r}=${host(r)}:${port[r]}`).join(' ')}`,
  ];
  return lines.join('\n') + '\n';
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`sharebox: ${err?.stack ?? err}\n`);
    process.exit(2);
  },
);
