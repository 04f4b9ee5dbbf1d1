/**
 * The root of a scenario's randomness: every seed a party, a dataset or the membership game starts from is
 * `rootSeed(scenario, label)`. How it is derived decides what a party can learn from the seeds it is given
 * (docs/architecture.md, "The sandbox's own threat model"):
 *   - without a run key, deriveSeed(seed, label): a 32-bit FNV-1a hash, so a party that knows (or searches) the
 *     scenario seed recomputes every other party's seeds, the embedded census data and a membership game's split;
 *   - with a run key (`runKey`: 32 random bytes, hex), the first 32 bits of HMAC-SHA256(key, "<seed>:<label>"): a keyed
 *     cryptographic function, so a party's seeds say nothing of the key, the scenario seed or any other seed.
 * The runner draws the key when the scenario says `runKey: secret` and writes it into the report, so the run can be
 * replayed by putting it in `runKey`.
 */
import * as crypto from 'crypto';
import { deriveSeed } from '../random';

/** `runKey: secret` asks the runner to draw a key; a replayed run gives the key itself, 64 hex digits. */
export const SECRET_RUN_KEY = 'secret';
export const RUN_KEY_PATTERN = /^[0-9a-f]{64}$/;

export interface SeedRoot {
  seed: number;
  runKey?: string;
}

export function rootSeed(root: SeedRoot, label: string): number {
  if (root.runKey === undefined) return deriveSeed(root.seed, label);
  if (!RUN_KEY_PATTERN.test(root.runKey)) {
    // `secret` must have been replaced by a drawn key before any seed is derived (cli/run.ts).
    throw new Error(`runKey: expected 64 hex digits, got "${root.runKey === SECRET_RUN_KEY ? SECRET_RUN_KEY : 'a malformed key'}" (the runner draws one for "secret")`);
  }
  return crypto.createHmac('sha256', Buffer.from(root.runKey, 'hex')).update(`${root.seed >>> 0}:${label}`).digest().readUInt32BE(0);
}

/** A fresh key for `runKey: secret`: 32 bytes from the operating system's CSPRNG. */
export function drawRunKey(): string {
  return crypto.randomBytes(32).toString('hex');
}
