/**
 * A saved model as a directory of two files: `model.json` (format, config, weight manifest `{ name, shape, offset }`
 * with offsets in floats, metadata) and `weights.bin` (every weight as float32 little-endian, in manifest order).
 *
 * Writes are atomic: both files are written and fsynced into a sibling `<dir>.tmp-<pid>-<time>-<n>` that is renamed
 * to `<dir>`; an existing `<dir>` is first renamed to `<dir>.old-…` and removed after, or put back if the swap
 * fails. A crash leaves the old model, the new one, or an ignorable sibling — never a half-written directory.
 * TabularDdpm and ImageDdpm both save through here.
 */
import { promises as fsp } from 'fs';
import * as path from 'path';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

interface ManifestEntry {
  name: string;
  shape: number[];
  offset: number;
}

let saveCounter = 0;

async function writeFileSynced(file: string, data: Buffer): Promise<void> {
  const handle = await fsp.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fsp.access(file);
    return true;
  } catch {
    return false;
  }
}

/** The manifest and the flat vector of `weights` (by name) in the order of `specs`: each weight after the previous. */
export function flattenWeights(specs: ReadonlyArray<{ name: string; shape: number[] }>, weights: Map<string, Float32Array>): { manifest: ManifestEntry[]; flat: Float32Array } {
  let offset = 0;
  const manifest = specs.map((spec) => {
    const entry = { name: spec.name, shape: [...spec.shape], offset };
    offset += (weights.get(spec.name) as Float32Array).length;
    return entry;
  });
  const flat = new Float32Array(offset);
  manifest.forEach((entry) => flat.set(weights.get(entry.name) as Float32Array, entry.offset));
  return { manifest, flat };
}

/** Writes `json` (which must hold `weights`: the manifest) and the flat weights into `dir`, atomically. */
export async function writeModelDirAtomic(dir: string, json: { weights: ManifestEntry[] }, flat: Float32Array, who: string): Promise<void> {
  const target = path.resolve(dir);
  const unique = `${process.pid}-${Date.now()}-${(saveCounter++).toString(36)}`;
  const tmp = `${target}.tmp-${unique}`;
  await fsp.mkdir(path.dirname(target), { recursive: true });
  await fsp.mkdir(tmp);
  let old: string | null = null;
  try {
    const bytes = Buffer.alloc(flat.length * 4);
    for (let i = 0; i < flat.length; i++) bytes.writeFloatLE(flat[i], i * 4);
    await writeFileSynced(path.join(tmp, WEIGHTS_BIN), bytes);
    await writeFileSynced(path.join(tmp, MODEL_JSON), Buffer.from(JSON.stringify({ ...json, weightsFile: WEIGHTS_BIN, byteOrder: 'little-endian' }, null, 2) + '\n'));
    try {
      await fsp.rename(tmp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EISDIR') throw err;
      old = `${target}.old-${unique}`;
      await fsp.rename(target, old);
      await fsp.rename(tmp, target);
    }
    if (old) await fsp.rm(old, { recursive: true, force: true });
  } catch (err) {
    if (old !== null && !(await exists(target))) await fsp.rename(old, target).catch(() => undefined);
    await fsp.rm(tmp, { recursive: true, force: true });
    throw new Error(`${who}: could not write ${target}: ${(err as Error).message}`);
  }
}

/** Reads a directory written by writeModelDirAtomic: the parsed model.json and the weights by name. */
export async function readModelDir(dir: string, who: string): Promise<{ json: Record<string, unknown>; weights: Map<string, Float32Array> }> {
  const target = path.resolve(dir);
  let json: { weights?: ManifestEntry[]; weightsFile?: string } & Record<string, unknown>;
  try {
    json = JSON.parse(await fsp.readFile(path.join(target, MODEL_JSON), 'utf8'));
  } catch (err) {
    throw new Error(`${who}: cannot read ${path.join(target, MODEL_JSON)}: ${(err as Error).message}`);
  }
  const weightsFile = json.weightsFile ?? WEIGHTS_BIN;
  if (path.basename(weightsFile) !== weightsFile) throw new Error(`${who}: ${MODEL_JSON} names weights file "${weightsFile}"; expected a file inside ${target}`);
  if (!Array.isArray(json.weights)) throw new Error(`${who}: ${path.join(target, MODEL_JSON)} has no weight manifest`);
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path.join(target, weightsFile));
  } catch (err) {
    throw new Error(`${who}: cannot read ${path.join(target, weightsFile)}: ${(err as Error).message}`);
  }
  const weights = new Map<string, Float32Array>();
  for (const w of json.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if ((w.offset + size) * 4 > bytes.length) {
      throw new Error(`${who}: ${path.join(target, weightsFile)} is truncated (weight "${w.name}" ends past ${bytes.length} bytes)`);
    }
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = bytes.readFloatLE((w.offset + i) * 4);
    weights.set(w.name, values);
  }
  return { json, weights };
}

/** `readModelDir` for a model of `format` v`version`: anything else is an error naming what the folder holds. */
export async function readModelDirOfFormat(
  dir: string,
  who: string,
  format: string,
  version: number,
): Promise<{ json: Record<string, unknown>; weights: Map<string, Float32Array> }> {
  const read = await readModelDir(dir, who);
  if (read.json.format !== format || read.json.version !== version) {
    throw new Error(`${who}: ${path.resolve(dir)} holds format "${String(read.json.format)}" v${String(read.json.version)}, expected ${format} v${version}`);
  }
  return read;
}
