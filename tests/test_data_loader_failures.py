"""DataLoader workers that fail: a worker that raises, a worker killed mid-epoch (by itself
from `__getitem__`, or from outside through the iterator's worker pids), a batch that takes
longer than `timeout=`. Each must end the iteration with a clear error that names the worker,
never hang.

Every scenario runs in a child Python under a timeout, so that a hang fails its test instead
of stalling the suite; the child prints one line per outcome, which the test reads."""
import os
import subprocess
import sys
import textwrap

import pytest

import ember

# The children import the ember this test imported: the installed wheel in CI, the source tree
# (python/, with its linked extension) in a development checkout.
PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__)))
HANG_LIMIT_S = 60

PRELUDE = '''
import os, signal, sys, time
import numpy as np
import ember
from ember.utils.data import DataLoader, Dataset


class KillsItself(Dataset):
    """Sends `sig` to its own (worker) process when asked for sample `at`."""

    def __init__(self, n, at, sig=signal.SIGKILL):
        self.n, self.at, self.sig = n, at, sig

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.at:
            os.kill(os.getpid(), self.sig)
            time.sleep(10)  # the signal ends the process before this returns
        return i


class Sleepy(Dataset):
    def __init__(self, n=40, delay=0.02):
        self.n, self.delay = n, delay

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        time.sleep(self.delay)
        return i


class Big(Dataset):
    """Samples of 32 MB: one takes many pipe buffers to send."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return ember.from_numpy(np.full(4_000_000, float(i)))


class RaisesAt(Dataset):
    def __init__(self, n, at):
        self.n, self.at = n, at

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.at:
            raise ValueError(f"sample {i} is corrupt")
        return i


def outcome(fn):
    """Prints what fn ended with: OK and its value, or the exception's type and message."""
    try:
        value = fn()
    except BaseException as e:
        print("RAISED", type(e).__name__, str(e).replace("\\n", " | "))
    else:
        print("OK", value)
'''


def run_child(body):
    """Runs PRELUDE + body in a new interpreter; returns its stdout lines. A hang fails."""
    code = PRELUDE + textwrap.dedent(body)
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=HANG_LIMIT_S,
                              env=env)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the DataLoader hung (no result in {HANG_LIMIT_S} s); output so far: {e.stdout!r}")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def assert_worker_exited(line, worker_id=None, how="was killed by SIGKILL"):
    assert line.startswith("RAISED RuntimeError DataLoader worker (pid(s) "), line
    assert "exited unexpectedly" in line, line
    if worker_id is not None:
        assert f"worker {worker_id} {how}" in line, line


# ---- a worker raises -----------------------------------------------------------------------------
def test_worker_exception_names_worker_and_original_error():
    lines = run_child('''
        it = iter(DataLoader(RaisesAt(10, 5), num_workers=2))
        got = []
        def drain():
            for x in it:
                got.append(int(x))
        outcome(drain)
        print("GOT", got)
        outcome(lambda: [int(x) for x in it])  # torch goes on with the rest after the error
    ''')
    # Sample 5 is task 5, which the round robin gave to worker 1.
    assert lines[0].startswith("RAISED ValueError Caught ValueError in DataLoader worker process 1."), lines[0]
    assert "Original Traceback" in lines[0] and "sample 5 is corrupt" in lines[0] and "__getitem__" in lines[0]
    assert lines[1] == "GOT [0, 1, 2, 3, 4]"
    assert lines[2] == "OK [6, 7, 8, 9]"


def test_worker_exception_in_collate_fn():
    lines = run_child('''
        def collate(batch):
            if 6 in batch:
                raise KeyError("no collate for 6")
            return batch
        outcome(lambda: list(DataLoader(Sleepy(8, 0), batch_size=2, num_workers=2, collate_fn=collate)))
    ''')
    assert lines[0].startswith("RAISED KeyError Caught KeyError in DataLoader worker process 1."), lines[0]
    assert "no collate for 6" in lines[0]


