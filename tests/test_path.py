"""`kg path A B`: shortest evidence-backed paths, each hop with its relation and quotes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE
from pipeline.network import to_networkx
from pipeline.readers import read_quads
from pipeline.vocab import top_class

from .conftest import FIXTURES, ROOT, run_kg
from .test_network import build_nq


@pytest.fixture(scope="module")
def bridges_nq(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The bridges corpus (see tests/test_analyse.py for its picture) as N-Quads."""
    return str(build_nq(FIXTURES / "bridges", tmp_path_factory.mktemp("bridges-graphs")))


def test_paths_show_each_hop_with_direction_quote_and_source_title(bridges_nq: str) -> None:
    done = run_kg("path", "bo kh&cn", "METI", "--input", bridges_nq)
    assert done.returncode == EXIT_OK, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "Ministry of Science and Technology (most) → Ministry of Economy, Trade and Industry "
        "(meti): 2 shortest paths of 3 hops (evidence-backed facts); showing 2."
    )
    first = done.stdout.split("\n\n")[1].splitlines()
    assert first == [
        "Path 1: most → ict-day → jetro → meti",
        "  1.  Ministry of Science and Technology (most) ←patron— ICT Day (ict-day)",
        "        “dưới sự bảo trợ của Bộ KH&CN”",
        "          — Bài A (doc-a)",
        "  2.  ICT Day (ict-day) —organizer→ Japan External Trade Organization (jetro)",
        "        “Ngày hội CNTT do JETRO tổ chức”",
        "          — Bài A (doc-a)",
        "  3.  Japan External Trade Organization (jetro) ←oversees— Ministry of Economy, "
        "Trade and Industry (meti)",
        "        “METI giám sát JETRO”",
        "          — Bài A (doc-a)",
        "        “METI giám sát JETRO”",
        "          — Bản tin B (doc-b)",
    ]
    assert "Path 2: most → vinasa → undp → meti" in done.stdout


def test_max_limits_the_paths_shown(bridges_nq: str) -> None:
    done = run_kg("path", "most", "meti", "--max", "1", "--input", bridges_nq)
    assert done.returncode == EXIT_OK
    assert "2 shortest paths of 3 hops (evidence-backed facts); showing 1." in done.stdout
    assert "Path 2" not in done.stdout


def test_no_path_is_said_plainly_with_exit_0(bridges_nq: str) -> None:
    done = run_kg("path", "Sony", "meti", "--input", bridges_nq)
    assert done.returncode == EXIT_OK
    assert done.stdout == (
        "No path between Sony (sony) and Ministry of Economy, Trade and Industry (meti): no chain "
        "of evidence-backed facts connects them; they are in different connected components.\n"
    )


def test_no_places_never_passes_through_a_place() -> None:
    g = to_networkx(read_quads(ROOT / "graphs" / "kg.nq"))
    is_place = {d["id"]: top_class(d["cls"]) == "Place" for _, d in g.nodes(data=True)}
    for args in (["fpt-japan", "meti"], ["jetro", "most"], ["rapidus", "vinasa"]):
        done = run_kg("path", *args, "--no-places", "--max", "50")
        assert done.returncode == EXIT_OK, done.stderr
        if done.stdout.startswith("No path"):
            assert "without passing through a place" in done.stdout
            continue
        assert "(evidence-backed facts, not through places)" in done.stdout
        for ids in re.findall(r"^Path \d+: (.+)$", done.stdout, re.M):
            assert not any(is_place[i] for i in ids.split(" → ")[1:-1]), ids


def test_ambiguous_names_list_the_candidates_and_exit_2(bridges_nq: str) -> None:
    done = run_kg("path", "ministry", "jetro", "--input", bridges_nq)
    assert done.returncode == EXIT_USAGE
    assert "'ministry' is ambiguous: 2 entities match — rerun with one of these ids:" in done.stderr
    assert re.search(
        r"^  meti +Ministry of Economy, Trade and Industry \[Ministry\]$", done.stderr, re.M
    )
    assert re.search(
        r"^  most +Ministry of Science and Technology \[Ministry\]$", done.stderr, re.M
    )
    assert done.stdout == ""


