"""Grad modes (ember.no_grad, enable_grad, set_grad_enabled, inference_mode): context managers,
decorators with and without parentheses, generator functions, nesting, restoring the mode after
an exception, thread-locality; and the same behaviour as torch's where it is installed."""
import threading

import pytest

import ember


@pytest.fixture(autouse=True)
def grad_enabled_after():
    yield
    assert ember.is_grad_enabled(), "a test left gradients disabled"
    assert not ember.is_inference_mode_enabled()


def test_context_managers_nest_and_restore():
    assert ember.is_grad_enabled()
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        with ember.enable_grad():
            assert ember.is_grad_enabled()
            with ember.set_grad_enabled(False):
                assert not ember.is_grad_enabled()
            assert ember.is_grad_enabled()
        assert not ember.is_grad_enabled()
    assert ember.is_grad_enabled()


def test_an_exception_restores_the_mode():
    with pytest.raises(ZeroDivisionError):
        with ember.no_grad():
            1 / 0
    assert ember.is_grad_enabled()


@pytest.mark.parametrize("decorate", [lambda f: ember.no_grad()(f), lambda f: ember.no_grad(f)])
def test_no_grad_decorates_with_or_without_parentheses(decorate):
    @decorate
    def f(x):
        return ember.is_grad_enabled(), x

    assert f(3) == (False, 3)
    assert f.__name__ == "f"
    assert ember.is_grad_enabled()


def test_enable_grad_decorator_inside_no_grad():
    @ember.enable_grad()
    def f():
        return ember.is_grad_enabled()

    with ember.no_grad():
        assert f()
        assert not ember.is_grad_enabled()


def test_set_grad_enabled_as_function_and_decorator():
    ember.set_grad_enabled(False)
    assert not ember.is_grad_enabled()
    ember.set_grad_enabled(True)
    assert ember.is_grad_enabled()

    @ember.set_grad_enabled(False)
    def f():
        return ember.is_grad_enabled()

    assert ember.is_grad_enabled(), "decorating must not change the mode now"
    assert f() is False
    with pytest.raises(TypeError, match="bool"):
        ember.set_grad_enabled("no")


@pytest.mark.parametrize("spelling", ["bare", "call", "true"])
def test_inference_mode_decorators(spelling):
    def body():
        return ember.is_grad_enabled(), ember.is_inference_mode_enabled()

    f = {"bare": ember.inference_mode(body), "call": ember.inference_mode()(body),
         "true": ember.inference_mode(True)(body)}[spelling]
    assert f() == (False, True)


def test_inference_mode_false_changes_nothing():
    with ember.no_grad():
        with ember.inference_mode(False):
            assert not ember.is_grad_enabled()
            assert not ember.is_inference_mode_enabled()


def test_generator_functions_run_each_step_in_the_mode():
    @ember.no_grad()
    def gen():
        x = yield ember.is_grad_enabled()
        yield (x, ember.is_grad_enabled())

    g = gen()
    assert next(g) is False
    assert ember.is_grad_enabled(), "the mode ends when the generator yields"
    assert g.send(7) == (7, False)
    with pytest.raises(StopIteration):
        next(g)


def test_modes_are_thread_local():
    seen = {}
    started, release = threading.Event(), threading.Event()

    def worker():
        seen["worker_before"] = ember.is_grad_enabled()
        started.set()
        release.wait(5)
        seen["worker_after"] = ember.is_grad_enabled()

    with ember.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        started.wait(5)
        release.set()
        t.join(5)
    assert seen == {"worker_before": True, "worker_after": True}


def test_decorating_a_class_is_refused():
    with pytest.raises(TypeError, match="functions"):
        ember.no_grad()(int)


def test_same_behaviour_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, ember):
        with lib.no_grad():
            with lib.enable_grad():
                inner = lib.is_grad_enabled()
            outer = lib.is_grad_enabled()
        with lib.inference_mode():
            inference = (lib.is_grad_enabled(), lib.is_inference_mode_enabled())
        assert (inner, outer, inference) == (True, False, (False, True)), lib.__name__
