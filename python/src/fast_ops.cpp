// Native bodies of the ops called most often on small tensors: Tensor.view, Tensor.__getitem__
// with a basic key (ints, slices, None, ...), and sum. They are the op layer's implementations
// of those ops (what the wrapper calls on its fast path and grad recording runs), in C because
// on a tiny tensor the call through pybind11 and the Python body cost more than the op: the
// argument conversion of `_C.sum` alone is 400 ns, against 600 ns for the reduction.
//
// Each handles the common spellings only: exact ints, None, slices of ints, a tuple or list of
// ints, a dtype. Anything else, and every error, goes to the Python implementation it stands
// for (set_fallback), with the same arguments: so the results, the errors and their messages
// stay those of the Python code, and these functions never raise on their own.
#include <Python.h>
#include <structmember.h>

#include <vector>

#include "common.h"
#include "tensor_of.h"

namespace ember_py {

namespace {

using ember::Tensor;
using ember::TensorIndex;

PyTypeObject* g_tensor = nullptr;  // ember.Tensor, and the offsets of its slots
Py_ssize_t g_off_impl = -1, g_off_node = -1, g_off_view_base = -1;
PyObject* g_fallback_view = nullptr;
PyObject* g_fallback_getitem = nullptr;
PyObject* g_fallback_sum = nullptr;
PyObject* s_dim = nullptr;
PyObject* s_keepdim = nullptr;
PyObject* s_dtype = nullptr;

// A sum over this many elements or more releases the GIL, as the pybind11 binding does for
// every size: a small one is done before another thread could take the GIL.
constexpr int64_t kSumReleasesGil = 1 << 15;

PyObject* slot(PyObject* obj, Py_ssize_t offset) {
  return *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(obj) + offset);
}

void set_slot(PyObject* obj, Py_ssize_t offset, PyObject* value) {  // steals `value`
  PyObject** p = reinterpret_cast<PyObject**>(reinterpret_cast<char*>(obj) + offset);
  PyObject* old = *p;
  *p = value;
  Py_XDECREF(old);
}

PyObject* g_impl_slot = nullptr;  // Tensor's `_impl` member descriptor
PyObject* s_impl = nullptr;

// The native tensor of an ember.Tensor, or nullptr (no exception set) when obj is none, or is
// of a class that computes `_impl` itself (a sparse tensor, which has no strided storage).
const Tensor* native_of(PyObject* obj) {
  if (g_tensor == nullptr || !PyObject_TypeCheck(obj, g_tensor)) return nullptr;
  if (Py_TYPE(obj) != g_tensor && _PyType_Lookup(Py_TYPE(obj), s_impl) != g_impl_slot) return nullptr;
  PyObject* impl = slot(obj, g_off_impl);
  return impl == nullptr ? nullptr : tensor_of(impl);
}

// An ember.Tensor holding `t`: a view of `base` (of base's own base, if base is a view) or,
// with base null, a constant that is no view. Returns nullptr with an exception set.
PyObject* wrap(Tensor&& t, PyObject* base) {
  py::object impl = py::cast(std::move(t));
  PyObject* out = g_tensor->tp_alloc(g_tensor, 0);
  if (out == nullptr) return nullptr;
  PyObject* root = base == nullptr ? Py_None : slot(base, g_off_view_base);
  if (base != nullptr && (root == nullptr || root == Py_None)) root = base;
  set_slot(out, g_off_impl, impl.release().ptr());
  set_slot(out, g_off_node, Py_NewRef(Py_None));
  set_slot(out, g_off_view_base, Py_NewRef(root));
  return out;
}

// An exact int (not a bool, not an int subclass such as a traced size) as int64.
bool exact_int(PyObject* obj, int64_t* out) {
  if (!PyLong_CheckExact(obj)) return false;
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
  if (overflow != 0 || (v == -1 && PyErr_Occurred())) {
    PyErr_Clear();
    return false;
  }
  *out = v;
  return true;
}

// Exact ints of a list or a tuple (ember.Size, a tuple subclass, included).
bool exact_ints(PyObject* seq, std::vector<int64_t>* out) {
  if (!PyList_CheckExact(seq) && !PyTuple_Check(seq)) return false;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject** items = PySequence_Fast_ITEMS(seq);
  out->resize(static_cast<size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (!exact_int(items[i], &(*out)[static_cast<size_t>(i)])) return false;
  }
  return true;
}

PyObject* fallback(PyObject* fn, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  if (fn == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "ember._C._fast: set_fallback() has not run");
    return nullptr;
  }
  return PyObject_Vectorcall(fn, args, nargsf, kwnames);
}

// ---- Tensor.view(self, *shape) -------------------------------------------------------------------

