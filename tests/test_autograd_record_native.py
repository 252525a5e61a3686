"""The native recording path (python/src/autograd_record.cpp): nodes, linking, and what
happens around the op: grad mode restored after an error, out= refused, graphs freed."""
import gc
import weakref

import pytest

import ember
from ember.autograd import grad_mode
from ember.autograd.graph import AccumulateGrad, Node


def test_node_is_a_python_class_over_native_data():
    n = Node("MyBackward0", None)
    assert n.name() == "MyBackward0" and n.next_edges == () and n.needs_input_grad == ()
    n.anything = 3  # rules keep their own attributes on ctx
    assert n.anything == 3 and n._output_meta is None
    assert weakref.ref(n)() is n


def test_recorded_node_links_inputs_and_outputs():
    a = ember.ones(2, 3)
    w = ember.ones(2, 3, requires_grad=True)
    y = a * w
    node = y.grad_fn
    assert node.name() == "MulBackward0"
    assert node.needs_input_grad == (False, True)
    assert node.next_edges[0] is None and type(node.next_edges[1][0]) is AccumulateGrad
    assert node._input_meta[1] == ((2, 3), ember.float32)


def test_integer_outputs_get_no_edge():
    values, indices = ember.randn(3, 4, requires_grad=True).max(1)
    assert values.grad_fn is not None and indices.grad_fn is None
    assert values.grad_fn._output_meta[1] is None


def test_error_inside_the_op_leaves_grad_mode_on():
    w = ember.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError):
        w.view(5)
    assert grad_mode.is_grad_enabled()


def test_out_argument_with_grad_is_refused():
    w = ember.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        ember.add(w, w, out=ember.empty(3))


def test_views_of_recorded_results_keep_their_base():
    w = ember.ones(4, requires_grad=True)
    y = (w * 2).view(2, 2)
    y.sum().backward()
    assert w.grad.tolist() == [2.0] * 4


def test_long_chain_is_freed_without_recursion():
    w = ember.ones(1, requires_grad=True)
    t = w
    for _ in range(100_000):
        t = t * 1.0
    ref = weakref.ref(t.grad_fn)
    del t
    assert ref() is None


def test_cycles_through_node_attributes_are_collected():
    y = ember.ones(2, requires_grad=True) * 2
    node = y.grad_fn
    node.myself = node
    ref = weakref.ref(node)
    del node, y
    gc.collect()
    assert ref() is None
