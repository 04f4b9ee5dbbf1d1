/**
 * The sharer process: loads its private dataset, trains (or loads from cache) its diffusion model, and serves
 * it to the broker through ModelHost. Its result is the ground truth the referee scores against.
 */
import { registerMoves, resolveMoves } from '../shared/moves/registry';
import type { SharerDefenceEvidence, SharerDefenceMove } from './moves/context';
import type { DpSgdOptions } from './diffusion/dpSgd';
import { loadMovePlugins } from '../shared/moves/plugins';
import { SHARER_MOVES } from './moves';
import * as path from 'path';
import type * as grpc from '@grpc/grpc-js';
import { loadProto } from '../shared/grpc/proto';
import { runParty, newServer, bindServer, type Party, type Emit } from '../shared/party/runtime';
import type { Transport } from '../shared/grpc/transport';
import { initBackend, describeBackend } from '../shared/tf';
import { loadDataset, loadDatasetWithFacts } from '../shared/data/loadDataset';
import { dropColumns, type Table } from '../shared/data/table';
import { deriveSeed } from '../shared/random';
import { parseSharerRuntimeConfig, type SharerRuntimeConfig } from './config';
import { modelHostHandlers, type ModelHostState } from './modelHost';
import { BrokerGate } from './brokerGate';
import { ModelVersions } from './modelVersions';
import type { TabularGenerator } from './tabularGenerator';
import { trainOrLoadGenerator } from './generators';
import { trainingDataFacts } from './groundTruth';
import { sharerTrainingSet } from './trainingSet';
import { ReleaseGate, type ReleaseGuard } from './releaseGuard';

/** The dataset `sharer.encoderData` names, loaded as the private data is; a failure names the field and the dataset. */
function loadEncoderData(dataset: NonNullable<SharerRuntimeConfig['encoderData']>): Table {
  try {
    return loadDataset(dataset, dataset.seed);
  } catch (err) {
    throw new Error(`sharer.encoderData "${dataset.name}": ${(err as Error).message}`);
  }
}

/** In a membership game the runner hands over the members as records (docs/mia.md): the whole training set. */
function membersOf(config: SharerRuntimeConfig): Table {
  if (!config.trainingRecords) throw new Error('sharer configuration: data.source is membership but no trainingRecords were handed over');
  return config.trainingRecords as unknown as Table;
}

/**
 * Runs the data owner's defences (sharer.defences) in list order on the training set: each may replace the set the
 * next one and the model see, or ask for DP-SGD (at most one, listed after every defence that changes the set, since
 * its sampling rate is fixed by the set's size).
 */
async function runDefences(
  config: SharerRuntimeConfig,
  trainingSet: Table,
): Promise<{ trainingSet: Table; dp?: DpSgdOptions; defences: SharerDefenceEvidence[]; releases: Array<{ index: number; release: (trainingSet: Table) => ReleaseGuard }> }> {
  let dp: DpSgdOptions | undefined;
  let dpAt = '';
  const defences: SharerDefenceEvidence[] = [];
  const releases: Array<{ index: number; release: (trainingSet: Table) => ReleaseGuard }> = [];
  for (const { move: listed, config: moveConfig, index, where } of resolveMoves(config.defences, 'sharer.defences')) {
    const move = listed as SharerDefenceMove<unknown>;
    const seed = deriveSeed(config.seed, `defences/${index}`);
    const result = await move.run(moveConfig, { trainingSet, task: config.task, model: config.model, hideColumns: config.hideColumns, index, seed });
    if (result.trainingSet) {
      if (dp) throw new Error(`${where} (${move.id}): changes the training set after ${dpAt} fixed DP-SGD's sampling rate on its size; list it before`);
      trainingSet = result.trainingSet;
    }
    if (result.dp) {
      if (dp) throw new Error(`${where} (${move.id}): a second DP-SGD training; list one`);
      dp = result.dp;
      dpAt = `${where} (${move.id})`;
    }
    if (result.release) releases.push({ index, release: result.release });
    defences.push({ kind: move.id, index, ...result.evidence });
  }
  return { trainingSet, dp, defences, releases };
}

class Sharer implements Party {
  readonly name = 'sharer' as const;
  private config: SharerRuntimeConfig | null = null;
  private server: grpc.Server | null = null;
  private readonly host: ModelHostState & { release: ReleaseGate } = {
    model: null,
    modelKind: 'tabular-ddpm',
    release: new ReleaseGate([]),
    versions: new ModelVersions<TabularGenerator>(),
  };
  /** start's result; `snapshot` adds what the release guards refused while serving. */
  private result: Record<string, unknown> | null = null;

