// The wrapper of an op of the op layer (python/ember/_op_layer.py), in C: the callable that
// `@op` returns and Tensor methods are.
//
// Why C: the wrapper runs on every op call, and as a Python function it cost a frame, the
// repacking of *args/**kwargs and a call of fn on top of the op itself (700 ns of the 2 us of
// `x.sum(dim=1, keepdim=True)`). Here the fast path (no mode active in any thread, no operand
// requiring grad) tests the same things and passes its arguments on to fn as they came
// (vectorcall), with no tuple or dict built.
//
// Semantics, as the Python wrapper had them: when the op layer's list of active modes is
// empty and no positional or keyword argument is a Tensor whose `_node` is set (looking inside
// list and tuple arguments too, unless the op is an operator), fn runs at once. Otherwise, with
// no mode active, the op's `record(args, kwargs)` (set on its OpDef by grad recording's first
// call) or `known(op, args, kwargs)`; with a mode active, `dispatch(op, args, kwargs)`. An
// operand whose class computes `_node` itself (sparse tensors) sends the call to the Python
// form of this wrapper, `python_call(op, args, kwargs)`.
//
// The object binds like a function (a method descriptor: `t.view(-1)` calls it with t first,
// without a bound method) and has a __dict__ for what functools.update_wrapper copies.
#include <Python.h>
#include <structmember.h>

#include <algorithm>

#include "common.h"

namespace ember_py {

namespace {

// Set once by setup().
PyTypeObject* g_tensor = nullptr;  // ember.Tensor
Py_ssize_t g_off_node = -1;        // its `_node` slot
PyObject* g_known = nullptr;       // _op_layer._record_known(op, args, kwargs)
PyObject* g_dispatch = nullptr;    // _op_layer.dispatch(op, args, kwargs)
PyObject* s_record = nullptr;      // "record"
PyObject* s_node = nullptr;        // "_node"
PyObject* g_node_slot = nullptr;   // Tensor's `_node` member descriptor
PyObject* g_python_call = nullptr; // _op_layer._call_python(op, args, kwargs)

struct OpObject {
  PyObject_HEAD
  PyObject* od;      // the OpDef
  PyObject* fn;      // the implementation
  PyObject* active;  // _op_layer._ACTIVE (a list, never rebound)
  PyObject* dict;
  PyObject* weaklist;
  vectorcallfunc vectorcall;
  int scan_sequences;  // look inside list/tuple arguments (ops; operators take none)
};

constexpr int kNoGrad = 0, kGrad = 1, kOwnNode = 2;

// kGrad if `value` is a Tensor with an edge (or, with `deep`, an exact list/tuple holding one
// at any depth), kNoGrad if not, kOwnNode for a Tensor whose class computes `_node` itself (a
// sparse tensor's is its values' edge), which only Python can ask.
int requires_grad(PyObject* value, bool deep) {
  if (g_tensor != nullptr && PyObject_TypeCheck(value, g_tensor)) {
    PyTypeObject* type = Py_TYPE(value);
    if (type != g_tensor && _PyType_Lookup(type, s_node) != g_node_slot) return kOwnNode;
    PyObject* edge = *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(value) + g_off_node);
    return edge != nullptr && edge != Py_None ? kGrad : kNoGrad;
  }
  if (!deep) return kNoGrad;
  int found = kNoGrad;
  if (PyList_CheckExact(value) || PyTuple_CheckExact(value)) {
    // A list may change under us only through Python code, and none runs in this loop.
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(value);
    PyObject** items = PySequence_Fast_ITEMS(value);
    for (Py_ssize_t i = 0; i < n && found != kOwnNode; ++i) found = std::max(found, requires_grad(items[i], true));
  }
  return found;
}

// The call's arguments as the (args tuple, kwargs dict) the slow paths take. Grad recording
// only reads its kwargs (it copies them to change them), so a call without keywords that
// goes there (`shared_empty`) gets the one empty dict; a mode gets a dict of its own.
PyObject* g_no_kwargs = nullptr;

bool pack(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, bool shared_empty, PyObject** tuple,
          PyObject** dict) {
  *tuple = PyTuple_New(nargs);
  *dict = shared_empty && kwnames == nullptr ? Py_NewRef(g_no_kwargs) : PyDict_New();
  if (*tuple == nullptr || *dict == nullptr) {
    Py_XDECREF(*tuple);
    Py_XDECREF(*dict);
    return false;
  }
  for (Py_ssize_t i = 0; i < nargs; ++i) PyTuple_SET_ITEM(*tuple, i, Py_NewRef(args[i]));
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    if (PyDict_SetItem(*dict, PyTuple_GET_ITEM(kwnames, i), args[nargs + i]) < 0) {
      Py_DECREF(*tuple);
      Py_DECREF(*dict);
      return false;
    }
  }
  return true;
}

