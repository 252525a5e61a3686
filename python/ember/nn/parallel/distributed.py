"""DistributedDataParallel: one model replica per process, gradients averaged during backward.

At construction rank 0's parameters and buffers are broadcast to every process, and the
parameters are split into buckets (in reverse order, which is roughly the order in which
backward produces their gradients: a small first bucket, then `bucket_cap_mb` each). A hook
after each gradient's accumulation marks its parameter ready; once every parameter of a bucket
is, the bucket's gradients are copied into one flat buffer and its all-reduce starts, while
backward goes on computing the rest. When backward ends, every reduction is waited for and the
averages are written back into `.grad`.
"""
import contextlib
import weakref

from ..modules import Module

_FIRST_BUCKET_BYTES = 1024 * 1024  # PyTorch's: the first reduction starts early in backward
_DEFAULT_BUCKET_MB = 25


class _Bucket:
    """A few parameters of one dtype whose gradients are reduced together."""

    def __init__(self, index, params):
        self.index = index
        self.params = params            # [(param index, param)]
        self.numel = sum(p.numel() for _, p in params)
        self.ready = 0
        self.work = None                # the pending reduction (a Future)
        self.buffer = None              # what is reduced: `flat`, or what a comm hook set
        self.flat = None                # the bucket's gradients side by side, kept between steps
        self.scale = None               # 1 / processes, where the reduction summed


class GradBucket:
    """What a communication hook receives (torch.distributed.GradBucket's methods)."""

    def __init__(self, bucket, is_last):
        self._bucket, self._is_last = bucket, is_last

    def index(self):
        return self._bucket.index

    def buffer(self):
        return self._bucket.buffer

    def set_buffer(self, buffer):
        self._bucket.buffer = buffer

    def parameters(self):
        return [p for _, p in self._bucket.params]

    def gradients(self):
        out, at = [], 0
        for _, p in self._bucket.params:
            n = p.numel()
            out.append(self._bucket.buffer[at:at + n].view(p.shape))
            at += n
        return out

    def is_last(self):
        return self._is_last


