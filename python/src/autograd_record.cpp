// The hot path of autograd recording, in C: the data of a graph node, the recording of one op
// (`record`) and the linking of a node to its inputs and outputs (`link`).
//
// Why C: recording an op in Python cost about 17,000 instructions over the op itself (node
// construction 3,600, linking 8,300, the rest frames and argument passing), against PyTorch's
// 6,000. These functions keep the same semantics as the Python they replace
// (autograd/recording.py documents them) but touch the tensors' and nodes' slots directly.
//
// The Python classes stay in Python: ember.Tensor (whose `_impl`, `_node` and `_view_base`
// slots are read here at their offsets, found once from the class's member descriptors), and
// autograd's Node, a Python subclass of NodeBase below that adds methods, `__dict__` and
// weak references. `setup(...)` registers them, the grad-mode state and ViewEdge.
#include <Python.h>
#include <structmember.h>

#include "common.h"

namespace ember_py {

namespace {

struct NodeObject {
  PyObject_HEAD
  PyObject* name;
  PyObject* backward;
  PyObject* next_edges;
  PyObject* needs_input_grad;
  PyObject* input_meta;
  PyObject* saved;
  PyObject* outputs;
};

// Set once by setup().
PyTypeObject* g_tensor_type = nullptr;   // ember.Tensor
PyTypeObject* g_node_type = nullptr;     // autograd.graph.Node, which record() instantiates
PyObject* g_view_edge_type = nullptr;    // recording.ViewEdge
PyObject* g_current_edge = nullptr;      // recording.current_edge(t)
PyObject* g_grad_state = nullptr;        // grad_mode._state (thread-local)
Py_ssize_t g_off_impl = -1, g_off_node = -1, g_off_view_base = -1;
PyObject* g_nothing_saved = nullptr;     // ((), ())
PyObject* g_empty_tuple = nullptr;
PyObject* s_grad_enabled = nullptr;      // interned attribute names
PyObject* s_out = nullptr;
PyObject* s_output_meta = nullptr;

PyObject* slot(PyObject* obj, Py_ssize_t offset) {  // borrowed; nullptr when never set
  return *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(obj) + offset);
}

void set_slot(PyObject* obj, Py_ssize_t offset, PyObject* value) {  // steals `value`
  PyObject** p = reinterpret_cast<PyObject**>(reinterpret_cast<char*>(obj) + offset);
  PyObject* old = *p;
  *p = value;
  Py_XDECREF(old);
}

void set_field(PyObject*& field, PyObject* value) {  // steals `value`
  PyObject* old = field;
  field = value;
  Py_XDECREF(old);
}

bool is_tensor(PyObject* obj) { return PyObject_TypeCheck(obj, g_tensor_type); }

// The native tensor of an ember.Tensor, or nullptr with an exception set.
const ember::Tensor* native_of(PyObject* t) {
  PyObject* impl = slot(t, g_off_impl);
  if (impl == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "autograd: a Tensor without data");
    return nullptr;
  }
  try {
    return &py::handle(impl).cast<const ember::Tensor&>();
  } catch (const py::cast_error&) {
    PyErr_SetString(PyExc_TypeError, "autograd: a Tensor whose data is not a native tensor");
    return nullptr;
  }
}

PyObject* shape_tuple(const ember::Tensor& t) {
  const auto& shape = t.shape();
  PyObject* tuple = PyTuple_New(static_cast<Py_ssize_t>(shape.size()));
  if (tuple == nullptr) return nullptr;
  for (size_t i = 0; i < shape.size(); ++i) {
    PyObject* v = PyLong_FromLongLong(shape[i]);
    if (v == nullptr) {
      Py_DECREF(tuple);
      return nullptr;
    }
    PyTuple_SET_ITEM(tuple, static_cast<Py_ssize_t>(i), v);
  }
  return tuple;
}

// ---- NodeBase ----------------------------------------------------------------------------------

int node_traverse(PyObject* self, visitproc visit, void* arg) {
  auto* n = reinterpret_cast<NodeObject*>(self);
  Py_VISIT(n->name);
  Py_VISIT(n->backward);
  Py_VISIT(n->next_edges);
  Py_VISIT(n->needs_input_grad);
  Py_VISIT(n->input_meta);
  Py_VISIT(n->saved);
  Py_VISIT(n->outputs);
  return 0;
}

int node_clear(PyObject* self) {
  auto* n = reinterpret_cast<NodeObject*>(self);
  Py_CLEAR(n->name);
  Py_CLEAR(n->backward);
  Py_CLEAR(n->next_edges);
  Py_CLEAR(n->needs_input_grad);
  Py_CLEAR(n->input_meta);
  Py_CLEAR(n->saved);
  Py_CLEAR(n->outputs);
  return 0;
}

