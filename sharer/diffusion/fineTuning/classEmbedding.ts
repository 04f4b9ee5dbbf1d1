/**
 * The class-embedding method, the analogue of textual inversion (Gal et al. 2023) for a class-conditional DDPM: a new
 * row is added to the class embedding `class/E` and is the only thing that trains. The table has one row per class
 * and the null class of classifier-free guidance last; the new class takes id C (the old null index) and the null
 * row moves, unchanged, to C + 1, so the copy has numClasses + 1 classes and unconditional ε̂ is the base's. The new
 * row starts as a copy of the row of the class the fine-tuning records carry (they must all carry one class c), and
 * the records are relabelled to C.
 *
 * The row is a variable of its own: the loop differentiates class/E, takes the new row's gradient as the row's, and
 * after Adam's update writes [rows 0 … C−1, new row, null row] back into class/E, so every other row stays bit for bit.
 */
import { tf } from '../../../shared/tf';
import type { FineTuningStep } from '../trainingLoop';
import { CLASS_EMBEDDING } from './weightSelection';
import { copyWeights, type MethodSetup } from './setup';
import { WHO } from './spec';

/** The one class all fine-tuning labels carry, or an error saying what was found. */
export function singleLabelClass(labels: Int32Array | null, numClasses: number): number {
  if (numClasses < 1) throw new Error(`${WHO}: method class-embedding needs a class-conditional model (numClasses ≥ 1), got numClasses = ${numClasses}`);
  if (labels === null || labels.length === 0) throw new Error(`${WHO}: method class-embedding needs labels (one class for every record), got none`);
  const c = labels[0];
  const other = labels.findIndex((y) => y !== c);
  if (other >= 0) throw new Error(`${WHO}: labels must all be one class for method class-embedding, got ${c} (record 0) and ${labels[other]} (record ${other})`);
  if (!(Number.isInteger(c) && c >= 0 && c < numClasses)) throw new Error(`${WHO}: label ${c} is outside [0, ${numClasses}) (numClasses)`);
  return c;
}

export const setUpClassEmbedding: MethodSetup = (base, labels, _spec) => {
  const C = base.numClasses;
  const c = singleLabelClass(labels, C);
  const index = base.specs.findIndex((s) => s.name === CLASS_EMBEDDING);
  if (index < 0) throw new Error(`${WHO}: the model has no ${CLASS_EMBEDDING} weight for method class-embedding`);
  const [rows, width] = base.specs[index].shape;
  if (rows !== C + 1) throw new Error(`${WHO}: ${CLASS_EMBEDDING} has ${rows} rows, expected numClasses + 1 = ${C + 1}`);
  const E = base.weights.get(CLASS_EMBEDDING)!;
  // (C + 2) × width: the classes, the new class (a copy of class c), the null class.
  const grown = new Float32Array((C + 2) * width);
  grown.set(E.subarray(0, C * width));
  grown.set(E.subarray(c * width, (c + 1) * width), C * width);
  grown.set(E.subarray(C * width, (C + 1) * width), (C + 1) * width);
  const startWeights = copyWeights(base.weights);
  startWeights.set(CLASS_EMBEDDING, grown);

  const classes = tf.tensor2d(grown.subarray(0, C * width), [C, width]);
  const nullRow = tf.tensor2d(grown.subarray((C + 1) * width), [1, width]);
  const row = tf.tidy(() => tf.variable(tf.tensor2d(grown.subarray(C * width, (C + 1) * width), [1, width]), true));
  const step: FineTuningStep = {
    weightIndices: [index],
    parameterGradients: ([G]) => [{ name: row.name, tensor: tf.slice(G, [C, 0], [1, width]) }],
    afterUpdate: ([weight]) => weight.assign(tf.concat([classes, row, nullRow], 0)),
  };
  return {
    startWeights,
    numClasses: C + 1,
    labels: new Int32Array(labels!.length).fill(C),
    step,
    adaptedWeights: [CLASS_EMBEDDING],
    trainableParameters: width,
    newClass: C,
    // The new row itself (its start is the base's row c, which the base already fixes).
    lineage: (final) => [{ name: `${CLASS_EMBEDDING}/row${C}`, shape: [width], values: Float32Array.from(final.get(CLASS_EMBEDDING)!.subarray(C * width, (C + 1) * width)) }],
    dispose: () => {
      classes.dispose();
      nullRow.dispose();
      row.dispose();
    },
  };
};
