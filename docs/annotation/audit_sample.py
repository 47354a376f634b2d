"""Precision audit sample (issue 16): 40 claims of the corpus, drawn with a fixed seed.

Run from the repository root with its virtualenv:
    .venv/bin/python docs/annotation/audit_sample.py
The claims are sorted by (source_id, where.line) before sampling, so the draw depends only
on the annotations, not on load order. Adapted from the audit of the annotations before
adjudication to the declarative model: roles are role ids, and the model's qualifiers
(until, ordinal, according, site) and wordings are printed too.
"""

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from pipeline.load import load_corpus  # noqa: E402
from pipeline.model import Claim, labels_dict  # noqa: E402

SEED = 16
SIZE = 40


def qualifiers(c: Claim) -> str:
    """The claim's qualifiers and wordings, as `key=value` pairs."""
    q, w = c.qualifiers, c.wording
    out = []
    for key, value in (
        ("role", q.role),
        ("roleText", w.role_text),
        ("date", q.date),
        ("until", q.until),
        ("ordinal", q.ordinal),
        ("rank", q.rank),
        ("outOf", q.out_of),
        ("according", q.according),
        ("site", q.site),
    ):
        if value is not None:
            out.append(f"{key}={value}")
    if q.amount:
        out.append(f"amount={q.amount.text!r}")
    if q.share:
        out.append(f"share={q.share.text!r}")
    if q.measure:
        out.append(f"measure={labels_dict(q.measure)['en']!r}")
    if w.date_text:
        out.append(f"dateText={w.date_text!r}")
    return "; ".join(out)


def sample() -> list[Claim]:
    """The 40 claims of the seed-16 draw."""
    corpus = load_corpus(ROOT / "sources")
    claims = sorted(corpus.claims, key=lambda c: (c.source_id, c.where.line))
    return random.Random(SEED).sample(claims, SIZE)


if __name__ == "__main__":
    for i, c in enumerate(sample(), 1):
        folder = c.source_id.replace("doc-", "")
        print(
            f"{i:2d}. sources/{folder}/annotations.yaml:{c.where.line} | {c.subject} "
            f"{c.relation} {c.object or '-'} | {qualifiers(c)}"
        )
        print(f"    quote: {' '.join(c.anchor.exact.split())}")
