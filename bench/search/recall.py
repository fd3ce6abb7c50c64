"""Which index finds a word where a person expects it: jieba words (option a) or bigrams.

For each two-character word of the demo corpus that jieba itself produces somewhere, count the
texts holding the word as characters, and how many of those a jieba-token index (the
classifier's Segmenter, its dictionary) would return for it: every text whose segmentation
has that token. Bigram tokens return all of them by construction (hotline.search.tokens).
Run: `python -m bench.search.recall`.
"""

from __future__ import annotations

import csv
import json

from bench.common import write
from bench.search.run import CORPUS
from classifier.text import Segmenter, normalize


def main() -> None:
    with CORPUS.open(encoding="utf-8") as f:
        texts = [r["text"] for r in csv.DictReader(f)]
    segment = Segmenter()
    tokens = [set(segment.words(normalize(t))) for t in texts]
    words = sorted({w for ts in tokens for w in ts if len(w) == 2 and all("\u4e00" <= c <= "\u9fff" for c in w)})
    present = found = 0
    missed: dict[str, int] = {}
    for w in words:
        holding = [i for i, t in enumerate(texts) if w in t]
        hits = sum(1 for i in holding if w in tokens[i])
        present += len(holding)
        found += hits
        if len(holding) - hits:
            missed[w] = len(holding) - hits
    worst = sorted(missed.items(), key=lambda kv: -kv[1])[:10]
    figures = {"texts": len(texts), "words": len(words), "occurrences": present,
               "jieba_recall": round(found / present, 3), "bigram_recall": 1.0,
               "most_missed": worst}
    print(json.dumps(figures, ensure_ascii=False))
    print(f"written {write('search_recall', figures)}")


if __name__ == "__main__":
    main()
