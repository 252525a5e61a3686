"""python -m ember.demo: train a small convolutional network on the handwritten digits.

The 1,797 8x8 images ship with ember (ember.datasets.load_digits), so nothing is downloaded.
A fifth of them is held out; the network trains on the rest with Adam, printing a progress
bar per epoch, the loss, the held-out accuracy and the time per epoch, and saves its weights.

    python -m ember.demo [--epochs 12] [--seed 0] [--device cpu] [--out digits_cnn.pt]
"""
import argparse
import sys
import time

import ember
from ember import nn
from ember.utils.data import DataLoader, TensorDataset


class DigitsNet(nn.Module):
    """Two 3x3 convolutions with batch norm, one pooling, two linear layers: 8x8 -> 10."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def split_digits(seed):
    """The images as (N, 1, 8, 8) in [0, 1], split 80/20 by a seeded permutation."""
    images, labels = ember.datasets.load_digits()
    images = images.unsqueeze(1)
    order = ember.randperm(len(labels), generator=ember.Generator().manual_seed(seed))
    n_test = len(labels) // 5
    test, train = order[:n_test], order[n_test:]
    return (images[train], labels[train]), (images[test], labels[test])


def progress(epoch, epochs, done, total, loss, width=30):
    filled = width * done // total
    bar = "#" * filled + "-" * (width - filled)
    sys.stdout.write(f"\repoch {epoch:2d}/{epochs} [{bar}] {done:3d}/{total} loss {loss:.4f}")
    sys.stdout.flush()


def evaluate(model, images, labels, device):
    model.eval()
    with ember.no_grad():
        logits = model(images.to(device))
    model.train()
    return float((logits.argmax(1).cpu() == labels).float().mean())


def resolve_device(device):
    """`device` as an ember.device, with a clear error when it is a GPU ember cannot use."""
    name = device
    device = ember.device(device) if isinstance(device, str) else device
    if device.type == "cuda":
        if not ember.cuda.is_available():
            why = ("this ember build has no CUDA backend (rebuild with -DEMBER_CUDA=ON)" if not ember.cuda.is_built()
                   else "no CUDA device is visible on this machine")
            raise RuntimeError(f"ember.demo: --device {name} asked for a GPU, but {why}; use --device cpu")
        if device.index is not None and device.index >= ember.cuda.device_count():
            raise RuntimeError(f"ember.demo: --device {name}: there are only {ember.cuda.device_count()} "
                               "CUDA device(s)")
    elif device.type != "cpu":
        raise RuntimeError(f"ember.demo: unsupported device {device}; use cpu or cuda")
    return device


def train(epochs=12, seed=0, device="cpu", batch_size=32, lr=3e-3, out=None, quiet=False):
    """Trains DigitsNet on `device` (cpu, cuda, cuda:N); returns (model, held-out accuracy)."""
    device = resolve_device(device)
    on_gpu = device.type == "cuda"
    ember.manual_seed(seed)
    (x_train, y_train), (x_test, y_test) = split_digits(seed)
    # Pinned batches copy to the GPU asynchronously (non_blocking below).
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True, pin_memory=on_gpu)
    model = DigitsNet().to(device)
    optimizer = ember.optim.Adam(model.parameters(), lr=lr)
    scheduler = ember.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    accuracy = 0.0
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        total_loss, seen = 0.0, 0
        for step, (x, y) in enumerate(loader, 1):
            x, y = x.to(device, non_blocking=on_gpu), y.to(device, non_blocking=on_gpu)
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(y)
            seen += len(y)
            if not quiet:
                progress(epoch, epochs, step, len(loader), total_loss / seen)
        scheduler.step()
        if on_gpu:
            ember.cuda.synchronize(device)
        elapsed = time.perf_counter() - start
        accuracy = evaluate(model, x_test, y_test, device)
        if not quiet:
            print(f"  held-out accuracy {100 * accuracy:5.1f}%  ({elapsed:.2f} s)")
    if out:
        ember.save(model.state_dict(), out)
        if not quiet:
            print(f"saved the trained weights to {out}")
    return model, accuracy


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ember.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="cpu, or cuda when ember has a GPU")
    parser.add_argument("--out", default="digits_cnn.pt", help="where to save the weights ('' to skip)")
    args = parser.parse_args(argv)
    print(f"ember {ember.__version__}: a small CNN on the 1,797 handwritten digits "
          f"({ember.get_num_threads()} threads, device {args.device})")
    try:
        device = resolve_device(args.device)
    except RuntimeError as e:
        parser.exit(2, f"{e}\n")
    start = time.perf_counter()
    _, accuracy = train(args.epochs, args.seed, device, out=args.out or None)
    print(f"final held-out accuracy {100 * accuracy:.1f}% in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
