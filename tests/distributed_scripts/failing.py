"""A job whose last rank fails (how: argv[1] is "raise", "exit" or "hang"); the others must
leave with a clear error within the timeout. Run by tests/test_distributed.py."""
import datetime
import os
import sys
import time

import ember
import ember.distributed as dist


def main():
    how = sys.argv[1]
    dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=float(os.environ.get("TEST_TIMEOUT", "3"))))
    rank, size = dist.get_rank(), dist.get_world_size()
    t = ember.ones(4)
    dist.all_reduce(t)  # everyone is here
    if rank == size - 1:
        if how == "raise":
            raise RuntimeError("rank failed on purpose")
        if how == "exit":
            os._exit(3)
        if how == "hang":
            time.sleep(3600)
    started = time.monotonic()
    try:
        dist.all_reduce(t)
    except dist.DistBackendError as e:
        print(f"rank {rank}: DistBackendError after {time.monotonic() - started:.1f}s: {e}", flush=True)
        sys.exit(7)
    print(f"rank {rank}: the collective finished although a rank had failed", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
