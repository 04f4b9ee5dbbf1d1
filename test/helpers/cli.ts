/** Runs the compiled CLI (`npm test` builds dist/ first) as a user would, collecting its output. */
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';
import { repoRoot } from '../../shared/repoRoot';

export const CLI = path.join(repoRoot(), 'dist', 'cli', 'main.js');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `onStderr` sees the stderr so far after each chunk, with the child (to signal it mid-run). */
export function runCli(args: string[], onStderr?: (text: string, child: ChildProcess) => void, env: NodeJS.ProcessEnv = process.env): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
