// Random ops: check arguments, reserve Philox blocks from the generator, and let the device's
// random kernel fill a contiguous buffer (the result itself, or a temporary copied into a
// strided target).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ember/ops.h"
#include "ember/random.h"
#include "ops/overlap.h"

namespace ember {

// ---- Generator ---------------------------------------------------------------------------------
void Generator::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = seed;
  offset_ = 0;
}
uint64_t Generator::seed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seed_;
}
uint64_t Generator::offset() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return offset_;
}
void Generator::set_offset(uint64_t offset) {
  std::lock_guard<std::mutex> lock(mutex_);
  offset_ = offset;
}
PhiloxState Generator::state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {seed_, offset_};
}
void Generator::set_state(PhiloxState state) {
  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = state.seed;
  offset_ = state.offset;
}
PhiloxState Generator::reserve(uint64_t blocks) {
  std::lock_guard<std::mutex> lock(mutex_);
  PhiloxState s{seed_, offset_};
  offset_ += blocks;
  return s;
}

Generator& default_generator() {
  static Generator gen;
  return gen;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

namespace {
Generator& generator_or_default(Generator* g) { return g ? *g : default_generator(); }

// Fills `out` with one call's draws. Contiguous outputs are written in place; other layouts
// receive a contiguous temporary, so element i is always the i-th in row-major order.
void fill(Tensor& out, RandomFill f, Generator* generator, const char* op) {
  check_writable(out, op);
  f.dtype = out.dtype();
  f.numel = out.numel();
  if (f.numel == 0) {
    out.bump_version();
    return;
  }
  const RandomKernel kernel = random_kernel.get(out.device(), op);
  const int per_block = random_per_block(f.dist, f.dtype);
  const PhiloxState s = generator_or_default(generator).reserve(static_cast<uint64_t>((f.numel + per_block - 1) / per_block));
  f.seed = s.seed;
  f.offset = s.offset;
  if (out.is_contiguous()) {
    f.out = out.data_ptr();
    f.device = out.device().index;
    kernel(f);
    out.bump_version();
    return;
  }
  Tensor tmp = empty(out.shape(), TensorOptions(out.dtype()).device(out.device()));
  f.out = tmp.data_ptr();
  f.device = tmp.device().index;
  kernel(f);
  out.copy_(tmp);
}

void check_floating(DType dtype, const char* op) {
  EMBER_CHECK_TYPE(is_floating(dtype), op, ": expected a floating-point dtype, got ", dtype_name(dtype));
}

// A per-element parameter as the kernels read it: contiguous float64 of `shape`.
Tensor as_param(const Tensor& t, const IntArray& shape) { return t.to(kFloat64).expand(shape).contiguous(); }

// Checks lo <= v <= hi for every element of a float64 parameter (NaN fails), on the host.
template <typename Pred>
void check_each(const Tensor& param, const Pred& ok, const char* op, const char* what) {
  const Tensor host = param.device().is_cpu() ? param : param.to(Device(kCPU));
  const double* p = static_cast<const double*>(host.data_ptr());
  for (int64_t i = 0; i < host.numel(); ++i)
    EMBER_CHECK_VALUE(ok(p[i]), op, ": ", what, ", but found ", p[i], " at flat index ", i);
}

// The integers dtype holds exactly: [lo, hi].
std::pair<int64_t, int64_t> exact_int_range(DType dtype) {
  switch (dtype) {
    case kBool: return {0, 1};
    case kUInt8: return {0, 255};
    case kInt8: return {-128, 127};
    case kInt16: return {-32768, 32767};
    case kInt32: return {INT32_MIN, INT32_MAX};
    case kInt64: return {INT64_MIN, INT64_MAX};
    case kFloat16: return {-(1 << 11), 1 << 11};
    case kBFloat16: return {-(1 << 8), 1 << 8};
    case kFloat32: return {-(1 << 24), 1 << 24};
    default: return {-(int64_t(1) << 53), int64_t(1) << 53};
  }
}

// Fills `out` with integers on [low, high_inclusive].
void fill_integers(Tensor& out, int64_t low, int64_t high_inclusive, Generator* generator, const char* op) {
  const auto [lo, hi] = exact_int_range(out.dtype());
  EMBER_CHECK_VALUE(low >= lo && high_inclusive <= hi, op, ": the range [", low, ", ", high_inclusive,
                    "] does not fit dtype ", dtype_name(out.dtype()), ", which holds [", lo, ", ", hi, "] exactly");
  RandomFill f;
  f.dist = RandomDist::Integer;
  f.low = low;
  f.range = static_cast<uint64_t>(high_inclusive) - static_cast<uint64_t>(low) + 1;  // 2^64 wraps to 0
  fill(out, f, generator, op);
}
}  // namespace

// ---- in-place samplers ---------------------------------------------------------------------------
Tensor& uniform_(Tensor& t, double from, double to, Generator* generator) {
  check_floating(t.dtype(), "uniform_");
  EMBER_CHECK_VALUE(from <= to, "uniform_: expected from <= to, but got from=", from, " > to=", to);
  EMBER_CHECK_VALUE(std::isfinite(from) && std::isfinite(to), "uniform_: from and to must be finite, got from=",
                    from, ", to=", to);
  RandomFill f;
  f.dist = RandomDist::Uniform;
  f.a = from;
  f.b = to;
  fill(t, f, generator, "uniform_");
  return t;
}

Tensor& normal_(Tensor& t, double mean, double std, Generator* generator) {
  check_floating(t.dtype(), "normal_");
  EMBER_CHECK_VALUE(std >= 0, "normal_: expected std >= 0, but got std=", std);
  RandomFill f;
  f.dist = RandomDist::Normal;
  f.a = mean;
  f.b = std;
  fill(t, f, generator, "normal_");
  return t;
}

Tensor& exponential_(Tensor& t, double lambd, Generator* generator) {
  check_floating(t.dtype(), "exponential_");
  EMBER_CHECK_VALUE(lambd > 0, "exponential_: expected lambd > 0, but got lambd=", lambd);
  RandomFill f;
  f.dist = RandomDist::Exponential;
  f.a = lambd;
  fill(t, f, generator, "exponential_");
  return t;
}

Tensor& random_(Tensor& t, int64_t from, std::optional<int64_t> to, Generator* generator) {
  if (to) {
    EMBER_CHECK_VALUE(from < *to, "random_: expected from < to, but got from=", from, " >= to=", *to);
    fill_integers(t, from, *to - 1, generator, "random_");
  } else {
    fill_integers(t, from, exact_int_range(t.dtype()).second, generator, "random_");
  }
  return t;
}

Tensor& bernoulli_(Tensor& t, double p, Generator* generator) {
  EMBER_CHECK_VALUE(p >= 0 && p <= 1, "bernoulli_: expected 0 <= p <= 1, but got p=", p);
  RandomFill f;
  f.dist = RandomDist::Bernoulli;
  f.a = p;
  fill(t, f, generator, "bernoulli_");
  return t;
}

// ---- sampling functions --------------------------------------------------------------------------
Tensor rand(const IntArray& shape, TensorOptions options, Generator* generator) {
  check_floating(options.dtype_or(kFloat32), "rand");
  Tensor t = empty(shape, options.dtype(options.dtype_or(kFloat32)));
  return uniform_(t, 0, 1, generator);
}

Tensor randn(const IntArray& shape, TensorOptions options, Generator* generator) {
  check_floating(options.dtype_or(kFloat32), "randn");
  Tensor t = empty(shape, options.dtype(options.dtype_or(kFloat32)));
  return normal_(t, 0, 1, generator);
}

Tensor randint(int64_t low, int64_t high, const IntArray& shape, TensorOptions options, Generator* generator) {
  EMBER_CHECK_VALUE(low < high, "randint: expected low < high, but got low=", low, ", high=", high);
  Tensor t = empty(shape, options.dtype(options.dtype_or(kInt64)));
  fill_integers(t, low, high - 1, generator, "randint");
  return t;
}

Tensor randperm(int64_t n, TensorOptions options, Generator* generator) {
  const DType dtype = options.dtype_or(kInt64);
  EMBER_CHECK_VALUE(n >= 0, "randperm: n must be non-negative, got ", n);
  EMBER_CHECK_TYPE(dtype != kBool, "randperm: not implemented for dtype bool");
  EMBER_CHECK_VALUE(n == 0 || n - 1 <= exact_int_range(dtype).second, "randperm: n=", n,
                    " is too large for dtype ", dtype_name(dtype));
  // Sorting indices by 64-bit Philox keys gives a uniform permutation (ties, at odds of about
  // n^2 / 2^65, fall back to index order) that any device can reproduce with its own sort.
  Tensor keys = empty({n}, kInt64);
  fill_integers(keys, INT64_MIN, INT64_MAX, generator, "randperm");
  const int64_t* k = keys.data_ptr<int64_t>();
  Tensor perm = empty({n}, kInt64);
  int64_t* p = perm.data_ptr<int64_t>();
  std::iota(p, p + n, int64_t(0));
  std::sort(p, p + n, [k](int64_t a, int64_t b) { return k[a] != k[b] ? k[a] < k[b] : a < b; });
  return perm.to(dtype).to(options.device_);
}

Tensor bernoulli(const Tensor& p, Generator* generator) {
  EMBER_CHECK_TYPE(is_floating(p.dtype()), "bernoulli: expected a floating-point tensor of probabilities, got ",
                   dtype_name(p.dtype()));
  const Tensor param = as_param(p, p.shape());
  check_each(param, [](double v) { return v >= 0 && v <= 1; }, "bernoulli", "expected 0 <= p <= 1");
  Tensor out = empty(p.shape(), TensorOptions(p.dtype()).device(p.device()));
  RandomFill f;
  f.dist = RandomDist::Bernoulli;
  f.param_a = static_cast<const double*>(param.data_ptr());
  fill(out, f, generator, "bernoulli");
  return out;
}

Tensor bernoulli(const Tensor& like, double p, Generator* generator) {
  Tensor out = empty(like.shape(), TensorOptions(like.dtype()).device(like.device()));
  return bernoulli_(out, p, generator);
}

Tensor normal(const Tensor& mean, const Tensor& std, Generator* generator) {
  EMBER_CHECK(mean.device() == std.device(), "normal: mean is on ", mean.device().str(), " but std is on ",
              std.device().str());
  const DType dtype = result_type({mean, std});
  EMBER_CHECK_TYPE(is_floating(dtype), "normal: expected a floating-point mean or std, got ", dtype_name(mean.dtype()),
                   " and ", dtype_name(std.dtype()));
  const IntArray shape = broadcast_shapes(mean.shape(), std.shape(), "normal");
  const Tensor m = as_param(mean, shape), s = as_param(std, shape);
  check_each(s, [](double v) { return v >= 0; }, "normal", "expected std >= 0");
  Tensor out = empty(shape, TensorOptions(dtype).device(mean.device()));
  RandomFill f;
  f.dist = RandomDist::Normal;
  f.param_a = static_cast<const double*>(m.data_ptr());
  f.param_b = static_cast<const double*>(s.data_ptr());
  fill(out, f, generator, "normal");
  return out;
}

}  // namespace ember
