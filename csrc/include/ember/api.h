#pragma once
// EMBER_API marks the symbols libember exports; everything else is hidden.
#if defined(EMBER_BUILDING_LIBRARY)
#define EMBER_API __attribute__((visibility("default")))
#else
#define EMBER_API
#endif

// EMBER_HOST_DEVICE marks inline functions that CUDA kernels call too (scalar math shared by
// the CPU and CUDA kernels, the 16-bit float conversions, Philox); a plain `inline` for g++.
#if defined(__CUDACC__)
#define EMBER_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define EMBER_HOST_DEVICE inline
#endif
