"""The standard DDP communication hooks: hook(process_group, bucket) -> Future of the
bucket's averaged gradients (state is the process group; None means the default group)."""
from ... import distributed_c10d as c10d


def _group(process_group):
    return c10d._group(process_group, "ddp comm hook")


def allreduce_hook(process_group, bucket):
    """The default: the bucket divided by the number of processes, summed over them."""
    group = _group(process_group)
    buffer = bucket.buffer().div_(group.size())
    return group.all_reduce(buffer, "sum", True, "allreduce_hook").get_future().then(lambda fut: fut.value()[0])


def _compressed(process_group, bucket, dtype, what):
    group = _group(process_group)
    buffer = bucket.buffer()
    compressed = buffer.to(dtype).div_(group.size())
    fut = group.all_reduce(compressed, "sum", True, what).get_future()

    def decompress(fut):
        buffer.copy_(fut.value()[0])
        return buffer
    return fut.then(decompress)


def fp16_compress_hook(process_group, bucket):
    """The gradients travel as float16 (half the bytes), are averaged, and come back in their dtype."""
    from .... import float16
    return _compressed(process_group, bucket, float16, "fp16_compress_hook")


def bf16_compress_hook(process_group, bucket):
    from .... import bfloat16
    return _compressed(process_group, bucket, bfloat16, "bf16_compress_hook")
