"""The ``kg`` command: thin wrappers over the pipeline's functions.

Reading and writing files, printing and exit codes live here; the stages are plain
functions tested without the CLI. Exit codes: see :mod:`pipeline.errors` and README.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import errors
from .errors import OutputError, UsageError, VjkgError

ROOT_HINT = "run kg from the repository root, or pass --sources/--ontology"


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


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sources", type=Path, default=_default("sources"), help="sources directory")
    p.add_argument("--ontology", type=Path, default=_default("ontology"), help="ontology directory")
    p.add_argument("--base", default=None, help="base IRI (default https://w3id.org/vjkg/)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")


def _vocab(args: argparse.Namespace):
    from .vocab import Vocabulary

    return Vocabulary(args.base) if args.base else Vocabulary()


def _load_and_build(args: argparse.Namespace, progress: _Progress, cache=None):
    from .build import build_dataset, load_ontology
    from .cache import cached_source_loader
    from .load import load_corpus

    vocab = _vocab(args)
    onto_path = args.ontology / "vjkg.ttl"
    if not onto_path.is_file():
        raise OutputError(f"{onto_path}: ontology not found — {ROOT_HINT}")
    progress.step(f"loading {args.sources}")
    corpus = load_corpus(
        args.sources, cached_source_loader(cache, args.sources) if cache is not None else None
    )
    for note in corpus.notes:
        print(f"note: {note}", file=sys.stderr)
    if corpus.warnings and getattr(args, "strict", False):
        raise errors.InputError(list(corpus.warnings))  # --strict: warnings fail (exit 3)
    for warning in corpus.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    progress.step(
        f"loaded {len(corpus.entities)} entities, {len(corpus.sources)} sources, "
        f"{len(corpus.claims)} claims, {len(corpus.mentions)} mentions"
    )
    dataset = build_dataset(corpus, load_ontology(onto_path, vocab), vocab)
    progress.step(f"built {len(dataset)} quads in {len(dataset.graphs)} named graphs")
    return corpus, dataset, vocab


def _labels(dataset) -> dict:
    from rdflib import Literal
    from rdflib.namespace import RDFS

    out = {}
    label = RDFS.label
    for triples in dataset.graphs.values():
        for s, p, o in triples:
            if p == label and isinstance(o, Literal) and o.language == "en":
                out[s] = str(o)
    return out


def _validate(args: argparse.Namespace, dataset, vocab, progress: _Progress, cache=None):
    from .validate import load_shapes, validate_triples

    shapes_path = args.ontology / "shapes.ttl"
    if not shapes_path.is_file():
        raise OutputError(f"{shapes_path}: shapes not found — {ROOT_HINT}")
    progress.step("validating with SHACL (pyshacl)")
    # Partitioned over the CPUs for large graphs; one pySHACL run for small ones.
    workers = 1 if len(dataset) < 50_000 else None
    report = validate_triples(
        dataset.graphs, load_shapes(shapes_path), dataset.origins, workers, cache=cache
    )
    progress.step(
        f"validation: {len(report.violations)} violation(s), {len(report.warnings)} warning(s)"
    )
    return report


def cmd_build(args: argparse.Namespace) -> int:
    """``kg build``: load, anchor, build, validate, export, draw."""
    from .conflicts import find_conflicts, to_conflicts_json
    from .export import iter_rendered
    from .html import to_html
    from .network import to_networkx
    from .outputs import build_lock, check_writable, remove_stale_temporaries, staged_files
    from .stats import compute_stats, to_stats_json
    from .validate import to_report_graph, to_report_text

    progress = _Progress(args.quiet)
    out: Path = args.out
    check_writable(out)  # before any work
    with build_lock(out):
        remove_stale_temporaries(out)
        # Per-source and per-partition results of earlier builds (pipeline/cache.py).
        from .cache import CACHE_DIR, DiskCache

        cache = None if getattr(args, "no_cache", False) else DiskCache(out / CACHE_DIR)
        corpus, dataset, vocab = _load_and_build(args, progress, cache)
        report = _validate(args, dataset, vocab, progress, cache)
        labels = _labels(dataset)
        keep_going = getattr(args, "keep_going", False)
        if not report.conforms and not keep_going:
            sys.stderr.write(to_report_text(report, labels))
            raise errors.NotConformingError(
                f"the graph does not conform to {args.ontology / 'shapes.ttl'}: "
                f"{len(report.violations)} violation(s) listed above; {out}/ was left unchanged"
            )
        quads = list(dataset.quads())  # writers sort
        prefixes = vocab.prefixes()
        # Each file goes to disk as soon as it is rendered (memory stays flat on big
        # graphs); all are renamed into place together at the end, or none are.
        with staged_files(out) as stage:
            for name, pieces in iter_rendered(quads, prefixes):
                stage.put(name, pieces)  # written piece by piece, never whole in memory
                progress.step(f"rendered {name}")
            from .export import to_turtle

            stage.put(
                "validation.ttl",
                to_turtle(
                    [(s, p, o, None) for s, p, o in to_report_graph(report, vocab)],
                    {**prefixes, "sh": "http://www.w3.org/ns/shacl#"},
                ),
            )
            stage.put("validation.txt", to_report_text(report, labels))
            stage.put("stats.json", to_stats_json(compute_stats(quads, vocab)))
            conflicts = find_conflicts(corpus)
            stage.put("conflicts.json", to_conflicts_json(conflicts))
            progress.step("rendered reports, stats and conflicts")
            from .analyse import render_analysis

            network = to_networkx(quads, vocab)  # for the analysis and the explorer
            for name, text in render_analysis(network, vocab).items():  # analysis.json, .md
                stage.put(name, text)
            progress.step("rendered analysis")
            stage.put("ontology.html", _ontology_page(args.ontology / "vjkg.ttl", prefixes))
            stage.put("kg.html", to_html(network))
            progress.step("rendered kg.html")
            written = len(stage.names)
        progress.step(f"wrote {written} files to {out}/")
        if cache is not None:
            cache.prune()
            missed = cache.misses
            if len(missed) > 12:  # a cold build reprocesses everything: say how much
                redone = f"{len(missed)} items: {missed[:5]} and {len(missed) - 5} more"
            else:
                redone = str(missed or "nothing")
            progress.step(f"cache: {cache.hits} reused, reprocessed {redone}")
    if not report.conforms:
        raise errors.NotConformingError(
            f"the graph does not conform to {args.ontology / 'shapes.ttl'}: "
            f"{len(report.violations)} violation(s), listed in {out}/validation.txt; "
            f"--keep-going wrote {out}/ anyway"
        )
    print(
        f"built {out}/: {len(dataset)} quads, {len(corpus.entities)} entities, "
        f"{len(corpus.claims)} claims; SHACL conforms; {len(conflicts)} conflict(s) between "
        "sources kept and listed by `kg conflicts`"
    )
    return errors.EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """``kg validate``: build in memory and print the SHACL report."""
    from .export import to_turtle
    from .outputs import write_atomic
    from .validate import to_report_graph, to_report_text

    progress = _Progress(args.quiet)
    _, dataset, vocab = _load_and_build(args, progress)
    report = _validate(args, dataset, vocab, progress)
    sys.stdout.write(to_report_text(report, _labels(dataset)))
    if args.report:
        graph = to_report_graph(report, vocab)
        triples = [(s, p, o, None) for s, p, o in graph]
        write_atomic(args.report, to_turtle(triples, vocab.prefixes()))
    return errors.EXIT_OK if report.conforms else errors.EXIT_NOT_CONFORMING


def cmd_stats(args: argparse.Namespace) -> int:
    """``kg stats``: counts per class, relation and source."""
    from .readers import read_quads
    from .stats import compute_stats, to_stats_json, to_stats_text

    if args.input:
        quads = read_quads(args.input)
        vocab = _vocab(args)
    else:
        _, dataset, vocab = _load_and_build(args, _Progress(args.quiet))
        quads = list(dataset.quads())
    stats = compute_stats(quads, vocab)
    sys.stdout.write(to_stats_json(stats) if args.json else to_stats_text(stats))
    return errors.EXIT_OK


def cmd_conflicts(args: argparse.Namespace) -> int:
    """``kg conflicts``: where sources disagree (every claim stays in the graph)."""
    from .conflicts import find_conflicts, to_conflicts_json, to_conflicts_text
    from .load import load_corpus

    conflicts = find_conflicts(load_corpus(args.sources))
    sys.stdout.write(to_conflicts_json(conflicts) if args.json else to_conflicts_text(conflicts))
    return errors.EXIT_OK


def cmd_coverage(args: argparse.Namespace) -> int:
    """``kg coverage``: names in the texts that no claim or mention covers."""
    from .coverage import find_gaps, load_ignore_list, to_coverage_text, unused_ignores
    from .load import load_corpus

    corpus = load_corpus(args.sources)
    ignore = load_ignore_list(args.sources / "coverage-ignore.yaml", corpus)
    gaps = find_gaps(corpus, ignore)
    stale = unused_ignores(corpus, ignore)
    sys.stdout.write(to_coverage_text(gaps, corpus, stale))
    clean = not gaps and not stale
    return errors.EXIT_OK if clean or not args.strict else errors.EXIT_BAD_INPUT


def cmd_html(args: argparse.Namespace) -> int:
    """``kg html GRAPH [-o OUT]``: draw any RDF file as the explorer page."""
    from .html import to_html
    from .network import to_networkx
    from .outputs import check_writable, write_atomic
    from .readers import read_quads

    out = args.output or args.graph.with_suffix(".html")
    check_writable(out.parent)
    quads = read_quads(args.graph)
    g = to_networkx(quads, _vocab(args))
    write_atomic(out, to_html(g))
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

    if not path.is_file():
        raise OutputError(f"{path}: no such graph file — run `kg build` first, or pass --input")
    return to_networkx(read_quads(path), _vocab(args))


def cmd_analyse(args: argparse.Namespace) -> int:
    """``kg analyse``: centrality, components, communities, bridges → analysis.md/.json."""
    from .analyse import analyse_network, to_analysis_json, to_analysis_markdown
    from .outputs import check_writable, commit_files

    check_writable(args.out)
    analysis = analyse_network(_read_graph(args.input, args), _vocab(args))
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
    sys.stdout.write(to_path_text(g, result, args.lang, args.no_places))
    return errors.EXIT_OK


def _ontology_page(path: Path, prefixes: dict[str, str]) -> str:
    """graphs/ontology.html: the ontology's documentation page."""
    from .ontodoc import to_ontology_html
    from .readers import read_quads

    return to_ontology_html(read_quads(path), prefixes)


