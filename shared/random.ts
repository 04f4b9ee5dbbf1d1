/**
 * Seeded randomness. Every random choice in sharebox comes from an Rng derived from the scenario seed, so
 * the same scenario twice gives the same numbers (DEVELOPERS.md, "Determinism").
 */

// Bound once at module level: jest runs modules in a vm sandbox where every `Math.x` lookup on the global is
// 5-30x slower, and these functions sit in the innermost loops of sampling and bootstrapping.
const { imul, floor, log, sqrt, sin, cos, PI } = Math;

/** 32-bit FNV-1a hash of a string: used to derive independent sub-seeds from labels. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Derives a child seed from a parent seed and a label ("sharer", "receiver/draw", ...). Stable across runs. */
export function deriveSeed(parentSeed: number, label: string): number {
  return hashString(`${parentSeed >>> 0}:${label}`);
}

/** mulberry32: small, fast, good enough for sampling and shuffling (not for cryptography). */
export class Rng {
  private state: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = sqrt(-2 * log(u));
    this.spareNormal = r * sin(2 * PI * v);
    return r * cos(2 * PI * v);
  }

  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Index drawn from unnormalised non-negative weights. */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i];
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  /** In-place Fisher–Yates shuffle; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** k distinct indices from [0, n), in random order. */
  sampleIndices(n: number, k: number): number[] {
    if (k > n) throw new Error(`sampleIndices: cannot draw ${k} distinct indices from ${n}`);
    const all = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const tmp = all[i];
      all[i] = all[j];
      all[j] = tmp;
    }
    return all.slice(0, k);
  }

  /** A 32-bit seed for a library that takes its own (tfjs initialisers, a child Rng). */
  seed(): number {
    return floor(this.next() * 4294967296) >>> 0;
  }
}
