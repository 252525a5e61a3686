"""native_channel_shuffle: torch's name for the same channel shuffle as channel_shuffle
(composites.py), kept as its own op as in torch.nn.functional."""
from ..._op_layer import namespace
from .composites import channel_shuffle

op = namespace("nn.functional")

__all__ = ["native_channel_shuffle"]


@op
def native_channel_shuffle(input, groups):
    return channel_shuffle(input, groups)
