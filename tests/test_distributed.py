"""ember.distributed over MPI: collectives, DDP training and failures, with 2 and 3 processes
started on this machine over loopback (the scripts in tests/distributed_scripts/ check the
values against single-process references and exit non-zero on any mismatch)."""
import datetime
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

import ember
import ember.distributed as dist

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "distributed_scripts")
needs_mpi = pytest.mark.skipif(not dist.is_available(), reason="mpi4py and an MPI library are not installed")


def _env():
    env = dict(os.environ)
    package_root = os.path.dirname(os.path.dirname(ember.__file__))
    env["PYTHONPATH"] = package_root + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    return env


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(nproc, script, *args, timeout=120, launcher_args=()):
    command = [sys.executable, "-m", "ember.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
               *launcher_args, os.path.join(SCRIPTS, script), *args]
    return subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=timeout)


def _ok(result, nproc, word):
    assert result.returncode == 0, result.stdout + result.stderr
    for r in range(nproc):
        assert f"rank {r}: {word} OK" in result.stdout, result.stdout + result.stderr


@needs_mpi
@pytest.mark.parametrize("nproc", [2, 3])
def test_collectives_match_single_process_reference(nproc):
    _ok(_launch(nproc, "collectives.py"), nproc, "collectives")


@needs_mpi
@pytest.mark.parametrize("nproc", [2, 3])
def test_ddp_training_matches_single_process_training(nproc):
    _ok(_launch(nproc, "ddp_train.py"), nproc, "ddp")


@needs_mpi
@pytest.mark.parametrize("nproc", [2, 3])
def test_differentiable_collectives_send_gradients_back(nproc):
    _ok(_launch(nproc, "autograd_collectives.py"), nproc, "autograd collectives")


@needs_mpi
@pytest.mark.parametrize("nproc", [2, 3])
def test_ddp_join_with_uneven_inputs(nproc):
    _ok(_launch(nproc, "ddp_join.py"), nproc, "join")


@needs_mpi
def test_nanogpt_style_ddp_loop_matches_one_process():
    _ok(_launch(2, "nanogpt_ddp.py"), 2, "nanogpt")


@needs_mpi
def test_pytorch_ddp_tutorial_with_multiprocessing_spawn():
    result = subprocess.run([sys.executable, os.path.join(SCRIPTS, "spawn_tutorial.py"), str(_free_port())],
                            env=_env(), capture_output=True, text=True, timeout=120)
    _ok(result, 2, "spawn")


@needs_mpi
@pytest.mark.skipif(not any(os.access(os.path.join(p, "mpiexec"), os.X_OK)
                            for p in os.environ.get("PATH", "").split(os.pathsep)), reason="no mpiexec")
def test_scripts_started_by_mpiexec():
    result = subprocess.run(["mpiexec", "-n", "2", sys.executable, os.path.join(SCRIPTS, "collectives.py")],
                            env=_env(), capture_output=True, text=True, timeout=120)
    _ok(result, 2, "collectives")


@needs_mpi
def test_a_rank_that_raises_stops_the_job():
    started = time.monotonic()
    result = _launch(2, "failing.py", "raise", timeout=60)
    assert result.returncode == 1
    assert "rank failed on purpose" in result.stderr
    assert "rank 1 (local_rank 1" in result.stderr and "exited with code 1" in result.stderr
    assert time.monotonic() - started < 30


@needs_mpi
def test_a_rank_that_hangs_makes_the_others_time_out():
    result = _launch(2, "failing.py", "hang", timeout=60)
    assert result.returncode == 1
    assert "rank 0: DistBackendError" in result.stdout and "timed out after 3s" in result.stdout, result.stdout
    assert "rank 0 (local_rank 0" in result.stderr and "exited with code 7" in result.stderr


