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

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "common.h"
#include "tensor_of.h"

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
PyObject* s_impl = nullptr;
PyObject* s_nr = nullptr;
PyObject* s_version = nullptr;
// Set by setup_saved().
PyObject* g_saved_output_type = nullptr;  // graph._SavedOutput(impl, nr)
PyObject* g_wrap = nullptr;               // _tensor._wrap(impl)
PyObject* g_stale_error = nullptr;        // graph._stale_saved_error(node, value, version): raises
PyObject* g_freed_message = nullptr;      // graph._FREED

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
  const ember::Tensor* native = tensor_of(impl);
  if (native == nullptr) PyErr_SetString(PyExc_TypeError, "autograd: a Tensor whose data is not a native tensor");
  return native;
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

bool ready();

// ---- GradState ---------------------------------------------------------------------------------
// grad_mode._state: whether this thread records (`grad_enabled`) and is in inference mode.
// A threading.local cost 70 ns to read and as much to write, three times per recorded op
// (record reads it and turns it off around the op); these are C++ thread-locals, which every
// Python thread (an OS thread) starts afresh with, as a threading.local's values.

thread_local bool t_grad_enabled = true;
thread_local bool t_inference = false;

PyObject* state_get(PyObject*, void* which) {
  return PyBool_FromLong(which != nullptr ? t_inference : t_grad_enabled);
}

int state_set(PyObject*, PyObject* value, void* which) {
  if (value == nullptr) {
    PyErr_SetString(PyExc_AttributeError, "grad state flags cannot be deleted");
    return -1;
  }
  const int on = PyObject_IsTrue(value);
  if (on < 0) return -1;
  (which != nullptr ? t_inference : t_grad_enabled) = on != 0;
  return 0;
}

int g_inference_tag = 0;  // the closure that selects `inference`

