"""Golden values for src/text's KeyedVectors from gensim 4.2.

Writes test/fixtures/text-keyedvectors.json: random vectors for 30 words, and gensim's answers to
similarity, most_similar (3CosAdd), most_similar_cosmul (3CosMul), doesnt_match and
evaluate_word_analogies on them. Run with Debian's Python (python3-gensim):
/usr/bin/python3 scripts/gen_text_fixtures.py
"""
import json

import numpy as np
from gensim.models import KeyedVectors

from fixture_util import FIX

rng = np.random.default_rng(20261207)
words = [f"w{i}" for i in range(30)]
# Rounded so the JSON holds exactly what gensim computed with (as float32).
vectors = np.round(rng.normal(size=(30, 6)), 3).astype(np.float32)
kv = KeyedVectors(6)
kv.add_vectors(words, vectors)

queries = [
    {"positive": ["w1"], "negative": [], "topn": 5},
    {"positive": ["w2", "w3"], "negative": ["w4"], "topn": 4},
    {"positive": ["w5"], "negative": ["w6", "w7"], "topn": 3},
    {"positive": ["w8", "w9", "w10"], "negative": [], "topn": 6, "restrict_vocab": 20},
]
most_similar = []
for q in queries:
    args = dict(positive=q["positive"], negative=q["negative"], topn=q["topn"])
    if "restrict_vocab" in q:
        args["restrict_vocab"] = q["restrict_vocab"]
    most_similar.append({
        "query": q,
        "cosadd": [[w, float(s)] for w, s in kv.most_similar(**args)],
        # gensim 4.2's most_similar_cosmul accepts restrict_vocab but ignores it: asked without it.
        "cosmul": [[w, float(s)] for w, s in kv.most_similar_cosmul(positive=q["positive"], negative=q["negative"], topn=q["topn"])],
    })

pairs = [["w0", "w1"], ["w2", "w3"], ["w4", "w29"]]
similarity = [[a, b, float(kv.similarity(a, b))] for a, b in pairs]
doesnt = [["w0", "w1", "w2", "w3"], ["w11", "w12", "w13", "w14", "w15"], ["w3", "nope", "w7", "w9"]]
doesnt_match = [[ws, kv.doesnt_match(ws)] for ws in doesnt]

# Questions whose answers are the 3CosAdd winners for some, others wrong, and one with an unknown word.
lines = [": first-section"]
for a, b, c in [("w1", "w2", "w3"), ("w4", "w5", "w6"), ("w7", "w8", "w9"), ("w10", "w11", "w12")]:
    best = kv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]
    lines.append(f"{a} {b} {c} {best}")
lines.append("w13 w14 w15 w16")
lines.append(": second-section")
lines.append("W17 W18 W19 W20")
lines.append("w21 w22 unknown w23")
questions = "\n".join(lines) + "\n"
path = FIX / "text-questions.tmp"
path.write_text(questions)
score, sections = kv.evaluate_word_analogies(str(path))
path.unlink()
analogies = {
    "questions": questions,
    "score": float(score),
    "sections": [{"section": s["section"], "correct": len(s["correct"]), "incorrect": len(s["incorrect"])} for s in sections],
}

out = {
    "words": words,
    "vectors": [[float(x) for x in row] for row in vectors],
    "similarity": similarity,
    "mostSimilar": most_similar,
    "doesntMatch": doesnt_match,
    "analogies": analogies,
}
# The same vectors as gensim writes them in word2vec.c's binary and text formats.
kv.save_word2vec_format(str(FIX / "text-vectors-gensim.bin"), binary=True)
kv.save_word2vec_format(str(FIX / "text-vectors-gensim.txt"), binary=False)
(FIX / "text-keyedvectors.json").write_text(json.dumps(out, indent=1) + "\n")
print("wrote", FIX / "text-keyedvectors.json")
