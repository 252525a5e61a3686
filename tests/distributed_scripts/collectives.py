"""Every collective of ember.distributed against what a single process computes; run by
tests/test_distributed.py under `python -m ember.distributed.run`. Exits non-zero on a mismatch."""
import numpy as np

import ember
import ember.distributed as dist


def main():
    dist.init_process_group("gloo")
    rank, size = dist.get_rank(), dist.get_world_size()
    assert dist.is_initialized() and dist.get_backend() == "gloo"

    def value(r, shape=(3, 4), dtype=np.float32):
        return (np.arange(np.prod(shape)).reshape(shape) * (r + 1) + r).astype(dtype)

    # all_reduce, every op, several dtypes
    for dtype, edtype in [(np.float32, ember.float32), (np.float64, ember.float64), (np.int64, ember.int64),
                          (np.int32, ember.int32)]:
        everyone = [value(r, dtype=dtype) for r in range(size)]
        for op, ref in [(dist.ReduceOp.SUM, np.sum), (dist.ReduceOp.MAX, np.max), (dist.ReduceOp.MIN, np.min),
                        (dist.ReduceOp.PRODUCT, np.prod)]:
            t = ember.tensor(everyone[rank], dtype=edtype)
            dist.all_reduce(t, op=op)
            np.testing.assert_array_equal(t.numpy(), ref(np.stack(everyone), axis=0).astype(dtype))
    everyone = [value(r) for r in range(size)]
    t = ember.tensor(everyone[rank])
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    np.testing.assert_allclose(t.numpy(), np.mean(everyone, axis=0), rtol=1e-6)
    # half types go through float32
    for edtype in (ember.bfloat16, ember.float16):
        t = ember.tensor(everyone[rank], dtype=edtype)
        dist.all_reduce(t)
        ref = sum(ember.tensor(e, dtype=edtype).float().numpy() for e in everyone)
        np.testing.assert_allclose(t.float().numpy(), ember.tensor(ref).to(edtype).float().numpy())
        assert t.dtype == edtype
    # bool: SUM is a logical or
    t = ember.tensor([rank == 0, False, True])
    dist.all_reduce(t)
    assert t.tolist() == [True, False, True]
    # zero-size and zero-dim
    t = ember.zeros(0)
    dist.all_reduce(t)
    t = ember.tensor(float(rank))
    dist.all_reduce(t)
    assert t.item() == sum(range(size)) and t.dim() == 0
    # async
    t = ember.ones(1000) * rank
    work = dist.all_reduce(t, async_op=True)
    assert work.wait() and work.is_completed() and work.is_success()
    np.testing.assert_array_equal(t.numpy(), np.full(1000, sum(range(size)), np.float32))
    fut = dist.all_reduce(ember.ones(2), async_op=True).get_future()
    assert fut.wait()[0].tolist() == [size, size]

    # broadcast from each rank
    for src in range(size):
        t = ember.tensor(value(rank))
        dist.broadcast(t, src=src)
        np.testing.assert_array_equal(t.numpy(), value(src))
    t = ember.tensor(value(rank), dtype=ember.bfloat16)
    dist.broadcast(t, src=size - 1)
    np.testing.assert_array_equal(t.float().numpy(), ember.tensor(value(size - 1), dtype=ember.bfloat16).float().numpy())

    # reduce to the last rank
    t = ember.tensor(value(rank))
    dist.reduce(t, dst=size - 1)
    if rank == size - 1:
        np.testing.assert_array_equal(t.numpy(), sum(value(r) for r in range(size)))

    # all_gather: equal and uneven sizes, into a non-contiguous output
    outs = [ember.zeros(3, 4) for _ in range(size)]
    dist.all_gather(outs, ember.tensor(value(rank)))
    for r in range(size):
        np.testing.assert_array_equal(outs[r].numpy(), value(r))
    outs = [ember.zeros(r + 1) for r in range(size)]
    dist.all_gather(outs, ember.arange(rank + 1, dtype=ember.float32) + 10 * rank)
    for r in range(size):
        np.testing.assert_array_equal(outs[r].numpy(), np.arange(r + 1) + 10 * r)
    big = ember.zeros(4, 3 * size)
    views = [big[:, 3 * r:3 * r + 3] for r in range(size)]
    dist.all_gather(views, ember.full((4, 3), float(rank)))
    for r in range(size):
        assert (big[:, 3 * r:3 * r + 3] == r).all().item()
    out = ember.zeros(size * 2, 3)
    dist.all_gather_into_tensor(out, ember.full((2, 3), float(rank)))
    np.testing.assert_array_equal(out.numpy(), np.repeat(np.arange(size), 2)[:, None] * np.ones(3))
    out = ember.zeros(size, 2, 3)
    dist.all_gather_into_tensor(out, ember.full((2, 3), float(rank)))
    np.testing.assert_array_equal(out[:, 0, 0].numpy(), np.arange(size))

    # gather / scatter
    dst = 1 % size
    gl = [ember.zeros(3, 4) for _ in range(size)] if rank == dst else None
    dist.gather(ember.tensor(value(rank)), gl, dst=dst)
    if rank == dst:
        for r in range(size):
            np.testing.assert_array_equal(gl[r].numpy(), value(r))
    t = ember.zeros(3, 4)
    dist.scatter(t, [ember.tensor(value(r)) for r in range(size)] if rank == 0 else None, src=0)
    np.testing.assert_array_equal(t.numpy(), value(rank))

    # reduce_scatter (list and tensor forms)
    out = ember.zeros(5)
    dist.reduce_scatter(out, [ember.full((5,), float(rank * 10 + r)) for r in range(size)])
    np.testing.assert_array_equal(out.numpy(), np.full(5, sum(q * 10 + rank for q in range(size)), np.float32))
    out = ember.zeros(2)
    dist.reduce_scatter_tensor(out, ember.arange(2 * size, dtype=ember.float32) * (rank + 1))
    full = np.arange(2 * size) * sum(r + 1 for r in range(size))
    np.testing.assert_array_equal(out.numpy(), full[2 * rank:2 * rank + 2])
    out = ember.zeros(2)
    dist.reduce_scatter_tensor(out, ember.arange(2 * size, dtype=ember.float32) * (rank + 1), op=dist.ReduceOp.AVG)
    np.testing.assert_allclose(out.numpy(), full[2 * rank:2 * rank + 2] / size, rtol=1e-6)

    # all_to_all and all_to_all_single (equal and uneven splits)
    outs = [ember.zeros(2) for _ in range(size)]
    dist.all_to_all(outs, [ember.full((2,), float(rank * 100 + r)) for r in range(size)])
    for r in range(size):
        assert outs[r].tolist() == [r * 100 + rank] * 2
    out = ember.zeros(size)
    dist.all_to_all_single(out, ember.arange(size, dtype=ember.float32) + 100 * rank)
    np.testing.assert_array_equal(out.numpy(), np.arange(size) * 100 + rank)
    in_splits = [r + 1 for r in range(size)]  # rank sends r+1 elements to rank r
    out_splits = [rank + 1] * size
    out = ember.zeros(sum(out_splits))
    dist.all_to_all_single(out, ember.full((sum(in_splits),), float(rank)), out_splits, in_splits)
    np.testing.assert_array_equal(out.numpy(), np.repeat(np.arange(size), rank + 1))

    # point to point: a ring, then a receive from any source
    nxt, prv = (rank + 1) % size, (rank - 1) % size
    got = ember.zeros(3)
    reqs = dist.batch_isend_irecv([dist.P2POp(dist.isend, ember.full((3,), float(rank)), nxt),
                                   dist.P2POp(dist.irecv, got, prv)])
    for w in reqs:
        w.wait()
    assert got.tolist() == [prv] * 3
    if rank == 0:
        senders = set()
        for _ in range(size - 1):
            t = ember.zeros(1)
            senders.add(dist.recv(t))
            assert t.item() == 7
        assert senders == set(range(1, size))
    else:
        dist.send(ember.full((1,), 7.0), dst=0)

    # objects
    objs = [None] * size
    dist.all_gather_object(objs, {"rank": rank, "name": "r" * rank})
    assert objs == [{"rank": r, "name": "r" * r} for r in range(size)]
    lst = [rank, "x", None] if rank == 0 else [None, None, None]
    dist.broadcast_object_list(lst, src=0)
    assert lst == [0, "x", None]
    gathered = [None] * size if rank == 0 else None
    dist.gather_object(rank * 2, gathered, dst=0)
    if rank == 0:
        assert gathered == [2 * r for r in range(size)]
    out = [None]
    dist.scatter_object_list(out, [f"for {r}" for r in range(size)] if rank == 0 else None, src=0)
    assert out == [f"for {rank}"]

    # a subgroup of ranks 0 and the last; its collectives use global ranks for src
    members = sorted({0, size - 1})
    g = dist.new_group(members)
    if rank in members:
        assert dist.get_world_size(g) == len(members) and dist.get_process_group_ranks(g) == members
        t = ember.tensor([float(rank)])
        dist.all_reduce(t, group=g)
        assert t.item() == size - 1
        t = ember.tensor([float(rank)])
        dist.broadcast(t, src=size - 1, group=g)
        assert t.item() == size - 1
        assert dist.get_global_rank(g, len(members) - 1) == size - 1
        assert dist.get_group_rank(g, size - 1) == len(members) - 1
    else:
        assert g is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(g) == -1

    # bad input is refused with a clear error, and the group stays usable
    for bad, kind in [(lambda: dist.all_reduce(ember.zeros(4, 4).t()), ValueError),
                      (lambda: dist.all_reduce(np.zeros(3)), TypeError),
                      (lambda: dist.broadcast(ember.zeros(1), src=size), ValueError),
                      (lambda: dist.all_reduce(ember.zeros(1, dtype=ember.int64), op=dist.ReduceOp.AVG), ValueError),
                      (lambda: dist.all_gather([ember.zeros(1)] * (size + 1), ember.zeros(1)), ValueError)]:
        try:
            bad()
        except kind:
            pass
        else:
            raise AssertionError("bad input was accepted")
    dist.barrier()
    dist.destroy_process_group()
    assert not dist.is_initialized()
    print(f"rank {rank}: collectives OK", flush=True)


if __name__ == "__main__":
    main()
