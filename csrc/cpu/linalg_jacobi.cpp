// Jacobi methods on one row-major float64 matrix: the cyclic two-sided method for symmetric
// eigenvalues and the one-sided (Hestenes) method for the SVD. Both are slower than
// tridiagonal or bidiagonal reductions for big matrices but simple and accurate to near
// machine precision, small singular values included.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "cpu/linalg.h"

namespace ember::cpu::linalg {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr int kMaxSweeps = 80;

// tan of the rotation angle that zeroes an off-diagonal entry, from theta = cot(2 angle); the
// smaller root keeps the rotation below 45 degrees.
double rotation_tangent(double theta) {
  if (std::abs(theta) > 1e150) return 0.5 / theta;
  const double t = 1.0 / (std::abs(theta) + std::sqrt(1.0 + theta * theta));
  return theta < 0 ? -t : t;
}

// Columns q[0..count) (each of length len, contiguous) are orthonormal; adds unit columns
// until there are `target`, each the standard basis vector least covered by the columns so far
// (its residual is then at least 1/len), orthogonalized twice.
void complete_basis(std::vector<double>& q, int64_t len, int64_t count, int64_t target) {
  q.resize(static_cast<size_t>(len * target));
  std::vector<double> covered(static_cast<size_t>(len), 0.0);
  for (int64_t j = 0; j < count; ++j)
    for (int64_t i = 0; i < len; ++i) covered[i] += q[j * len + i] * q[j * len + i];
  for (int64_t j = count; j < target; ++j) {
    const int64_t pick = std::min_element(covered.begin(), covered.end()) - covered.begin();
    double* col = q.data() + j * len;
    std::fill(col, col + len, 0.0);
    col[pick] = 1;
    for (int pass = 0; pass < 2; ++pass) {
      for (int64_t p = 0; p < j; ++p) {
        const double* other = q.data() + p * len;
        double dot = 0;
        for (int64_t i = 0; i < len; ++i) dot += other[i] * col[i];
        for (int64_t i = 0; i < len; ++i) col[i] -= dot * other[i];
      }
      double norm = 0;
      for (int64_t i = 0; i < len; ++i) norm += col[i] * col[i];
      norm = std::sqrt(norm);
      for (int64_t i = 0; i < len; ++i) col[i] /= norm;
    }
    for (int64_t i = 0; i < len; ++i) covered[i] += col[i] * col[i];
  }
}

// One-sided Jacobi on the `cols` columns (each `rows` long, rows >= cols, contiguous) of w:
// rotates column pairs until all are orthogonal. Returns the singular values descending, the
// left vectors as `ucount` columns of length rows in u (completed to an orthonormal set), and
// the right vectors as columns of length cols in v, in the same order.
void one_sided_jacobi(std::vector<double>& w, int64_t rows, int64_t cols, int64_t ucount,
                      double* s, std::vector<double>& u, std::vector<double>& v) {
  std::vector<double> vj(static_cast<size_t>(cols * cols), 0.0);
  for (int64_t j = 0; j < cols; ++j) vj[j * cols + j] = 1;
  const double tol = kEps * std::max<double>(1.0, std::sqrt(static_cast<double>(rows)));
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    int64_t rotations = 0;
    for (int64_t p = 0; p + 1 < cols; ++p) {
      for (int64_t q = p + 1; q < cols; ++q) {
        double* wp = w.data() + p * rows;
        double* wq = w.data() + q * rows;
        double alpha = 0, beta = 0, gamma = 0;
        for (int64_t i = 0; i < rows; ++i) {
          alpha += wp[i] * wp[i];
          beta += wq[i] * wq[i];
          gamma += wp[i] * wq[i];
        }
        if (gamma == 0 || std::abs(gamma) <= tol * std::sqrt(alpha) * std::sqrt(beta)) continue;
        ++rotations;
        const double t = rotation_tangent((beta - alpha) / (2 * gamma));
        const double c = 1.0 / std::sqrt(1.0 + t * t), sn = c * t;
        for (int64_t i = 0; i < rows; ++i) {
          const double x = wp[i], y = wq[i];
          wp[i] = c * x - sn * y;
          wq[i] = sn * x + c * y;
        }
        double* vp = vj.data() + p * cols;
        double* vq = vj.data() + q * cols;
        for (int64_t i = 0; i < cols; ++i) {
          const double x = vp[i], y = vq[i];
          vp[i] = c * x - sn * y;
          vq[i] = sn * x + c * y;
        }
      }
    }
    if (rotations == 0) break;
  }
  std::vector<double> sigma(static_cast<size_t>(cols));
  for (int64_t j = 0; j < cols; ++j) {
    double norm = 0;
    for (int64_t i = 0; i < rows; ++i) norm += w[j * rows + i] * w[j * rows + i];
    sigma[j] = std::sqrt(norm);
  }
  std::vector<int64_t> order(static_cast<size_t>(cols));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return sigma[x] > sigma[y]; });
  // Columns with a zero singular value carry no direction; they are filled by completion.
  u.assign(static_cast<size_t>(rows * cols), 0.0);
  v.assign(static_cast<size_t>(cols * cols), 0.0);
  int64_t nonzero = 0;
  for (int64_t r = 0; r < cols; ++r) {
    const int64_t j = order[r];
    s[r] = sigma[j];
    std::copy(vj.begin() + j * cols, vj.begin() + (j + 1) * cols, v.begin() + r * cols);
    if (sigma[j] > std::numeric_limits<double>::min()) {
      for (int64_t i = 0; i < rows; ++i) u[r * rows + i] = w[j * rows + i] / sigma[j];
      ++nonzero;
    }
  }
  u.resize(static_cast<size_t>(nonzero * rows));  // the zero columns are the last ones
  complete_basis(u, rows, nonzero, ucount);
}

}  // namespace

