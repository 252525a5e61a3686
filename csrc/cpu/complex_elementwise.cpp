// The elementwise kernels of complex64 and complex128, the complex product reduction, and the
// block expansion of the complex GEMM. The real kernels (cpu/isa/) hand a complex iteration
// here; sums, means and matrix products of complex tensors need no kernel of their own
// (ops/complex.cpp runs them as real ops over the interleaved parts). Multiplication is the textbook formula and division Smith's, as
// PyTorch computes them: std::complex's operators follow C's Annex G, whose inf/NaN recovery
// costs a library call per element.
#include <algorithm>
#include <cmath>
#include <complex>

#include "cpu/complex_kernels.h"
#include "cpu/parallel.h"
#include "dispatch/dispatch.h"

namespace ember {

namespace {

template <typename T> using C = std::complex<T>;

template <typename T> C<T> mul(C<T> a, C<T> b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// Smith's division: scale by the larger part of the divisor so that neither product
// overflows (c10::complex and numpy do the same).
template <typename T> C<T> div(C<T> a, C<T> b) {
  const T c = b.real(), d = b.imag();
  if (std::abs(c) >= std::abs(d)) {
    if (c == T(0) && d == T(0)) return {a.real() / std::abs(c), a.imag() / std::abs(d)};
    const T r = d / c, den = c + d * r;
    return {(a.real() + a.imag() * r) / den, (a.imag() - a.real() * r) / den};
  }
  const T r = c / d, den = d + c * r;
  return {(a.real() * r + a.imag()) / den, (a.imag() * r - a.real()) / den};
}

// out = f(a, b) over operands (out, a, b) of one complex type; Out may be bool (comparisons).
template <typename Out, typename T, typename F>
void binary_loop(const TensorIter& iter, const F& f) {
  iter.for_each([&](char** data, const int64_t* strides, int64_t n) {
    for (int64_t k = 0; k < n; ++k) {
      const C<T> a = *reinterpret_cast<const C<T>*>(data[1] + k * strides[1]);
      const C<T> b = *reinterpret_cast<const C<T>*>(data[2] + k * strides[2]);
      *reinterpret_cast<Out*>(data[0] + k * strides[0]) = f(a, b);
    }
  });
}

template <typename Out, typename T, typename F>
void unary_loop(const TensorIter& iter, const F& f) {
  iter.for_each([&](char** data, const int64_t* strides, int64_t n) {
    for (int64_t k = 0; k < n; ++k) {
      const C<T> a = *reinterpret_cast<const C<T>*>(data[1] + k * strides[1]);
      *reinterpret_cast<Out*>(data[0] + k * strides[0]) = f(a);
    }
  });
}

// z ** w. An integer-valued real exponent takes repeated squaring for small powers, which keeps
// (1j) ** 2 exactly -1 as PyTorch's does; everything else is exp(w log z).
template <typename T> C<T> power(C<T> z, C<T> w) {
  if (w.imag() == T(0)) {
    const T e = w.real();
    if (e == T(0)) return {T(1), T(0)};
    if (e == T(1)) return z;
    if (e == T(2)) return mul(z, z);
    if (e == T(-1)) return div(C<T>(T(1), T(0)), z);
  }
  if (z == C<T>(T(0), T(0))) {
    // 0 ** w: 0 for Re(w) > 0 (PyTorch's answer); NaN otherwise.
    if (w.real() > T(0)) return {T(0), T(0)};
  }
  return std::pow(z, w);
}

template <typename T> C<T> sigmoid(C<T> z) { return div(C<T>(T(1), T(0)), C<T>(T(1), T(0)) + std::exp(-z)); }

template <typename T> bool isnan_c(C<T> z) { return std::isnan(z.real()) || std::isnan(z.imag()); }
template <typename T> bool isinf_c(C<T> z) { return std::isinf(z.real()) || std::isinf(z.imag()); }

template <typename T>
void binary_typed(const TensorIter& iter, BinaryOp op, const Scalar& alpha, const char* name) {
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Sub: {
      C<T> a = alpha.to<C<T>>();
      if (op == BinaryOp::Sub) a = -a;
      if (a == C<T>(T(1), T(0))) return binary_loop<C<T>, T>(iter, [](C<T> x, C<T> y) { return x + y; });
      return binary_loop<C<T>, T>(iter, [a](C<T> x, C<T> y) { return x + mul(a, y); });
    }
    case BinaryOp::Mul: return binary_loop<C<T>, T>(iter, [](C<T> x, C<T> y) { return mul(x, y); });
    case BinaryOp::Div: return binary_loop<C<T>, T>(iter, [](C<T> x, C<T> y) { return div(x, y); });
    case BinaryOp::Pow: return binary_loop<C<T>, T>(iter, [](C<T> x, C<T> y) { return power(x, y); });
    case BinaryOp::Eq: return binary_loop<bool, T>(iter, [](C<T> x, C<T> y) { return x == y; });
    case BinaryOp::Ne: return binary_loop<bool, T>(iter, [](C<T> x, C<T> y) { return x != y; });
    case BinaryOp::LogicalAnd:
      return binary_loop<bool, T>(iter, [](C<T> x, C<T> y) { return x != C<T>() && y != C<T>(); });
    case BinaryOp::LogicalOr:
      return binary_loop<bool, T>(iter, [](C<T> x, C<T> y) { return x != C<T>() || y != C<T>(); });
    case BinaryOp::LogicalXor:
      return binary_loop<bool, T>(iter, [](C<T> x, C<T> y) { return (x != C<T>()) != (y != C<T>()); });
    default: break;
  }
  detail::throw_error(ErrorKind::Type, detail::str_cat(name, ": not implemented for complex tensors (",
                                                       dtype_name(iter.dtype(1)), ")"));
}

template <typename T>
void unary_typed(const TensorIter& iter, UnaryOp op, const char* name) {
  using Z = C<T>;
  const Z one(T(1), T(0));
  switch (op) {
    case UnaryOp::Neg: return unary_loop<Z, T>(iter, [](Z z) { return -z; });
    case UnaryOp::Exp: return unary_loop<Z, T>(iter, [](Z z) { return std::exp(z); });
    case UnaryOp::Exp2:
      return unary_loop<Z, T>(iter, [](Z z) { return std::exp(z * static_cast<T>(0.693147180559945309417232121458)); });
    case UnaryOp::Expm1:
      // exp(z) - 1 with the real part kept accurate near 0: expm1(x) cos(y) - 2 sin^2(y/2).
      return unary_loop<Z, T>(iter, [](Z z) {
        const T x = z.real(), y = z.imag(), s = std::sin(y / 2);
        return Z(std::expm1(x) * std::cos(y) - 2 * s * s, std::exp(x) * std::sin(y));
      });
    case UnaryOp::Log: return unary_loop<Z, T>(iter, [](Z z) { return std::log(z); });
    case UnaryOp::Log2:
      return unary_loop<Z, T>(iter, [](Z z) { return std::log(z) / static_cast<T>(0.693147180559945309417232121458); });
    case UnaryOp::Log10: return unary_loop<Z, T>(iter, [](Z z) { return std::log10(z); });
    case UnaryOp::Log1p:
      // log(1 + z) with the real part kept accurate near 0: log1p(x) of |1 + z|^2 - 1 = 2x + x^2 + y^2.
      return unary_loop<Z, T>(iter, [](Z z) {
        const T x = z.real(), y = z.imag();
        return Z(std::log1p(x * (2 + x) + y * y) / 2, std::atan2(y, 1 + x));
      });
    case UnaryOp::Sqrt: return unary_loop<Z, T>(iter, [](Z z) { return std::sqrt(z); });
    case UnaryOp::Rsqrt: return unary_loop<Z, T>(iter, [one](Z z) { return div(one, std::sqrt(z)); });
    case UnaryOp::Sin: return unary_loop<Z, T>(iter, [](Z z) { return std::sin(z); });
    case UnaryOp::Cos: return unary_loop<Z, T>(iter, [](Z z) { return std::cos(z); });
    case UnaryOp::Tan: return unary_loop<Z, T>(iter, [](Z z) { return std::tan(z); });
    case UnaryOp::Tanh: return unary_loop<Z, T>(iter, [](Z z) { return std::tanh(z); });
    case UnaryOp::Sinh: return unary_loop<Z, T>(iter, [](Z z) { return std::sinh(z); });
    case UnaryOp::Cosh: return unary_loop<Z, T>(iter, [](Z z) { return std::cosh(z); });
    case UnaryOp::Asin: return unary_loop<Z, T>(iter, [](Z z) { return std::asin(z); });
    case UnaryOp::Acos: return unary_loop<Z, T>(iter, [](Z z) { return std::acos(z); });
    case UnaryOp::Atan: return unary_loop<Z, T>(iter, [](Z z) { return std::atan(z); });
    case UnaryOp::Asinh: return unary_loop<Z, T>(iter, [](Z z) { return std::asinh(z); });
    case UnaryOp::Acosh: return unary_loop<Z, T>(iter, [](Z z) { return std::acosh(z); });
    case UnaryOp::Atanh: return unary_loop<Z, T>(iter, [](Z z) { return std::atanh(z); });
    case UnaryOp::Sigmoid: return unary_loop<Z, T>(iter, [](Z z) { return sigmoid(z); });
    case UnaryOp::Reciprocal: return unary_loop<Z, T>(iter, [one](Z z) { return div(one, z); });
    case UnaryOp::Square: return unary_loop<Z, T>(iter, [](Z z) { return mul(z, z); });
    case UnaryOp::LogicalNot: return unary_loop<bool, T>(iter, [](Z z) { return z == Z(); });
    case UnaryOp::IsNan: return unary_loop<bool, T>(iter, [](Z z) { return isnan_c(z); });
    case UnaryOp::IsInf: return unary_loop<bool, T>(iter, [](Z z) { return isinf_c(z); });
    case UnaryOp::IsFinite:
      return unary_loop<bool, T>(iter, [](Z z) { return std::isfinite(z.real()) && std::isfinite(z.imag()); });
    default: break;
  }
  detail::throw_error(ErrorKind::Type, detail::str_cat(name, ": not implemented for complex tensors (",
                                                       dtype_name(iter.dtype(1)), ")"));
}

}  // namespace

void complex_binary_cpu(const TensorIter& iter, BinaryOp op, const Scalar& alpha, const char* name) {
  dispatch_complex(iter.dtype(1), name, [&](auto tag) {
    binary_typed<typename decltype(tag)::type::value_type>(iter, op, alpha, name);
  });
}

void complex_unary_cpu(const TensorIter& iter, UnaryOp op, const char* name) {
  dispatch_complex(iter.dtype(1), name, [&](auto tag) {
    unary_typed<typename decltype(tag)::type::value_type>(iter, op, name);
  });
}

// The product over the reduced dims. Serial per output element: products of complex tensors
// are rare, and a fixed order keeps results the same on every thread count.
void complex_prod_cpu(const Tensor& out, const Tensor& in) {
  dispatch_complex(in.dtype(), "prod", [&](auto tag) {
    using Z = typename decltype(tag)::type;
    using T = typename Z::value_type;
    const TensorIter iter = TensorIter::reduction(out, in);
    const Z one(T(1), T(0));
    // Every output starts at one; the reduction iterator then visits each input once.
    for (int64_t i = 0; i < out.numel(); ++i) static_cast<Z*>(out.data_ptr())[i] = one;
    iter.serial_for_each(
        [&](char** data, const int64_t* strides, int64_t n) {
          for (int64_t k = 0; k < n; ++k) {
            Z* o = reinterpret_cast<Z*>(data[0] + k * strides[0]);
            *o = mul(*o, *reinterpret_cast<const Z*>(data[1] + k * strides[1]));
          }
        },
        0, iter.numel());
  });
}

void complex_gemm_blocks_cpu(const Tensor& b, const Tensor& out) {
  dispatch_complex(b.dtype(), "matmul", [&](auto tag) {
    using Z = typename decltype(tag)::type;
    using T = typename Z::value_type;
    const int64_t n = b.size(-1);
    const int64_t rows = n == 0 ? 0 : b.numel() / n;  // the batch's k-rows, flattened
    const Z* src = static_cast<const Z*>(b.data_ptr());
    T* dst = static_cast<T*>(out.data_ptr());
    // Row r of b (batch index and row together) gives rows 2r and 2r + 1 of out.
    parallel_for(0, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, n)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const Z* row = src + r * n;
        T* top = dst + 2 * r * 2 * n;
        T* bottom = top + 2 * n;
        for (int64_t j = 0; j < n; ++j) {
          const T re = row[j].real(), im = row[j].imag();
          top[2 * j] = re;
          top[2 * j + 1] = im;
          bottom[2 * j] = -im;
          bottom[2 * j + 1] = re;
        }
      }
    });
  });
}

}  // namespace ember
