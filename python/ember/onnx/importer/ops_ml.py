"""Feature-extraction ops: ai.onnx.ml's Binarizer and ArrayFeatureExtractor, and TfIdfVectorizer."""
import ember

from ..registry import imports

_ML = "ai.onnx.ml"


@imports("Binarizer", domain=_ML)
def binarizer(node, x):
    return (x > node.attr("threshold", 0.0)).to(x.dtype)


@imports("ArrayFeatureExtractor", domain=_ML)
def array_feature_extractor(node, x, indices):
    """The features (last-dim entries) `indices` of each row of x."""
    picked = x.index_select(x.ndim - 1, indices.reshape(-1).to(ember.int64))
    return picked if x.ndim > 1 else picked.reshape(1, -1)


@imports("TfIdfVectorizer")
def tfidf_vectorizer(node, x):
    """Counts the pool's n-grams (min_gram_length..max_gram_length items, up to max_skip_count
    items skipped between neighbours) in each row of integer ids, weighted by `mode`: TF (the
    counts), IDF (the weight where the count is not 0) or TFIDF (count * weight)."""
    pool = node.attr("pool_int64s")
    if pool is None:
        raise NotImplementedError(f"{node.describe()}: string pools need string tensors, which "
                                  "ember does not have")
    starts, indexes = node.attr("ngram_counts"), node.attr("ngram_indexes")
    low, high = node.attr("min_gram_length"), node.attr("max_gram_length")
    max_skip = node.attr("max_skip_count", 0)
    size = max(indexes) + 1
    weights = node.attr("weights") or [1.0] * size
    table, gram_id = {}, 0  # n-gram -> output column
    for i, start in enumerate(starts):
        n = i + 1
        end = starts[i + 1] if i + 1 < len(starts) else len(pool)
        for j in range(start, end, n):
            if low <= n <= high:
                table[tuple(pool[j:j + n])] = indexes[gram_id]
            gram_id += 1
    rows = x.tolist() if x.ndim == 2 else [x.tolist()]
    counts = [[0] * size for _ in rows]
    for row, count in zip(rows, counts):
        for first in range(len(row)):
            for skip in range(max_skip + 1):
                for n in range(low, high + 1):
                    if n == 1 and skip > 0:
                        continue  # a 1-gram is counted once, whatever the skip
                    last = first + (n - 1) * (skip + 1)
                    if last >= len(row):
                        break
                    column = table.get(tuple(row[first:last + 1:skip + 1]))
                    if column is not None:
                        count[column] += 1
    result = ember.tensor(counts, dtype=ember.float32)
    mode = node.attr("mode")
    w = ember.tensor(weights, dtype=ember.float32)
    if mode == "IDF":
        result = (result > 0).to(ember.float32) * w
    elif mode == "TFIDF":
        result = result * w
    return result if x.ndim == 2 else result.reshape(-1)
