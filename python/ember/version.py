"""ember.version: torch.version's names. `__version__` is ember's own version (0.1.0) as a
string that also compares with version strings and tuples, as torch's TorchVersion does
(`ember.__version__ >= "0.1"`, `ember.__version__ < (1, 0)`). ember has no CUDA or ROCm
toolkit version to report at this level: `cuda` and `hip` are None."""
__all__ = ["__version__", "cuda", "hip", "git_version", "debug", "TorchVersion"]


def _parts(value):
    """(1, 2, 0) for '1.2.0', '1.2.0+cpu' or (1, 2): the numeric release parts."""
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value)
    release = str(value).split("+")[0]
    out = []
    for piece in release.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit()) if not piece.isdigit() else piece
        if not digits:
            break
        out.append(int(digits))
        if digits != piece:
            break
    return tuple(out)


def _padded(a, b):
    n = max(len(a), len(b))
    return a + (0,) * (n - len(a)), b + (0,) * (n - len(b))


class TorchVersion(str):
    """A version string comparing by its numeric release parts."""

    def __eq__(self, other):
        if isinstance(other, (str, tuple, list)):
            try:
                a, b = _padded(_parts(self), _parts(other))
            except ValueError:
                return str.__eq__(self, other)
            return a == b
        return NotImplemented

    def _compare(self, other, test):
        if isinstance(other, (str, tuple, list)):
            return test(*_padded(_parts(self), _parts(other)))
        return NotImplemented

    # str defines every ordering, so each is written out (functools.total_ordering would keep str's)
    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__


__version__ = TorchVersion("0.1.0")
cuda = None
hip = None
git_version = "unknown"
debug = False
