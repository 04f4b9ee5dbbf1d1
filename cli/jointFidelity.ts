/**
 * The referee's joint fidelity (issue 21): beyond the marginals, does the synthetic data keep how the columns go
 * together? Three sections of `fidelity`, each beside its baseline (docs/metrics.md, "Joint fidelity"):
 * - `joint`: every pair's dependence, real against synthetic, beside two halves of the real records;
 * - `dependence`: the task's S–Y dependence of the records (label DP gap), synthetic against real, with intervals;
 * - `detection`: a classifier's held-out AUC telling synthetic from real records, beside chance and real halves.
 * The inputs are the receiver's synthetic records and the sharer's real training records, both as the referee has
 * them (image records summarised: attributes and ink mass).
 */
import { binaryColumn, selectRows, type Table, type TaskSpec } from '../shared/data/table';
import { dataParityGapComparison, type DataParityGapComparison } from '../shared/metrics/dataParityGap';
import { jointFidelity, type JointFidelity } from '../shared/metrics/jointFidelity';
import { DEFAULT_DETECTION_EPOCHS, DETECTION_CLASSIFIER, detectionAuc, type DetectionResult } from '../shared/evaluation/detection';
import { deriveSeed, Rng } from '../shared/random';

export type DependenceSection = DataParityGapComparison | { unavailable: string };

export interface DetectionSection {
  classifier: string;
  epochs: number;
  /** Synthetic (label 1) against the real training records (label 0). */
  syntheticVsReal: DetectionResult;
  /** Two disjoint random halves of the real records against each other: what the test gives with nothing to detect. */
  realHalves: DetectionResult | null;
  /** The AUC of a detector that cannot tell the sets apart. */
  chance: 0.5;
}

export interface JointFidelitySections {
  joint: JointFidelity;
  dependence: DependenceSection;
  detection: DetectionSection;
}

/** Two disjoint random halves of `table` of equal size (the odd record out is left out). */
function realHalves(table: Table, rng: Rng): [Table, Table] {
  const order = rng.shuffle(Array.from({ length: table.rows.length }, (_, i) => i));
  const half = Math.floor(order.length / 2);
  return [selectRows(table, order.slice(0, half)), selectRows(table, order.slice(half, 2 * half))];
}

function dependenceSection(synthetic: Table, real: Table, task: TaskSpec, rng: Rng): DependenceSection {
  for (const column of [task.label, task.sensitive]) {
    if (!synthetic.schema.columns.some((c) => c.name === column)) {
      return { unavailable: `the synthetic records have no column "${column}" (hidden by the sharer, sharer.hideColumns)` };
    }
  }
  const labelAndGroup = (t: Table) => ({ y: binaryColumn(t, task.label, task.positive), s: binaryColumn(t, task.sensitive, task.privileged) });
  return dataParityGapComparison(labelAndGroup(synthetic), labelAndGroup(real), rng);
}

/**
 * Fewer records on a side than this and the sections are left out (null): a detector held out on 3 records, or a
 * correlation of 5, says nothing, and a receiver that drew almost nothing must not stop the referee.
 */
export const MIN_RECORDS_PER_SIDE = 10;

export async function jointFidelitySections(
  synthetic: Table,
  real: Table,
  task: TaskSpec,
  seed: number,
  onProgress: (message: string) => void,
): Promise<JointFidelitySections | null> {
  if (synthetic.rows.length < MIN_RECORDS_PER_SIDE || real.rows.length < MIN_RECORDS_PER_SIDE) return null;
  onProgress('referee: pairwise dependences and the S–Y dependence, synthetic against real');
  const joint = jointFidelity(synthetic, real, new Rng(deriveSeed(seed, 'fidelity/joint/halves')));
  const dependence = dependenceSection(synthetic, real, task, new Rng(deriveSeed(seed, 'fidelity/dependence')));
  onProgress('referee: detection, a classifier telling synthetic from real records');
  const syntheticVsReal = await detectionAuc(synthetic, real, { seed: deriveSeed(seed, 'fidelity/detection') });
  const [halfA, halfB] = realHalves(real, new Rng(deriveSeed(seed, 'fidelity/detection/halves')));
  const halves = halfA.rows.length >= 2 ? await detectionAuc(halfA, halfB, { seed: deriveSeed(seed, 'fidelity/detection/real-halves') }) : null;
  return {
    joint,
    dependence,
    detection: {
      classifier: `${DETECTION_CLASSIFIER.kind} [${DETECTION_CLASSIFIER.hidden.join(', ')}]`,
      epochs: DEFAULT_DETECTION_EPOCHS,
      syntheticVsReal,
      realHalves: halves,
      chance: 0.5,
    },
  };
}
