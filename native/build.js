#!/usr/bin/env node
/**
 * Builds the native kernel addon (native/src, binding.gyp) with node-gyp. Run by the root `install` script, so
 * `npm install` and `npm ci` build it; also runnable by hand: `node native/build.js`.
 *
 * It NEVER fails the install: without a C++ compiler, Python, Node's headers or node-gyp, or on any build error, it
 * prints one line and exits 0, and shared/tf/native/load.ts then finds no addon and the wasm kernels run.
 * The full node-gyp output goes to native/build/build.log.
 *
 * Knobs: SHAREBOX_TF_NATIVE=0 skips the build; SHAREBOX_NATIVE_BUILD_VERBOSE=1 prints node-gyp's output.
 */
'use strict';

const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const nativeDir = __dirname;
const buildDir = path.join(nativeDir, 'build');
const addonFile = path.join(buildDir, 'Release', 'sharebox_native.node');
const logFile = path.join(buildDir, 'build.log');
const verbose = process.env.SHAREBOX_NATIVE_BUILD_VERBOSE === '1';

function say(line) {
  process.stdout.write(`sharebox: ${line}\n`);
}

function fallBack(reason) {
  say(`native kernels not built (${reason}); tfjs wasm kernels will be used. Details: native/build/build.log`);
  process.exit(0);
}

/** node-gyp's entry script: npm's own (set for lifecycle scripts), a local install, or the one bundled with npm. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [path.join(nativeDir, '..')] }));
  } catch {
    // not a dependency of the project
  }
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((c) => c && fs.existsSync(c));
}

/**
 * The headers of the running Node, so node-gyp never tries to download them (these machines are offline):
 * npm's `nodedir` setting when present, else the install prefix of this node when it ships include/node.
 */
function findNodeDir() {
  const configured = process.env.npm_config_nodedir;
  if (configured && fs.existsSync(path.join(configured, 'include', 'node', 'node_api.h'))) return configured;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return undefined;
}

function writeLog(text) {
  try {
    fs.mkdirSync(buildDir, { recursive: true });
    fs.writeFileSync(logFile, text);
  } catch {
    // the log is a convenience
  }
}

function main() {
  if (process.env.SHAREBOX_TF_NATIVE === '0') {
    say('native kernels not built (SHAREBOX_TF_NATIVE=0); tfjs wasm kernels will be used');
    return;
  }
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) {
    writeLog('node-gyp not found (neither npm_config_node_gyp, a local node-gyp, nor the one bundled with npm)\n');
    fallBack('node-gyp not found');
  }
  const args = [nodeGyp, 'rebuild', `--directory=${nativeDir}`, '--jobs=max'];
  const nodeDir = findNodeDir();
  if (nodeDir) args.push(`--nodedir=${nodeDir}`);

  const started = Date.now();
  const child = spawnSync(process.execPath, args, {
    cwd: nativeDir,
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
    env: { ...process.env, npm_config_loglevel: process.env.npm_config_loglevel || 'warn' },
    stdio: verbose ? 'inherit' : 'pipe',
  });
  const output = `$ ${process.execPath} ${args.join(' ')}\n${child.stdout || ''}${child.stderr || ''}`;
  writeLog(output);
  if (child.error) fallBack(`node-gyp could not run: ${child.error.message}`);
  if (child.status !== 0) {
    // The most telling line: the compiler's or gyp's first error.
    const lines = output.split('\n');
    const first =
      lines.find((l) => /error|not found|No such file|command not found/i.test(l) && !/^gyp (info|verb)/.test(l)) ||
      `node-gyp exited with ${child.status}`;
    fallBack(first.trim().slice(0, 160));
  }
  if (!fs.existsSync(addonFile)) fallBack(`node-gyp succeeded but ${path.relative(process.cwd(), addonFile)} is missing`);

  // Load it in a child process (a crash there must not take the install down) and run one tiny product.
  const check = spawnSync(
    process.execPath,
    [
      '-e',
      `const m = require(${JSON.stringify(addonFile)});
       const heap = new ArrayBuffer(64); const f = new Float32Array(heap);
       f.set([1, 2, 3, 4], 0); f.set([5, 6, 7, 8], 4);
       m.matmul(heap, 0, 16, 32, null, null, 1, 2, 2, 2, false, false, -1, 0, 0);
       const c = Array.from(f.subarray(8, 12));
       if (c.join() !== '19,22,43,50') throw new Error('wrong product ' + c);
       process.stdout.write(m.info().variant);`,
    ],
    { encoding: 'utf8', timeout: 60 * 1000 },
  );
  if (check.status !== 0) {
    const reason = (check.stderr || '').split('\n').find((l) => /Error/.test(l)) || `exit ${check.status}, signal ${check.signal}`;
    writeLog(`${output}\n--- load check failed ---\n${check.stdout || ''}${check.stderr || ''}`);
    try {
      fs.rmSync(addonFile); // never leave behind an addon that does not load or computes wrong
    } catch {
      // nothing to remove
    }
    fallBack(`the built addon failed its load check: ${reason.trim().slice(0, 160)}`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  say(`native kernels built (${check.stdout.trim()}, ${seconds} s): ${path.relative(path.join(nativeDir, '..'), addonFile)}`);
}

try {
  main();
} catch (error) {
  // Whatever happens, the install goes on.
  fallBack(error && error.message ? error.message.split('\n')[0] : String(error));
}