PyObject* py_view(PyObject*, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  const Tensor* self = nargs >= 1 && kwnames == nullptr ? native_of(args[0]) : nullptr;
  if (self == nullptr) return fallback(g_fallback_view, args, nargsf, kwnames);
  std::vector<int64_t> shape;
  bool plain = true;
  if (nargs == 2 && !PyLong_CheckExact(args[1])) {  // a list, a tuple or an ember.Size
    plain = exact_ints(args[1], &shape);  // view((2, 3)), view([2, 3])
  } else {
    shape.resize(static_cast<size_t>(nargs - 1));
    for (Py_ssize_t i = 1; i < nargs && plain; ++i) plain = exact_int(args[i], &shape[static_cast<size_t>(i - 1)]);
  }
  if (!plain) return fallback(g_fallback_view, args, nargsf, kwnames);
  try {
    return wrap(self->view(shape), args[0]);
  } catch (const std::exception&) {  // the Python body raises it, in the binding's words
  }
  return fallback(g_fallback_view, args, nargsf, kwnames);
}

// ---- Tensor.__getitem__(self, key) with a basic key ------------------------------------------------

bool optional_int(PyObject* obj, std::optional<int64_t>* out) {
  if (obj == Py_None) {
    *out = std::nullopt;
    return true;
  }
  int64_t v;
  if (!exact_int(obj, &v)) return false;
  *out = v;
  return true;
}

// One entry of a key, as the Python __getitem__ passes it on untouched: an exact int, a slice
// of exact ints and None, None, Ellipsis. False for anything it would rewrite or reject.
bool basic_index(PyObject* k, std::vector<TensorIndex>* out) {
  int64_t i;
  if (exact_int(k, &i)) {
    out->push_back(TensorIndex::at(i));
  } else if (k == Py_None) {
    out->push_back(TensorIndex::none());
  } else if (k == Py_Ellipsis) {
    out->push_back(TensorIndex::ellipsis());
  } else if (PySlice_Check(k)) {
    auto* s = reinterpret_cast<PySliceObject*>(k);
    std::optional<int64_t> start, stop, step;
    if (!optional_int(s->start, &start) || !optional_int(s->stop, &stop) || !optional_int(s->step, &step)) return false;
    out->push_back(TensorIndex::slice(start, stop, step.value_or(1)));
  } else {
    return false;
  }
  return true;
}

PyObject* py_getitem(PyObject*, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  const Tensor* self = nargs == 2 && kwnames == nullptr ? native_of(args[0]) : nullptr;
  if (self == nullptr) return fallback(g_fallback_getitem, args, nargsf, kwnames);
  PyObject* key = args[1];
  std::vector<TensorIndex> indices;
  bool basic = true;
  if (PyTuple_CheckExact(key)) {
    const Py_ssize_t n = PyTuple_GET_SIZE(key);
    indices.reserve(static_cast<size_t>(n));
    for (Py_ssize_t i = 0; i < n && basic; ++i) basic = basic_index(PyTuple_GET_ITEM(key, i), &indices);
  } else {
    basic = basic_index(key, &indices);
  }
  if (!basic) return fallback(g_fallback_getitem, args, nargsf, kwnames);
  try {
    return wrap(ember::index(*self, indices), args[0]);  // basic indices: always a view
  } catch (const std::exception&) {
  }
  return fallback(g_fallback_getitem, args, nargsf, kwnames);
}

// ---- sum(input, dim=None, keepdim=False, *, dtype=None) -------------------------------------------

PyObject* py_sum(PyObject*, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  PyObject* dim = Py_None;
  PyObject* keepdim = Py_False;
  PyObject* dtype = Py_None;
  bool plain = nargs >= 1 && nargs <= 3;
  if (plain && nargs >= 2) dim = args[1];
  if (plain && nargs >= 3) keepdim = args[2];
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t i = 0; i < nkw && plain; ++i) {  // interned names: compared by identity
    PyObject* name = PyTuple_GET_ITEM(kwnames, i);
    PyObject* value = args[nargs + i];
    if (name == s_dim && nargs < 2) dim = value;
    else if (name == s_keepdim && nargs < 3) keepdim = value;
    else if (name == s_dtype) dtype = value;
    else plain = false;  // numpy's spellings, a repeated argument, a name to report
  }
  const Tensor* input = plain ? native_of(args[0]) : nullptr;
  if (input == nullptr || (keepdim != Py_True && keepdim != Py_False))
    return fallback(g_fallback_sum, args, nargsf, kwnames);
  std::optional<std::vector<int64_t>> dims;
  if (dim != Py_None) {
    std::vector<int64_t> d(1);
    if (!exact_int(dim, &d[0]) && !exact_ints(dim, &d)) return fallback(g_fallback_sum, args, nargsf, kwnames);
    dims = std::move(d);
  }
  try {
    std::optional<ember::DType> out_dtype;
    if (dtype != Py_None) out_dtype = py::handle(dtype).cast<ember::DType>();
    Tensor result;
    if (input->numel() >= kSumReleasesGil) {
      py::gil_scoped_release nogil;
      result = ember::sum(*input, dims, keepdim == Py_True, out_dtype);
    } else {
      result = ember::sum(*input, dims, keepdim == Py_True, out_dtype);
    }
    return wrap(std::move(result), nullptr);
  } catch (const std::exception&) {
  }
  return fallback(g_fallback_sum, args, nargsf, kwnames);
}

