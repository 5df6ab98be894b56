"""scikit-learn 1.2's TSNE on the 8x8 digits (bench/tsne.ts's reference side): prints one JSON line
with the seconds, KL divergence, iterations and trustworthiness (n_neighbors 5)."""
import json
import sys
import time

from sklearn.datasets import load_digits
from sklearn.manifold import TSNE, trustworthiness

method = sys.argv[1]
X = load_digits().data
start = time.perf_counter()
model = TSNE(n_components=2, perplexity=30.0, init="pca", learning_rate="auto", method=method, random_state=0)
Y = model.fit_transform(X)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "kl": float(model.kl_divergence_), "nIter": int(model.n_iter_),
                  "trustworthiness": float(trustworthiness(X, Y, n_neighbors=5))}))
