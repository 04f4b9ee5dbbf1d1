/**
 * The broker process: the only door between sharer and receiver. It opens a receiver-facing server on which
 * it registers exactly the services the scenario grants, and forwards to the sharer's ModelHost.
 */
import * as path from 'path';
import { loadProto } from '../shared/grpc/proto';
import { runParty, newServer, bindServer, type Party, type Emit } from '../shared/party/runtime';
import { AuditLog } from './audit';
import { SampleBudget } from './budget';
import { parseGrants } from './grants';
import type { ChainDeps, ChainLink } from './chain';
import { registerMoves, resolveMoves } from '../shared/moves/registry';
import { loadMovePlugins } from '../shared/moves/plugins';
import { BROKER_MOVES } from './moves';
import type { BrokerMove } from './moves/context';
import { SharerLink } from './sharerLink';
import { gatewayHandlers } from './services/gateway';
import { blackBoxHandlers } from './services/blackBox';
import { grayBoxHandlers, whiteBoxHandlers } from './services/timestepAccess';
import { fineTuneHandlers } from './services/fineTune';
import { parseBrokerRuntimeConfig, type BrokerRuntimeConfig } from './config';
import type * as grpc from '@grpc/grpc-js';

class Broker implements Party {
  readonly name = 'broker' as const;
  private server: grpc.Server | null = null;
  private sharer: SharerLink | null = null;
  private deps: ChainDeps | null = null;
  private config: BrokerRuntimeConfig | null = null;
  private stop: (() => void) | null = null;
  /** The broker's moves (broker.defences) and the link each put in the chain, in order. */
  private links: Array<{ link: ChainLink; kind: string; index: number }> = [];

  async configure(raw: unknown): Promise<Record<string, unknown>> {
    registerMoves(BROKER_MOVES);
    loadMovePlugins();
    const config = parseBrokerRuntimeConfig(raw);
    this.config = config;
    const grants = parseGrants(config.access);
    // The broker's moves become links of its chain, in the order broker.defences lists them.
    for (const { move, config: moveConfig, index } of resolveMoves(config.defences, 'broker.defences')) {
      const link = await (move as BrokerMove<unknown>).run(moveConfig, { seed: config.seed, index, access: config.access });
      this.links.push({ link, kind: move.id, index });
    }
    this.sharer = new SharerLink(config.sharerAddress, config.sharerToken);
    this.deps = {
      tokens: { receiver: config.receiverToken },
      grants,
      budget: new SampleBudget(config.budgetSamples),
      audit: new AuditLog(path.resolve(config.auditLogPath)),
      links: this.links.map(({ link }) => link),
      versions: new Set<string>(),
    };
    const proto = loadProto().sharebox;
    const server = newServer();
    server.addService(proto.Gateway.service, gatewayHandlers(this.deps, this.sharer));
    // Register only what is granted: an absent service answers UNIMPLEMENTED without reaching any code here.
    if (grants.has('black-box')) {
      server.addService(
        proto.BlackBox.service,
        blackBoxHandlers(this.deps, this.sharer, { maxChunkRecords: config.maxChunkRecords, brokerSeed: config.seed }),
      );
    }
    if (grants.has('gray-box')) {
      server.addService(
        proto.GrayBox.service,
        grayBoxHandlers(this.deps, this.sharer, { maxChunkRecords: config.maxChunkRecords, brokerSeed: config.seed }),
      );
    }
    if (grants.has('white-box')) {
      server.addService(proto.WhiteBox.service, whiteBoxHandlers(this.deps, this.sharer, { maxChunkRecords: config.maxChunkRecords }));
    }
    if (grants.has('fine-tune')) server.addService(proto.FineTune.service, fineTuneHandlers(this.deps, this.sharer));
    this.server = server;
    const port = await bindServer(server);
    return { port, grants: [...grants] };
  }

  /** The broker serves until the runner shuts it down; progress is reported per call by `snapshot`. */
  start(_emit: Emit): Promise<unknown> {
    return new Promise((resolve) => {
      this.stop = () => resolve(this.snapshot());
    });
  }

  snapshot(): unknown {
    const deps = this.deps;
    if (!deps || !this.config) return null;
    return {
      grants: [...deps.grants],
      budgetSamplesTotal: deps.budget.total,
      budgetSamplesUsed: deps.budget.used,
      budgetSamplesLeft: deps.budget.left,
      auditRecords: deps.audit.records,
      auditLog: deps.audit.file,
      // Each broker move's evidence: what its link did over the run (absent when the scenario lists none).
      ...(this.links.length > 0 ? { defences: this.links.map(({ link, kind, index }) => ({ kind, index, ...link.report() })) } : {}),
    };
  }

  async shutdown(): Promise<void> {
    this.stop?.();
    this.server?.forceShutdown();
    this.sharer?.close();
    this.deps?.audit.close();
  }
}

if (require.main === module) {
  runParty(new Broker()).catch((err) => {
    console.error(`[broker] ${err?.stack ?? err}`);
    process.exit(1);
  });
}
