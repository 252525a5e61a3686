"""init_method="file://..." and "tcp://host:port" with explicit rank and world_size, each
followed by destroy_process_group, in one process (argv: rank, store file, port)."""
import sys

import ember
import ember.distributed as dist


def main():
    rank = int(sys.argv[1])
    for method in ("file://" + sys.argv[2], "tcp://127.0.0.1:" + sys.argv[3]):
        dist.init_process_group("gloo", init_method=method, rank=rank, world_size=2)
        t = ember.ones(3) * (rank + 1)
        dist.all_reduce(t)
        assert t.tolist() == [3, 3, 3], (method, t)
        dist.destroy_process_group()
    print(f"rank {rank}: init_methods OK", flush=True)


if __name__ == "__main__":
    main()