PyObject* op_vectorcall(PyObject* self_obj, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  auto* self = reinterpret_cast<OpObject*>(self_obj);
  const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  const bool idle = PyList_GET_SIZE(self->active) == 0;
  int grad = kNoGrad;
  if (idle) {
    const bool deep = self->scan_sequences != 0;
    for (Py_ssize_t i = 0; i < nargs + nkw && grad != kOwnNode; ++i)
      grad = std::max(grad, requires_grad(args[i], deep || i >= nargs));
    if (grad == kNoGrad) return PyObject_Vectorcall(self->fn, args, nargsf, kwnames);
  }
  PyObject *tuple, *dict;
  if (!pack(args, nargs, kwnames, idle && grad == kGrad, &tuple, &dict)) return nullptr;
  PyObject* result = nullptr;
  if (grad == kOwnNode) {
    PyObject* call[3] = {self->od, tuple, dict};
    result = PyObject_Vectorcall(g_python_call, call, 3, nullptr);
  } else if (idle) {
    PyObject* record = PyObject_GetAttr(self->od, s_record);
    if (record != nullptr) {
      PyObject* call[3] = {self->od, tuple, dict};
      result = record != Py_None ? PyObject_Vectorcall(record, call + 1, 2, nullptr)
                                 : PyObject_Vectorcall(g_known, call, 3, nullptr);
      Py_DECREF(record);
    }
  } else {
    PyObject* call[3] = {self->od, tuple, dict};
    result = PyObject_Vectorcall(g_dispatch, call, 3, nullptr);
  }
  Py_DECREF(tuple);
  Py_DECREF(dict);
  return result;
}

PyObject* op_new(PyTypeObject* type, PyObject* args, PyObject* kwargs) {
  PyObject *od, *fn, *active;
  int scan_sequences = 1;
  static const char* names[] = {"od", "fn", "active", "scan_sequences", nullptr};
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOO!|p:Op", const_cast<char**>(names), &od, &fn, &PyList_Type,
                                   &active, &scan_sequences))
    return nullptr;
  if (g_known == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "Op: _C._op_layer.setup() has not run");
    return nullptr;
  }
  auto* self = reinterpret_cast<OpObject*>(type->tp_alloc(type, 0));
  if (self == nullptr) return nullptr;
  self->od = Py_NewRef(od);
  self->fn = Py_NewRef(fn);
  self->active = Py_NewRef(active);
  self->dict = nullptr;
  self->weaklist = nullptr;
  self->vectorcall = op_vectorcall;
  self->scan_sequences = scan_sequences;
  return reinterpret_cast<PyObject*>(self);
}

int op_traverse(PyObject* self_obj, visitproc visit, void* arg) {
  auto* self = reinterpret_cast<OpObject*>(self_obj);
  Py_VISIT(self->od);
  Py_VISIT(self->fn);
  Py_VISIT(self->active);
  Py_VISIT(self->dict);
  return 0;
}

int op_clear(PyObject* self_obj) {
  auto* self = reinterpret_cast<OpObject*>(self_obj);
  Py_CLEAR(self->od);
  Py_CLEAR(self->fn);
  Py_CLEAR(self->active);
  Py_CLEAR(self->dict);
  return 0;
}

void op_dealloc(PyObject* self_obj) {
  PyObject_GC_UnTrack(self_obj);
  if (reinterpret_cast<OpObject*>(self_obj)->weaklist != nullptr) PyObject_ClearWeakRefs(self_obj);
  op_clear(self_obj);
  Py_TYPE(self_obj)->tp_free(self_obj);
}

// As a function does: through an instance, a bound method; through the class, itself.
PyObject* op_descr_get(PyObject* self, PyObject* obj, PyObject*) {
  if (obj == nullptr || obj == Py_None) return Py_NewRef(self);
  return PyMethod_New(self, obj);
}

PyObject* op_repr(PyObject* self_obj) {
  auto* self = reinterpret_cast<OpObject*>(self_obj);
  PyObject* name = self->dict == nullptr ? nullptr : PyDict_GetItemString(self->dict, "__qualname__");
  if (name != nullptr) return PyUnicode_FromFormat("<op %U at %p>", name, self_obj);
  return PyUnicode_FromFormat("<op at %p>", self_obj);
}

