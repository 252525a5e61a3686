"""Tensor layouts, as torch.layout: `ember.strided` (dense tensors) and `ember.sparse_coo`
(ember.sparse's COO tensors). Tensor.layout answers one of them."""

__all__ = ["layout", "strided", "sparse_coo"]


class layout:
    """A memory layout of tensors; compared by identity, printed as torch prints its layouts."""

    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"torch.{self._name}"

    def __reduce__(self):  # pickled by name, so that identity survives a round trip
        return (_by_name, (self._name,))


strided = layout("strided")
sparse_coo = layout("sparse_coo")


def _by_name(name):
    return {"strided": strided, "sparse_coo": sparse_coo}[name]
