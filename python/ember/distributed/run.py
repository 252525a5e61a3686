"""`python -m ember.distributed.run`: torchrun for ember.

    python -m ember.distributed.run --nproc-per-node 2 train.py --lr 0.1

Starts `--nproc-per-node` copies of the script on this node with torchrun's environment
(RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, ROLE_RANK, MASTER_ADDR,
MASTER_PORT, TORCHELASTIC_RUN_ID, ...), so `init_process_group()` with the default
init_method ("env://") finds the others. When one process fails, the launcher stops the
others and exits with an error naming the failed rank and its exit code; with
`--max-restarts N` it starts the whole group again, up to N times.
Several nodes: run it on each with the same --nnodes, --master-addr and --master-port and each
node's --node-rank.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid


def _flag(parser, name, **kwargs):
    """Adds `--a-b` with its underscore spelling `--a_b`, as torchrun accepts both."""
    names = [f"--{name}"]
    if "-" in name:
        names.append("--" + name.replace("-", "_"))
    parser.add_argument(*names, **kwargs)


def get_args_parser():
    p = argparse.ArgumentParser(prog="python -m ember.distributed.run",
                                description="Starts the processes of a distributed ember job (torchrun's flags).")
    _flag(p, "nnodes", default="1", help="number of nodes, or MIN:MAX (only a fixed number is supported)")
    _flag(p, "nproc-per-node", default="1", help="processes on this node: a number, or 'cpu'/'auto'")
    _flag(p, "node-rank", type=int, default=0)
    _flag(p, "master-addr", default="127.0.0.1")
    _flag(p, "master-port", type=int, default=29500)
    _flag(p, "standalone", action="store_true", help="one node, on a free local port")
    _flag(p, "rdzv-backend", default="static")
    _flag(p, "rdzv-endpoint", default="", help="HOST:PORT of the master (instead of --master-addr/--master-port)")
    _flag(p, "rdzv-id", default="none")
    _flag(p, "rdzv-conf", default="")
    _flag(p, "max-restarts", type=int, default=0)
    _flag(p, "monitor-interval", type=float, default=0.1)
    _flag(p, "start-method", default="spawn", choices=["spawn", "fork", "forkserver"])
    _flag(p, "role", default="default")
    p.add_argument("-m", "--module", action="store_true", help="run the script as a module (python -m)")
    _flag(p, "no-python", action="store_true", help="run the script itself, not under python")
    _flag(p, "run-path", action="store_true")
    _flag(p, "log-dir", default=None, help="write each rank's stdout/stderr into this folder")
    _flag(p, "redirects", default="0")
    _flag(p, "tee", default="0")
    _flag(p, "local-addr", default=None)
    _flag(p, "local-ranks-filter", default="")
    p.add_argument("training_script")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    """In the child: a launcher that is killed (SIGKILL, a test's timeout) takes its processes
    with it instead of leaving them waiting on each other (Linux's parent-death signal)."""
    if sys.platform.startswith("linux"):
        import ctypes
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _nproc(value):
    if value in ("cpu", "auto"):
        return os.cpu_count() or 1
    if value == "gpu":
        raise ValueError("--nproc-per-node gpu: ember's distributed backend runs on CPUs (no NCCL)")
    n = int(value)
    if n < 1:
        raise ValueError(f"--nproc-per-node must be at least 1, got {n}")
    return n


def _nnodes(value):
    lo, _, hi = str(value).partition(":")
    if hi and hi != lo:
        raise ValueError(f"--nnodes {value}: elastic node counts are not supported; give one number")
    return int(lo)


class _Group:
    """The processes of one attempt."""

    def __init__(self, args, nproc, world_size, master_addr, master_port, run_id, restart):
        self.procs = []
        self.files = []
        self.error_dir = tempfile.mkdtemp(prefix="ember-run-")  # where @record writes a failure
        if args.no_python:
            base = [args.training_script]
        elif args.module:
            base = [sys.executable, "-u", "-m", args.training_script]
        else:
            base = [sys.executable, "-u", args.training_script]
        for local in range(nproc):
            # torch.distributed.launch's convention: without --use-env the script is told its
            # local rank as an argument
            passed = [] if getattr(args, "use_env", True) else [f"--local-rank={local}"]
            command = base + passed + list(args.training_script_args)
            rank = args.node_rank * nproc + local
            env = dict(os.environ)
            env.update(RANK=str(rank), LOCAL_RANK=str(local), WORLD_SIZE=str(world_size),
                       LOCAL_WORLD_SIZE=str(nproc), GROUP_RANK=str(args.node_rank), GROUP_WORLD_SIZE=str(
                           world_size // nproc), ROLE_RANK=str(rank), ROLE_NAME=args.role,
                       ROLE_WORLD_SIZE=str(world_size), MASTER_ADDR=master_addr, MASTER_PORT=str(master_port),
                       TORCHELASTIC_RUN_ID=run_id, TORCHELASTIC_RESTART_COUNT=str(restart),
                       TORCHELASTIC_MAX_RESTARTS=str(args.max_restarts),
                       TORCHELASTIC_ERROR_FILE=os.path.join(self.error_dir, f"error_{rank}.json"))
            if nproc > 1 and "OMP_NUM_THREADS" not in os.environ:
                env["OMP_NUM_THREADS"] = "1"  # as torchrun: processes on one node share its cores
            out = err = None
            if args.log_dir:
                folder = os.path.join(args.log_dir, run_id, f"attempt_{restart}", str(local))
                os.makedirs(folder, exist_ok=True)
                out = open(os.path.join(folder, "stdout.log"), "w")
                err = open(os.path.join(folder, "stderr.log"), "w")
                self.files += [out, err]
            self.procs.append((rank, local, subprocess.Popen(command, env=env, stdout=out, stderr=err,
                                                             preexec_fn=_die_with_parent)))

    def poll(self):
        """None while running; else the (rank, local, code) of the first failure, or () if all succeeded."""
        failed, running = None, False
        for rank, local, p in self.procs:
            code = p.poll()
            if code is None:
                running = True
            elif code != 0 and failed is None:
                failed = (rank, local, p.pid, code)
        if failed is not None:
            return failed
        return None if running else ()

    def stop(self, grace=5.0):
        for _, _, p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for _, _, p in self.procs:
            left = max(deadline - time.monotonic(), 0.01)
            try:
                p.wait(left)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for f in self.files:
            f.close()

    def recorded_error(self, rank):
        """The message a failed rank's @record wrote, if it wrote one."""
        try:
            with open(os.path.join(self.error_dir, f"error_{rank}.json")) as f:
                return json.load(f)["message"]["message"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def cleanup(self):
        shutil.rmtree(self.error_dir, ignore_errors=True)


def _describe(code):
    if code < 0:
        try:
            return f"was killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def run(args):
    nproc = _nproc(args.nproc_per_node)
    nnodes = _nnodes(args.nnodes)
    if not 0 <= args.node_rank < nnodes:
        raise ValueError(f"--node-rank {args.node_rank} is outside 0..{nnodes - 1}")
    master_addr, master_port = args.master_addr, args.master_port
    if args.rdzv_endpoint:
        host, _, port = args.rdzv_endpoint.rpartition(":")
        master_addr, master_port = host or args.rdzv_endpoint, int(port) if port else master_port
    if args.standalone:
        if nnodes != 1:
            raise ValueError("--standalone runs one node; drop --nnodes")
        master_addr, master_port = "127.0.0.1", _free_port()
    run_id = args.rdzv_id if args.rdzv_id != "none" else uuid.uuid4().hex[:12]
    world_size = nnodes * nproc

    for restart in range(args.max_restarts + 1):
        group = _Group(args, nproc, world_size, master_addr, master_port, run_id, restart)
        stop = []

        def forward(signum, frame, stop=stop):
            stop.append(signum)
        previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            while True:
                result = group.poll() if not stop else (-1, -1, 0, -stop[0])
                if result is not None:
                    break
                time.sleep(args.monitor_interval)
        finally:
            group.stop()
            for s, h in previous.items():
                signal.signal(s, h)
        if result == () or stop:
            group.cleanup()
            return 0 if result == () else 128 + stop[0]
        rank, local, pid, code = result
        error = group.recorded_error(rank)
        group.cleanup()
        print(f"ember.distributed.run: rank {rank} (local_rank {local}, pid {pid}) {_describe(code)}"
              f"{': ' + error if error else ''}; stopped the other processes (attempt {restart + 1} of "
              f"{args.max_restarts + 1})", file=sys.stderr, flush=True)
        # a new attempt gets a new port: the old one may linger in TIME_WAIT
        if args.standalone:
            master_port = _free_port()
    return 1


def main(argv=None):
    args = get_args_parser().parse_args(argv)
    sys.exit(run(args))


if __name__ == "__main__":
    main()
