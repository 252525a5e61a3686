#pragma once
// Complex numbers: views of the parts, construction from parts, and the functions that only
// complex numbers give meaning to. Part of the ops API: include <ember/ops.h>.
#include "ember/tensor.h"

namespace ember {

// The interleaved (real, imag) pairs of a complex tensor as a real tensor with a trailing dim
// of size 2, sharing its storage; and back (the last dim must have size 2 and stride 1, the
// other strides and the offset must be even).
EMBER_API Tensor view_as_real(const Tensor& t);
EMBER_API Tensor view_as_complex(const Tensor& t);
// The parts as views. real() of a real tensor is the tensor itself; imag() of one is an error.
EMBER_API Tensor real(const Tensor& t);
EMBER_API Tensor imag(const Tensor& t);
// The complex tensor real + i imag (both float32 or both float64, broadcast), and
// abs * (cos(angle) + i sin(angle)).
EMBER_API Tensor complex(const Tensor& real, const Tensor& imag);
EMBER_API Tensor polar(const Tensor& abs, const Tensor& angle);
// The conjugate, computed eagerly (a copy; a real tensor is returned as it is).
EMBER_API Tensor conj(const Tensor& t);
// The argument of each element, in radians (pi for negative reals, 0 otherwise; NaN stays).
EMBER_API Tensor angle(const Tensor& t);
// z / |z|, with 0 for 0; sign() of real tensors.
EMBER_API Tensor sgn(const Tensor& t);

}  // namespace ember
