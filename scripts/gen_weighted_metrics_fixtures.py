"""scikit-learn goldens for sample_weight in the classification metrics -> test/fixtures/metrics-weighted.json."""
import json

import numpy as np
from sklearn import metrics

from fixture_util import FIX

rng = np.random.default_rng(15)
cases = []
for n, k in [(40, 2), (60, 4)]:
    y_true = rng.integers(0, k, n)
    # Mostly right, some wrong, so every count is non-trivial.
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, k, n))
    w = np.round(rng.random(n) * 3, 3)
    case = {
        "yTrue": y_true.tolist(),
        "yPred": y_pred.tolist(),
        "sampleWeight": w.tolist(),
        "numClasses": k,
        "accuracy": metrics.accuracy_score(y_true, y_pred, sample_weight=w),
        "confusionMatrix": metrics.confusion_matrix(y_true, y_pred, labels=list(range(k)), sample_weight=w).tolist(),
    }
    averages = ["binary", "micro", "macro", "weighted"] if k == 2 else ["micro", "macro", "weighted", None]
    for name, fn in [("precision", metrics.precision_score), ("recall", metrics.recall_score), ("f1Score", metrics.f1_score)]:
        case[name] = {str(a if a is not None else "none"): np.asarray(fn(y_true, y_pred, average=a, labels=list(range(k)), sample_weight=w, zero_division=0)).tolist() for a in averages}
    case["fbeta2"] = {
        "macro": metrics.fbeta_score(y_true, y_pred, beta=2, average="macro", labels=list(range(k)), sample_weight=w, zero_division=0)
    }
    cases.append(case)

(FIX / "metrics-weighted.json").write_text(json.dumps({"cases": cases}) + "\n")
print("wrote", FIX / "metrics-weighted.json")