def test_same_behaviour_as_torch_for_a_raising_worker():
    torch = pytest.importorskip("torch")

    class TorchRaisesAt(torch.utils.data.Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            if i == 5:
                raise ValueError(f"sample {i} is corrupt")
            return i

    it = iter(torch.utils.data.DataLoader(TorchRaisesAt(), num_workers=2))
    got = []
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process 1"):
        for x in it:
            got.append(int(x))
    assert got == [0, 1, 2, 3, 4]
    assert [int(x) for x in it] == [6, 7, 8, 9]


# ---- a worker is killed --------------------------------------------------------------------------
def test_worker_killing_itself_mid_epoch():
    options = ["{}", "dict(batch_size=3)", "dict(in_order=False)", "dict(timeout=30)", "dict(prefetch_factor=1)"]
    lines = run_child(f'''
        for options in [{", ".join(options)}]:
            outcome(lambda: list(DataLoader(KillsItself(20, 7), num_workers=2, **options)))
    ''')
    assert len(lines) == len(options)
    for line in lines:
        assert_worker_exited(line)


def test_killed_worker_is_named():
    lines = run_child('''
        outcome(lambda: list(DataLoader(KillsItself(20, 7), num_workers=2)))
        outcome(lambda: list(DataLoader(KillsItself(20, 7, signal.SIGTERM), num_workers=2)))
    ''')
    # Sample 7 is task 7: worker 1 of 2.
    assert_worker_exited(lines[0], 1, "was killed by SIGKILL")
    assert_worker_exited(lines[1], 1, "was killed by SIGTERM")


def test_worker_exiting_quietly_is_reported():
    lines = run_child('''
        class Exits(Sleepy):
            def __getitem__(self, i):
                if i == 3:
                    os._exit(0)
                return i
        outcome(lambda: list(DataLoader(Exits(10, 0), num_workers=2)))
    ''')
    assert_worker_exited(lines[0], 1, "exited with code 0")


def test_worker_killed_from_outside_through_its_pid():
    lines = run_child('''
        it = iter(DataLoader(Sleepy(), num_workers=2))
        print("OK", int(next(it)))
        os.kill(it._workers[1].pid, signal.SIGKILL)
        def rest():
            return [int(x) for x in it]
        outcome(rest)
        outcome(lambda: next(it))  # the iteration has ended
        print("ALIVE", [w.is_alive() for w in it._workers])
    ''')
    assert lines[0] == "OK 0"
    assert_worker_exited(lines[1], 1)
    assert lines[2].startswith("RAISED StopIteration"), lines[2]
    assert lines[3] == "ALIVE [False, False]"  # the other worker was shut down too


def test_every_worker_killed_while_idle():
    lines = run_child('''
        it = iter(DataLoader(Sleepy(40, 0), batch_size=10, num_workers=2, prefetch_factor=1))
        next(it)
        time.sleep(0.5)  # both workers are done with their task and wait
        for w in it._workers:
            os.kill(w.pid, signal.SIGKILL)
        outcome(lambda: list(it))
    ''')
    assert_worker_exited(lines[0])


def test_worker_killed_halfway_through_sending_a_large_batch():
    # The batches after the first wait half-written in the worker's pipe when it is killed:
    # reading the rest of the message must not wait forever.
    lines = run_child('''
        it = iter(DataLoader(Big(), batch_size=None, num_workers=1))
        next(it)
        time.sleep(1.0)
        os.kill(it._workers[0].pid, signal.SIGKILL)
        start = time.monotonic()
        outcome(lambda: [next(it) for _ in range(3)])
        print("SECONDS", time.monotonic() - start)
    ''')
    assert_worker_exited(lines[0], 0)
    assert float(lines[1].split()[1]) < 10


def test_worker_killed_in_worker_init_fn():
    lines = run_child('''
        def init(worker_id):
            if worker_id == 1:
                os.kill(os.getpid(), signal.SIGKILL)
        outcome(lambda: list(DataLoader(Sleepy(), num_workers=2, worker_init_fn=init)))
    ''')
    assert_worker_exited(lines[0], 1)


def test_persistent_workers_after_a_worker_died():
    lines = run_child('''
        loader = DataLoader(Sleepy(8, 0), batch_size=4, num_workers=2, persistent_workers=True)
        outcome(lambda: [b.tolist() for b in loader])
        os.kill(loader._iterator._workers[0].pid, signal.SIGKILL)
        time.sleep(0.2)
        outcome(lambda: [b.tolist() for b in loader])  # the new epoch finds the dead worker
        outcome(lambda: [b.tolist() for b in loader])  # and the next one starts new workers
    ''')
    assert lines[0] == "OK [[0, 1, 2, 3], [4, 5, 6, 7]]"
    assert_worker_exited(lines[1], 0)
    assert lines[2] == "OK [[0, 1, 2, 3], [4, 5, 6, 7]]"


# ---- timeout= ------------------------------------------------------------------------------------
def test_timeout_raises_when_a_batch_is_late():
    lines = run_child('''
        start = time.monotonic()
        outcome(lambda: list(DataLoader(Sleepy(4, 2.0), num_workers=1, timeout=0.2)))
        print("SECONDS", time.monotonic() - start)
        outcome(lambda: [int(x) for x in DataLoader(Sleepy(4, 0.01), num_workers=1, timeout=5)])
    ''')
    assert lines[0] == "RAISED RuntimeError DataLoader timed out after 0.2 seconds"
    assert float(lines[1].split()[1]) < 1.9  # it did not wait for the batch
    assert lines[2] == "OK [0, 1, 2, 3]"


def test_timeout_needs_workers_and_a_non_negative_value():
    from ember.utils.data import DataLoader
    with pytest.raises(ValueError, match="timeout option should be non-negative"):
        DataLoader(list(range(4)), timeout=-1)
