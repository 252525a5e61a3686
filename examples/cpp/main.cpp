// A short tour of ember's C++ API: tensors, views, arithmetic, matmul, softmax, random
// numbers, and errors. Every op here is the same function the Python package calls.
#include <ember/ember.h>

#include <iostream>

int main() {
  // A 2x3 matrix [[0, 1, 2], [3, 4, 5]], and its transpose: a view that shares the memory.
  ember::Tensor a = ember::arange(6, ember::kFloat32).view({2, 3});
  ember::Tensor at = a.t();
  std::cout << "a =\n" << a << "\n";
  std::cout << "a.t() has shape " << ember::shape_str(at.shape()) << ", strides "
            << ember::shape_str(at.strides()) << ", contiguous: " << std::boolalpha << at.is_contiguous() << "\n";

  // Elementwise arithmetic broadcasts and promotes like PyTorch.
  ember::Tensor b = a * 2 + 1;
  std::cout << "a * 2 + 1 =\n" << b << "\n";

  // matmul reads the transposed view in place: (2x3) @ (3x2) -> 2x2.
  ember::Tensor g = ember::matmul(a, at);
  std::cout << "a @ a.t() =\n" << g << "\n";

  // Softmax along the last dim: each row sums to 1.
  ember::Tensor p = ember::softmax(g, -1);
  std::cout << "softmax(a @ a.t(), -1) =\n" << p << "\n";
  std::cout << "row sums: " << p.sum(1) << "\n";

  // Random numbers are reproducible from a seed.
  ember::manual_seed(0);
  ember::Tensor r1 = ember::randn({3});
  ember::manual_seed(0);
  ember::Tensor r2 = ember::randn({3});
  std::cout << "same seed, same numbers: " << ember::all(ember::eq(r1, r2)).item<bool>() << "\n";

  // Bad input raises ember::Error, whose message names the op and the shapes.
  try {
    ember::matmul(a, a);
  } catch (const ember::Error& e) {
    std::cout << "caught ember::Error: " << e.what() << "\n";
  }
  return 0;
}
