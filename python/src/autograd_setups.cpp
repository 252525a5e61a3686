// Native forms of the setups of the backward rules recorded most often: the reshaping views
// (ctx.shape), sum and mean (ctx.dim, ctx.shape) and indexing with a basic key (ctx.shape,
// ctx.key). A setup runs once per recorded op; as a Python function it cost a frame and a
// pybind11 property read (`input._impl.shape`) per op, a fifth of recording a view.
//
// NativeSetup(kind, fallback) is called as the rule's setup, `setup(ctx, result, *args,
// **kwargs)`, and sets the same attributes the Python setup `fallback` sets; any call it does
// not handle (another spelling, numpy's keywords, an index with tensors) goes to `fallback`
// with the same arguments. The rules' backward functions stay Python.
#include <Python.h>

#include "common.h"
#include "tensor_of.h"

namespace ember_py {

namespace {

enum class Kind { Shape, Reduce, Index };

struct SetupObject {
  PyObject_HEAD
  PyObject* fallback;
  vectorcallfunc vectorcall;
  Kind kind;
};

PyObject* s_impl = nullptr;
PyObject* s_shape = nullptr;
PyObject* s_dim = nullptr;
PyObject* s_keepdim = nullptr;
PyObject* s_dtype = nullptr;
PyObject* s_key = nullptr;
PyObject* s_basic = nullptr;
PyObject* s_key_saved = nullptr;

// input._impl.shape as a tuple of ints, or nullptr (no exception set) when input has no
// native tensor.
PyObject* shape_of(PyObject* input) {
  PyObject* impl = PyObject_GetAttr(input, s_impl);
  if (impl == nullptr) {
    PyErr_Clear();
    return nullptr;
  }
  PyObject* tuple = nullptr;
  const ember::Tensor* native = tensor_of(impl);
  if (native != nullptr) {
    const auto& shape = native->shape();
    tuple = PyTuple_New(static_cast<Py_ssize_t>(shape.size()));
    for (size_t i = 0; tuple != nullptr && i < shape.size(); ++i) {
      PyObject* v = PyLong_FromLongLong(shape[i]);
      if (v == nullptr) Py_CLEAR(tuple);
      else PyTuple_SET_ITEM(tuple, static_cast<Py_ssize_t>(i), v);
    }
  }
  Py_DECREF(impl);
  PyErr_Clear();
  return tuple;
}

// Sets ctx.shape and the given attributes, and returns (input,): the one differentiable input.
PyObject* finish(PyObject* ctx, PyObject* input, PyObject* shape, std::initializer_list<std::pair<PyObject*, PyObject*>> attrs) {
  int rc = PyObject_SetAttr(ctx, s_shape, shape);
  Py_DECREF(shape);
  for (const auto& [name, value] : attrs) {
    if (rc == 0) rc = PyObject_SetAttr(ctx, name, value);
  }
  return rc < 0 ? nullptr : PyTuple_Pack(1, input);
}

bool basic_entry(PyObject* k) {  // recording's _BASIC_KEYS: exactly an int, slice, None or Ellipsis
  return PyLong_CheckExact(k) || PySlice_Check(k) || k == Py_None || k == Py_Ellipsis;
}

PyObject* setup_vectorcall(PyObject* self_obj, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  auto* self = reinterpret_cast<SetupObject*>(self_obj);
  const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  if (nargs >= 3) {
    PyObject *ctx = args[0], *input = args[2];
    switch (self->kind) {
      case Kind::Shape: {  // setup(ctx, result, input, *args, **kwargs): ctx.shape
        PyObject* shape = shape_of(input);
        if (shape != nullptr) return finish(ctx, input, shape, {});
        break;
      }
      case Kind::Reduce: {  // setup(ctx, result, input, dim=None, keepdim=False, *, dtype=None)
        PyObject* dim = nargs >= 4 ? args[3] : Py_None;
        bool plain = nargs <= 5;
        for (Py_ssize_t i = 0; i < nkw && plain; ++i) {
          PyObject* name = PyTuple_GET_ITEM(kwnames, i);
          if (name == s_dim && nargs < 4) dim = args[nargs + i];
          else if (!((name == s_keepdim && nargs < 5) || name == s_dtype)) plain = false;
        }
        if (!plain) break;
        PyObject* shape = shape_of(input);
        if (shape != nullptr) return finish(ctx, input, shape, {{s_dim, dim}});
        break;
      }
      case Kind::Index: {  // setup(ctx, result, input, key) with a key of no index tensors
        if (nargs != 4 || nkw != 0) break;
        PyObject* key = args[3];
        bool basic = basic_entry(key);
        if (!basic && PyTuple_CheckExact(key)) {
          basic = true;
          for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(key) && basic; ++i) basic = basic_entry(PyTuple_GET_ITEM(key, i));
        }
        if (!basic) break;
        PyObject* shape = shape_of(input);
        if (shape != nullptr)
          return finish(ctx, input, shape, {{s_key, key}, {s_basic, Py_True}, {s_key_saved, Py_False}});
        break;
      }
    }
  }
  return PyObject_Vectorcall(self->fallback, args, nargsf, kwnames);
}

PyObject* setup_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  const char* kind_name;
  PyObject* fallback;
  static const char* names[] = {"kind", "fallback", nullptr};
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sO:NativeSetup", const_cast<char**>(names), &kind_name, &fallback))
    return nullptr;
  Kind kind;
  if (std::string(kind_name) == "shape") kind = Kind::Shape;
  else if (std::string(kind_name) == "reduce") kind = Kind::Reduce;
  else if (std::string(kind_name) == "index") kind = Kind::Index;
  else {
    PyErr_Format(PyExc_ValueError, "NativeSetup: no kind %s (shape, reduce, index)", kind_name);
    return nullptr;
  }
  auto* self = reinterpret_cast<SetupObject*>(type->tp_alloc(type, 0));
  if (self == nullptr) return nullptr;
  self->fallback = Py_NewRef(fallback);
  self->vectorcall = setup_vectorcall;
  self->kind = kind;
  return reinterpret_cast<PyObject*>(self);
}

