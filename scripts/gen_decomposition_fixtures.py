"""scikit-learn 1.2 goldens for nb.decomposition.PCA, nb.manifold (t-SNE's P matrices and KL gradient)
and metrics.trustworthiness -> test/fixtures/decomposition.json."""
import json

import numpy as np
from scipy.spatial.distance import pdist, squareform
from sklearn.datasets import load_digits, load_iris
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from sklearn.manifold._t_sne import _joint_probabilities, _joint_probabilities_nn, _kl_divergence
from sklearn.neighbors import NearestNeighbors

from fixture_util import FIX


def r(a):
    return np.asarray(a, dtype=np.float64).round(12).tolist()


def pca_case(X, **kw):
    m = PCA(svd_solver="full", **kw)
    scores = m.fit_transform(X)
    return {"options": {("nComponents" if k == "n_components" else k): v for k, v in kw.items()},
            "components": r(m.components_), "mean": r(m.mean_), "explainedVariance": r(m.explained_variance_),
            "explainedVarianceRatio": r(m.explained_variance_ratio_), "singularValues": r(m.singular_values_),
            "noiseVariance": float(m.noise_variance_), "scores": r(scores),
            "inverse": r(m.inverse_transform(scores[:5]))}


iris = load_iris().data
digits = load_digits().data
X40 = digits[:40]
out = {"pca": {"iris": {"X": r(iris[:30]), "cases": [pca_case(iris[:30], n_components=2), pca_case(iris[:30], n_components=3, whiten=True),
                                                      pca_case(iris[:30])]},
               "digits": {"rows": 40, "cases": [pca_case(X40, n_components=0.8), pca_case(X40, n_components=5, whiten=True)]}}}

# t-SNE on the first 40 digits: P exact (perplexity 10), P from 3 * perplexity + 1 neighbours, gradient at a random Y.
perplexity = 10.0
D = pdist(X40, "sqeuclidean")
out["tsne"] = {"rows": 40, "perplexity": perplexity, "Pexact": r(squareform(_joint_probabilities(squareform(D), perplexity, 0)))}
k = min(39, int(3.0 * perplexity + 1))
knn = NearestNeighbors(n_neighbors=k).fit(X40)
graph = knn.kneighbors_graph(mode="distance")
graph.data **= 2
out["tsne"]["Pnn"] = r(_joint_probabilities_nn(graph, perplexity, 0).toarray())
Y = np.random.RandomState(0).standard_normal((40, 2))
kl, grad = _kl_divergence(Y.ravel(), _joint_probabilities(squareform(D), perplexity, 0), 1, 40, 2)
out["tsne"]["Y"] = r(Y)
out["tsne"]["kl"] = float(kl)
out["tsne"]["grad"] = r(grad.reshape(40, 2))

Z = np.random.RandomState(1).standard_normal((40, 2))
out["trustworthiness"] = {"Y": r(Z), "k5": float(trustworthiness(X40, Z, n_neighbors=5)),
                          "k10": float(trustworthiness(X40, Z, n_neighbors=10)),
                          "pcaK5": float(trustworthiness(X40, PCA(2).fit_transform(X40), n_neighbors=5))}
(FIX / "decomposition.json").write_text(json.dumps(out, separators=(",", ":")))
