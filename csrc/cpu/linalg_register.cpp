// The CPU linalg kernel: runs one LinalgOp over the batch, one problem per task, in parallel.
#include "cpu/linalg.h"
#include "cpu/parallel.h"
#include "dispatch/kernels.h"

namespace ember {
namespace {

// The complex ops: a, b and c hold std::complex<double> elements.
void linalg_complex_cpu(LinalgOp op, const LinalgArgs& x, int64_t grain) {
  using cpu::linalg::cdouble;
  const int64_t m = x.m, n = x.n, k = x.k;
  const int64_t kmin = std::min(m, n);
  cdouble* a = reinterpret_cast<cdouble*>(x.a);
  cdouble* b = reinterpret_cast<cdouble*>(x.b);
  cdouble* c = reinterpret_cast<cdouble*>(x.c);
  EMBER_CHECK(op == LinalgOp::LuFactor || op == LinalgOp::LuSolve || op == LinalgOp::TriangularSolve ||
                  op == LinalgOp::Eig,
              "linalg: no complex kernel for this factorization");
  parallel_for(0, x.batch, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t i = b0; i < b1; ++i) {
      switch (op) {
        case LinalgOp::LuFactor:
          x.info[i] = cpu::linalg::lu_factor_complex(a + i * m * n, m, n, x.pivots + i * kmin);
          break;
        case LinalgOp::LuSolve:
          cpu::linalg::lu_solve_complex(a + i * n * n, x.pivots + i * n, n, b + i * n * k, k);
          break;
        case LinalgOp::TriangularSolve:
          cpu::linalg::triangular_solve_complex(a + i * n * n, n, b + i * n * k, k, x.upper, x.unitriangular);
          break;
        case LinalgOp::Eig:
          x.info[i] = cpu::linalg::eig(a + i * n * n, n, b + i * n, c ? c + i * n * n : nullptr);
          break;
        default:
          break;  // refused above
      }
    }
  });
}

void linalg_cpu(LinalgOp op, const LinalgArgs& x) {
  const int64_t m = x.m, n = x.n, k = x.k;
  const int64_t kmin = std::min(m, n);
  // A big problem already runs near cache capacity: one per thread is enough parallelism.
  const int64_t grain = n >= 64 ? 1 : std::max<int64_t>(1, 4096 / std::max<int64_t>(1, n * n));
  if (x.complex) {
    linalg_complex_cpu(op, x, grain);
    return;
  }
  EMBER_CHECK(op != LinalgOp::Eig, "linalg: the Eig kernel takes complex matrices only");
  parallel_for(0, x.batch, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t i = b0; i < b1; ++i) {
      switch (op) {
        case LinalgOp::LuFactor:
          x.info[i] = cpu::linalg::lu_factor(x.a + i * m * n, m, n, x.pivots + i * kmin);
          break;
        case LinalgOp::LuSolve:
          cpu::linalg::lu_solve(x.a + i * n * n, x.pivots + i * n, n, x.b + i * n * k, k);
          break;
        case LinalgOp::Cholesky:
          x.info[i] = cpu::linalg::cholesky(x.a + i * n * n, n);
          break;
        case LinalgOp::TriangularSolve:
          cpu::linalg::triangular_solve(x.a + i * n * n, n, x.b + i * n * k, k, x.upper, x.unitriangular);
          break;
        case LinalgOp::Qr:
          cpu::linalg::qr(x.a + i * m * n, m, n, x.c ? x.c + i * m * k : nullptr, k);
          break;
        case LinalgOp::Eigh:
          cpu::linalg::eigh(x.a + i * n * n, n, x.b + i * n, x.c ? x.c + i * n * n : nullptr);
          break;
        case LinalgOp::Svd: {
          const int64_t ku = x.full ? m : kmin, kv = x.full ? n : kmin;
          cpu::linalg::svd(x.a + i * m * n, m, n, x.b + i * kmin, x.c ? x.c + i * m * ku : nullptr,
                           x.d ? x.d + i * kv * n : nullptr, x.full);
          break;
        }
        case LinalgOp::Eig:
          break;  // refused above
      }
    }
  });
}

}  // namespace

void register_cpu_linalg_kernels() { linalg_kernel.set(DeviceType::CPU, linalg_cpu); }

}  // namespace ember
