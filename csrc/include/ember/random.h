#pragma once
// Counter-based random numbers (Philox 4x32-10): a (seed, offset) pair fully determines a
// stream, so the same seed gives the same numbers on every device and thread count.
#include <cstdint>
#include <optional>

#include "ember/tensor.h"

namespace ember {

class EMBER_API Generator {
 public:
  explicit Generator(uint64_t seed = 67280421310721ull) : seed_(seed) {}
  void manual_seed(uint64_t seed) { seed_ = seed; offset_ = 0; }
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t offset) { offset_ = offset; }
  // Reserves `n` 128-bit Philox blocks and returns the offset of the first.
  uint64_t reserve(uint64_t n) { uint64_t o = offset_; offset_ += n; return o; }

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

EMBER_API Generator& default_generator();
EMBER_API void manual_seed(uint64_t seed);

EMBER_API Tensor rand(const IntArray& shape, TensorOptions options = {});
EMBER_API Tensor randn(const IntArray& shape, TensorOptions options = {});
EMBER_API Tensor randint(int64_t low, int64_t high, const IntArray& shape, TensorOptions options = kInt64);
EMBER_API Tensor randperm(int64_t n, TensorOptions options = kInt64);
EMBER_API Tensor& uniform_(Tensor& t, double from = 0, double to = 1);
EMBER_API Tensor& normal_(Tensor& t, double mean = 0, double std = 1);
// Each element is 1 with the probability given by `p` (a floating tensor), else 0.
EMBER_API Tensor bernoulli(const Tensor& p);
EMBER_API Tensor bernoulli(const Tensor& like, double p);

}  // namespace ember
