"""Coverage: what an annotator may have missed.

For each source it lists

- ``entity``: registry entities whose label or alias occurs in the text but that no claim
  or mention of that source uses — found by :mod:`pipeline.matcher`, the matcher of
  ``kg suggest``: case- and diacritic-insensitive, on word boundaries, longest name first;
- ``acronym``: acronyms (two or more capitals, as in METI, JETRO, R&D) that are no
  registry name;
- ``name``: runs of two or more capitalised words (Haruhiko Ozasa, Hà Nội) that no
  registry name contains.

``sources/coverage-ignore.yaml`` lists texts to ignore, each with a reason; an entry that
matches nothing is reported too, so the list cannot rot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .anchor import SourceText
from .errors import Location, ProblemCollector
from .load import MAX_YAML_BYTES, YamlReader, read_yaml_file
from .matcher import PLAUSIBLE, registry_matcher
from .model import Corpus
from .text import fold, fold_case
from .yamltree import YMap

ACRONYM = re.compile(r"(?<![\w&])([A-ZĐ][A-ZĐ0-9&]*[A-ZĐ][A-ZĐ0-9&]*)(?![\w&])")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)


@dataclass(frozen=True)
class Gap:
    """One thing coverage found in one source."""

    source: str
    kind: str  # "entity", "acronym", "name"
    text: str
    line: int
    detail: str = ""


@dataclass(frozen=True)
class IgnoreEntry:
    """A text coverage may ignore, with the reason, optionally only in some sources."""

    text: str
    reason: str
    sources: frozenset[str]
    where: str


def _is_upper(word: str) -> bool:
    return bool(word) and word[0].isupper()


def load_ignore_list(
    path: Path, corpus: Corpus, max_bytes: int = MAX_YAML_BYTES
) -> list[IgnoreEntry]:
    """Read ``coverage-ignore.yaml`` (missing file: empty list; refused unread over
    ``max_bytes``). Raises InputError."""
    problems = ProblemCollector()
    if path.is_symlink():  # as every file of sources/: a link may lead anywhere, or loop
        problems.add(
            Location.of(path),
            "is a symbolic link; links are not followed",
            "copy the file in place",
        )
        problems.raise_if_any()
    if not path.exists():
        return []
    tree = read_yaml_file(path, problems, max_bytes)
    entries: list[IgnoreEntry] = []
    r = YamlReader(str(path), problems)
    root = r.mapping(tree, "coverage-ignore.yaml") if tree is not None else None
    known = {s.meta.id for s in corpus.sources}
    if root is not None:
        r.check_keys(root, ["ignore"], "coverage-ignore.yaml")
        for node in r.items(root.get("ignore"), "'ignore'"):
            m = r.mapping(node, "an ignore entry")
            if not isinstance(m, YMap):
                continue
            r.check_keys(m, ["text", "reason", "sources"], "an ignore entry")
            text = r.text(m, "text")
            reason = r.text(m, "reason")
            sources = set()
            for item in r.items(m.get("sources"), "'sources'"):
                sid = getattr(item, "value", "")
                if sid not in known:
                    some = ", ".join(sorted(known)[:5]) + (", …" if len(known) > 5 else "")
                    r.problem(
                        item.line,
                        f"unknown source {sid!r}",
                        f"use a source id of the corpus ({some})" if known else "add the source",
                    )
                sources.add(sid)
            if text and reason:
                entries.append(IgnoreEntry(text, reason, frozenset(sources), f"{path}:{m.line}"))
    problems.raise_if_any()
    return entries


def _known_names(corpus: Corpus) -> tuple[set[str], list[str]]:
    """Registry names: folded acronyms, and folded full names for containment checks."""
    acronyms: set[str] = set()
    folded: list[str] = []
    for e in corpus.entities.values():
        for _, name in e.all_names():
            folded.append(fold(name))
            acronyms.update(fold(m.group(1)) for m in ACRONYM.finditer(name))
    return acronyms, folded


_BREAK = re.compile(r"(?<=[.!?:;…])\s+|\n\s*\n")


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """The sentences and paragraphs of ``text`` (what ``re.split`` on the breaks gives), each
    with its offset (a repeated sentence is found where it is, not at its first time)."""
    start = 0
    for m in _BREAK.finditer(text):
        yield start, text[start : m.start()]
        start = m.end()
    yield start, text[start:]


def name_runs(text: str) -> Iterable[tuple[int, str]]:
    """Runs of two or more capitalised words, not counting a sentence's first word."""
    for offset, para in _paragraphs(text):
        words = [(m.start(), m.group(0)) for m in _WORD.finditer(para)]
        run: list[tuple[int, str]] = []
        for i, (pos, w) in enumerate([*words, (len(para), "x")]):
            gap_ok = run and para[run[-1][0] + len(run[-1][1]) : pos].strip(" ") == ""
            if _is_upper(w) and i < len(words) and (not run or gap_ok):
                run.append((pos, w.rstrip(".")))
                continue
            if run and run[0][0] == words[0][0]:  # sentence-initial capital is not a name
                run = run[1:]
            if len(run) >= 2:
                yield offset + run[0][0], " ".join(w for _, w in run)
            run = [(pos, w.rstrip("."))] if _is_upper(w) and i < len(words) else []


