/**
 * Every receiver-facing call passes the same chain, in this order (style.md, "the broker is a chain"):
 *   audit (at the server's edge, around everything) → authenticate → check the access grant → check the model version
 *   → meter the budget → the broker's moves (links) → forward.
 * Each step is a small function; a step refuses a call by throwing an RpcError, which goes back to the caller and
 * into the call's audit line. The audit itself is the edge's (broker/edgeAudit.ts): it sees every call, including those
 * that never reach a handler, and what actually left; the chain tells it the arguments and what each message carries,
 * and settles the budget when the edge says the call is over. The broker's moves (`broker.defences`, broker/moves/) are links: each sees
 * every metered call before it is forwarded and may refuse it (`check`), and may change every chunk of every answer
 * before the receiver sees it (`filterChunk`: records, x̂₀, states, losses); the audit hashes what the receiver got.
 */
import type { DescribeReply } from '../shared/grpc/generated/sharebox/DescribeReply';
import * as grpc from '@grpc/grpc-js';
import { authenticate } from '../shared/grpc/auth';
import { rpcError, toRpcError } from '../shared/grpc/errors';
import { edgeCallOf } from './edgeAudit';
import type { SampleBudget } from './budget';
import type { AccessLevel } from './grants';
import type { RecordChunk__Output } from '../shared/grpc/generated/sharebox/RecordChunk';

export interface CallContext {
  /** "Service.Method", e.g. "BlackBox.Sample". */
  rpc: string;
  /** The grant this RPC belongs to; `null` for Gateway calls every authenticated party may make. */
  grant: AccessLevel | null;
  metadata: grpc.Metadata;
  /** The request as it goes into the audit log. */
  args: Record<string, unknown>;
  /** Budget units the call asks for (0 for calls that are not metered). */
  cost: number;
  seed?: number;
  /** The model version the call names (model_version; empty or absent: the sharer's model). */
  modelVersion?: string;
  /** Set by `authenticate`. */
  party?: string;
}

/**
 * What a forward tells the audit of each message it sends: its metered units and the payload bytes hashed. The edge
 * counts a message only once the transport has taken it (broker/edgeAudit.ts), so a call that fails or is cancelled
 * mid-stream is metered and audited at exactly what left.
 */
export interface Delivery {
  expect(message: object, units: number, ...payloads: Uint8Array[]): void;
}

/**
 * The parts of the receiver's answers, each a stream of RecordChunks, named as the protocol names them:
 *   samples      BlackBox.Sample's records, and GrayBox.Trajectory's final records (the same black-box output)
 *   encoded      GrayBox.Encode's records in model coordinates ("f32le-model")
 *   predictedX0  GrayBox.PredictX0's x̂₀ ("f32le-model"), and GrayBox.Trajectory's predicted_x0 ("f32le-model-steps")
 *   states       GrayBox.Trajectory's states x_t ("f32le-model-steps")
 *   losses       WhiteBox.TimestepLoss's per-timestep losses ("f32le-losses")
 */
export const OUTPUT_PARTS = ['samples', 'encoded', 'predictedX0', 'states', 'losses'] as const;
export type OutputPart = (typeof OUTPUT_PARTS)[number];

/**
 * A broker move in the chain (docs/moves.md): between meter and forward. `check` refuses a call by throwing an
 * RpcError (a cap, a timestep floor); what was reserved for it is refunded and the refusal is audited like any
 * other. `filterChunk` changes each chunk of an answer's `part` before the receiver sees it (an output filter: noise,
 * rounding); it sees every part of every RPC and returns the chunk untouched for those it does not act on. It must
 * keep the chunk's count, encoding and byte size: the meter and the audit count its rows, the receiver decodes them.
 * The audit hashes the filtered chunk (what the receiver got). `report` is the link's evidence at the end of the run,
 * for the move's scorer.
 */
export interface ChainLink {
  /** The move's id, for messages. */
  name: string;
  check?(ctx: CallContext): void;
  filterChunk?(ctx: CallContext, part: OutputPart, chunk: RecordChunk__Output): RecordChunk__Output;
  /** What Gateway.Describe tells the receiver, after the sharer's answer (e.g. without the training data's class shares). */
  filterDescription?(reply: DescribeReply): DescribeReply;
  report(): Record<string, unknown>;
}

/**
 * One chunk of an answer through every link's `filterChunk`, in the order `broker.defences` lists them. A link that
 * changes the chunk's count, encoding or size is a bug in the link, refused here (INTERNAL, naming it) rather than
 * delivered with a count the meter did not charge.
 */
