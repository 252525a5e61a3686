"""The parsers of outside bytes against the fuzzing corpus (tools/fuzz/corpus/): every seed and
a fixed set of mutations of it (truncations, flipped bytes) must load or raise a clear error
(ValueError, TypeError, IndexError, RuntimeError, BufferError, UnpicklingError, EOFError), and
loading never runs code from the file. tools/fuzz/fuzz_parsers.py fuzzes the same targets
coverage-guided; inputs it found are kept in the corpus (found-*) as regressions."""
import io
import os
import pickle
import random
import zlib

import pytest

import ember
import ember.serialization
from conftest import backend_is_torch

pytestmark = pytest.mark.skipif(backend_is_torch(), reason="ember's parsers")

CORPUS = os.path.join(os.path.dirname(__file__), "..", "tools", "fuzz", "corpus")
CLEAR = (ValueError, TypeError, IndexError, RuntimeError, BufferError, pickle.UnpicklingError, EOFError)
CALLED = []


def _canary():  # the corpus' canary.pt names __main__._canary; weights_only must never call it
    CALLED.append(True)


def _seeds(target):
    folder = os.path.join(CORPUS, target)
    return sorted(os.path.join(folder, f) for f in os.listdir(folder)) if os.path.isdir(folder) else []


def _mutations(data, seed):
    rng = random.Random(seed)
    yield data
    for cut in sorted({0, 1, len(data) // 3, len(data) // 2, len(data) - 1, len(data) - 22}):
        if 0 <= cut < len(data):
            yield data[:cut]
    for _ in range(24):
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            if flipped:
                flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        yield bytes(flipped)


@pytest.mark.parametrize("path", _seeds("load") + _seeds("safetensors"), ids=os.path.basename)
def test_load_mutations_raise_clear_errors(path, monkeypatch):
    import __main__
    monkeypatch.setattr(__main__, "_canary", _canary, raising=False)
    with open(path, "rb") as f:
        data = f.read()
    readers = [ember.load] + ([ember.serialization.load_safetensors] if path.endswith(".safetensors") else [])
    for blob in _mutations(data, zlib.crc32(os.path.basename(path).encode())):  # a stable seed per file
        for read in readers:
            try:
                read(io.BytesIO(blob))
            except CLEAR:
                pass
    assert not CALLED, "loading ran code from the file"


def test_seed_corpus_loads():
    for path in _seeds("load"):
        name = os.path.basename(path)
        if name.startswith(("found-", "canary")):
            continue
        with open(path, "rb") as f:
            ember.load(io.BytesIO(f.read()))  # the unmutated seeds are valid files
