"""Golden values for src/metrics from scikit-learn, NLTK and PyTorch.

Writes test/fixtures/metrics-classification.json, metrics-ranking.json, metrics-regression.json
and metrics-text.json. Run with Debian's Python (python3-sklearn,
python3-nltk, python3-torch): /usr/bin/python3 scripts/gen_metrics_fixtures.py
"""
import json
import math
import warnings

import numpy as np
import sklearn
import torch
import torch.nn.functional as F
from nltk.translate.bleu_score import SmoothingFunction, corpus_bleu, sentence_bleu
from sklearn import metrics as skm
from sklearn.preprocessing import label_binarize

from fixture_util import FIX, json_number

OUT = FIX
# Zero-division and zero-overlap warnings are part of the cases being recorded.
warnings.filterwarnings("ignore")
rng = np.random.default_rng(20240501)


def clean(x):
    """JSON-safe: numpy to lists, NaN/Infinity as strings."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return clean(x.tolist())
    if isinstance(x, (np.floating, float)):
        return json_number(float(x))
    if isinstance(x, np.integer):
        return int(x)
    return x


def write(name, data):
    path = OUT / f"metrics-{name}.json"
    path.write_text(json.dumps(clean(data), indent=1) + "\n")
    print("wrote", path)


def rate_metrics(y_true, y_pred, k):
    """Specificity, FPR and FNR per averaging mode, from sklearn's per-class confusion counts."""
    mcm = skm.multilabel_confusion_matrix(y_true, y_pred, labels=list(range(k)))
    tn, fp, fn, tp = mcm[:, 0, 0], mcm[:, 0, 1], mcm[:, 1, 0], mcm[:, 1, 1]
    support = tp + fn
    out = {}
    for name, (num, den) in {"specificity": (tn, tn + fp), "fpr": (fp, fp + tn), "fnr": (fn, fn + tp)}.items():
        per = np.where(den > 0, num / np.maximum(den, 1), 0.0)
        out[name] = {
            "none": per,
            "macro": per.mean(),
            "weighted": (per * support).sum() / support.sum(),
            "micro": num.sum() / den.sum(),
        }
        if k == 2:
            out[name]["binary"] = per[1]
    return out


def classification_case(name, y_true, preds, k, class_names):
    y_pred = np.asarray(preds).argmax(1) if np.ndim(preds) == 2 else np.asarray(preds)
    labels = list(range(k))
    averages = ["micro", "macro", "weighted", None] + (["binary"] if k == 2 else [])
    case = {
        "name": name,
        "numClasses": k,
        "target": y_true,
        "preds": preds,
        "accuracy": skm.accuracy_score(y_true, y_pred),
        "confusionMatrix": skm.confusion_matrix(y_true, y_pred, labels=labels),
        "confusionMatrixNormalized": {
            how: skm.confusion_matrix(y_true, y_pred, labels=labels, normalize=how) for how in ["true", "pred", "all"]
        },
        "report": skm.classification_report(y_true, y_pred, labels=labels, target_names=class_names, zero_division=0),
        "report4": skm.classification_report(y_true, y_pred, labels=labels, target_names=class_names, digits=4, zero_division=0),
        "classNames": class_names,
    }
    for metric, fn in [
        ("precision", lambda a: skm.precision_score(y_true, y_pred, labels=labels, average=a, zero_division=0)),
        ("recall", lambda a: skm.recall_score(y_true, y_pred, labels=labels, average=a, zero_division=0)),
        ("f1", lambda a: skm.f1_score(y_true, y_pred, labels=labels, average=a, zero_division=0)),
        ("fbeta0.5", lambda a: skm.fbeta_score(y_true, y_pred, beta=0.5, labels=labels, average=a, zero_division=0)),
        ("fbeta2", lambda a: skm.fbeta_score(y_true, y_pred, beta=2, labels=labels, average=a, zero_division=0)),
    ]:
        case[metric] = {("none" if a is None else a): fn(a) for a in averages}
    case.update(rate_metrics(y_true, y_pred, k))
    if np.ndim(preds) == 2:
        case["top2"] = skm.top_k_accuracy_score(y_true, preds, k=2, labels=labels)
        case["top3"] = skm.top_k_accuracy_score(y_true, preds, k=3, labels=labels)
    return case


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


