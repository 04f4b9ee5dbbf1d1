// The N-API functions of the kernels, exported by addon.cc's Init (the list of exports and their arguments is at the
// top of addon.cc; each is described again where it is defined).
#pragma once

#include <node_api.h>

namespace sharebox_native {

napi_value Matmul(napi_env env, napi_callback_info info);  // matmul.cc

// elementwise_napi.cc
napi_value Binary(napi_env env, napi_callback_info info);
napi_value Unary(napi_env env, napi_callback_info info);
napi_value Sum(napi_env env, napi_callback_info info);
napi_value Adam(napi_env env, napi_callback_info info);
napi_value GroupNorm(napi_env env, napi_callback_info info);

// concat_split.cc
napi_value Concat(napi_env env, napi_callback_info info);
napi_value Split(napi_env env, napi_callback_info info);

// conv_napi.cc
napi_value Conv2d(napi_env env, napi_callback_info info);
napi_value Conv2dFused(napi_env env, napi_callback_info info);

}  // namespace sharebox_native
