// Fills the CPU slots of the kernel tables. The vectorized families come in one copy per ISA;
// the best one this CPU runs is chosen here (EMBER_CPU_ISA=base|avx2|avx512|avx512_bf16 caps
// the choice, which tests use to check every variant). avx512_bf16 is the AVX-512 variant plus
// the bfloat16 GEMM on the dot-product instruction (cpu/isa/gemm_bf16.cpp).
#include <cstdlib>
#include <cstring>
#include <string>

#include "dispatch/kernels.h"
#include "ember/ops.h"

namespace ember {

void register_cpu_copy_kernels();
void register_cpu_random_kernels();
void register_cpu_gemm_kernels();
void register_cpu_loss_kernels();
void register_cpu_pool_kernels();
void register_cpu_interpolate_kernels();
void register_cpu_embedding_kernels();
void register_cpu_sparse_kernels();
void register_cpu_sort_kernels();
void register_cpu_conv_kernels();
void register_cpu_linalg_kernels();
void register_cpu_triangular_kernels();
void register_cpu_pad_kernels();
void register_cpu_index_kernels();
void register_cpu_ctc_kernels();

#define EMBER_DECLARE_ISA(isa)               \
  namespace cpu::isa {                       \
  void register_elementwise_kernels();       \
  void register_reduce_kernels();            \
  void register_gemm_kernels();              \
  void register_activation_kernels();        \
  void register_attention_kernels();         \
  void register_optim_kernels();             \
  void register_rnn_kernels();               \
  void register_conv_depthwise_kernels();    \
  }
EMBER_DECLARE_ISA(base)
#ifdef EMBER_X86_ISA_VARIANTS
EMBER_DECLARE_ISA(avx2)
EMBER_DECLARE_ISA(avx512)
namespace cpu::avx512 {
void register_gemm_bf16_kernels();
}
#endif

namespace {
const char* choose_isa() {
#ifdef EMBER_X86_ISA_VARIANTS
  const char* cap = std::getenv("EMBER_CPU_ISA");
  const std::string limit = cap ? cap : "avx512_bf16";
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c");
  const bool bf16 = avx512 && __builtin_cpu_supports("avx512bf16");
  if (limit == "avx512_bf16" && bf16) return "avx512_bf16";
  if ((limit == "avx512_bf16" || limit == "avx512") && avx512) return "avx512";
  if ((limit == "avx512_bf16" || limit == "avx512" || limit == "avx2") && avx2) return "avx2";
#endif
  return "base";
}
const char* g_isa = "base";
}  // namespace

const char* cpu_capability() {
  ensure_kernels_registered();
  return g_isa;
}

void register_cpu_kernels() {
  register_cpu_copy_kernels();
  register_cpu_random_kernels();
  register_cpu_gemm_kernels();
  register_cpu_loss_kernels();
  register_cpu_pool_kernels();
  register_cpu_interpolate_kernels();
  register_cpu_embedding_kernels();
  register_cpu_sparse_kernels();
  register_cpu_sort_kernels();
  register_cpu_conv_kernels();
  register_cpu_linalg_kernels();
  register_cpu_triangular_kernels();
  register_cpu_pad_kernels();
  register_cpu_index_kernels();
  register_cpu_ctc_kernels();
  g_isa = choose_isa();
#ifdef EMBER_X86_ISA_VARIANTS
  if (std::strncmp(g_isa, "avx512", 6) == 0) {
    cpu::avx512::register_elementwise_kernels();
    cpu::avx512::register_reduce_kernels();
    cpu::avx512::register_gemm_kernels();
    cpu::avx512::register_activation_kernels();
    cpu::avx512::register_attention_kernels();
    cpu::avx512::register_optim_kernels();
    cpu::avx512::register_rnn_kernels();
    cpu::avx512::register_conv_depthwise_kernels();
    if (std::strcmp(g_isa, "avx512_bf16") == 0) cpu::avx512::register_gemm_bf16_kernels();
    return;
  }
  if (std::strcmp(g_isa, "avx2") == 0) {
    cpu::avx2::register_elementwise_kernels();
    cpu::avx2::register_reduce_kernels();
    cpu::avx2::register_gemm_kernels();
    cpu::avx2::register_activation_kernels();
    cpu::avx2::register_attention_kernels();
    cpu::avx2::register_optim_kernels();
    cpu::avx2::register_rnn_kernels();
    cpu::avx2::register_conv_depthwise_kernels();
    return;
  }
#endif
  cpu::base::register_elementwise_kernels();
  cpu::base::register_reduce_kernels();
  cpu::base::register_gemm_kernels();
  cpu::base::register_activation_kernels();
  cpu::base::register_attention_kernels();
  cpu::base::register_optim_kernels();
  cpu::base::register_rnn_kernels();
  cpu::base::register_conv_depthwise_kernels();
}

}  // namespace ember