@needs_mpi
@pytest.mark.parametrize("how", ["exit", "raise"])
def test_without_a_launcher_a_dead_rank_gives_a_clear_error_within_the_timeout(how):
    """Processes started by hand (init_method env://): the survivor raises, it does not hang."""
    port = _free_port()
    procs = []
    for rank in range(2):
        env = _env()
        env.update(RANK=str(rank), WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        procs.append(subprocess.Popen([sys.executable, os.path.join(SCRIPTS, "failing.py"), how], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    started = time.monotonic()
    out0, err0 = procs[0].communicate(timeout=60)
    procs[1].communicate(timeout=60)
    assert time.monotonic() - started < 30
    assert procs[0].returncode == 7, out0 + err0
    assert "timed out after 3s" in out0
    assert procs[1].returncode == (3 if how == "exit" else 1)


@needs_mpi
def test_file_and_tcp_init_methods_and_a_second_group(tmp_path):
    port = str(_free_port())
    procs = [subprocess.Popen([sys.executable, os.path.join(SCRIPTS, "init_methods.py"), str(r),
                               str(tmp_path / "store"), port], env=_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for r in range(2)]
    for r, p in enumerate(procs):
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0 and f"rank {r}: init_methods OK" in out, out + err


@needs_mpi
def test_launcher_sets_torchrun_environment(tmp_path):
    script = tmp_path / "show_env.py"
    script.write_text("import os\n"
                      "keys = ['RANK', 'LOCAL_RANK', 'WORLD_SIZE', 'LOCAL_WORLD_SIZE', 'GROUP_RANK', 'MASTER_ADDR',\n"
                      "        'MASTER_PORT', 'TORCHELASTIC_RUN_ID', 'OMP_NUM_THREADS']\n"
                      "print('ENV', ' '.join(f'{k}={os.environ.get(k)}' for k in keys), flush=True)\n")
    env = _env()
    del env["OMP_NUM_THREADS"]
    result = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--nproc_per_node", "2",
                             "--master_port", str(_free_port()), str(script)], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = sorted(line for line in result.stdout.splitlines() if line.startswith("ENV"))
    assert len(lines) == 2
    for r, line in enumerate(lines):
        fields = dict(kv.split("=", 1) for kv in line.split()[1:])
        assert fields["RANK"] == fields["LOCAL_RANK"] == str(r)
        assert fields["WORLD_SIZE"] == fields["LOCAL_WORLD_SIZE"] == "2"
        assert fields["GROUP_RANK"] == "0" and fields["MASTER_ADDR"] == "127.0.0.1"
        assert fields["TORCHELASTIC_RUN_ID"] != "None" and fields["OMP_NUM_THREADS"] == "1"


@needs_mpi
def test_launcher_restarts_a_failed_group(tmp_path):
    script = tmp_path / "flaky.py"
    script.write_text("import os, sys\n"
                      "sys.exit(0 if os.environ['TORCHELASTIC_RESTART_COUNT'] == '1' else 5)\n")
    result = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--standalone", "--nproc-per-node", "2",
                             "--max-restarts", "1", str(script)], env=_env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "exited with code 5" in result.stderr and "attempt 1 of 2" in result.stderr


@needs_mpi
def test_launcher_runs_a_module(tmp_path):
    (tmp_path / "mod_main.py").write_text("import os\nprint('module rank', os.environ['RANK'], flush=True)\n")
    env = _env()
    env["PYTHONPATH"] = str(tmp_path) + os.pathsep + env["PYTHONPATH"]
    result = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--standalone", "--nproc-per-node", "2",
                             "-m", "mod_main"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split("\n"))[-2:] == ["module rank 0", "module rank 1"]


# ---- in one process --------------------------------------------------------------------------

@needs_mpi
def test_a_world_of_one_process():
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{_free_port()}", rank=0, world_size=1)
    try:
        assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
        t = ember.arange(4, dtype=ember.float32)
        dist.all_reduce(t, op=dist.ReduceOp.AVG)
        assert t.tolist() == [0, 1, 2, 3]
        with pytest.raises(ValueError, match="twice"):
            dist.init_process_group("gloo", rank=0, world_size=1)
        model = ember.nn.Linear(3, 2)
        ddp = ember.nn.parallel.DistributedDataParallel(model)
        ddp(ember.randn(5, 3)).sum().backward()
        assert model.weight.grad is not None
        with pytest.raises(ValueError, match="device_ids"):
            ember.nn.parallel.DistributedDataParallel(model, device_ids=[0])
    finally:
        dist.destroy_process_group()
    assert not dist.is_initialized()


def test_collectives_without_a_group_name_the_missing_group():
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="all_reduce: Default process group has not been initialized"):
        dist.all_reduce(ember.ones(1))
    with pytest.raises(ValueError, match="get_rank"):
        dist.get_rank()


def test_backend_availability():
    assert dist.is_backend_available("gloo") is dist.is_available()
    assert dist.is_backend_available("MPI") is dist.is_available()
    assert not dist.is_backend_available("nccl") and not dist.is_backend_available("ucc")


def test_nccl_without_gpus_is_refused():
    if ember.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="no GPUs found"):
        dist.init_process_group("nccl", rank=0, world_size=1)
    assert not dist.is_initialized()


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown backend"):
        dist.init_process_group("smoke", rank=0, world_size=1)


# ---- stores ----------------------------------------------------------------------------------

def _exercise_store(store):
    store.set("a", "1")
    assert store.get("a") == b"1"
    assert store.add("n", 2) == 2 and store.add("n", 3) == 5
    store.append("a", b"23")
    assert store.get("a") == b"123"
    assert store.compare_set("a", "123", "x") == b"x"
    assert store.compare_set("a", "nope", "y") == b"x"
    assert store.check(["a", "n"]) and not store.check(["missing"])
    assert store.delete_key("a") and not store.check(["a"])
    with pytest.raises(dist.DistStoreError, match="missing"):
        store.wait(["missing"], datetime.timedelta(seconds=0.05))


