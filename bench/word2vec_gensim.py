"""gensim's side of bench/word2vec.ts: trains Word2Vec on a pre-tokenized corpus (one sentence per
line, words separated by spaces, exactly the tokens Nabla trains on), times train(), and writes
the vectors in word2vec text format. Prints one JSON line.

usage: word2vec_gensim.py CORPUS OUT.txt QUESTIONS sg vector_size window negative min_count epochs workers seed
"""
import json
import sys
import time

from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence

corpus, out, questions = sys.argv[1:4]
sg, size, window, negative, min_count, epochs, workers, seed = map(int, sys.argv[4:12])
sentences = list(LineSentence(corpus))
model = Word2Vec(vector_size=size, window=window, negative=negative, min_count=min_count, sg=sg, workers=workers, seed=seed)
model.build_vocab(sentences)
started = time.perf_counter()
model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
seconds = time.perf_counter() - started
model.wv.save_word2vec_format(out)
score, _ = model.wv.evaluate_word_analogies(questions)
print(json.dumps({"seconds": seconds, "words": model.corpus_total_words * epochs, "vocabulary": len(model.wv), "analogy": score}))
