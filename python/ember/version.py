"""ember.version: torch.version's names. `__version__` is ember's own version (0.1.0) as a
string that also compares with version strings and tuples, as torch's TorchVersion does
(`ember.__version__ >= "0.1"`, `ember.__version__ < (1, 0)`). ember has no CUDA or ROCm
toolkit version to report at this level: `cuda` and `hip` are None."""
import functools

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


@functools.total_ordering
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

    def __lt__(self, other):
        if isinstance(other, (str, tuple, list)):
            a, b = _padded(_parts(self), _parts(other))
            return a < b
        return NotImplemented

    __hash__ = str.__hash__


__version__ = TorchVersion("0.1.0")
cuda = None
hip = None
git_version = "unknown"
debug = False
