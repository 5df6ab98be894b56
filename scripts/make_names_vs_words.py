"""Writes examples/data/names-vs-words.txt for examples/name-classifier.ts.

From the shared English word list (Debian wamerican, SCOWL licence): proper names (entries spelt
with a capital, e.g. people and places) and common words (lower-case entries), both lower-cased,
3 to 10 letters, leaving out names that are also common words ("basil", "miles"). 4,000 of each,
seeded. One line per entry: "N <name>" or "W <word>".
"""
import random
import re
import sys

source = sys.argv[1] if len(sys.argv) > 1 else '/work/shared/datasets/text/words.txt'
lines = open(source, encoding='utf-8').read().split('\n')
common = {w for w in lines if re.fullmatch(r'[a-z]{3,10}', w)}
names = sorted({w.lower() for w in lines if re.fullmatch(r'[A-Z][a-z]{2,9}', w)} - common)
words = sorted(common)
rng = random.Random(0)
picked = [('N', w) for w in rng.sample(names, 4000)] + [('W', w) for w in rng.sample(words, 4000)]
rng.shuffle(picked)
with open('examples/data/names-vs-words.txt', 'w', encoding='utf-8') as out:
    out.write(''.join(f'{label} {word}\n' for label, word in picked))