PyGetSetDef state_getset[] = {
    {"grad_enabled", state_get, state_set, "Whether ops record the graph in this thread.", nullptr},
    {"inference", state_get, state_set, "Whether this thread is in inference mode.", &g_inference_tag},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyTypeObject GradStateType = {PyVarObject_HEAD_INIT(nullptr, 0)};

void init_grad_state_type() {
  GradStateType.tp_name = "ember._C._autograd.GradState";
  GradStateType.tp_basicsize = sizeof(PyObject);
  GradStateType.tp_flags = Py_TPFLAGS_DEFAULT;
  GradStateType.tp_doc = "The grad mode of the calling thread (its attributes are per thread).";
  GradStateType.tp_getset = state_getset;
  GradStateType.tp_new = PyType_GenericNew;
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

// ---- saved tensors -------------------------------------------------------------------------------

uint64_t version_of(const ember::Tensor& t) { return t.version(); }

// node.save_for_backward(*values): each tensor with its storage's version; the node's own
// outputs as _SavedOutput(impl, nr) (data only: no cycle node -> output -> node).
PyObject* node_save_for_backward(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  if (!ready()) return nullptr;
  auto* node = reinterpret_cast<NodeObject*>(self);
  PyObject* values = PyTuple_New(nargs);
  PyObject* versions = PyTuple_New(nargs);
  if (values == nullptr || versions == nullptr) {
    Py_XDECREF(values);
    Py_XDECREF(versions);
    return nullptr;
  }
  PyObject* outputs = node->outputs;
  const Py_ssize_t n_out = PyTuple_Check(outputs) ? PyTuple_GET_SIZE(outputs) : 0;
  for (Py_ssize_t i = 0; i < nargs; ++i) {
    PyObject* v = args[i];
    if (!is_tensor(v)) {
      PyTuple_SET_ITEM(values, i, Py_NewRef(v));
      PyTuple_SET_ITEM(versions, i, Py_NewRef(Py_None));
      continue;
    }
    const ember::Tensor* native = native_of(v);
    PyObject* version = native == nullptr ? nullptr : PyLong_FromUnsignedLongLong(version_of(*native));
    if (version == nullptr) {
      Py_DECREF(values);
      Py_DECREF(versions);
      return nullptr;
    }
    PyTuple_SET_ITEM(versions, i, version);
    PyObject* kept = nullptr;
    for (Py_ssize_t nr = 0; nr < n_out; ++nr) {
      if (PyTuple_GET_ITEM(outputs, nr) != v) continue;
      PyObject* index = PyLong_FromSsize_t(nr);
      kept = index == nullptr ? nullptr
                              : PyObject_CallFunctionObjArgs(g_saved_output_type, slot(v, g_off_impl), index, nullptr);
      Py_XDECREF(index);
      if (kept == nullptr) {
        Py_DECREF(values);
        Py_DECREF(versions);
        return nullptr;
      }
      break;
    }
    PyTuple_SET_ITEM(values, i, kept != nullptr ? kept : Py_NewRef(v));
  }
  PyObject* saved = PyTuple_Pack(2, values, versions);
  Py_DECREF(values);
  Py_DECREF(versions);
  if (saved == nullptr) return nullptr;
  set_field(node->saved, saved);
  Py_RETURN_NONE;
}

// node.saved_tensors: the saved values, each checked against the version it was saved at;
// saved outputs come back as tensors linked to this node.
PyObject* node_saved_tensors(PyObject* self, void*) {
  if (!ready()) return nullptr;
  auto* node = reinterpret_cast<NodeObject*>(self);
  PyObject* saved = node->saved;
  if (saved == nullptr || saved == Py_None) {
    PyErr_SetObject(PyExc_RuntimeError, g_freed_message);
    return nullptr;
  }
  if (!PyTuple_Check(saved) || PyTuple_GET_SIZE(saved) != 2) {
    PyErr_SetString(PyExc_RuntimeError, "saved_tensors: the node's saved values are malformed");
    return nullptr;
  }
  PyObject* values = PySequence_Fast(PyTuple_GET_ITEM(saved, 0), "saved values");
  if (values == nullptr) return nullptr;
  PyObject* versions = PySequence_Fast(PyTuple_GET_ITEM(saved, 1), "saved versions");
  if (versions == nullptr) {
    Py_DECREF(values);
    return nullptr;
  }
  const Py_ssize_t n = std::min(PySequence_Fast_GET_SIZE(values), PySequence_Fast_GET_SIZE(versions));
  PyObject* result = PyTuple_New(n);
  for (Py_ssize_t i = 0; result != nullptr && i < n; ++i) {
    PyObject* v = PySequence_Fast_GET_ITEM(values, i);
    PyObject* version = PySequence_Fast_GET_ITEM(versions, i);
    if (version == Py_None) {
      PyTuple_SET_ITEM(result, i, Py_NewRef(v));
      continue;
    }
    const bool output = reinterpret_cast<PyObject*>(Py_TYPE(v)) == g_saved_output_type;
    PyObject* impl = output ? PyObject_GetAttr(v, s_impl) : Py_XNewRef(slot(v, g_off_impl));
    PyObject* item = nullptr;
    if (impl != nullptr) {
      try {
        const ember::Tensor& native = py::handle(impl).cast<const ember::Tensor&>();
        const unsigned long long expected = PyLong_AsUnsignedLongLong(version);
        if (PyErr_Occurred()) {
        } else if (version_of(native) != expected) {
          PyObject* r = PyObject_CallFunctionObjArgs(g_stale_error, self, v, version, nullptr);
          Py_XDECREF(r);  // it raises
          if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "saved_tensors: a saved tensor was modified");
        } else if (!output) {
          item = Py_NewRef(v);
        } else {
          item = PyObject_CallOneArg(g_wrap, impl);
          if (item != nullptr && (ember::is_floating(native.dtype()) || ember::is_complex(native.dtype()))) {  // indices are never in the graph
            PyObject* nr = PyObject_GetAttr(v, s_nr);
            PyObject* edge = nr == nullptr ? nullptr : PyTuple_Pack(2, self, nr);
            Py_XDECREF(nr);
            if (edge == nullptr) Py_CLEAR(item);
            else set_slot(item, g_off_node, edge);
          }
        }
      } catch (const py::cast_error&) {
        PyErr_SetString(PyExc_TypeError, "saved_tensors: a saved value holds no native tensor");
      }
      Py_DECREF(impl);
    }
    if (item == nullptr) {
      Py_CLEAR(result);
      break;
    }
    PyTuple_SET_ITEM(result, i, item);
  }
  Py_DECREF(values);
  Py_DECREF(versions);
  return result;
}

PyObject* node_release(PyObject* self, PyObject*) {
  set_field(reinterpret_cast<NodeObject*>(self)->saved, Py_NewRef(Py_None));
  Py_RETURN_NONE;
}

PyMethodDef node_methods[] = {
    {"save_for_backward", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(node_save_for_backward)),
     METH_FASTCALL,
     "Keeps tensors (and anything else: numbers, None) for backward, each with the version of its storage, so "
     "that a later in-place change is caught when backward unpacks it."},
    {"_release", node_release, METH_NOARGS, "Frees what the node saved (after its backward ran)."},
    {nullptr, nullptr, 0, nullptr}};

