"""Writes bench/data/kjv-questions-words.txt: analogy questions (questions-words.txt format) from
word pairs of the KJV vocabulary (family, plural, pronoun and verb-tense pairs), keeping pairs whose
words occur at least 5 times (tokenized as text.readKjv does). Run: python3 scripts/make_kjv_questions.py
"""
import collections
import itertools
import pathlib
import re
pat = re.compile(r"^(?:[123] )?[A-Z][a-z]+(?: of [A-Z][a-z]+)? \d+$")
word = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
c = collections.Counter()
for l in open(pathlib.Path(__file__).resolve().parent.parent.parent / 'shared/datasets/text/kjv.txt'):
    if not pat.match(l.rstrip('\n')): c.update(word.findall(l.lower()))
S = {
 'family': [('father','mother'),('son','daughter'),('brother','sister'),('husband','wife'),('king','queen'),('man','woman'),('sons','daughters'),('brethren','sisters'),('men','women'),('bridegroom','bride'),('manservant','maidservant'),('fathers','mothers'),('brother','sister'),('lord','lady'),('prince','princess'),('he','she'),('him','her'),('his','her')],
 'plural': [('son','sons'),('king','kings'),('city','cities'),('man','men'),('child','children'),('woman','women'),('servant','servants'),('priest','priests'),('prophet','prophets'),('house','houses'),('day','days'),('year','years'),('hand','hands'),('daughter','daughters'),('nation','nations'),('enemy','enemies'),('field','fields'),('tree','trees'),('word','words'),('angel','angels'),('gate','gates'),('altar','altars'),('brother','brethren'),('sheep','sheep'),('horse','horses'),('eye','eyes'),('mountain','mountains'),('river','rivers')],
 'pronoun-object': [('he','him'),('she','her'),('they','them'),('i','me'),('we','us'),('thou','thee'),('ye','you')],
 'pronoun-possessive': [('i','my'),('thou','thy'),('he','his'),('we','our'),('they','their'),('ye','your')],
 'verb-past': [('go','went'),('come','came'),('say','said'),('see','saw'),('give','gave'),('take','took'),('speak','spake'),('know','knew'),('bring','brought'),('make','made'),('hear','heard'),('send','sent'),('build','built'),('smite','smote'),('slay','slew'),('find','found'),('sit','sat'),('stand','stood'),('rise','rose'),('keep','kept'),('tell','told'),('begin','began'),('fall','fell'),('write','wrote'),('forsake','forsook'),('arise','arose'),('drink','drank'),('eat','ate'),('lie','lay')],
 'verb-eth': [('say','saith'),('come','cometh'),('go','goeth'),('give','giveth'),('know','knoweth'),('love','loveth'),('hear','heareth'),('see','seeth'),('believe','believeth'),('keep','keepeth'),('make','maketh'),('take','taketh'),('speak','speaketh'),('do','doeth'),('fear','feareth')],
}
out=[]
for sec, pairs in S.items():
    seen=[]; 
    for p in pairs:
        if p in seen or p[0]==p[1]: continue
        if c[p[0]] < 5 or c[p[1]] < 5: print('drop', sec, p, c[p[0]], c[p[1]]); continue
        seen.append(p)
    # each word appears once on each side of a section (else a : b = c : d is ambiguous)
    ok=[]; left=set(); right=set()
    for a,b in seen:
        if a in left or b in right: print('dup', sec, a, b); continue
        ok.append((a,b)); left.add(a); right.add(b)
    out.append(f': {sec}')
    for (a,b),(x,y) in itertools.permutations(ok, 2): out.append(f'{a} {b} {x} {y}')
    print(sec, len(ok), 'pairs')
open(pathlib.Path(__file__).resolve().parent.parent / 'bench/data/kjv-questions-words.txt', 'w').write('\n'.join(out)+'\n')
print(len(out))
