/**
 * The learning-rate schedule both diffusion models train with: linear warm-up from 0, then constant or a cosine
 * decay (Loshchilov & Hutter 2017, one cycle, no restart) from the peak to a floor. One definition, so the tabular
 * and the image DDPM cannot drift apart.
 */
export interface LearningRateSchedule {
  /** Optimiser steps of the whole run. */
  steps: number;
  /** Peak learning rate. */
  learningRate: number;
  /** Linear warm-up from 0 over this many steps (default 0). */
  warmupSteps?: number;
  /** 'cosine': decay from the peak to lrMinFactor·peak over the steps after warm-up; 'constant' (default). */
  lrDecay?: 'constant' | 'cosine';
  /** Final learning rate of the cosine decay as a fraction of the peak (default 0.1). */
  lrMinFactor?: number;
}

/** The learning rate of step `step` (0-based) of the run `schedule` describes. */
export function learningRateAt(step: number, schedule: LearningRateSchedule): number {
  const warm = schedule.warmupSteps ?? 0;
  if (step < warm) return (schedule.learningRate * (step + 1)) / warm;
  if ((schedule.lrDecay ?? 'constant') === 'constant') return schedule.learningRate;
  const minF = schedule.lrMinFactor ?? 0.1;
  const progress = Math.min(1, (step - warm) / Math.max(1, schedule.steps - warm));
  return schedule.learningRate * (minF + (1 - minF) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
