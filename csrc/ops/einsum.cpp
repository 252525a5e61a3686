// einsum, tensordot and kron. einsum parses the equation into labels (52 letters, then one label
// per dim that "..." covers), takes repeated labels of an operand as diagonal views, sums labels
// that no one else needs, and contracts the operands left to right, each pair as one batched
// matmul: [batch, free of A, contracted] x [batch, contracted, free of B].
#include <algorithm>
#include <array>

#include "core/shape.h"
#include "ember/ops.h"

namespace ember {

namespace {

constexpr int kLetters = 52;

int letter_label(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
  return -1;
}

// A label as the messages show it: the letter, or "..." for the dims the ellipsis covers.
std::string label_name(int label) {
  if (label >= kLetters) return "...";
  return std::string(1, label < 26 ? static_cast<char>('A' + label) : static_cast<char>('a' + label - 26));
}

// One side of the equation for one operand: its letters and where "..." stands among them.
struct Term {
  std::vector<int> letters;
  int ellipsis_at = -1;  // index into letters before which "..." stands; -1 when absent
};

Term parse_term(const std::string& s, const std::string& what) {
  Term term;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      EMBER_CHECK_VALUE(s.compare(i, 3, "...") == 0, "einsum(): ", what, " has a '.' that is not part of '...'");
      EMBER_CHECK_VALUE(term.ellipsis_at < 0, "einsum(): ", what, " has more than one '...'");
      term.ellipsis_at = static_cast<int>(term.letters.size());
      i += 2;
      continue;
    }
    const int label = letter_label(c);
    EMBER_CHECK_VALUE(label >= 0, "einsum(): invalid subscript '", c, "' in ", what,
                      ": subscripts must be letters a-z or A-Z (or '...')");
    term.letters.push_back(label);
  }
  return term;
}

// An operand with one label per dim.
struct Labeled {
  Tensor t;
  std::vector<int> labels;
};

Tensor sum_labels(const Tensor& t, std::vector<int>& labels, const std::vector<bool>& drop) {
  IntArray dims;
  std::vector<int> left;
  for (size_t d = 0; d < labels.size(); ++d) {
    if (drop[labels[d]]) dims.push_back(static_cast<int64_t>(d));
    else left.push_back(labels[d]);
  }
  if (dims.empty()) return t;
  labels = left;
  return sum(t, dims, false, t.dtype());
}

int64_t product(const Tensor& t, const IntArray& dims) {
  int64_t p = 1;
  for (int64_t d : dims) p *= t.size(d);
  return p;
}