void node_dealloc(PyObject* self) {
  PyObject_GC_UnTrack(self);
  // A chain of 100,000 nodes is freed one inside the other: the trashcan defers the deep ones.
  Py_TRASHCAN_BEGIN(self, node_dealloc)
  node_clear(self);
  Py_TYPE(self)->tp_free(self);
  Py_TRASHCAN_END
}

void node_fill_defaults(NodeObject* n) {
  n->name = Py_NewRef(Py_None);
  n->backward = Py_NewRef(Py_None);
  n->next_edges = Py_NewRef(g_empty_tuple);
  n->needs_input_grad = Py_NewRef(g_empty_tuple);
  n->input_meta = Py_NewRef(g_empty_tuple);
  n->saved = Py_NewRef(g_nothing_saved);
  n->outputs = Py_NewRef(g_empty_tuple);
}

PyObject* node_new(PyTypeObject* type, PyObject*, PyObject*) {
  if (g_empty_tuple == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "autograd nodes: _C._autograd.setup() has not run");
    return nullptr;
  }
  PyObject* self = type->tp_alloc(type, 0);
  if (self != nullptr) node_fill_defaults(reinterpret_cast<NodeObject*>(self));
  return self;
}

int node_init(PyObject* self, PyObject* args, PyObject* kwargs) {
  PyObject *name = nullptr, *backward = nullptr;
  static const char* names[] = {"name", "backward", nullptr};
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO:Node", const_cast<char**>(names), &name, &backward))
    return -1;
  auto* n = reinterpret_cast<NodeObject*>(self);
  set_field(n->name, Py_NewRef(name));
  set_field(n->backward, Py_NewRef(backward));
  return 0;
}

