"""ember.utils.tensorboard: torch.utils.tensorboard's SummaryWriter, over the `tensorboard`
package (its protobufs and event-file writer), which must be installed: `pip install tensorboard`
(or ember's `tensorboard` extra)."""
try:
    import tensorboard as _tensorboard
except ImportError as e:  # as torch.utils.tensorboard: an ImportError that says what to install
    raise ImportError("ember.utils.tensorboard needs the tensorboard package (TensorBoard 1.15 or "
                      "above): pip install tensorboard") from e

if tuple(int(p) for p in _tensorboard.__version__.split(".")[:2] if p.isdigit()) < (1, 15):
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above")
del _tensorboard

from tensorboard.summary.writer.record_writer import RecordWriter  # noqa: E402

from .writer import FileWriter, SummaryWriter  # noqa: E402

__all__ = ["FileWriter", "RecordWriter", "SummaryWriter"]