PyGetSetDef node_getset[] = {
    {"saved_tensors", node_saved_tensors, nullptr, "What save_for_backward kept, checked against in-place changes.",
     nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

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
  NodeBaseType.tp_methods = node_methods;
  NodeBaseType.tp_getset = node_getset;
  NodeBaseType.tp_new = node_new;
  NodeBaseType.tp_init = node_init;
}

// ---- link --------------------------------------------------------------------------------------

// recording.link(node, inputs, result): edges and (shape, dtype) of the inputs that require
// grad, and (node, i) as the edge of each floating output. Returns a new reference to result.
PyObject* make_view_edge_of(PyObject* node, PyObject* nr, PyObject* view);
PyObject* g_needs_one = nullptr;  // (True,): the needs_input_grad of most nodes, shared (immutable)

// With `view_edge`, a result that is a view gets its ViewEdge at once (record's case; what
// mark_view_outputs would otherwise replace the plain edge with).
PyObject* link_impl(PyObject* node_obj, PyObject* inputs, PyObject* result, bool view_edge = false) {
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
  if (n == 1 && PyTuple_GET_ITEM(needs, 0) == Py_True) Py_SETREF(needs, Py_NewRef(g_needs_one));
  set_field(node->next_edges, edges);
  set_field(node->input_meta, metas);
  set_field(node->needs_input_grad, needs);
  edges = metas = needs = nullptr;

  if (is_tensor(result)) {
    const ember::Tensor* native = native_of(result);
    if (native == nullptr) return nullptr;
    if (ember::is_floating(native->dtype()) || ember::is_complex(native->dtype())) {
      PyObject* zero = PyLong_FromLong(0);
      PyObject* base = slot(result, g_off_view_base);
      const bool view = view_edge && base != nullptr && base != Py_None;
      PyObject* e = zero == nullptr ? nullptr
                    : view         ? make_view_edge_of(node_obj, zero, result)
                                   : PyTuple_Pack(2, node_obj, zero);
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
      if (!ember::is_floating(native->dtype()) && !ember::is_complex(native->dtype())) {  // indices: never differentiated
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
  if (g_node_type != nullptr && g_wrap != nullptr) return true;
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
  if (Py_IS_TYPE(g_grad_state, &GradStateType)) return t_grad_enabled ? 1 : 0;
  PyObject* v = PyObject_GetAttr(g_grad_state, s_grad_enabled);
  if (v == nullptr) return -1;
  const int on = PyObject_IsTrue(v);
  Py_DECREF(v);
  return on;
}

int set_grad_enabled(bool on) {
  if (Py_IS_TYPE(g_grad_state, &GradStateType)) {
    t_grad_enabled = on;
    return 0;
  }
  return PyObject_SetAttr(g_grad_state, s_grad_enabled, on ? Py_True : Py_False);
}

// recording.ViewEdge(edge, view): the pair `edge` as a ViewEdge (a tuple subclass) with the
// storage version of `view`, built without running ViewEdge.__new__ in Python.
PyObject* make_view_edge_of(PyObject* node, PyObject* nr, PyObject* view);

PyObject* make_view_edge(PyObject* edge, PyObject* view) {
  if (!PyTuple_Check(edge) || PyTuple_GET_SIZE(edge) != 2)
    return PyObject_CallFunctionObjArgs(g_view_edge_type, edge, view, nullptr);
  return make_view_edge_of(PyTuple_GET_ITEM(edge, 0), PyTuple_GET_ITEM(edge, 1), view);
}

// ViewEdge((node, nr), view), without making the pair first.
PyObject* make_view_edge_of(PyObject* node, PyObject* nr, PyObject* view) {
  auto* type = reinterpret_cast<PyTypeObject*>(g_view_edge_type);
  if (!PyType_IsSubtype(type, &PyTuple_Type)) {
    PyObject* edge = PyTuple_Pack(2, node, nr);
    PyObject* result = edge == nullptr ? nullptr : PyObject_CallFunctionObjArgs(g_view_edge_type, edge, view, nullptr);
    Py_XDECREF(edge);
    return result;
  }
  const ember::Tensor* native = native_of(view);
  if (native == nullptr) return nullptr;
  PyObject* version = PyLong_FromUnsignedLongLong(native->version());
  if (version == nullptr) return nullptr;
  PyObject* result = type->tp_alloc(type, 2);
  if (result == nullptr) {
    Py_DECREF(version);
    return nullptr;
  }
  PyTuple_SET_ITEM(result, 0, Py_NewRef(node));
  PyTuple_SET_ITEM(result, 1, Py_NewRef(nr));
  const int rc = PyObject_SetAttr(result, s_version, version);
  Py_DECREF(version);
  if (rc < 0) {
    Py_DECREF(result);
    return nullptr;
  }
  return result;
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
    PyObject* view_edge = make_view_edge(edge, out);
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
  if (set_grad_enabled(false) < 0) return nullptr;
  PyObject* result = PyObject_Call(fn, args, call_kwargs);
  {  // grad mode back on whatever fn did, keeping fn's exception
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    const int rc = set_grad_enabled(true);
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
  linked = link_impl(node_obj, inputs, result, /*view_edge=*/true);
  if (linked == nullptr) goto done;
  Py_DECREF(linked);
  if (!is_tensor(result) && mark_view_outputs(outputs) < 0) goto done;  // a tensor got its ViewEdge in link
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

// fits(grad, meta): whether the tensor grad has the (shape, dtype) meta, which link() recorded
// for an input: then backward hands it on as it is.
PyObject* py_fits(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 2) {
    PyErr_SetString(PyExc_TypeError, "fits(grad, meta) takes 2 arguments");
    return nullptr;
  }
  if (!ready()) return nullptr;
  PyObject *grad = args[0], *meta = args[1];
  if (Py_TYPE(grad) != g_tensor_type || !PyTuple_Check(meta) || PyTuple_GET_SIZE(meta) != 2) Py_RETURN_FALSE;
  const ember::Tensor* native = native_of(grad);
  if (native == nullptr) return nullptr;
  if (dtype_object(native->dtype()).ptr() != PyTuple_GET_ITEM(meta, 1)) Py_RETURN_FALSE;
  PyObject* shape = PyTuple_GET_ITEM(meta, 0);
  const auto& sizes = native->shape();
  if (!PyTuple_Check(shape) || PyTuple_GET_SIZE(shape) != static_cast<Py_ssize_t>(sizes.size())) Py_RETURN_FALSE;
  for (size_t i = 0; i < sizes.size(); ++i) {
    const long long s = PyLong_AsLongLong(PyTuple_GET_ITEM(shape, static_cast<Py_ssize_t>(i)));
    if (s == -1 && PyErr_Occurred()) return nullptr;
    if (s != sizes[i]) Py_RETURN_FALSE;
  }
  Py_RETURN_TRUE;
}

// topological_order(roots): every node reachable from the root nodes, each before the nodes it
// feeds (an iterative depth-first search: a chain of 100,000 ops must not recurse).
PyObject* py_topological_order(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 1) {
    PyErr_SetString(PyExc_TypeError, "topological_order(roots) takes 1 argument");
    return nullptr;
  }
  PyObject* roots = PySequence_Fast(args[0], "topological_order: roots must be a sequence");
  if (roots == nullptr) return nullptr;
  PyObject* order = PyList_New(0);
  std::unordered_set<PyObject*> seen;
  struct Frame {
    PyObject* node;
    PyObject* edges;  // a new reference: the node's next_edges as a tuple or list
    Py_ssize_t next;
  };
  std::vector<Frame> stack;
  auto push = [&](PyObject* node) -> bool {
    PyObject* edges = PyObject_TypeCheck(node, &NodeBaseType)
                          ? PySequence_Fast(reinterpret_cast<NodeObject*>(node)->next_edges, "next_edges")
                          : nullptr;
    if (edges == nullptr) {
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "topological_order: a graph node is not a Node");
      return false;
    }
    seen.insert(node);
    stack.push_back({node, edges, 0});
    return true;
  };
  bool ok = order != nullptr;
  const Py_ssize_t n_roots = ok ? PySequence_Fast_GET_SIZE(roots) : 0;
  for (Py_ssize_t r = 0; ok && r < n_roots; ++r) {
    PyObject* root = PySequence_Fast_GET_ITEM(roots, r);
    if (seen.count(root)) continue;
    ok = push(root);
    while (ok && !stack.empty()) {
      Frame& top = stack.back();
      const Py_ssize_t n = PySequence_Fast_GET_SIZE(top.edges);
      PyObject* child = nullptr;
      while (top.next < n) {
        PyObject* edge = PySequence_Fast_GET_ITEM(top.edges, top.next++);
        if (edge == Py_None || !PyTuple_Check(edge) || PyTuple_GET_SIZE(edge) < 1) continue;
        PyObject* candidate = PyTuple_GET_ITEM(edge, 0);
        if (!seen.count(candidate)) {
          child = candidate;
          break;
        }
      }
      if (child != nullptr) {
        ok = push(child);  // may reallocate the stack: `top` is not used after this
        continue;
      }
      ok = PyList_Append(order, top.node) == 0;
      Py_DECREF(top.edges);
      stack.pop_back();
    }
  }
  for (Frame& f : stack) Py_DECREF(f.edges);
  Py_DECREF(roots);
  if (!ok) {
    Py_XDECREF(order);
    return nullptr;
  }
  if (PyList_Reverse(order) < 0) {
    Py_DECREF(order);
    return nullptr;
  }
  return order;
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

// setup_tensor(Tensor): the class whose slots these functions read and write. Called by
// _tensor.py as soon as the class exists, so that its _wrap can be wrap() below.
PyObject* py_setup_tensor(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 1 || !PyType_Check(args[0])) {
    PyErr_SetString(PyExc_TypeError, "setup_tensor(Tensor)");
    return nullptr;
  }
  auto* tensor_type = reinterpret_cast<PyTypeObject*>(args[0]);
  const Py_ssize_t off_impl = slot_offset(tensor_type, "_impl");
  const Py_ssize_t off_node = slot_offset(tensor_type, "_node");
  const Py_ssize_t off_view_base = slot_offset(tensor_type, "_view_base");
  if (off_impl < 0 || off_node < 0 || off_view_base < 0) return nullptr;
  g_off_impl = off_impl;
  g_off_node = off_node;
  g_off_view_base = off_view_base;
  Py_XSETREF(g_tensor_type, reinterpret_cast<PyTypeObject*>(Py_NewRef(args[0])));
  Py_RETURN_NONE;
}

// setup(Node, ViewEdge, current_edge, grad_state)
PyObject* py_setup(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 4 || !PyType_Check(args[0])) {
    PyErr_SetString(PyExc_TypeError, "setup(Node, ViewEdge, current_edge, grad_state)");
    return nullptr;
  }
  if (g_tensor_type == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "setup: setup_tensor(Tensor) must run first");
    return nullptr;
  }
  auto* node_type = reinterpret_cast<PyTypeObject*>(args[0]);
  if (!PyType_IsSubtype(node_type, &NodeBaseType)) {
    PyErr_SetString(PyExc_TypeError, "setup: Node must subclass NodeBase");
    return nullptr;
  }
  Py_XSETREF(g_node_type, reinterpret_cast<PyTypeObject*>(Py_NewRef(args[0])));
  Py_XSETREF(g_view_edge_type, Py_NewRef(args[1]));
  Py_XSETREF(g_current_edge, Py_NewRef(args[2]));
  Py_XSETREF(g_grad_state, Py_NewRef(args[3]));
  Py_RETURN_NONE;
}

// ---- wrapping native tensors --------------------------------------------------------------------
// Every op's result becomes an ember.Tensor through _tensor._wrap; made here it is an
// allocation and three slot stores (about a sixth of what the Python function costs).

PyObject* new_tensor(PyObject* impl, PyObject* view_base) {
  if (g_tensor_type == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "wrap: setup_tensor(Tensor) has not run");
    return nullptr;
  }
  PyObject* t = g_tensor_type->tp_alloc(g_tensor_type, 0);
  if (t == nullptr) return nullptr;
  set_slot(t, g_off_impl, Py_NewRef(impl));
  set_slot(t, g_off_node, Py_NewRef(Py_None));
  set_slot(t, g_off_view_base, Py_NewRef(view_base));
  return t;
}

