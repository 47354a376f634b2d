"""How good `kg suggest` is, measured leave-one-document-out on the bundled corpus.

For each document, suggestions are made as if it had no annotations (its annotations and
the coverage-ignore entries restricted to it are left out; the registry and the trigger
phrases stay), then compared with its committed annotations:

- mentions: the set of entities the document's annotations use (mentions, claim subjects
  and objects) against the entities the suggestions name (mentions and claim ends);
- claims: the set of (subject, relation, object) triples, per relation.

Writes bench/suggest_quality.md (and prints it). Run: `.venv/bin/python bench/suggest_quality.py`
(`make bench` runs it too).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.authoring.suggest import MIN_CONFIDENCE, suggest  # noqa: E402
from pipeline.coverage import load_ignore_list  # noqa: E402
from pipeline.load import load_corpus  # noqa: E402
from pipeline.matcher import registry_matcher  # noqa: E402
from pipeline.outputs import write_atomic  # noqa: E402
from pipeline.vocab import RELATIONS  # noqa: E402


def _pr(tp: int, n_sug: int, n_gold: int) -> tuple[str, str]:
    p = f"{tp / n_sug:.2f}" if n_sug else "–"
    r = f"{tp / n_gold:.2f}" if n_gold else "–"
    return p, r


def measure(sources: Path, min_confidence: float = MIN_CONFIDENCE) -> dict:
    """Leave-one-out counts per document and per relation."""
    corpus = load_corpus(sources)
    ignore = load_ignore_list(sources / "coverage-ignore.yaml", corpus)
    docs = {}
    per_rel: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, suggested, gold
    errors: dict[str, dict[str, list]] = {}
    t0 = time.perf_counter()
    for source in corpus.sources:
        sid = source.meta.id
        kept_ignore = [i for i in ignore if not (i.sources and i.sources <= {sid})]
        s = suggest(source, corpus.entities, (), (), kept_ignore, min_confidence=min_confidence)
        gold_claims = {
            (c.subject, c.relation, c.object) for c in corpus.claims if c.source_id == sid
        }
        gold_ents = {m.entity for m in corpus.mentions if m.source_id == sid}
        gold_ents |= {e for s_, _, o in gold_claims for e in (s_, o) if e}
        sug_claims = {(c.subject, c.relation, c.object) for c in s.claims}
        sug_ents = {m.entity for m in s.mentions} | {
            e for s_, _, o in sug_claims for e in (s_, o) if e
        }
        docs[sid] = {
            "mentions": (len(gold_ents & sug_ents), len(sug_ents), len(gold_ents)),
            "claims": (len(gold_claims & sug_claims), len(sug_claims), len(gold_claims)),
            "new_entities": len(s.entities),
        }
        for rel in RELATIONS:
            g = {c for c in gold_claims if c[1] == rel}
            u = {c for c in sug_claims if c[1] == rel}
            per_rel[rel][0] += len(g & u)
            per_rel[rel][1] += len(u)
            per_rel[rel][2] += len(g)
        errors[sid] = {
            "missed_mentions": sorted(gold_ents - sug_ents),
            "extra_mentions": sorted(sug_ents - gold_ents),
            "missed_claims": sorted(gold_claims - sug_claims, key=str),
            "extra_claims": sorted(sug_claims - gold_claims, key=str),
        }
    return {
        "docs": docs,
        "relations": dict(per_rel),
        "errors": errors,
        "seconds": time.perf_counter() - t0,
    }


THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def new_entity_quality(sources: Path) -> dict[str, tuple[int, int, int, int]]:
    """Per document, with the entities only it uses taken out of the registry too:
    (entities found by a candidate, such entities named in the text, candidates that
    cover one, candidates)."""
    corpus = load_corpus(sources)
    ignore = load_ignore_list(sources / "coverage-ignore.yaml", corpus)
    users: dict[str, set[str]] = defaultdict(set)
    for c in corpus.claims:
        users[c.subject].add(c.source_id)
        if c.object:
            users[c.object].add(c.source_id)
    for m in corpus.mentions:
        users[m.entity].add(m.source_id)
    out = {}
    for source in corpus.sources:
        sid = source.meta.id
        own = {e for e, docs in users.items() if docs == {sid}}
        registry = {k: v for k, v in corpus.entities.items() if k not in own}
        kept_ignore = [i for i in ignore if not (i.sources and i.sources <= {sid})]
        s = suggest(source, registry, (), (), kept_ignore)
        spans = {
            e: [
                (h.start, h.end)
                for h in registry_matcher({e: corpus.entities[e]}).find(source.text)
            ]
            for e in sorted(own)
        }
        named = {e for e, sp in spans.items() if sp}
        found = {
            e
            for e in named
            if any(c.start < b and a < c.end for c in s.entities for a, b in spans[e])
        }
        covering = [
            c
            for c in s.entities
            if any(c.start < b and a < c.end for sp in spans.values() for a, b in sp)
        ]
        out[sid] = (len(found), len(named), len(covering), len(s.entities))
    return out


def threshold_curve(
    sources: Path,
) -> list[tuple[float, tuple[int, int, int], tuple[int, int, int]]]:
    """(threshold, mention counts, claim counts) over ``THRESHOLDS`` (tp, suggested, gold)."""
    rows = []
    for t in THRESHOLDS:
        docs = measure(sources, t)["docs"]
        m = tuple(sum(d["mentions"][i] for d in docs.values()) for i in range(3))
        c = tuple(sum(d["claims"][i] for d in docs.values()) for i in range(3))
        rows.append((t, m, c))
    return rows  # type: ignore[return-value]


def to_markdown(
    m: dict, verbose: bool = False, curve: list | None = None, new: dict | None = None
) -> str:
    """The report."""
    docs, rels = m["docs"], m["relations"]
    lines = [
        "# kg suggest, measured leave-one-document-out",
        "",
        "Made by `bench/suggest_quality.py` (run by `make bench`). For each document, "
        "suggestions are made with that document's annotations (and its own coverage-ignore "
        "entries) removed; the registry and the trigger phrases stay. Mentions compare the "
        "set of entities the annotations use with those the suggestions name; claims compare "
        "(subject, relation, object).",
        "",
        "| document | mention P | mention R | claim P | claim R | suggested claims "
        "| annotated claims | new-entity candidates |",
        "|---|---|---|---|---|---|---|---|",
    ]
    tot = [0, 0, 0, 0, 0, 0]
    for sid, d in docs.items():
        mp, mr = _pr(*d["mentions"])
        cp, cr = _pr(*d["claims"])
        counts = f"{d['claims'][1]} | {d['claims'][2]} | {d['new_entities']}"
        lines.append(f"| {sid} | {mp} | {mr} | {cp} | {cr} | {counts} |")
        for i in range(3):
            tot[i] += d["mentions"][i]
            tot[3 + i] += d["claims"][i]
    mp, mr = _pr(*tot[:3])
    cp, cr = _pr(*tot[3:])
    lines.append(f"| **all** | **{mp}** | **{mr}** | **{cp}** | **{cr}** | {tot[4]} | {tot[5]} | |")
    no_fig = [sum(v[i] for k, v in rels.items() if k != "figure") for i in range(3)]
    fp, fr = _pr(*no_fig)
    lines += [
        "",
        f"Claims without `figure` (which kg suggest never proposes: its `measure` needs an "
        f"English translation): P {fp}, R {fr}.",
        "",
        "| relation | P | R | correct | suggested | annotated |",
        "|---|---|---|---|---|---|",
    ]
    for rel, (tp, ns, ng) in sorted(rels.items()):
        if ns or ng:
            p, r = _pr(tp, ns, ng)
            lines.append(f"| {rel} | {p} | {r} | {tp} | {ns} | {ng} |")
    lines += ["", f"Time for the five documents: {m['seconds']:.1f} s.", ""]
    if curve:
        lines += [
            f"By `--min-confidence` (the default, {MIN_CONFIDENCE}, was chosen on these same "
            "five documents):",
            "",
            "| min confidence | mention P | mention R | claim P | claim R | suggested claims |",
            "|---|---|---|---|---|---|",
        ]
        for t, mc, cc in curve:
            mp, mr = _pr(*mc)
            cp, cr = _pr(*cc)
            lines.append(f"| {t} | {mp} | {mr} | {cp} | {cr} | {cc[1]} |")
        lines.append("")
    if new:
        lines += [
            "New-entity candidates, with the entities only the left-out document uses also "
            "taken out of the registry (as for a truly new document): how many of those "
            "entities a candidate covers, and how many candidates cover one.",
            "",
            "| document | entities found | of those named | candidates covering one | candidates |",
            "|---|---|---|---|---|",
        ]
        tot = [0, 0, 0, 0]
        for sid, row in new.items():
            lines.append(f"| {sid} | {row[0]} | {row[1]} | {row[2]} | {row[3]} |")
            tot = [a + b for a, b in zip(tot, row, strict=True)]
        lines.append(f"| **all** | **{tot[0]}** | **{tot[1]}** | **{tot[2]}** | **{tot[3]}** |")
        lines.append("")
    if verbose:
        for sid, e in m["errors"].items():
            lines.append(f"## {sid}")
            for k, v in e.items():
                lines.append(f"- {k}: {v}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measure and write the report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", type=Path, default=ROOT / "sources")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "suggest_quality.md")
    ap.add_argument("--errors", action="store_true", help="also list every miss and extra")
    args = ap.parse_args(argv)
    report = to_markdown(
        measure(args.sources),
        args.errors,
        threshold_curve(args.sources),
        new_entity_quality(args.sources),
    )
    write_atomic(args.out, report)
    sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