export function filterOutput(ctx: CallContext, deps: ChainDeps, part: OutputPart, chunk: RecordChunk__Output): RecordChunk__Output {
  let out = chunk;
  for (const link of deps.links) {
    if (!link.filterChunk) continue;
    const next = link.filterChunk(ctx, part, out);
    if (next.count !== out.count || next.encoding !== out.encoding || next.data.length !== out.data.length) {
      throw rpcError(
        grpc.status.INTERNAL,
        `${ctx.rpc}: broker move ${link.name} changed a ${part} chunk from ${out.count} ${out.encoding} records (${out.data.length} bytes) to ${next.count} ${next.encoding} (${next.data.length} bytes)`,
      );
    }
    out = next;
  }
  return out;
}

export interface ChainDeps {
  /** party name → bearer token; only the receiver calls the receiver-facing server. */
  tokens: Record<string, string>;
  grants: ReadonlySet<AccessLevel>;
  budget: SampleBudget;
  /** The broker's moves, in the order `broker.defences` lists them. */
  links: readonly ChainLink[];
  /**
   * The fine-tuned model versions the sharer returned to this broker's FineTune calls (docs/shake-to-leak.md): the
   * only names a query may carry. Anything else is refused here, before it reaches the sharer.
   */
  versions: Set<string>;
}

export type Step = (ctx: CallContext, deps: ChainDeps) => void;

export const authenticateStep: Step = (ctx, deps) => {
  ctx.party = authenticate(ctx.metadata, deps.tokens, ctx.rpc);
};

/**
 * Defence in depth: a non-granted service has no handler of ours (grpc-js answers UNIMPLEMENTED, audited at the edge),
 * and a handler that somehow runs without its grant is refused here too.
 */
export const checkGrantStep: Step = (ctx, deps) => {
  if (ctx.grant !== null && !deps.grants.has(ctx.grant)) {
    throw rpcError(grpc.status.PERMISSION_DENIED, `${ctx.rpc}: needs the "${ctx.grant}" grant, which this scenario does not give`);
  }
};

/** A query may name only a version this broker registered: fails closed, whatever the sharer would have answered. */
export const versionStep: Step = (ctx, deps) => {
  if (ctx.modelVersion && !deps.versions.has(ctx.modelVersion)) {
    throw rpcError(
      grpc.status.NOT_FOUND,
      `${ctx.rpc}: model_version "${ctx.modelVersion}" is not a fine-tuned version of this run (${deps.versions.size > 0 ? `versions: ${[...deps.versions].join(', ')}` : 'none were made: FineTune.Start makes them under the fine-tune grant'})`,
    );
  }
};

export const meterStep: Step = (ctx, deps) => {
  if (ctx.cost > 0) deps.budget.reserve(ctx.cost, ctx.rpc);
};

/** The broker's moves, each a link: after the meter, so a refused call is refunded and audited like the others. */
export const linksStep: Step = (ctx, deps) => {
  for (const link of deps.links) link.check?.(ctx);
};

export const BEFORE_FORWARD: Step[] = [authenticateStep, checkGrantStep, versionStep, meterStep, linksStep];

/**
 * Runs one call through the chain. `forward` does the work and tells `delivery` what each message carries. `price`,
 * when given, sets `ctx.cost` after the caller is authenticated and granted and before metering, for a call whose cost
 * depends on the model (it may refuse a malformed request, which then costs nothing). What is reserved is settled
 * when the call ends (the edge's close): what was delivered is spent, the rest refunded — also for a call its caller
 * cancelled half-way.
 */
export async function runChain(
  ctx: CallContext,
  deps: ChainDeps,
  forward: (delivery: Delivery) => Promise<void>,
  price?: () => Promise<number>,
): Promise<void> {
  const edge = edgeCallOf(ctx.metadata);
  // Fails closed: a call the edge did not see would leave no audit line.
  if (!edge) throw rpcError(grpc.status.INTERNAL, `${ctx.rpc}: the call did not pass the broker's edge audit; refused unaudited`);
  edge.args = ctx.args;
  edge.seed = ctx.seed;
  try {
    for (const step of BEFORE_FORWARD) {
      if (step === meterStep && price) ctx.cost = await price();
      step(ctx, deps);
      if (step === meterStep && ctx.cost > 0) {
        const reserved = ctx.cost;
        edge.whenClosed((delivered) => deps.budget.settle(reserved, delivered));
      }
    }
    await forward(edge);
  } catch (err) {
    throw toRpcError(err, ctx.rpc);
  }
}
