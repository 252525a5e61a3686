"""SummaryWriter and FileWriter: torch.utils.tensorboard's writers, over tensorboard's
EventFileWriter (an event file of Event protobufs in log_dir, written by a background thread)."""
import os
import socket
import time
import warnings
from datetime import datetime

from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import summary as _summary
from .graph import graph_of

__all__ = ["FileWriter", "SummaryWriter"]


class FileWriter:
    """Writes Event protobufs to an event file in `log_dir` (created if missing), flushed every
    `flush_secs` seconds or when `max_queue` events are pending."""

    def __init__(self, log_dir, max_queue=10, flush_secs=120, filename_suffix=""):
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self):
        return self.event_writer.get_logdir()

    def add_event(self, event, step=None, walltime=None):
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)  # a step given as a one-element tensor or numpy integer, too
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None, walltime=None):
        self.add_event(Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_profile, walltime=None):
        """Writes a GraphDef (or torch's (GraphDef, RunMetadata) pair: only the graph is kept)."""
        graph = graph_profile[0] if isinstance(graph_profile, tuple) else graph_profile
        self.add_event(Event(graph_def=graph.SerializeToString()), None, walltime)

    def flush(self):
        self.event_writer.flush()

    def close(self):
        self.event_writer.close()

    def reopen(self):
        self.event_writer.reopen()


def _step(global_step):
    if global_step is None:
        return None
    return int(_summary.scalar_value(global_step, "global_step"))


class SummaryWriter:
    """Writes scalars, histograms, images, text, hyperparameters and a model's graph to event
    files for TensorBoard, as torch.utils.tensorboard.SummaryWriter.

    log_dir defaults to runs/<month><day>_<hour>-<minute>-<second>_<hostname><comment>.
    """

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = os.fspath(log_dir)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer = self.all_writers = None
        self._get_file_writer()
        self.default_bins = _summary.default_bins().tolist()

    def _get_file_writer(self):
        """The writer of log_dir, made again after close()."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:  # TensorBoard hides the events from this step on
                self.file_writer.add_event(Event(step=self.purge_step, file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=self.purge_step,
                                                 session_log=SessionLog(status=SessionLog.START)))
                self.purge_step = None
        return self.file_writer

    def get_logdir(self):
        return self.log_dir

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """One value of the curve `tag` (a number, or a one-element tensor or array)."""
        self._get_file_writer().add_summary(_summary.scalar(tag, scalar_value), _step(global_step), walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Several curves in one chart: each goes to its own run, log_dir/<main_tag>_<tag>."""
        walltime = time.time() if walltime is None else walltime
        logdir = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            run = logdir + "/" + main_tag.replace("/", "_") + "_" + tag
            writer = self.all_writers.get(run)
            if writer is None:
                writer = self.all_writers[run] = FileWriter(run, self.max_queue, self.flush_secs,
                                                            self.filename_suffix)
            writer.add_summary(_summary.scalar(main_tag, value), _step(global_step), walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        """The distribution of `values` (bins: 'tensorflow' for TensorBoard's default buckets, or
        anything numpy.histogram takes: a count, edges, 'auto', ...)."""
        self._get_file_writer().add_summary(_summary.histogram(tag, values, bins, max_bins),
                                            _step(global_step), walltime)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """An image: floats in [0, 1] or uint8 in [0, 255], laid out as `dataformats`."""
        self._get_file_writer().add_summary(_summary.image(tag, img_tensor, dataformats),
                                            _step(global_step), walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """A batch of images, tiled into one image of up to 8 per row."""
        tiled = _summary.grid(_summary.to_numpy(img_tensor), dataformats)
        self._get_file_writer().add_summary(_summary.image(tag, tiled, "CHW"), _step(global_step), walltime)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        self._get_file_writer().add_summary(_summary.text(tag, text_string), _step(global_step), walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        """One trial's hyperparameters and metrics for TensorBoard's HPARAMS tab, written to a run
        of its own (log_dir/<run_name or the time>)."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        experiment, start, end = _summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=logdir) as writer:
            writer.file_writer.add_summary(experiment, global_step)
            writer.file_writer.add_summary(start, global_step)
            writer.file_writer.add_summary(end, global_step)
            for key, value in metric_dict.items():
                writer.add_scalar(key, value, global_step)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """The graph of `model` run on `input_to_model`, for the GRAPHS tab. ember records it by
        tracing one forward pass with ember.onnx's exporter (it needs the onnx package); what
        cannot be traced is skipped with a warning."""
        try:
            graph = graph_of(model, input_to_model)
        except Exception as e:  # a logging call should not end a training run
            warnings.warn(f"add_graph: could not trace {type(model).__name__} ({type(e).__name__}: {e}); "
                          "no graph was written", stacklevel=2)
            return
        self._get_file_writer().add_graph(graph)

    def flush(self):
        """Writes the pending events of every run to disk."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()

    def close(self):
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
