// Element-wise kernels and sums for the wasm backend's float32 tensors (see elementwise_impl.h).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace sharebox_native {

enum BinaryOp { BIN_ADD = 0, BIN_SUB = 1, BIN_MUL = 2, BIN_DIV = 3, BIN_SQUARED_DIFFERENCE = 4, BIN_COUNT = 5 };
// UN_SIGMOID: 1/(1 + e^−x); UN_SILU: x·sigmoid(x) (the U-Net's activation, one pass instead of Sigmoid then
// Multiply). Their exp is a polynomial (elementwise_impl.h, expApprox), ~1 ulp, not the cpu backend's bit pattern.
enum UnaryOp { UN_SQRT = 0, UN_SQUARE = 1, UN_RELU = 2, UN_STEP = 3, UN_NEG = 4, UN_ABS = 5, UN_SIGMOID = 6, UN_SILU = 7,
               UN_COUNT = 8 };

struct ElementwiseVariant {
  const char* name;
  // out[i] = a[i mod aSize] op b[i mod bSize] for i < outSize, where aSize and bSize each equal outSize or divide
  // it (trailing broadcast: a row repeated), 1 included.
  void (*binary)(int op, const float* a, long aSize, const float* b, long bSize, float* out, long outSize);
  // out[i] = op(x[i]); alpha is step's value for x ≤ 0. x may equal out (in place).
  void (*unary)(int op, const float* x, float* out, long size, float alpha);
  // x viewed as [outer, inner]: columns == true → out[j] = Σ_i x[i, j] (inner outputs); else out[i] = Σ_j x[i, j].
  void (*sum)(const float* x, long outer, long inner, bool columns, float* out);
  // One Adam update, in tfjs' AdamOptimizer's order of float32 operations (c: AdamConstants).
  void (*adam)(const float* value, const float* m, const float* v, const float* g, float* outValue, float* outM,
               float* outV, long size, const float* c);
  // GroupNorm over x [B, S, C] in G groups (y, and per (b, g) the mean and 1/σ), then `activation` (a UnaryOp, or
  // −1 for none) on y; and its gradient (dx, dγ, dβ). See elementwise_impl.h.
  void (*groupNormForward)(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* rstd,
                           long B, long S, long C, long G, float eps, int activation);
  void (*groupNormBackward)(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd,
                            float* dx, float* dgamma, float* dbeta, long B, long S, long C, long G);
};

// The float32 constants of an Adam step, as tfjs computes them: beta1, beta2, 1 − beta1, 1 − beta2,
// 1 − beta1^t, 1 − beta2^t, −learningRate, epsilon.
enum AdamConstant { ADAM_BETA1, ADAM_BETA2, ADAM_ONE_MINUS_BETA1, ADAM_ONE_MINUS_BETA2, ADAM_ONE_MINUS_ACC1,
                    ADAM_ONE_MINUS_ACC2, ADAM_NEG_LR, ADAM_EPSILON, ADAM_CONSTANTS };

extern const ElementwiseVariant kElementwiseAvx2;
extern const ElementwiseVariant kElementwiseGeneric;

}  // namespace sharebox_native