def test_unknown_names_suggest_close_ids_and_exit_2(bridges_nq: str) -> None:
    done = run_kg("path", "jetor", "meti", "--input", bridges_nq)
    assert done.returncode == EXIT_USAGE
    assert "no entity matches 'jetor'; did you mean jetro?" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["meti", "METI"], "'meti' and 'METI' name the same entity (meti)"),
        (["meti", "most", "--max", "0"], "--max 0: show at least one path"),
    ],
)
def test_usage_errors_exit_2(bridges_nq: str, args: list[str], message: str) -> None:
    done = run_kg("path", *args, "--input", bridges_nq)
    assert done.returncode == EXIT_USAGE
    assert message in done.stderr


def test_missing_graph_exits_3(tmp_path: Path) -> None:
    done = run_kg("path", "a", "b", "--input", str(tmp_path / "kg.nq"))
    assert done.returncode == EXIT_BAD_INPUT
    assert "no such graph file" in done.stderr


def test_how_fpt_japan_is_connected_to_meti_in_the_bundled_graph() -> None:
    """The issue's example: every hop printed has a quote and a source, or "No path" is said."""
    done = run_kg("path", "fpt japan", "METI")
    assert done.returncode == EXIT_OK, done.stderr
    a, b = "FPT Japan (fpt-japan)", "Ministry of Economy, Trade and Industry (meti)"
    if done.stdout.startswith("No path"):
        assert done.stdout.startswith(f"No path between {a} and {b}: ")
        return
    assert done.stdout.startswith(f"{a} → {b}: ")
    hops = re.findall(
        r"^  (?:\d+\.| ) +(.+)\n {8}“(.+)”\n {10}— (.+) \((doc-\d+)\)$", done.stdout, re.M
    )
    n_hops = int(re.search(r"of (\d+) hops?", done.stdout).group(1))  # type: ignore[union-attr]
    assert len(hops) >= n_hops
    assert all(quote and title for _, quote, title, _ in hops)
    assert re.search(r"^Path 1: fpt-japan → .* → meti$", done.stdout, re.M)


def test_names_are_matched_without_diacritics_in_the_bundled_graph() -> None:
    done = run_kg("path", "bo khoa hoc va cong nghe", "bộ kh&cn")
    assert done.returncode == EXIT_USAGE
    assert "name the same entity (most)" in done.stderr


def test_labels_cannot_drive_the_terminal(tmp_path: Path) -> None:
    """A label holding an escape sequence (recolour, retitle the terminal) or a bidi
    override reaches kg path and kg diff escaped, as kg query's table and the serve log are."""
    graph = (ROOT / "graphs" / "kg.nq").read_text(encoding="utf-8")
    hostile = graph.replace('"Rapidus"@en', '"\\u001B[31mRapidus\\u001B]0;owned\\u0007\\u202E"@en')
    assert hostile != graph
    path = tmp_path / "hostile.nq"
    path.write_text(hostile, encoding="utf-8")
    shown = run_kg("path", "meti", "rapidus", "--input", str(path), "--max", "1", "--lang", "en")
    changed = run_kg("diff", str(ROOT / "graphs" / "kg.nq"), str(path), "-q")
    # kg diff writes Markdown: its brackets are escaped as well
    for done, seen in (
        (shown, "\\x1b[31mRapidus\\x1b]0;owned\\x07\\u202e"),
        (changed, "\\x1b\\[31mRapidus\\x1b\\]0;owned\\x07\\u202e"),
    ):
        assert done.returncode == 0, done.stderr
        assert seen in done.stdout
        assert not any(c in done.stdout for c in "\x1b\x07\u202e")
