"""ember.distributed.nn's collectives: values and the gradients that come back to each rank,
against their closed forms. Run by tests/test_distributed.py."""
import ember
import ember.distributed as dist
import ember.distributed.nn as dnn


def leaf(value, shape=(2, 3)):
    return ember.full(shape, float(value), dtype=ember.float64).requires_grad_()


def check(t, value, what):
    assert t is not None, f"{what}: no gradient"
    assert ember.allclose(t, ember.full(t.shape, float(value), dtype=t.dtype)), f"{what}: {t} != {value}"


def main():
    dist.init_process_group("gloo")
    rank, size = dist.get_rank(), dist.get_world_size()
    everyone = sum(q + 1 for q in range(size))

    x = leaf(rank)
    ys = dnn.all_gather(x)
    assert [float(y[0, 0]) for y in ys] == [float(q) for q in range(size)]
    sum((k + 1) * y.sum() for k, y in enumerate(ys)).backward()
    check(x.grad, size * (rank + 1), "all_gather")  # every rank's loss weighs my copy by rank + 1

    x = leaf(rank + 1)
    y = dnn.all_reduce(x)
    check(y.detach(), everyone, "all_reduce value")
    (y * (rank + 1)).sum().backward()
    check(x.grad, everyone, "all_reduce")
    assert float(x[0, 0]) == rank + 1  # the input is left as it was

    x = leaf(rank + 10)
    y = dnn.broadcast(x, src=size - 1)
    check(y.detach(), size - 1 + 10, "broadcast value")
    (y * (rank + 1)).sum().backward()
    check(x.grad, everyone if rank == size - 1 else 0, "broadcast")

    x = leaf(rank + 1)
    y = dnn.reduce(x, dst=0)
    if rank == 0:
        check(y.detach(), everyone, "reduce value")
    (y.sum() * (1.0 if rank == 0 else 0.0)).backward()
    check(x.grad, 1, "reduce")

    inputs = [leaf(rank * 10 + r, (4,)) for r in range(size)]
    out = dnn.reduce_scatter(ember.zeros(4, dtype=ember.float64), inputs)
    check(out.detach(), sum(q * 10 + rank for q in range(size)), "reduce_scatter value")
    (out.sum() * (rank + 1)).backward()
    for k, t in enumerate(inputs):
        check(t.grad, k + 1, "reduce_scatter")

    inputs = [leaf(rank * 100 + r, (r + 1, 2)) for r in range(size)]  # to rank r: r + 1 rows
    outs = dnn.all_to_all([ember.zeros(rank + 1, 2) for _ in range(size)], inputs)
    for k, o in enumerate(outs):
        check(o.detach(), k * 100 + rank, "all_to_all value")
    sum((k + 1) * (rank + 1) * o.sum() for k, o in enumerate(outs)).backward()
    for r, t in enumerate(inputs):
        check(t.grad, (rank + 1) * (r + 1), "all_to_all")

    x = leaf(rank, (size * 2,))
    y = dnn.all_to_all_single(ember.zeros(size * 2, dtype=ember.float64), x)
    assert y.tolist() == [float(q) for q in range(size) for _ in range(2)]
    (y * (rank + 1)).sum().backward()
    assert x.grad.tolist() == [float(r + 1) for r in range(size) for _ in range(2)], x.grad

    x = leaf(rank)
    outs = dnn.gather(x, dst=0)
    if rank == 0:
        assert [float(o[0, 0]) for o in outs] == [float(q) for q in range(size)]
    (sum((k + 1) * o.sum() for k, o in enumerate(outs)) * (1.0 if rank == 0 else 0.0)).backward()
    check(x.grad, rank + 1, "gather")

    tensors = [leaf(r * 7) for r in range(size)]
    y = dnn.scatter(tensors, src=0)
    check(y.detach(), rank * 7, "scatter value")
    (y.sum() * (rank + 1)).backward()
    for k, t in enumerate(tensors):
        check(t.grad, k + 1 if rank == 0 else 0, "scatter")

    dist.destroy_process_group()
    print(f"rank {rank}: autograd collectives OK", flush=True)


if __name__ == "__main__":
    main()
