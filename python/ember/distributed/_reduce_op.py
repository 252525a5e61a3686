"""ReduceOp: the reductions of all_reduce, reduce and reduce_scatter, with torch's names."""
import enum


class ReduceOp(enum.Enum):
    SUM = 0
    PRODUCT = 1
    MIN = 2
    MAX = 3
    BAND = 4
    BOR = 5
    BXOR = 6
    AVG = 7
    PREMUL_SUM = 8
    UNUSED = 9

    @classmethod
    def of(cls, op, what):
        """`op` as a ReduceOp (torch code also passes the names as strings, "sum")."""
        if isinstance(op, cls):
            return op
        if isinstance(op, str) and op.upper() in cls.__members__:
            return cls[op.upper()]
        raise ValueError(f"{what}: op must be a ReduceOp (ReduceOp.SUM, ...), got {op!r}")


# torch keeps the enum's type under this name too (ReduceOp.RedOpType.SUM)
ReduceOp.RedOpType = ReduceOp
