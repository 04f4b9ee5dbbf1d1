{
  "targets": [
    {
      "target_name": "sharebox_native",
      "sources": [
        "src/addon.cc", "src/variants.cc", "src/thread_pool.cc", "src/matmul.cc", "src/elementwise_napi.cc", "src/concat_split.cc",
        "src/conv_direct.cc", "src/conv_grad.cc", "src/conv_napi.cc",
        "src/gemm_avx512.cc", "src/gemm_avx2.cc", "src/gemm_generic.cc", "src/gemm_wide16_test.cc", "src/elementwise_avx2.cc", "src/elementwise_generic.cc"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-O3", "-std=gnu++17", "-ffp-contract=fast", "-fno-math-errno", "-fvisibility=hidden", "-Wno-psabi"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=gnu++17", "-ffp-contract=fast"]
      }
    }
  ]
}
