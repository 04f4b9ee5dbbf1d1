/**
 * `sharebox run`: validate the scenario, start the three parties as child processes, drive them through
 * their Control services, referee the results and write the report. Any party that dies fails the run, and
 * every child is killed on every way out (success, failure, SIGINT, SIGTERM, the runner's own crash).
 * A scenario with a `sweep:` runs each variant in turn (fresh processes, same seed) under variants/<label>/.
 * With `--party` (RunOptions.remote) the parties already run elsewhere (`sharebox party`): dialled, not spawned.
 */
import { PARTY_NAMES, TLS_DIR_ENV, TLS_OFF, hostPort, type PartyName } from '../shared/party/runtime';
import { SECRET_RUN_KEY, drawRunKey } from '../shared/scenario/rootSeeds';
import { SAMPLE_GRID_FILE } from '../shared/data/sampleGrid';
import * as fs from 'fs';
import * as path from 'path';
import { nanoid } from 'nanoid';
import { loadScenario, sharerSlice, brokerSlice, receiverSlice, refereeSlice, scenarioVariants, membershipGame, sharerGameSlice, receiverGameSlice, type Scenario } from '../shared/scenario';
import type { BrokerResult, ReceiverResult, SharerResult } from '../shared/party/results';
import { PartyFailure, PartyProcess } from './partyProcess';
import { INSECURE_RUN, issueRunCredentials, type RunTransport } from './runCredentials';
import { prepareRunDirectory } from './runDirectories';
import { LOOPBACK, createNamespaceNetwork, namespacesUnavailable, type PartyNetwork } from './netns';
import { datasetPathsOf, planIsolation, type PartyUsers } from './partyUsers';
import { loadRunnerCredentials, remoteNetwork, type PartyAddresses } from './remoteParties';
import { createProgress, type ProgressSink } from './progress';
import { referee } from './referee';
import { CONNECTION_FILE, EvidenceInbox, connectionDocument, evidenceSeat, externalReceiverResult, startReceiverCommand, waitForEvidence, writeConnectionFile } from './externalReceiver';
import { EVIDENCE_STAGE } from '../shared/external/evidence';
import { checkExpectations, verdictOf } from './expectations';
import { acrossSeeds } from './studies/acrossSeeds';
import { writeReport, type Report } from './report';
import { threatModelCard } from './threatModel';
import { fpaSummary, type FpaVariantInput } from './studies/fpa';
import { piaStudy as piaStudySummary, type PiaSection } from './studies/pia';
import { decoyStudy, type DecoyStudyVariant } from './studies/decoy';
import { defenceStudy, type PairedVariant } from './studies/defences';
import { auditRunsOf, auditStudy } from './studies/audit';
import { matrixStudies, type MatrixVariant } from './studies/matrix';
import { MEMBERSHIP_SCORES_FILE } from './studies/membership';
import { repoRoot } from '../shared/repoRoot';
import { newReservationKey } from '../shared/grpc/reservation';
import { registerBuiltInMoves } from './moves';
import type { TestPredictions } from '../shared/metrics/fairnessReport';

export interface RunOptions {
  outDir?: string;
  cacheDir?: string;
  quiet?: boolean;
  /** Plaintext gRPC between the processes, for debugging (`--insecure`); mutual TLS otherwise. */
  insecure?: boolean;
  /** Each party in a network namespace of its own, linked as the protocol needs (`--netns`, root only; cli/netns.ts). */
  netns?: boolean;
  /** Set by runScenario: the parties' own users when they are separated (cli/partyUsers.ts), else null. */
  partyUsers?: PartyUsers | null;
  /**
   * Parties already running on hosts of their own (`--identity DIR --party role=HOST:PORT`, cli/remoteParties.ts):
   * dialled instead of spawned, as the runner of `identityDir` with the control tokens there.
   */
  remote?: { identityDir: string; parties: PartyAddresses };
  /**
   * With an external receiver (`receiver.external`): the outside program's command line, started by the runner in the
   * receiver's place with the connection file as its last argument (`--receiver-command`; cli/externalReceiver.ts).
   * Without it the runner waits for a program started by hand.
   */
  receiverCommand?: string;
}

/**
 * What the parties of every variant and replicate of one run share: options, the run's transport and network, and for
 * remote parties their control tokens.
 */
type PartyRunOptions = RunOptions & { transport: RunTransport; network: PartyNetwork; remoteTokens?: Record<PartyName, string> };

/** The run folder's subfolder of keys and certificates (cli/runCredentials.ts): private, deleted when the run ends. */
const TLS_FOLDER = 'tls';

