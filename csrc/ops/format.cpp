// Printing tensors as PyTorch does (torch/_tensor_str.py): the same modes (integer-valued,
// fixed with 4 decimals, scientific), column widths, line wrapping at 80 characters,
// summarization with "..." past 1000 elements, and suffixes for device and non-default dtype.
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "dispatch/dispatch.h"
#include "ember/ops.h"

namespace ember {

namespace {
constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000;  // more elements than this are summarized
constexpr int64_t kEdgeItems = 3;     // shown at each end of a summarized dim
constexpr int kLineWidth = 80;

enum class Kind { Bool, Int, Float, Complex };

// One shown element. Integers are kept as int64 so that values past 2^53 print exactly;
// a complex element keeps its imaginary part in `im`.
struct Value {
  double f = 0;
  int64_t i = 0;
  double im = 0;
};

// The indices of a dim of `size` that are shown: all, or the edge items at each end.
std::vector<int64_t> shown(int64_t size, bool summarize) {
  std::vector<int64_t> idx;
  if (summarize && size > 2 * kEdgeItems) {
    for (int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
    for (int64_t i = size - kEdgeItems; i < size; ++i) idx.push_back(i);
  } else {
    for (int64_t i = 0; i < size; ++i) idx.push_back(i);
  }
  return idx;
}

// Every shown element in printing order (row-major over the shown indices).
template <typename T>
void gather(const T* base, const Tensor& t, int64_t d, int64_t offset, bool summarize, std::vector<Value>& out) {
  if (d == t.dim()) {
    const T v = base[offset];
    Value x;
    if constexpr (is_complex_v<T>) {
      x.f = static_cast<double>(v.real());
      x.im = static_cast<double>(v.imag());
    } else if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
      x.f = static_cast<double>(static_cast<std::conditional_t<std::is_same_v<T, double>, double, float>>(v));
    else
      x.i = static_cast<int64_t>(v);
    out.push_back(x);
    return;
  }
  for (int64_t i : shown(t.shape()[d], summarize))
    gather(base, t, d + 1, offset + i * t.strides()[d], summarize, out);
}

// Python's float formatting for one value: "nan" (never "-nan"), "inf", "-inf", else printf.
std::string py_float(double v, const char* spec) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

std::string pad_left(const std::string& s, int width) {
  return static_cast<int>(s.size()) < width ? std::string(width - s.size(), ' ') + s : s;
}

// PyTorch's _Formatter: one format and width for every element of a tensor, chosen from the
// shown elements.
class Formatter {
 public:
  // A complex kind formats the real parts (`f`) as floats.
  Formatter(Kind kind, const std::vector<Value>& values) : kind_(kind == Kind::Complex ? Kind::Float : kind) {
    if (kind_ != Kind::Float) {
      for (const Value& v : values) max_width_ = std::max(max_width_, static_cast<int>(plain(v).size()));
      return;
    }
    std::vector<double> finite;  // the nonzero finite values decide the mode
    for (const Value& v : values)
      if (std::isfinite(v.f) && v.f != 0) finite.push_back(v.f);
    if (finite.empty()) return;
    double lo = std::fabs(finite[0]), hi = lo;
    for (double v : finite) {
      lo = std::min(lo, std::fabs(v));
      hi = std::max(hi, std::fabs(v));
      if (v != std::ceil(v)) int_mode_ = false;
    }
    const bool wide = hi / lo > 1000.0 || hi > 1.0e8;
    sci_mode_ = int_mode_ ? wide : wide || lo < 1.0e-4;
    for (double v : finite) {
      int w;
      if (sci_mode_) w = static_cast<int>(py_float(v, "%.4e").size());
      else if (int_mode_) w = static_cast<int>(py_float(v, "%.0f").size()) + 1;  // the "."
      else w = static_cast<int>(py_float(v, "%.4f").size());
      max_width_ = std::max(max_width_, w);
    }
  }

  int width() const { return max_width_; }

  std::string format(const Value& v) const {
    if (kind_ != Kind::Float) return pad_left(plain(v), max_width_);
    std::string s;
    if (sci_mode_) {
      s = py_float(v.f, "%.4e");
    } else if (int_mode_) {
      s = py_float(v.f, "%.0f");
      if (std::isfinite(v.f)) s += ".";
    } else {
      s = py_float(v.f, "%.4f");
    }
    return pad_left(s, max_width_);
  }

 private:
  std::string plain(const Value& v) const {
    if (kind_ == Kind::Bool) return v.i ? "True" : "False";
    return std::to_string(v.i);
  }

  Kind kind_;
  bool int_mode_ = true;
  bool sci_mode_ = false;
  int max_width_ = 1;
};

// The format of one element: a Formatter's, or for complex tensors torch's pair of them (the
// real parts' and the imaginary parts', each chosen from its own values): "1.5000-2.0000j".
class ElementFormat {
 public:
  ElementFormat(Kind kind, const std::vector<Value>& values)
      : real_(kind, values), imag_(kind, imaginary_parts(kind, values)), complex_(kind == Kind::Complex) {}

  // the sign and the "j" come on top of the two parts' widths
  int width() const { return complex_ ? real_.width() + imag_.width() + 2 : real_.width(); }

  std::string format(const Value& v) const {
    if (!complex_) return real_.format(v);
    Value im;
    im.f = v.im;
    std::string imag = imag_.format(im) + "j";
    imag.erase(0, imag.find_first_not_of(' '));
    return real_.format(v) + (imag[0] == '-' || imag[0] == '+' ? "" : "+") + imag;
  }

 private:
  static std::vector<Value> imaginary_parts(Kind kind, const std::vector<Value>& values) {
    std::vector<Value> parts;
    if (kind != Kind::Complex) return parts;
    for (const Value& v : values) {
      Value p;
      p.f = v.im;
      parts.push_back(p);
    }
    return parts;
  }

  Formatter real_, imag_;
  bool complex_;
};

class Printer {
 public:
  Printer(const Tensor& t, const std::vector<Value>& values, const ElementFormat& fmt, bool summarize)
      : t_(t), values_(values), fmt_(fmt), summarize_(summarize) {}

  // The nested-bracket body of the sub-tensor at dim d, starting at column `indent`.
  std::string body(int64_t d, int indent) {
    if (t_.dim() == 0) return fmt_.format(values_[next_++]);
    if (d == t_.dim() - 1) return vector(indent);
    const int64_t size = t_.shape()[d];
    std::vector<std::string> slices;
    const auto idx = shown(size, summarize_);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (summarize_ && size > 2 * kEdgeItems && k == static_cast<size_t>(kEdgeItems)) slices.push_back("...");
      slices.push_back(body(d + 1, indent + 1));
    }
    const int64_t sub_dims = t_.dim() - d;
    const std::string sep = "," + std::string(sub_dims - 1, '\n') + std::string(indent + 1, ' ');
    return "[" + join(slices, sep) + "]";
  }

 private:
  std::string vector(int indent) {
    const int64_t size = t_.shape().back();
    const int element_length = fmt_.width() + 2;  // ", " between elements
    const int per_line = std::max(1, static_cast<int>(std::floor(static_cast<double>(kLineWidth - indent) / element_length)));
    std::vector<std::string> data;
    const auto idx = shown(size, summarize_);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (summarize_ && size > 2 * kEdgeItems && k == static_cast<size_t>(kEdgeItems)) data.push_back(" ...");
      data.push_back(fmt_.format(values_[next_++]));
    }
    std::vector<std::string> lines;
    for (size_t i = 0; i < data.size(); i += per_line) {
      std::vector<std::string> line(data.begin() + i, data.begin() + std::min(data.size(), i + per_line));
      lines.push_back(join(line, ", "));
    }
    return "[" + join(lines, ",\n" + std::string(indent + 1, ' ')) + "]";
  }

