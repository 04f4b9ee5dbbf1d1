// Element-wise kernels written as plain loops that the compiler vectorises; compiled once per instruction set
// (elementwise_avx2.cc, elementwise_generic.cc) inside namespace SB_ISA_NS, like gemm_impl.h.
//
// Semantics follow tfjs' cpu backend: NaN propagates through relu, step and the arithmetic; step(x) is 1 for
// x > 0, alpha otherwise, NaN for NaN.

#ifndef SB_ISA_NS
#error "define SB_ISA_NS before including elementwise_impl.h"
#endif

namespace sharebox_native {
namespace SB_ISA_NS {

template <int OP>
static inline float apply2(float x, float y) {
  if (OP == BIN_ADD) return x + y;
  if (OP == BIN_SUB) return x - y;
  if (OP == BIN_MUL) return x * y;
  if (OP == BIN_DIV) return x / y;
  const float d = x - y;  // BIN_SQUARED_DIFFERENCE
  return d * d;
}

template <int OP>
static void binaryOp(const float* __restrict a, long aSize, const float* __restrict b, long bSize, float* __restrict out,
                     long outSize) {
  if (aSize == outSize && bSize == outSize) {
    for (long i = 0; i < outSize; i++) out[i] = apply2<OP>(a[i], b[i]);
  } else if (bSize == 1) {
    const float y = b[0];
    for (long i = 0; i < aSize; i++) out[i] = apply2<OP>(a[i], y);
  } else if (aSize == 1) {
    const float x = a[0];
    for (long i = 0; i < bSize; i++) out[i] = apply2<OP>(x, b[i]);
  } else if (aSize == outSize) {
    // b is a row repeated over a's leading dims (e.g. a bias [N] added to [M, N]).
    for (long r = 0; r < outSize; r += bSize) {
      const float* __restrict ar = a + r;
      float* __restrict o = out + r;
      for (long j = 0; j < bSize; j++) o[j] = apply2<OP>(ar[j], b[j]);
    }
  } else {
    for (long r = 0; r < outSize; r += aSize) {
      const float* __restrict br = b + r;
      float* __restrict o = out + r;
      for (long j = 0; j < aSize; j++) o[j] = apply2<OP>(a[j], br[j]);
    }
  }
}

static void binary(int op, const float* a, long aSize, const float* b, long bSize, float* out, long outSize) {
  switch (op) {
    case BIN_ADD: return binaryOp<BIN_ADD>(a, aSize, b, bSize, out, outSize);
    case BIN_SUB: return binaryOp<BIN_SUB>(a, aSize, b, bSize, out, outSize);
    case BIN_MUL: return binaryOp<BIN_MUL>(a, aSize, b, bSize, out, outSize);
    case BIN_DIV: return binaryOp<BIN_DIV>(a, aSize, b, bSize, out, outSize);
    default: return binaryOp<BIN_SQUARED_DIFFERENCE>(a, aSize, b, bSize, out, outSize);
  }
}

static void unary(int op, const float* __restrict x, float* __restrict out, long size, float alpha) {
  switch (op) {
    case UN_SQRT:
      for (long i = 0; i < size; i++) out[i] = __builtin_sqrtf(x[i]);
      break;
    case UN_SQUARE:
      for (long i = 0; i < size; i++) out[i] = x[i] * x[i];
      break;
    case UN_RELU:
      // NaN stays NaN (a max instruction would drop it) and −0 becomes +0, as on the cpu backend.
      for (long i = 0; i < size; i++) {
        const float v = x[i];
        out[i] = v > 0.0f ? v : (v != v ? v : 0.0f);
      }
      break;
    case UN_STEP:
      for (long i = 0; i < size; i++) {
        const float v = x[i];
        out[i] = v > 0.0f ? 1.0f : (v != v ? v : alpha);
      }
      break;
    case UN_NEG:
      for (long i = 0; i < size; i++) out[i] = -x[i];
      break;
    default:  // UN_ABS
      for (long i = 0; i < size; i++) out[i] = __builtin_fabsf(x[i]);
      break;
  }
}

static void sum(const float* __restrict x, long outer, long inner, bool columns, float* __restrict out) {
  if (columns) {
    for (long j = 0; j < inner; j++) out[j] = 0.0f;
    for (long i = 0; i < outer; i++) {
      const float* __restrict row = x + i * inner;
      for (long j = 0; j < inner; j++) out[j] += row[j];
    }
  } else {
    // Eight interleaved partial sums: vectorisable without -ffast-math, and more accurate than one running sum.
    for (long i = 0; i < outer; i++) {
      const float* __restrict row = x + i * inner;
      float part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      long j = 0;
      for (; j + 8 <= inner; j += 8) {
        for (int l = 0; l < 8; l++) part[l] += row[j + l];
      }
      float total = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
      for (; j < inner; j++) total += row[j];
      out[i] = total;
    }
  }
}

// tfjs' AdamOptimizer.applyGradients for one variable, fused into one pass, with the same float32 operations in the
// same order (the including file turns off FMA contraction so each product is rounded as tfjs rounds it):
//   m' = m·β1 + g·(1−β1);  v' = v·β2 + g²·(1−β2);  value' = (m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε) · (−lr) + value
static void adam(const float* __restrict value, const float* __restrict m, const float* __restrict v,
                 const float* __restrict g, float* __restrict outValue, float* __restrict outM, float* __restrict outV,
                 long size, const float* c) {
  const float beta1 = c[ADAM_BETA1], beta2 = c[ADAM_BETA2];
  const float omb1 = c[ADAM_ONE_MINUS_BETA1], omb2 = c[ADAM_ONE_MINUS_BETA2];
  const float oma1 = c[ADAM_ONE_MINUS_ACC1], oma2 = c[ADAM_ONE_MINUS_ACC2];
  const float negLr = c[ADAM_NEG_LR], eps = c[ADAM_EPSILON];
  for (long i = 0; i < size; i++) {
    const float gi = g[i];
    const float m1 = m[i] * beta1 + gi * omb1;
    const float v1 = v[i] * beta2 + (gi * gi) * omb2;
    outM[i] = m1;
    outV[i] = v1;
    outValue[i] = ((m1 / oma1) / (__builtin_sqrtf(v1 / oma2) + eps)) * negLr + value[i];
  }
}

}  // namespace SB_ISA_NS
}  // namespace sharebox_native
