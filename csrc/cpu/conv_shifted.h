#pragma once
// The implicit-GEMM forward of 2-D convolutions whose output rows are as long as the input's
// ("same" padding along W), or with a stride s as long as ceil(W / s), compiled once per ISA
// (cpu/isa/conv_shifted.cpp). For those, a kernel tap reads the channel plane (or a phase plane
// of every s-th row and column) shifted by a constant offset, so the GEMM's packed B panels are
// built straight from the image with masked vector loads: no column buffer, one pass over the
// data fewer, and the weights are packed once per call instead of once per image. The input
// gradient of a strided one is computed the same way, one phase plane of it at a time, and the
// weight gradient's column buffers are built with the same masked loads.
// cpu/conv.cpp chooses the copy the CPU runs (ember::cpu_capability()).
#include "dispatch/kernels.h"

namespace ember::cpu_conv {

// For a geometry that implicit_gemm() in cpu/conv.cpp accepts.
struct ShiftedConvArgs {
  const ConvGeometry* g = nullptr;
  DType dtype = kFloat32;  // float32 or float64
  void* out = nullptr;
  const void* in = nullptr;
  const void* weight = nullptr;
  const void* bias = nullptr;  // may be null
  // Parallel chunks of whole images; with 1, each image's output tiles are split over the
  // threads when split_images is set, else everything runs on the calling thread.
  int64_t chunks = 1;
  bool split_images = false;
};

// The column buffers (cpu/conv_im2col.h's layout: rows*positions, rows = (channel, tap)) of
// images [n0, n1) of such a geometry, built in turn on the calling thread into `columns`; after
// each image, consume(context, n) uses them.
struct ShiftedConvColumns {
  const ConvGeometry* g = nullptr;
  DType dtype = kFloat32;
  const void* in = nullptr;
  void* columns = nullptr;
  int64_t n0 = 0, n1 = 0;
  void (*consume)(void* context, int64_t n) = nullptr;
  void* context = nullptr;
};

}  // namespace ember::cpu_conv

namespace ember {
#define EMBER_DECLARE_SHIFTED_CONV(isa) \
  namespace cpu::isa {                  \
  void conv_shifted_forward(const cpu_conv::ShiftedConvArgs& args); \
  /* args.out: grad_input, args.in: grad_output */                   \
  void conv_shifted_backward_input(const cpu_conv::ShiftedConvArgs& args); \
  void conv_shifted_columns(const cpu_conv::ShiftedConvColumns& job);      \
  }
EMBER_DECLARE_SHIFTED_CONV(base)
#ifdef EMBER_X86_ISA_VARIANTS
EMBER_DECLARE_SHIFTED_CONV(avx2)
EMBER_DECLARE_SHIFTED_CONV(avx512)
#endif
#undef EMBER_DECLARE_SHIFTED_CONV
}  // namespace ember