export interface RunOutcome {
  exitCode: 0 | 1 | 2;
  runDir?: string;
  report?: Report;
  error?: string;
}

export function defaultCacheDir(): string {
  return process.env.SHAREBOX_CACHE_DIR ?? path.join(repoRoot(), '.cache');
}

/** How the user chose the cache directory, to name it in a message. */
function cacheFlag(opts: RunOptions): string {
  if (opts.cacheDir !== undefined) return '--cache';
  return process.env.SHAREBOX_CACHE_DIR !== undefined ? '$SHAREBOX_CACHE_DIR' : 'the default cache directory';
}

/** A label as a folder name: "alpha=0.5,n=100" → "alpha=0.5_n=100". */
function folderFor(label: string): string {
  return label.replace(/[^A-Za-z0-9=._-]+/g, '_');
}

export async function runScenario(file: string, opts: RunOptions = {}): Promise<RunOutcome> {
  let scenario: Scenario;
  try {
    registerBuiltInMoves();
    scenario = loadScenario(file);
    // `runKey: secret`: a key drawn now, before any seed is derived, and written into the report for replay.
    if (scenario.runKey === SECRET_RUN_KEY) scenario = { ...scenario, runKey: drawRunKey() };
  } catch (err) {
    return { exitCode: 2, error: (err as Error).message };
  }
  if (opts.receiverCommand !== undefined && !scenario.receiver.external) {
    return { exitCode: 2, error: `--receiver-command: ${file} has no receiver.external, so sharebox's own receiver takes the seat (docs/external-receiver.md)` };
  }
  if (opts.remote && scenario.receiver.external) {
    return { exitCode: 2, error: `--party: ${file} has receiver.external; a run with remote parties and an external receiver is not supported yet: run it without --party` };
  }
  // A remote party serves one run (shared/party/runtime.ts): a sweep or replicates would need it again, fresh.
  if (opts.remote && (scenario.sweep || scenario.replicates)) {
    return { exitCode: 2, error: `--party: ${file} has ${scenario.sweep ? 'a sweep' : 'replicates'}, which run the parties once per ${scenario.sweep ? 'variant' : 'seed'}; a party started by \`sharebox party\` serves one run: run it without --party` };
  }
  let remoteCredentials: ReturnType<typeof loadRunnerCredentials> | undefined;
  try {
    if (opts.remote) remoteCredentials = loadRunnerCredentials(opts.remote.identityDir);
  } catch (err) {
    return { exitCode: 2, error: (err as Error).message };
  }
  // Before any folder is made: a run that cannot have its namespaces leaves nothing behind.
  const noNamespaces = opts.netns ? namespacesUnavailable() : null;
  if (noNamespaces) return { exitCode: 2, error: noNamespaces };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const runDir = path.resolve(opts.outDir ?? path.join('runs', `${scenario.name}-${stamp}`));
  const cacheDir = path.resolve(opts.cacheDir ?? defaultCacheDir());
  // Both checked before any party starts: an unwritable cache would lose the model the sharer has just trained. The
  // cache first, so that a refused cache leaves no empty run folder behind.
  const directoryProblem =
    prepareRunDirectory({ flag: cacheFlag(opts), dir: cacheDir }) ?? prepareRunDirectory({ flag: '--out', dir: runDir, mustBeEmpty: true });
  if (directoryProblem) return { exitCode: 2, error: directoryProblem };
  let transport: RunTransport;
  try {
    transport = remoteCredentials?.transport ?? (opts.insecure ? INSECURE_RUN : issueRunCredentials(path.join(runDir, TLS_FOLDER)));
  } catch (err) {
    return { exitCode: 2, runDir, error: (err as Error).message };
  }
  const partyOpts: PartyRunOptions = {
    ...opts,
    cacheDir,
    transport,
    network: opts.remote ? remoteNetwork(opts.remote.parties) : LOOPBACK,
    remoteTokens: remoteCredentials?.tokens,
  };
  const progress = createProgress({ quiet: opts.quiet });
  const parties: PartyProcess[] = [];

  // The keys and the namespaces go with the parties: on every way out, as the children do.
  const killAll = () => {
    parties.forEach((p) => p.kill());
    transport.dispose();
    partyOpts.network.dispose();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    progress.stop();
    process.stderr.write(`\nsharebox: ${signal} received, stopping every party\n`);
    killAll();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', killAll);

  try {
    if (opts.netns) partyOpts.network = createNamespaceNetwork();
    progress.info(`sharebox: scenario ${scenario.name} (seed ${scenario.seed}); run directory ${runDir}; ${transport.mode === 'mutual-tls' ? 'mutual TLS' : 'INSECURE: plaintext gRPC (--insecure)'}`);
    // As root, each party as a user of its own; otherwise (or if they could not reach the code) as today. Reported.
    // Remote parties run as whoever started them on their hosts: nothing for the runner to plan.
    const { isolation, users } = opts.remote
      ? { isolation: { separateUsers: false, reason: 'each party was started by hand on a host of its own (`sharebox party`), as the user who started it there' }, users: null }
      : await planIsolation({ repo: repoRoot(), cacheDir, runDir, reads: datasetPathsOf(scenario) });
    partyOpts.partyUsers = users;
    // A separated party reads its TLS identity as its own user: its folder becomes its own.
    if (users) for (const name of PARTY_NAMES) {
      const folder = transport.environmentFor(name)[TLS_DIR_ENV];
      if (folder !== TLS_OFF) users.handOverFolder(folder, name);
    }
    progress.info(`sharebox: parties ${isolation.separateUsers ? 'separated' : 'not separated'}: ${isolation.reason}`);
    progress.info(`sharebox: network ${partyOpts.network.describe()}`);
    const header = {
      scenario: {
        name: scenario.name,
        description: scenario.description,
        file: path.resolve(file),
        seed: scenario.seed,
        ...(scenario.runKey ? { runKey: scenario.runKey } : {}),
      },
      createdAt: new Date().toISOString(),
      // Who holds what, the live RPCs, who attacks whom, the defences: from the scenario alone (cli/threatModel.ts).
      threatModel: threatModelCard(scenario),
      // Whether the parties talked over mutual TLS (docs/architecture.md) or plaintext.
      transport: transport.mode,
      isolation,
      // Where the parties listened: all on 127.0.0.1, or each in a network namespace of its own (cli/netns.ts).
      network: partyOpts.network.mode,
      networkLayout: partyOpts.network.describe(),
    };
    let body: Record<string, unknown>;
    if (scenario.replicates) {
      // One whole run (every variant) per seed; the claims are asserted on the means over seeds (acrossSeeds).
      const bySeed: Record<string, Record<string, unknown>> = {};
      for (const [i, seed] of scenario.replicates.seeds.entries()) {
        progress.info(`sharebox: replicate ${i + 1}/${scenario.replicates.seeds.length}: seed ${seed}`);
        const label = `seed=${seed}`;
        const dir = path.join(runDir, 'replicates', label);
        const replicateHeader = { ...header, scenario: { ...header.scenario, seed } };
        const result = await runSweepOrOnce(withSeed(scenario, seed), replicateHeader, dir, partyOpts, progress, parties);
        await writeReport(dir, { ...replicateHeader, ...result, ...partOfWhole() });
        bySeed[label] = result;
      }
      body = { ...header, replicates: { seeds: scenario.replicates.seeds, runs: bySeed }, acrossSeeds: acrossSeeds(Object.values(bySeed)) };
      // The receiver's fairness audit as a detector, pooled over every seed's runs (a flag rate needs many runs).
      const audit = auditStudy(scenario.replicates.seeds.flatMap((seed) => auditRunsOf(bySeed[`seed=${seed}`], seed)));
      if (audit) body.auditStudy = audit;
    } else {
      body = { ...header, ...(await runSweepOrOnce(scenario, header, runDir, partyOpts, progress, parties)) };
      const audit = auditStudy(auditRunsOf(body, scenario.seed));
      if (audit) body.auditStudy = audit;
    }
    const expectations = checkExpectations(body, refereeSlice(scenario).expect);
    // `header` (already inside `body`) is spread for its type: it makes the object a Report.
    const verdict = verdictOf(expectations);
    const report: Report = { ...header, ...body, verdict, passed: verdict !== 'failed', expectations };
    await writeReport(runDir, report);
    progress.stop();
    return { exitCode: verdict === 'failed' ? 1 : 0, runDir, report };
  } catch (err) {
    progress.stop();
    // Remote parties cannot be killed from here: each is asked to shut down, so that none waits for a run that is over.
    if (opts.remote) await Promise.allSettled(parties.map((p) => p.shutdown()));
    killAll();
    const message = err instanceof PartyFailure ? err.message : (err as Error)?.stack ?? String(err);
    return { exitCode: 2, runDir, error: message };
  } finally {
    killAll();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', killAll);
  }
}

/**
 * In namespaces, the receiver must have no way to the sharer's ModelHost but through the broker: tried on every run,
 * from the receiver's namespace to the address and port the broker is about to be given. A connection fails the run.
 */
async function checkReceiverCannotReachSharer(network: PartyNetwork, sharerHost: string, sharerPort: number, progress: ProgressSink): Promise<void> {
  const outcome = await network.probeReach('receiver', sharerHost, sharerPort);
  if (outcome === null) return;
  if (outcome === 'connected' || outcome.startsWith('probe failed')) {
    throw new Error(`--netns: the receiver's namespace was expected to have no way to the sharer's ModelHost (${sharerHost}:${sharerPort}), but the check answered: ${outcome}`);
  }
  progress.info(`sharebox: the receiver's namespace cannot reach the sharer's ModelHost ${sharerHost}:${sharerPort} (${outcome})`);
}

/** A replicate's scenario: the same scenario with its root seed replaced (every party and dataset seed follows). */
function withSeed(scenario: Scenario, seed: number): Scenario {
  const { replicates: _replicates, ...rest } = scenario;
  return { ...rest, seed };
}

/** The verdict fields of a report that is one part of a run (a variant, a replicate): the run as a whole is checked. */
function partOfWhole(): { verdict: 'report-only'; passed: true; expectations: [] } {
  return { verdict: 'report-only', passed: true, expectations: [] };
}

/**
 * The scenario's sections: one run, or each sweep variant in turn (fresh processes, same seed) with the
 * cross-variant studies (FPA against the honest variant, property inference across the shares).
 */
async function runSweepOrOnce(
  scenario: Scenario,
  header: Pick<Report, 'scenario' | 'createdAt'>,
  runDir: string,
  opts: PartyRunOptions,
  progress: ProgressSink,
  parties: PartyProcess[],
): Promise<Record<string, unknown>> {
  const variants = scenarioVariants(scenario);
  if (variants.length === 0) return (await runOnce(scenario, runDir, opts, progress, parties)).sections;
  const results: Record<string, unknown> = {};
  const predictions: Record<string, TestPredictions> = {};
  const membershipScores: Record<string, MatrixVariant['membershipScores']> = {};
  for (const [i, variant] of variants.entries()) {
    progress.info(`sharebox: variant ${i + 1}/${variants.length}: ${variant.label}`);
    const dir = path.join(runDir, 'variants', folderFor(variant.label));
    const { sections: result, testPredictions, rawMembershipScores } = await runOnce(variant.scenario, dir, opts, progress, parties);
    predictions[variant.label] = testPredictions;
    membershipScores[variant.label] = rawMembershipScores;
    // Each variant's own report, for reading one on its own; the scenario's expectations are checked on the whole.
    await writeReport(dir, { ...header, threatModel: threatModelCard(variant.scenario), ...result, overrides: variant.overrides, ...partOfWhole() });
    results[variant.label] = { overrides: variant.overrides, ...result };
  }
  const body: Record<string, unknown> = { sweep: scenario.sweep, variants: results };
  // Poisoned variants beside the honest one (null when no variant poisons).
  const fpa = fpaSummary(
    variants.map((v) => ({ label: v.label, scenario: v.scenario, result: results[v.label] as FpaVariantInput['result'], testPredictions: predictions[v.label] })),
  );
  if (fpa) body.fpa = fpa;
  // Property inference across the variants, e.g. a sweep of the property's share (null when none ran it).
  const pia = piaStudySummary(variants.map((v) => ({ label: v.label, result: results[v.label] as { pia?: PiaSection } })));
  if (pia) body.piaStudy = pia;
  // Each property-decoy variant beside its undefended twin (null when no variant runs a decoy).
  const decoy = decoyStudy(
    variants.map((v) => ({ label: v.label, seed: v.scenario.seed, testPredictions: predictions[v.label], result: results[v.label] as DecoyStudyVariant['result'] })),
  );
  if (decoy) body.decoyStudy = decoy;
  // What each defence costs the receiver's classifiers, paired with its undefended twin (null when none is swept).
  const defences = defenceStudy(
    variants.map((v) => ({ label: v.label, seed: v.scenario.seed, testPredictions: predictions[v.label], result: results[v.label] as PairedVariant['result'] })),
  );
  if (defences) body.defenceStudy = defences;
  // The attack × defence matrix, for a sweep with a cases axis of defences (cli/studies/matrix.ts).
  const matrix = matrixStudies(
    scenario.sweep,
    variants.map((v) => ({
      label: v.label,
      seed: v.scenario.seed,
      testPredictions: predictions[v.label],
      result: results[v.label] as PairedVariant['result'],
      membershipScores: membershipScores[v.label],
    })),
    scenario.seed,
  );
  if (matrix) body.matrix = matrix;
  return body;
}

/**
 * One run of the three parties on one (variant of a) scenario, refereed. Returns the report's sections, and beside
 * them the test split's truth and the receiver's predictions, which the cross-variant studies compare pairwise.
 */
async function runOnce(
  scenario: Scenario,
  runDir: string,
  opts: PartyRunOptions,
  progress: ProgressSink,
  parties: PartyProcess[],
): Promise<{ sections: Record<string, unknown>; testPredictions: TestPredictions; rawMembershipScores: MatrixVariant['membershipScores'] }> {
  fs.mkdirSync(runDir, { recursive: true });
  const logDir = path.join(runDir, 'logs');
  const accounts = opts.partyUsers?.accountsFor(runDir);
  // An external receiver's seat is taken by an outside program (cli/externalReceiver.ts): no receiver process.
  const external = scenario.receiver.external;
  const [sharer, broker, receiver] = await Promise.all(
    PARTY_NAMES.map(async (name) => {
      if (name === 'receiver' && external) return null;
      const placement = opts.network.placementOf(name);
      const p = opts.remote
        ? await PartyProcess.connect(name, logDir, opts.transport, opts.remoteTokens![name], hostPort(placement.dialHost, opts.remote.parties[name].port), placement)
        : await PartyProcess.spawn(name, logDir, opts.transport, accounts?.[name], placement);
      parties.push(p);
      return p;
    }),
  ) as [PartyProcess, PartyProcess, PartyProcess | null];
  const running = [sharer, broker, ...(receiver ? [receiver] : [])];
  const anyDeath = Promise.race(running.map((p) => p.died));

  // Tokens for this run only: the broker's to the sharer, the receiver's to the broker. And the key the broker signs
  // each ModelHost call's reservation with, so the sharer serves no more than the broker reserved (sharer/brokerGate.ts).
  const brokerToSharer = nanoid(32);
  const receiverToBroker = nanoid(32);
  const reservationKey = newReservationKey();

  // A membership game: the sharer gets the members as records, the receiver the shuffled challenge set (docs/mia.md).
  const game = membershipGame(scenario);
  const { port: sharerPort } = (await sharer.configure({
    ...(game ? sharerGameSlice(scenario, game.trainingSet) : sharerSlice(scenario)),
    brokerToken: brokerToSharer,
    reservationKey,
    cacheDir: path.resolve(opts.cacheDir ?? defaultCacheDir()),
  })) as { port: number };
  await checkReceiverCannotReachSharer(opts.network, opts.network.placementOf('sharer').dialHost, sharerPort, progress);
  await Promise.race([sharer.start((e) => progress.event(e)), anyDeath]);
  const sharerStarted = (await sharer.result()) as SharerResult;

  const auditLogPath = path.join(runDir, 'audit.jsonl');
  opts.partyUsers?.handOver(auditLogPath, 'broker');
  // What an external receiver must submit, and by when (the broker checks it; cli/externalReceiver.ts).
  const seat = external ? evidenceSeat(scenario, game?.challenge.rows.length ?? 0, new Date(Date.now() + external.deadlineSeconds * 1000)) : null;
  const { port: brokerPort } = (await broker.configure({
    ...brokerSlice(scenario),
    ...(seat ? { evidenceSeat: seat } : {}),
    sharerAddress: sharer.addressOf(sharerPort),
    sharerToken: brokerToSharer,
    reservationKey,
    receiverToken: receiverToBroker,
    auditLogPath,
  })) as { port: number };
  // The broker tells of an external receiver's evidence on its progress stream (broker/services/evidence.ts).
  const inbox = new EvidenceInbox();
  broker.startInBackground((e) => {
    progress.event(e);
    if (e.stage === EVIDENCE_STAGE) inbox.receive(e.message);
  });

  let receiverResult: ReceiverResult;
  let brokerResult: BrokerResult;
  if (receiver) {
    await receiver.configure({ ...(game ? receiverGameSlice(scenario, game.challenge) : receiverSlice(scenario)), brokerAddress: broker.addressOf(brokerPort), token: receiverToBroker });
    await Promise.race([receiver.start((e) => progress.event(e)), anyDeath]);
    receiverResult = (await receiver.result()) as ReceiverResult;
    brokerResult = (await broker.result()) as BrokerResult;
  } else {
    const connectionFile = path.join(runDir, CONNECTION_FILE);
    // One deadline, the seat's: the broker refuses a late submission at the same moment the runner stops waiting.
    const deadline = new Date(seat!.deadline);
    writeConnectionFile(
      connectionFile,
      connectionDocument({
        scenario: scenario.name,
        brokerAddress: broker.addressOf(brokerPort),
        token: receiverToBroker,
        transport: opts.transport,
        grants: [...scenario.broker.access],
        budgetUnits: scenario.broker.budget.samples,
        seat: seat!,
        receiver: receiverSlice(scenario),
        challenge: game?.challenge ?? null,
      }),
    );
    opts.partyUsers?.handOver(connectionFile, 'receiver');
    const logFile = path.join(logDir, 'receiver.log');
    progress.info(`sharebox: the receiver's seat is external: connection file ${connectionFile}; evidence due by ${deadline.toISOString()} (Evidence.Submit)`);
    const command = opts.receiverCommand
      ? startReceiverCommand(opts.receiverCommand, connectionFile, logFile, opts.network.placementOf('receiver'), accounts?.receiver)
      : null;
    try {
      await waitForEvidence({ inbox, deadline, deadlineSeconds: external!.deadlineSeconds, connectionFile, command, logFile, anyDeath });
    } finally {
      command?.kill();
    }
    brokerResult = (await broker.result()) as BrokerResult;
    const accepted = brokerResult.externalEvidence?.accepted;
    if (!accepted) throw new Error('receiver (external): the broker holds no accepted evidence');
    receiverResult = externalReceiverResult(scenario, brokerResult, accepted);
  }
  // Asked again now that the receiver is done: a sharer defence that guards what the model releases (nn-rejection)
  // has counted its refusals while serving (sharer/releaseGuard.ts). Without one this is the result it started with.
  const sharerResult = sharerStarted.defences ? ((await sharer.result()) as SharerResult) : sharerStarted;

  await Promise.all(running.map((p) => p.shutdown()));

  const refereed = await referee(scenario, { sharer: sharerResult, broker: brokerResult, receiver: receiverResult }, (m) =>
    progress.info(m),
  );
  const { synthetic, syntheticImages: _images, ...receiverSummary } = receiverResult;
  // Image models: the real-vs-synthetic grid beside report.json (linked from the report, embedded in report.html).
  if (refereed.sampleGrid) fs.writeFileSync(path.join(runDir, SAMPLE_GRID_FILE), refereed.sampleGrid.png);
  // ROC points of every membership score and the raw scores with the truth, beside report.json (docs/mia.md).
  for (const [file, content] of Object.entries(refereed.rocFiles ?? {})) {
    fs.writeFileSync(path.join(runDir, file), JSON.stringify(content, null, 2) + '\n');
  }
  // Test predictions serve the referee's paired comparisons (returned beside the report, not in it).
  const downstream = Object.fromEntries(
    Object.entries(receiverSummary.downstream).map(([kind, { testPredictions: _predictions, ...rest }]) => [kind, rest]),
  );
  // Raw scores live in membership-scores.json and generations are only counted: the report keeps summaries.
  receiverSummary.attacks = receiverSummary.attacks?.map((a) => {
    const { scores: _scores, generations, ...rest } = a as Record<string, unknown>;
    return { ...rest, ...(generations ? { generations: (generations as { rows: unknown[] }).rows.length } : {}) } as typeof a;
  });
  const sections = {
    backend: sharerResult.backend,
    sharer: sharerResult,
    broker: brokerResult,
    receiver: { ...receiverSummary, downstream, ...(synthetic ? { syntheticRecords: synthetic.rows.length } : {}) },
    fidelity: refereed.fidelity,
    audit: refereed.audit,
    ...(refereed.pia ? { pia: refereed.pia } : {}),
    ...(refereed.membership ? { membership: refereed.membership } : {}),
    ...refereed.moveSections,
    ...(refereed.sampleGrid ? { images: { grid: SAMPLE_GRID_FILE, rows: refereed.sampleGrid.rows } } : {}),
  };
  // The raw membership scores (written beside the report above) serve the cross-variant matrix (cli/studies/matrix.ts).
  const rawMembershipScores = (refereed.rocFiles?.[MEMBERSHIP_SCORES_FILE] ?? null) as MatrixVariant['membershipScores'];
  return { sections, testPredictions: refereed.testPredictions, rawMembershipScores };
}
