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

// e^x for the sigmoid, eight lanes at a time (GCC vector extensions; the generic build splits them): x = n·ln2 + r
// with |r| ≤ ln2/2, e^r by Cephes' expf polynomial (the one XNNPACK and most SIMD libraries use), times 2^n built in
// the exponent bits. Relative error ~1e-7. x is clamped to [−87.3, 88.3] so 2^n stays a normal float (e^−87.3 ≈
// 1.2e−38, e^88.3 ≈ 2.2e38; the sigmoid is 0 or 1 to float precision well inside that range); NaN stays NaN.
// Unlike the rest of this file (bit-compatible with tfjs' one-op-at-a-time rounding), these two functions let the
// compiler fuse multiply-adds: the result is an approximation either way, and the polynomial halves in cost. The
// rounding trick (adding and subtracting 1.5·2^23) still rounds n to an integer under fusion.
#define SB_CONTRACT __attribute__((optimize("fp-contract=fast")))
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef float v8fu __attribute__((vector_size(32), aligned(4)));

static inline v8f splat8(float x) { return v8f{x, x, x, x, x, x, x, x}; }

SB_CONTRACT static inline v8f expApprox(v8f x) {
  x = x < splat8(-87.3f) ? splat8(-87.3f) : x;
  x = x > splat8(88.3f) ? splat8(88.3f) : x;
  const v8f n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  v8f r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  v8f p = splat8(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const v8i bits = (__builtin_convertvector(n, v8i) + 127) << 23;
  return p * (v8f)bits;  // a cast between vector types of one size reinterprets the bits
}

// out[i] = sigmoid(x[i]) (silu = false) or x[i]·sigmoid(x[i]) (true); x may equal out.
SB_CONTRACT static void sigmoidLoop(const float* x, float* out, long size, bool silu) {
  long i = 0;
  for (; i + 8 <= size; i += 8) {
    const v8f v = *reinterpret_cast<const v8fu*>(x + i);
    const v8f s = 1.0f / (1.0f + expApprox(-v));
    *reinterpret_cast<v8fu*>(out + i) = silu ? v * s : s;
  }
  if (i < size) {
    v8f v = {};
    for (long j = i; j < size; j++) v[j - i] = x[j];
    const v8f s = 1.0f / (1.0f + expApprox(-v));
    const v8f y = silu ? v * s : s;
    for (long j = i; j < size; j++) out[j] = y[j - i];
  }
}

static void unary(int op, const float* x, float* out, long size, float alpha) {
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
    case UN_ABS:
      for (long i = 0; i < size; i++) out[i] = __builtin_fabsf(x[i]);
      break;
    case UN_SIGMOID:
      sigmoidLoop(x, out, size, false);
      break;
    default:  // UN_SILU, as x · sigmoid(x) (tfjs: Multiply of x and Sigmoid(x))
      sigmoidLoop(x, out, size, true);
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

// GroupNorm (Wu & He 2018) over x viewed as [B, S, C] (S = H·W), C channels in G groups of C/G: per (b, g),
// x̂ = (x − μ)·r with μ, r = 1/√(σ² + ε) over the S·C/G values, then y = γ_c·x̂ + β_c. Sums in double.
// The gradient, with n = S·C/G and g = dy·γ: dx = r·(g − mean(g) − x̂·mean(g·x̂)), dγ_c = Σ dy·x̂, dβ_c = Σ dy.
// On wasm the same thing as tf ops is ~20 kernels with broadcasts the element-wise kernels do not take.
// activation: −1 none, else a unary op (UN_RELU, UN_SILU) applied to y image by image, while it is in cache.
static void groupNormForward(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd, long B,
                      long S, long C, long G, float eps, int activation) {
  const long cg = C / G;
  std::vector<double> sum(C), sumSq(C);
  for (long b = 0; b < B; b++) {
    const float* xb = x + b * S * C;
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(sumSq.begin(), sumSq.end(), 0.0);
    double* __restrict sumP = sum.data();
    double* __restrict sumSqP = sumSq.data();
    for (long s = 0; s < S; s++) {
      const float* __restrict row = xb + s * C;
      for (long c = 0; c < C; c++) {
        const double v = row[c];
        sumP[c] += v;
        sumSqP[c] += v * v;
      }
    }
    for (long g = 0; g < G; g++) {
      double s1 = 0, s2 = 0;
      for (long c = g * cg; c < (g + 1) * cg; c++) {
        s1 += sum[c];
        s2 += sumSq[c];
      }
      const double n = static_cast<double>(S * cg);
      const double mu = s1 / n;
      const double var = std::max(0.0, s2 / n - mu * mu);
      mean[b * G + g] = static_cast<float>(mu);
      rstd[b * G + g] = static_cast<float>(1.0 / std::sqrt(var + eps));
    }
    std::vector<float> scale(C), shift(C);
    for (long c = 0; c < C; c++) {
      const float r = rstd[b * G + c / cg];
      scale[c] = gamma[c] * r;
      shift[c] = beta[c] - mean[b * G + c / cg] * r * gamma[c];
    }
    float* yb = y + b * S * C;
    const float* __restrict scaleP = scale.data();
    const float* __restrict shiftP = shift.data();
    for (long s = 0; s < S; s++) {
      const float* __restrict row = xb + s * C;
      float* __restrict out = yb + s * C;
      for (long c = 0; c < C; c++) out[c] = row[c] * scaleP[c] + shiftP[c];
    }
    if (activation >= 0) unary(activation, yb, yb, S * C, 0.0f);
  }
}

static void groupNormBackward(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd, float* dx,
                       float* dgamma, float* dbeta, long B, long S, long C, long G) {
  const long cg = C / G;
  std::vector<double> dgammaAcc(C, 0.0), dbetaAcc(C, 0.0), sumG(C), sumGX(C);
  std::vector<float> mu(C), r(C);
  for (long b = 0; b < B; b++) {
    const float* xb = x + b * S * C;
    const float* dyb = dy + b * S * C;
    for (long c = 0; c < C; c++) {
      mu[c] = mean[b * G + c / cg];
      r[c] = rstd[b * G + c / cg];
    }
    std::fill(sumG.begin(), sumG.end(), 0.0);
    std::fill(sumGX.begin(), sumGX.end(), 0.0);
    for (long s = 0; s < S; s++) {
      const float* xr = xb + s * C;
      const float* dr = dyb + s * C;
      for (long c = 0; c < C; c++) {
        const double xhat = (static_cast<double>(xr[c]) - mu[c]) * r[c];
        const double d = dr[c];
        dbetaAcc[c] += d;
        dgammaAcc[c] += d * xhat;
        sumG[c] += d * gamma[c];
        sumGX[c] += d * gamma[c] * xhat;
      }
    }
    std::vector<float> meanG(C), meanGX(C);
    for (long g = 0; g < G; g++) {
      double a = 0, bsum = 0;
      for (long c = g * cg; c < (g + 1) * cg; c++) {
        a += sumG[c];
        bsum += sumGX[c];
      }
      const double n = static_cast<double>(S * cg);
      for (long c = g * cg; c < (g + 1) * cg; c++) {
        meanG[c] = static_cast<float>(a / n);
        meanGX[c] = static_cast<float>(bsum / n);
      }
    }
    float* dxb = dx + b * S * C;
    for (long s = 0; s < S; s++) {
      const float* xr = xb + s * C;
      const float* dr = dyb + s * C;
      float* out = dxb + s * C;
      for (long c = 0; c < C; c++) {
        const float xhat = (xr[c] - mu[c]) * r[c];
        out[c] = r[c] * (dr[c] * gamma[c] - meanG[c] - xhat * meanGX[c]);
      }
    }
  }
  for (long c = 0; c < C; c++) {
    dgamma[c] = static_cast<float>(dgammaAcc[c]);
    dbeta[c] = static_cast<float>(dbetaAcc[c]);
  }
}

}  // namespace SB_ISA_NS
}  // namespace sharebox_native
