/**
 * `npm run bench [-- --quick]`: how fast each tfjs backend trains and samples the tabular DDPM denoiser, against
 * PyTorch on the same machine in the same run (stack.md §4). Prints a table and writes
 * bench/results/bench-<timestamp>.json.
 *
 * Rows: (a) MLP train steps/s on tfjs cpu, wasm stock, wasm + fixes (and tfjs-node when it loads);
 * (b) sampling throughput (256 records × 200 denoising passes); (c) the PyTorch peer (skipped with a note when
 * `import torch` fails); plus the kernel-level figures behind the fixes (matmul GFLOP/s per transpose, conv
 * filter gradient ms).
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { describeBackend, initBackend, installWasmFixes, tf, uninstallWasmFixes, wasmBinaryDirectory } from '../shared/tf';
import { installConv2DBackpropFilter, uninstallConv2DBackpropFilter } from '../shared/tf/conv2dBackpropFilter';
import { repoRoot } from '../shared/repoRoot';
import { BenchEnvironment, BenchRow, printEnvironment, printTable, writeResults } from './table';
import { measureConvFilterGradMs, measureMatMulGflops, measureSampling, measureTrainStepsPerSecond, MLP_SHAPE } from './tfjsMlpDdpm';

/** Step counts per runner, chosen so each measurement takes a few seconds (default run < 3 minutes). */
interface BenchPlan {
  samplingSteps: number;
  train: Record<'cpu' | 'wasmStock' | 'wasmFixed' | 'tensorflow' | 'torch', { warmup: number; steps: number }>;
  matMulRepeats: number;
  convRepeats: number;
}

const DEFAULT_PLAN: BenchPlan = {
  samplingSteps: 200,
  train: {
    cpu: { warmup: 2, steps: 10 },
    wasmStock: { warmup: 3, steps: 40 },
    wasmFixed: { warmup: 5, steps: 200 },
    tensorflow: { warmup: 5, steps: 200 },
    torch: { warmup: 5, steps: 300 },
  },
  matMulRepeats: 20,
  convRepeats: 3,
};

const QUICK_PLAN: BenchPlan = {
  samplingSteps: 20,
  train: {
    cpu: { warmup: 1, steps: 2 },
    wasmStock: { warmup: 1, steps: 5 },
    wasmFixed: { warmup: 2, steps: 20 },
    tensorflow: { warmup: 2, steps: 20 },
    torch: { warmup: 2, steps: 30 },
  },
  matMulRepeats: 3,
  convRepeats: 1,
};

const MLP_LABEL = `MLP DDPM train (${MLP_SHAPE.features}+${MLP_SHAPE.timeEmbedding}→3×${MLP_SHAPE.hidden}→${MLP_SHAPE.features}, batch ${MLP_SHAPE.batch}, Adam)`;

/** A tfjs configuration to measure: which backend, with or without our wasm kernel fixes. */
interface TfjsRunner {
  label: string;
  planKey: keyof BenchPlan['train'];
  activate: () => Promise<void>;
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
        installWasmFixes();
        await useBackend('wasm');
      },
    },
  ];
  if (withTensorflow) runners.push({ label: 'tfjs-node', planKey: 'tensorflow', activate: () => useBackend('tensorflow') });
  return runners;
}

