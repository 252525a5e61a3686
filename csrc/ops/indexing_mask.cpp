// The mask ops: masked_fill (through the `where` kernel), masked_select / masked_scatter (a mask
// index through the advanced-indexing plan), nonzero / argwhere.
#include "core/shape.h"
#include "dispatch/kernels.h"
#include "ops/indexing.h"
#include "ops/overlap.h"

namespace ember {

namespace {
void check_mask(const Tensor& mask, const char* op) {
  EMBER_CHECK_TYPE(mask.dtype() == kBool, op, ": expected a bool mask, got ", dtype_name(mask.dtype()));
}

// The mask broadcasts to self's shape (in-place forms cannot grow self).
void check_mask_fits(const Tensor& self, const Tensor& mask, const char* op) {
  EMBER_CHECK_SHAPE(broadcasts_to(mask.shape(), self.shape()), op,
                    ": mask of shape ", shape_str(mask.shape()), " cannot be broadcast to self's shape ",
                    shape_str(self.shape()));
}

Tensor fill_value(const Tensor& self, const Tensor& value, const char* op) {
  EMBER_CHECK_VALUE(value.dim() == 0, op, ": only supports a 0-dim value tensor, got one of shape ",
                    shape_str(value.shape()));
  const Tensor v = value.device() == self.device() ? value : value.to(self.device());
  return v.to(self.dtype());
}

void run_where(const Tensor& out, const Tensor& mask, const Tensor& value, const Tensor& self, const char* op) {
  if (out.numel() == 0) return;
  TensorIter iter = TensorIter::elementwise(out, {mask, value, self});
  where_kernel.get(out.device(), op)(iter);
}
}  // namespace

Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value) {
  const char* op = "masked_fill_";
  check_mask(mask, op);
  check_mask_fits(self, mask, op);
  const Tensor v = fill_value(self, value, op);
  check_writable(self, op);
  const Tensor m = may_overlap(self, mask) ? mask.clone() : mask;
  self.bump_version();
  run_where(self, m, v, self, op);
  return self;
}

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  const char* op = "masked_fill";
  check_mask(mask, op);
  const IntArray shape = broadcast_shapes(self.shape(), mask.shape(), op);
  const Tensor v = fill_value(self, value, op);
  Tensor out = empty(shape, TensorOptions(self.dtype()).device(self.device()));
  run_where(out, mask, v, self, op);
  return out;
}

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  const char* op = "masked_select";
  check_mask(mask, op);
  const IntArray shape = broadcast_shapes(self.shape(), mask.shape(), op);
  AdvancedIndex ai = plan_index(self.expand(shape), {TensorIndex::tensor(mask.expand(shape))}, op);
  prepare_index(ai);
  return gather_index(ai);
}

Tensor& masked_scatter_(Tensor& self, const Tensor& mask, const Tensor& source) {
  const char* op = "masked_scatter_";
  check_mask(mask, op);
  check_mask_fits(self, mask, op);
  EMBER_CHECK_TYPE(source.dtype() == self.dtype(), op, ": self (", dtype_name(self.dtype()), ") and source (",
                   dtype_name(source.dtype()), ") must have the same dtype");
  AdvancedIndex ai = plan_index(self, {TensorIndex::tensor(mask.expand(self.shape()))}, op);
  prepare_index(ai);
  const int64_t n = ai.result_shape[0];
  EMBER_CHECK_SHAPE(source.numel() >= n, op, ": the mask selects ", n, " elements but source (shape ",
                    shape_str(source.shape()), ") has only ", source.numel());
  put_index(ai, source.reshape({-1}).narrow(0, 0, n), false);
  return self;
}

Tensor masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source) {
  check_mask(mask, "masked_scatter");
  Tensor out = self.expand(broadcast_shapes(self.shape(), mask.shape(), "masked_scatter")).clone();
  return masked_scatter_(out, mask, source);
}

Tensor nonzero(const Tensor& self) { return nonzero_kernel.get(self.device(), "nonzero")(self); }

Tensor argwhere(const Tensor& self) { return nonzero(self); }

}  // namespace ember
