/**
 * The "no aux data" route (Luo et al. 2024 §3.3(b) uses CLIP zero-shot on images): a discriminator someone
 * trained elsewhere, loaded from disk as a tfjs LayersModel. The tabular contract, one directory:
 *
 *   model.json + weight shards       tf.LayersModel in the tfjs layers format (what model.save writes).
 *                                    Input: [n, encoder.width] floats, the records encoded by the encoder below.
 *                                    Output: [n, K] class scores (argmax is the class) or, for a binary property,
 *                                    [n, 1] P(class 1), thresholded at 0.5.
 *   sharebox-discriminator.json      { version: 1, property: PropertySpec, outcomes: string[K],
 *                                      encoder: TableEncoderJSON (TableEncoder.toJSON()),
 *                                      calibration?: { counts: number[][] } }  counts[t][k] on labelled records
 *                                    the model never trained on; without it the error is unknown and the
 *                                    estimator reports the raw p̂ with no correction (like the paper's CLIP runs).
 *
 * Plain @tensorflow/tfjs (tfjs-node is not installable here) has no file:// loader: `tf.loadLayersModel(
 * 'file://…')` throws because no IO router claims the scheme. `fileSystemModelHandler` is that missing
 * IOHandler, built on fs: it loads and saves model.json and a single weights.bin.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { TableEncoder } from '../../../shared/data/encoder';
import type { Table } from '../../../shared/data/table';
import { tf } from '../../../shared/tf';
import { calibrationFromPredictions, type DiscriminatorCalibration, type PropertyDiscriminator } from './discriminator';
import { PropertyInferenceError } from '../../../shared/propertyInference/errors';
import { describeProperty, resolveProperty, type PropertySpec } from '../../../shared/propertyInference/property';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const DISCRIMINATOR_SIDECAR = 'sharebox-discriminator.json';

export interface PretrainedDiscriminatorSidecar {
  version: 1;
  property: PropertySpec;
  outcomes: string[];
  encoder: unknown;
  calibration?: { counts: number[][] };
}

/** 'file:///a/b' or '/a/b' → '/a/b'. */
export function filePathFromUrl(pathOrUrl: string): string {
  return pathOrUrl.startsWith('file://') ? pathOrUrl.slice('file://'.length) : pathOrUrl;
}

/** An fs-backed tf.io.IOHandler for a model directory (model.json + weight files named in its manifest). */
export function fileSystemModelHandler(directory: string): tf.io.IOHandler {
  const dir = filePathFromUrl(directory);
  return {
    load: async () => {
      const modelPath = path.join(dir, MODEL_JSON);
      let modelJSON: tf.io.ModelJSON;
      try {
        modelJSON = JSON.parse(await fs.readFile(modelPath, 'utf8')) as tf.io.ModelJSON;
      } catch (error) {
        throw new PropertyInferenceError('pretrained-model', `cannot read ${modelPath}: ${error instanceof Error ? error.message : String(error)}`);
      }
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const shard of group.paths) {
            const bytes = await fs.readFile(path.join(dir, shard));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
    save: async (artifacts) => {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new PropertyInferenceError('pretrained-model', 'fileSystemModelHandler saves layers models (JSON topology) only');
      }
      await fs.mkdir(dir, { recursive: true });
      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) modelJSON.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
      await fs.writeFile(path.join(dir, WEIGHTS_BIN), Buffer.from(weightData));
      await fs.writeFile(path.join(dir, MODEL_JSON), JSON.stringify(modelJSON));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weightData.byteLength } };
    },
  };
}

/** tf.loadLayersModel for 'file://…' URLs or plain paths, through fileSystemModelHandler. */
export function loadLayersModelFromFile(pathOrUrl: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileSystemModelHandler(pathOrUrl));
}

/** Writes a model and its sidecar in the layout loadPretrainedDiscriminator reads. */
export async function savePretrainedDiscriminator(model: tf.LayersModel, directory: string, sidecar: PretrainedDiscriminatorSidecar): Promise<void> {
  await model.save(fileSystemModelHandler(directory));
  await fs.writeFile(path.join(filePathFromUrl(directory), DISCRIMINATOR_SIDECAR), JSON.stringify(sidecar, null, 2));
}

