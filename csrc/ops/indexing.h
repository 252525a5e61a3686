#pragma once
// Shared by the indexing front-ends (ops/indexing*.cpp): advanced indexing as a plan.
//
// t[1, idx, :, mask] runs in two steps. The basic entries (integers, slices, None, ...) become a
// view, and every tensor entry becomes one integer index per dim of that view it takes (a mask
// gives one per dim, from its nonzero coordinates). The index tensors then broadcast to one
// shape B, and their values turn into byte offsets into the view (checked in range once, before
// anything is read or written). The result's shape is the view's with the indexed dims replaced
// by B: in place when they are adjacent, else in front (numpy's and PyTorch's rule).
#include <vector>

#include "ember/ops.h"

namespace ember {

struct IndexedDim {
  int64_t dim;         // dim of the view
  int64_t source_dim;  // dim of the tensor the user indexed (for messages)
  Tensor index;        // int64 or int32
};

struct AdvancedIndex {
  Tensor view;
  std::vector<IndexedDim> indexed;  // ascending dims
  IntArray broadcast_shape;         // B
  Tensor offsets;                   // int64, contiguous, of shape B: byte offsets into the view
  IntArray result_shape;
  bool adjacent = true;             // the indexed dims are adjacent: B takes their place
  int64_t result_pos = 0;           // where B starts in result_shape
  const char* op = "index";
};

// The basic part of `indices` applied to t, and the tensor entries as per-dim index tensors.
AdvancedIndex plan_index(const Tensor& t, const std::vector<TensorIndex>& indices, const char* op);
// Broadcasts the index tensors and computes the offsets (IndexError for a bad index).
void prepare_index(AdvancedIndex& ai);
// A new tensor of ai.result_shape holding view[indices].
Tensor gather_index(const AdvancedIndex& ai);
// view[indices] = values (or += with accumulate); values broadcast to ai.result_shape. Bumps the
// version of the view's storage once, after every check.
void put_index(const AdvancedIndex& ai, const Tensor& values, bool accumulate);

// Whether a tensor of shape `from` broadcasts to `to` without growing (numpy's rule).
bool broadcasts_to(const IntArray& from, const IntArray& to);

// The common checks of the ops that take an index tensor.
void check_index_dtype(const Tensor& index, const char* op);
// IndexError naming op, the bad value, dim and size when an element of `index` is outside [-size, size).
void check_index_range(const Tensor& index, int64_t size, int64_t dim, const char* op);

}  // namespace ember