def _flat_tensors(obj, out):
    """Every tensor inside `obj` (tensors, lists, tuples, dicts, dataclass-like outputs)."""
    from ..._tensor import Tensor
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _flat_tensors(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _flat_tensors(o, out)
    return out


class DistributedDataParallel(Module):
    """Data-parallel training over the processes of `process_group` (the default group)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 init_sync=True, process_group=None, bucket_cap_mb=None, find_unused_parameters=False,
                 check_reduction=False, gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None, mixed_precision=None,
                 device_mesh=None):
        super().__init__()
        from ... import distributed as dist
        group = dist.distributed_c10d._group(process_group, "DistributedDataParallel")
        devices = {p.device for p in module.parameters()}
        if device_ids or output_device is not None:
            raise ValueError("DistributedDataParallel device_ids and output_device arguments only work with "
                             "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                             f"{device_ids}, output_device {output_device}, and module parameters {devices}.")
        if any(d.type != "cpu" for d in devices):
            raise RuntimeError("DistributedDataParallel: ember's distributed backend reduces CPU tensors; the module "
                               f"has parameters on {devices} (the NCCL backend for CUDA is not available)")
        ignored = set(getattr(module, "_ddp_params_and_buffers_to_ignore", ()))
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad and n not in ignored]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        self.module = module
        self.process_group = group
        self.device_ids = None
        self.output_device = None
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((_DEFAULT_BUCKET_MB if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self.parameters_to_ignore = ignored
        self._param_names = [n for n, _ in named]
        self._params = [p for _, p in named]
        self._buffers_to_sync = [b for n, b in module.named_buffers() if n not in ignored]
        self._verify_same_parameters()
        if init_sync:
            self._broadcast_coalesced(self._params + self._buffers_to_sync)
        self._buckets = self._make_buckets()
        self._bucket_of = {}
        for b in self._buckets:
            for i, _ in b.params:
                self._bucket_of[i] = b
        self._comm_hook = None
        self._comm_state = None
        self._armed = False           # a forward under sync ran: its backward reduces
        self._finalize_queued = False
        self._ready = [False] * len(self._params)
        self._locally_used = [True] * len(self._params)
        self._unfinished = None       # names of parameters the last backward never reached
        self._join = None             # the Join context running, if any
        self._divisor = group.size()  # what the summed gradients are divided by
        me = weakref.ref(self)
        self._hook_handles = [p.register_post_accumulate_grad_hook(_ready_hook(me, i))
                              for i, p in enumerate(self._params)]

    # ---- setup -------------------------------------------------------------------------------
    def _verify_same_parameters(self):
        from ... import distributed as dist
        mine = [(n, tuple(p.shape), str(p.dtype)) for n, p in zip(self._param_names, self._params)]
        everyone = [None] * self.process_group.size()
        dist.all_gather_object(everyone, mine, group=self.process_group)
        for r, theirs in enumerate(everyone):
            if theirs != mine:
                diff = next(((a, b) for a, b in zip(mine, theirs) if a != b), (len(mine), len(theirs)))
                raise RuntimeError(f"DistributedDataParallel: rank {self.process_group.rank()} and rank {r} have "
                                   f"different parameters (first difference: {diff[0]} against {diff[1]}); every "
                                   "process must build the same model")

    def _broadcast_coalesced(self, tensors, src=0):
        """Rank `src`'s values of `tensors` (a rank of the group), into every process's, one
        broadcast per dtype."""
        from ... import cat
        from ...autograd.grad_mode import no_grad
        by_dtype = {}
        for t in tensors:
            by_dtype.setdefault(t.dtype, []).append(t)
        with no_grad():
            for group in by_dtype.values():
                flat = cat([t.detach().reshape(-1) for t in group])
                self.process_group.broadcast(flat, src, False, "DistributedDataParallel broadcast")
                at = 0
                for t in group:
                    n = t.numel()
                    t.detach().copy_(flat[at:at + n].view(t.shape))
                    at += n

    def _make_buckets(self):
        buckets, current, size, cap = [], {}, {}, _FIRST_BUCKET_BYTES
        for i in reversed(range(len(self._params))):
            p = self._params[i]
            key = p.dtype
            current.setdefault(key, []).append((i, p))
            size[key] = size.get(key, 0) + p.numel() * p.element_size()
            if size[key] >= cap:
                buckets.append(_Bucket(len(buckets), current.pop(key)))
                size[key] = 0
                cap = self.bucket_bytes_cap
        for params in current.values():
            buckets.append(_Bucket(len(buckets), params))
        return buckets

    # ---- the torch surface -------------------------------------------------------------------
    @contextlib.contextmanager
    def no_sync(self):
        """Forward and backward inside accumulate gradients locally; the first backward after
        it reduces the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def register_comm_hook(self, state, hook):
        """hook(state, bucket: GradBucket) -> Future of the bucket's reduced buffer, replacing
        the averaging all-reduce (see ember.distributed.algorithms.ddp_comm_hooks)."""
        if self._comm_hook is not None:
            raise RuntimeError("register_comm_hook can only be called once")
        if not callable(hook):
            raise TypeError("register_comm_hook: hook must be callable")
        self._comm_hook, self._comm_state = hook, state

    def _set_static_graph(self):
        self.static_graph = True

    def join(self, divide_by_initial_world_size=True, enable=True, throw_on_early_termination=False):
        """A context for inputs of different lengths on different processes: a process that has
        run out of inputs keeps taking part in the others' reductions (with zero gradients) until
        all have, and then every process gets the parameters of one that ran the most steps."""
        from ...distributed.algorithms.join import Join
        return Join([self], enable, throw_on_early_termination,
                    divide_by_initial_world_size=divide_by_initial_world_size)

    # ---- Joinable: what a process that has run out of inputs does for the others -----------
    @property
    def join_device(self):
        from ... import device
        return device("cpu")

    @property
    def join_process_group(self):
        return self.process_group

    def join_hook(self, divide_by_initial_world_size=True, **kwargs):
        return _DDPJoinHook(self, divide_by_initial_world_size)

    def forward(self, *inputs, **kwargs):
        from ...autograd.grad_mode import is_grad_enabled
        sync = is_grad_enabled() and self.require_backward_grad_sync
        if self._unfinished and sync:
            names = self._unfinished
            self._unfinished = None
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This error "
                "indicates that your module has parameters that were not used in producing loss. You can enable "
                "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
                f"participate in calculating loss. Parameters that did not receive a gradient: {names}")
        if self._join is not None and sync:  # one more step with inputs: the joined shadow it
            active = self._join.notify_join_context(self)
            if active is not None and not self._join._divide_by_initial_world_size:
                self._divisor = active
        if self.broadcast_buffers and self.require_forward_param_sync and self._buffers_to_sync \
                and self.process_group.size() > 1:
            self._broadcast_coalesced(self._buffers_to_sync)
        output = self.module(*inputs, **kwargs)
        if sync:
            self._prepare_for_backward(output)
        return output

    # ---- one iteration's reduction -----------------------------------------------------------
    def _prepare_for_backward(self, output):
        self._armed = True
        self._finalize_queued = False
        self._ready = [False] * len(self._params)
        for b in self._buckets:
            b.ready, b.work, b.buffer = 0, None, None
        if self.find_unused_parameters:
            from ... import _C
            from ...autograd.graph import AccumulateGrad
            roots = [t._node[0] for t in _flat_tensors(output, []) if t._node is not None]
            reached = set()
            for node in _C._autograd.topological_order(roots) if roots else ():
                if type(node) is AccumulateGrad:
                    leaf = node._leaf()
                    if leaf is not None:
                        reached.add(id(leaf))
            self._locally_used = [id(p) in reached for p in self._params]
            for i, used in enumerate(self._locally_used):
                if not used:
                    self._mark_ready(i)
        else:
            self._locally_used = [True] * len(self._params)

    def _mark_ready(self, i):
        if self._ready[i]:
            return None
        self._ready[i] = True
        bucket = self._bucket_of[i]
        bucket.ready += 1
        return bucket if bucket.ready == len(bucket.params) else None

    def _on_gradient(self, i):
        if not self._armed:
            return
        from ...autograd import engine
        if not self._finalize_queued:
            engine.queue_callback(self._finalize)
            self._finalize_queued = True
        self._mark_ready(i)
        self._launch_ready()

    def _launch_ready(self):
        """Starts the complete buckets whose predecessors have started (every process must start
        the same collectives in the same order); lets MPI progress those in flight."""
        blocked = False
        for b in self._buckets:
            if b.work is not None:
                b.work.done()
            elif not blocked and b.ready == len(b.params):
                self._launch(b)
            else:
                blocked = True

    def _launch(self, bucket):
        if bucket.flat is None:  # kept from step to step: one copy in, one out, no allocation
            from ... import empty
            bucket.flat = empty(bucket.numel, dtype=bucket.params[0][1].dtype)
        at = 0
        for i, p in bucket.params:
            n = p.numel()
            piece = bucket.flat[at:at + n]
            g = p.grad
            if g is not None and self._locally_used[i]:
                piece.view(p.shape).copy_(g.detach())
            else:
                piece.zero_()
            at += n
        bucket.buffer = bucket.flat
        if self._comm_hook is not None:
            bucket.work = self._comm_hook(self._comm_state, GradBucket(bucket, bucket is self._buckets[-1]))
            bucket.scale = None  # the hook averages
        else:
            bucket.work = self.process_group.all_reduce(bucket.buffer, "sum", True,
                                                        "DistributedDataParallel all_reduce").get_future()
            bucket.scale = 1.0 / self._divisor

    def _finalize(self):
        from ... import mul
        self._armed = False
        self._finalize_queued = False
        for b in self._buckets:
            if b.work is None and b.ready == len(b.params):
                self._launch(b)
        globally_used = self._globally_used() if self.find_unused_parameters else None
        unfinished = []
        for b in self._buckets:
            if b.work is None:
                unfinished += [self._param_names[i] for i, _ in b.params if not self._ready[i]]
                continue
            reduced = b.work.wait()
            if isinstance(reduced, list):
                reduced = reduced[0]
            at = 0
            for i, p in b.params:
                n = p.numel()
                piece = reduced[at:at + n].view(p.shape)
                at += n
                if globally_used is not None and not globally_used[i]:
                    continue  # no process used it: its .grad stays as it was
                # the sum over processes made their average, in one pass into .grad
                if p.grad is None:
                    p.grad = piece.clone() if b.scale is None else piece * b.scale
                elif b.scale is None:
                    p.grad.detach().copy_(piece)
                else:
                    mul(piece, b.scale, out=p.grad.detach())
            b.work = b.buffer = None
        self._unfinished = unfinished or None

    def _globally_used(self):
        from ... import tensor, uint8
        from ...distributed import ReduceOp
        used = tensor([1 if u else 0 for u in self._locally_used], dtype=uint8)
        self.process_group.all_reduce(used, ReduceOp.MAX, False, "DistributedDataParallel")
        return [bool(u) for u in used.tolist()]


