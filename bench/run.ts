/**
 * `npm run bench [-- --quick] [-- --unet]`: how fast each tfjs backend trains and samples the tabular DDPM denoiser, against
 * PyTorch on the same machine in the same run (stack.md §4). Prints a table and writes
 * bench/results/bench-<timestamp>.json.
 *
 * Rows: (a) MLP train steps/s on tfjs cpu, wasm stock, wasm + fixes, wasm + native matmul kernels (native/ addon,
 * when built; 1 thread and one per core) (and tfjs-node when it loads);
 * (b) sampling throughput (records/s of a 200-pass chain of 256 records); (c) the PyTorch peer at 1 thread and
 * at one per core (skipped with a note when `import torch` fails); plus the kernel-level figures behind the fixes
 * (matmul GFLOP/s per transpose, conv gradient ms); (d) the image U-Net's train steps/s with and without the native
 * convolutions, and its sampling images/s (a 50-step DDIM chain), each with the PyTorch peer beside it.
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { describeBackend, initBackend, installWasmFixes, loadNativeAddon, nativeAddonUnavailableReason, tf, uninstallWasmFixes, wasmBinaryDirectory } from '../shared/tf';
import { installConv2DBackpropFilter, uninstallConv2DBackpropFilter } from '../shared/tf/conv2dBackpropFilter';
import { installNativeKernels } from '../shared/tf/native/install';
import { repoRoot } from '../shared/repoRoot';
import { BenchEnvironment, BenchRow, printEnvironment, printTable, writeResults } from './table';
import { measureConvFilterGradMs, measureConvInputGradMs, measureMatMulGflops, measureSampling, measureTrainStepsPerSecond, MLP_SHAPE } from './tfjsMlpDdpm';
import { benchBrokerOverhead } from './brokerOverhead';
import { measureDpSgdCost } from './dpSgdStep';
import { measureFineTuneTabular } from './fineTuneStep';
import { measureUnetSamplingImagesPerSecond, measureUnetTrainStepsPerSecond, unetBenchLabel } from './tfjsUnet';

/** Passes of one DDPM sampling chain (the records/s figures are for chains of this length). */
const SAMPLING_CHAIN_STEPS = 200;

/** Per runner: train steps (after warm-up) and sampling passes timed; each takes a few seconds. */
interface RunnerPlan {
  warmup: number;
  steps: number;
  samplingPasses: number;
}

interface BenchPlan {
  runners: Record<'cpu' | 'wasmStock' | 'wasmFixed' | 'wasmNative' | 'wasmNative2' | 'tensorflow' | 'torch', RunnerPlan>;
  matMulRepeats: number;
  convRepeats: number;
  /** U-Net train steps timed per configuration (after one warm-up step); a step takes ~1-4 s. */
  unetSteps: number;
}

// Default run < 3 minutes on the 2-core machines of stack.md. cpu samples 20 passes, scaled to the chain.
const DEFAULT_PLAN: BenchPlan = {
  runners: {
    cpu: { warmup: 2, steps: 10, samplingPasses: 20 },
    wasmStock: { warmup: 3, steps: 40, samplingPasses: SAMPLING_CHAIN_STEPS },
    wasmFixed: { warmup: 5, steps: 200, samplingPasses: SAMPLING_CHAIN_STEPS },
    wasmNative: { warmup: 5, steps: 300, samplingPasses: SAMPLING_CHAIN_STEPS },
    wasmNative2: { warmup: 5, steps: 300, samplingPasses: SAMPLING_CHAIN_STEPS },
    tensorflow: { warmup: 5, steps: 200, samplingPasses: SAMPLING_CHAIN_STEPS },
    torch: { warmup: 5, steps: 300, samplingPasses: SAMPLING_CHAIN_STEPS },
  },
  matMulRepeats: 20,
  convRepeats: 3,
  unetSteps: 5,
};

const QUICK_PLAN: BenchPlan = {
  runners: {
    cpu: { warmup: 1, steps: 2, samplingPasses: 3 },
    wasmStock: { warmup: 1, steps: 5, samplingPasses: 20 },
    wasmFixed: { warmup: 2, steps: 20, samplingPasses: 20 },
    wasmNative: { warmup: 2, steps: 30, samplingPasses: 20 },
    wasmNative2: { warmup: 2, steps: 30, samplingPasses: 20 },
    tensorflow: { warmup: 2, steps: 20, samplingPasses: 20 },
    torch: { warmup: 2, steps: 30, samplingPasses: 20 },
  },
  matMulRepeats: 3,
  convRepeats: 1,
  unetSteps: 2,
};

