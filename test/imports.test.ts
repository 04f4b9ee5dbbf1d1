/**
 * No import loops (issue 15, "rooms that tell the truth"): from every entry point (the CLI, the three parties, the
 * benches, the moves), no module reaches itself again, type-only imports included. dpdm reads the imports as
 * TypeScript does; its CLI runs in a child process (it is an ES module, which jest's CommonJS runtime cannot load).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { repoRoot } from '../shared/repoRoot';

const ENTRIES = ['cli/main.ts', 'sharer/main.ts', 'broker/main.ts', 'receiver/main.ts', 'bench/run.ts', 'bench/fpaWithoutGenerator.ts', 'receiver/moves/index.ts', 'sharer/moves/index.ts', 'broker/moves/index.ts'];

test('no module imports itself through others', () => {
  const dpdm = path.join(repoRoot(), 'node_modules', 'dpdm', 'lib', 'bin', 'dpdm.js');
  const run = spawnSync(process.execPath, [dpdm, '--no-warning', '--no-tree', '--no-progress', '--exit-code', 'circular:1', ...ENTRIES], {
    cwd: repoRoot(),
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  expect(run.stdout).toMatch(/Circular Dependencies/);
  expect({ status: run.status, cycles: run.stdout.split('\n').filter((l) => /^\s*\d+\)/.test(l)) }).toEqual({ status: 0, cycles: [] });
});
