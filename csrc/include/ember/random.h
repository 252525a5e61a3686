#pragma once
// Counter-based random numbers (Philox 4x32-10): a (seed, offset) pair fully determines a
// stream, so the same seed gives the same numbers on every device and thread count.
//
// Each call reserves the Philox blocks it needs from a Generator (key = seed, counters
// offset, offset + 1, ...) and element i of its result is made from block offset + i / 4
// (32-bit draws: float32, float16, bfloat16, bernoulli) or offset + i / 2 (64-bit draws:
// float64, integers), so successive calls never reuse a block.
#include <cstdint>
#include <mutex>
#include <optional>

#include "ember/tensor.h"

namespace ember {

struct PhiloxState {
  uint64_t seed = 0;    // the Philox key
  uint64_t offset = 0;  // the next unused block (128-bit counter value)
};

class EMBER_API Generator {
 public:
  static constexpr uint64_t kDefaultSeed = 67280421310721ull;
  explicit Generator(uint64_t seed = kDefaultSeed) : seed_(seed) {}
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Restarts the stream of `seed` from its beginning.
  void manual_seed(uint64_t seed);
  uint64_t seed() const;
  uint64_t offset() const;
  void set_offset(uint64_t offset);
  PhiloxState state() const;
  void set_state(PhiloxState state);
  // Reserves `blocks` Philox blocks: returns the key and the first block's counter.
  PhiloxState reserve(uint64_t blocks);

 private:
  mutable std::mutex mutex_;  // ops on several threads may draw from one generator
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The process-wide generator every op uses when it is given none. It starts from
// Generator::kDefaultSeed in each process, so programs are reproducible until reseeded.
EMBER_API Generator& default_generator();
EMBER_API void manual_seed(uint64_t seed);

// Each op takes an optional generator; nullptr means default_generator().
// Uniform on [0, 1) (floating dtypes; float32 by default).
EMBER_API Tensor rand(const IntArray& shape, TensorOptions options = {}, Generator* generator = nullptr);
// Standard normal (floating dtypes; float32 by default).
EMBER_API Tensor randn(const IntArray& shape, TensorOptions options = {}, Generator* generator = nullptr);
// Integers uniform on [low, high) (any dtype that holds them; int64 by default).
EMBER_API Tensor randint(int64_t low, int64_t high, const IntArray& shape, TensorOptions options = kInt64,
                         Generator* generator = nullptr);
// A random permutation of 0 .. n-1 (int64 by default).
EMBER_API Tensor randperm(int64_t n, TensorOptions options = kInt64, Generator* generator = nullptr);
// In-place samplers: fill `t` (any layout except overlapping views) with fresh values.
EMBER_API Tensor& uniform_(Tensor& t, double from = 0, double to = 1, Generator* generator = nullptr);
EMBER_API Tensor& normal_(Tensor& t, double mean = 0, double std = 1, Generator* generator = nullptr);
EMBER_API Tensor& exponential_(Tensor& t, double lambd = 1, Generator* generator = nullptr);
// Integers on [from, to); without `to`, on [from, the largest integer the dtype holds exactly].
EMBER_API Tensor& random_(Tensor& t, int64_t from = 0, std::optional<int64_t> to = std::nullopt,
                          Generator* generator = nullptr);
EMBER_API Tensor& bernoulli_(Tensor& t, double p = 0.5, Generator* generator = nullptr);
// Each element is 1 with the probability given by `p` (a floating tensor), else 0; p's dtype.
EMBER_API Tensor bernoulli(const Tensor& p, Generator* generator = nullptr);
// A tensor like `like` (shape, dtype, device) of 1s with probability p, else 0s.
EMBER_API Tensor bernoulli(const Tensor& like, double p, Generator* generator = nullptr);
// Normal samples with per-element mean and std (broadcast together; floating result).
EMBER_API Tensor normal(const Tensor& mean, const Tensor& std, Generator* generator = nullptr);

}  // namespace ember
