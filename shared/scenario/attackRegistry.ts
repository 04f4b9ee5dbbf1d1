/**
 * The receiver's attacks as scenario data (LeakPro `attack_factory_mia.py`: each attack owns its config schema;
 * a registry maps names to schemas; the scenario schema is the union).
 *
 * `receiver.attacks` is a list of `{ kind: <registered kind>, ...that attack's own fields }`. This module holds
 * the scenario-side half of an attack: its `kind`, what it is, the broker grants it needs, and the zod schema
 * of its config. The runnable half (`run`, the RPC capabilities it uses) lives in `receiver/`, which imports its
 * config schema from here: `shared/` never imports a party.
 *
 * Adding an attack to the scenario format = one entry in `BUILT_IN_ATTACKS` below (write its schema next to it,
 * e.g. `shared/scenario/attacks/<kind>.ts`). Nothing else in `shared/scenario/` changes: the element schema of
 * `receiver.attacks` looks kinds up in the registry at parse time, and the cross-field pass checks
 * `requiresAccess` against `broker.access`.
 */
import { z } from 'zod';
import type { AccessGrant } from './schema';
import { propertyInferenceConfigSchema } from './attacks/propertyInference';
import {
  extractionConfigSchema,
  lossAttackConfigSchema,
  nearestSyntheticAttackConfigSchema,
  piaAttackConfigSchema,
  secmiAttackConfigSchema,
  trajectoryAttackConfigSchema,
  x0ErrorAttackConfigSchema,
} from './attacks/membership';

export interface AttackConfigEntry {
  /** The value of `kind` in `receiver.attacks[i]`, e.g. "membership-inference". Lowercase, digits, hyphens. */
  kind: string;
  /** One line for `sharebox` listings, the docs and the report (garak-style metadata). */
  describe: string;
  /** Paper or section the attack implements, shown in the report. */
  paper?: string;
  /**
   * Broker grants the attack cannot run without (all of them must be in `broker.access`). Checked when the
   * scenario is loaded so a mis-specified threat model fails before any process starts; the broker still
   * enforces access at run time.
   */
  requiresAccess: readonly AccessGrant[];
  /**
   * The attack's own fields, WITHOUT `kind` (the registry adds it). Must be a `z.strictObject` so a typo in a
   * field name is an error, like everywhere else in the scenario. Defaults declared here are applied at load.
   */
  configSchema: z.ZodObject;
}

/** A parsed attack config: its kind plus the fields its registered `configSchema` produced. */
export type AttackConfig = { kind: string } & Record<string, unknown>;

/** Attacks known to the scenario format. Later issues add entries here (one import + one line each). */
const BUILT_IN_ATTACKS: readonly AttackConfigEntry[] = [
  {
    kind: 'property-inference',
    describe: 'Estimates the share of a property in the sharer’s training data by classifying samples and counting (Hoeffding bound)',
    paper: 'Luo et al. 2024, §3 (Algorithm 2, Theorem 1)',
    requiresAccess: ['black-box'],
    configSchema: propertyInferenceConfigSchema,
  },
  // Membership inference on the challenge set of the `membership` game, one rung of the access ladder each (docs/mia.md).
  {
    kind: 'mia-nearest-synthetic',
    describe: 'Membership by the distance of a challenge record to its nearest of M synthetic records',
    paper: 'GAN-Leaks-style black-box baseline (Zhu et al. 2023 §1.3; Duan et al. 2023 report it near chance on DDPMs)',
    requiresAccess: ['black-box'],
    configSchema: nearestSyntheticAttackConfigSchema,
  },
  {
    kind: 'mia-x0-error',
    describe: 'Membership by the per-step error ‖x̂₀(x_t, t) − x₀‖² of the model’s predicted clean record, aggregated over t',
    paper: 'Zhu et al. 2023 (arXiv 2302.07801), gray-box xstart_mse',
    requiresAccess: ['gray-box'],
    configSchema: x0ErrorAttackConfigSchema,
  },
  {
    kind: 'mia-secmi',
    describe: 'SecMI: DDIM inversion to t_SEC, one step up and down, the t-error of the round trip',
    paper: 'Duan et al. 2023 (ICML), SecMI_stat',
    requiresAccess: ['gray-box'],
    configSchema: secmiAttackConfigSchema,
  },
  {
    kind: 'mia-pia',
    describe: 'PIA: proximal initialisation ε₀ = ε_θ(x₀, 0), then ‖ε_θ(x_t, t) − ε₀‖₄⁴',
    paper: 'Kong et al. 2024 (ICLR)',
    requiresAccess: ['gray-box'],
    configSchema: piaAttackConfigSchema,
  },
  {
    kind: 'mia-trajectory',
    describe: 'Membership by how close the generation trajectory comes to the record: M generations of its class, −min over them of the x̂₀ error aggregated over the kept steps',
    paper: 'Zhu et al. 2023 (arXiv 2302.07801), SD generation-trajectory variant, for a class-conditional model (mia-s2l.md §1.3 (b), §4.3 item 2)',
    requiresAccess: ['gray-box'],
    configSchema: trajectoryAttackConfigSchema,
  },
  {
    kind: 'mia-loss',
    describe: 'Membership by the per-timestep denoising losses on a grid of t with common noise, aggregated (mean, median, min, max, sum, trimmed)',
    paper: 'Zhu et al. 2023 (arXiv 2302.07801), white-box; trimmed statistic of save_false_postive_rate.py',
    requiresAccess: ['white-box'],
    configSchema: lossAttackConfigSchema,
  },
  {
    kind: 'carlini-extraction',
    describe: 'Data extraction: M generations, training records within Carlini’s relative distance (counted by the referee)',
    paper: 'Carlini et al. 2023 (USENIX Security), §4 CIFAR-10 criterion',
    requiresAccess: ['black-box'],
    configSchema: extractionConfigSchema,
  },
];

