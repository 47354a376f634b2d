"""The ``kg`` command: thin wrappers over the pipeline's functions.

Reading and writing files, printing and exit codes live here; the stages are plain
functions tested without the CLI. Exit codes: see :mod:`pipeline.errors` and README.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import errors
from .ending import keep_until_exit
from .errors import OutputError, UsageError, VjkgError
from .text import for_terminal

if TYPE_CHECKING:
    from .cache import BuildRecord

INPUT_EXITS = "Exit codes: 0 ok, 3 graph file missing, unreadable or refused (over a cap);"


class _Progress:
    """Progress lines on stderr for steps that take a while (silent with --quiet)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.t0 = time.monotonic()

    def step(self, text: str) -> None:
        if not self.quiet:
            print(f"[{time.monotonic() - self.t0:6.2f}s] {text}", file=sys.stderr, flush=True)


def _default(path: str) -> Path:
    return Path(path)


def _output_path(text: str) -> Path:
    """An output option's path; an empty one is a usage error (``Path("")`` is the working
    directory, where the files would land unasked)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path: give the file or directory to write")
    return Path(text)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sources", type=Path, default=_default("sources"), help="sources directory")
    _add_ontology(p)
    p.add_argument(
        "--base", type=_base_iri, default=None, help="base IRI (default https://w3id.org/vjkg/)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    _add_source_limits(p)


def _add_ontology(p: argparse.ArgumentParser) -> None:
    """``--ontology`` and the cap on the two files read from it (vjkg.ttl, shapes.ttl)."""
    from .readers import MAX_SCHEMA_BYTES

    p.add_argument("--ontology", type=Path, default=_default("ontology"), help="ontology directory")
    _add_sizes(
        p, [("--max-ontology-bytes", MAX_SCHEMA_BYTES, "a vjkg.ttl or shapes.ttl over this size")]
    )


def _add_sizes(p: argparse.ArgumentParser, caps: Sequence[tuple[str, int, str]]) -> None:
    """A ``SIZE`` option per ``(flag, default, "refuse …" help)``."""
    for flag, default, what in caps:
        p.add_argument(
            flag,
            type=_size,
            default=default,
            metavar="SIZE",
            help=f"refuse {what} (default {_show_size(default)})",
        )


def _add_source_limits(p: argparse.ArgumentParser) -> None:
    """The size caps of the files a corpus is read from (pipeline.load.SourceLimits)."""
    from .load import MAX_REGISTRY_BYTES, MAX_TEXT_BYTES, MAX_YAML_BYTES

    _add_sizes(
        p,
        [
            ("--max-yaml-bytes", MAX_YAML_BYTES, "a meta.yaml or annotations.yaml over this size"),
            ("--max-text-bytes", MAX_TEXT_BYTES, "a text.txt larger than this"),
            ("--max-registry-bytes", MAX_REGISTRY_BYTES, "registry.yaml larger than this"),
        ],
    )


def _add_document_limits(p: argparse.ArgumentParser) -> None:
    """The caps of ``kg new-source`` (pipeline.authoring.newsource.DocumentLimits)."""
    from .authoring.newsource import MAX_PDF_BYTES, MAX_PDF_MEMORY, PDFTOTEXT_TIMEOUT
    from .load import MAX_TEXT_BYTES

    _add_sizes(
        p,
        [
            ("--max-text-bytes", MAX_TEXT_BYTES, "a .txt, or a PDF's text, larger than this"),
            ("--max-pdf-bytes", MAX_PDF_BYTES, "a .pdf larger than this"),
            ("--max-pdf-memory", MAX_PDF_MEMORY, "to let pdftotext use more memory than this"),
        ],
    )
    p.add_argument(
        "--pdf-timeout",
        type=_positive,
        default=PDFTOTEXT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop pdftotext after this many seconds (default {PDFTOTEXT_TIMEOUT})",
    )


def _add_query_caps(p: argparse.ArgumentParser) -> None:
    from .sparqltext import MAX_QUERY_DEPTH, MAX_QUERY_TOKENS

    p.add_argument(
        "--max-query-tokens",
        type=_positive,
        default=MAX_QUERY_TOKENS,
        metavar="N",
        help="refuse a query of more lexical tokens than this, before reading it further "
        f"(default {MAX_QUERY_TOKENS})",
    )
    p.add_argument(
        "--max-query-depth",
        type=_positive,
        default=MAX_QUERY_DEPTH,
        metavar="N",
        help="refuse a query that nests brackets and prefix operators deeper than this "
        f"(default {MAX_QUERY_DEPTH})",
    )


def _source_limits(args: argparse.Namespace):
    """The :class:`pipeline.load.SourceLimits` the options ask for."""
    from .load import DEFAULT_LIMITS, SourceLimits

    d = DEFAULT_LIMITS
    return SourceLimits(
        getattr(args, "max_yaml_bytes", d.yaml_bytes),
        getattr(args, "max_text_bytes", d.text_bytes),
        getattr(args, "max_registry_bytes", d.registry_bytes),
        getattr(args, "max_ontology_bytes", d.ontology_bytes),
    )


def _size(text: str) -> int:
    """A byte count: ``1073741824``, ``512M``, ``1G`` (K, M, G are powers of 1024)."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    t = text.strip().upper().removesuffix("B")
    factor = units.get(t[-1:], 1)
    digits = t[:-1] if t[-1:] in units else t
    if not digits.isdigit() or int(digits) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 1073741824, 512M or 1G")
    return int(digits) * factor


def _show_size(n: int) -> str:
    """``1G`` for 1073741824: the largest unit that divides ``n``."""
    for unit, factor in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n % factor == 0:
            return f"{n // factor}{unit}"
    return str(n)


def _base_iri(text: str) -> str:
    """``--base``: an absolute IRI that every IRI of the graph is made under (a ``/`` is
    added unless it ends in ``/`` or ``#``), checked as the IRIs it makes, by pyoxigraph."""
    import pyoxigraph as ox

    from .vocab import Vocabulary

    example = "e.g. https://example.org/kg/"
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an absolute IRI: it has no scheme — give one, {example}"
        )
    v = Vocabulary(text)
    for iri in (str(v.ONT) + "Organization", str(v.RES) + "x", str(v.GRAPH) + "x"):
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(
                f"{text!r} makes invalid IRIs such as <{iri}> ({exc}) — percent-encode spaces "
                f"and other characters IRIs do not allow, and put no '#' before its end, {example}"
            ) from None
    return text


def _non_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return int(text)