PyMemberDef node_members[] = {
    {"_name", T_OBJECT, offsetof(NodeObject, name), 0, nullptr},
    {"_backward", T_OBJECT, offsetof(NodeObject, backward), 0, nullptr},
    {"next_edges", T_OBJECT, offsetof(NodeObject, next_edges), 0, nullptr},
    {"needs_input_grad", T_OBJECT, offsetof(NodeObject, needs_input_grad), 0, nullptr},
    {"_input_meta", T_OBJECT, offsetof(NodeObject, input_meta), 0, nullptr},
    {"_saved", T_OBJECT, offsetof(NodeObject, saved), 0, nullptr},
    {"_outputs", T_OBJECT, offsetof(NodeObject, outputs), 0, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

PyTypeObject NodeBaseType = {PyVarObject_HEAD_INIT(nullptr, 0)};

void init_node_type() {
  NodeBaseType.tp_name = "ember._C._autograd.NodeBase";
  NodeBaseType.tp_basicsize = sizeof(NodeObject);
  NodeBaseType.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC;
  NodeBaseType.tp_doc = "The data of an autograd graph node (ember.autograd.graph.Node adds the rest).";
  NodeBaseType.tp_traverse = node_traverse;
  NodeBaseType.tp_clear = node_clear;
  NodeBaseType.tp_dealloc = node_dealloc;
  NodeBaseType.tp_members = node_members;
  NodeBaseType.tp_new = node_new;
  NodeBaseType.tp_init = node_init;
}

// ---- link --------------------------------------------------------------------------------------

// recording.link(node, inputs, result): edges and (shape, dtype) of the inputs that require
// grad, and (node, i) as the edge of each floating output. Returns a new reference to result.
PyObject* link_impl(PyObject* node_obj, PyObject* inputs, PyObject* result) {
  if (!PyObject_TypeCheck(node_obj, &NodeBaseType)) {
    PyErr_SetString(PyExc_TypeError, "autograd link: expected a Node");
    return nullptr;
  }
  auto* node = reinterpret_cast<NodeObject*>(node_obj);
  PyObject* seq = PySequence_Fast(inputs, "autograd link: inputs must be a sequence");
  if (seq == nullptr) return nullptr;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject** items = PySequence_Fast_ITEMS(seq);
  PyObject* edges = PyTuple_New(n);
  PyObject* metas = PyList_New(n);
  PyObject* needs = PyTuple_New(n);
  bool linked = false;
  if (edges == nullptr || metas == nullptr || needs == nullptr) goto fail;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* t = items[i];
    PyObject* edge = is_tensor(t) ? slot(t, g_off_node) : nullptr;
    if (edge == nullptr || edge == Py_None) {
      PyTuple_SET_ITEM(edges, i, Py_NewRef(Py_None));
      PyList_SET_ITEM(metas, i, Py_NewRef(Py_None));
      PyTuple_SET_ITEM(needs, i, Py_NewRef(Py_False));
      continue;
    }
    if (reinterpret_cast<PyObject*>(Py_TYPE(edge)) == g_view_edge_type) {
      edge = PyObject_CallOneArg(g_current_edge, t);  // new reference
      if (edge == nullptr) goto fail;
    } else {
      Py_INCREF(edge);
    }
    PyTuple_SET_ITEM(edges, i, edge);
    if (edge == Py_None) {  // a stale view edge whose base no longer requires grad
      PyList_SET_ITEM(metas, i, Py_NewRef(Py_None));
      PyTuple_SET_ITEM(needs, i, Py_NewRef(Py_False));
      continue;
    }
    const ember::Tensor* native = native_of(t);
    if (native == nullptr) goto fail;
    PyObject* shape = shape_tuple(*native);
    if (shape == nullptr) goto fail;
    PyObject* meta = PyTuple_Pack(2, shape, dtype_object(native->dtype()).ptr());
    Py_DECREF(shape);
    if (meta == nullptr) goto fail;
    PyList_SET_ITEM(metas, i, meta);
    PyTuple_SET_ITEM(needs, i, Py_NewRef(Py_True));
    linked = true;
  }
  Py_DECREF(seq);
  seq = nullptr;
  if (!linked) {
    Py_DECREF(edges);
    Py_DECREF(metas);
    Py_DECREF(needs);
    return Py_NewRef(result);
  }
  set_field(node->next_edges, edges);
  set_field(node->input_meta, metas);
  set_field(node->needs_input_grad, needs);
  edges = metas = needs = nullptr;

  if (is_tensor(result)) {
    const ember::Tensor* native = native_of(result);
    if (native == nullptr) return nullptr;
    if (ember::is_floating(native->dtype())) {
      PyObject* zero = PyLong_FromLong(0);
      PyObject* e = zero == nullptr ? nullptr : PyTuple_Pack(2, node_obj, zero);
      Py_XDECREF(zero);
      if (e == nullptr) return nullptr;
      set_slot(result, g_off_node, e);
    }
    return Py_NewRef(result);
  }
  {
    PyObject* outs = PySequence_Fast(result, "autograd link: an op's result must be a Tensor or a sequence");
    if (outs == nullptr) return nullptr;
    const Py_ssize_t m = PySequence_Fast_GET_SIZE(outs);
    PyObject* meta = PyList_New(m);
    if (meta == nullptr) {
      Py_DECREF(outs);
      return nullptr;
    }
    for (Py_ssize_t i = 0; i < m; ++i) {
      PyObject* r = PySequence_Fast_GET_ITEM(outs, i);
      const ember::Tensor* native = is_tensor(r) ? native_of(r) : nullptr;
      if (native == nullptr) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "autograd link: an op's output is not a Tensor");
        Py_DECREF(outs);
        Py_DECREF(meta);
        return nullptr;
      }
      if (!ember::is_floating(native->dtype())) {  // indices: never differentiated
        PyList_SET_ITEM(meta, i, Py_NewRef(Py_None));
        continue;
      }
      PyObject* nr = PyLong_FromSsize_t(i);
      PyObject* e = nr == nullptr ? nullptr : PyTuple_Pack(2, node_obj, nr);
      Py_XDECREF(nr);
      PyObject* shape = e == nullptr ? nullptr : shape_tuple(*native);
      PyObject* entry = shape == nullptr ? nullptr
                                          : PyTuple_Pack(3, shape, dtype_object(native->dtype()).ptr(),
                                                         device_object(native->device()).ptr());
      Py_XDECREF(shape);
      if (entry == nullptr) {
        Py_XDECREF(e);
        Py_DECREF(outs);
        Py_DECREF(meta);
        return nullptr;
      }
      set_slot(r, g_off_node, e);
      PyList_SET_ITEM(meta, i, entry);
    }
    Py_DECREF(outs);
    const int rc = PyObject_SetAttr(node_obj, s_output_meta, meta);
    Py_DECREF(meta);
    if (rc < 0) return nullptr;
  }
  return Py_NewRef(result);

fail:
  Py_XDECREF(seq);
  Py_XDECREF(edges);
  Py_XDECREF(metas);
  Py_XDECREF(needs);
  return nullptr;
}

bool ready() {
  if (g_tensor_type != nullptr) return true;
  PyErr_SetString(PyExc_RuntimeError, "autograd: _C._autograd.setup() has not run");
  return false;
}

