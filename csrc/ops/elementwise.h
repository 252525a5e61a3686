#pragma once
// Shared by the elementwise front-ends (ops/binary.cpp, ops/unary.cpp, ops/elementwise.cpp):
// device checks, output allocation and the "write into an existing tensor" protocol of the
// in-place and out= forms.
#include <vector>

#include "dispatch/kernels.h"
#include "ember/ops.h"

namespace ember::elementwise {

// The device the op runs on: every operand's, except that 0-dim CPU tensors (Python numbers)
// may join tensors on another device, as in PyTorch. Mismatches name both devices.
Device common_device(const char* op, const std::vector<Tensor>& operands);

// `t` as `dtype` on `device` (itself when it already is).
Tensor convert(const Tensor& t, DType dtype, Device device);

// A fresh output of `shape` laid out like the inputs: when the first input that tells dims
// apart is permuted (a transposed matrix), so is the output, so that iteration stays dense.
Tensor new_output(const IntArray& shape, DType dtype, Device device, const std::vector<Tensor>& inputs);

// Runs `launch(iter)` over an output and the inputs (already of the compute dtype), and returns
// the output. `result` is the kernel's output dtype. With `out` (in-place and out= forms) it
// checks that the result can be cast to out's dtype ("result type float32 can't be cast to the
// desired output type int64"), that `shape` is out's shape and that out has no internal
// overlap; it copies inputs that partially overlap out, computes in a temporary when out's
// dtype differs (or the kernel may fail midway), and bumps out's version once.
template <typename Launch>
Tensor run(const char* op, DType result, const IntArray& shape, Device device, std::vector<Tensor> inputs,
           const Tensor* out, bool may_fail, const Launch& launch);

// ---- implementation ----
void check_out(const char* op, const Tensor& out, DType result, const IntArray& shape);
// The inputs to read while writing `out`: any that partially overlaps it is cloned.
void separate_inputs(const Tensor& out, std::vector<Tensor>& inputs);
void write_back(const Tensor& out, const Tensor& result);

template <typename Launch>
Tensor run(const char* op, DType result, const IntArray& shape, Device device, std::vector<Tensor> inputs,
           const Tensor* out, bool may_fail, const Launch& launch) {
  auto iterate = [&](const Tensor& target) {
    TensorIter iter = inputs.size() == 1   ? TensorIter::elementwise(target, {inputs[0]})
                      : inputs.size() == 2 ? TensorIter::elementwise(target, {inputs[0], inputs[1]})
                                           : TensorIter::elementwise(target, {inputs[0], inputs[1], inputs[2]});
    launch(iter);
  };
  if (out == nullptr) {
    Tensor target = new_output(shape, result, device, inputs);
    iterate(target);
    return target;
  }
  check_out(op, *out, result, shape);
  if (out->dtype() == result && !may_fail) {
    separate_inputs(*out, inputs);
    iterate(*out);
  } else {
    Tensor target = new_output(shape, result, device, inputs);
    iterate(target);
    write_back(*out, target);
  }
  out->bump_version();
  return *out;
}

}  // namespace ember::elementwise
