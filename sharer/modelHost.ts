/**
 * The sharer's ModelHost service: the broker (and only the broker, by its token) draws records here, each metered call
 * no more than the broker reserved for it (sharer/brokerGate.ts).
 */
import * as grpc from '@grpc/grpc-js';
import type { ModelHostHandlers } from '../shared/grpc/generated/sharebox/ModelHost';
import { rpcError, toRpcError } from '../shared/grpc/errors';
import { failStream, writeWithBackpressure } from '../shared/grpc/streams';
import { schemaToWire, tableChunk } from '../shared/grpc/records';
import { forEachGenerationBatch } from './generationBatches';
import type { TabularGenerator } from './tabularGenerator';
import { scheduleOf, timestepAccessHandlers } from './timestepAccess';
import type { ReleaseGate } from './releaseGuard';
import { fineTuneHandler } from './fineTuneHost';
import { modelAt, type ModelVersions } from './modelVersions';
import type { BrokerGate } from './brokerGate';
import { sampleUnits } from '../shared/grpc/pricing';

export { GENERATION_BATCH } from './generationBatches';

export interface ModelHostState {
  model: TabularGenerator | null;
  modelKind: string;
  /** The fine-tuned versions (docs/shake-to-leak.md); the base model is `model`, under the empty version name. */
  versions?: ModelVersions<TabularGenerator>;
  /** The data owner's release guards (sharer/releaseGuard.ts; none unless a defence such as nn-rejection sets one). */
  release?: ReleaseGate;
}

/** Serialises model calls: tfjs work from two requests must not interleave on one backend. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export function modelHostHandlers(state: ModelHostState, gate: BrokerGate): ModelHostHandlers {
  const mutex = new Mutex();
  return {
    // Gray-box and white-box queries (docs/mia.md); FAILED_PRECONDITION for a model without timesteps.
    ...timestepAccessHandlers(state, gate, (fn) => mutex.run(fn)),
    FineTune: fineTuneHandler(state, gate, (fn) => mutex.run(fn)),
    Describe(call, callback) {
      try {
        gate.authenticate(call.metadata, 'ModelHost.Describe');
        const model = state.model;
        if (!model) throw rpcError(grpc.status.UNAVAILABLE, 'ModelHost.Describe: the model is still training');
        callback(null, { schema: schemaToWire(model.schema, model.classes), modelKind: state.modelKind, ready: true, schedule: scheduleOf(model) });
      } catch (err) {
        callback(toRpcError(err, 'ModelHost.Describe'));
      }
    },
    Sample(call) {
      const rpc = 'ModelHost.Sample';
      const run = async () => {
        gate.authenticate(call.metadata, rpc);
        const model = modelAt(state, call.request.modelVersion, rpc);
        const { count, seed, conditional, classIndex } = call.request;
        if (!Number.isSafeInteger(count) || count <= 0) {
          throw rpcError(grpc.status.INVALID_ARGUMENT, `${rpc}: count must be a positive integer (got ${count})`);
        }
        if (conditional && (classIndex < 0 || classIndex >= model.classes.values.length)) {
          throw rpcError(
            grpc.status.INVALID_ARGUMENT,
            `${rpc}: class_index ${classIndex} is out of range (the model has ${model.classes.values.length} classes)`,
          );
        }
        // Never more records than the broker reserved for this call (nor than the sharer's own bound).
        gate.admit(call.metadata, rpc, sampleUnits(call.request));
        await forEachGenerationBatch(count, seed, () => call.cancelled, async (n, batchSeed, rngForClasses) => {
          // Refused records are replaced by fresh draws of their class (the count stays n; sharer/releaseGuard.ts).
          const records = await mutex.run(() =>
            state.release ? state.release.sample(model, n, conditional ? classIndex : null, batchSeed, rngForClasses) : model.sample(n, conditional ? classIndex : null, batchSeed, rngForClasses),
          );
          await writeWithBackpressure(call, tableChunk(records.table, records.classes, 0, n));
        }, model.generationBatch);
      };
      run().then(
        () => call.end(),
        (err) => failStream(call, toRpcError(err, rpc)),
      );
    },
  };
}