PyObject* py_link(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 3) {
    PyErr_SetString(PyExc_TypeError, "link(node, inputs, result) takes 3 arguments");
    return nullptr;
  }
  if (!ready()) return nullptr;
  return link_impl(args[0], args[1], args[2]);
}

// ---- record ------------------------------------------------------------------------------------

int grad_enabled() {
  PyObject* v = PyObject_GetAttr(g_grad_state, s_grad_enabled);
  if (v == nullptr) return -1;
  const int on = PyObject_IsTrue(v);
  Py_DECREF(v);
  return on;
}

// Views among an op's outputs carry a ViewEdge (recording.ViewEdge) instead of a plain edge.
int mark_view_outputs(PyObject* outputs) {
  const Py_ssize_t n = PyTuple_GET_SIZE(outputs);
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* out = PyTuple_GET_ITEM(outputs, i);
    if (!is_tensor(out)) continue;
    PyObject* edge = slot(out, g_off_node);
    PyObject* base = slot(out, g_off_view_base);
    if (edge == nullptr || edge == Py_None || base == nullptr || base == Py_None) continue;
    PyObject* view_edge = PyObject_CallFunctionObjArgs(g_view_edge_type, edge, out, nullptr);
    if (view_edge == nullptr) return -1;
    set_slot(out, g_off_node, view_edge);
  }
  return 0;
}

// recording.record(name, node_name, fn, setup, backward, args, kwargs)
PyObject* py_record(PyObject*, PyObject* const* argv, Py_ssize_t nargs) {
  if (nargs != 7) {
    PyErr_SetString(PyExc_TypeError, "record(name, node_name, fn, setup, backward, args, kwargs) takes 7 arguments");
    return nullptr;
  }
  if (!ready()) return nullptr;
  PyObject *name = argv[0], *node_name = argv[1], *fn = argv[2], *setup = argv[3], *backward = argv[4];
  PyObject *args = argv[5], *kwargs = argv[6];
  if (!PyTuple_Check(args) || !PyDict_Check(kwargs)) {
    PyErr_SetString(PyExc_TypeError, "record: args must be a tuple and kwargs a dict");
    return nullptr;
  }
  PyObject* call_kwargs = PyDict_GET_SIZE(kwargs) ? kwargs : nullptr;
  const int on = grad_enabled();
  if (on < 0) return nullptr;
  if (!on) return PyObject_Call(fn, args, call_kwargs);
  if (call_kwargs != nullptr) {
    PyObject* out = PyDict_GetItemWithError(kwargs, s_out);
    if (out == nullptr && PyErr_Occurred()) return nullptr;
    if (out != nullptr && out != Py_None) {
      PyErr_Format(PyExc_RuntimeError,
                   "%U(): functions with out=... arguments don't support automatic differentiation, but one of "
                   "the arguments requires grad.", name);
      return nullptr;
    }
  }
  if (PyObject_SetAttr(g_grad_state, s_grad_enabled, Py_False) < 0) return nullptr;
  PyObject* result = PyObject_Call(fn, args, call_kwargs);
  {  // grad mode back on whatever fn did, keeping fn's exception
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    const int rc = PyObject_SetAttr(g_grad_state, s_grad_enabled, Py_True);
    if (type != nullptr) {
      PyErr_Restore(type, value, tb);
    } else if (rc < 0) {
      Py_XDECREF(result);
      return nullptr;
    }
  }
  if (result == nullptr || result == Py_NotImplemented) return result;

  PyObject* node_obj = node_new(g_node_type, nullptr, nullptr);
  if (node_obj == nullptr) {
    Py_DECREF(result);
    return nullptr;
  }
  auto* node = reinterpret_cast<NodeObject*>(node_obj);
  set_field(node->name, Py_NewRef(node_name));
  set_field(node->backward, Py_NewRef(backward));
  PyObject* outputs = is_tensor(result) ? PyTuple_Pack(1, result) : PySequence_Tuple(result);
  PyObject* inputs = nullptr;
  PyObject* linked = nullptr;
  if (outputs == nullptr) goto done;
  set_field(node->outputs, Py_NewRef(outputs));
  {  // setup(node, result, *args, **kwargs)
    const Py_ssize_t n = PyTuple_GET_SIZE(args);
    PyObject* setup_args = PyTuple_New(n + 2);
    if (setup_args == nullptr) goto done;
    PyTuple_SET_ITEM(setup_args, 0, Py_NewRef(node_obj));
    PyTuple_SET_ITEM(setup_args, 1, Py_NewRef(result));
    for (Py_ssize_t i = 0; i < n; ++i) PyTuple_SET_ITEM(setup_args, i + 2, Py_NewRef(PyTuple_GET_ITEM(args, i)));
    inputs = PyObject_Call(setup, setup_args, call_kwargs);
    Py_DECREF(setup_args);
  }
  set_field(node->outputs, Py_NewRef(g_empty_tuple));
  if (inputs == nullptr) goto done;
  linked = link_impl(node_obj, inputs, result);
  if (linked == nullptr) goto done;
  Py_DECREF(linked);
  if (mark_view_outputs(outputs) < 0) goto done;
  Py_DECREF(outputs);
  Py_DECREF(inputs);
  Py_DECREF(node_obj);
  return result;

done:
  Py_XDECREF(outputs);
  Py_XDECREF(inputs);
  Py_DECREF(node_obj);
  Py_DECREF(result);
  return nullptr;
}

