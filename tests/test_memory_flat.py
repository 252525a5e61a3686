"""Memory stays flat over a training loop: after a warm-up, a thousand steps of forward,
backward, optimizer step and zero_grad on a small MLP leave the process's resident memory
and the number of live ember tensors where they were, and one step leaves no reference
cycles behind (so memory is freed by reference counting, without waiting for the garbage
collector)."""
import gc
import os

import ember
from ember import nn

WARMUP_STEPS = 100
STEPS = 1000
# Resident memory may move by a few pages (allocator bookkeeping, the interpreter's own
# caches); a leak of even one 64x64 float32 tensor per step would add 16 MB.
RSS_TOLERANCE_BYTES = 4 * 1024 * 1024


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def live_tensor_count():
    return sum(1 for obj in gc.get_objects() if isinstance(obj, ember.Tensor))


def make_mlp(*extra_layers):
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(32, 64), *extra_layers, nn.ReLU(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 10))


def train(model, optimizer, x, y, steps):
    total = 0.0
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total


def test_training_loop_memory_stays_flat():
    model = make_mlp()
    optimizer = ember.optim.Adam(model.parameters(), lr=1e-3)
    x = ember.randn(64, 32)
    y = ember.randint(0, 10, (64,))

    train(model, optimizer, x, y, WARMUP_STEPS)  # optimizer state and caches get made here
    gc.collect()
    rss_before, tensors_before = resident_bytes(), live_tensor_count()

    first_half = train(model, optimizer, x, y, STEPS // 2)
    second_half = train(model, optimizer, x, y, STEPS - STEPS // 2)
    gc.collect()
    rss_after, tensors_after = resident_bytes(), live_tensor_count()

    assert second_half < first_half  # it trained, so every step did its work
    assert tensors_after == tensors_before, (tensors_before, tensors_after)
    assert rss_after - rss_before < RSS_TOLERANCE_BYTES, (rss_before, rss_after)


def test_a_training_step_leaves_no_reference_cycles():
    # BatchNorm (running statistics), Dropout (random masks) and SGD with momentum (state
    # buffers) each keep something between steps.
    model = make_mlp(nn.BatchNorm1d(64), nn.Dropout(0.1))
    optimizer = ember.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    x = ember.randn(64, 32)
    y = ember.randint(0, 10, (64,))
    train(model, optimizer, x, y, 5)
    gc.collect()
    tensors_before = live_tensor_count()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        train(model, optimizer, x, y, 50)
        unreachable = gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    assert unreachable == 0
    assert live_tensor_count() == tensors_before
