"""scikit-learn's array API dispatch on ember tensors: sklearn finds the namespace through
array-api-compat, which asks the array itself (Tensor.__array_namespace__). PCA, Ridge,
LinearDiscriminantAnalysis and StandardScaler fitted on ember tensors match their NumPy fits.

scipy reads SCIPY_ARRAY_API when it is first imported, so the fits run in a fresh interpreter.
Skipped where scikit-learn or array-api-compat is absent."""
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("array_api_compat")

_SCRIPT = textwrap.dedent("""
    import numpy as np
    import sklearn
    import ember
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 5))
    y = X @ rng.standard_normal(5) + 0.1
    labels = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(np.int64)
    cases = {
        "PCA": (lambda: PCA(n_components=3, svd_solver="full"), lambda m, a, b, c: m.fit_transform(a)),
        "Ridge": (lambda: Ridge(alpha=1.0, solver="svd"), lambda m, a, b, c: m.fit(a, b).predict(a)),
        "LinearDiscriminantAnalysis": (LinearDiscriminantAnalysis, lambda m, a, b, c: m.fit(a, c).predict_proba(a)),
        "StandardScaler": (StandardScaler, lambda m, a, b, c: m.fit_transform(a)),
    }
    for name, (make, run) in cases.items():
        expected = run(make(), X, y, labels)
        with sklearn.config_context(array_api_dispatch=True):
            got = run(make(), ember.asarray(X), ember.asarray(y), ember.asarray(labels))
        assert isinstance(got, ember.Tensor), (name, type(got))
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10, atol=1e-10, err_msg=name)
        print(name, "ok")
""")


def test_sklearn_estimators_run_on_ember_tensors_and_match_numpy():
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    root = os.path.join(os.path.dirname(__file__), "..", "python")
    env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(root), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" ok") == 4, done.stdout
