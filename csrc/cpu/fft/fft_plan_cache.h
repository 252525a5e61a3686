#pragma once
// The thread-safe cache of plans, keyed by (length, direction); one cache per plan type and
// precision. Building a plan of a large length costs about as much as a few transforms (its
// twiddles), so repeated transforms of one length build it once. The cache holds at most
// kMaxCachedPlans plans and forgets them all when it fills; callers hold shared_ptrs, so a plan
// in use outlives its eviction.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

namespace ember::fft {

constexpr size_t kMaxCachedPlans = 256;

template <typename Plan>
class PlanCache {
 public:
  static PlanCache& instance() {
    static PlanCache cache;
    return cache;
  }

  std::shared_ptr<const Plan> get(int64_t n, bool forward) {
    const auto key = std::make_pair(n, forward);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = plans_.find(key);
      if (it != plans_.end()) return it->second;
    }
    // Built outside the lock: a plan may itself ask a cache for sub-plans, and other lengths
    // need not wait. Two threads may build the same plan; the first stored wins.
    auto plan = std::make_shared<const Plan>(n, forward);
    std::lock_guard<std::mutex> lock(mutex_);
    if (plans_.size() >= kMaxCachedPlans) plans_.clear();
    return plans_.emplace(key, std::move(plan)).first->second;
  }

  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    plans_.clear();
  }

 private:
  std::mutex mutex_;
  std::map<std::pair<int64_t, bool>, std::shared_ptr<const Plan>> plans_;
};

}  // namespace ember::fft
