"""ember.backends.cpu: the instruction set of the CPU kernels."""
from .. import _C

# avx512_bf16 is the AVX-512 kernels plus the bfloat16 GEMM: torch calls that level AVX512 too.
_NAMES = {"avx512_bf16": "AVX512", "avx512": "AVX512", "avx2": "AVX2"}


def get_cpu_capability():
    """"AVX512", "AVX2" or "DEFAULT" (baseline x86-64), the kernels chosen at start-up from
    the CPU's features (and EMBER_CPU_ISA), as torch names its own."""
    return _NAMES.get(_C.build_info()["cpu_capability"], "DEFAULT")