def cmd_query(args: argparse.Namespace) -> int:
    """``kg query``: run a SPARQL query (file, saved name or text) over the built graph."""
    from .query import (
        count_quads,
        list_saved_queries,
        open_store,
        parse_param,
        resolve_query,
        run_query,
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
    prefixes = _vocab(args).prefixes()
    query = resolve_query(args.query, args.queries)
    params = [parse_param(spec, prefixes) for spec in args.param]
    t0 = time.perf_counter()
    store = open_store(args.input)
    t1 = time.perf_counter()
    shape = scan_query(query.text, prefixes)
    ours = {g.value for g in store.named_graphs()} if shape.has_dataset_clause else set()
    for iri in (*shape.from_graphs, *shape.from_named_graphs):
        if iri not in ours:
            print(
                f"kg: note: FROM <{iri}> is not a graph in {args.input}; it is empty "
                "(nothing is fetched)",
                file=sys.stderr,
            )
    result = run_query(store, query.text, origin=query.origin, params=params, prefixes=prefixes)
    t2 = time.perf_counter()
    sys.stdout.write(to_output(result, args.format, prefixes, args.truncate))
    if args.time:
        print(
            f"kg: loaded {count_quads(store)} quads in {(t1 - t0) * 1000:.1f} ms; query "
            f"{(t2 - t1) * 1000:.1f} ms; {len(result)} result(s)",
            file=sys.stderr,
        )
    return errors.EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """``kg serve``: a read-only SPARQL endpoint over the built graph, until Ctrl-C."""
    from .serve import ServeConfig, SparqlServer, run_server

    for name in ("timeout", "max_results", "workers"):
        if getattr(args, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be greater than 0")
    config = ServeConfig(
        input=args.input,
        host=args.host,
        port=args.port,
        timeout=args.timeout,
        max_results=args.max_results,
        workers=args.workers,
        queries_dir=args.queries,
        quiet=args.quiet,
    )

    def announce(server: SparqlServer) -> None:
        url = f"http://{args.host}:{server.server_port}"
        print(
            f"serving {server.pool.quads} quads from {args.input} at {url}/ "
            f"(SPARQL endpoint {url}/sparql); Ctrl-C to stop",
            flush=True,
        )

    try:
        run_server(config, announce)
    except KeyboardInterrupt:
        print("kg serve: stopped", file=sys.stderr)
    return errors.EXIT_OK


def cmd_push(args: argparse.Namespace) -> int:
    """``kg push``: PUT each named graph into a SPARQL 1.1 Graph Store endpoint."""
    from .push import (
        check_endpoint,
        push_graphs,
        raise_for_report,
        read_graph_payloads,
        to_push_summary,
    )

    check_endpoint(args.endpoint)
    if args.timeout <= 0 or args.retries < 0 or args.backoff < 0:
        raise UsageError("--timeout must be > 0, --retries and --backoff ≥ 0")
    payloads = read_graph_payloads(args.input)
    report = push_graphs(
        args.endpoint, payloads, timeout=args.timeout, retries=args.retries, backoff=args.backoff
    )
    sys.stdout.write(to_push_summary(report))
    raise_for_report(report)
    return errors.EXIT_OK


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of ``kg``."""
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Build, validate and explore the vjkg knowledge graph.",
        epilog="Exit codes: 0 ok, 2 usage, 3 bad input, 4 SHACL violations, 5 I/O, "
        "6 remote store, 7 query, 130 interrupted.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="build graphs/ from sources/")
    _add_common(p)
    p.add_argument("--out", type=Path, default=_default("graphs"), help="output directory")
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
        "--strict",
        action="store_true",
        help="fail (exit 3) on annotation warnings too, e.g. near-duplicate facts",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("validate", help="validate the graph built from sources/ with SHACL")
    _add_common(p)
    p.add_argument("--report", type=Path, help="also write the machine report (Turtle)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("stats", help="counts per class, relation and source")
    _add_common(p)
    p.add_argument("--input", type=Path, help="an RDF file instead of building from sources/")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("conflicts", help="list where sources disagree")
    p.add_argument("--sources", type=Path, default=_default("sources"), help="sources directory")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_conflicts)

    p = sub.add_parser("coverage", help="names in the texts that no annotation covers")
    p.add_argument("--sources", type=Path, default=_default("sources"), help="sources directory")
    p.add_argument("--strict", action="store_true", help="exit 3 when there are gaps")
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("html", help="draw an RDF file as an interactive HTML page")
    p.add_argument("graph", type=Path, help="Turtle, TriG, N-Triples, N-Quads or JSON-LD file")
    p.add_argument("-o", "--output", type=Path, help="output .html (default: GRAPH with .html)")
    p.add_argument("--base", default=None, help="base IRI of the graph's vocabulary")
    p.set_defaults(func=cmd_html)

    p = sub.add_parser(
        "analyse",
        help="network analysis: central entities, components, communities, Japan–Vietnam bridges",
    )
    p.add_argument(
        "--input", type=Path, default=_default("graphs/kg.nq"), help="RDF file (graphs/kg.nq)"
    )
    p.add_argument("--out", type=Path, default=_default("graphs"), help="output directory (graphs)")
    p.add_argument("--base", default=None, help="base IRI of the graph's vocabulary")
    p.set_defaults(func=cmd_analyse)

    p = sub.add_parser(
        "path",
        help="how two entities are connected: shortest evidence-backed paths with quotes",
        description="Print the shortest paths of quoted facts between two entities, each hop "
        "with its relation (arrow = direction) and the quotes behind it. Entities are given "
        "by id, label or alias, diacritics- and case-insensitive.",
        epilog="Exit codes: 0 paths printed, or 'No path between …' printed when none exists; "
        "2 a name matches no entity or several (candidates listed); 3 unreadable graph; "
        "5 graph file missing.",
    )
    p.add_argument("a", help='entity id, label or alias (e.g. fpt-japan, "bo khoa hoc")')
    p.add_argument("b", help="entity id, label or alias (e.g. METI)")
    p.add_argument(
        "--input", type=Path, default=_default("graphs/kg.nq"), help="RDF file (graphs/kg.nq)"
    )
    p.add_argument("--max", type=int, default=5, help="print at most N shortest paths (5)")
    p.add_argument(
        "--no-places",
        action="store_true",
        help="do not pass through places (countries, cities): 'located in' links",
    )
    p.add_argument("--lang", choices=["en", "vi", "ja"], default="en", help="label language")
    p.add_argument("--base", default=None, help="base IRI of the graph's vocabulary")
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
        "syntax; anything else is a plain string (quote it to keep a colon: '\"a:b\"'). "
        "Exit codes: 0 ok, 2 usage, 3 unreadable graph, 5 graph file missing, 7 query error.",
    )
    p.add_argument("query", nargs="?", help="FILE.rq, saved query NAME, or 'SELECT …'")
    p.add_argument("--list", action="store_true", help="list the saved queries and exit")
    p.add_argument(
        "--format",
        choices=["table", "csv", "tsv", "json", "xml", "turtle", "ntriples"],
        default="table",
        help="output (table)",
    )
    p.add_argument("--input", type=Path, default=_default("graphs/kg.nq"), help="RDF file")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="bind ?NAME to an RDF term (repeatable)",
    )
    p.add_argument(
        "--queries",
        type=Path,
        default=None,
        help="folder of saved NAME.rq queries (default: pipeline/queries/)",
    )
    p.add_argument(
        "--truncate",
        type=int,
        default=80,
        metavar="COLS",
        help="cut table cells wider than COLS columns (0: never; default 80)",
    )
    p.add_argument("--time", action="store_true", help="print load and query times on stderr")
    p.add_argument("--base", default=None, help="base IRI of the graph's vocabulary")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser(
        "serve",
        help="a read-only SPARQL 1.1 endpoint over the built graph",
        description="Serve the graph at http://HOST:PORT/sparql (SPARQL 1.1 Protocol: GET "
        "?query=, POST application/sparql-query or form). / lists the saved queries. "
        "Updates, LOAD, SERVICE and FROM with remote graphs are refused.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (8765; 0 picks a free one)")
    p.add_argument("--input", type=Path, default=_default("graphs/kg.nq"), help="RDF file")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per query (10)")
    p.add_argument(
        "--max-results",
        type=int,
        default=10_000,
        help="refuse results with more rows or triples (10000)",
    )
    p.add_argument("--workers", type=int, default=2, help="query worker processes (2)")
    p.add_argument(
        "--queries",
        type=Path,
        default=None,
        help="folder of saved NAME.rq queries (default: pipeline/queries/)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no request log on stderr")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "push",
        help="write the named graphs into a SPARQL 1.1 Graph Store endpoint",
        description="PUT each named graph of --input to ENDPOINT?graph=IRI (idempotent: a "
        "second push leaves the store identical). Retries connection errors, 429 and 5xx "
        "with exponential back-off.",
        epilog="Endpoints: Oxigraph http://HOST:7878/store; Fuseki http://HOST:3030/DS/data; "
        "GraphDB http://HOST:7200/repositories/REPO/rdf-graphs/service; Virtuoso "
        "http://HOST:8890/sparql-graph-crud. Exit codes: 0 all written, 2 usage, 3 unreadable "
        "input, 5 input missing, 6 the store failed.",
    )
    p.add_argument("--endpoint", required=True, help="Graph Store Protocol URL")
    p.add_argument("--input", type=Path, default=_default("graphs/kg.nq"), help="RDF file")
    p.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="connect and read timeout per request, seconds (30)",
    )
    p.add_argument("--retries", type=int, default=3, help="retries per graph (3)")
    p.add_argument(
        "--backoff",
        type=float,
        default=0.5,
        help="first retry delay in seconds, doubled each time (0.5)",
    )
    p.set_defaults(func=cmd_push)
    return parser


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kg`` console script; returns the exit code."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
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
        print(f"kg: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["main", "make_parser"]
