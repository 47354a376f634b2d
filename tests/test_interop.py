"""Every export in graphs/ parses strictly with Apache Jena (riot) and pyoxigraph, same counts.

Jena comes from Debian's libapache-jena-java through ``../shared/tools/jena``. The tool builds
its classpath once into a cache; these tests give it a cache of their own
(``VJKG_JENA_CACHE``) and adjust that classpath in two ways: ``slf4j-simple`` instead of
``slf4j-nop`` so riot's errors and warnings are printed rather than swallowed, and
``httpclient-cache.jar`` added, which Jena's JSON-LD 1.0 reader needs. (Jena's default
JSON-LD 1.1 reader, Titanium, needs a Jakarta JSON implementation that Debian does not
package, so JSON-LD is read with ``--syntax=jsonld10``.)
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from pipeline.formats import by_suffix

REPO = Path(__file__).resolve().parents[1]
GRAPHS = REPO / "graphs"
JENA = Path(__file__).resolve().parents[2] / "shared" / "tools" / "jena"
EXPORTS = ("kg.ttl", "kg.trig", "kg.nt", "kg.nq", "kg.jsonld", "validation.ttl")
HTTPCLIENT_CACHE = "/usr/share/java/httpclient-cache.jar"

pytestmark = pytest.mark.jena


def _fmt(path: Path):
    """The registry row of a committed export."""
    fmt = by_suffix(path.suffix)
    assert fmt is not None, path
    return fmt


def rdf_files() -> list[Path]:
    return sorted(p for p in GRAPHS.iterdir() if by_suffix(p.suffix) is not None and p.is_file())


@dataclass(frozen=True)
class Riot:
    returncode: int
    stdout: str
    stderr: str

    def count(self, kind: str) -> int:
        m = re.search(rf" : {kind} = ([\d,]+)", self.stdout + self.stderr)
        assert m, f"no {kind} count in riot's output: {self.stdout!r} {self.stderr!r}"
        return int(m[1].replace(",", ""))


@pytest.fixture(scope="module")
def jena_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    assert JENA.is_file(), f"{JENA} is missing: clone shared/ beside the checkout"
    cache = tmp_path_factory.mktemp("jena-cp")
    env = {**os.environ, "VJKG_JENA_CACHE": str(cache)}
    subprocess.run(
        [str(JENA), "riot", "--version"], env=env, check=True, capture_output=True, timeout=120
    )
    cp_file = cache / "classpath"
    entries = cp_file.read_text().split(":")
    entries = [e.replace("slf4j-nop.jar", "slf4j-simple.jar") for e in entries]
    if not any(e.endswith("httpclient-cache.jar") for e in entries):
        entries.append(HTTPCLIENT_CACHE)
    cp_file.write_text(":".join(entries))
    return env


@pytest.fixture(scope="module")
def riot_results(jena_env: dict[str, str]) -> Iterator[dict[str, Riot]]:
    """``riot --validate --strict --count`` on every RDF file of graphs/, in parallel."""

    def run(path: Path) -> tuple[str, Riot]:
        syntax = ["--syntax=jsonld10"] if path.suffix == ".jsonld" else []
        done = subprocess.run(
            [str(JENA), "riot", "--validate", "--strict", "--count", *syntax, str(path)],
            env=jena_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return path.name, Riot(done.returncode, done.stdout, done.stderr)

    with ThreadPoolExecutor(max_workers=3) as pool:
        yield dict(pool.map(run, rdf_files()))


def pyoxigraph_count(path: Path) -> int:
    return sum(1 for _ in ox.parse(path=str(path), format=_fmt(path).oxigraph))


def test_every_export_is_there() -> None:
    names = {p.name for p in rdf_files()}
    assert set(EXPORTS) <= names, f"missing from graphs/: {sorted(set(EXPORTS) - names)}"


@pytest.mark.parametrize("name", EXPORTS)
def test_jena_validates_strictly_without_warnings(riot_results: dict[str, Riot], name: str) -> None:
    riot = riot_results[name]
    assert riot.returncode == 0, riot.stderr or riot.stdout
    assert not re.search(r"\b(WARN|ERROR)\b", riot.stderr), riot.stderr
    assert " : " in riot.stderr + riot.stdout  # riot did read the file and report on it


@pytest.mark.parametrize("name", EXPORTS)
def test_jena_and_pyoxigraph_count_the_same(riot_results: dict[str, Riot], name: str) -> None:
    path = GRAPHS / name
    kind = "Quads" if _fmt(path).quads else "Triples"
    assert riot_results[name].count(kind) == pyoxigraph_count(path) > 0


def test_all_formats_hold_the_same_statements(riot_results: dict[str, Riot]) -> None:
    quads = {
        n: set(ox.parse(path=str(GRAPHS / n), format=_fmt(Path(n)).oxigraph))
        for n in ("kg.nq", "kg.trig", "kg.jsonld")
    }
    assert quads["kg.nq"] == quads["kg.trig"] == quads["kg.jsonld"]
    triples = {
        n: {q.triple for q in ox.parse(path=str(GRAPHS / n), format=_fmt(Path(n)).oxigraph)}
        for n in ("kg.nt", "kg.ttl")
    }
    assert triples["kg.nt"] == triples["kg.ttl"] == {q.triple for q in quads["kg.nq"]}
    assert (
        riot_results["kg.nq"].count("Quads")
        == riot_results["kg.trig"].count("Quads")
        == (riot_results["kg.jsonld"].count("Quads"))
    )
    assert riot_results["kg.nt"].count("Triples") == riot_results["kg.ttl"].count("Triples")


def test_jena_rejects_a_broken_file(jena_env: dict[str, str], tmp_path: Path) -> None:
    """The check can fail: a bad language tag and a bad IRI are errors under --strict."""
    bad = tmp_path / "bad.nt"
    bad.write_text('<http://e/a> <http://e/p> "x"@1bad-tag .\n<http://e/a b> <http://e/p> "y" .\n')
    done = subprocess.run(
        [str(JENA), "riot", "--validate", "--strict", str(bad)],
        env=jena_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "ERROR" in done.stderr
