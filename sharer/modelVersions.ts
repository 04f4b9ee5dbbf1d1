/**
 * The sharer's model versions (Shake-to-Leak's fine-tuning as a service; docs/shake-to-leak.md): the model it trained
 * is the base, served under the empty version name; every fine-tune the broker forwards adds a version, a copy of its
 * parent adapted to the uploaded records. The weights stay here: the receiver names a version on its queries
 * (`model_version`), and the broker lets through only the names it saw this sharer return.
 */
import * as grpc from '@grpc/grpc-js';
import { rpcError } from '../shared/grpc/errors';

/** The base model's version name (the protocol's default: an empty model_version). */
export const BASE_VERSION = '';

/** What the sharer knows of a version: its parent and what made it (the lineage the broker also logs). */
export interface VersionLineage {
  version: string;
  parent: string;
  method: string;
  records: number;
  recordsSha256: string;
  deltaSha256: string;
}

export class ModelVersions<M extends { dispose(): void }> {
  private readonly versions = new Map<string, { model: M; lineage: VersionLineage }>();

  /** The version's model, or NOT_FOUND naming it; the base while it is still training is UNAVAILABLE. */
  resolve(base: M | null, version: string | undefined, rpc: string): M {
    if (!version) {
      if (!base) throw rpcError(grpc.status.UNAVAILABLE, `${rpc}: the model is still training`);
      return base;
    }
    const found = this.versions.get(version);
    if (!found) throw rpcError(grpc.status.NOT_FOUND, `${rpc}: model_version "${version}" is not a version of this model (fine-tuned versions: ${[...this.versions.keys()].join(', ') || 'none'})`);
    return found.model;
  }

  /** Registers a fine-tuned model under the next name (ft-1, ft-2, …: deterministic, in the order they were made). */
  register(model: M, lineage: Omit<VersionLineage, 'version'>): VersionLineage {
    const version = `ft-${this.versions.size + 1}`;
    const full = { ...lineage, version };
    this.versions.set(version, { model, lineage: full });
    return full;
  }

  get lineage(): VersionLineage[] {
    return [...this.versions.values()].map((v) => v.lineage);
  }

  dispose(): void {
    for (const { model } of this.versions.values()) model.dispose();
    this.versions.clear();
  }
}

/** The model a request names: the base for an empty version, else a registered fine-tuned version (NOT_FOUND). */
export function modelAt<M extends { dispose(): void }>(state: { model: M | null; versions?: ModelVersions<M> }, version: string | undefined, rpc: string): M {
  return (state.versions ?? new ModelVersions<M>()).resolve(state.model, version, rpc);
}
