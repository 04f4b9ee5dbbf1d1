/**
 * What the gray-box and white-box membership attacks may ask of the model (docs/mia.md). The receiver's
 * implementation goes through the broker (receiver/brokerClient.ts: GrayBox and WhiteBox RPCs, metered and
 * audited); tests implement it on an in-process model. Records are rows in the shared schema's column order
 * (label included); model-space states are rows of `schedule.modelWidth` floats with one class each.
 */
export interface ScheduleView {
  /** T: t runs over 0 … T−1. */
  timesteps: number;
  /** ᾱ_t. */
  alphaBars: number[];
  modelWidth: number;
  /** The timesteps the sharer's sampler visits, ascending (GrayBox.Trajectory); absent where no sampler is served. */
  samplerTimesteps?: number[];
}

export interface GrayBoxOracle {
  schedule: ScheduleView;
  /** The records in model coordinates, and the class each is conditioned on. */
  encode(rows: number[][]): Promise<{ x: Float32Array; classes: Int32Array }>;
  /** x̂₀ for every record at every timestep (rows record-major: record i, t k at row i·K + k), common noise per t. */
  predictX0AtTimesteps(rows: number[][], timesteps: number[], noiseSeed: number): Promise<Float32Array>;
  /** x̂₀(x_t, t, y) for model-space states, one t per state. */
  predictX0(xt: Float32Array, t: Int32Array, classes: Int32Array): Promise<Float32Array>;
  /**
   * GrayBox.Trajectory: `count` generations drawn as BlackBox.Sample draws them (of class `classIndex` when given),
   * with the chain's states x_t and, when asked, x̂₀ at `timesteps` (on `schedule.samplerTimesteps`), each
   * count × K × modelWidth, record-major (record i, timestep k at row i·K + k). Costs count × S.
   */
  trajectory(request: TrajectoryRequestView): Promise<{ states: Float32Array; predictedX0: Float32Array | null }>;
}

export interface TrajectoryRequestView {
  count: number;
  seed: number;
  classIndex?: number;
  timesteps: number[];
  includePredictedX0?: boolean;
}

export interface WhiteBoxOracle {
  schedule: ScheduleView;
  /** ‖ε − ε̂_θ(x_t, t)‖² / width per record and timestep (n × K, row-major), averaged over `draws` common-noise draws. */
  timestepLoss(rows: number[][], timesteps: number[], noiseSeed: number, draws: number): Promise<Float32Array>;
}
