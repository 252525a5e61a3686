#include "core/shape.h"

#include <sstream>

namespace ember {

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t n = ndim > 0 ? ndim : 1;
  EMBER_CHECK_INDEX(dim >= -n && dim < n, op, ": dimension ", dim, " out of range (expected to be in range of [", -n,
                    ", ", n - 1, "] for a tensor of ", ndim, " dims)");
  return dim < 0 ? dim + n : dim;
}

uint64_t reduce_mask(const std::optional<IntArray>& dims, int64_t ndim, const char* op) {
  EMBER_CHECK(ndim <= 64, op, ": tensors of more than 64 dims are not supported");
  if (!dims || dims->empty()) return ndim == 0 ? 0 : (ndim == 64 ? ~0ull : ((1ull << ndim) - 1));
  uint64_t mask = 0;
  for (int64_t d : *dims) {
    int64_t w = wrap_dim(d, ndim, op);
    EMBER_CHECK_VALUE(!(mask >> w & 1), op, ": dim ", w, " appears multiple times in the list of dims");
    mask |= 1ull << w;
  }
  // A 0-dim tensor accepts dim 0 (or -1) but has no dims to reduce.
  return ndim == 0 ? 0 : mask;
}

int64_t checked_mul(int64_t a, int64_t b, const char* op, const char* what) {
  int64_t out;
  EMBER_CHECK_SHAPE(!__builtin_mul_overflow(a, b, &out), op, ": ", what, " ", a, " * ", b,
                    " overflows int64 (more than 2^63 - 1)");
  return out;
}

int64_t checked_add(int64_t a, int64_t b, const char* op, const char* what) {
  int64_t out;
  EMBER_CHECK_SHAPE(!__builtin_add_overflow(a, b, &out), op, ": ", what, " ", a, " + ", b,
                    " overflows int64 (more than 2^63 - 1)");
  return out;
}

int64_t checked_numel(const IntArray& shape, const char* op) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t s : shape) {
    if (s == 0) return 0;  // an empty shape counts nothing, however large its other sizes
    overflow |= __builtin_mul_overflow(n, s, &n);
  }
  EMBER_CHECK_SHAPE(!overflow, op, ": shape ", shape_str(shape), " has more elements than int64 can count");
  return n;
}

int64_t numel_of(const IntArray& shape) { return checked_numel(shape, "tensor"); }

size_t checked_nbytes(int64_t numel, size_t element_size, const char* op) {
  int64_t bytes;
  if (__builtin_mul_overflow(numel, static_cast<int64_t>(element_size), &bytes)) {
    EMBER_FAIL(ErrorKind::OutOfMemory, op, ": out of memory: tried to allocate ",
               static_cast<long double>(numel) * static_cast<long double>(element_size),
               " bytes, more than a process can address (", numel, " elements of ", element_size, " bytes)");
  }
  return static_cast<size_t>(bytes);
}

IntArray contiguous_strides(const IntArray& shape) {
  IntArray strides(shape.size());
  int64_t s = 1;
  bool overflow = false;  // the last product passed int64: wrong as a stride, unused as the extent
  for (size_t i = shape.size(); i-- > 0;) {
    EMBER_CHECK_SHAPE(!overflow, "tensor: the contiguous strides of shape ", shape_str(shape), " overflow int64");
    strides[i] = s;
    overflow = __builtin_mul_overflow(s, std::max<int64_t>(shape[i], 1), &s);
  }
  return strides;
}

bool is_contiguous_layout(const IntArray& shape, const IntArray& strides) {
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 0) return true;
    if (shape[i] == 1) continue;  // the stride of a size-1 dim never matters
    if (strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

IntArray broadcast_shapes(const IntArray& a, const IntArray& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  IntArray out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t sa = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t sb = i < n - b.size() ? 1 : b[i - (n - b.size())];
    EMBER_CHECK_SHAPE(sa == sb || sa == 1 || sb == 1, op, ": shapes ", shape_str(a), " and ",
                      shape_str(b), " cannot be broadcast together (size ", sa, " vs ", sb,
                      " at dim ", i, ")");
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

// Walks the old dims in chunks that are contiguous with each other, and matches each chunk
// to a run of new dims with the same element count (after PyTorch's computeStride).
std::optional<IntArray> view_strides(const IntArray& shape, const IntArray& strides,
                                     const IntArray& new_shape) {
  IntArray out(new_shape.size());
  // Empty tensors and 0-dim ones (a single element) view as anything of their size.
  if (numel_of(shape) == 0 || shape.empty()) return contiguous_strides(new_shape);
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

IntArray infer_shape(const IntArray& requested, int64_t numel, const char* op) {
  IntArray shape = requested;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      EMBER_CHECK_SHAPE(infer_at < 0, op, ": only one dimension can be inferred (-1) in ", shape_str(requested));
      infer_at = static_cast<int64_t>(i);
    } else {
      EMBER_CHECK_SHAPE(shape[i] >= 0, op, ": invalid shape dimension ", shape[i], " in ", shape_str(requested));
      known *= shape[i];
    }
  }
  if (infer_at >= 0) {
    EMBER_CHECK_SHAPE(known != 0 && numel % known == 0, op, ": shape ", shape_str(requested),
                      " is invalid for input of size ", numel);
    shape[infer_at] = numel / known;
  } else {
    EMBER_CHECK_SHAPE(known == numel, op, ": shape ", shape_str(requested), " is invalid for input of size ", numel);
  }
  return shape;
}

std::string describe(const Tensor& t) {
  return detail::str_cat(dtype_name(t.dtype()), " tensor of shape ", shape_str(t.shape()));
}

std::string shape_str(const IntArray& shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

}  // namespace ember