async function benchTfjsMlp(plan: BenchPlan, runners: TfjsRunner[], rows: BenchRow[]): Promise<void> {
  for (const runner of runners) {
    await runner.activate();
    const { warmup, steps } = plan.train[runner.planKey];
    process.stderr.write(`bench: ${runner.label} [${describeBackend()}]: MLP train ${steps} steps…\n`);
    const trainRate = measureTrainStepsPerSecond(warmup, steps);
    rows.push({ task: MLP_LABEL, runner: runner.label, value: trainRate, unit: 'steps/s', note: `${steps} steps after ${warmup} warm-up` });
    process.stderr.write(`bench: ${runner.label}: sampling ${plan.samplingSteps} passes…\n`);
    const sampling = measureSampling(plan.samplingSteps);
    rows.push({
      task: `sampling (${MLP_SHAPE.batch} records × ${plan.samplingSteps} denoising passes)`,
      runner: runner.label,
      value: sampling.recordsPerSecond,
      unit: 'records/s',
      note: `${sampling.forwardPassesPerSecond.toFixed(1)} forward passes/s`,
    });
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
  for (const fixed of [false, true]) {
    if (fixed) installWasmFixes();
    else uninstallWasmFixes();
    await useBackend('wasm');
    for (const [tA, tB] of transposes) {
      rows.push({
        task: `matMul ${n}×${n}×${n} transposeA=${tA} transposeB=${tB}`,
        runner: fixed ? 'tfjs wasm + fixes' : 'tfjs wasm (stock)',
        value: measureMatMulGflops(n, tA, tB, plan.matMulRepeats),
        unit: 'GFLOP/s',
      });
    }
  }

  const xShape: [number, number, number, number] = [16, 28, 28, 16];
  const filterShape: [number, number, number, number] = [3, 3, 16, 16];
  const task = `conv2d filter gradient x[${xShape}] filter[${filterShape}] same`;
  rows.push({ task, runner: 'tfjs wasm (stock)', value: null, unit: 'ms', note: 'wasm has no Conv2DBackpropFilter kernel' });
  installWasmFixes();
  await useBackend('wasm');
  rows.push({ task, runner: 'tfjs wasm + fixes', value: measureConvFilterGradMs(xShape, filterShape, plan.convRepeats), unit: 'ms' });
  await useBackend('cpu');
  uninstallConv2DBackpropFilter('cpu');
  rows.push({ task, runner: 'tfjs cpu (stock)', value: measureConvFilterGradMs(xShape, filterShape, plan.convRepeats), unit: 'ms' });
  installConv2DBackpropFilter('cpu');
  rows.push({ task, runner: 'tfjs cpu + conv fix', value: measureConvFilterGradMs(xShape, filterShape, plan.convRepeats), unit: 'ms' });
}

interface TorchResult {
  torch: string;
  threads: number;
  interop_threads: number;
  blas: string;
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
function runTorchPeer(plan: BenchPlan): { result: TorchResult | null; reason: string; python: string } {
  const script = path.join(repoRoot(), 'bench', 'torch_mlp_ddpm.py');
  const threads = os.cpus().length;
  const { warmup, steps } = plan.train.torch;
  const args = [script, '--train-steps', String(steps), '--warmup', String(warmup), '--sampling-steps', String(plan.samplingSteps), '--threads', String(threads)];
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

function addTorchRows(plan: BenchPlan, rows: BenchRow[], environment: BenchEnvironment): void {
  process.stderr.write('bench: PyTorch peer…\n');
  const { result, reason, python } = runTorchPeer(plan);
  const samplingTask = `sampling (${MLP_SHAPE.batch} records × ${plan.samplingSteps} denoising passes)`;
  if (result === null) {
    environment.torch = `skipped: ${reason}`;
    rows.push({ task: MLP_LABEL, runner: 'PyTorch CPU', value: null, unit: 'steps/s', note: reason });
    rows.push({ task: samplingTask, runner: 'PyTorch CPU', value: null, unit: 'records/s', note: reason });
    return;
  }
  const runner = `PyTorch ${result.torch} (${result.blas}, ${result.threads} threads)`;
  environment.torch = `${result.torch} (${python})`;
  environment.torchBlas = result.blas;
  environment.torchThreads = result.threads;
  environment.torchInteropThreads = result.interop_threads;
  environment.torchOpenblasNumThreads = '1';
  const { warmup, steps } = plan.train.torch;
  rows.push({ task: MLP_LABEL, runner, value: result.train_steps_per_s, unit: 'steps/s', note: `${steps} steps after ${warmup} warm-up` });
  rows.push({
    task: samplingTask,
    runner,
    value: result.sampling_records_per_s,
    unit: 'records/s',
    note: `${result.sampling_forward_passes_per_s.toFixed(1)} forward passes/s`,
  });
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
  await benchTfjsMlp(plan, tfjsRunners(withTensorflow), rows);
  await benchKernels(plan, rows);
  installWasmFixes();
  await useBackend('wasm');
  environment.wasm = `${describeBackend()}; XNNPACK threads ${getThreadsCount()}`;
  addTorchRows(plan, rows, environment);
  environment.wallSeconds = Math.round((Date.now() - started) / 1000);

  process.stdout.write('\n');
  printEnvironment(environment);
  process.stdout.write('\n');
  printTable(rows);
  const file = writeResults('bench', rows, environment);
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), file)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