int setup_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(reinterpret_cast<SetupObject*>(self)->fallback);
  return 0;
}

int setup_clear(PyObject* self) {
  Py_CLEAR(reinterpret_cast<SetupObject*>(self)->fallback);
  return 0;
}

void setup_dealloc(PyObject* self) {
  PyObject_GC_UnTrack(self);
  setup_clear(self);
  Py_TYPE(self)->tp_free(self);
}

PyTypeObject SetupType = {PyVarObject_HEAD_INIT(nullptr, 0)};

void init_setup_type() {
  SetupType.tp_name = "ember._C._autograd_setups.NativeSetup";
  SetupType.tp_basicsize = sizeof(SetupObject);
  SetupType.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL;
  SetupType.tp_doc = "NativeSetup(kind, fallback): a rule's setup (kind 'shape', 'reduce' or 'index') in C.";
  SetupType.tp_vectorcall_offset = offsetof(SetupObject, vectorcall);
  SetupType.tp_call = PyVectorcall_Call;
  SetupType.tp_traverse = setup_traverse;
  SetupType.tp_clear = setup_clear;
  SetupType.tp_dealloc = setup_dealloc;
  SetupType.tp_new = setup_new;
}

}  // namespace

void bind_autograd_setups(py::module_& m) {
  py::module_ sub = m.def_submodule("_autograd_setups", "native setups of the most recorded backward rules");
  init_setup_type();
  if (PyType_Ready(&SetupType) < 0) throw py::error_already_set();
  Py_INCREF(&SetupType);
  if (PyModule_AddObject(sub.ptr(), "NativeSetup", reinterpret_cast<PyObject*>(&SetupType)) < 0)
    throw py::error_already_set();
  s_impl = PyUnicode_InternFromString("_impl");
  s_shape = PyUnicode_InternFromString("shape");
  s_dim = PyUnicode_InternFromString("dim");
  s_keepdim = PyUnicode_InternFromString("keepdim");
  s_dtype = PyUnicode_InternFromString("dtype");
  s_key = PyUnicode_InternFromString("key");
  s_basic = PyUnicode_InternFromString("basic");
  s_key_saved = PyUnicode_InternFromString("key_saved");
}

}  // namespace ember_py