def test_hash_store():
    _exercise_store(dist.HashStore())


def test_file_store(tmp_path):
    path = str(tmp_path / "store")
    _exercise_store(dist.FileStore(path, 1))
    other = dist.FileStore(path, 1)
    other.set("shared", b"v")
    assert dist.FileStore(path, 1).get("shared") == b"v"


def test_prefix_store():
    base = dist.HashStore()
    _exercise_store(dist.PrefixStore("p", base))
    dist.PrefixStore("p", base).set("k", "v")
    assert base.get("p/k") == b"v"


def test_tcp_store_between_threads():
    master = dist.TCPStore("127.0.0.1", 0, 2, is_master=True, wait_for_workers=False,
                           timeout=datetime.timedelta(seconds=10))
    try:
        _exercise_store(master)
        client = dist.TCPStore("127.0.0.1", master.port, 2, is_master=False, wait_for_workers=False,
                               timeout=datetime.timedelta(seconds=10))
        got = []
        waiter = threading.Thread(target=lambda: got.append(client.get("late")))
        waiter.start()
        time.sleep(0.05)
        master.set("late", b"\x00\xff")
        waiter.join(5)
        assert got == [b"\x00\xff"]
        assert client.add("count", 1) == 1 and master.add("count", 1) == 2
        client.close()
    finally:
        master.close()


def test_tcp_store_connect_timeout():
    with pytest.raises(dist.DistStoreError, match="could not connect"):
        dist.TCPStore("127.0.0.1", _free_port(), 2, is_master=False, timeout=datetime.timedelta(seconds=0.3))


# ---- autograd pieces DDP is built on -----------------------------------------------------------

def test_post_accumulate_grad_hook_and_queue_callback():
    from ember.autograd import engine
    w = ember.randn(3, requires_grad=True)
    events = []

    def hook(p):
        assert p is w
        events.append(("grad", p.grad.tolist()))
        engine.queue_callback(lambda: events.append("end"))
    handle = w.register_post_accumulate_grad_hook(hook)
    (w * 2).sum().backward()
    assert events == [("grad", [2.0, 2.0, 2.0]), "end"]
    (w * 3).sum().backward()
    assert events[-2] == ("grad", [5.0, 5.0, 5.0])
    handle.remove()
    (w * 3).sum().backward()
    assert len(events) == 4
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(hook)
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        engine.queue_callback(lambda: None)


# ---- the older launcher and torchrun's error record ------------------------------------------

@needs_mpi
@pytest.mark.parametrize("use_env", [False, True])
def test_torch_distributed_launch_passes_the_local_rank(tmp_path, use_env):
    script = tmp_path / "old_style.py"
    script.write_text("import argparse, os\n"
                      "p = argparse.ArgumentParser()\n"
                      "p.add_argument('--local-rank', '--local_rank', type=int, default=-1)\n"
                      "a = p.parse_args()\n"
                      "print('local', a.local_rank, os.environ['LOCAL_RANK'], flush=True)\n")
    command = [sys.executable, "-m", "ember.distributed.launch", "--standalone", "--nproc_per_node", "2"]
    command += ["--use_env"] if use_env else []
    result = subprocess.run(command + [str(script)], env=_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    expected = ["local -1 0", "local -1 1"] if use_env else ["local 0 0", "local 1 1"]
    assert sorted(line for line in result.stdout.splitlines() if line.startswith("local")) == expected


@needs_mpi
def test_record_reports_the_failure_through_the_launcher(tmp_path):
    script = tmp_path / "recorded.py"
    script.write_text("import os\n"
                      "from ember.distributed.elastic.multiprocessing.errors import record\n"
                      "@record\n"
                      "def main():\n"
                      "    if os.environ['RANK'] == '1':\n"
                      "        raise ValueError('bad shard 7')\n"
                      "main()\n")
    result = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--standalone", "--nproc-per-node", "2",
                             str(script)], env=_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "rank 1 (local_rank 1" in result.stderr and "ValueError: bad shard 7" in result.stderr


def test_record_passes_results_and_exceptions_through(tmp_path, monkeypatch):
    from ember.distributed.elastic.multiprocessing.errors import record
    monkeypatch.setenv("TORCHELASTIC_ERROR_FILE", str(tmp_path / "error.json"))
    assert record(lambda x: x + 1)(1) == 2

    @record
    def fails():
        raise KeyError("k")
    with pytest.raises(KeyError):
        fails()
    import json
    assert "KeyError" in json.loads((tmp_path / "error.json").read_text())["message"]["message"]