# ---- classification ---------------------------------------------------------------------------
binary_true = rng.integers(0, 2, 40)
binary_pred = np.where(rng.random(40) < 0.75, binary_true, 1 - binary_true)
multi_true = rng.choice(4, 60, p=[0.4, 0.3, 0.2, 0.1])
multi_pred = np.where(rng.random(60) < 0.6, multi_true, rng.choice(3, 60))  # class 3 is never guessed wrongly, only right
score_true = rng.integers(0, 5, 50)
score_logits = rng.normal(size=(50, 5)) + 1.5 * np.eye(5)[score_true]
classification = {
    "sklearn": sklearn.__version__,
    "cases": [
        classification_case("binary labels", binary_true.tolist(), binary_pred.tolist(), 2, ["negative", "positive"]),
        classification_case("multiclass labels", multi_true.tolist(), multi_pred.tolist(), 4, ["cat", "dog", "bird", "a very long name"]),
        classification_case("multiclass scores", score_true.tolist(), score_logits.tolist(), 5, ["0", "1", "2", "3", "4"]),
        # Class 2 is never predicted: its precision divides by zero (zero_division=0).
        classification_case("class never predicted", [0, 1, 2, 2, 1, 0, 2, 1, 1, 0], [0, 1, 1, 0, 1, 0, 1, 1, 0, 0], 3, ["a", "b", "c"]),
    ],
}
write("classification", classification)

# ---- ranking ----------------------------------------------------------------------------------
rank_true = rng.integers(0, 2, 80)
# Rounded scores create ties, which exercise the distinct-threshold grouping.
rank_scores = np.round(np.clip(0.35 * rank_true + rng.normal(0.4, 0.25, 80), 0, 1), 1)
fpr, tpr, thr = skm.roc_curve(rank_true, rank_scores)
prec, rec, pr_thr = skm.precision_recall_curve(rank_true, rank_scores)
smooth_scores = rng.random(30)
smooth_true = (smooth_scores + rng.normal(0, 0.3, 30) > 0.5).astype(int)
ovr_true = rng.integers(0, 4, 70)
ovr_scores = softmax(rng.normal(size=(70, 4)) + np.eye(4)[ovr_true])
ovr_onehot = label_binarize(ovr_true, classes=[0, 1, 2, 3])
ranking = {
    "sklearn": sklearn.__version__,
    "binary": {
        "target": rank_true,
        "scores": rank_scores,
        # sklearn < 1.3 starts the thresholds at max + 1; newer versions (and Nabla) use +inf.
        "roc": {"fpr": fpr, "tpr": tpr, "thresholds": [math.inf] + thr[1:].tolist()},
        "rocAuc": skm.roc_auc_score(rank_true, rank_scores),
        "pr": {"precision": prec, "recall": rec, "thresholds": pr_thr},
        "averagePrecision": skm.average_precision_score(rank_true, rank_scores),
    },
    "binaryNoTies": {
        "target": smooth_true,
        "scores": smooth_scores,
        "roc": dict(zip(["fpr", "tpr", "thresholds"], skm.roc_curve(smooth_true, smooth_scores))),
        "rocAuc": skm.roc_auc_score(smooth_true, smooth_scores),
        "averagePrecision": skm.average_precision_score(smooth_true, smooth_scores),
    },
    "ovr": {
        "target": ovr_true,
        "scores": ovr_scores,
        "rocAucMacro": skm.roc_auc_score(ovr_true, ovr_scores, multi_class="ovr", average="macro"),
        "rocAucWeighted": skm.roc_auc_score(ovr_true, ovr_scores, multi_class="ovr", average="weighted"),
        "averagePrecisionMacro": skm.average_precision_score(ovr_onehot, ovr_scores, average="macro"),
        "averagePrecisionWeighted": skm.average_precision_score(ovr_onehot, ovr_scores, average="weighted"),
    },
}
ranking["binaryNoTies"]["roc"]["thresholds"] = [math.inf] + ranking["binaryNoTies"]["roc"]["thresholds"][1:].tolist()
write("ranking", ranking)

# ---- regression -------------------------------------------------------------------------------
y1 = rng.normal(3, 2, 25)
p1 = y1 + rng.normal(0, 0.8, 25)
y2 = rng.normal(0, 1, (20, 3)) * [1, 10, 0.1]
p2 = y2 + rng.normal(0, 0.5, (20, 3))
const_target = np.full(6, 2.5)
# Several outputs with constant columns (no random draws, so the sections below keep theirs).
y_mixed = np.column_stack([y2[:6, 0], const_target, np.full(6, -1.0)])
p_mixed = np.column_stack([p2[:6, 0], const_target, np.full(6, -1.0) + [0, 0, 0.3, 0, 0, 0]])
y_flat = np.column_stack([const_target, np.full(6, -1.0)])