/** Loads the contract above into a PropertyDiscriminator of kind 'pretrained'. */
export async function loadPretrainedDiscriminator(pathOrUrl: string): Promise<PropertyDiscriminator> {
  const dir = filePathFromUrl(pathOrUrl);
  const sidecarPath = path.join(dir, DISCRIMINATOR_SIDECAR);
  let sidecar: PretrainedDiscriminatorSidecar;
  try {
    sidecar = JSON.parse(await fs.readFile(sidecarPath, 'utf8')) as PretrainedDiscriminatorSidecar;
  } catch (error) {
    throw new PropertyInferenceError('pretrained-model', `cannot read ${sidecarPath}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (sidecar.version !== 1 || !sidecar.property || !Array.isArray(sidecar.outcomes) || sidecar.outcomes.length < 2) {
    throw new PropertyInferenceError('pretrained-model', `${sidecarPath}: expected { version: 1, property, outcomes: [≥ 2 labels], encoder }`);
  }
  const encoder = TableEncoder.fromJSON(sidecar.encoder);
  const k = sidecar.outcomes.length;
  const model = await loadLayersModelFromFile(dir);
  const outputShape = model.outputs[0].shape;
  const width = outputShape[outputShape.length - 1];
  if (!(width === k || (k === 2 && width === 1))) {
    model.dispose();
    throw new PropertyInferenceError('pretrained-model', `${dir}: the model outputs ${width} scores per record but the sidecar lists ${k} outcomes`);
  }
  let calibration: DiscriminatorCalibration | null = null;
  const counts = sidecar.calibration?.counts;
  if (counts) {
    if (counts.length !== k || counts.some((row) => row.length !== k)) {
      model.dispose();
      throw new PropertyInferenceError('pretrained-model', `${sidecarPath}: calibration.counts must be ${k} × ${k}`);
    }
    const truth: number[] = [];
    const predicted: number[] = [];
    counts.forEach((row, t) => row.forEach((c, q) => {
      for (let i = 0; i < c; i++) {
        truth.push(t);
        predicted.push(q);
      }
    }));
    calibration = calibrationFromPredictions(truth, predicted, k);
  }
  const featureColumns = encoder.schema.columns.map((c) => c.name);
  return {
    kind: 'pretrained',
    property: sidecar.property,
    outcomes: sidecar.outcomes,
    featureColumns,
    calibration,
    classify: (samples: Table) => {
      for (const name of featureColumns) {
        if (!samples.schema.columns.some((c) => c.name === name)) {
          throw new PropertyInferenceError('missing-feature', `samples lack the column "${name}" the pretrained discriminator for ${describeProperty(sidecar.property)} reads`);
        }
      }
      const x = encoder.encode(samples);
      const scores = tf.tidy(() => (model.predict(tf.tensor2d(x, [samples.rows.length, encoder.width])) as tf.Tensor).dataSync());
      const out = new Int32Array(samples.rows.length);
      for (let i = 0; i < out.length; i++) {
        if (width === 1) {
          out[i] = scores[i] >= 0.5 ? 1 : 0;
          continue;
        }
        let best = 0;
        for (let c = 1; c < width; c++) if (scores[i * width + c] > scores[i * width + best]) best = c;
        out[i] = best;
      }
      return out;
    },
    dispose: () => model.dispose(),
  };
}

/** Checks that a sidecar's property and outcomes agree with a labelled table's schema (used when calibrating). */
export function checkSidecarAgainst(sidecar: PretrainedDiscriminatorSidecar, table: Table, what: string): void {
  const resolved = resolveProperty(sidecar.property, table.schema, what);
  if (resolved.outcomes.join('\u0000') !== sidecar.outcomes.join('\u0000')) {
    throw new PropertyInferenceError(
      'pretrained-model',
      `${what}: the property resolves to outcomes [${resolved.outcomes.join(', ')}] but the sidecar lists [${sidecar.outcomes.join(', ')}]`,
    );
  }
}