def find_gaps(corpus: Corpus, ignore: list[IgnoreEntry]) -> list[Gap]:
    """Every gap in every source, minus the ignored ones (see the module doc)."""
    acronyms, folded_names = _known_names(corpus)
    matcher = registry_matcher(corpus.entities)
    gaps: list[Gap] = []
    for source in corpus.sources:
        sid = source.meta.id
        st = SourceText(source.text)
        text = source.text
        used = {c.subject for c in corpus.claims if c.source_id == sid}
        used |= {c.object for c in corpus.claims if c.source_id == sid and c.object}
        used |= {m.entity for m in corpus.mentions if m.source_id == sid}
        first: dict[str, tuple[int, str]] = {}
        for hit in matcher.find(text):
            if hit.confidence < PLAUSIBLE:
                continue
            if hit.entity not in used and hit.entity not in first:
                first[hit.entity] = (hit.start, hit.text)
        for eid in sorted(first):
            start, written = first[eid]
            gaps.append(Gap(sid, "entity", written, st.line_of(start), f"registry entity {eid!r}"))
        seen: set[tuple[str, str]] = set()
        for m in ACRONYM.finditer(text):
            word = m.group(1)
            known = fold(word) in acronyms
            if len(word.replace("&", "")) < 2 or known or ("acronym", word) in seen:
                continue
            seen.add(("acronym", word))
            gaps.append(Gap(sid, "acronym", word, st.line_of(m.start())))
        for pos, name in name_runs(text):
            key = fold(name)
            if ("name", key) in seen or any(key in n or n in key for n in folded_names if n):
                continue
            seen.add(("name", key))
            gaps.append(Gap(sid, "name", name, st.line_of(pos)))
    kept = []
    for g in gaps:
        if not any(
            fold_case(i.text) == fold_case(g.text) and (not i.sources or g.source in i.sources)
            for i in ignore
        ):
            kept.append(g)
    return sorted(kept, key=lambda g: (g.source, g.kind, g.line, g.text))


def unused_ignores(corpus: Corpus, ignore: list[IgnoreEntry]) -> list[IgnoreEntry]:
    """Ignore entries that match no gap any more (candidates for removal)."""
    raw = find_gaps(corpus, [])
    texts = {(fold_case(g.text), g.source) for g in raw}
    return [
        i
        for i in ignore
        if not any(t == fold_case(i.text) and (not i.sources or s in i.sources) for t, s in texts)
    ]


def to_coverage_text(gaps: list[Gap], corpus: Corpus, stale: list[IgnoreEntry] = ()) -> str:  # type: ignore[assignment]
    """The report: per source, each gap with its line in text.txt."""
    if not gaps and not stale:
        return f"coverage: no unexplained gaps in {len(corpus.sources)} source(s).\n"
    lines = [f"coverage: {len(gaps)} gap(s)."]
    paths = {s.meta.id: s.text_path for s in corpus.sources}
    for g in gaps:
        detail = f" ({g.detail})" if g.detail else ""
        hint = {
            "entity": "add a mention or claim for it, or an ignore entry with a reason",
            "acronym": "add it to the registry (as an alias) or to coverage-ignore.yaml",
            "name": "add it to the registry, or to coverage-ignore.yaml with a reason",
        }[g.kind]
        lines.append(f"{paths[g.source]}:{g.line}: {g.kind} {g.text!r}{detail} — {hint}")
    for i in stale:
        lines.append(f"{i.where}: ignore entry {i.text!r} matches nothing any more — remove it")
    return "\n".join(lines) + "\n"