  async configure(raw: unknown, transport: Transport): Promise<Record<string, unknown>> {
    registerMoves(SHARER_MOVES);
    loadMovePlugins();
    this.config = parseSharerRuntimeConfig(raw);
    this.host.modelKind = this.config.model.kind;
    // The model is the broker's to call, no one else's: the receiver reaches it only through the broker's chain.
    const server = newServer(transport, 'broker');
    server.addService(loadProto().sharebox.ModelHost.service, modelHostHandlers(this.host, new BrokerGate(this.config)));
    this.server = server;
    return { port: await bindServer(server, transport) };
  }

  async start(emit: Emit): Promise<unknown> {
    const config = this.config!;
    const backend = await initBackend();
    emit({ stage: 'setup', current: 0, total: 0, message: `tfjs backend: ${describeBackend()}`, level: 'info' });

    // In a membership game the runner hands over the members as records (docs/mia.md); otherwise load the dataset.
    const { table: privateData, loaded } = config.data.source === 'membership' ? { table: membersOf(config), loaded: undefined } : loadDatasetWithFacts(config.data, config.data.seed);
    emit({ stage: 'data', current: privateData.rows.length, total: privateData.rows.length, message: `${privateData.rows.length} private records`, level: 'info' });
    // Fairness poisoning (docs/fpa.md) chooses the training set before training; method none keeps all of it.
    const { table: data, moves } = await sharerTrainingSet(privateData, config.task, config.poisoning, config.seed);
    for (const { method, alpha, trainRows, poolRows } of moves) {
      emit({ stage: 'poisoning', current: trainRows, total: poolRows, message: `${method} α = ${alpha}: ${trainRows} of ${poolRows} pool records`, level: 'info' });
    }
    // The facts of the owner's own data (what attacks are scored against), before its defences change the set.
    const facts = { ...trainingDataFacts(data, config.task, config.hideColumns), ...(loaded ? { loaded: { dataset: config.data.name, ...loaded } } : {}) };
    // The data owner's defences (sharer.defences), in their order: the set the model sees, and how it is trained.
    const { trainingSet, dp, defences, releases } = await runDefences(config, data);
    const shared = dropColumns(trainingSet, config.hideColumns);
    // sharer.encoderData: the public dataset the encoder is fitted on, loaded like the private data and cut to the
    // same columns, so that Encode and x̂₀ reveal its statistics rather than the training set's (sharer/encoderData.ts).
    const encoderData = config.encoderData ? { name: config.encoderData.name, table: dropColumns(loadEncoderData(config.encoderData), config.hideColumns) } : undefined;
    if (encoderData) {
      emit({ stage: 'data', current: encoderData.table.rows.length, total: encoderData.table.rows.length, message: `encoder fitted on ${encoderData.table.rows.length} public records (sharer.encoderData "${encoderData.name}")`, level: 'info' });
    }
    // Release guards see the final training set as the model does (hidden columns dropped): what it could leak.
    this.host.release = new ReleaseGate(releases.map(({ index, release }) => ({ index, guard: release(shared) })));
    for (const d of defences) emit({ stage: 'defence', current: 1, total: 1, message: `${d.kind}: ${JSON.stringify(d)}`, level: 'info' });

    const { model, report } = await trainOrLoadGenerator(
      shared,
      config.task,
      config.model,
      deriveSeed(config.seed, 'model'),
      path.resolve(config.cacheDir),
      (step, total, loss) => emit({ stage: 'train', current: step, total, message: `loss ${loss.toFixed(4)}`, level: 'progress' }),
      { dp, encoderData },
    );
    if (report.cached) {
      emit({ stage: 'train', current: 1, total: 1, message: `model loaded from cache ${report.cacheKey}`, level: 'info' });
    }
    this.host.model = model;
    this.result = {
      backend,
      trainingData: facts,
      model: { kind: config.model.kind, ...report, finalLoss: report.losses[report.losses.length - 1] ?? null },
      moves,
      // Each defence's evidence (absent when the scenario lists none, so reports without defences stay as they were).
      ...(defences.length > 0 ? { defences } : {}),
    };
    return this.snapshot();
  }

  /**
   * The result with each guarded defence's refusal counts so far (`release`): the runner asks again once the receiver
   * is done, so the counts cover the whole run. Without guards it is start's result unchanged.
   */
  snapshot(): unknown {
    const result = this.result;
    if (!result || !this.host.release.active) return result;
    const defences = (result.defences as SharerDefenceEvidence[]).map((d) => {
      const release = this.host.release.countsOf(d.index);
      return release ? { ...d, release } : d;
    });
    return { ...result, defences };
  }

  async shutdown(): Promise<void> {
    this.server?.forceShutdown();
    this.host.model?.dispose();
    this.host.versions?.dispose();
  }
}

if (require.main === module) {
  runParty(new Sharer()).catch((err) => {
    console.error(`[sharer] ${err?.stack ?? err}`);
    process.exit(1);
  });
}
