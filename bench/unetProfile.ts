/**
 * `node dist/bench/unetProfile.js [--passes 20] [--train] [--batch 64] [--cpu] [--shapes] [--read-outside-tidy]`: where one pass of the image U-Net
 * (bench/tfjsUnet.ts's config, the image DDPM's default) spends its time on the active backend — per kernel,
 * exclusive of the kernels it calls, plus what lies outside every kernel (tfjs' engine, uploads, the read-back).
 *
 * Every kernel registered for the backend is wrapped with a timer for the run (and put back after), so nested
 * calls (a native kernel falling back, our rewrites calling wasm kernels) are charged to the innermost kernel.
 * `--train` profiles a training step (forward, backward, Adam) instead of a sampling pass (forward + dataSync, as
 * ImageDdpm.epsBatch does it). `--shapes` adds a line per kernel and input shapes; `--cpu` times with the process's
 * CPU time instead of wall time (better when other processes share the cores). `--read-outside-tidy` reads ε̂ back
 * after the tidy instead of returning the typed array from it (tf.tidy walks every key of a returned object:
 * ~50k keys at batch 64).
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { describeBackend, initBackend, tf } from '../shared/tf';
import { ImageUnet } from '../sharer/diffusion/imageUnet';
import { UNET_BENCH_BATCH, UNET_BENCH_CONFIG } from './tfjsUnet';

interface KernelStat {
  calls: number;
  ms: number;
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/**
 * The clock kernels are timed with: CPU time of the process (`--cpu`, what other processes on the cores do not
 * inflate; getrusage costs ~1 µs a call) or wall time.
 */
const useCpuClock = process.argv.includes('--cpu');
function now(): number {
  if (!useCpuClock) return performance.now();
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Wraps every kernel of `backendName` with an exclusive-time counter; returns the stats and an undo function. */
function shapeKey(name: string, args: { inputs: Record<string, { shape: number[] } | undefined>; attrs?: Record<string, unknown> }): string {
  const shapes = Object.entries(args.inputs).map(([k, t]) => `${k}[${t?.shape.join(',')}]`).join(' ');
  const strides = args.attrs?.strides !== undefined ? ` s${String(args.attrs.strides)}` : '';
  return `  ${name} ${shapes}${strides}`;
}

function instrumentKernels(backendName: string, byShape: boolean): { stats: Map<string, KernelStat>; restore: () => void } {
  const stats = new Map<string, KernelStat>();
  const originals: KernelConfig[] = tf.getKernelsForBackend(backendName);
  // Time spent in the kernels called from the current one, to subtract from its own.
  const childMs: number[] = [];
  for (const config of originals) {
    const inner = config.kernelFunc;
    const kernelFunc: KernelFunc = (args) => {
      childMs.push(0);
      const start = now();
      try {
        return inner(args);
      } finally {
        const total = now() - start;
        const nested = childMs.pop() as number;
        if (childMs.length > 0) childMs[childMs.length - 1] += total;
        for (const key of [config.kernelName, ...(byShape ? [shapeKey(config.kernelName, args)] : [])]) {
          const stat = stats.get(key) ?? { calls: 0, ms: 0 };
          stat.calls += 1;
          stat.ms += total - nested;
          stats.set(key, stat);
        }
      }
    };
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc });
  }
  const restore = (): void => {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  };
  return { stats, restore };
}

async function main(): Promise<void> {
  const passes = argValue('--passes', 20);
  const batch = argValue('--batch', UNET_BENCH_BATCH);
  const train = process.argv.includes('--train');
  const readOutside = process.argv.includes('--read-outside-tidy');
  await initBackend();
  const backendName = tf.getBackend();
  process.stdout.write(`backend: ${describeBackend()}\n`);
  const config = UNET_BENCH_CONFIG;
  const net = new ImageUnet(config);
  const { height, width, channels, timeFeatures, numClasses } = config;
  const x = new Float32Array(batch * height * width * channels);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 12.9898) * 1.3;
  const time = tf.randomNormal([batch, timeFeatures], 0, 1, 'float32', 3) as tf.Tensor2D;
  const classes = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % (numClasses + 1)), 'int32'), numClasses + 1).toFloat()) as tf.Tensor2D;
  const noise = tf.randomNormal([batch, height, width, channels], 0, 1, 'float32', 2) as tf.Tensor4D;
  const optimizer = tf.train.adam(1e-3);
  const pass = (): void => {
    if (train) {
      tf.tidy(() => {
        const xt = tf.tensor4d(x, [batch, height, width, channels]);
        const { grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(net.apply(xt, time, classes), noise)) as tf.Scalar, net.variables);
        optimizer.applyGradients(net.variables.map((v) => ({ name: v.name, tensor: grads[v.name] })));
      });
      net.variables[0].dataSync();
    } else if (readOutside) {
      const eps = tf.tidy(() => net.apply(tf.tensor4d(x, [batch, height, width, channels]), time, classes));
      eps.dataSync();
      eps.dispose();
    } else {
      // As ImageDdpm.epsBatch: the typed array is returned from the tidy (which walks its keys looking for tensors).
      tf.tidy(() => net.apply(tf.tensor4d(x, [batch, height, width, channels]), time, classes).dataSync());
    }
  };
  for (let i = 0; i < 2; i++) pass();

  // Uninstrumented timing first (wall and CPU), then the per-kernel profile.
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let i = 0; i < passes; i++) pass();
  const wallMs = (performance.now() - wall0) / passes;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / passes;

  const { stats, restore } = instrumentKernels(backendName, process.argv.includes('--shapes'));
  const pwall0 = now();
  try {
    for (let i = 0; i < passes; i++) pass();
  } finally {
    restore();
  }
  const profWallMs = (now() - pwall0) / passes;
  const rows = [...stats.entries()].map(([name, s]) => ({ name, calls: s.calls / passes, ms: s.ms / passes })).sort((a, b) => b.ms - a.ms);
  const kernelMs = rows.filter((r) => !r.name.startsWith(' ')).reduce((sum, r) => sum + r.ms, 0);
  const what = train ? 'train step' : 'sampling pass';
  process.stdout.write(
    `${what}, batch ${batch}, ${passes} passes: ${wallMs.toFixed(1)} ms wall, ${cpuMs.toFixed(1)} ms CPU per pass ` +
      `(${((batch * 1000) / cpuMs).toFixed(0)} image-passes per CPU-second); instrumented ${profWallMs.toFixed(1)} ms ${useCpuClock ? 'CPU' : 'wall'}\n`,
  );
  process.stdout.write(`${'kernel'.padEnd(28)} ${'calls'.padStart(6)} ${'ms/pass'.padStart(8)} ${'share'.padStart(6)}\n`);
  for (const r of rows) {
    process.stdout.write(`${r.name.padEnd(28)} ${r.calls.toFixed(0).padStart(6)} ${r.ms.toFixed(2).padStart(8)} ${((100 * r.ms) / profWallMs).toFixed(1).padStart(5)}%\n`);
  }
  const outside = profWallMs - kernelMs;
  process.stdout.write(`${'(outside kernels)'.padEnd(28)} ${''.padStart(6)} ${outside.toFixed(2).padStart(8)} ${((100 * outside) / profWallMs).toFixed(1).padStart(5)}%\n`);
  optimizer.dispose();
  net.dispose();
  tf.dispose([time, classes, noise]);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
