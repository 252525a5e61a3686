"""torch's `*_copy` functions: each view op's result as a new tensor that shares no storage with
its input (torch.view_copy(x, shape) is x.view(shape).clone()). Composites of the view and
clone, so they differentiate as those do."""
from .._op_layer import op
from .._tensor import Tensor

__all__ = ["view_copy", "permute_copy", "transpose_copy", "expand_copy", "diagonal_copy", "select_copy",
           "slice_copy", "split_copy", "squeeze_copy", "unsqueeze_copy", "t_copy", "unbind_copy", "unfold_copy",
           "alias_copy", "detach_copy", "narrow_copy", "view_as_real_copy", "view_as_complex_copy"]


def _input(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    return x


def _copied(result):
    if isinstance(result, (tuple, list)):
        return [r.clone() for r in result]
    return result.clone()


@op
def view_copy(input, size):
    # a copy needs no view of the input's memory: any layout works, as in torch
    return _copied(_input(input, "view_copy").reshape(size))


@op
def permute_copy(input, dims):
    return _copied(_input(input, "permute_copy").permute(dims))


@op
def transpose_copy(input, dim0, dim1):
    return _copied(_input(input, "transpose_copy").transpose(dim0, dim1))


@op
def expand_copy(input, size, *, implicit=False):
    return _copied(_input(input, "expand_copy").expand(size))


@op
def diagonal_copy(input, offset=0, dim1=0, dim2=1):
    return _copied(_input(input, "diagonal_copy").diagonal(offset, dim1, dim2))


@op
def select_copy(input, dim, index):
    return _copied(_input(input, "select_copy").select(dim, index))


@op
def slice_copy(input, dim=0, start=None, end=None, step=1):
    x = _input(input, "slice_copy")
    index = [slice(None)] * x.dim()
    index[dim] = slice(start, end, step)
    return _copied(x[tuple(index)])


@op
def split_copy(input, split_size, dim=0):
    return _copied(_input(input, "split_copy").split(split_size, dim))


@op
def squeeze_copy(input, dim=None):
    x = _input(input, "squeeze_copy")
    return _copied(x.squeeze() if dim is None else x.squeeze(dim))


@op
def unsqueeze_copy(input, dim):
    return _copied(_input(input, "unsqueeze_copy").unsqueeze(dim))


@op
def t_copy(input):
    return _copied(_input(input, "t_copy").t())


@op
def unbind_copy(input, dim=0):
    return _copied(_input(input, "unbind_copy").unbind(dim))


@op
def unfold_copy(input, dimension, size, step):
    return _copied(_input(input, "unfold_copy").unfold(dimension, size, step))


@op
def alias_copy(input):
    return _input(input, "alias_copy").clone()


@op
def detach_copy(input):
    return _input(input, "detach_copy").detach().clone()


@op
def narrow_copy(input, dim, start, length):
    return _copied(_input(input, "narrow_copy").narrow(dim, start, length))


@op
def view_as_real_copy(input):
    from .complex import view_as_real
    return _copied(view_as_real(_input(input, "view_as_real_copy")))


@op
def view_as_complex_copy(input):
    from .complex import view_as_complex
    return _copied(view_as_complex(_input(input, "view_as_complex_copy")))
