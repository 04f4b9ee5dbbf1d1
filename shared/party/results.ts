import type { EvidenceState } from '../external/evidence';
/**
 * The JSON results each party returns to the runner through Control.Result. They cross a process boundary,
 * so the referee treats them as data: these types document their shape.
 */
import type { ImagesPerClass } from '../data/sampleGrid';
import type { TableSchema } from '../data/table';
import type { DatasetLoadFacts } from '../data/loadDataset';
import type { ClassInfo } from '../grpc/records';
import type { ClassifierEvaluation } from '../metrics/fairnessReport';
import type { MoveEvidence } from '../moves/move';

export interface SharerResult {
  backend: string;
  /** What the sharer knows about its own training data (sharer/groundTruth.ts): the referee scores attacks against it. */
  trainingData: {
    rows: number;
    columns: string[];
    hiddenColumns: string[];
    /** Share of records with s = 1 (the privileged value of the sensitive attribute). */
    sensitiveShare: number;
    /** Share of records with y = 1. */
    positiveShare: number;
    /** Counts of the four (s, y) cells, keys "s0y0", "s0y1", "s1y0", "s1y1". */
    cells: Record<string, number>;
    /**
     * A csv dataset's loading (shared/data/loadDataset.ts): rows read, dropped by each filter and by missing values,
     * kept, and the parts of its split. Absent for other sources and in a membership game (the runner hands the members over).
     */
    loaded?: DatasetLoadFacts & { dataset: string };
  };
  model: {
    kind: string;
    cached: boolean;
    cacheKey: string;
    trainSeconds: number;
    losses: number[];
    finalLoss: number | null;
    /** Tabular models: the data the encoder was fitted on, the training set or `sharer.encoderData` (named in `encoderData`). */
    encoderFittedOn?: 'private' | 'public';
    encoderData?: string;
  };
  moves: unknown[];
  /** One entry per defence of sharer.defences (in order): its evidence, e.g. DP-SGD's accountant transcript. */
  defences?: Array<{ kind: string; index: number } & Record<string, unknown>>;
}

export interface BrokerResult {
  grants: string[];
  budgetSamplesTotal: number;
  budgetSamplesUsed: number;
  budgetSamplesLeft: number;
  auditRecords: number;
  auditLog: string;
  /** One entry per broker move (broker.defences, in order): what its link reports, for the move's scorer. */
  defences?: Array<{ kind: string; index: number } & Record<string, unknown>>;
  /** An external receiver's seat (docs/external-receiver.md): the evidence accepted and every Submit's outcome. */
  externalEvidence?: EvidenceState;
}

export interface DownstreamSummary {
  kind: string;
  trainRows: number;
  features: number;
  evaluation: ClassifierEvaluation;
  /**
   * The prediction (0/1) for each record of the receiver's test split, in its order: the referee compares
   * classifiers on the same records with them (paired intervals). Kept out of report.json.
   */
  testPredictions: number[];
}

export interface ReceiverResult {
  backend: string;
  describe: { access: string[]; modelKind: string; columns: string[]; classes: ClassInfo };
  draw: { plan: Array<{ classIndex: number; count: number }>; received: number; seconds: number; budgetSamplesLeft: number };
  testRows: number;
  /** Whether the test split was balanced into equal (s, y) cells (receiver.balanceTest). */
  testBalanced: boolean;
  downstream: Record<string, DownstreamSummary>;
  /**
   * The synthetic records (image records: their attributes and ink mass only, shared/data/imageTable.ts). Absent for an
   * external receiver (docs/external-receiver.md), whose draws are its own.
   */
  synthetic?: { schema: TableSchema; rows: number[][] };
  /** Image models: the first few synthetic images of each class (cli/sampleGrid.ts). */
  syntheticImages?: ImagesPerClass;
  /** One entry per move the receiver ran (receiver.attacks, in order): its raw evidence, for the move's scorer. */
  attacks?: Array<MoveEvidence & Record<string, unknown>>;
  /** An outside program took the receiver's seat (docs/external-receiver.md): the submission scored, and how many Submit calls came. */
  external?: { sha256: string; submissions: number };
  /** One entry per defence the receiver ran (receiver.defences, in order): its evidence, for the move's scorer. */
  defences?: Array<{ kind: string; index: number } & Record<string, unknown>>;
}
