#pragma once
// Memory-overlap checks shared by the ops that write into an existing tensor (ops/copy.cpp).
#include "ember/tensor.h"

namespace ember {

// Throws when a write through `out` could hit one memory location twice (an expanded view).
void check_writable(const Tensor& out, const char* op);
// True when the element ranges of `a` and `b` in one storage intersect (a cheap, conservative
// test: interleaved views count as overlapping).
bool may_overlap(const Tensor& a, const Tensor& b);

}  // namespace ember
