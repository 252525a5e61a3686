"""ember.autograd.Function: user-defined ops."""
import numpy as np
import pytest

import ember
from ember.autograd import Function, gradcheck


def leaf(values):
    return ember.tensor(values, dtype=ember.float64, requires_grad=True)


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * y


class ScaleBy(Function):
    """Non-tensor arguments, needs_input_grad, and attributes on ctx."""

    @staticmethod
    def forward(ctx, x, factor, w):
        ctx.factor = factor
        ctx.save_for_backward(x, w)
        return x * w * factor

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        gx = grad * w * ctx.factor if ctx.needs_input_grad[0] else None
        gw = grad * x * ctx.factor if ctx.needs_input_grad[2] else None
        return gx, None, gw


class SplitTwo(Function):
    """Two outputs, one of them non-differentiable."""

    @staticmethod
    def forward(ctx, x):
        doubled = x * 2
        flag = (x > 0).to(ember.float64)
        ctx.mark_non_differentiable(flag)
        return doubled, flag

    @staticmethod
    def backward(ctx, grad_doubled, grad_flag):
        return grad_doubled * 2


class SetupStyle(Function):
    @staticmethod
    def forward(x, w):
        return x * w

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, w = inputs
        ctx.save_for_backward(x, w)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        return grad * w, grad * x


def test_custom_function_forward_and_backward():
    x = leaf([0.5, 1.0])
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, 1.0]))
    assert gradcheck(Exp.apply, (leaf([0.1, -0.2]),))


def test_ctx_is_the_graph_node():
    x = leaf([0.5])
    y = Exp.apply(x)
    saved, = y.grad_fn.saved_tensors
    np.testing.assert_allclose(saved.detach().numpy(), np.exp([0.5]))


def test_custom_function_is_twice_differentiable():
    x = leaf([0.3])
    g, = ember.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    gg, = ember.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), np.exp([0.3]))


def test_needs_input_grad_and_non_tensor_arguments():
    x = leaf([1.0, 2.0])
    w = ember.tensor([3.0, 4.0], dtype=ember.float64)
    y = ScaleBy.apply(x, 2.0, w)
    assert y.grad_fn.needs_input_grad == (True, False, False)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 8.0])
    w.requires_grad_()
    assert gradcheck(lambda a, b: ScaleBy.apply(a, 0.5, b), (leaf([1.0, -1.0]), w))


def test_non_differentiable_outputs():
    x = leaf([-1.0, 2.0])
    doubled, flag = SplitTwo.apply(x)
    assert doubled.requires_grad and not flag.requires_grad
    (doubled * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_setup_context_style():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 5.0])
    SetupStyle.apply(x, w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 2.0])


def test_no_graph_without_grad():
    x = ember.tensor([1.0])
    assert not Exp.apply(x).requires_grad
    with ember.no_grad():
        assert not Exp.apply(leaf([1.0])).requires_grad


def test_wrong_number_of_gradients_raises():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(leaf([1.0]), leaf([2.0])).sum().backward()


def test_identity_function_returning_its_input():
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = leaf([1.0])
    y = Identity.apply(x)
    assert y is not x and x.is_leaf and not y.is_leaf
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


def test_gradcheck_catches_a_wrong_backward():
    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad * x  # should be 2 * x

    x = leaf([0.5, -1.5])
    with pytest.raises(ember.autograd.GradcheckError, match="Jacobian mismatch"):
        gradcheck(WrongSquare.apply, (x,))
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_catches_a_constant_first_derivative():
    class FrozenBackward(Function):
        """Right first derivative, computed from a detached value: its own derivative is lost."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad * x.detach() * 2

    x = leaf([0.5, -1.5])
    assert gradcheck(FrozenBackward.apply, (x,))
    with pytest.raises(ember.autograd.GradcheckError):
        ember.autograd.gradgradcheck(FrozenBackward.apply, (x,))