// wrap(impl): a Tensor holding the native tensor impl, constant (no edge), not a view.
PyObject* py_wrap(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 1) {
    PyErr_SetString(PyExc_TypeError, "wrap(impl) takes 1 argument");
    return nullptr;
  }
  return new_tensor(args[0], Py_None);
}

// wrap_view(impl, base): a Tensor that is a view of base (of base's own base, if it is a view).
PyObject* py_wrap_view(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 2) {
    PyErr_SetString(PyExc_TypeError, "wrap_view(impl, base) takes 2 arguments");
    return nullptr;
  }
  PyObject* base = args[1];
  PyObject* root = is_tensor(base) ? slot(base, g_off_view_base) : nullptr;
  return new_tensor(args[0], root != nullptr && root != Py_None ? root : base);
}

// setup_saved(SavedOutput, wrap, stale_error, freed_message)
PyObject* py_setup_saved(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 4) {
    PyErr_SetString(PyExc_TypeError, "setup_saved(SavedOutput, wrap, stale_error, freed_message)");
    return nullptr;
  }
  Py_XSETREF(g_saved_output_type, Py_NewRef(args[0]));
  Py_XSETREF(g_wrap, Py_NewRef(args[1]));
  Py_XSETREF(g_stale_error, Py_NewRef(args[2]));
  Py_XSETREF(g_freed_message, Py_NewRef(args[3]));
  Py_RETURN_NONE;
}

