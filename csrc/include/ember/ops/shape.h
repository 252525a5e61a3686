#pragma once
// Joining, splitting and rearranging: cat, stack, split, flip, roll, repeat, pad, ...
// Part of the ops API: include <ember/ops.h>.
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ember/tensor.h"

namespace ember {

// ---- shape: joining, splitting and rearranging (copies are strided copies into views) --------
// Joins along an existing dim; inputs promote like torch.cat, 1-D empty tensors are skipped.
EMBER_API Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
// cat into `out` (of the result's shape; its dtype must hold the promoted one).
EMBER_API Tensor& cat_out(const std::vector<Tensor>& tensors, int64_t dim, Tensor& out);
// Joins along a new dim; every input has the same shape.
EMBER_API Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Views of consecutive pieces of `split_size` (the last may be smaller) or of the given sizes.
EMBER_API std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim = 0);
EMBER_API std::vector<Tensor> split_with_sizes(const Tensor& t, const IntArray& sizes, int64_t dim = 0);
EMBER_API std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);
// numpy.array_split: `sections` near-equal views, or views cut at the given indices.
EMBER_API std::vector<Tensor> tensor_split(const Tensor& t, int64_t sections, int64_t dim = 0);
EMBER_API std::vector<Tensor> tensor_split_indices(const Tensor& t, const IntArray& indices, int64_t dim = 0);
EMBER_API std::vector<Tensor> unbind(const Tensor& t, int64_t dim = 0);
EMBER_API Tensor flip(const Tensor& t, const IntArray& dims);
// Rolls along dims by shifts (one shift per dim); no dims: rolls the flattened tensor.
EMBER_API Tensor roll(const Tensor& t, const IntArray& shifts, const IntArray& dims = {});
EMBER_API Tensor repeat(const Tensor& t, const IntArray& repeats);  // Tensor.repeat
EMBER_API Tensor tile(const Tensor& t, const IntArray& reps);
// Each element repeated `repeats` times along dim (nullopt: the flattened tensor).
EMBER_API Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim = std::nullopt,
                                   std::optional<int64_t> output_size = std::nullopt);
// Per-element repeats (an integer tensor of 1 element or one per position along dim).
EMBER_API Tensor repeat_interleave(const Tensor& t, const Tensor& repeats, std::optional<int64_t> dim = std::nullopt,
                                   std::optional<int64_t> output_size = std::nullopt);
// repeat_interleave(repeats): the indices 0..n-1, index i repeated repeats[i] times.
EMBER_API Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> output_size = std::nullopt);
// Lower / upper triangle of the last two dims (batched); `diagonal` shifts the boundary.
EMBER_API Tensor tril(const Tensor& t, int64_t diagonal = 0);
EMBER_API Tensor triu(const Tensor& t, int64_t diagonal = 0);
EMBER_API Tensor& tril_(Tensor& t, int64_t diagonal = 0);
EMBER_API Tensor& triu_(Tensor& t, int64_t diagonal = 0);
// torch.nn.functional.pad: `pad` runs from the last dim backwards (left, right, ...); mode
// "constant" (negative pads crop), "reflect", "replicate" or "circular".
EMBER_API Tensor pad(const Tensor& t, const IntArray& pad, const std::string& mode = "constant",
                     const Scalar& value = 0);
// The gradient of pad with respect to its input: pad regions are summed into the positions
// they were copied from.
EMBER_API Tensor pad_backward(const Tensor& grad_output, const IntArray& input_shape, const IntArray& pad,
                              const std::string& mode = "constant");
EMBER_API std::vector<Tensor> meshgrid(const std::vector<Tensor>& tensors, const std::string& indexing = "ij");
EMBER_API std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors);
EMBER_API Tensor broadcast_to(const Tensor& t, const IntArray& shape);
EMBER_API Tensor block_diag(const std::vector<Tensor>& tensors);
// 1-D: a matrix with t on diagonal `offset`; 2-D: that diagonal as a vector.
EMBER_API Tensor diag(const Tensor& t, int64_t offset = 0);
EMBER_API Tensor diag_embed(const Tensor& t, int64_t offset = 0, int64_t dim1 = -2, int64_t dim2 = -1);
EMBER_API Tensor diagflat(const Tensor& t, int64_t offset = 0);
EMBER_API Tensor trace(const Tensor& t);  // sum of the main diagonal of a matrix

}  // namespace ember