class _DDPJoinHook:
    """For a process that has run out of inputs: each step the others still take, it starts
    the same collectives as their forward and backward do (buffers from rank 0, then every
    bucket's all-reduce, zeros from it); at the end every process takes the parameters and
    buffers of the process that stepped last."""

    def __init__(self, ddp, divide_by_initial_world_size):
        self.ddp = ddp
        self.divide_by_initial_world_size = divide_by_initial_world_size

    def main_hook(self):
        from ... import zeros
        ddp = self.ddp
        if ddp.broadcast_buffers and ddp.require_forward_param_sync and ddp._buffers_to_sync \
                and ddp.process_group.size() > 1:
            ddp._broadcast_coalesced(ddp._buffers_to_sync)
        works = []
        for b in ddp._buckets:
            if b.flat is None:
                b.flat = zeros(b.numel, dtype=b.params[0][1].dtype)
            else:
                b.flat.zero_()
            works.append(ddp.process_group.all_reduce(b.flat, "sum", True, "DistributedDataParallel all_reduce"))
        if ddp.find_unused_parameters:
            ddp._locally_used = [False] * len(ddp._params)
            ddp._globally_used()
        for w in works:
            w.wait()

    def post_hook(self, is_last_joiner):
        """The parameters and buffers of the last process to join (it made the last step)."""
        self.ddp._divisor = self.ddp.process_group.size()
        self.ddp._broadcast_coalesced(self.ddp._params + self.ddp._buffers_to_sync, src=self.ddp._last_joiner)


def _ready_hook(ddp_ref, index):
    def hook(param):
        ddp = ddp_ref()
        if ddp is not None:
            ddp._on_gradient(index)
    return hook