PyMethodDef autograd_methods[] = {
    {"topological_order", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_topological_order)),
     METH_FASTCALL, "topological_order(roots): the nodes reachable from roots, each before the nodes it feeds"},
    {"fits", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_fits)), METH_FASTCALL,
     "fits(grad, meta): whether grad has the input's (shape, dtype) as link() recorded it"},
    {"setup_saved", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_setup_saved)), METH_FASTCALL,
     "setup_saved(SavedOutput, wrap, stale_error, freed_message): what saved_tensors works with"},
    {"setup_tensor", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_setup_tensor)), METH_FASTCALL,
     "setup_tensor(Tensor): the tensor class these functions work with"},
    {"setup", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_setup)), METH_FASTCALL,
     "setup(Node, ViewEdge, current_edge, grad_state): the Python classes recording works with"},
    {"wrap", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_wrap)), METH_FASTCALL,
     "wrap(impl): a constant Tensor holding the native tensor impl"},
    {"wrap_view", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(py_wrap_view)), METH_FASTCALL,
     "wrap_view(impl, base): a Tensor holding impl as a view of base"},
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
  init_grad_state_type();
  if (PyType_Ready(&GradStateType) < 0) throw py::error_already_set();
  Py_INCREF(&GradStateType);
  if (PyModule_AddObject(sub.ptr(), "GradState", reinterpret_cast<PyObject*>(&GradStateType)) < 0)
    throw py::error_already_set();
  if (PyModule_AddFunctions(sub.ptr(), autograd_methods) < 0) throw py::error_already_set();
  g_empty_tuple = PyTuple_New(0);
  g_nothing_saved = PyTuple_Pack(2, g_empty_tuple, g_empty_tuple);
  g_needs_one = PyTuple_Pack(1, Py_True);
  s_grad_enabled = PyUnicode_InternFromString("grad_enabled");
  s_out = PyUnicode_InternFromString("out");
  s_output_meta = PyUnicode_InternFromString("_output_meta");
  s_impl = PyUnicode_InternFromString("impl");
  s_nr = PyUnicode_InternFromString("nr");
  s_version = PyUnicode_InternFromString("version");
}

}  // namespace ember_py
