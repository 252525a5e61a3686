"""ember.backends: what torch.backends tells and sets about the libraries behind the ops.

ember's kernels are its own (no cuDNN, MKL, MKL-DNN or opt_einsum), so those report that they
are not available; their settings are accepted and kept, as scripts set them at start-up,
and have nothing to act on. `cpu.get_cpu_capability()` names the kernels' instruction set;
`openmp.is_available()` is True (ember's CPU threads are OpenMP's).
"""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp, opt_einsum  # noqa: F401

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp", "opt_einsum"]