// ---- setup -------------------------------------------------------------------------------------

Py_ssize_t slot_offset(PyTypeObject* type, const char* name) {
  PyObject* descr = PyDict_GetItemString(type->tp_dict, name);  // borrowed
  if (descr == nullptr || !Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
    PyErr_Format(PyExc_TypeError, "autograd setup: %s.%s is not a slot", type->tp_name, name);
    return -1;
  }
  return reinterpret_cast<PyMemberDescrObject*>(descr)->d_member->offset;
}

// setup(Tensor, Node, ViewEdge, current_edge, grad_state)
PyObject* py_setup(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 5 || !PyType_Check(args[0]) || !PyType_Check(args[1])) {
    PyErr_SetString(PyExc_TypeError, "setup(Tensor, Node, ViewEdge, current_edge, grad_state)");
    return nullptr;
  }
  auto* tensor_type = reinterpret_cast<PyTypeObject*>(args[0]);
  auto* node_type = reinterpret_cast<PyTypeObject*>(args[1]);
  if (!PyType_IsSubtype(node_type, &NodeBaseType)) {
    PyErr_SetString(PyExc_TypeError, "setup: Node must subclass NodeBase");
    return nullptr;
  }
  const Py_ssize_t off_impl = slot_offset(tensor_type, "_impl");
  const Py_ssize_t off_node = slot_offset(tensor_type, "_node");
  const Py_ssize_t off_view_base = slot_offset(tensor_type, "_view_base");
  if (off_impl < 0 || off_node < 0 || off_view_base < 0) return nullptr;
  g_off_impl = off_impl;
  g_off_node = off_node;
  g_off_view_base = off_view_base;
  Py_XSETREF(g_tensor_type, reinterpret_cast<PyTypeObject*>(Py_NewRef(args[0])));
  Py_XSETREF(g_node_type, reinterpret_cast<PyTypeObject*>(Py_NewRef(args[1])));
  Py_XSETREF(g_view_edge_type, Py_NewRef(args[2]));
  Py_XSETREF(g_current_edge, Py_NewRef(args[3]));
  Py_XSETREF(g_grad_state, Py_NewRef(args[4]));
  Py_RETURN_NONE;
}

PyMethodDef autograd_methods[] = {
    {"setup", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_setup)), METH_FASTCALL,
     "setup(Tensor, Node, ViewEdge, current_edge, grad_state): the Python classes recording works with"},
    {"record", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_record)), METH_FASTCALL,
     "record(name, node_name, fn, setup, backward, args, kwargs): runs fn and records a node of the rule"},
    {"link", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_link)), METH_FASTCALL,
     "link(node, inputs, result): connects node to the inputs that require grad and to result"},
    {nullptr, nullptr, 0, nullptr}};

}  // namespace

void bind_autograd(py::module_& m) {
  py::module_ sub = m.def_submodule("_autograd", "the hot path of autograd recording");
  init_node_type();
  if (PyType_Ready(&NodeBaseType) < 0) throw py::error_already_set();
  Py_INCREF(&NodeBaseType);
  if (PyModule_AddObject(sub.ptr(), "NodeBase", reinterpret_cast<PyObject*>(&NodeBaseType)) < 0)
    throw py::error_already_set();
  if (PyModule_AddFunctions(sub.ptr(), autograd_methods) < 0) throw py::error_already_set();
  g_empty_tuple = PyTuple_New(0);
  g_nothing_saved = PyTuple_Pack(2, g_empty_tuple, g_empty_tuple);
  s_grad_enabled = PyUnicode_InternFromString("grad_enabled");
  s_out = PyUnicode_InternFromString("out");
  s_output_meta = PyUnicode_InternFromString("_output_meta");
}

}  // namespace ember_py