const SAMPLING_LABEL = `sampling (${SAMPLING_CHAIN_STEPS}-pass chain, 256 records)`;

const MLP_LABEL = `MLP DDPM train (${MLP_SHAPE.features}+${MLP_SHAPE.timeEmbedding}→3×${MLP_SHAPE.hidden}→${MLP_SHAPE.features}, batch ${MLP_SHAPE.batch}, Adam)`;

/** A tfjs configuration to measure: which backend, with or without our wasm kernel fixes. */
interface TfjsRunner {
  label: string;
  planKey: keyof BenchPlan['runners'];
  activate: () => Promise<void>;
  /** Undoes what `activate` changed beyond the backend choice (e.g. the native thread count). */
  deactivate?: () => void;
  /** Set when the runner cannot run here: a skipped row with this note. */
  unavailable?: string;
}

/** The default native thread count (SHAREBOX_TF_NATIVE_THREADS, else 1), restored after the 2-thread rows. */
function defaultNativeThreads(): number {
  return Number(process.env.SHAREBOX_TF_NATIVE_THREADS ?? '1') || 1;
}

function tfjsNodeLoads(): boolean {
  try {
    const tfjsNodeModule = '@tensorflow/tfjs-node';
    require(tfjsNodeModule);
    return true;
  } catch {
    return false;
  }
}

async function useBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

function tfjsRunners(withTensorflow: boolean): TfjsRunner[] {
  const runners: TfjsRunner[] = [
    { label: 'tfjs cpu', planKey: 'cpu', activate: () => useBackend('cpu') },
    {
      label: 'tfjs wasm (stock)',
      planKey: 'wasmStock',
      activate: async () => {
        uninstallWasmFixes();
        await useBackend('wasm');
      },
    },
    {
      label: 'tfjs wasm + fixes',
      planKey: 'wasmFixed',
      activate: async () => {
        installWasmFixes({ native: false });
        await useBackend('wasm');
      },
    },
  ];
  // The native matmul kernels (native/ addon) on top of the fixes, at 1 thread and at one per core.
  const addon = loadNativeAddon();
  const unavailable = addon === null ? `native addon unavailable: ${nativeAddonUnavailableReason()}` : undefined;
  for (const threads of [...new Set([1, os.cpus().length])]) {
    runners.push({
      label: `tfjs wasm + native (${threads} thread${threads === 1 ? '' : 's'})`,
      planKey: threads === 1 ? 'wasmNative' : 'wasmNative2',
      unavailable,
      activate: async () => {
        installWasmFixes({ native: true });
        addon?.setThreads(threads);
        await useBackend('wasm');
      },
      deactivate: () => {
        addon?.setThreads(defaultNativeThreads());
      },
    });
  }
  if (withTensorflow) runners.push({ label: 'tfjs-node', planKey: 'tensorflow', activate: () => useBackend('tensorflow') });
  return runners;
}

async function benchTfjsMlp(plan: BenchPlan, runners: TfjsRunner[], rows: BenchRow[]): Promise<void> {
  for (const runner of runners) {
    if (runner.unavailable !== undefined) {
      rows.push({ task: MLP_LABEL, runner: runner.label, value: null, unit: 'steps/s', note: runner.unavailable });
      rows.push({ task: SAMPLING_LABEL, runner: runner.label, value: null, unit: 'records/s', note: runner.unavailable });
      continue;
    }
    await runner.activate();
    const { warmup, steps, samplingPasses } = plan.runners[runner.planKey];
    process.stderr.write(`bench: ${runner.label} [${describeBackend()}]: MLP train ${steps} steps…\n`);
    const trainRate = measureTrainStepsPerSecond(warmup, steps);
    rows.push({ task: MLP_LABEL, runner: runner.label, value: trainRate, unit: 'steps/s', note: `${steps} steps after ${warmup} warm-up` });
    process.stderr.write(`bench: ${runner.label}: sampling ${samplingPasses} passes…\n`);
    const sampling = measureSampling(samplingPasses, SAMPLING_CHAIN_STEPS);
    rows.push({
      task: SAMPLING_LABEL,
      runner: runner.label,
      value: sampling.recordsPerSecond,
      unit: 'records/s',
      note: `${sampling.forwardPassesPerSecond.toFixed(1)} forward passes/s over ${samplingPasses} passes`,
    });
    runner.deactivate?.();
  }
}

