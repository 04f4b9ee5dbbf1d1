/**
 * Shake-to-Leak's fine-tuning settings (Li et al., SaTML 2024, §5 and VITA-Group/Shake-to-Leak `scripts/lora_db.sh`;
 * docs/fine-tuning.md), the defaults of a fine-tune wherever one is specified: by the receiver's move, on the wire
 * (a 0 there means the default), in the broker's caps and in the sharer's fine-tuning code.
 */
export const FINE_TUNE_DEFAULTS = {
  /** Global-norm gradient clipping (S2L's max_grad_norm). */
  gradClipNorm: 1.0,
  /** LoRA rank r. */
  rank: 8,
  /** LoRA α: the update is scaled by α / r (PEFT's `lora_alpha / r`). */
  loraAlpha: 32,
} as const;

/**
 * The price of a fine-tune, in budget units per record per step: one forward and one backward pass (the backward
 * about two forwards). The broker charges steps × batch size × this; the receiver's moves count it in their cost.
 */
export const FINE_TUNE_UNITS_PER_RECORD_STEP = 3;
