{
  "targets": [
    {
      "target_name": "lmstream_native",
      "sources": ["lmstream_native.c"],
      "cflags": ["-O3", "-march=native", "-ffast-math", "-fno-finite-math-only", "-std=c11", "-Wall"],
      "libraries": ["-ldl", "-lm"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-ffast-math"]
      }
    }
  ]
}
