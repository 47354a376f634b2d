"""The benchmark harness behind ``make bench``: the real ``kg`` CLI at 10k, 100k and 1M triples.

    python bench/run.py [--sizes 10000,100000,1000000] [--work bench/out] [--results bench]
                        [--naive-timeout 900] [--profile-max 100000] [--smoke]
    python bench/run.py --queries-only [--sizes ...]   # the queries again, on earlier graphs

For each size it generates a corpus (bench/generate.py, with SHACL violations), then runs
and records wall time and peak memory (the largest sum of RSS over the process tree,
sampled every 50 ms, and the kernel's per-process maximum):

- ``kg build --keep-going`` — per stage from its progress lines: load + anchor, build,
  validate, each export, reports, analysis, html, commit;
- the same build again after editing one source (incremental), checked byte-identical
  against a cold full build of the edited corpus;
- ``kg html`` on the built N-Quads, and ``kg query --time`` for every saved query (with
  ``--param entity=…`` for those that take it) and a 2-hop join; a query that fails is
  listed as failed in the targets table;
- the floors, measured in the same run: pyoxigraph parse + serialise of the same N-Quads,
  Jena SHACL on the same data and shapes, and rdflib + pySHACL doing the job naively (parse,
  validate, serialise Turtle; cut at ``--naive-timeout`` and reported as "> N s").

Results go to ``bench/results.json`` and ``bench/results.md`` (``--results``), profiles
(pyinstrument, main process) to ``bench/profiles/``. ``--smoke`` is the fast 10k run used by
tests/test_bench.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402

KG = [sys.executable, "-m", "pipeline.cli"]
JENA = ROOT.parent / "shared" / "tools" / "jena"
QUERY_ENTITY = "org-00000"  # the entity the entity-parameter queries are asked about
TWO_HOP = (
    "PREFIX vjkg: <https://w3id.org/vjkg/ontology#> "
    "SELECT ?a ?b ?c WHERE { ?a vjkg:memberOf ?b . ?b vjkg:partnerOf ?c }"
)
# Progress line → stage it ends, in the order kg build prints them. The validation runs in a
# background process (a forked one on a small graph) while the exports are rendered: its line then
# comes late and says how long the child took (the "validate" stage), and the time the
# parent waited for it is "validation wait". The analysis then also runs in a child while
# the explorer is drawn: its stage is the wait for it after kg.html.
STAGES = [
    ("loaded ", "load+anchor"),
    ("built ", "build"),
    ("validation: ", "validate"),
    ("rendered kg.ttl", "export kg.ttl"),
    ("rendered kg.trig", "export kg.trig"),
    ("rendered kg.nt", "export kg.nt"),
    ("rendered kg.nq", "export kg.nq"),
    ("rendered kg.jsonld", "export kg.jsonld"),
    ("built the entity network", "network"),
    ("rendered stats", "stats+conflicts"),
    ("rendered analysis", "analysis"),
    ("rendered kg.html", "html"),
    ("rendered the validation", "validation reports"),
    ("wrote ", "commit"),
]
STAGE_NAMES = [name for _, name in STAGES]
STAGE_NAMES.insert(STAGE_NAMES.index("validate") + 1, "validation wait")
BACKGROUND = re.compile(r"validation: .*\(sparql, ([0-9.]+) s in a (background|forked) process\)")
EXPORTS = [s for _, s in STAGES if s.startswith("export ")]


@dataclass
class Run:
    """One measured child process."""

    cmd: list[str]
    wall: float = 0.0
    peak_tree_mb: float = 0.0
    peak_proc_mb: float = 0.0
    returncode: int | None = None
    timed_out: bool = False
    stdout: str = ""
    stderr: str = ""
    lines: list[tuple[float, str]] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        """What goes into results.json."""
        return {
            "seconds": round(self.wall, 3),
            "peak_rss_mb": round(self.peak_tree_mb, 1),
            "peak_rss_one_process_mb": round(self.peak_proc_mb, 1),
            "returncode": self.returncode,
            "timed_out": self.timed_out,
        }


def measure(cmd: list[str], timeout: float | None = None, cwd: Path = ROOT) -> Run:
    """Run ``cmd``, sampling the RSS of its process tree; kill it after ``timeout`` s."""
    run = Run(cmd)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd)
        ps = psutil.Process(proc.pid)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                run.returncode = os.waitstatus_to_exitcode(status)
                run.peak_proc_mb = usage.ru_maxrss / 1024
                proc.returncode = run.returncode
                break
            try:
                tree = [ps, *ps.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in tree)
                run.peak_tree_mb = max(run.peak_tree_mb, rss / 2**20)
            except psutil.Error:
                pass
            if timeout is not None and time.monotonic() - t0 > timeout:
                run.timed_out = True
                for p in ps.children(recursive=True):
                    p.kill()
                proc.kill()
            time.sleep(0.05)
        run.wall = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        run.stdout = out.read().decode("utf-8", "replace")
        run.stderr = err.read().decode("utf-8", "replace")
    run.peak_tree_mb = max(run.peak_tree_mb, run.peak_proc_mb)
    for line in run.stderr.splitlines():
        m = re.match(r"\[\s*([0-9.]+)s\] (.*)", line)
        if m:
            run.lines.append((float(m.group(1)), m.group(2)))
    return run


def stage_times(run: Run) -> dict[str, float]:
    """Seconds per stage of ``kg build`` from its progress lines."""
    times: dict[str, float] = {}
    previous = 0.0
    for stamp, text in run.lines:
        if text.startswith("validating"):
            previous = stamp
            continue
        background = BACKGROUND.match(text)
        if background:  # the child's own time; the parent's wait since its previous line
            times["validate"] = float(background.group(1))
            times["validation wait"] = round(stamp - previous, 3)
            previous = stamp
            continue
        for prefix, stage in STAGES:
            if text.startswith(prefix) and stage not in times:
                times[stage] = round(stamp - previous, 3)
                previous = stamp
                break
    return times


def edit_one_source(sources: Path) -> Path:
    """Change one source's title (the middle one): a real edit that changes its graph."""
    folders = sorted(p for p in sources.iterdir() if p.is_dir())
    meta = folders[len(folders) // 2] / "meta.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace('  vi: "', '  vi: "[đã sửa] ', 1), encoding="utf-8")
    return meta


def same_outputs(a: Path, b: Path) -> list[str]:
    """Names of non-dot files that differ between two output directories."""
    names = {p.name for d in (a, b) for p in d.iterdir() if not p.name.startswith(".")}
    return sorted(
        n
        for n in names
        if not (a / n).is_file()
        or not (b / n).is_file()
        or (a / n).read_bytes() != (b / n).read_bytes()
    )


_FLOOR = """
import sys, time, pyoxigraph as ox
t = time.perf_counter()
quads = list(ox.parse(path=sys.argv[1], format=ox.RdfFormat.N_QUADS))
t1 = time.perf_counter()
data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
t2 = time.perf_counter()
print(len(quads), round(t1 - t, 3), round(t2 - t1, 3), len(data))
"""

_EXPORT_ONLY = """
import sys
from pathlib import Path
from pipeline.export import to_nquads, to_ntriples
from pipeline.run import build
quads = list(build(Path(sys.argv[1]), Path("ontology"), validate=False).dataset.quads())
Path(sys.argv[2], "kg.nq").write_text(to_nquads(quads), encoding="utf-8")
Path(sys.argv[2], "kg.nt").write_text(to_ntriples(quads), encoding="utf-8")
"""

# "Build + all exports without validation", measured alone: kg build's own steps (the
# parallel load, the build, the sorted rows, the five exports staged and committed as
# kg build writes them), with no validation on the other core.
_BUILD_EXPORTS = """
import sys, time
from pathlib import Path
from pipeline.export import iter_rendered
from pipeline.outputs import staged_files
from pipeline.run import build

def main():
    t = time.perf_counter()
    def step(name):
        nonlocal t
        now = time.perf_counter()
        print(name, round(now - t, 3), flush=True)
        t = now
    result = build(Path(sys.argv[1]), Path("ontology"), validate=False, parallel_load=True)
    step("load+build")
    rows = result.rows
    step("rows")
    with staged_files(Path(sys.argv[2])) as stage:
        for name, pieces in iter_rendered(rows, result.vocab.prefixes()):
            stage.put(name, pieces)
            step(name)

if __name__ == "__main__":
    main()
"""

_NAIVE = """
import sys, time
from rdflib import Graph
from pyshacl import validate
t = time.perf_counter()
g = Graph().parse(sys.argv[1], format="nt")
t1 = time.perf_counter()
print("parsed", round(t1 - t, 3), flush=True)
shapes = Graph().parse(sys.argv[2], format="turtle")
conforms, report, _ = validate(g, shacl_graph=shapes, inference="none", advanced=True,
                               allow_warnings=True)
t2 = time.perf_counter()
from rdflib.namespace import RDF
SH = "http://www.w3.org/ns/shacl#"
from rdflib import URIRef
reps = list(report.subjects(RDF.type, URIRef(SH + "ValidationReport")))
n = sum(1 for rep in reps for r in report.objects(rep, URIRef(SH + "result"))
        if report.value(r, URIRef(SH + "resultSeverity")) == URIRef(SH + "Violation"))
print("validated", round(t2 - t1, 3), n, flush=True)
g.serialize(format="turtle")
print("serialised", round(time.perf_counter() - t2, 3), flush=True)
"""


def run_queries(nq: Path, entity: str) -> dict[str, dict[str, object]]:
    """``kg query --time`` on every saved query and the 2-hop join."""
    from pipeline.sparql.query import list_saved_queries

    saved = list_saved_queries()
    # Each saved query declares its parameters in its header (`# param NAME: …`).
    takes_entity = {q.name for q in saved if any(p.name == "entity" for p in q.parameters)}
    names = [q.name for q in saved]
    out: dict[str, dict[str, object]] = {}
    for name in [*names, "2-hop join"]:
        cmd = [*KG, "query", "--time", "--format", "tsv", "--input", str(nq)]
        if name == "2-hop join":
            cmd.append(TWO_HOP)
        else:
            cmd.append(name)
            if name in takes_entity:
                cmd += ["--param", f"entity=res:{entity}"]
        run = measure(cmd, timeout=600)
        m = re.search(
            r"loaded (\d+) quads in ([0-9.]+) ms; query ([0-9.]+) ms; (\d+) result", run.stderr
        )
        out[name] = {
            **run.summary(),
            "load_ms": float(m.group(2)) if m else None,
            "query_ms": float(m.group(3)) if m else None,
            "results": int(m.group(4)) if m else None,
        }
        if not m:
            out[name]["error"] = run.stderr.strip()[-300:]
    return out


def count_jena_violations(report: str) -> int:
    """Violations in a Jena SHACL report (Turtle)."""
    return len(re.findall(r"sh:resultSeverity\s+sh:Violation", report))


def measure_incremental(sources: Path, out: Path, cold: Path, base: Path) -> dict[str, object]:
    """Rebuild with nothing changed; edit one source, rebuild incrementally and cold, and
    compare the outputs byte for byte."""
    same = measure([*KG, "build", "--sources", str(sources), "--out", str(out), "--keep-going"])
    meta = edit_one_source(sources)
    inc = measure([*KG, "build", "--sources", str(sources), "--out", str(out), "--keep-going"])
    full = measure(
        [*KG, "build", "--sources", str(sources), "--out", str(cold), "--keep-going", "--no-cache"]
    )
    diff = same_outputs(out, cold)
    print(
        f"[bench] incremental {inc.wall:.1f} s vs full {full.wall:.1f} s; diff {diff}", flush=True
    )
    shutil.rmtree(cold, ignore_errors=True)
    return {
        **inc.summary(),
        "edited": str(meta.relative_to(base)),
        "stages": stage_times(inc),
        "full_build_after_edit": full.summary(),
        "ratio_to_full": round(inc.wall / full.wall, 4) if full.wall else None,
        "differing_files": diff,
        "reprocessed": [t for _, t in inc.lines if t.startswith("cache:")],
        "nothing_changed": {
            **same.summary(),
            "up_to_date": any(t.startswith("nothing changed") for _, t in same.lines),
        },
    }


def measure_build_exports(sources: Path, out: Path, built: Path) -> dict[str, object]:
    """Build and write the five exports with no validation beside them (``_BUILD_EXPORTS``);
    ``built`` is kg build's output, whose exports these must equal byte for byte."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    run = measure([sys.executable, "-c", _BUILD_EXPORTS, str(sources), str(out)])
    if run.returncode:
        raise SystemExit(f"build + exports failed ({run.returncode}):\n{run.stderr[-3000:]}")
    steps = {name: float(sec) for name, sec in (line.split() for line in run.stdout.splitlines())}
    differ = sorted(
        p.name for p in out.iterdir() if p.read_bytes() != (built / p.name).read_bytes()
    )
    print(f"[bench] build + exports alone {run.wall:.1f} s: {steps}; differ {differ}", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    return {**run.summary(), "steps": steps, "files": len(steps) - 2, "differing_files": differ}


def bench_size(n: int, work: Path, args: argparse.Namespace) -> dict[str, object]:
    """Everything measured at one size."""
    base = work / f"{n}"
    sources, out, cold = base / "sources", base / "graphs", base / "graphs-cold"
    for d in (out, cold):
        shutil.rmtree(d, ignore_errors=True)
    t0 = time.monotonic()
    counts = generate(n, sources, violations=args.violations)
    result: dict[str, object] = {
        "target_triples": n,
        "corpus": counts,
        "generate_seconds": round(time.monotonic() - t0, 3),
    }
    print(f"[bench] {n}: generated {counts}", flush=True)

    build = measure(
        [*KG, "build", "--sources", str(sources), "--out", str(out), "--keep-going"],
        timeout=args.build_timeout,
    )
    stages = stage_times(build)
    result.update(build=build.summary(), stages=stages)
    if build.timed_out:
        # Cut: record the stages it finished, and write the N-Quads the floors need directly.
        print(f"[bench] {n}: kg build cut after {build.wall:.0f} s at {stages}", flush=True)
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-c", _EXPORT_ONLY, str(sources), str(out)], cwd=ROOT, check=True
        )
    elif build.returncode not in (0, 4):
        raise SystemExit(f"kg build failed ({build.returncode}):\n{build.stderr[-3000:]}")
    quads = sum(1 for _ in (out / "kg.nq").open("rb"))
    result["quads"] = quads
    if (out / "validation.txt").exists():
        found = re.search(r"(\d+) violation", (out / "validation.txt").read_text())
        result["violations"] = int(found.group(1)) if found else None
    print(f"[bench] {n}: kg build {build.wall:.1f} s, {quads} quads, {stages}", flush=True)

    if not build.timed_out:
        result["build+exports alone"] = measure_build_exports(sources, base / "exports-alone", out)
        result["incremental"] = measure_incremental(sources, out, cold, base)
    html = measure([*KG, "html", str(out / "kg.nq"), "-o", str(base / "kg-html.html")], timeout=900)
    result["kg html"] = {
        **html.summary(),
        "error": html.stderr.strip()[-300:] if html.returncode else "",
    }
    result["queries"] = run_queries(out / "kg.nq", QUERY_ENTITY)

    floor = measure([sys.executable, "-c", _FLOOR, str(out / "kg.nq")])
    parts = floor.stdout.split()
    result["floor pyoxigraph"] = {
        **floor.summary(),
        "parse_seconds": float(parts[1]) if len(parts) == 4 else None,
        "serialise_seconds": float(parts[2]) if len(parts) == 4 else None,
    }
    if JENA.exists():
        jena = measure(
            [
                str(JENA),
                "shacl",
                "validate",
                "--shapes",
                str(ROOT / "ontology" / "shapes.ttl"),
                "--data",
                str(out / "kg.nt"),
            ]
        )
        result["floor jena shacl"] = {
            **jena.summary(),
            "violations": count_jena_violations(jena.stdout),
        }
    else:
        result["floor jena shacl"] = {"error": f"{JENA} not found"}
    if args.naive_timeout > 0:
        naive = measure(
            [
                sys.executable,
                "-c",
                _NAIVE,
                str(out / "kg.nt"),
                str(ROOT / "ontology" / "shapes.ttl"),
            ],
            timeout=args.naive_timeout,
        )
        steps = dict(
            (line.split()[0], line.split()[1:]) for line in naive.stdout.splitlines() if line
        )
        result["naive rdflib+pyshacl"] = {
            **naive.summary(),
            "parse_seconds": float(steps["parsed"][0]) if "parsed" in steps else None,
            "validate_seconds": float(steps["validated"][0]) if "validated" in steps else None,
            "violations": int(steps["validated"][1]) if "validated" in steps else None,
            "serialise_seconds": float(steps["serialised"][0]) if "serialised" in steps else None,
        }
    if n <= args.profile_max:
        result["profile"] = profile_build(n, sources, base)
    print(f"[bench] {n}: done", flush=True)
    return result


def profile_build(n: int, sources: Path, base: Path) -> str:
    """Profile a cold ``kg build`` (main process) with pyinstrument; return the profile path."""
    prof_dir = ROOT / "bench" / "profiles"
    prof_dir.mkdir(exist_ok=True)
    target = prof_dir / f"kg-build-{n}.txt"
    out = base / "graphs-profile"
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pyinstrument",
            "-r",
            "text",
            "--show-all",
            "-o",
            str(target),
            "-m",
            "pipeline.cli",
            "build",
            "-q",
            "--sources",
            str(sources),
            "--out",
            str(out),
            "--keep-going",
        ],
        cwd=ROOT,
        capture_output=True,
    )
    shutil.rmtree(out, ignore_errors=True)
    return str(target.relative_to(ROOT))


def machine_info() -> dict[str, object]:
    """The machine and library versions."""
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    jena = ""
    if JENA.exists():
        jena = (
            subprocess.run([str(JENA), "riot", "--version"], capture_output=True, text=True)
            .stdout.strip()
            .splitlines()[:1]
        )
    libs = [
        "rdflib",
        "pyshacl",
        "pyoxigraph",
        "PyYAML",
        "networkx",
        "pyvis",
        "pyinstrument",
        "psutil",
    ]
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "versions": {lib: metadata.version(lib) for lib in libs},
        "jena": jena[0] if jena else "not found",
    }


def ratios(size: dict[str, object]) -> dict[str, object]:
    """The issue's targets as ratios for one size."""
    stages = size["stages"]
    assert isinstance(stages, dict)
    build = size["build"]
    assert isinstance(build, dict)
    beside = sum(stages.get(s, 0.0) for s in ["load+anchor", "build", *EXPORTS])
    alone = size.get("build+exports alone")
    # The target is "without validation": the run alone; the stages of kg build (where the
    # validation takes the other core) when that run is missing (a build that was cut).
    build_export = alone["seconds"] if isinstance(alone, dict) else beside
    floor = size.get("floor pyoxigraph", {})
    jena = size.get("floor jena shacl", {})
    fs = (floor.get("seconds") or 0.0) if isinstance(floor, dict) else 0.0
    js = (jena.get("seconds") or 0.0) if isinstance(jena, dict) else 0.0
    queries = size.get("queries", {})
    assert isinstance(queries, dict)
    slowest = max((q.get("query_ms") or 0.0 for q in queries.values()), default=0.0)
    failed = sorted(name for name, q in queries.items() if q.get("query_ms") is None)
    inc = size.get("incremental", {})
    assert isinstance(inc, dict)
    return {
        "build_over_pyoxigraph": round(build["seconds"] / fs, 2) if fs else None,
        "build_plus_exports_seconds": round(build_export, 3),
        "build_plus_exports_over_pyoxigraph": round(build_export / fs, 2) if fs else None,
        "build_plus_exports_beside_validation_seconds": round(beside, 3),
        "build_plus_exports_beside_validation_over_pyoxigraph": (
            round(beside / fs, 2) if fs else None
        ),
        "validate_over_jena": round(stages.get("validate", 0.0) / js, 2) if js else None,
        "peak_rss_mb": build["peak_rss_mb"],
        "slowest_query_ms": slowest,
        "failed_queries": failed,
        "incremental_over_full": inc.get("ratio_to_full"),
    }


def _slowest_query(size: dict) -> str:
    """The targets-table cell for queries: the slowest time, and any query that failed."""
    r = size["ratios"]
    failed = r.get("failed_queries")
    return f"{r['slowest_query_ms']:.0f} ms" + (f"; FAILED: {', '.join(failed)}" if failed else "")


def to_markdown(results: dict[str, object]) -> str:
    """bench/results.md from results.json's content."""
    machine = results["machine"]
    sizes = results["sizes"]
    assert isinstance(machine, dict) and isinstance(sizes, dict)
    cols = list(sizes)
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (bench/run.py) on {results['date']}.",
        "",
        f"Machine: {machine['cpu']}, {machine['cpus']} CPUs, {machine['memory_gb']} GB; "
        f"{machine['platform']}; Python {machine['python']}; load average at start "
        f"{machine['load_average_at_start']} (the machine is shared: timings are noisy).",
        "",
        "Libraries: "
        + ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
        + f"; Jena: {machine['jena']}.",
        "",
    ]
    head = "| | " + " | ".join(f"{int(c):,} target" for c in cols) + " |"
    lines += [head, "|---|" + "---|" * len(cols)]

    def row(label: str, get) -> None:
        cells = []
        for c in cols:
            try:
                v = get(sizes[c])
            except (KeyError, TypeError):
                v = None
            cells.append("—" if v is None else v)
        lines.append(f"| {label} | " + " | ".join(str(x) for x in cells) + " |")

    def secs(v: object) -> str:
        return f"{v:.2f} s" if isinstance(v, int | float) else "—"

    def run_cell(r: dict) -> str:
        if r.get("timed_out"):
            return f"> {r['seconds']:.0f} s (cut)"
        return f"{r['seconds']:.2f} s, {r['peak_rss_mb']:.0f} MB"

    row("quads built", lambda s: f"{s['quads']:,}")
    row("sources / entities", lambda s: f"{s['corpus']['sources']} / {s['corpus']['entities']}")
    row("**kg build** (wall, peak RSS of the process tree)", lambda s: run_cell(s["build"]))
    for stage in STAGE_NAMES:
        row(f"  stage: {stage}", lambda s, st=stage: secs(s["stages"].get(st)))
    row(
        "violations (kg build / naive pySHACL / Jena)",
        lambda s: (
            f"{s['violations']} / {s.get('naive rdflib+pyshacl', {}).get('violations')}"
            f" / {s['floor jena shacl'].get('violations')}"
        ),
    )
    row(
        "**build + all exports** alone (no validation; kg build's load, build and writers)",
        lambda s: run_cell(s["build+exports alone"]),
    )
    for step in ["load+build", "rows", *(e.removeprefix("export ") for e in EXPORTS)]:
        row(f"  step: {step}", lambda s, st=step: secs(s["build+exports alone"]["steps"].get(st)))
    row("**incremental** kg build after editing one source", lambda s: run_cell(s["incremental"]))
    row(
        "  kg build again with nothing changed",
        lambda s: run_cell(s["incremental"]["nothing_changed"]),
    )
    row(
        "  full build of the edited corpus",
        lambda s: run_cell(s["incremental"]["full_build_after_edit"]),
    )
    row(
        "  incremental / full; files differing",
        lambda s: (
            f"{s['incremental']['ratio_to_full']:.1%}; "
            f"{s['incremental']['differing_files'] or 'none'}"
        ),
    )
    row("**kg html** on kg.nq", lambda s: run_cell(s["kg html"]))
    row(
        "slowest `kg query` (query only; load)",
        lambda s: max(
            (
                f"{q['query_ms']:.0f} ms ({name}); load {q['load_ms']:.0f} ms"
                for name, q in s["queries"].items()
                if q.get("query_ms") is not None
            ),
            key=lambda t: float(t.split(" ms")[0]),
        ),
    )
    row(
        "2-hop join via `kg query` (query; wall incl. load)",
        lambda s: (
            f"{s['queries']['2-hop join']['query_ms']:.0f} ms; "
            f"{s['queries']['2-hop join']['seconds']:.2f} s"
        ),
    )
    row("floor: pyoxigraph parse + serialise N-Quads", lambda s: run_cell(s["floor pyoxigraph"]))
    row("floor: Jena SHACL", lambda s: run_cell(s["floor jena shacl"]))
    row(
        "naive: rdflib parse + pySHACL + rdflib Turtle",
        lambda s: run_cell(s["naive rdflib+pyshacl"]),
    )
    row("  of which pySHACL alone", lambda s: secs(s["naive rdflib+pyshacl"]["validate_seconds"]))
    lines += ["", "## Targets", "", head, "|---|" + "---|" * len(cols)]
    row(
        "full kg build (validation included) / pyoxigraph floor (target ≤ 15×)",
        lambda s: f"{s['ratios']['build_over_pyoxigraph']}×",
    )
    row(
        "build + all exports (no validation) / pyoxigraph floor (target ≤ 5×)",
        lambda s: f"{s['ratios']['build_plus_exports_over_pyoxigraph']}×",
    )
    row(
        "  the same stages inside kg build, beside the validation",
        lambda s: f"{s['ratios']['build_plus_exports_beside_validation_over_pyoxigraph']}×",
    )
    row("validation / Jena SHACL (target ≤ 2×)", lambda s: f"{s['ratios']['validate_over_jena']}×")
    row(
        "peak RSS of kg build (target ≤ 1,536 MB)", lambda s: f"{s['ratios']['peak_rss_mb']:.0f} MB"
    )
    row("slowest query (target < 1,000 ms)", _slowest_query)
    row("incremental / full (target ≤ 5%)", lambda s: f"{s['ratios']['incremental_over_full']:.1%}")
    lines += ["", "## Dominant stage", ""]
    for c in cols:
        stages = sizes[c]["stages"]
        if stages:
            # A background validation overlaps the stages after it: count only its wait.
            overlapped = "validation wait" in stages
            serial = {k: v for k, v in stages.items() if not (overlapped and k == "validate")}
            top = max(serial, key=serial.get)
            total = sum(serial.values())
            prof = sizes[c].get("profile")
            lines.append(
                f"- {int(c):,}: **{top}** ({stages[top]:.1f} s of {total:.1f} s"
                + (f"; profile `{prof}`" if prof else "")
                + ")"
            )
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").strip()]
    return "\n".join(lines) + "\n"


