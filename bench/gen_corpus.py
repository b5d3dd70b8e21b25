#!/usr/bin/env python3
"""Deterministic synthetic, labelled news corpus for storydedup benchmarks.

Standard library only (Python 3.11+).  Same arguments + same seed give
byte-identical output.

    python3 bench/gen_corpus.py --docs N --out DIR [--seed S] [--mode story|copy]

Writes DIR/docs.jsonl  (id, title, text, source, date)
       DIR/truth.csv   (id,cluster)

--mode story : cluster = the event (story) an article reports on.
--mode copy  : cluster = copy group (an original report + its near-copies /
               reprints); every other article is a singleton cluster.

See bench/README.md for the model.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import heapq
import json
import math
import os
import random
import sys
import time
from bisect import bisect_right
from itertools import accumulate

# ---------------------------------------------------------------------------
# Fixed lexical material
# ---------------------------------------------------------------------------

# Real English function words, roughly in descending corpus frequency; they
# occupy Zipf ranks 1..len(FUNCTION_WORDS) of the joint distribution.
FUNCTION_WORDS = list(dict.fromkeys("""
the of and to a in that is was he for it with as his on be at by said this
had not are but from or have an they which one were her all she there would
their we him been has when who will more no if out so up what can about its
into than them only could new other some two these then do first any now
such like our over also after did most made should very where may while
those just because how before through back us three last people during since
against under between both each own around same another however without until
among even down off still much few many while being per next well here least
four five several told says according added including year years time
""".split()))

# (item, weight) syllable parts for invented, pronounceable words
ONSETS = (("b", 5), ("c", 5), ("d", 6), ("f", 4), ("g", 4), ("h", 4), ("j", 1),
          ("k", 2), ("l", 6), ("m", 6), ("n", 5), ("p", 5), ("r", 6), ("s", 7),
          ("t", 7), ("v", 3), ("w", 3), ("z", 1), ("br", 1), ("cr", 1), ("dr", 1),
          ("fr", 1), ("gr", 1), ("pr", 2), ("tr", 2), ("bl", 1), ("cl", 1),
          ("fl", 1), ("pl", 1), ("sl", 1), ("st", 2), ("sp", 1), ("sh", 2),
          ("ch", 2), ("th", 2))
NUCLEI = (("a", 10), ("e", 10), ("i", 8), ("o", 8), ("u", 4), ("ai", 1),
          ("ea", 1), ("ou", 1), ("oo", 1), ("ie", 1), ("y", 1))
CODAS = (("n", 6), ("r", 6), ("l", 5), ("s", 5), ("t", 5), ("m", 3), ("nd", 2),
         ("st", 2), ("rt", 1), ("ck", 1), ("ng", 2), ("x", 1), ("ll", 1),
         ("ss", 1), ("th", 1), ("sh", 1), ("d", 3), ("k", 1), ("p", 1))
SUFFIXES = "ing ed er ly tion ment ness al ous ist ive s ure ity ance".split()
FIRST_END = "a o en an el ia us ie on ar is".split()
LAST_END = "son ez ski ton er ard ley man ov i ow berg well ez ani".split()

BOILERPLATE = [
    "Sign up for our newsletter.",
    "The Associated Press contributed to this report.",
    "Copyright {year} {outlet}. All rights reserved.",
    "This article originally appeared in {outlet}.",
    "Follow us for the latest updates.",
    "Reuters contributed reporting.",
    "This story has been updated.",
    "Subscribe to {outlet} for unlimited access.",
]

OUTLET_PATTERNS = ["The {P} Herald", "{P} Daily", "The {P} Times", "{P} News",
                   "The {P} Post", "{P} Gazette", "The {P} Tribune",
                   "{P} Chronicle", "The {P} Observer", "{P} Journal",
                   "{P} Record", "{P} Wire", "{P} Today", "The {P} Independent",
                   "{P} Courier", "The {P} Standard", "{P} Dispatch",
                   "{P} Sentinel", "{P} Express", "{P} Ledger"]
ORG_PATTERNS = ["{X} {Y} Council", "{Z} Holdings", "{X} Group", "{X} Bank",
                "University of {P}", "{P} City Council", "Ministry of {X}",
                "{X} Party", "{X} Institute", "{X} {Y} Authority",
                "{Z} Industries", "{P} Police Department", "{X} Foundation",
                "{Z} Energy", "{X} Union"]
PLACE_PATTERNS = ["{P}", "{P}", "{P}", "Port {P}", "{P} Valley", "North {P}",
                  "South {P}", "{P} Heights", "Lake {P}", "New {P}"]
ROLES = ["a spokesperson for {O}", "the head of {O}", "an official at {O}",
         "a senior adviser to {O}", "who chairs {O}", "a member of {O}"]

REPORT_SIZES = ([1, 2, 3, 4, 5, 6], [30, 22, 17, 13, 10, 8])   # ~30% singletons
COPY_SIZES = ([1, 2, 3, 4], [55, 27, 12, 6])
TOPIC_COUNT = 40
VOCAB_SIZE = 30000
ZIPF_S = 1.05


_ON, _NU, _CO = ([it for it, w in x for _ in range(w)] for x in (ONSETS, NUCLEI, CODAS))


def _table(items, weights, size):
    """List in which each item appears ~proportionally to its weight (>= 1)."""
    tot = sum(weights)
    out = []
    for it, w in zip(items, weights):
        out.extend([it] * max(1, round(w / tot * size)))
    return out


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


# ---------------------------------------------------------------------------
# World: vocabulary, names, outlets, topics
# ---------------------------------------------------------------------------

class World:
    def __init__(self, rng: random.Random):
        self.rng = rng
        taken = set(FUNCTION_WORDS)
        self.used_caps = set()

        # --- content vocabulary, ranks follow the function words -------------
        vocab = []
        while len(vocab) < VOCAB_SIZE:
            i = len(vocab)
            if i < 300:
                ns = rng.choices((1, 2), (65, 35))[0]
            elif i < 3000:
                ns = rng.choices((1, 2, 3), (30, 50, 20))[0]
            else:
                ns = rng.choices((1, 2, 3, 4), (12, 52, 31, 5))[0]
            w = self._syllables(ns)
            if i >= 300 and rng.random() < 0.12:
                w += rng.choice(SUFFIXES)
            if len(w) < 2 or w in taken:
                continue
            taken.add(w)
            vocab.append(w)
        self.vocab = vocab
        self.taken = taken
        nf = len(FUNCTION_WORDS)
        self.fw = FUNCTION_WORDS
        # one Zipf law (s=1.05) over function words (ranks 1..nf) followed
        # by the content words (ranks nf+1..nf+30000)
        w_all = [(r + 1) ** -ZIPF_S for r in range(nf + VOCAB_SIZE)]
        self.content_cw = list(accumulate(w_all[nf:]))
        self.rank = {w: i for i, w in enumerate(vocab)}     # content rank 0..
        self.fwset = frozenset(FUNCTION_WORDS)
        # quantised sampling tables (much faster than random.choices)
        self.ftab = _table(FUNCTION_WORDS, w_all[:nf], 1 << 16)
        self.ctab = _table(vocab, w_all[nf:], 1 << 21)
        self.fm, self.cm = len(self.ftab), len(self.ctab)
        # function/content slot pattern: chunks of 0-2 function words followed
        # by 1-3 content words ("the X of Y Z in W"); sentences take a window.
        pat = []
        while len(pat) < 200000:
            pat.extend([True] * rng.choices((0, 1, 2), (10, 55, 35))[0])
            pat.extend([False] * rng.choices((1, 2, 3), (80, 18, 2))[0])
        self.pattern = pat

        # --- names -------------------------------------------------------
        self.first_names = []
        while len(self.first_names) < 700:
            n = cap(self._syllables(rng.choice((1, 2))) + rng.choice(FIRST_END))
            if n not in self.used_caps and n.lower() not in taken:
                self.used_caps.add(n)
                self.first_names.append(n)

        # --- outlets -----------------------------------------------------
        self.outlets = []
        seen = set()
        while len(self.outlets) < 200:
            name = rng.choice(OUTLET_PATTERNS).format(P=self.proper_word())
            if name in seen:
                continue
            seen.add(name)
            self.outlets.append({
                "name": name,
                "titlecase": rng.random() < 0.35,
                "curly": rng.random() < 0.2,
                "boiler": rng.random() < 0.25,   # appends house boilerplate
            })
        self.outlet_cw = list(accumulate((i + 3) ** -0.8 for i in range(200)))

        # --- topics ------------------------------------------------------
        self.topics = []
        for t in range(TOPIC_COUNT):
            words = rng.sample(range(150, 15000), 180)
            words.sort()
            tw = [vocab[i] for i in words]
            topic = {
                "words": tw,
                "cw": list(accumulate((i + 2) ** -0.7 for i in range(len(tw)))),
                "people": [self.person() for _ in range(25)],
                "orgs": [self.org() for _ in range(12)],
                "places": [self.place() for _ in range(10)],
                "background": [],      # filled lazily (needs entities)
                "last_event": None,
            }
            self.topics.append(topic)
        self.topic_cw = list(accumulate((i + 4) ** -0.9 for i in range(TOPIC_COUNT)))
        self.celebs = [self.person() for _ in range(40)]

    # -- generators ----------------------------------------------------------
    def _syllables(self, n: int) -> str:
        rng = self.rng
        out = []
        for i in range(n):
            if i == 0 and rng.random() < 0.15:
                pass                                  # vowel-initial word
            else:
                out.append(rng.choice(_ON))
            out.append(rng.choice(_NU))
            if rng.random() < (0.55 if i == n - 1 else 0.15):
                out.append(rng.choice(_CO))
        return "".join(out)

    def proper_word(self) -> str:
        while True:
            w = cap(self._syllables(self.rng.choice((2, 2, 3))))
            if w not in self.used_caps and w.lower() not in self.taken:
                self.used_caps.add(w)
                return w

    def surname(self) -> str:
        rng = self.rng
        while True:
            w = self._syllables(rng.choice((1, 2, 2)))
            if rng.random() < 0.5:
                w += rng.choice(LAST_END)
            w = cap(w)
            if w not in self.used_caps and w.lower() not in self.taken:
                self.used_caps.add(w)
                return w

    def person(self):
        last = self.surname()
        return ("P", self.rng.choice(self.first_names) + " " + last, last)

    def org(self):
        rng = self.rng
        pat = rng.choice(ORG_PATTERNS)
        name = pat.format(X=self.proper_word(), Y=cap(rng.choice(self.vocab[200:4000])),
                          Z=self.proper_word(), P=self.proper_word())
        short = name.split()[0] if not name.startswith(("University", "Ministry")) else name
        return ("O", name, name if rng.random() < 0.6 else short)

    def place(self):
        name = self.rng.choice(PLACE_PATTERNS).format(P=self.proper_word())
        return ("L", name, name)


# ---------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------

class Gen:
    def __init__(self, args):
        self.args = args
        seed = args.seed
        self.rng = random.Random(f"storydedup-corpus/{seed}/world")
        self.world = World(self.rng)
        self.rng = random.Random(f"storydedup-corpus/{seed}/events")
        self.crng = random.Random(f"storydedup-corpus/{seed}/copies")
        self.orng = random.Random(f"storydedup-corpus/{seed}/order")
        self.mode = args.mode
        self.n_docs = args.docs
        self.start = _dt.date.fromisoformat(args.start_date)
        self.days = args.days or max(60, min(730, args.docs // 200))
        # lognormal length: median, sigma
        self.mu = math.log(args.median_words)
        self.sigma = args.sigma

    # -- small helpers --------------------------------------------------------
    def words(self, n: int):
        """n tokens: alternating function-word / content-word chunks."""
        r = self.rng.random
        W = self.world
        ft, fm, ct, cm = W.ftab, W.fm, W.ctab, W.cm
        o = int(r() * (len(W.pattern) - n))
        toks = [ft[int(r() * fm)] if b else ct[int(r() * cm)]
                for b in W.pattern[o:o + n]]
        while toks[-1] in W.fwset:          # don't end a sentence on "the"
            toks[-1] = ct[int(r() * cm)]
        return toks

    def neighbour(self, r: int, rnd) -> str:
        d = 3 + int(r * 0.12)
        nr = r + int((rnd() * 2 - 1) * d)
        if nr == r:
            nr = r + 1
        if nr < 0:
            nr = -nr
        if nr >= VOCAB_SIZE:
            nr = VOCAB_SIZE - 1 - (nr - VOCAB_SIZE)
        return self.world.vocab[nr]

    def number(self) -> str:
        rng = self.rng
        k = rng.random()
        if k < 0.25:
            return str(rng.randint(2, 400))
        if k < 0.35:
            return str(rng.randint(1990, 2026))
        if k < 0.55:
            return f"{rng.randint(1, 99)}.{rng.randint(1, 9)} million"
        if k < 0.65:
            return f"${rng.randint(1, 40)}.{rng.randint(1, 9)} billion"
        if k < 0.8:
            return f"{rng.randint(2, 95)} percent"
        return f"{rng.randint(1, 99)},{rng.randint(0, 999):03d}"

    # -- events -----------------------------------------------------------------
    def make_event(self, day: int):
        rng = self.rng
        W = self.world
        ti = bisect_right(W.topic_cw, rng.random() * W.topic_cw[-1])
        topic = W.topics[ti]
        ents = []
        seen = set()

        def add(e):
            if e[1] not in seen:
                seen.add(e[1])
                ents.append(e)

        prev = topic["last_event"]
        followup = prev is not None and rng.random() < 0.1
        if followup:  # developing story / hard negative: shares names & rare words
            for e in rng.sample(prev["ents"], min(2, len(prev["ents"]))):
                add(e)
        n_names = rng.randint(3, 8)
        while len(ents) < n_names:
            k = rng.random()
            if k < 0.6:
                x = rng.random()
                if x < 0.05:
                    add(rng.choice(W.celebs))
                elif x < 0.35:
                    add(rng.choice(topic["people"]))
                else:
                    add(W.person())
            elif k < 0.85:
                add(rng.choice(topic["orgs"]) if rng.random() < 0.4 else W.org())
            else:
                add(rng.choice(topic["places"]) if rng.random() < 0.4 else W.place())
        rare = [W.vocab[rng.randrange(8000, VOCAB_SIZE)] for _ in range(rng.randint(5, 15))]
        if followup:
            rare[:2] = prev["rare"][:2]
        nums = [self.number() for _ in range(rng.randint(2, 5))]
        people = [i for i, e in enumerate(ents) if e[0] == "P"] or [0]
        orgs = [e for e in ents if e[0] == "O"] or [W.org()]
        ev = {"topic": topic, "ents": ents, "rare": rare, "nums": nums,
              "people": people, "orgs": orgs, "day": day,
              "protected": frozenset(rare) | frozenset(nums)}
        ev["facts"] = [self.fact(ev, lede=(i == 0)) for i in range(rng.randint(10, 30))]
        ev["quotes"] = [self.quote_body(ev) for _ in range(rng.randint(1, 2))]
        topic["last_event"] = ev
        if len(topic["background"]) < 20 and rng.random() < 0.3:
            topic["background"].append(self.plain_sentence(ev, rng.randint(12, 28)))
        return ev

    def fact(self, ev, lede=False):
        """Base fact: token list; ints index ev['ents']; split = clause boundary."""
        rng = self.rng
        W = self.world
        n = rng.randint(8, 30)
        toks = self.words(n)
        tw, tcw = ev["topic"]["words"], ev["topic"]["cw"]
        for _ in range(max(1, n // 8)):
            toks[int(rng.random() * n)] = tw[bisect_right(tcw, rng.random() * tcw[-1])]
        k = rng.randint(2, 4) if lede else rng.randint(1, 3)
        for _ in range(k):
            x = rng.random()
            if x < 0.5:
                item = int(rng.random() * len(ev["ents"]))
            elif x < 0.75:
                item = rng.choice(ev["rare"])
            else:
                item = rng.choice(ev["nums"])
            toks.insert(int(rng.random() * (len(toks) + 1)), item)
        if rng.random() < 0.3:
            toks.insert(0, rng.choice(ev["rare"]))
        split = rng.randrange(len(toks) // 3, 2 * len(toks) // 3 + 1) if rng.random() < 0.4 else 0
        return (toks, split)

    def quote_body(self, ev) -> str:
        rng = self.rng
        n = rng.randint(6, 20)
        toks = self.words(n)
        if rng.random() < 0.5:
            toks.insert(int(rng.random() * n), rng.choice(ev["rare"]))
        return cap(" ".join(toks))

    def plain_sentence(self, ev, n: int, ent_p=0.3, ent_render=None) -> str:
        """Filler/background sentence: Zipf words + topic vocabulary."""
        rng = self.rng
        toks = self.words(n)
        tw, tcw = ev["topic"]["words"], ev["topic"]["cw"]
        for _ in range(n // 9):
            toks[int(rng.random() * n)] = tw[bisect_right(tcw, rng.random() * tcw[-1])]
        if ent_render is not None and rng.random() < ent_p:
            toks.insert(int(rng.random() * n), ent_render(int(rng.random() * len(ev["ents"]))))
        if n > 14 and rng.random() < 0.35:
            i = rng.randrange(n // 3, 2 * n // 3)
            toks[i] += ","
        s = " ".join(toks)
        return s[:1].upper() + s[1:] + "."

    # -- reports ----------------------------------------------------------------
    def renderer(self, ev):
        rng = self.rng
        ents = ev["ents"]
        mentioned = set()

        def render(i):
            kind, full, short = ents[i]
            if i in mentioned and rng.random() < 0.7:
                return short
            mentioned.add(i)
            return full
        return render

    def rewrite(self, ev, fact, render) -> str:
        toks, split = fact
        rnd = self.rng.random
        W = self.world
        rank = W.rank
        prot = ev["protected"]
        fw = W.fw
        nfw = len(fw)
        vocab = W.vocab
        if split and rnd() < 0.5:
            toks = toks[split:] + toks[:split]
            split = len(toks) - split
        out = []
        app = out.append
        for j, t in enumerate(toks):
            if j == split and j and out:
                out[-1] = str(out[-1]) + ","
            if t.__class__ is int:
                app(render(t))
            else:
                r = rank.get(t)
                if t in prot:
                    app(t)
                elif r is None:                 # function word
                    if rnd() < 0.17:
                        if rnd() < 0.7:
                            app(fw[int(rnd() * rnd() * nfw)])
                        # else: drop it
                    else:
                        app(t)
                elif rnd() < 0.3:               # content word -> similar rank
                    off = int((rnd() * 2 - 1) * (3 + int(r * 0.12))) or 1
                    nr = abs(r + off)
                    if nr >= VOCAB_SIZE:
                        nr = VOCAB_SIZE - 1
                    app(vocab[nr])
                else:
                    app(t)
            if rnd() < 0.04:
                app(vocab[int(rnd() ** 3 * 6000)])
        fwset = W.fwset
        while out and out[-1] in fwset:
            out.pop()
        if len(out) < 4:
            out.extend(self.words(8))
        if rnd() < 0.12:
            o = render(ev["people"][int(rnd() * len(ev["people"]))])
            out[-1] = str(out[-1]) + ","
            out.append(o)
            out.append("said")
        elif rnd() < 0.06:
            out[-1] = str(out[-1]) + ","
            out.append("according to")
            out.append(self.rng.choice(ev["orgs"])[1])
        s = " ".join(out)
        return s[:1].upper() + s[1:] + "."

    def quote(self, ev, render, body=None) -> str:
        rng = self.rng
        body = body or self.quote_body(ev)
        who = render(rng.choice(ev["people"]))
        k = rng.random()
        if k < 0.45:
            return f'"{body}," {who} said.'
        if k < 0.7:
            return f'{who} said: "{body}."'
        if k < 0.85:
            role = rng.choice(ROLES).format(O=rng.choice(ev["orgs"])[1])
            return f'"{body}," said {who}, {role}.'
        return f'"{body}," {who} told reporters.'

    def headline(self, ev, render, titlecase: bool) -> str:
        rng = self.rng
        W = self.world
        n = rng.randint(4, 10)
        toks = rng.choices(W.vocab, cum_weights=W.content_cw, k=n)
        for _ in range(rng.randint(1, 2)):
            toks.insert(rng.randrange(len(toks) + 1), ev["ents"][rng.randrange(len(ev["ents"]))][2])
        x = rng.random()
        if x < 0.4:
            toks.insert(rng.randrange(len(toks) + 1), rng.choice(ev["rare"]))
        elif x < 0.6:
            toks.insert(rng.randrange(len(toks) + 1), rng.choice(ev["nums"]))
        for _ in range(n // 3):
            toks.insert(rng.randrange(1, len(toks) + 1), W.fw[int(rng.random() ** 2 * 40)])
        if titlecase:
            fws = W.fwset
            return cap(" ".join(t if t in fws else cap(t) for t in toks))
        return cap(" ".join(toks))

    def report(self, ev, outlet):
        """One outlet's rewritten report.  Returns (title, paras)."""
        rng = self.rng
        render = self.renderer(ev)
        target = int(min(3000, max(60, rng.lognormvariate(self.mu, self.sigma))))
        # facts: subset + perturbed order, lede usually first
        facts = ev["facts"]
        nf = len(facts)
        keep_p = rng.uniform(0.45, 0.9)
        idx = [i for i in range(nf) if rng.random() < keep_p] or [0]
        lede_first = rng.random() < 0.8
        idx.sort(key=lambda i: (-1 if (i == 0 and lede_first) else i + rng.gauss(0, 4)))
        # sentence plan: facts interleaved with filler, quotes, background
        sents = []
        words = 0
        fi = 0
        tb = ev["topic"]["background"]
        used_key_quote = False
        while words < target:
            x = rng.random()
            if fi < len(idx):
                if x < 0.55 or words < 40:
                    s = self.rewrite(ev, facts[idx[fi]], render)
                    fi += 1
                    sents.append((s, False))
                    words += s.count(" ") + 1
                    continue
                x = (x - 0.55) / 0.45
            if x < 0.2:
                body = None
                if not used_key_quote and rng.random() < 0.25:
                    body = rng.choice(ev["quotes"])
                    used_key_quote = True
                sents.append((self.quote(ev, render, body), True))
            elif x < 0.24 and tb:
                sents.append((rng.choice(tb), False))
            else:
                sents.append((self.plain_sentence(ev, rng.randint(8, 32), 0.35, render), False))
            words += sents[-1][0].count(" ") + 1
        while words > 3000 and len(sents) > 1:
            words -= sents.pop()[0].count(" ") + 1
        # paragraphs of 1-4 sentences; quotes tend to stand alone
        paras = []
        cur = []
        plen = rng.choices((1, 2, 3, 4), (30, 35, 25, 10))[0]
        for s, isq in sents:
            if isq and cur and rng.random() < 0.6:
                paras.append(cur)
                cur = []
            cur.append(s)
            if len(cur) >= plen:
                paras.append(cur)
                cur = []
                plen = rng.choices((1, 2, 3, 4), (30, 35, 25, 10))[0]
        if cur:
            paras.append(cur)
        title = self.headline(ev, render, outlet["titlecase"])
        return title, paras

    def finish(self, title, paras, outlet, day, boiler_p=None):
        """Apply outlet house style, return doc dict (without id)."""
        rng = self.rng
        text = "\n\n".join(" ".join(p) for p in paras)
        if outlet["curly"]:
            text = curly(text)
        if outlet["boiler"] and rng.random() < 0.7:
            text += "\n\n" + house_boiler(outlet, day, self, rng)
        return {"title": title, "text": text, "source": outlet["name"],
                "date": self.datestr(day)}

    def datestr(self, day: int) -> str:
        return (self.start + _dt.timedelta(days=day)).isoformat()

    def pick_outlets(self, rng, k):
        W = self.world
        out = []
        seen = set()
        while len(out) < k:
            i = bisect_right(W.outlet_cw, rng.random() * W.outlet_cw[-1])
            if i not in seen:
                seen.add(i)
                out.append(W.outlets[i])
        return out

    # -- near copies --------------------------------------------------------------
    def near_copy(self, title, paras, ev, outlet, day):
        rng = self.crng
        rnd = rng.random
        W = self.world
        rank = W.rank
        fwset = self.fwset
        sents = [s for p in paras for s in p]
        plens = [len(p) for p in paras]
        # sentence deletion (0-20%)
        dp = rng.uniform(0, 0.2)
        keep = [rnd() >= dp for _ in sents]
        # tail truncation (0-30%) at a paragraph boundary
        if rnd() < 0.6:
            cut = int(len(sents) * (1 - rng.uniform(0, 0.3)))
            acc = 0
            for pl in plens:
                if acc + pl > cut:
                    break
                acc += pl
            acc = max(acc, plens[0])
            for i in range(acc, len(sents)):
                keep[i] = False
        if sum(s.count(" ") + 1 for s, k in zip(sents, keep) if k) < 60:
            keep = [True] * len(sents)           # keep short originals whole
        # word substitutions (1-5%)
        wp = rng.uniform(0.01, 0.05)
        newp = []
        i = 0
        for pl in plens:
            cur = []
            for s in sents[i:i + pl]:
                if keep[i]:
                    ws = s.split(" ")
                    changed = False
                    for j in range(len(ws)):
                        if rnd() < wp:
                            w = ws[j]
                            r = rank.get(w)
                            if r is not None:
                                ws[j] = self.neighbour(r, rnd)
                                changed = True
                            elif w in fwset:
                                ws[j] = W.fw[int(rnd() * rnd() * len(W.fw))]
                                changed = True
                    cur.append(" ".join(ws) if changed else s)
                i += 1
            if cur:
                newp.append(cur)
        # rare reordering: swap two adjacent paragraphs
        if len(newp) > 3 and rnd() < 0.1:
            j = rng.randrange(1, len(newp) - 1)
            newp[j], newp[j + 1] = newp[j + 1], newp[j]
        text = "\n\n".join(" ".join(p) for p in newp)
        # quote style
        q = rnd()
        if q < 0.35:
            text = curly(text)
        elif q < 0.45:
            text = text.replace("\u201c", '"').replace("\u201d", '"')
        # dateline / boilerplate
        if rnd() < 0.25:
            place = next((e[1] for e in ev["ents"] if e[0] == "L"), None)
            if place:
                text = f"{place.upper()} (AP) \u2014 " + text
        nb = rng.choices((0, 1, 2, 3), (20, 45, 25, 10))[0]
        lines = rng.sample(BOILERPLATE, nb)
        year = self.datestr(day)[:4]
        for ln in lines:
            ln = ln.format(year=year, outlet=outlet["name"])
            if ln.startswith(("Sign up", "Follow", "Subscribe")) and rnd() < 0.4:
                text = ln + "\n\n" + text
            else:
                text = text + "\n\n" + ln
        # headline case changes
        h = rnd()
        if h < 0.15:
            title = title.upper()
        elif h < 0.3:
            title = title.lower()
        elif h < 0.5:
            title = " ".join(cap(t) for t in title.split(" "))   # Title Case
        elif h < 0.6:
            title = f"{title} - {outlet['name']}"
        return {"title": title, "text": text, "source": outlet["name"],
                "date": self.datestr(day)}

    # -- driver ---------------------------------------------------------------
    def run(self, out_dir):
        os.makedirs(out_dir, exist_ok=True)
        self.fwset = self.world.fwset
        rng, crng, orng = self.rng, self.crng, self.orng
        N = self.n_docs
        heap = []
        seq = 0
        made = 0
        emitted = 0
        labels = {}
        width = max(6, len(str(N)))
        stats = {"events": 0, "copy_groups": 0, "copies": 0}
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        fd = open(os.path.join(out_dir, "docs.jsonl"), "w", encoding="utf-8",
                  newline="\n", buffering=1 << 20)
        ft = open(os.path.join(out_dir, "truth.csv"), "w", encoding="utf-8",
                  newline="\n", buffering=1 << 20)
        ft.write("id,cluster\n")

        def emit_until(day_limit):
            nonlocal emitted
            while heap and heap[0][0] < day_limit:
                _, _, _, doc, key = heapq.heappop(heap)
                emitted += 1
                did = f"d{emitted:0{width}d}"
                lab = labels.setdefault(key, len(labels))
                fd.write('{"id":"%s",' % did + dumps(doc)[1:] + "\n")
                ft.write(f"{did},{lab}\n")

        def push(doc, day, key):
            nonlocal seq, made
            seq += 1
            made += 1
            heapq.heappush(heap, (day, orng.random(), seq, doc, key))

        while made < N:
            day = min(self.days - 1, made * self.days // N)
            emit_until(day)
            ev = self.make_event(day)
            ei = stats["events"]
            stats["events"] += 1
            k = min(rng.choices(*REPORT_SIZES)[0], N - made)
            outlets = self.pick_outlets(rng, k)
            reports = []
            for o in outlets:
                d = day + rng.choices((0, 1, 2), (55, 30, 15))[0]
                title, paras = self.report(ev, o)
                reports.append((title, paras, o, d))
            copy_of = -1
            if self.mode == "copy" and crng.random() < 0.4 and made + k < N:
                copy_of = crng.randrange(k)
            for ri, (title, paras, o, d) in enumerate(reports):
                doc = self.finish(title, paras, o, d)
                if self.mode == "story":
                    key = ei
                elif ri == copy_of:
                    key = ("g", ei)
                else:
                    key = ("s", seq + 1)
                push(doc, d, key)
            if copy_of >= 0:
                title, paras, o, d = reports[copy_of]
                nc = min(crng.choices(*COPY_SIZES)[0], N - made)
                stats["copy_groups"] += 1
                stats["copies"] += nc
                cos = [co for co in self.pick_outlets(crng, nc + 1) if co is not o][:nc]
                for co in cos:
                    cd = d + crng.choices((0, 1, 2), (40, 35, 25))[0]
                    push(self.near_copy(title, paras, ev, co, cd), cd, ("g", ei))
        emit_until(1 << 30)
        fd.close()
        ft.close()
        stats["docs"] = emitted
        stats["clusters"] = len(labels)
        return stats


def curly(text: str) -> str:
    """Straight double quotes -> typographic quotes (open/close alternate)."""
    if '"' not in text:
        return text
    parts = text.split('"')
    out = [parts[0]]
    for i, p in enumerate(parts[1:]):
        out.append("\u201c" if i % 2 == 0 else "\u201d")
        out.append(p)
    return "".join(out)


def house_boiler(outlet, day, gen, rng) -> str:
    ln = rng.choice(BOILERPLATE)
    return ln.format(year=gen.datestr(day)[:4], outlet=outlet["name"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, required=True, help="number of articles")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=1, help="RNG seed (default 1)")
    ap.add_argument("--mode", choices=("story", "copy"), default="story",
                    help="truth labels: events (story) or copy groups (copy)")
    ap.add_argument("--median-words", type=float, default=310,
                    help="median article length in words (lognormal)")
    ap.add_argument("--sigma", type=float, default=0.5,
                    help="lognormal sigma of article length")
    ap.add_argument("--start-date", default="2024-01-01")
    ap.add_argument("--days", type=int, default=0,
                    help="date span in days (default: docs/200 clamped to 60..730)")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.docs < 1:
        ap.error("--docs must be >= 1")
    t0 = time.time()
    stats = Gen(args).run(args.out)
    if not args.quiet:
        size = os.path.getsize(os.path.join(args.out, "docs.jsonl"))
        print(f"wrote {stats['docs']} docs, {stats['events']} events, "
              f"{stats['clusters']} truth clusters"
              + (f", {stats['copy_groups']} copy groups / {stats['copies']} copies"
                 if args.mode == "copy" else "")
              + f"; {size / 1e6:.1f} MB ({size / max(1, stats['docs']):.0f} B/doc) "
              f"in {time.time() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
