"""Join: training on inputs of different lengths on different processes (torch's
torch.distributed.algorithms.join).

    with Join([ddp_model]):          # or `with ddp_model.join():`
        for batch in my_batches:     # some processes have fewer
            ddp_model(batch).sum().backward(); opt.step()

Each step taken with inputs starts with a count of the processes still stepping (an
all-reduce of ones). A process that has run out keeps answering those counts with zero and,
while some still step, runs its joinables' `main_hook` (for DDP: the same reductions, with
zero gradients). Once every process has joined, each joinable's `post_hook` runs (DDP: the
parameters of the process that stepped last, everywhere).
"""
from abc import ABC, abstractmethod

__all__ = ["Join", "JoinHook", "Joinable"]


class JoinHook:
    """What a joined process runs: main_hook once per step the others take, post_hook at the end."""

    def main_hook(self):
        pass

    def post_hook(self, is_last_joiner):
        pass


class Joinable(ABC):
    """An object that can shadow the collectives of the steps it no longer takes."""

    @abstractmethod
    def join_hook(self, **kwargs):
        ...

    @property
    @abstractmethod
    def join_device(self):
        ...

    @property
    @abstractmethod
    def join_process_group(self):
        ...


class Join:
    def __init__(self, joinables, enable=True, throw_on_early_termination=False, **kwargs):
        if len(joinables) == 0:
            raise ValueError("Join: the joinables list must not be empty")
        self._joinables = list(joinables)
        self._hooks = [j.join_hook(**kwargs) for j in self._joinables]
        self._enable = enable
        self._throw = throw_on_early_termination
        self._divide_by_initial_world_size = kwargs.get("divide_by_initial_world_size", True)
        groups = {id(j.join_process_group) for j in self._joinables}
        if len(groups) != 1:
            raise ValueError("Join: every joinable must use the same process group")
        self._group = self._joinables[0].join_process_group
        self._steps = 0

    def __enter__(self):
        for j in self._joinables:
            j._join = self if self._enable else None
        self._steps = 0
        return self

    @staticmethod
    def notify_join_context(joinable):
        """Called by the first joinable at the start of each step with inputs: counts the
        processes still stepping; returns that count (None outside an enabled Join)."""
        join = getattr(joinable, "_join", None)
        if join is None or joinable is not join._joinables[0]:
            return None
        from ... import ones
        count = ones(1)
        join._group.all_reduce(count, "sum", False, "Join")
        join._steps += 1
        active = int(count.item())
        if join._throw and active < join._group.size():
            raise RuntimeError("Detected at least one rank that exhausted inputs. Throwing across all ranks.")
        return active

    def __exit__(self, exc_type, exc, tb):
        try:
            if not self._enable or exc_type is not None:
                return False
            from ... import int64, tensor, zeros
            group = self._group
            while True:  # this process has joined: shadow the others' steps until none is left
                count = zeros(1)
                group.all_reduce(count, "sum", False, "Join")
                if count.item() == 0:
                    break
                if self._throw:
                    raise RuntimeError("Detected at least one rank that exhausted inputs. Throwing across all ranks.")
                for hook in self._hooks:
                    hook.main_hook()
            gathered = zeros(group.size(), dtype=int64)
            group.all_gather_into(gathered, tensor([self._steps], dtype=int64), False, "Join")
            counts = gathered.tolist()
            last = counts.index(max(counts))  # the lowest rank among those that stepped last
            for j, hook in zip(self._joinables, self._hooks):
                j._last_joiner = last
                hook.post_hook(group.rank() == last)
            return False
        finally:
            for j in self._joinables:
                j._join = None
