// CPU feature detection and the variants in force (variants.h).
#include "variants.h"

#include <cstring>

namespace sharebox_native {

bool cpuHas(const char* feature) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (std::strcmp(feature, "avx512f") == 0) return __builtin_cpu_supports("avx512f");
  if (std::strcmp(feature, "avx2") == 0) return __builtin_cpu_supports("avx2");
  if (std::strcmp(feature, "fma") == 0) return __builtin_cpu_supports("fma");
#endif
  (void)feature;
  return false;
}

const GemmVariant* variantByName(const std::string& name) {
  if (name == "avx512") return cpuHas("avx512f") && kGemmAvx512.region ? &kGemmAvx512 : nullptr;
  if (name == "avx2") return cpuHas("avx2") && cpuHas("fma") && kGemmAvx2.region ? &kGemmAvx2 : nullptr;
  if (name == "wide16") return cpuHas("avx2") && cpuHas("fma") && kGemmWide16OnAvx2.region ? &kGemmWide16OnAvx2 : nullptr;
  if (name == "generic") return &kGemmGeneric;
  return nullptr;
}

const GemmVariant* bestVariant() {
  for (const char* name : {"avx512", "avx2"}) {
    if (const GemmVariant* v = variantByName(name)) return v;
  }
  return &kGemmGeneric;
}

const GemmVariant* gVariant = nullptr;
const ElementwiseVariant* gElementwise = nullptr;

}  // namespace sharebox_native
