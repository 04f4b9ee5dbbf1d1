import * as fs from 'fs';
import * as path from 'path';

/**
 * The project's root folder, found by walking up from this file. Works both from the TypeScript sources
 * (tests run them through swc) and from the compiled copy in dist/, which sit at different depths.
 */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if (JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'sharebox') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the sharebox package root above ${__dirname}`);
    dir = parent;
  }
}
