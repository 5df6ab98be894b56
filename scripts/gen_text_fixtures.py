"""Golden values for src/text's KeyedVectors from gensim 4.2.

Writes test/fixtures/text-keyedvectors.json: random vectors for 30 words, and gensim's answers to
similarity, most_similar (3CosAdd), most_similar_cosmul (3CosMul), doesnt_match and
evaluate_word_analogies on them. Run with Debian's Python (python3-gensim):
/usr/bin/python3 scripts/gen_text_fixtures.py
"""
import json

import numpy as np
from gensim.models import KeyedVectors

from fixture_util import FIX, json_number

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

# ---- n-gram language models: nltk.lm (NLTK 3.8) on a small corpus -> text-ngram.json ----
from nltk.lm import MLE, KneserNeyInterpolated, Laplace, Lidstone  # noqa: E402
from nltk.lm.preprocessing import pad_both_ends, padded_everygram_pipeline  # noqa: E402
from nltk.util import ngrams  # noqa: E402

train_text = [
    "in the beginning god created the heaven and the earth",
    "and the earth was without form and void",
    "and darkness was upon the face of the deep",
    "and the spirit of god moved upon the face of the waters",
    "and god said let there be light and there was light",
    "and god saw the light that it was good",
    "and god divided the light from the darkness",
    "and god called the light day and the darkness he called night",
    "and the evening and the morning were the first day",
    "the light of the day",
]
test_text = [
    "and god saw the darkness",
    "the face of the earth was good",
    "and the waters were called seas",
]
train = [s.split() for s in train_text]
test = [s.split() for s in test_text]
models = []
for order in (1, 2, 3):
    for name, make, options in [
        ("mle", lambda o: MLE(o), {"smoothing": "mle"}),
        ("laplace", lambda o: Laplace(o), {"smoothing": "laplace"}),
        ("lidstone", lambda o: Lidstone(0.3, o), {"smoothing": "lidstone", "gamma": 0.3}),
        ("kneserNey", lambda o: KneserNeyInterpolated(o), {"smoothing": "kneserNey"}),
        ("kneserNey-0.75", lambda o: KneserNeyInterpolated(o, discount=0.75), {"smoothing": "kneserNey", "discount": 0.75}),
    ]:
        if order == 1 and name.startswith("kneserNey"):
            continue  # nltk's interpolated Kneser-Ney needs bigram counts
        grams, vocab = padded_everygram_pipeline(order, train)
        lm = make(order)
        lm.fit(grams, vocab)

        def perplexity(sentences):
            return lm.perplexity([g for s in sentences for g in ngrams(pad_both_ends(s, n=order), order)])

        scores = []
        for word, context in [("god", ["and"]), ("light", ["the"]), ("the", ["and", "god"]), ("day", ["the", "first"]),
                              ("unseen", ["the"]), ("the", []), ("</s>", ["light"]), ("darkness", ["zzz", "the"])]:
            scores.append({"word": word, "context": context, "score": lm.score(word, context[-(order - 1):] if order > 1 else None)})
        models.append({
            "order": order, "name": name, "options": options, "vocabSize": len(lm.vocab),
            "trainPerplexity": perplexity(train),
            "testPerplexity": perplexity(test) if name != "mle" else None,
            # The first two test sentences hold only training words: finite for every smoothing.
            "knownPerplexity": perplexity(test[:2]) if name != "mle" else None,
            "scores": scores,
        })


def clean(x):
    """JSON-safe: infinities as the strings the tests decode."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [clean(v) for v in x]
    return json_number(float(x)) if isinstance(x, (int, float)) and not isinstance(x, bool) else x


(FIX / "text-ngram.json").write_text(json.dumps(clean({"train": train, "test": test, "models": models}), indent=1) + "\n")
print("wrote", FIX / "text-ngram.json")