async function benchKernels(plan: BenchPlan, rows: BenchRow[]): Promise<void> {
  const n = 256;
  const transposes: Array<[boolean, boolean]> = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ];
  const configurations: Array<{ runner: string; activate: () => void }> = [
    { runner: 'tfjs wasm (stock)', activate: () => uninstallWasmFixes() },
    { runner: 'tfjs wasm + fixes', activate: () => installWasmFixes({ native: false }) },
  ];
  if (loadNativeAddon() !== null) configurations.push({ runner: 'tfjs wasm + native (1 thread)', activate: () => installWasmFixes({ native: true }) });
  for (const configuration of configurations) {
    configuration.activate();
    await useBackend('wasm');
    for (const [tA, tB] of transposes) {
      rows.push({
        task: `matMul ${n}×${n}×${n} transposeA=${tA} transposeB=${tB}`,
        runner: configuration.runner,
        value: measureMatMulGflops(n, tA, tB, plan.matMulRepeats),
        unit: 'GFLOP/s',
      });
    }
  }

  const xShape: [number, number, number, number] = [8, 28, 28, 16];
  const filterShape: [number, number, number, number] = [3, 3, 16, 16];
  const task = `conv2d filter gradient x[${xShape}] filter[${filterShape}] same`;
  const inputTask = `conv2d input gradient dy[${xShape.slice(0, 3)},${filterShape[3]}] filter[${filterShape}] stride 1 same`;
  uninstallWasmFixes();
  await useBackend('wasm');
  rows.push({ task: inputTask, runner: 'tfjs wasm (stock)', value: measureConvInputGradMs(xShape, filterShape, plan.convRepeats), unit: 'ms' });
  installWasmFixes({ native: false });
  await useBackend('wasm');
  rows.push({ task: inputTask, runner: 'tfjs wasm + fixes', value: measureConvInputGradMs(xShape, filterShape, plan.convRepeats), unit: 'ms' });

  rows.push({ task, runner: 'tfjs wasm (stock)', value: null, unit: 'ms', note: 'wasm has no Conv2DBackpropFilter kernel' });
  installWasmFixes({ native: false });
  await useBackend('wasm');
  rows.push({ task, runner: 'tfjs wasm + fixes', value: measureConvFilterGradMs(xShape, filterShape, plan.convRepeats), unit: 'ms' });
  await useBackend('cpu');
  uninstallConv2DBackpropFilter('cpu');
  // The stock cpu kernel takes seconds here: one untimed-warm-up-free run is enough to show the gap.
  rows.push({ task, runner: 'tfjs cpu (stock)', value: measureConvFilterGradMs(xShape, filterShape, 1, 0), unit: 'ms', note: '1 run, no warm-up' });
  installConv2DBackpropFilter('cpu');
  rows.push({ task, runner: 'tfjs cpu + conv fix', value: measureConvFilterGradMs(xShape, filterShape, plan.convRepeats), unit: 'ms' });
}

/**
 * The image DDPM's U-Net (bench/tfjsUnet.ts): train steps/s on wasm with the fixes, with the native matmul and
 * element-wise kernels but the wasm convolutions, and with the native convolutions too. Also in steps per
 * CPU-second, which moves less than wall time when other processes share the cores.
 */
/** Steps of the image sampling chain the images/s figures are for (scenarios/mnist-honest.yaml draws with 50). */
const UNET_SAMPLING_CHAIN = 50;
const UNET_SAMPLING_TASK = `U-Net DDPM sampling (${UNET_SAMPLING_CHAIN}-step DDIM chain, batch 64)`;

