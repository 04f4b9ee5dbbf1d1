/**
 * The broker process: the only door between sharer and receiver. It opens a receiver-facing server on which
 * it serves exactly the services the scenario grants, and forwards to the sharer's ModelHost. Every call to that
 * server, to any method of the protocol, passes the edge audit (broker/edgeAudit.ts) and gets its line.
 */
import * as path from 'path';
import { loadProto } from '../shared/grpc/proto';
import { runParty, newServer, bindServer, type Party, type Emit } from '../shared/party/runtime';
import { AuditLog } from './audit';
import { SampleBudget } from './budget';
import { ALWAYS_SERVED, EXTERNAL_RECEIVER_SERVICE, GRANT_OPENS, parseGrants, type GrantedService } from './grants';
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
import { evidenceHandlers } from './services/evidence';
import { EVIDENCE_STAGE, type EvidenceState } from '../shared/external/evidence';
import { parseBrokerRuntimeConfig, type BrokerRuntimeConfig } from './config';
import type * as grpc from '@grpc/grpc-js';
import { authenticate } from '../shared/grpc/auth';
import { edgeAuditInterceptor } from './edgeAudit';
import type { Transport } from '../shared/grpc/transport';

/** Every service of the protocol (protos/sharebox.proto), by name. */
function protocolServices(): Array<[string, grpc.ServiceDefinition]> {
  return Object.entries(loadProto().sharebox).flatMap(([name, value]) =>
    typeof value === 'function' && 'service' in value ? [[name, (value as { service: grpc.ServiceDefinition }).service] as [string, grpc.ServiceDefinition]] : [],
  );
}

class Broker implements Party {
  readonly name = 'broker' as const;
  private server: grpc.Server | null = null;
  private sharer: SharerLink | null = null;
  private deps: ChainDeps | null = null;
  private audit: AuditLog | null = null;
  private config: BrokerRuntimeConfig | null = null;
  private stop: (() => void) | null = null;
  /** The broker's moves (broker.defences) and the link each put in the chain, in order. */
  private links: Array<{ link: ChainLink; kind: string; index: number }> = [];
  /** An external receiver's submissions (docs/external-receiver.md); null when the receiver is sharebox's own. */
  private evidence: EvidenceState | null = null;
  /** The runner's progress stream, once Start is called: how it learns that evidence arrived. */
  private emit: Emit | null = null;

  async configure(raw: unknown, transport: Transport): Promise<Record<string, unknown>> {
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
    this.sharer = new SharerLink(config.sharerAddress, config.sharerToken, config.reservationKey, transport);
    this.audit = new AuditLog(path.resolve(config.auditLogPath));
    this.deps = {
      tokens: { receiver: config.receiverToken },
      grants,
      budget: new SampleBudget(config.budgetSamples),
      links: this.links.map(({ link }) => link),
      versions: new Set<string>(),
    };
    const deps = this.deps;
    const proto = loadProto().sharebox;
    const identify = (metadata: grpc.Metadata): string => {
      try {
        return authenticate(metadata, deps.tokens, '');
      } catch {
        return 'unauthenticated';
      }
    };
    // Receiver-facing: only the receiver's certificate is served (the edge audit still records every refused call).
    const server = newServer(transport, 'receiver', [edgeAuditInterceptor(this.audit, identify)]);
    const served = new Set<string>([ALWAYS_SERVED]);
    server.addService(proto.Gateway.service, gatewayHandlers(deps, this.sharer));
    // Serve only what is granted: each granted service of GRANT_OPENS (broker/grants.ts), with its handlers.
    const sharerLink = this.sharer;
    const chunking = { maxChunkRecords: config.maxChunkRecords, brokerSeed: config.seed };
    const handlersOf: Record<GrantedService, () => grpc.UntypedServiceImplementation> = {
      BlackBox: () => blackBoxHandlers(deps, sharerLink, chunking) as grpc.UntypedServiceImplementation,
      GrayBox: () => grayBoxHandlers(deps, sharerLink, chunking) as grpc.UntypedServiceImplementation,
      WhiteBox: () => whiteBoxHandlers(deps, sharerLink, { maxChunkRecords: config.maxChunkRecords }) as grpc.UntypedServiceImplementation,
      FineTune: () => fineTuneHandlers(deps, sharerLink) as grpc.UntypedServiceImplementation,
    };
    for (const grant of grants) {
      const opens = GRANT_OPENS[grant];
      if (!('service' in opens)) continue;
      served.add(opens.service);
      server.addService(proto[opens.service].service, handlersOf[opens.service]());
    }
    // An external receiver hands its evidence over here, once (the runner waits for it).
    if (config.evidenceSeat) {
      served.add(EXTERNAL_RECEIVER_SERVICE);
      const state: EvidenceState = { accepted: null, outcomes: [] };
      this.evidence = state;
      server.addService(
        proto.Evidence.service,
        evidenceHandlers(deps, config.evidenceSeat, state, (outcome) =>
          this.emit?.({ stage: EVIDENCE_STAGE, current: 1, total: 1, message: JSON.stringify(outcome), level: outcome.outcome === 'accepted' ? 'info' : 'warn' }),
        ),
      );
    }
    // Every other service of the protocol (a grant not given, the sharer's ModelHost, the runner's Control) is added
    // with no implementation: grpc-js then answers each method UNIMPLEMENTED from a handler of its own, which passes
    // the interceptors, so the call is audited. A service never added is answered below them, and leaves no line.
    for (const [name, service] of protocolServices()) {
      if (!served.has(name)) server.addService(service, {});
    }
    this.server = server;
    const port = await bindServer(server, transport);
    return { port, grants: [...grants] };
  }

  /** The broker serves until the runner shuts it down; progress is reported per call by `snapshot`, and an external
   * receiver's evidence as it arrives (stage `evidence`). */
  start(emit: Emit): Promise<unknown> {
    this.emit = emit;
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
      auditRecords: this.audit!.records,
      auditLog: this.audit!.file,
      // What an external receiver submitted, and every Submit's outcome (absent for the built-in receiver).
      ...(this.evidence ? { externalEvidence: this.evidence } : {}),
      // Each broker move's evidence: what its link did over the run (absent when the scenario lists none).
      ...(this.links.length > 0 ? { defences: this.links.map(({ link, kind, index }) => ({ kind, index, ...link.report() })) } : {}),
    };
  }

  async shutdown(): Promise<void> {
    this.stop?.();
    this.server?.forceShutdown();
    this.sharer?.close();
    // The audit log stays open until the process exits: the calls the shutdown cuts still write their close lines
    // (every line is fsync'd as written; the OS closes the file at exit).
  }
}

if (require.main === module) {
  runParty(new Broker()).catch((err) => {
    console.error(`[broker] ${err?.stack ?? err}`);
    process.exit(1);
  });
}
