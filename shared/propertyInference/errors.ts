/**
 * Property inference errors are values with context (style.md): a machine-readable `code` for callers that
 * branch on it (the runner turning a mis-specified attack into a scenario error), and a message that says
 * what was expected and what to do.
 */

export type PropertyInferenceErrorCode =
  /** The property spec itself is malformed (no column, K < 2, duplicate values, bad rule operator). */
  | 'invalid-property'
  /** The property's column is absent from a table that must carry it (aux data, or samples on the visible path). */
  | 'missing-column'
  /** A value named by the property is not a category of its column. */
  | 'missing-value'
  /** A feature column of the shared schema is absent from the aux data (or the samples). */
  | 'missing-feature'
  /** The aux data (train or held-out split) lacks one of the property's classes. */
  | 'single-class-aux'
  /** n exceeds the samples at hand or the sample budget, or is not a positive integer. */
  | 'sample-budget'
  /** Bad estimator options (eta outside (0, 1), ...). */
  | 'invalid-option'
  /** A pretrained discriminator's files are missing or inconsistent with its contract. */
  | 'pretrained-model';

export class PropertyInferenceError extends Error {
  readonly code: PropertyInferenceErrorCode;

  constructor(code: PropertyInferenceErrorCode, message: string) {
    super(`property inference: ${message}`);
    this.name = 'PropertyInferenceError';
    this.code = code;
  }
}