  static std::string join(const std::vector<std::string>& parts, const std::string& sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
    return out;
  }

  const Tensor& t_;
  const std::vector<Value>& values_;
  const ElementFormat& fmt_;
  bool summarize_;
  size_t next_ = 0;  // the next value to print: values are consumed in gathering order
};

// torch's _add_suffixes: each suffix goes on the current line unless that passes the line width.
std::string add_suffixes(std::string s, const std::vector<std::string>& suffixes, int indent) {
  const auto nl = s.rfind('\n');
  int64_t last_line_len = static_cast<int64_t>(s.size()) - (nl == std::string::npos ? -1 : static_cast<int64_t>(nl)) + 1;
  for (const std::string& suffix : suffixes) {
    const auto len = static_cast<int64_t>(suffix.size());
    if (last_line_len + len + 2 > kLineWidth) {
      s += ",\n" + std::string(indent, ' ') + suffix;
      last_line_len = indent + len;
    } else {
      s += ", " + suffix;
      last_line_len += len + 2;
    }
  }
  return s + ")";
}

std::string tuple_str(const IntArray& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}
}  // namespace

std::string tensor_repr(const Tensor& t, const std::vector<std::string>& extra_suffixes) {
  const std::string prefix = "tensor(";
  const int indent = static_cast<int>(prefix.size());
  std::vector<std::string> suffixes;
  if (!t.device().is_cpu()) suffixes.push_back("device='" + t.device().str() + "'");
  const DType dtype = t.dtype();
  std::string body;
  if (t.numel() == 0) {
    // An empty tensor shows its shape unless it is (0,), and any dtype but the default float:
    // no element tells an int64 [] from a float32 [].
    if (t.dim() != 1) suffixes.push_back("size=" + tuple_str(t.shape()));
    if (dtype != kFloat32 && dtype != kComplexFloat) suffixes.push_back(std::string("dtype=ember.") + dtype_name(dtype));
    body = "[]";
  } else {
    // complex64 is the default float's complex counterpart: no suffix, as in torch
    if (dtype != kFloat32 && dtype != kComplexFloat && dtype != kInt64 && dtype != kBool)
      suffixes.push_back(std::string("dtype=ember.") + dtype_name(dtype));
    const Tensor host = t.device().is_cpu() ? t : t.to(Device(kCPU));
    const bool summarize = host.numel() > kThreshold;
    const Kind kind = is_complex(dtype)    ? Kind::Complex
                      : is_floating(dtype) ? Kind::Float
                      : dtype == kBool     ? Kind::Bool
                                           : Kind::Int;
    std::vector<Value> values;
    dispatch_all_and_complex(dtype, "repr", [&](auto tag) {
      using T = typename decltype(tag)::type;
      gather(static_cast<const T*>(host.data_ptr()), host, 0, 0, summarize, values);
    });
    const ElementFormat fmt(kind, values);
    body = Printer(host, values, fmt, summarize).body(0, indent);
  }
  suffixes.insert(suffixes.end(), extra_suffixes.begin(), extra_suffixes.end());
  return add_suffixes(prefix + body, suffixes, indent);
}

std::string Tensor::repr() const { return tensor_repr(*this); }

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << tensor_repr(t); }

}  // namespace ember