// Contracts A and B: labels in both are batch dims when `keep` needs them later, else summed by
// the matmul; labels in one operand only are its free dims (those not kept are summed first).
Labeled contract(Labeled a, Labeled b, const std::vector<bool>& keep) {
  const size_t nl = keep.size();
  std::vector<int> pos_a(nl, -1), pos_b(nl, -1);
  for (size_t d = 0; d < a.labels.size(); ++d) pos_a[a.labels[d]] = static_cast<int>(d);
  for (size_t d = 0; d < b.labels.size(); ++d) pos_b[b.labels[d]] = static_cast<int>(d);
  std::vector<bool> drop_a(nl, false), drop_b(nl, false);
  for (size_t l = 0; l < nl; ++l) {
    drop_a[l] = pos_a[l] >= 0 && pos_b[l] < 0 && !keep[l];
    drop_b[l] = pos_b[l] >= 0 && pos_a[l] < 0 && !keep[l];
  }
  a.t = sum_labels(a.t, a.labels, drop_a);
  b.t = sum_labels(b.t, b.labels, drop_b);
  std::fill(pos_a.begin(), pos_a.end(), -1);
  std::fill(pos_b.begin(), pos_b.end(), -1);
  for (size_t d = 0; d < a.labels.size(); ++d) pos_a[a.labels[d]] = static_cast<int>(d);
  for (size_t d = 0; d < b.labels.size(); ++d) pos_b[b.labels[d]] = static_cast<int>(d);

  std::vector<int> batch, free_a, free_b, summed;
  for (size_t l = 0; l < nl; ++l) {
    const int li = static_cast<int>(l);
    if (pos_a[l] >= 0 && pos_b[l] >= 0) (keep[l] ? batch : summed).push_back(li);
    else if (pos_a[l] >= 0) free_a.push_back(li);
    else if (pos_b[l] >= 0) free_b.push_back(li);
  }
  const auto dims_of = [](const std::vector<int>& labels, const std::vector<int>& pos) {
    IntArray dims;
    for (int l : labels) dims.push_back(pos[l]);
    return dims;
  };
  const IntArray bd_a = dims_of(batch, pos_a), fd_a = dims_of(free_a, pos_a), sd_a = dims_of(summed, pos_a);
  const IntArray bd_b = dims_of(batch, pos_b), fd_b = dims_of(free_b, pos_b), sd_b = dims_of(summed, pos_b);
  IntArray perm_a = bd_a, perm_b = bd_b;
  perm_a.insert(perm_a.end(), fd_a.begin(), fd_a.end());
  perm_a.insert(perm_a.end(), sd_a.begin(), sd_a.end());
  perm_b.insert(perm_b.end(), sd_b.begin(), sd_b.end());
  perm_b.insert(perm_b.end(), fd_b.begin(), fd_b.end());
  const int64_t nb = product(a.t, bd_a), m = product(a.t, fd_a), k = product(a.t, sd_a), n = product(b.t, fd_b);
  const Tensor lhs = a.t.permute(perm_a).reshape({nb, m, k});
  const Tensor rhs = b.t.permute(perm_b).reshape({nb, k, n});
  IntArray shape;
  for (int64_t d : bd_a) shape.push_back(a.t.size(d));
  for (int64_t d : fd_a) shape.push_back(a.t.size(d));
  for (int64_t d : fd_b) shape.push_back(b.t.size(d));
  Labeled r;
  r.t = matmul(lhs, rhs).view(shape);
  r.labels = batch;
  r.labels.insert(r.labels.end(), free_a.begin(), free_a.end());
  r.labels.insert(r.labels.end(), free_b.begin(), free_b.end());
  return r;
}

}  // namespace

Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands) {
  EMBER_CHECK_VALUE(!operands.empty(), "einsum(): needs at least one operand");
  for (size_t i = 0; i < operands.size(); ++i) {
    EMBER_CHECK_TYPE(operands[i].dtype() == operands[0].dtype(), "einsum(): operands must share one dtype, but operand 0 is ",
                     dtype_name(operands[0].dtype()), " and operand ", i, " is ", dtype_name(operands[i].dtype()));
    EMBER_CHECK(operands[i].device() == operands[0].device(), "einsum(): operands must be on one device");
  }
  EMBER_CHECK_TYPE(operands[0].dtype() != kBool, "einsum(): not implemented for dtype bool");

  // ---- parse: "lhs0,lhs1->out" with spaces ignored ----
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  const size_t arrow = eq.find("->");
  EMBER_CHECK_VALUE(arrow == std::string::npos || eq.find("->", arrow + 2) == std::string::npos,
                    "einsum(): the equation '", equation, "' has more than one '->'");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<Term> terms;
  size_t start = 0;
  while (true) {
    const size_t comma = lhs.find(',', start);
    const std::string part = lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    terms.push_back(parse_term(part, detail::str_cat("the subscripts of operand ", terms.size())));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  EMBER_CHECK_VALUE(terms.size() == operands.size(), "einsum(): the equation '", equation, "' has ", terms.size(),
                    " operand", terms.size() == 1 ? "" : "s", " but ", operands.size(), " tensor",
                    operands.size() == 1 ? " was" : "s were", " given");

  // ---- labels per dim: letters, then the dims "..." covers (right-aligned, as broadcasting) ----
  int64_t ell = 0;  // how many dims "..." stands for in the broadcast result
  for (size_t i = 0; i < terms.size(); ++i) {
    const int64_t named = static_cast<int64_t>(terms[i].letters.size()), nd = operands[i].dim();
    if (terms[i].ellipsis_at < 0)
      EMBER_CHECK_SHAPE(named == nd, "einsum(): operand ", i, " has ", nd, " dims (shape ",
                        shape_str(operands[i].shape()), ") but its subscripts name ", named);
    else
      EMBER_CHECK_SHAPE(named <= nd, "einsum(): operand ", i, " has ", nd, " dims (shape ",
                        shape_str(operands[i].shape()), "), fewer than the ", named, " its subscripts name");
    if (terms[i].ellipsis_at >= 0) ell = std::max(ell, nd - named);
  }
  const size_t nl = kLetters + static_cast<size_t>(ell);
  std::vector<Labeled> ops(operands.size());
  std::vector<int64_t> size(nl, -1);  // the broadcast size of each label
  std::vector<int> size_from(nl, -1);
  for (size_t i = 0; i < terms.size(); ++i) {
    const Term& term = terms[i];
    const int64_t e = operands[i].dim() - static_cast<int64_t>(term.letters.size());
    std::vector<int>& labels = ops[i].labels;
    for (size_t j = 0; j <= term.letters.size(); ++j) {
      if (static_cast<int>(j) == term.ellipsis_at)
        for (int64_t k = 0; k < e; ++k) labels.push_back(kLetters + static_cast<int>(ell - e + k));
      if (j < term.letters.size()) labels.push_back(term.letters[j]);
    }
    for (size_t d = 0; d < labels.size(); ++d) {
      const int l = labels[d];
      const int64_t s = operands[i].size(static_cast<int64_t>(d));
      for (size_t d2 = 0; d2 < d; ++d2)
        EMBER_CHECK_SHAPE(labels[d2] != l || operands[i].size(static_cast<int64_t>(d2)) == s, "einsum(): subscript '",
                          label_name(l), "' is repeated in operand ", i, " for dims of sizes ",
                          operands[i].size(static_cast<int64_t>(d2)), " and ", s);
      if (size[l] < 0 || size[l] == 1) {
        if (s != 1 || size[l] < 0) size_from[l] = static_cast<int>(i);
        size[l] = size[l] < 0 || s != 1 ? s : size[l];
      } else {
        EMBER_CHECK_SHAPE(s == 1 || s == size[l], "einsum(): subscript '", label_name(l), "' has size ", size[l],
                          " in operand ", size_from[l], " but size ", s, " in operand ", i,
                          l >= kLetters ? " (the dims '...' covers cannot be broadcast)" : "");
      }
    }
    ops[i].t = operands[i];
  }

  // ---- the output labels ----
  std::vector<int> out;
  std::vector<int> uses(nl, 0);  // in how many operand dims a label occurs
  for (const auto& op : ops)
    for (int l : op.labels) ++uses[l];
  if (arrow != std::string::npos) {
    const Term term = parse_term(eq.substr(arrow + 2), "the output subscripts");
    for (size_t j = 0; j <= term.letters.size(); ++j) {
      if (static_cast<int>(j) == term.ellipsis_at)
        for (int64_t k = 0; k < ell; ++k) out.push_back(kLetters + static_cast<int>(k));
      if (j == term.letters.size()) break;
      const int l = term.letters[j];
      EMBER_CHECK_VALUE(uses[l] > 0, "einsum(): output subscript '", label_name(l), "' does not appear in any operand");
      EMBER_CHECK_VALUE(std::count(out.begin(), out.end(), l) == 0, "einsum(): output subscript '", label_name(l),
                        "' appears more than once");
      out.push_back(l);
    }
  } else {  // implicit: "..." first, then the letters used once, in alphabetical order
    for (int64_t k = 0; k < ell; ++k) out.push_back(kLetters + static_cast<int>(k));
    for (int l = 0; l < kLetters; ++l)
      if (uses[l] == 1) out.push_back(l);
  }
  std::vector<bool> in_out(nl, false);
  for (int l : out) in_out[l] = true;

  // ---- per operand: diagonals of repeated labels, drop broadcast size-1 dims, early sums ----
  for (auto& op : ops) {
    for (size_t d = 0; d < op.labels.size(); ++d) {
      for (size_t d2 = d + 1; d2 < op.labels.size(); ++d2) {
        if (op.labels[d2] != op.labels[d]) continue;
        // diagonal() moves the shared dim last; the label follows it.
        const int l = op.labels[d];
        op.t = op.t.diagonal(0, static_cast<int64_t>(d), static_cast<int64_t>(d2));
        op.labels.erase(op.labels.begin() + static_cast<int64_t>(d2));
        op.labels.erase(op.labels.begin() + static_cast<int64_t>(d));
        op.labels.push_back(l);
        d = static_cast<size_t>(-1);  // start over: positions moved
        break;
      }
    }
    // A size-1 dim that broadcasts against a larger size is the same as no dim at all.
    for (size_t d = op.labels.size(); d-- > 0;) {
      if (op.t.size(static_cast<int64_t>(d)) == 1 && size[op.labels[d]] != 1) {
        op.t = op.t.squeeze(static_cast<int64_t>(d));
        op.labels.erase(op.labels.begin() + static_cast<int64_t>(d));
      }
    }
  }
  // Operands holding each label (after diagonals each label occurs once per operand).
  std::vector<int> holders(nl, 0);
  for (const auto& op : ops)
    for (int l : op.labels) ++holders[l];
  for (auto& op : ops) {
    std::vector<bool> drop(nl, false);
    for (int l : op.labels) drop[l] = holders[l] == 1 && !in_out[l];
    op.t = sum_labels(op.t, op.labels, drop);
  }

  // ---- contract left to right; `keep`: labels the output or a later operand needs ----
  Labeled acc = ops[0];
  for (size_t i = 1; i < ops.size(); ++i) {
    std::vector<bool> keep = in_out;
    for (size_t j = i + 1; j < ops.size(); ++j)
      for (int l : ops[j].labels) keep[l] = true;
    acc = contract(acc, ops[i], keep);
  }
  std::vector<bool> drop(nl, false);
  for (int l : acc.labels) drop[l] = !in_out[l];
  acc.t = sum_labels(acc.t, acc.labels, drop);

  // ---- the output order; labels absent from acc (all size-1 broadcasts) come back as size 1 ----
  IntArray perm;
  IntArray shape;
  Tensor r = acc.t;
  for (int l : out) {
    auto it = std::find(acc.labels.begin(), acc.labels.end(), l);
    if (it == acc.labels.end()) {
      r = r.unsqueeze(r.dim());
      acc.labels.push_back(l);
      it = acc.labels.end() - 1;
    }
    perm.push_back(it - acc.labels.begin());
  }
  return r.permute(perm);
}

Tensor tensordot(const Tensor& a, const Tensor& b, const IntArray& dims_a, const IntArray& dims_b) {
  EMBER_CHECK_VALUE(dims_a.size() == dims_b.size(), "tensordot(): both dim lists must have the same length, got ",
                    dims_a.size(), " and ", dims_b.size());
  std::vector<bool> used_a(a.dim(), false), used_b(b.dim(), false);
  IntArray ca, cb;
  for (size_t i = 0; i < dims_a.size(); ++i) {
    const int64_t da = wrap_dim(dims_a[i], a.dim(), "tensordot"), db = wrap_dim(dims_b[i], b.dim(), "tensordot");
    EMBER_CHECK_VALUE(!used_a[da] && !used_b[db], "tensordot(): dim ", used_a[da] ? da : db, " of ",
                      used_a[da] ? "the first" : "the second", " tensor is contracted twice");
    EMBER_CHECK_SHAPE(a.size(da) == b.size(db), "tensordot(): contracted dims differ in size: dim ", da, " of ",
                      shape_str(a.shape()), " has size ", a.size(da), " but dim ", db, " of ", shape_str(b.shape()),
                      " has size ", b.size(db));
    used_a[da] = used_b[db] = true;
    ca.push_back(da);
    cb.push_back(db);
  }
  IntArray perm_a, perm_b, shape;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (!used_a[d]) perm_a.push_back(d), shape.push_back(a.size(d));
  const int64_t m = product(a, perm_a);
  perm_a.insert(perm_a.end(), ca.begin(), ca.end());
  perm_b = cb;
  IntArray free_b;
  for (int64_t d = 0; d < b.dim(); ++d)
    if (!used_b[d]) free_b.push_back(d), shape.push_back(b.size(d));
  const int64_t n = product(b, free_b), k = product(a, ca);
  perm_b.insert(perm_b.end(), free_b.begin(), free_b.end());
  return matmul(a.permute(perm_a).reshape({m, k}), b.permute(perm_b).reshape({k, n})).view(shape);
}

Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims) {
  EMBER_CHECK_VALUE(dims >= 0, "tensordot(): expected a non-negative number of dims, got ", dims);
  EMBER_CHECK_VALUE(dims <= a.dim() && dims <= b.dim(), "tensordot(): cannot contract ", dims,
                    " dims of tensors of shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()));
  IntArray da, db;
  for (int64_t i = 0; i < dims; ++i) {
    da.push_back(a.dim() - dims + i);
    db.push_back(i);
  }
  return tensordot(a, b, da, db);
}

Tensor kron(const Tensor& a, const Tensor& b) {
  // Align dims from the right, interleave as [a0, 1, a1, 1, ...] x [1, b0, 1, b1, ...] and let
  // the broadcast product fill [a0, b0, a1, b1, ...], which reshapes to [a0 * b0, ...].
  const int64_t nd = std::max(a.dim(), b.dim());
  IntArray sa(nd - a.dim(), 1), sb(nd - b.dim(), 1);
  sa.insert(sa.end(), a.shape().begin(), a.shape().end());
  sb.insert(sb.end(), b.shape().begin(), b.shape().end());
  IntArray ia, ib, shape;
  for (int64_t d = 0; d < nd; ++d) {
    ia.insert(ia.end(), {sa[d], 1});
    ib.insert(ib.end(), {1, sb[d]});
    shape.push_back(sa[d] * sb[d]);
  }
  return mul(a.reshape(ia), b.reshape(ib)).reshape(shape);
}

}  // namespace ember