// Pickled (and deep-copied) by reference, as functions are: its module's attribute of its name.
PyObject* op_reduce(PyObject* self_obj, PyObject*) {
  auto* self = reinterpret_cast<OpObject*>(self_obj);
  PyObject* name = self->dict == nullptr ? nullptr : PyDict_GetItemString(self->dict, "__qualname__");
  if (name == nullptr) {
    PyErr_SetString(PyExc_TypeError, "cannot pickle an op without a __qualname__");
    return nullptr;
  }
  return Py_NewRef(name);
}

PyMethodDef op_methods[] = {
    {"__reduce__", op_reduce, METH_NOARGS, "Pickled by reference, as a function is."},
    {nullptr, nullptr, 0, nullptr}};

PyMemberDef op_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(OpObject, vectorcall), READONLY, nullptr},
    {"__dictoffset__", T_PYSSIZET, offsetof(OpObject, dict), READONLY, nullptr},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(OpObject, weaklist), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

PyGetSetDef op_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyTypeObject OpType = {PyVarObject_HEAD_INIT(nullptr, 0)};

void init_op_type() {
  OpType.tp_name = "ember._C._op_layer.Op";
  OpType.tp_basicsize = sizeof(OpObject);
  OpType.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                    Py_TPFLAGS_METHOD_DESCRIPTOR;
  OpType.tp_doc = "An op of the op layer: Op(od, fn, active, scan_sequences=True).";
  OpType.tp_vectorcall_offset = offsetof(OpObject, vectorcall);
  OpType.tp_call = PyVectorcall_Call;
  OpType.tp_dictoffset = offsetof(OpObject, dict);
  OpType.tp_weaklistoffset = offsetof(OpObject, weaklist);
  OpType.tp_traverse = op_traverse;
  OpType.tp_clear = op_clear;
  OpType.tp_dealloc = op_dealloc;
  OpType.tp_descr_get = op_descr_get;
  OpType.tp_repr = op_repr;
  OpType.tp_methods = op_methods;
  OpType.tp_getset = op_getset;
  OpType.tp_new = op_new;
}

// setup(Tensor, known, dispatch, python_call)
PyObject* py_setup(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 4 || !PyType_Check(args[0])) {
    PyErr_SetString(PyExc_TypeError, "setup(Tensor, known, dispatch, python_call)");
    return nullptr;
  }
  auto* tensor = reinterpret_cast<PyTypeObject*>(args[0]);
  PyObject* descr = PyDict_GetItemString(tensor->tp_dict, "_node");  // borrowed
  if (descr == nullptr || !Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
    PyErr_SetString(PyExc_TypeError, "setup: Tensor._node is not a slot");
    return nullptr;
  }
  g_off_node = reinterpret_cast<PyMemberDescrObject*>(descr)->d_member->offset;
  Py_XSETREF(g_node_slot, Py_NewRef(descr));
  Py_XSETREF(g_python_call, Py_NewRef(args[3]));
  Py_XSETREF(g_tensor, reinterpret_cast<PyTypeObject*>(Py_NewRef(args[0])));
  Py_XSETREF(g_known, Py_NewRef(args[1]));
  Py_XSETREF(g_dispatch, Py_NewRef(args[2]));
  Py_RETURN_NONE;
}

// setup_calls(known, dispatch): the slow paths, before the Tensor class exists.
PyObject* py_setup_calls(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 2) {
    PyErr_SetString(PyExc_TypeError, "setup_calls(known, dispatch)");
    return nullptr;
  }
  Py_XSETREF(g_known, Py_NewRef(args[0]));
  Py_XSETREF(g_dispatch, Py_NewRef(args[1]));
  Py_RETURN_NONE;
}

PyMethodDef module_methods[] = {
    {"setup", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_setup)), METH_FASTCALL,
     "setup(Tensor, known, dispatch): the tensor class whose `_node` the fast path tests, and the slow paths"},
    {"setup_calls", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_setup_calls)), METH_FASTCALL,
     "setup_calls(known, dispatch): the slow paths (before the tensor class exists)"},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

void bind_op_wrapper(py::module_& m) {
  py::module_ sub = m.def_submodule("_op_layer", "the wrapper of an op of the op layer");
  init_op_type();
  if (PyType_Ready(&OpType) < 0) throw py::error_already_set();
  Py_INCREF(&OpType);
  if (PyModule_AddObject(sub.ptr(), "Op", reinterpret_cast<PyObject*>(&OpType)) < 0) throw py::error_already_set();
  if (PyModule_AddFunctions(sub.ptr(), module_methods) < 0) throw py::error_already_set();
  s_record = PyUnicode_InternFromString("record");
  s_node = PyUnicode_InternFromString("_node");
  g_no_kwargs = PyDict_New();
}

}  // namespace ember_py