async function benchUnet(plan: BenchPlan, rows: BenchRow[]): Promise<void> {
  const task = unetBenchLabel();
  const addon = loadNativeAddon();
  const configurations: Array<{ runner: string; activate: () => boolean }> = [
    { runner: 'tfjs wasm + fixes', activate: () => (installWasmFixes({ native: false }), true) },
    { runner: 'tfjs wasm + native, wasm convs (1 thread)', activate: () => installNativeKernelsFor({ conv: false }) },
    { runner: 'tfjs wasm + native incl. conv2d (1 thread)', activate: () => installNativeKernelsFor({ conv: true }) },
  ];
  for (const configuration of configurations) {
    if (!configuration.activate()) {
      rows.push({ task, runner: configuration.runner, value: null, unit: 'steps/s', note: `native addon unavailable: ${nativeAddonUnavailableReason()}` });
      continue;
    }
    await useBackend('wasm');
    process.stderr.write(`bench: ${configuration.runner} [${describeBackend()}]: U-Net train ${plan.unetSteps} steps…\n`);
    const cpuStart = process.cpuUsage();
    const wallStart = process.hrtime.bigint();
    const rate = measureUnetTrainStepsPerSecond(1, plan.unetSteps);
    const cpu = process.cpuUsage(cpuStart);
    const wallSeconds = Number(process.hrtime.bigint() - wallStart) / 1e9;
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    rows.push({
      task,
      runner: configuration.runner,
      value: rate,
      unit: 'steps/s',
      note: `${plan.unetSteps} steps after 1 warm-up; ${((plan.unetSteps + 1) / cpuSeconds).toFixed(2)} steps per CPU-second (CPU/wall ${(cpuSeconds / wallSeconds).toFixed(2)})`,
    });
    const passes = 2 * plan.unetSteps;
    rows.push({
      task: UNET_SAMPLING_TASK,
      runner: configuration.runner,
      value: await measureUnetSamplingImagesPerSecond(passes, UNET_SAMPLING_CHAIN),
      unit: 'images/s',
      note: `${passes} denoising passes timed`,
    });
  }
  if (addon !== null) installWasmFixes({ native: true });
  addTorchUnetRow(plan, task, rows);
}

/** The PyTorch peer of the U-Net (bench/torch_unet_ddpm.py, same architecture and parameter count), 1 thread. */
function addTorchUnetRow(plan: BenchPlan, task: string, rows: BenchRow[]): void {
  const script = path.join(repoRoot(), 'bench', 'torch_unet_ddpm.py');
  const reasons: string[] = [];
  for (const python of pythonCandidates()) {
    process.stderr.write(`bench: PyTorch U-Net peer (${python}), 1 thread…\n`);
    const samplePasses = 2 * plan.unetSteps;
    const child = spawnSync(python, [script, '--steps', String(plan.unetSteps), '--warmup', '1', '--threads', '1', '--sample-passes', String(samplePasses)], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
      timeout: 10 * 60 * 1000,
    });
    if (child.error) {
      reasons.push(`${python}: not runnable (${child.error.message})`);
      continue;
    }
    let parsed:
      | { error?: string; torch?: string; params?: number; train_steps_per_s?: number; train_steps_per_cpu_s?: number; image_passes_per_s?: number }
      | undefined;
    try {
      parsed = JSON.parse(child.stdout.trim().split('\n').pop() ?? '');
    } catch {
      parsed = undefined;
    }
    if (child.status === 3 && parsed?.error) {
      reasons.push(`${python}: ${parsed.error}`);
      continue;
    }
    if (child.status !== 0 || parsed?.train_steps_per_s === undefined) {
      rows.push({ task, runner: 'PyTorch CPU', value: null, unit: 'steps/s', note: `${python} torch_unet_ddpm.py exited ${child.status}: ${child.stderr.trim().split('\n').pop() ?? ''}` });
      return;
    }
    rows.push({
      task,
      runner: `PyTorch ${parsed.torch} (1 thread)`,
      value: parsed.train_steps_per_s,
      unit: 'steps/s',
      note: `${plan.unetSteps} steps after 1 warm-up; ${(parsed.train_steps_per_cpu_s ?? 0).toFixed(2)} steps per CPU-second; ${parsed.params} params`,
    });
    rows.push({
      task: UNET_SAMPLING_TASK,
      runner: `PyTorch ${parsed.torch} (1 thread)`,
      value: parsed.image_passes_per_s === undefined ? null : parsed.image_passes_per_s / UNET_SAMPLING_CHAIN,
      unit: 'images/s',
      note: `${samplePasses} denoising passes timed (forward, no_grad)`,
    });
    return;
  }
  rows.push({ task, runner: 'PyTorch CPU', value: null, unit: 'steps/s', note: reasons.join('; ') });
  rows.push({ task: UNET_SAMPLING_TASK, runner: 'PyTorch CPU', value: null, unit: 'images/s', note: reasons.join('; ') });
}