// ---- setup ---------------------------------------------------------------------------------------

Py_ssize_t slot_offset(PyTypeObject* type, const char* name) {
  PyObject* descr = PyDict_GetItemString(type->tp_dict, name);  // borrowed
  if (descr == nullptr || !Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
    PyErr_Format(PyExc_TypeError, "ember._C._fast: %s.%s is not a slot", type->tp_name, name);
    return -1;
  }
  return reinterpret_cast<PyMemberDescrObject*>(descr)->d_member->offset;
}

// setup(Tensor): the class these functions take and make.
PyObject* py_setup(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 1 || !PyType_Check(args[0])) {
    PyErr_SetString(PyExc_TypeError, "setup(Tensor)");
    return nullptr;
  }
  auto* type = reinterpret_cast<PyTypeObject*>(args[0]);
  const Py_ssize_t off_impl = slot_offset(type, "_impl");
  const Py_ssize_t off_node = slot_offset(type, "_node");
  const Py_ssize_t off_view_base = slot_offset(type, "_view_base");
  if (off_impl < 0 || off_node < 0 || off_view_base < 0) return nullptr;
  g_off_impl = off_impl;
  g_off_node = off_node;
  Py_XSETREF(g_impl_slot, Py_NewRef(PyDict_GetItemString(type->tp_dict, "_impl")));
  g_off_view_base = off_view_base;
  Py_XSETREF(g_tensor, reinterpret_cast<PyTypeObject*>(Py_NewRef(args[0])));
  Py_RETURN_NONE;
}

// set_fallback(name, fn): the Python implementation that `name` ("view", "getitem", "sum")
// hands what it does not handle to.
PyObject* py_set_fallback(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 2 || !PyUnicode_Check(args[0])) {
    PyErr_SetString(PyExc_TypeError, "set_fallback(name, fn)");
    return nullptr;
  }
  PyObject** target = nullptr;
  if (PyUnicode_CompareWithASCIIString(args[0], "view") == 0) target = &g_fallback_view;
  else if (PyUnicode_CompareWithASCIIString(args[0], "getitem") == 0) target = &g_fallback_getitem;
  else if (PyUnicode_CompareWithASCIIString(args[0], "sum") == 0) target = &g_fallback_sum;
  if (target == nullptr) {
    PyErr_Format(PyExc_ValueError, "set_fallback: no native op %R", args[0]);
    return nullptr;
  }
  Py_XSETREF(*target, Py_NewRef(args[1]));
  Py_RETURN_NONE;
}

PyMethodDef methods[] = {
    {"view", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_view)), METH_FASTCALL | METH_KEYWORDS,
     "Tensor.view(self, *shape) for ints or one sequence of ints"},
    {"getitem", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_getitem)),
     METH_FASTCALL | METH_KEYWORDS, "Tensor.__getitem__(self, key) for a key of ints, slices, None and Ellipsis"},
    {"sum", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_sum)), METH_FASTCALL | METH_KEYWORDS,
     "sum(input, dim=None, keepdim=False, *, dtype=None) with dim None, an int or ints"},
    {"setup", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_setup)), METH_FASTCALL,
     "setup(Tensor): the tensor class"},
    {"set_fallback", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_set_fallback)), METH_FASTCALL,
     "set_fallback(name, fn): the Python implementation for every other call"},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

void bind_fast_ops(py::module_& m) {
  py::module_ sub = m.def_submodule("_fast", "native bodies of the hottest small-tensor ops");
  if (PyModule_AddFunctions(sub.ptr(), methods) < 0) throw py::error_already_set();
  s_impl = PyUnicode_InternFromString("_impl");
  s_dim = PyUnicode_InternFromString("dim");
  s_keepdim = PyUnicode_InternFromString("keepdim");
  s_dtype = PyUnicode_InternFromString("dtype");
}

}  // namespace ember_py
