"""Precision and recall of `willing draft` over its packaged corpus of labelled public texts.

    python bench/draft.py [--texts]

Scored as sets per text, micro-averaged: nations that take a stance, (nation, stance),
(nation, capability) and (nation, condition) pairs. `--texts` lists what each text got wrong
(extra: proposed but not labelled; missed: labelled but not found). Also prints the time to
read the whole corpus once (after the pipeline is built), as a rate.
"""

from __future__ import annotations

import argparse
import time

from willing.draft.corpus import ASPECTS, corpus, evaluate, extracted, facts
from willing.draft.extract import read


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--texts", action="store_true", help="list the errors text by text")
    args = ap.parse_args()
    texts = corpus()
    read("warm up the pipeline")
    t0 = time.perf_counter()
    scores = evaluate(texts)
    seconds = time.perf_counter() - t0
    words = sum(len(t["text"].split()) for t in texts)
    print(f"corpus: {len(texts)} texts, {words:,} words, "
          f"{sum(not t['expected'] for t in texts)} with nothing to propose")
    print(f"{'aspect':<13} {'labelled':>8} {'found':>6} {'right':>6} {'precision':>10} {'recall':>7}")
    for a in ASPECTS:
        s = scores[a]
        print(f"{a:<13} {s.tp + s.fn:>8} {s.tp + s.fp:>6} {s.tp:>6} {s.precision:>10.2f} {s.recall:>7.2f}")
    print(f"read in {seconds:.2f} s ({words / seconds:,.0f} words/s)")
    if args.texts:
        for t in texts:
            want, got = facts(t["expected"]), facts(extracted(read(t["text"])))
            for a in ASPECTS:
                if want[a] != got[a]:
                    print(f"{t['id']:<32} {a:<13} extra {sorted(got[a] - want[a])} "
                          f"missed {sorted(want[a] - got[a])}")


if __name__ == "__main__":
    main()