/** The fixes plus the native kernels with or without the convolutions; false when the addon is unavailable. */
function installNativeKernelsFor(options: { conv: boolean }): boolean {
  if (loadNativeAddon() === null) return false;
  installWasmFixes({ native: false });
  return installNativeKernels({ conv: options.conv });
}

interface TorchResult {
  torch: string;
  threads: number;
  interop_threads: number;
  blas: string;
  blas_detail: string;
  train_steps_per_s: number;
  sampling_records_per_s: number;
  sampling_forward_passes_per_s: number;
}

/**
 * Python interpreters to try, in order: $SHAREBOX_PYTHON, the `python3` on PATH, then Debian's own
 * /usr/bin/python3 (where `apt-get install python3-torch` puts torch, even when PATH has a pyenv python first).
 */
function pythonCandidates(): string[] {
  const candidates = [process.env.SHAREBOX_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return [...new Set(candidates)];
}

/** Runs the PyTorch peer with the first interpreter that imports torch; null with the reason otherwise. */
function runTorchPeer(plan: BenchPlan, threads: number): { result: TorchResult | null; reason: string; python: string } {
  const script = path.join(repoRoot(), 'bench', 'torch_mlp_ddpm.py');
  const { warmup, steps, samplingPasses } = plan.runners.torch;
  const args = [
    script,
    ...['--train-steps', String(steps), '--warmup', String(warmup)],
    ...['--sampling-steps', String(samplingPasses), '--chain-steps', String(SAMPLING_CHAIN_STEPS)],
    ...['--threads', String(threads)],
  ];
  const reasons: string[] = [];
  for (const python of pythonCandidates()) {
    // stack.md §6: OPENBLAS_NUM_THREADS=1 with torch threads = cores; 2 + 2 threads was 3× slower on 2 cores.
    const child = spawnSync(python, args, {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
      timeout: 10 * 60 * 1000,
    });
    if (child.error) {
      reasons.push(`${python}: not runnable (${child.error.message})`);
      continue;
    }
    const lastLine = child.stdout.trim().split('\n').pop() ?? '';
    let parsed: (TorchResult & { error?: string }) | undefined;
    try {
      parsed = JSON.parse(lastLine);
    } catch {
      parsed = undefined;
    }
    if (child.status === 3 && parsed?.error) {
      reasons.push(`${python}: ${parsed.error}`);
      continue;
    }
    if (child.status !== 0 || parsed === undefined) {
      const lastError = child.stderr.trim().split('\n').pop() ?? '';
      return { result: null, reason: `${python} torch_mlp_ddpm.py exited ${child.status}: ${lastError}`, python };
    }
    return { result: parsed, reason: '', python };
  }
  return {
    result: null,
    reason: `${reasons.join('; ')} (apt-get install python3-torch libopenblas0-pthread to compare)`,
    python: '',
  };
}

/**
 * PyTorch rows at 1 thread (like tfjs wasm here, which runs XNNPACK single-threaded in Node) and at one thread
 * per core (what a user gets). Multi-threaded torch collapses when other processes load the cores (OpenMP
 * barriers spin): the 1-thread row is the stable comparison.
 */
function addTorchRows(plan: BenchPlan, rows: BenchRow[], environment: BenchEnvironment): void {
  const threadCounts = [...new Set([1, os.cpus().length])];
  for (const threads of threadCounts) {
    process.stderr.write(`bench: PyTorch peer, ${threads} thread(s)…\n`);
    const { result, reason, python } = runTorchPeer(plan, threads);
    if (result === null) {
      environment.torch = `skipped: ${reason}`;
      rows.push({ task: MLP_LABEL, runner: 'PyTorch CPU', value: null, unit: 'steps/s', note: reason });
      rows.push({ task: SAMPLING_LABEL, runner: 'PyTorch CPU', value: null, unit: 'records/s', note: reason });
      return;
    }
    const runner = `PyTorch ${result.torch} (${result.blas}, ${result.threads} thread${result.threads === 1 ? '' : 's'})`;
    environment.torch = `${result.torch} (${python})`;
    environment.torchBlas = result.blas_detail;
    environment.torchInteropThreads = result.interop_threads;
    environment.torchOpenblasNumThreads = '1';
    const { warmup, steps, samplingPasses } = plan.runners.torch;
    rows.push({ task: MLP_LABEL, runner, value: result.train_steps_per_s, unit: 'steps/s', note: `${steps} steps after ${warmup} warm-up` });
    rows.push({
      task: SAMPLING_LABEL,
      runner,
      value: result.sampling_records_per_s,
      unit: 'records/s',
      note: `${result.sampling_forward_passes_per_s.toFixed(1)} forward passes/s over ${samplingPasses} passes`,
    });
  }
}

/** DP-SGD against a plain step on the TabularDdpm MLP (bench/dpSgdStep.ts), on the default backend with its fixes. */
async function benchDpSgd(plan: BenchPlan, rows: BenchRow[]): Promise<void> {
  installWasmFixes();
  await useBackend('wasm');
  const steps = plan.runners.wasmNative.steps;
  const { plain, dp, slowdown } = await measureDpSgdCost(5, steps);
  const task = 'TabularDdpm train step, 110 × 3×256, batch 256';
  rows.push({ task, runner: 'plain (fixed batch)', value: plain, unit: 'steps/s', note: `${steps} steps after 5 warm-up` });
  rows.push({ task, runner: 'DP-SGD (Poisson q·N = 256, K = 1)', value: dp, unit: 'steps/s', note: `${slowdown.toFixed(2)}× a plain step (goal ≤ 2×)` });
}

/** A fine-tuning step (full, LoRA, class-embedding) against a training step of the same model (bench/fineTuneStep.ts). */
async function benchFineTune(plan: BenchPlan, rows: BenchRow[]): Promise<void> {
  installWasmFixes();
  await useBackend('wasm');
  const steps = plan.runners.wasmNative.steps;
  const m = await measureFineTuneTabular(steps);
  const task = 'TabularDdpm fine-tune step, 110 × 2×256, batch 256';
  rows.push({ task, runner: 'training (for comparison)', value: m.train, unit: 'steps/s', note: `${steps} steps after 30 warm-up` });
  for (const { method, stepsPerSecond, trainable } of m.methods) {
    rows.push({ task, runner: `fine-tune: ${method}`, value: stepsPerSecond, unit: 'steps/s', note: `${trainable} trainable parameters; ${(m.train / stepsPerSecond).toFixed(2)}× a training step` });
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const plan = quick ? QUICK_PLAN : DEFAULT_PLAN;
  const started = Date.now();
  const selected = await initBackend({ quiet: true });
  setWasmPaths(wasmBinaryDirectory()); // the wasm rows run even when tfjs-node was selected
  const withTensorflow = tfjsNodeLoads();
  const cpus = os.cpus();
  const environment: BenchEnvironment = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'default',
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    tfjs: tf.version.tfjs,
    selectedBackend: selected,
    tfjsNode: withTensorflow ? 'loads' : 'not installed (optional dependency)',
  };

  const rows: BenchRow[] = [];
  // `--unet`: only the U-Net rows (a minute or two), for working on the image model's kernels.
  const unetOnly = process.argv.includes('--unet');
  if (!unetOnly) {
    await benchTfjsMlp(plan, tfjsRunners(withTensorflow), rows);
    await benchKernels(plan, rows);
  }
  await benchUnet(plan, rows);
  if (!unetOnly) await benchDpSgd(plan, rows);
  if (!unetOnly) await benchFineTune(plan, rows);
  installWasmFixes();
  await useBackend('wasm');
  environment.wasm = `${describeBackend()}; XNNPACK threads ${getThreadsCount()}`;
  const addon = loadNativeAddon();
  environment.nativeKernels =
    addon === null
      ? `unavailable (${nativeAddonUnavailableReason()})`
      : `${addon.info().variant} GEMM (native/ addon, no BLAS), ${addon.info().threads} thread(s) by default; CPU AVX-512F ${addon.info().cpu.avx512f ? 'yes' : 'no'}`;
  if (!unetOnly) {
    addTorchRows(plan, rows, environment);
    // Last: it starts sharer and broker processes of its own, with the backend each party selects.
    await benchBrokerOverhead(rows, { records: quick ? 2000 : 8000, repeats: quick ? 1 : 3 });
  }
  environment.wallSeconds = Math.round((Date.now() - started) / 1000);

  process.stdout.write('\n');
  printEnvironment(environment);
  process.stdout.write('\n');
  printTable(rows);
  const file = writeResults('bench', rows, environment);
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), file)}\n`);
}

main().then(
  // The broker bench's gRPC channels may keep the event loop alive; the results are written.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
