/**
 * The Gaussian noise of DP-SGD (dpSgd.ts): at every step one standard normal per weight coordinate, one stream per
 * weight from the step's seed and the weight's position (tfjs names variables by a global counter, which differs
 * between two models of one seed). That is 210k normals a step for the bench's MLP, about a third of the DP step when
 * drawn on the training thread, so `DpNoiseWorker` draws them on a worker thread while the training thread runs the
 * step's forward and backward passes (the wasm backend trains on one thread, so the second core is otherwise idle).
 * Both give the same numbers bit for bit (same generator, same seeds): where the noise is drawn never changes a model.
 */
import { Worker } from 'worker_threads';
import { deriveSeed } from '../../shared/random';
import { fillStandardNormal } from './standardNormal';

/** The seeds of one step's streams, one per weight. */
function streamSeeds(noiseSeed: number, weights: number): number[] {
  return Array.from({ length: weights }, (_, k) => deriveSeed(noiseSeed, `dp-noise/${k}`));
}

/** Where a step's standard normals come from: `request` starts drawing them, `take` returns them (blocking until drawn). */
export interface DpNoiseSource {
  request(noiseSeed: number): void;
  /** One N(0, 1) array per weight, of the weight's size, for the last requested seed. */
  take(): Float32Array[];
  close(): void;
}

/** One step's normals, drawn here and now. */
export function drawDpNoise(sizes: readonly number[], noiseSeed: number): Float32Array[] {
  const seeds = streamSeeds(noiseSeed, sizes.length);
  return sizes.map((size, k) => {
    const out = new Float32Array(size);
    fillStandardNormal(out, seeds[k]);
    return out;
  });
}

/** Draws on the calling thread when asked (`take`): the fallback, and the reference the worker is tested against. */
export class InlineDpNoise implements DpNoiseSource {
  private seed: number | null = null;
  constructor(private readonly sizes: readonly number[]) {}
  request(noiseSeed: number): void {
    this.seed = noiseSeed;
  }
  take(): Float32Array[] {
    if (this.seed === null) throw new Error('InlineDpNoise.take: no noise was requested');
    const out = drawDpNoise(this.sizes, this.seed);
    this.seed = null;
    return out;
  }
  close(): void {}
}

/** State of the hand-off word shared with the worker. */
const IDLE = 0;
const READY = 1;
const FAILED = 2;
/** How long `take` waits for the worker before failing the training run. */
const TAKE_TIMEOUT_MS = 60_000;

/**
 * The worker's code. The generator is the one `fillStandardNormal` runs (its own source, so the two cannot drift
 * apart); the seeds are derived on the training thread. The worker writes into shared memory and wakes the training
 * thread through Atomics, which lets a synchronous training step wait for it without the event loop.
 */
function workerSource(): string {
  return `
const { parentPort, workerData } = require('worker_threads');
const fillStandardNormal = ${fillStandardNormal.toString()};
const { buffer, sizes } = workerData;
const state = new Int32Array(buffer, 0, 1);
const views = [];
let offset = 8;
for (const size of sizes) { views.push(new Float32Array(buffer, offset, size)); offset += size * 4; }
parentPort.on('message', (seeds) => {
  try {
    for (let k = 0; k < views.length; k++) fillStandardNormal(views[k], seeds[k]);
    Atomics.store(state, 0, ${READY});
  } catch (err) {
    Atomics.store(state, 0, ${FAILED});
  }
  Atomics.notify(state, 0);
});`;
}

/** Draws each step's normals on a worker thread, overlapping the step's compute (see the module's comment). */
export class DpNoiseWorker implements DpNoiseSource {
  private readonly worker: Worker;
  private readonly state: Int32Array;
  private readonly views: Float32Array[] = [];
  private pending = false;

  constructor(private readonly sizes: readonly number[]) {
    const floats = sizes.reduce((a, b) => a + b, 0);
    const buffer = new SharedArrayBuffer(8 + floats * 4);
    this.state = new Int32Array(buffer, 0, 1);
    let offset = 8;
    for (const size of sizes) {
      this.views.push(new Float32Array(buffer, offset, size));
      offset += size * 4;
    }
    this.worker = new Worker(workerSource(), { eval: true, workerData: { buffer, sizes: [...sizes] } });
    // Never keeps the process alive; `close` ends it.
    this.worker.unref();
  }

  request(noiseSeed: number): void {
    if (this.pending) throw new Error('DpNoiseWorker.request: the previous step\'s noise was not taken');
    Atomics.store(this.state, 0, IDLE);
    this.pending = true;
    this.worker.postMessage(streamSeeds(noiseSeed, this.sizes.length));
  }

  take(): Float32Array[] {
    if (!this.pending) throw new Error('DpNoiseWorker.take: no noise was requested');
    this.pending = false;
    if (Atomics.wait(this.state, 0, IDLE, TAKE_TIMEOUT_MS) === 'timed-out') {
      throw new Error(`DpNoiseWorker: the noise worker did not answer within ${TAKE_TIMEOUT_MS / 1000} s`);
    }
    if (Atomics.load(this.state, 0) === FAILED) throw new Error('DpNoiseWorker: the noise worker failed to draw');
    // Copies: the next request overwrites the shared buffer while tfjs may still hold these arrays.
    return this.views.map((v) => v.slice());
  }

  close(): void {
    void this.worker.terminate();
  }
}

/** The worker when one can be started, else the inline source (same numbers either way). */
export function dpNoiseSource(sizes: readonly number[]): DpNoiseSource {
  try {
    return new DpNoiseWorker(sizes);
  } catch {
    return new InlineDpNoise(sizes);
  }
}