def r2_variants(y, p):
    """r2_score under every multioutput and force_finite setting; custom weights for several outputs."""
    out = {"r2Raw": skm.r2_score(y, p, multioutput="raw_values"),
           "r2VarianceWeighted": skm.r2_score(y, p, multioutput="variance_weighted"),
           "r2NotFinite": skm.r2_score(y, p, force_finite=False),
           "r2RawNotFinite": skm.r2_score(y, p, multioutput="raw_values", force_finite=False),
           "r2VarianceWeightedNotFinite": skm.r2_score(y, p, multioutput="variance_weighted", force_finite=False)}
    if np.ndim(y) == 2:
        weights = np.arange(1, y.shape[1] + 1) * 0.5
        out["customWeights"] = weights
        out["r2Custom"] = skm.r2_score(y, p, multioutput=weights)
    return out


regression = {
    "sklearn": sklearn.__version__,
    "cases": [
        {"name": name, "preds": p, "target": y, "mse": skm.mean_squared_error(y, p), "mae": skm.mean_absolute_error(y, p), "r2": skm.r2_score(y, p),
         **r2_variants(y, p)}
        for name, p, y in [
            ("one output", p1, y1),
            ("three outputs", p2, y2),
            ("constant target, imperfect", const_target + [0, 0.1, 0, 0, 0, 0], const_target),
            ("constant target, perfect", const_target, const_target),
            ("three outputs, one constant and fitted, one constant and missed", p_mixed, y_mixed),
            ("two constant outputs, one missed", y_flat + np.array([[0, 0]] * 5 + [[0, 2]]), y_flat),
            ("two constant outputs, both fitted", y_flat, y_flat),
        ]
    ],
}
write("regression", regression)

# ---- text: BLEU (NLTK) and perplexity (torch) -------------------------------------------------
sentences = [
    {
        "candidate": "It is a guide to action which ensures that the military always obeys the commands of the party",
        "references": [
            "It is a guide to action that ensures that the military will forever heed Party commands",
            "It is the guiding principle which guarantees the military forces always being under the command of the Party",
            "It is the practical guide for the army always to heed the directions of the party",
        ],
    },
    {
        "candidate": "It is to insure the troops forever hearing the activity guidebook that party direct",
        "references": [
            "It is a guide to action that ensures that the military will forever heed Party commands",
            "It is the guiding principle which guarantees the military forces always being under the command of the Party",
        ],
    },
    {"candidate": "the cat sat on the mat", "references": ["the cat is on the mat", "there is a cat on the mat"]},
    {"candidate": "the the the the the the the", "references": ["the cat is on the mat", "there is a cat on the mat"]},
    {"candidate": "a cat on mat", "references": ["the cat is on the mat"]},
    {"candidate": "completely unrelated words here", "references": ["the cat is on the mat"]},
    {"candidate": "the cat", "references": ["the cat sat on the mat today", "the cat"]},
]
smoothers = {
    "none": None,
    "epsilon": SmoothingFunction().method1,
    "add1": SmoothingFunction().method2,
    "exp": SmoothingFunction().method3,
}
bleu = []
for s in sentences:
    hyp = s["candidate"].split()
    refs = [r.split() for r in s["references"]]
    entry = dict(s)
    entry["sentence"] = {name: sentence_bleu(refs, hyp, smoothing_function=fn) for name, fn in smoothers.items()}
    entry["bigramEpsilon"] = sentence_bleu(refs, hyp, weights=(0.5, 0.5), smoothing_function=SmoothingFunction().method1)
    bleu.append(entry)
corpus = {
    name: corpus_bleu([[r.split() for r in s["references"]] for s in sentences], [s["candidate"].split() for s in sentences], smoothing_function=fn)
    for name, fn in smoothers.items()
}

torch.manual_seed(0)
logits = torch.randn(3, 5, 7, dtype=torch.float64)
tokens = torch.randint(0, 7, (3, 5))
tokens[2, 3:] = -100
perplexity = torch.exp(F.cross_entropy(logits.reshape(-1, 7), tokens.reshape(-1), ignore_index=-100)).item()
write("text", {"bleu": bleu, "corpus": corpus, "perplexity": {"logits": logits.tolist(), "target": tokens.tolist(), "ignoreIndex": -100, "value": perplexity}})