const ATTACK_KIND_PATTERN = /^[a-z][a-z0-9-]*$/;

const registry = new Map<string, AttackConfigEntry>();

/**
 * Registers an attack's scenario config. Throws on a duplicate kind, a malformed kind, or a non-strict config
 * schema (those are programming errors, not scenario errors). Exported so plugins and tests can register
 * attacks that do not ship with sharebox.
 */
export function registerAttackConfig(entry: AttackConfigEntry): void {
  if (!ATTACK_KIND_PATTERN.test(entry.kind)) {
    throw new Error(`attack kind "${entry.kind}" must match ${ATTACK_KIND_PATTERN}`);
  }
  if (registry.has(entry.kind)) {
    throw new Error(`attack kind "${entry.kind}" is already registered`);
  }
  if ('kind' in entry.configSchema.shape) {
    throw new Error(`attack "${entry.kind}": configSchema must not declare \`kind\` (the registry adds it)`);
  }
  const catchall = entry.configSchema._zod.def.catchall;
  if (!catchall || catchall._zod.def.type !== 'never') {
    throw new Error(`attack "${entry.kind}": configSchema must be a z.strictObject so unknown fields are errors`);
  }
  registry.set(entry.kind, entry);
}

/** Removes a registered attack (for tests that register their own). Returns whether it was registered. */
export function unregisterAttackConfig(kind: string): boolean {
  return registry.delete(kind);
}

export function attackConfigEntry(kind: string): AttackConfigEntry | undefined {
  return registry.get(kind);
}

/** Registered kinds, sorted, for messages and docs. */
export function registeredAttackKinds(): string[] {
  return [...registry.keys()].sort();
}

for (const entry of BUILT_IN_ATTACKS) registerAttackConfig(entry);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectedKinds(): string {
  const kinds = registeredAttackKinds();
  return kinds.length === 0 ? 'no attack kinds are registered yet' : `expected one of ${kinds.join(' | ')}`;
}

/**
 * The schema of one element of `receiver.attacks`: dispatches on `kind` to the registered schema at parse time
 * (so registrations made after this module loads count). Issues from the attack's schema keep their paths,
 * prefixed by the element's path, like any other zod issue.
 */
export const attackConfigSchema: z.ZodType<AttackConfig, unknown> = z.unknown().transform((raw, ctx): AttackConfig => {
  if (!isPlainObject(raw)) {
    ctx.addIssue({ code: 'invalid_type', expected: 'object', input: raw, message: 'expected an attack config' });
    return z.NEVER;
  }
  const { kind, ...fields } = raw;
  if (typeof kind !== 'string') {
    ctx.addIssue({
      code: 'custom',
      path: ['kind'],
      input: kind,
      message: kind === undefined ? `required field is missing (${expectedKinds()})` : `expected an attack kind (${expectedKinds()})`,
    });
    return z.NEVER;
  }
  const entry = registry.get(kind);
  if (!entry) {
    ctx.addIssue({ code: 'custom', path: ['kind'], input: kind, message: `unknown attack kind (${expectedKinds()})` });
    return z.NEVER;
  }
  const parsed = entry.configSchema.safeParse(fields, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
    }
    return z.NEVER;
  }
  return { kind, ...(parsed.data as Record<string, unknown>) };
});
