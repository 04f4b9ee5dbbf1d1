/**
 * A python3 that can run examples/python-receiver: it must import grpc, grpc_tools and numpy (Debian's python3-grpcio,
 * python3-grpc-tools, python3-numpy; .ci/run installs them). The python3 first on PATH may be another one (a pyenv
 * shim without grpc), so the system's is tried too. Throws, naming what to install, when none can.
 */
import { execFileSync } from 'child_process';

const CANDIDATES = [process.env.SHAREBOX_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));

let found: string | null = null;

export function pythonWithGrpc(): string {
  if (found) return found;
  for (const candidate of CANDIDATES) {
    try {
      execFileSync(candidate, ['-c', 'import grpc, grpc_tools, numpy'], { stdio: 'ignore' });
      found = candidate;
      return candidate;
    } catch {
      /* next */
    }
  }
  throw new Error(`no python3 with grpc, grpc_tools and numpy among ${CANDIDATES.join(', ')}: apt-get install python3-grpcio python3-grpc-tools python3-numpy (or set SHAREBOX_PYTHON)`);
}