def _confidence(text: str) -> float:
    """A confidence from 0 to 1 (``nan`` and ``inf`` are floats, not confidences)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:  # false for nan too
        raise argparse.ArgumentTypeError(f"{text!r} is not a confidence from 0 to 1, e.g. 0.4")
    return value


def _directory(text: str) -> Path:
    """A folder that exists (``--queries``): a mistyped one was an empty list, exit 0."""
    path = Path(text)
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "does not exist"
        raise argparse.ArgumentTypeError(f"{text!r} {what}: give a folder of NAME.rq files")
    return path


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number greater than 0")
    return int(text)


def _add_input_limits(p: argparse.ArgumentParser) -> None:
    """The caps on reading a graph file (pipeline/readers.py), one option each."""
    from .readers import DEFAULT_LIMITS as d

    g = p.add_argument_group("input caps (a file over a cap is refused with exit 3)")
    g.add_argument(
        "--max-input-bytes",
        type=_size,
        default=d.max_bytes,
        metavar="SIZE",
        help=f"largest graph file read, e.g. 512M ({_show_size(d.max_bytes)})",
    )
    g.add_argument(
        "--max-input-depth",
        type=_positive,
        default=d.max_depth,
        metavar="N",
        help=f"deepest RDF/XML element nesting and JSON-LD @context nesting ({d.max_depth})",
    )
    g.add_argument(
        "--max-context-terms",
        type=_positive,
        default=d.max_context_terms,
        metavar="N",
        help=f"most JSON-LD term definitions, all contexts together ({d.max_context_terms})",
    )
    g.add_argument(
        "--max-parse-memory",
        type=_size,
        default=d.max_parse_memory,
        metavar="SIZE",
        help="address-space cap of the child process that parses every format that is not "
        f"line-based ({_show_size(d.max_parse_memory)})",
    )
    g.add_argument(
        "--max-parse-seconds",
        type=_positive,
        default=d.max_parse_seconds,
        metavar="N",
        help=f"CPU-time cap of that child process, seconds ({d.max_parse_seconds})",
    )


def _limits(args: argparse.Namespace):
    from .readers import InputLimits

    return InputLimits(
        max_bytes=args.max_input_bytes,
        max_depth=args.max_input_depth,
        max_context_terms=args.max_context_terms,
        max_parse_memory=args.max_parse_memory,
        max_parse_seconds=args.max_parse_seconds,
    )


def _refuse_overwriting_input(outputs: Sequence[Path], inputs: Sequence[Path]) -> None:
    """Exit 2 when a file the command would write is one of the files it reads."""
    for out in outputs:
        for given in inputs:
            same = os.path.realpath(out) == os.path.realpath(given)
            if not same and out.exists() and given.exists():
                same = os.path.samefile(out, given)
            if same:
                raise UsageError(
                    f"{out} is the input {given}; writing it would destroy the input — "
                    "give another output path"
                )


def _sources_inputs(folder: Path, out: Path) -> list[Path]:
    """The files of the sources tree ``folder`` belongs to that ``out`` could be: the
    registry, and ``out`` itself when it is a source folder's text, metadata or annotations
    (``kg suggest -o`` and ``kg review -o`` must not overwrite one)."""
    root = folder.parent
    source_file = out.name in ("text.txt", "meta.yaml", "annotations.yaml")
    inside = out.resolve().parent.parent == root.resolve()
    return [root / "registry.yaml", *([out] if source_file and inside else [])]


def _add_validator(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--validator",
        choices=("auto", "sparql", "pyshacl"),
        default="auto",
        help="SHACL engine: the shapes compiled to SPARQL on pyoxigraph, or pySHACL; the "
        "results are the same (auto: sparql when every shape compiles)",
    )


def _vocab(args: argparse.Namespace):
    from .vocab import Vocabulary

    return Vocabulary(args.base) if args.base else Vocabulary()


def _build(
    args: argparse.Namespace,
    progress: _Progress,
    *,
    validate: bool = True,
    cache=None,
    background_from: int | None = None,
    said: list[str] | None = None,
):
    """Run the library pipeline (:func:`pipeline.run.build`) with the CLI's options; the
    notes and warnings printed go into ``said`` too."""
    from .run import build

    def say(line: str) -> None:
        print(line, file=sys.stderr)
        if said is not None:
            said.append(line)

    def note(text: str) -> None:
        say(f"note: {text}")

    def warn(text: str) -> None:
        say(f"warning: {text}")

    return build(
        args.sources,
        args.ontology,
        args.base,
        warn=warn,
        strict=getattr(args, "strict", False),
        validate=validate,
        validator=getattr(args, "validator", "auto"),
        cache=cache,
        progress=progress.step,
        notes=note,
        background_from=background_from,
        limits=_source_limits(args),
        parallel_load=True,  # main() runs under the __main__ guard the fork server needs
    )


def _check_out_apart(out: Path, inputs: dict[str, Path]) -> None:
    """``--out`` is neither an input directory nor inside one: the build writes a cache
    directory and files there, which the next build would read as a source folder."""
    where = out.resolve()
    for option, directory in inputs.items():
        given = directory.resolve()
        if where == given or given in where.parents:
            raise errors.UsageError(
                f"--out {out} is {'inside ' if where != given else ''}the {option} directory "
                f"{directory}: the outputs would mix with the inputs; "
                "write them elsewhere (the default is graphs/)"
            )


def cmd_build(args: argparse.Namespace) -> int:
    """``kg build``: load, anchor, build, validate, export, draw.

    On a large graph the validation runs in a child process while the exports are rendered
    (:data:`pipeline.run.BACKGROUND_FROM`); a graph that does not conform still leaves
    ``--out`` unchanged unless ``--keep-going``: the staged files are discarded.
    """
    from .cache import CACHE_DIR, BuildRecord, DiskCache, build_inputs
    from .outputs import build_lock, check_writable, remove_stale_temporaries, staged_files
    from .run import BACKGROUND_FROM

    progress = _Progress(args.quiet)
    out: Path = args.out
    shapes = args.ontology / "shapes.ttl"
    keep_going = getattr(args, "keep_going", False)

    def refuse(result) -> None:
        """Stop before anything in ``out`` changes: the graph does not conform."""
        result.cancel()
        sys.stderr.write(result.validation_text())
        raise errors.NotConformingError(
            f"the graph does not conform to {shapes}: "
            f"{len(result.report.violations)} violation(s) listed above; {out}/ was left unchanged"
        )

    background = args.background_from if args.background_from is not None else BACKGROUND_FROM
    if background < 0:
        raise errors.UsageError(f"--background-from must be 0 or more, not {background}")
    _check_out_apart(out, {"--sources": args.sources, "--ontology": args.ontology})
    check_writable(out)  # before any work
    with build_lock(out):
        remove_stale_temporaries(out)
        # Per-source and per-partition results of earlier builds (pipeline/cache.py).
        cache = None
        if not getattr(args, "no_cache", False):
            cache = DiskCache(out / CACHE_DIR, args.max_cache_entry)
        read = [args.ontology / "vjkg.ttl", shapes]

        def digest() -> str | None:  # of what the build reads (pipeline.cache.build_inputs)
            return build_inputs(args.sources, read, _build_settings(args), _source_limits(args))

        inputs: str | None = None
        said: list[str] = []
        if cache is not None:
            inputs = digest()
            last = cache.load("build", "last", counted=False)
            if isinstance(last, BuildRecord) and last.current(inputs, out):
                return _up_to_date(last, out, progress)
        result = _build(args, progress, cache=cache, background_from=background, said=said)
        keep_until_exit(result)  # released by the system at the end, not freed piece by piece
        try:
            if result.validated() and not result.conforms and not keep_going:
                refuse(result)
            # Each file goes to disk as soon as it is rendered (memory stays flat on big
            # graphs); all are renamed into place together at the end, or none are.
            with staged_files(out) as stage:
                for name, pieces in result.outputs():
                    stage.put(name, pieces)  # written piece by piece, never whole in memory
                    if not keep_going and result.validated() and not result.conforms:
                        refuse(result)  # discards what was staged
                names = stage.names
        finally:
            result.cancel()
        progress.step(f"wrote {len(names)} files to {out}/")
        report = result.report
        assert report is not None
        if result.conforms:
            message = (
                f"built {out}/: {len(result.dataset)} quads, {len(result.corpus.entities)} "
                f"entities, {len(result.corpus.claims)} claims; SHACL conforms; "
                f"{len(result.conflicts)} conflict(s) between sources kept and listed by "
                "`kg conflicts`"
            )
        else:
            message = (
                f"the graph does not conform to {shapes}: "
                f"{len(report.violations)} violation(s), listed in {out}/validation.txt; "
                f"--keep-going wrote {out}/ anyway"
            )
        if cache is not None:
            # Recorded only if nothing it read changed while it ran (else the outputs may come
            # from files the record would not describe).
            if inputs is not None and inputs == digest():
                record = BuildRecord.of(inputs, out, names, said, result.conforms, message)
                cache.store("build", "last", record)
            cache.prune()
            missed = cache.misses
            if len(missed) > 12:  # a cold build reprocesses everything: say how much
                redone = f"{len(missed)} items: {missed[:5]} and {len(missed) - 5} more"
            else:
                redone = str(missed or "nothing")
            progress.step(f"cache: {cache.hits} reused, reprocessed {redone}")
    if not result.conforms:
        raise errors.NotConformingError(message)
    print(message)
    return errors.EXIT_OK


def _build_settings(args: argparse.Namespace) -> str:
    """The options of ``kg build`` that change what it writes or whether it fails, as text
    (part of :func:`pipeline.cache.build_inputs`; --quiet and --background-from are not)."""
    return repr(
        (
            # as given too: the messages a build repeats name them as they were written
            *(str(path) for path in (args.out, args.ontology, args.sources)),
            str(args.out.resolve()),
            str(args.ontology.resolve()),
            args.base,
            getattr(args, "validator", "auto"),
            getattr(args, "strict", False),
            getattr(args, "keep_going", False),
            _source_limits(args),
            sys.version,
        )
    )


def _up_to_date(last: BuildRecord, out: Path, progress: _Progress) -> int:
    """``kg build`` when nothing it reads has changed since the build that wrote ``out``,
    and nothing in ``out`` has been touched: say again what that build said, and stop."""
    for line in last.said:
        print(line, file=sys.stderr)
    progress.step(
        f"nothing changed since the last build: the {len(last.files)} files in {out}/ are up "
        "to date (--no-cache builds them again)"
    )
    progress.step("cache: every output reused")
    if not last.conforms:
        raise errors.NotConformingError(last.message)
    print(last.message)
    return errors.EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """``kg validate``: build in memory and print the SHACL report."""
    from .outputs import write_atomic

    if args.report:  # before any work
        reads = [args.ontology / "vjkg.ttl", args.ontology / "shapes.ttl"]
        if args.sources.is_dir():
            reads += sorted(p for p in args.sources.rglob("*") if p.is_file())
        _refuse_overwriting_input([args.report], reads)
    result = _build(args, _Progress(args.quiet))
    sys.stdout.write(result.validation_text())
    if args.report:  # the same Turtle as kg build's validation.ttl
        write_atomic(args.report, result.validation_turtle())
    return errors.EXIT_OK if result.conforms else errors.EXIT_NOT_CONFORMING


def cmd_stats(args: argparse.Namespace) -> int:
    """``kg stats``: counts per class, relation and source."""
    from .readers import read_quads
    from .stats import compute_stats, to_stats_json, to_stats_text

    if args.input:
        quads = read_quads(args.input, _limits(args))
        vocab = _vocab(args)
    else:
        result = _build(args, _Progress(args.quiet), validate=False)
        quads, vocab = list(result.dataset.quads()), result.vocab
    stats = compute_stats(quads, vocab)
    sys.stdout.write(to_stats_json(stats) if args.json else to_stats_text(stats))
    return errors.EXIT_OK


def cmd_conflicts(args: argparse.Namespace) -> int:
    """``kg conflicts``: where sources disagree (every claim stays in the graph)."""
    from .conflicts import find_conflicts, to_conflicts_json, to_conflicts_text
    from .load import load_corpus

    conflicts = find_conflicts(
        load_corpus(args.sources, limits=_source_limits(args), parallel=True)
    )
    sys.stdout.write(to_conflicts_json(conflicts) if args.json else to_conflicts_text(conflicts))
    return errors.EXIT_OK


def cmd_agreement(args: argparse.Namespace) -> int:
    """``kg agreement A B``: precision, recall and F1 of annotation B against annotation A."""
    from .agreement import (
        compare_corpora,
        different_texts,
        to_agreement_json,
        to_agreement_markdown,
        uncompared,
    )
    from .load import load_corpus

    limits = _source_limits(args)
    reference = load_corpus(args.reference, limits=limits, parallel=True)
    second = load_corpus(args.second, limits=limits, parallel=True)
    mismatched = different_texts(reference, second)
    if mismatched:
        raise errors.InputError(mismatched)
    docs = compare_corpora(reference, second)
    only_a, only_b = uncompared(reference, second)
    for only, there, missing in ((only_a, args.reference, args.second),
                                 (only_b, args.second, args.reference)):  # fmt: skip
        if only and docs:
            shown = ", ".join(only[:10]) + (" …" if len(only) > 10 else "")
            print(
                f"note: {len(only)} source(s) of {there} are not in {missing} and are not "
                f"compared: {shown}",
                file=sys.stderr,
            )
    if not docs:
        raise UsageError(
            f"{args.reference} and {args.second} share no source id — compare two annotations "
            "of the same documents"
        )
    sys.stdout.write(to_agreement_json(docs) if args.json else to_agreement_markdown(docs))
    return errors.EXIT_OK


def cmd_coverage(args: argparse.Namespace) -> int:
    """``kg coverage``: names in the texts that no claim or mention covers."""
    from .coverage import find_gaps, load_ignore_list, to_coverage_text, unused_ignores
    from .load import load_corpus

    limits = _source_limits(args)
    corpus = load_corpus(args.sources, limits=limits, parallel=True)
    ignore = load_ignore_list(args.sources / "coverage-ignore.yaml", corpus, limits.yaml_bytes)
    gaps = find_gaps(corpus, ignore)
    stale = unused_ignores(corpus, ignore)
    sys.stdout.write(to_coverage_text(gaps, corpus, stale))
    clean = not gaps and not stale
    return errors.EXIT_OK if clean or not args.strict else errors.EXIT_BAD_INPUT


def cmd_new_source(args: argparse.Namespace) -> int:
    """``kg new-source FILE [--id NNN]``: a new source folder from a .txt or .pdf file."""
    from .authoring.newsource import DocumentLimits, new_source

    limits = DocumentLimits(
        args.max_text_bytes, args.max_pdf_bytes, args.max_pdf_memory, args.pdf_timeout
    )
    made = new_source(args.file, args.sources, args.id, limits)
    furniture = (
        f", {made.removed_lines} line(s) of page furniture dropped" if made.removed_lines else ""
    )
    print(
        f"wrote {made.folder}/ (text.txt, meta.yaml, annotations.yaml) as {made.source_id}"
        f"{furniture}; check meta.yaml's REVIEW marks, then: kg suggest {made.folder}"
    )
    if made.controls or made.bidi:
        changed = [
            f"{made.controls} control character(s) made spaces" if made.controls else "",
            f"{made.bidi} bidirectional control(s) dropped" if made.bidi else "",
        ]
        print(
            f"note: in text.txt, {' and '.join(c for c in changed if c)}: they are invisible "
            f"and no quote can hold them; compare text.txt with {args.file} if the document "
            "needs them",
            file=sys.stderr,
        )
    if not made.dated:
        print(
            f"note: the text states no date; add issued: to {made.folder / 'meta.yaml'} "
            "before kg suggest or kg build",
            file=sys.stderr,
        )
    return errors.EXIT_OK


def cmd_suggest(args: argparse.Namespace) -> int:
    """``kg suggest sources/NNN``: write sources/NNN/suggestions.yaml."""
    from .authoring.suggest import (
        load_source_folder,
        registry_indent,
        suggest_folder,
        to_suggestions_yaml,
    )
    from .outputs import write_atomic

    out = args.output or args.folder / "suggestions.yaml"
    _refuse_overwriting_input([out], _sources_inputs(args.folder, out))
    folder = load_source_folder(args.folder, _source_limits(args))
    s = suggest_folder(folder, min_confidence=args.min_confidence)
    indent = registry_indent(args.folder.parent / "registry.yaml")
    write_atomic(out, to_suggestions_yaml(s, str(args.folder / "text.txt"), indent))
    print(
        f"wrote {out}: {len(s.mentions)} mention(s), {len(s.entities)} new-entity "
        f"candidate(s), {len(s.claims)} claim(s); review them: kg review {args.folder}"
    )
    return errors.EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    """``kg review sources/NNN [-o FILE.html]``: the offline review page."""
    from .authoring.review import review_data, to_review_html
    from .outputs import write_atomic
    from .run import ROOT_HINT

    out = args.output or args.folder / "review.html"
    ontology = [args.ontology / "vjkg.ttl", args.ontology / "shapes.ttl"]
    _refuse_overwriting_input([out], [*_sources_inputs(args.folder, out), *ontology])
    for name in () if args.no_validate else ("vjkg.ttl", "shapes.ttl"):
        if not (args.ontology / name).is_file():
            raise OutputError(
                f"{args.ontology / name}: not found — {ROOT_HINT} (--no-validate skips SHACL)"
            )
    data = review_data(
        args.folder,
        args.ontology,
        min_confidence=args.min_confidence,
        validate=not args.no_validate,
        limits=_source_limits(args),
    )
    write_atomic(out, to_review_html(data))
    print(f"wrote {out}")
    return errors.EXIT_OK


def cmd_html(args: argparse.Namespace) -> int:
    """``kg html GRAPH [-o OUT]``: draw any RDF file as the explorer page."""
    from .explorer import iter_html, read_source_texts
    from .network import to_networkx
    from .outputs import check_writable, write_atomic
    from .readers import check_graph_file, read_quads

    check_graph_file(args.graph, _limits(args))  # first: "." or "/" has no name to derive from
    out = args.output or args.graph.with_suffix(".html")
    _refuse_overwriting_input([out], [args.graph])
    check_writable(out.parent)
    quads = read_quads(args.graph, _limits(args))
    g = to_networkx(quads, _vocab(args))
    # the source texts, for the page's reader: under the working directory or beside graphs/
    texts = read_source_texts(g, [Path.cwd(), args.graph.resolve().parent.parent])
    write_atomic(out, iter_html(g, texts=texts))
    print(f"wrote {out}: {g.number_of_nodes()} entities, {g.number_of_edges()} facts")
    if not g.number_of_nodes():
        from .vocab import DEFAULT_BASE

        base = args.base or DEFAULT_BASE
        print(
            f"note: {args.graph} has no entity of the vjkg ontology under {base}; "
            "if it uses another base IRI, pass --base",
            file=sys.stderr,
        )
    return errors.EXIT_OK


def _read_graph(path: Path, args: argparse.Namespace):
    """The entity network of an RDF file (for ``kg analyse`` and ``kg path``)."""
    from .network import to_networkx
    from .readers import read_quads

    return to_networkx(read_quads(path, _limits(args)), _vocab(args))


def cmd_analyse(args: argparse.Namespace) -> int:
    """``kg analyse``: centrality, components, communities, bridges → analysis.md/.json."""
    from .analyse import analyse_network, to_analysis_json, to_analysis_markdown
    from .outputs import check_writable, commit_files

    written = [args.out / "analysis.json", args.out / "analysis.md"]
    _refuse_overwriting_input(written, [args.input])
    check_writable(args.out)
    analysis = analyse_network(
        _read_graph(args.input, args), _vocab(args), include_places=args.include_places
    )
    files = {
        "analysis.json": to_analysis_json(analysis),
        "analysis.md": to_analysis_markdown(analysis),
    }
    commit_files(args.out, files)
    s, c, b = analysis["summary"], analysis["components"], analysis["bridges"]
    print(
        f"analysed {s['entities']} entities, {s['facts']} facts: {c['linked']} linked "
        f"component{'s' * (c['linked'] != 1)} "
        f"(largest {c['largest']}, {c['isolated']} isolated), "
        f"{analysis['communities']['count']} communities, {len(b['direct'])} direct bridges, "
        f"{b['brokers_total']} brokers; wrote {args.out / 'analysis.md'}, "
        f"{args.out / 'analysis.json'}"
    )
    return errors.EXIT_OK


def cmd_path(args: argparse.Namespace) -> int:
    """``kg path A B``: the shortest evidence-backed paths between two entities."""
    from .path import find_paths, resolve_entity, to_path_text

    if args.max < 1:
        raise UsageError(f"--max {args.max}: show at least one path (--max 1 or more)")
    g = _read_graph(args.input, args)
    ends, problems = [], []
    for name in (args.a, args.b):
        try:
            ends.append(resolve_entity(g, name))
        except UsageError as exc:
            problems.append(str(exc))
    if problems:
        raise UsageError("\n".join(problems))
    if ends[0] == ends[1]:
        raise UsageError(
            f"{args.a!r} and {args.b!r} name the same entity ({g.nodes[ends[0]]['id']})"
        )
    result = find_paths(g, ends[0], ends[1], args.max, args.no_places)
    sys.stdout.write(for_terminal(to_path_text(g, result, args.lang, args.no_places)))
    return errors.EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    """``kg query``: run a SPARQL query (file, saved name or text) over the built graph."""
    from .sparql.query import (
        QueryTooDeep,
        QueryTooLong,
        list_saved_queries,
        parse_param,
        query_file_without_network,
        resolve_query,
        scan_query,
        to_output,
        to_saved_query_list,
    )

    if args.list:
        saved = list_saved_queries(args.queries)
        if not saved:
            where = args.queries or "pipeline/queries/"
            print(f"kg: no saved queries in {where}", file=sys.stderr)
        sys.stdout.write(to_saved_query_list(saved))
        return errors.EXIT_OK
    if not args.query:
        raise UsageError("give a query: a .rq file, a saved query name (see --list) or its text")
    if not args.timeout > 0:  # nan too
        raise UsageError("--timeout must be greater than 0 seconds")
    prefixes = _vocab(args).prefixes()
    query = resolve_query(args.query, args.queries)
    params = [parse_param(spec, prefixes) for spec in args.param]
    if query.saved is not None:  # a saved query declares its parameters in its header
        query.saved.check_parameters([name for name, _ in params])
    try:  # before the graph is loaded: a query that is refused is refused at once
        shape = scan_query(query.text, prefixes, args.max_query_tokens, args.max_query_depth)
    except QueryTooLong as exc:
        raise QueryTooLong(exc.max_tokens, query.origin) from None
    except QueryTooDeep as exc:
        raise QueryTooDeep(exc.max_depth, exc.line, query.origin, exc.chain) from None
    done = query_file_without_network(
        args.input,
        query.text,
        limits=_limits(args),
        origin=query.origin,
        params=params,
        prefixes=prefixes,
        render=lambda result: to_output(result, args.format, prefixes, args.truncate),
        count=args.time,
        seconds=args.timeout,
        memory=args.max_memory,
        max_tokens=None,  # held to --max-query-tokens and --max-query-depth above
        max_depth=None,
    )
    for iri in (*shape.from_graphs, *shape.from_named_graphs):
        if iri not in done.graphs:
            print(
                f"kg: note: FROM <{iri}> is not a graph in {args.input}; it is empty "
                "(nothing is fetched)",
                file=sys.stderr,
            )
    run = done.run
    if not run.sandbox.active:
        print(
            f"kg: note: the query ran without a network sandbox ({run.sandbox.detail})",
            file=sys.stderr,
        )
    sys.stdout.write(run.output)
    if args.time:
        print(
            f"kg: loaded {done.quads} quads in {done.load_seconds * 1000:.1f} ms; query "
            f"{run.seconds * 1000:.1f} ms; {run.results} result(s)",
            file=sys.stderr,
        )
    return errors.EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """``kg serve``: a read-only SPARQL endpoint over the built graph, until Ctrl-C."""
    from .sparql.serve import ServeConfig, SparqlServer, parse_cors, run_server

    positive = ("timeout", "max_results", "workers", "max_request_bytes", "idle_timeout")
    for name in (*positive, "max_connections", "max_result_mb", "max_memory_mb", "max_held_mb"):
        if getattr(args, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be greater than 0")
    if args.long_after <= 0:
        raise UsageError("--long-after must be greater than 0")
    config = ServeConfig(
        input=args.input,
        host=args.host,
        port=args.port,
        timeout=args.timeout,
        max_results=args.max_results,
        workers=args.workers,
        queries_dir=args.queries,
        quiet=args.quiet,
        max_request_bytes=args.max_request_bytes,
        cors=parse_cors(args.cors),
        idle_timeout=args.idle_timeout,
        max_connections=args.max_connections,
        max_result_bytes=int(args.max_result_mb * 2**20),
        max_memory_mb=args.max_memory_mb,
        long_after=args.long_after,
        limits=_limits(args),
        max_query_tokens=args.max_query_tokens,
        max_query_depth=args.max_query_depth,
        max_held_bytes=int(args.max_held_mb * 2**20),
    )

    def announce(server: SparqlServer) -> None:
        url = f"http://{args.host}:{server.server_port}"
        print(
            f"serving {server.pool.quads} quads from {args.input} at {url}/ "
            f"(SPARQL endpoint {url}/sparql); Ctrl-C to stop",
            flush=True,
        )
        if not server.pool.sandbox.active:
            print(
                "kg serve: warning: the query workers could not be cut off from the network "
                f"({server.pool.sandbox.detail}); SERVICE is still refused",
                file=sys.stderr,
            )

    try:
        run_server(config, announce)
    except KeyboardInterrupt:
        print("kg serve: stopped", file=sys.stderr)
    return errors.EXIT_OK


def cmd_push(args: argparse.Namespace) -> int:
    """``kg push``: PUT each named graph into a SPARQL 1.1 Graph Store endpoint
    (``--since OLD``: only the difference, as SPARQL Update, when the store holds OLD)."""
    from .sparql.push import (
        PushInterrupted,
        check_endpoint,
        push_graphs,
        raise_for_report,
        read_graph_payloads,
        to_push_summary,
    )

    check_endpoint(args.endpoint)
    if args.timeout <= 0 or args.retries < 0 or args.backoff < 0:
        raise UsageError("--timeout must be > 0, --retries and --backoff ≥ 0")
    if args.no_fallback and not args.since:
        raise UsageError("--no-fallback goes with --since OLD")
    try:
        if args.since:
            return _push_since(args)
        payloads = read_graph_payloads(args.input, _limits(args))
        report = push_graphs(
            args.endpoint,
            payloads,
            timeout=args.timeout,
            retries=args.retries,
            backoff=args.backoff,
        )
    except PushInterrupted as exc:
        sys.stdout.write(to_push_summary(exc.report))
        raise
    sys.stdout.write(to_push_summary(report))
    raise_for_report(report)
    return errors.EXIT_OK


def _push_since(args: argparse.Namespace) -> int:
    """``kg push --since OLD``: check, update (or fall back to PUT), verify."""
    from .readers import read_quads
    from .sparql.push import (
        GraphPayload,
        PushInterrupted,
        PushReport,
        answer_caps,
        check_endpoint,
        compare_graphs,
        default_update_url,
        push_graphs,
        push_since,
        raise_for_report,
        read_graph_payloads,
        read_store,
        to_graph_triples,
        to_push_summary,
    )

    update_url = check_endpoint(
        args.update_endpoint or default_update_url(args.endpoint), "--update-endpoint"
    )
    for path in (args.since, args.input):
        if not path.is_file():
            raise OutputError(
                f"{path}: no such graph file — run `kg build` first, or check the path"
            )
    old = to_graph_triples(read_quads(args.since), args.since)
    new = to_graph_triples(read_quads(args.input), args.input)
    every = set(old) | set(new)
    expected_old = {g: old.get(g, frozenset()) for g in every}
    net = dict(timeout=args.timeout, retries=args.retries, backoff=args.backoff)
    expected_new = {g: new.get(g, frozenset()) for g in every}
    caps = answer_caps(old, new)
    print(f"checking that {args.endpoint} holds {args.since} ({len(old)} graphs)")
    try:
        held = read_store(args.endpoint, every, timeout=args.timeout, max_bytes=caps)
    except KeyboardInterrupt:
        raise PushInterrupted(
            PushReport(args.endpoint),
            "interrupted while reading the store's graphs to compare them with "
            f"{args.since}; nothing was written, the store is as it was",
        ) from None
    mismatches = [c for c in compare_graphs(held, expected_old) if not c.ok]
    if mismatches and all(c.ok for c in compare_graphs(held, expected_new)):
        total = sum(len(x) for x in new.values())
        print(f"the store already holds {args.input} ({total} triples): nothing to send")
        return errors.EXIT_OK
    if not mismatches:
        changed = sum(1 for g in every if old.get(g) != new.get(g))
        print(
            f"the store holds {args.since}: sending the difference of {changed} graph(s) "
            f"to {update_url}"
        )
        try:
            report = push_since(update_url, old, new, **net)
        except PushInterrupted as exc:
            sys.stdout.write(to_push_summary(exc.report))
            raise
    else:
        listed = "\n".join(f"  {c}" for c in mismatches)
        if args.no_fallback:
            raise errors.RemoteStoreError(
                f"the store at {args.endpoint} does not hold {args.since}:\n{listed}\n"
                "nothing was written (--no-fallback). Push without --since for a full PUT, or "
                "give as --since the file the store was last pushed from"
            )
        print(f"the store does not hold {args.since}:\n{listed}")
        print("falling back to a full PUT of every graph")
        payloads = read_graph_payloads(args.input)
        gone = sorted((g for g in old if g not in new), key=lambda k: (k is None, k or ""))
        payloads += [GraphPayload(g, b"", 0) for g in gone]  # emptied: NEW does not have them
        try:
            report = push_graphs(args.endpoint, payloads, **net)
        except PushInterrupted as exc:
            sys.stdout.write(to_push_summary(exc.report))
            raise
    sys.stdout.write(to_push_summary(report))
    raise_for_report(report)
    try:
        after = read_store(args.endpoint, every, timeout=args.timeout, max_bytes=caps)
    except KeyboardInterrupt:
        raise PushInterrupted(
            report,
            f"interrupted while verifying: every graph was sent (table above), but the check "
            f"that the store now equals {args.input} did not finish; run the same command "
            "again to check (it finds nothing to send if the store holds the new graph)",
        ) from None
    wrong = [c for c in compare_graphs(after, expected_new) if not c.ok]
    if wrong:
        listed = "\n".join(f"  {c}" for c in wrong)
        raise errors.RemoteStoreError(
            f"after the push the store at {args.endpoint} does not hold {args.input}:\n{listed}\n"
            "another writer may have changed it; run kg push without --since"
        )
    total = sum(len(x) for x in new.values())
    print(f"verified: the store's {len(every)} graph(s) equal {args.input} ({total} triples)")
    return errors.EXIT_OK


def _union(quads: list) -> list:
    """The quads with every graph name dropped, each triple once, in their first order."""
    return list(dict.fromkeys((s, p, o, None) for s, p, o, _ in quads))


def cmd_diff(args: argparse.Namespace) -> int:
    """``kg diff OLD NEW`` / ``--rev A --rev B``: what changed, as Markdown, JSON, RDF Patch."""
    from .diff import (
        build_revision,
        diff_quads,
        resolve_revision,
        temporary_workdir,
        to_diff_json,
        to_diff_markdown,
        to_rdf_patch,
    )
    from .outputs import check_writable, write_atomic
    from .readers import check_graph_file, read_quads

    revs, files = list(args.rev), list(args.graphs)
    if len(revs) + len(files) != 2 or (len(revs) == 1 and len(files) != 1):
        raise UsageError(
            "give two sides: OLD NEW graph files, --rev A --rev B, or --rev A NEW "
            f"(got {len(files)} file(s) and {len(revs)} --rev)"
        )
    limits = _limits(args)
    missing = errors.ProblemCollector()  # both sides at once, before any revision is built
    for path in files:
        try:  # the same refusals as every command's reader (a directory, a FIFO, a link …)
            check_graph_file(path, limits)
        except errors.InputError as exc:
            missing.problems.extend(exc.problems)
    missing.raise_if_any()
    if args.build_timeout <= 0:
        raise UsageError("--build-timeout must be greater than 0")
    if args.patch:  # before any work: the patch must not replace a side it compares
        _refuse_overwriting_input([args.patch], files)
        check_writable(args.patch.parent)  # made if missing, as kg html's -o
    progress = _Progress(args.quiet)
    sides: list[tuple[str, list]] = []
    with temporary_workdir() as tmp:
        for rev in revs:
            commit = resolve_revision(args.repo, rev)
            progress.step(f"building revision {rev} ({commit[:12]}) with its own code")
            graph = build_revision(args.repo, commit, Path(tmp), args.build_timeout)
            sides.append((f"revision {rev} ({commit[:12]})", read_quads(graph, limits)))
        for path in files:
            sides.append((str(path), read_quads(path, limits)))
    (old_name, old), (new_name, new) = sides
    exact = None  # the diff of the quads as they are, when the report compares the unions
    named = [any(q[3] is not None for q in quads) for quads in (old, new)]
    if named[0] != named[1]:
        # One side is a union (Turtle, N-Triples) and the other has named graphs: compared
        # graph by graph, every quad of one would differ from its twin in the other.
        flat_name = new_name if named[1] else old_name
        print(
            f"note: {flat_name} has named graphs and the other side has none: the report "
            "compares the union of its graphs (no per-source rows); "
            + ("the patch is exact" if args.patch else "give both sides with named graphs "
               "(.nq, .trig) to compare source by source"),
            file=sys.stderr,
        )  # fmt: skip
        if args.patch:
            exact = diff_quads(old, new, vocab=_vocab(args), lang=args.lang)
        old, new = _union(old), _union(new)
    diff = diff_quads(
        old, new, vocab=_vocab(args), lang=args.lang, old_name=old_name, new_name=new_name
    )
    if args.patch:
        write_atomic(args.patch, to_rdf_patch(exact or diff))
        progress.step(
            f"wrote {args.patch}: {len(diff.removed_quads)} deletions, "
            f"{len(diff.added_quads)} additions"
        )
    sys.stdout.write(to_diff_json(diff) if args.json else for_terminal(to_diff_markdown(diff)))
    return errors.EXIT_DIFFERENT if args.exit_code and diff.differ else errors.EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of ``kg``."""
    from .cache import MAX_ENTRY_BYTES
    from .formats import readable_list
    from .sparqltext import QUERY_MEMORY, QUERY_SECONDS

    graph_file = f"graph file: {readable_list()}"
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Build, validate and explore the vjkg knowledge graph.",
        epilog="Exit codes: 0 ok, 2 usage, 3 bad input, 4 SHACL violations, 5 I/O, "
        "6 remote store, 7 query, 8 kg diff --exit-code: they differ, 130 interrupted.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="build graphs/ from sources/")
    _add_common(p)
    p.add_argument("--out", type=_output_path, default=_default("graphs"), help="output directory")
    p.add_argument(
        "--keep-going",
        action="store_true",
        help="write the outputs even when SHACL finds violations (still exits 4)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="ignore and do not update OUT/.kg-cache/ (a cold build)",
    )
    p.add_argument(
        "--max-cache-entry",
        type=_size,
        default=MAX_ENTRY_BYTES,
        metavar="SIZE",
        help="largest entry of OUT/.kg-cache/ written or read; a larger one is rebuilt "
        f"(default {MAX_ENTRY_BYTES >> 30}G)",
    )
    _add_validator(p)
    p.add_argument(
        "--background-from",
        type=int,
        default=None,
        metavar="QUADS",
        help="validate a graph of at least QUADS quads with the SPARQL engine in a fresh "
        "child process while the exports are written, and a smaller one in a forked copy of "
        "kg (default 50000; 0: always in a fresh child)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail (exit 3) on annotation warnings too, e.g. near-duplicate facts",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("validate", help="validate the graph built from sources/ with SHACL")
    _add_common(p)
    p.add_argument("--report", type=_output_path, help="also write the machine report (Turtle)")
    _add_validator(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("stats", help="counts per class, relation and source")
    _add_common(p)
    p.add_argument(
        "--input", type=Path, help=f"read this {graph_file} instead of building from sources/"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_input_limits(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("conflicts", help="list where sources disagree")
    p.add_argument("--sources", type=Path, default=_default("sources"), help="sources directory")
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_source_limits(p)
    p.set_defaults(func=cmd_conflicts)

    p = sub.add_parser(
        "agreement",
        help="inter-annotator agreement of two annotations of the same sources",
        description="Precision, recall and F1 of the second annotation against the reference, "
        "per source id both have.",
        epilog="Exit codes: 0 ok, 2 no source id in common, 3 bad input, or a source id whose "
        "texts differ between the two (they annotate two documents).",
    )
    p.add_argument("reference", type=Path, help="sources directory of the reference annotation")
    p.add_argument("second", type=Path, help="sources directory of the second annotation")
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_source_limits(p)
    p.set_defaults(func=cmd_agreement)

    p = sub.add_parser("coverage", help="names in the texts that no annotation covers")
    p.add_argument("--sources", type=Path, default=_default("sources"), help="sources directory")
    p.add_argument("--strict", action="store_true", help="exit 3 when there are gaps")
    _add_source_limits(p)
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser(
        "new-source",
        help="a new sources/NNN/ folder from a .txt or .pdf file (never overwrites)",
        description="Write sources/NNN/text.txt (NFC; PDFs through pdftotext, page numbers "
        "and running headers dropped), a meta.yaml skeleton marked REVIEW and an empty "
        "annotations.yaml.",
    )
    p.add_argument("file", type=Path, help="the document: .txt (UTF-8) or .pdf")
    p.add_argument("--id", help="folder number NNN (default: the next free one)")
    p.add_argument("--sources", type=Path, default=_default("sources"), help="sources directory")
    _add_document_limits(p)
    p.set_defaults(func=cmd_new_source)

    p = sub.add_parser(
        "suggest",
        help="write sources/NNN/suggestions.yaml: mentions, new entities and claims to review",
        description="Suggest what sources/NNN/annotations.yaml lacks, offline and "
        "deterministically, each item with confidence and why. Accepting one is moving it.",
    )
    p.add_argument("folder", type=Path, help="the source folder, e.g. sources/004")
    p.add_argument(
        "-o", "--output", type=_output_path, help="output (default FOLDER/suggestions.yaml)"
    )
    p.add_argument(
        "--min-confidence",
        type=_confidence,
        default=0.4,
        help="leave out claims and new entities less sure than this (0.4)",
    )
    _add_source_limits(p)
    p.set_defaults(func=cmd_suggest)

    p = sub.add_parser(
        "review",
        help="an offline HTML page to review a source's annotations and suggestions",
    )
    p.add_argument("folder", type=Path, help="the source folder, e.g. sources/004")
    p.add_argument(
        "-o", "--output", type=_output_path, help="output .html (default FOLDER/review.html)"
    )
    _add_ontology(p)
    p.add_argument(
        "--min-confidence",
        type=_confidence,
        default=0.4,
        help="leave out claims and new entities less sure than this (0.4)",
    )
    p.add_argument(
        "--no-validate", action="store_true", help="skip SHACL (no semantic warnings shown)"
    )
    _add_source_limits(p)
    p.set_defaults(func=cmd_review)

    p = sub.add_parser(
        "html",
        help="draw an RDF file as an interactive HTML page",
        epilog=f"{INPUT_EXITS} 2 when -o names the input itself.",
    )
    p.add_argument("graph", type=Path, help=graph_file)
    p.add_argument(
        "-o", "--output", type=_output_path, help="output .html (default: GRAPH with .html)"
    )
    p.add_argument(
        "--base", type=_base_iri, default=None, help="base IRI of the graph's vocabulary"
    )
    _add_input_limits(p)
    p.set_defaults(func=cmd_html)

    p = sub.add_parser(
        "analyse",
        help="network analysis: central entities, components, communities, Japan–Vietnam bridges",
        epilog=f"{INPUT_EXITS} 2 when --input is one of the files written.",
    )
    p.add_argument(
        "--input", type=Path, default=_default("graphs/kg.nq"), help=f"{graph_file} (graphs/kg.nq)"
    )
    p.add_argument(
        "--out", type=_output_path, default=_default("graphs"), help="output directory (graphs)"
    )
    p.add_argument(
        "--base", type=_base_iri, default=None, help="base IRI of the graph's vocabulary"
    )
    p.add_argument(
        "--include-places",
        action="store_true",
        help="count places (countries, cities) in centrality and bridges (default: left out)",
    )
    _add_input_limits(p)
    p.set_defaults(func=cmd_analyse)

    p = sub.add_parser(
        "path",
        help="how two entities are connected: shortest evidence-backed paths with quotes",
        description="Print the shortest paths of quoted facts between two entities, each hop "
        "with its relation (arrow = direction) and the quotes behind it. Entities are given "
        "by id, label or alias, diacritics- and case-insensitive.",
        epilog="Exit codes: 0 paths printed, or 'No path between …' printed when none exists; "
        "2 a name matches no entity or several (candidates listed); 3 graph file missing, "
        "unreadable or refused.",
    )
    p.add_argument("a", help='entity id, label or alias (e.g. fpt-japan, "bo khoa hoc")')
    p.add_argument("b", help="entity id, label or alias (e.g. METI)")
    p.add_argument(
        "--input", type=Path, default=_default("graphs/kg.nq"), help=f"{graph_file} (graphs/kg.nq)"
    )
    p.add_argument("--max", type=int, default=5, help="print at most N shortest paths (5)")
    p.add_argument(
        "--no-places",
        action="store_true",
        help="do not pass through places (countries, cities): 'located in' links",
    )
    p.add_argument("--lang", choices=["en", "vi", "ja"], default="en", help="label language")
    p.add_argument(
        "--base", type=_base_iri, default=None, help="base IRI of the graph's vocabulary"
    )
    _add_input_limits(p)
    p.set_defaults(func=cmd_path)

    p = sub.add_parser(
        "query",
        help="run a SPARQL query over the built graph",
        description="Run a SPARQL query: a .rq file, a saved query NAME (kg query --list) or "
        "the query text. The default graph is the union of the named graphs (unless the "
        "query says FROM); the graph's prefixes (vjkg:, res:, skos:, …) are predeclared.",
        epilog="--param name=value binds ?name to an RDF term, never pasted into the text: "
        "<iri>, or res:meti with one of the graph's prefixes, is an IRI; "
        '"text", "text"@vi, "5"^^xsd:integer (or ^^<…>) are literals in N-Triples '
        "syntax; a word with a colon that is none of these is refused (quote it for the string: "
        "'\"a:b\"'); anything else is a plain string. "
        "Exit codes: 0 ok, 2 usage, 3 graph file missing, unreadable or refused, 7 query error.",
    )
    p.add_argument("query", nargs="?", help="FILE.rq, saved query NAME, or 'SELECT …'")
    p.add_argument("--list", action="store_true", help="list the saved queries and exit")
    p.add_argument(
        "--format",
        choices=["table", "csv", "tsv", "json", "xml", "turtle", "ntriples"],
        default="table",
        help="output (table)",
    )
    p.add_argument(
        "--input", type=Path, default=_default("graphs/kg.nq"), help=f"{graph_file} (graphs/kg.nq)"
    )
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="bind ?NAME to an RDF term (repeatable)",
    )
    p.add_argument(
        "--queries",
        type=_directory,
        default=None,
        help="folder of saved NAME.rq queries (default: pipeline/queries/)",
    )
    p.add_argument(
        "--truncate",
        type=_non_negative,
        default=80,
        metavar="COLS",
        help="cut table cells wider than COLS columns (0: never; default 80)",
    )
    p.add_argument("--time", action="store_true", help="print load and query times on stderr")
    p.add_argument(
        "--timeout",
        type=float,
        default=QUERY_SECONDS,
        metavar="SECONDS",
        help=f"stop a query that runs longer than this, once the graph is loaded "
        f"(default {QUERY_SECONDS:g})",
    )
    p.add_argument(
        "--max-memory",
        type=_size,
        default=QUERY_MEMORY,
        metavar="SIZE",
        help="stop a query whose own memory (beyond the loaded graph) passes this "
        f"(default {_show_size(QUERY_MEMORY)})",
    )
    p.add_argument(
        "--base", type=_base_iri, default=None, help="base IRI of the graph's vocabulary"
    )
    _add_query_caps(p)
    _add_input_limits(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser(
        "serve",
        help="a read-only SPARQL 1.1 endpoint over the built graph",
        description="Serve the graph at http://HOST:PORT/sparql (SPARQL 1.1 Protocol: GET "
        "?query=, POST application/sparql-query or form; GET without a query gives the "
        "service description). / lists the saved queries. Updates (403), LOAD, SERVICE and "
        "FROM with remote graphs are refused; query workers have no network access, a memory "
        "cap per query and a byte cap per answer.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (8765; 0 picks a free one)")
    p.add_argument(
        "--input", type=Path, default=_default("graphs/kg.nq"), help=f"{graph_file} (graphs/kg.nq)"
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per query (10)")
    p.add_argument(
        "--max-results",
        type=int,
        default=10_000,
        help="refuse results with more rows or triples (10000)",
    )
    p.add_argument("--workers", type=int, default=2, help="query worker processes (2)")
    p.add_argument(
        "--max-result-mb",
        type=float,
        default=16,
        help="refuse answers larger than this many MiB (16)",
    )
    p.add_argument(
        "--max-memory-mb",
        type=int,
        default=1024,
        help="memory one query may use in its worker, beyond the graph, MiB (1024)",
    )
    p.add_argument(
        "--max-held-mb",
        type=float,
        default=256,
        help="MiB of answers the server holds, in all, while clients read them; past it an "
        "answer is 503 (256)",
    )
    p.add_argument(
        "--long-after",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="a query running longer is long; long queries may hold all workers but one (2)",
    )
    p.add_argument(
        "--queries",
        type=_directory,
        default=None,
        help="folder of saved NAME.rq queries (default: pipeline/queries/)",
    )
    p.add_argument(
        "--cors",
        default="*",
        metavar="ORIGIN|*|none",
        help="origins browsers may query from: * (any, without credentials; default), none, "
        "or comma-separated origins such as https://yasgui.example",
    )
    p.add_argument(
        "--max-request-bytes",
        type=int,
        default=1_000_000,
        help="refuse request bodies larger than this (1000000)",
    )
    p.add_argument(
        "--idle-timeout",
        type=float,
        default=30.0,
        help="seconds a connection may stay idle or take to send a request (30)",
    )
    p.add_argument(
        "--max-connections",
        type=int,
        default=64,
        help="open connections served at once; more are answered 503 (64)",
    )
    _add_query_caps(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no request log on stderr")
    _add_input_limits(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "diff",
        help="what changed between two graph files or two git revisions",
        description="Compare OLD with NEW: facts added, removed and changed (a qualifier "
        "old -> new), entities added, removed or relabelled, evidence added or removed, a "
        "summary per source. Each side is a graph file (.nq, .trig, .nt, .ttl, .jsonld) or a "
        "git revision (--rev), built from its own sources/ by its own code in a temporary "
        "folder (git archive); the working tree is not touched.",
        epilog="Exit codes: 0 compared (whether or not they differ); 8 they differ (only "
        "with --exit-code); 2 usage or unknown revision; 3 a graph file missing, unreadable "
        "or refused (over a cap), or a revision that does not build.",
    )
    p.add_argument("graphs", nargs="*", type=Path, metavar="GRAPH", help="OLD and NEW files")
    p.add_argument(
        "--rev",
        action="append",
        default=[],
        metavar="REV",
        help="a git revision as a side (twice: OLD then NEW; once: OLD, with NEW a file)",
    )
    p.add_argument("--repo", type=Path, default=Path("."), help="git repository for --rev (.)")
    p.add_argument(
        "--build-timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="give up building a --rev after this long (600)",
    )
    p.add_argument("--lang", choices=["en", "vi", "ja"], default="en", help="label language (en)")
    p.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    p.add_argument(
        "--patch",
        type=_output_path,
        metavar="FILE",
        help="also write an RDF Patch turning OLD into NEW",
    )
    p.add_argument("--exit-code", action="store_true", help="exit 8 when they differ (as git diff)")
    p.add_argument(
        "--base", type=_base_iri, default=None, help="base IRI of the graph's vocabulary"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    _add_input_limits(p)
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser(
        "push",
        help="write the named graphs into a SPARQL 1.1 Graph Store endpoint",
        description="PUT each named graph of --input to ENDPOINT?graph=IRI (idempotent: a "
        "second push leaves the store identical). Retries connection errors, 429 and 5xx "
        "with exponential back-off.",
        epilog="Endpoints: Oxigraph http://HOST:7878/store; Fuseki http://HOST:3030/DS/data; "
        "GraphDB http://HOST:7200/repositories/REPO/rdf-graphs/service; Virtuoso "
        "http://HOST:8890/sparql-graph-crud. Redirects are not followed (the target is named). "
        "Blank nodes are sent as skolem IRIs BASE.well-known/genid/HASH, so one shared by two "
        "graphs stays one node. Exit codes: 0 all written (and, with --since, verified), "
        "2 usage, 3 input missing, unreadable or refused, 6 the store failed or "
        "(--no-fallback) does not hold OLD, 130 interrupted (the table shows what reached "
        "the store).",
    )
    p.add_argument("--endpoint", required=True, help="Graph Store Protocol URL")
    p.add_argument(
        "--input", type=Path, default=_default("graphs/kg.nq"), help=f"{graph_file} (graphs/kg.nq)"
    )
    p.add_argument(
        "--since",
        type=Path,
        metavar="OLD",
        help="send only the difference from OLD (the file last pushed) as SPARQL Update, "
        "after checking the store holds OLD; otherwise a full PUT",
    )
    p.add_argument(
        "--update-endpoint",
        metavar="URL",
        help="SPARQL Update URL for --since (default: derived from --endpoint: "
        "…/store → …/update for Oxigraph, …/data → …/update for Fuseki)",
    )
    p.add_argument(
        "--no-fallback",
        action="store_true",
        help="with --since: exit 6 instead of a full PUT when the store does not hold OLD",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="deadline for each whole request (connect, send, answer), seconds (30)",
    )
    p.add_argument("--retries", type=int, default=3, help="retries per graph (3)")
    p.add_argument(
        "--backoff",
        type=float,
        default=0.5,
        help="first retry delay in seconds, doubled each time (0.5)",
    )
    _add_input_limits(p)
    p.set_defaults(func=cmd_push)
    return parser


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class _IllTypedLiterals(logging.Filter):
    """rdflib's warning for a literal outside its datatype's lexical space (``"abc"^^
    xsd:integer``, legal RDF that a graph file may hold) printed a traceback per literal.
    It becomes one line per datatype on stderr; the literal is kept as written."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if not message.startswith("Failed to convert Literal lexical form"):
            return True
        datatype = message.partition("Datatype=")[2].partition(",")[0]
        if datatype not in self.seen:
            self.seen.add(datatype)
            why = f" ({record.exc_info[1]})" if record.exc_info and record.exc_info[1] else ""
            print(
                f"kg: warning: a literal typed <{datatype}> is not a valid value of it{why}; "
                "it is kept as written and compared as text",
                file=sys.stderr,
            )
        return False


_ILL_TYPED = _IllTypedLiterals()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kg`` console script; returns the exit code."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    _ILL_TYPED.seen.clear()  # each run warns afresh (tests call main many times)
    logging.getLogger("rdflib.term").addFilter(_ILL_TYPED)  # once: a filter is not added twice
    try:  # making the parser imports modules: Ctrl-C may come while it does
        parser = make_parser()
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    except KeyboardInterrupt:
        print("kg: interrupted; earlier outputs are intact", file=sys.stderr)
        return errors.EXIT_INTERRUPTED
    try:
        return int(args.func(args))
    except errors.InputError as exc:
        print(exc, file=sys.stderr)
        n = len(exc.problems)
        print(
            f"kg: {n} problem{'s' if n != 1 else ''} in the input; nothing was written",
            file=sys.stderr,
        )
        return exc.exit_code
    except VjkgError as exc:
        print(f"kg: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("kg: interrupted; earlier outputs are intact", file=sys.stderr)
        return errors.EXIT_INTERRUPTED
    except BrokenPipeError:
        return errors.EXIT_OK
    except OSError as exc:
        where = f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc) or repr(exc)
        print(f"kg: {where}", file=sys.stderr)
        return errors.EXIT_IO
    except Exception as exc:  # a bug: say so plainly; the traceback only on request
        if os.environ.get("KG_DEBUG"):
            raise
        print(
            f"kg: internal error: {type(exc).__name__}: {exc} — this is a bug; "
            "rerun with KG_DEBUG=1 for the traceback and report it",
            file=sys.stderr,
        )
        return errors.EXIT_INTERNAL


def run() -> int:
    """The ``kg`` command: :func:`main`, then the process ends as soon as the exit handlers
    have run (:func:`pipeline.ending.end_without_teardown`)."""
    from .ending import end_without_teardown, exit_code

    end_without_teardown()
    try:
        return exit_code(main())
    except SystemExit as exc:  # as the interpreter would end with it
        exit_code(exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1)
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())


__all__ = ["main", "make_parser", "run"]