def remeasure_queries(args: argparse.Namespace) -> int:
    """``--queries-only``: run the queries again on each size's kg.nq, update results.*."""
    path = args.results / "results.json"
    results = json.loads(path.read_text(encoding="utf-8"))
    for n in args.sizes.split(","):
        size = results["sizes"].get(n)
        nq = args.work / n / "graphs" / "kg.nq"
        if size is None or not nq.exists():
            raise SystemExit(f"no earlier run of size {n} (need {path} and {nq})")
        size["queries"] = run_queries(nq, QUERY_ENTITY)
        size["queries_measured"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        size["ratios"] = ratios(size)
        print(f"[bench] {n}: queries re-measured, slowest {size['ratios']['slowest_query_ms']} ms")
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.results / "results.md").write_text(to_markdown(results), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated targets")
    p.add_argument("--work", type=Path, default=ROOT / "bench" / "out", help="scratch directory")
    p.add_argument("--results", type=Path, default=ROOT / "bench", help="where results.* go")
    p.add_argument("--violations", type=float, default=0.002, help="see generate.py")
    p.add_argument(
        "--naive-timeout",
        type=float,
        default=900.0,
        help="cut the naive rdflib + pySHACL run after this many seconds (0: skip)",
    )
    p.add_argument(
        "--build-timeout",
        type=float,
        default=1800.0,
        help="cut kg build after this many seconds; later steps use N-Quads written directly",
    )
    p.add_argument(
        "--profile-max",
        type=int,
        default=100_000,
        help="profile kg build with pyinstrument up to this size",
    )
    p.add_argument(
        "--merge",
        action="store_true",
        help="keep the other sizes already in results.json (run sizes separately)",
    )
    p.add_argument(
        "--queries-only",
        action="store_true",
        help="re-measure only the queries on the graphs of an earlier run, into results.*",
    )
    p.add_argument("--smoke", action="store_true", help="10k only, no profile (for the tests)")
    args = p.parse_args(argv)
    if args.smoke:
        args.sizes, args.profile_max = "10000", 0
    args.work.mkdir(parents=True, exist_ok=True)
    args.results.mkdir(parents=True, exist_ok=True)
    if args.queries_only:
        return remeasure_queries(args)
    results: dict[str, object] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": machine_info(),
        "sizes": {},
    }
    sizes = results["sizes"]
    assert isinstance(sizes, dict)
    previous = args.results / "results.json"
    if args.merge and previous.exists():
        sizes.update(json.loads(previous.read_text(encoding="utf-8"))["sizes"])
    for n in (int(x) for x in args.sizes.split(",")):
        sizes[str(n)] = size = bench_size(n, args.work, args)
        size["ratios"] = ratios(size)
        # Written after every size, so a long run that is cut still leaves its results.
        (args.results / "results.json").write_text(
            json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (args.results / "results.md").write_text(to_markdown(results), encoding="utf-8")
    machine = results["machine"]
    assert isinstance(machine, dict)
    machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    (args.results / "results.json").write_text(
        json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (args.results / "results.md").write_text(to_markdown(results), encoding="utf-8")
    print(f"[bench] wrote {args.results / 'results.md'} and results.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