void eigh(double* a, int64_t n, double* w, double* v) {
  std::vector<double> vecs;
  if (v != nullptr) {
    vecs.assign(static_cast<size_t>(n * n), 0.0);
    for (int64_t i = 0; i < n; ++i) vecs[i * n + i] = 1;
  }
  auto at = [&](int64_t i, int64_t j) -> double& { return a[i * n + j]; };
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    double off = 0, diag = 0;
    for (int64_t p = 0; p < n; ++p) {
      diag += at(p, p) * at(p, p);
      for (int64_t q = p + 1; q < n; ++q) off += at(p, q) * at(p, q);
    }
    if (off == 0 || off <= kEps * kEps * 1e-4 * diag) break;
    for (int64_t p = 0; p + 1 < n; ++p) {
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = at(p, q);
        if (apq == 0) continue;
        const double app = at(p, p), aqq = at(q, q);
        // Negligible against both diagonal entries: drop it rather than rotate.
        if (std::abs(app) + 100 * std::abs(apq) == std::abs(app) &&
            std::abs(aqq) + 100 * std::abs(apq) == std::abs(aqq) && sweep > 3) {
          at(p, q) = at(q, p) = 0;
          continue;
        }
        const double t = rotation_tangent((aqq - app) / (2 * apq));
        const double c = 1.0 / std::sqrt(1.0 + t * t), s = c * t;
        at(p, p) = app - t * apq;
        at(q, q) = aqq + t * apq;
        at(p, q) = at(q, p) = 0;
        for (int64_t k = 0; k < n; ++k) {
          if (k == p || k == q) continue;
          const double akp = at(k, p), akq = at(k, q);
          at(k, p) = at(p, k) = c * akp - s * akq;
          at(k, q) = at(q, k) = s * akp + c * akq;
        }
        if (v != nullptr) {
          for (int64_t k = 0; k < n; ++k) {
            double* row = vecs.data() + k * n;
            const double vkp = row[p], vkq = row[q];
            row[p] = c * vkp - s * vkq;
            row[q] = s * vkp + c * vkq;
          }
        }
      }
    }
  }
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return at(x, x) < at(y, y); });
  for (int64_t r = 0; r < n; ++r) w[r] = at(order[r], order[r]);
  if (v != nullptr)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t r = 0; r < n; ++r) v[i * n + r] = vecs[i * n + order[r]];
}

void svd(double* a, int64_t m, int64_t n, double* s, double* u, double* vh, bool full) {
  // Work on the tall orientation: columns of A when m >= n, else columns of A^T (rows of A),
  // since A = U S Vh gives A^T = V S U^T.
  const bool tall = m >= n;
  const int64_t rows = tall ? m : n, cols = tall ? n : m;
  std::vector<double> w(static_cast<size_t>(rows * cols));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if (tall) w[j * rows + i] = a[i * n + j];
      else w[i * rows + j] = a[i * n + j];
    }
  const int64_t kmin = cols;
  const int64_t ucount = full ? rows : kmin;
  std::vector<double> left, right;
  one_sided_jacobi(w, rows, cols, u != nullptr ? ucount : kmin, s, left, right);
  if (u == nullptr) return;
  // left: ucount columns of length rows; right: kmin columns of length cols.
  if (tall) {
    const int64_t ku = ucount;  // U is m x ku, Vh is n x n
    for (int64_t i = 0; i < m; ++i)
      for (int64_t r = 0; r < ku; ++r) u[i * ku + r] = left[r * m + i];
    for (int64_t r = 0; r < n; ++r)
      for (int64_t j = 0; j < n; ++j) vh[r * n + j] = right[r * n + j];
  } else {
    const int64_t kv = ucount;  // U is m x m, Vh is kv x n
    for (int64_t i = 0; i < m; ++i)
      for (int64_t r = 0; r < m; ++r) u[i * m + r] = right[r * m + i];
    for (int64_t r = 0; r < kv; ++r)
      for (int64_t j = 0; j < n; ++j) vh[r * n + j] = left[r * n + j];
  }
}

}  // namespace ember::cpu::linalg
