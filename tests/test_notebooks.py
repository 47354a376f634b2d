"""Every notebook runs from a clean kernel, and none is committed with outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
from nbclient import NotebookClient

from .conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS] == ["explore.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} have outputs — clear them before committing "
        f"(jupyter nbconvert --clear-output --inplace {path.relative_to(ROOT)})"
    )


def _execute(path: Path) -> nbformat.NotebookNode:
    """Run a notebook in a fresh kernel of this interpreter, with cwd = its folder."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name=NATIVE_KERNEL_NAME,  # ipykernel's own spec: runs sys.executable
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return nb


@pytest.fixture(scope="module")
def explored() -> nbformat.NotebookNode:
    return _execute(ROOT / "notebooks" / "explore.ipynb")


def _outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_explore_runs_without_errors_or_warnings(explored: nbformat.NotebookNode) -> None:
    outputs = _outputs(explored)
    assert not [o for o in outputs if o["output_type"] == "error"]
    stderr = [o["text"] for o in outputs if o.get("name") == "stderr"]
    assert not stderr, stderr


def test_explore_shows_queries_plots_path_and_interactive_view(
    explored: nbformat.NotebookNode,
) -> None:
    outputs = _outputs(explored)
    text = "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    n_queries = len(list((ROOT / "pipeline" / "queries").glob("*.rq")))
    assert f"{n_queries} saved queries" in text
    assert sum("<table>" in h for h in html) >= min(n_queries, 1) + 3  # queries + own tables
    assert len(images) == 3  # funding, timeline, centrality
    assert "FPT Japan (fpt-japan)" in text  # how FPT Japan is connected to METI
    frames = [h for h in html if "<iframe srcdoc=" in h]
    assert len(frames) == 1
    assert "new vis.Network(" in frames[0]  # the explorer page, inlined
    assert "&lt;script" in frames[0] and "<script" not in frames[0]  # the page is escaped
