// Householder QR of one row-major float64 m x n matrix. Step j reflects rows [j, m) so that
// column j has zeros below the diagonal; the reflectors are kept and applied to the first kq
// columns of the identity, in reverse order, to form Q.
#include <cmath>
#include <vector>

#include "cpu/linalg.h"

namespace ember::cpu::linalg {
namespace {

// x <- (I - 2 v v^T) x on the rows [j, m) of columns [c0, c1) of a row-major matrix with ld
// columns; v is unit length (v[0] belongs to row j).
void reflect(double* x, int64_t ld, int64_t m, int64_t j, int64_t c0, int64_t c1, const double* v,
             std::vector<double>& dots) {
  dots.assign(static_cast<size_t>(c1 - c0), 0.0);
  for (int64_t i = j; i < m; ++i) {
    const double vi = v[i - j];
    if (vi == 0) continue;
    const double* row = x + i * ld;
    for (int64_t c = c0; c < c1; ++c) dots[c - c0] += vi * row[c];
  }
  for (int64_t i = j; i < m; ++i) {
    const double vi = 2 * v[i - j];
    if (vi == 0) continue;
    double* row = x + i * ld;
    for (int64_t c = c0; c < c1; ++c) row[c] -= vi * dots[c - c0];
  }
}

}  // namespace

void qr(double* a, int64_t m, int64_t n, double* q, int64_t kq) {
  const int64_t steps = std::min(m, n);
  std::vector<std::vector<double>> reflectors(static_cast<size_t>(steps));
  std::vector<double> dots;
  for (int64_t j = 0; j < steps; ++j) {
    // v = x - alpha e1 with alpha = -sign(x0) |x| (no cancellation), normalized. Nothing
    // below the diagonal: the reflector is the identity.
    double below2 = 0;
    for (int64_t i = j + 1; i < m; ++i) below2 += a[i * n + j] * a[i * n + j];
    if (below2 == 0) continue;
    const double x0 = a[j * n + j];
    const double norm = std::sqrt(below2 + x0 * x0);
    std::vector<double>& v = reflectors[static_cast<size_t>(j)];
    const double alpha = x0 >= 0 ? -norm : norm;
    v.resize(static_cast<size_t>(m - j));
    v[0] = x0 - alpha;
    for (int64_t i = j + 1; i < m; ++i) v[static_cast<size_t>(i - j)] = a[i * n + j];
    double vnorm2 = 0;
    for (double x : v) vnorm2 += x * x;
    const double scale = 1.0 / std::sqrt(vnorm2);
    for (double& x : v) x *= scale;
    reflect(a, n, m, j, j + 1, n, v.data(), dots);
    a[j * n + j] = alpha;
    for (int64_t i = j + 1; i < m; ++i) a[i * n + j] = 0;
  }
  for (int64_t i = 1; i < m; ++i)
    for (int64_t c = 0; c < std::min(i, n); ++c) a[i * n + c] = 0;
  if (q == nullptr) return;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t c = 0; c < kq; ++c) q[i * kq + c] = i == c ? 1.0 : 0.0;
  for (int64_t j = steps - 1; j >= 0; --j) {
    const std::vector<double>& v = reflectors[static_cast<size_t>(j)];
    if (!v.empty()) reflect(q, kq, m, j, 0, kq, v.data(), dots);
  }
}

}  // namespace ember::cpu::linalg
