"""Shared fixtures: paths, the mini corpus, a built dataset, and running the real `kg`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
MINI = FIXTURES / "mini"
SHARED = ROOT.parent / "shared"


def run_kg(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: int = 300):
    """Run the real `kg` console script; return the CompletedProcess (text mode)."""
    kg = Path(sys.executable).with_name("kg")
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [str(kg), *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled corpus, sources/."""
    dest = tmp_path / "sources"
    shutil.copytree(ROOT / "sources", dest)
    return dest


@pytest.fixture
def mini_copy(tmp_path: Path) -> Path:
    """A writable copy of the mini corpus."""
    dest = tmp_path / "sources"
    shutil.copytree(MINI, dest)
    return dest


@pytest.fixture(scope="session")
def bundled_build():
    """The bundled corpus through the library pipeline (:func:`pipeline.run.build`), as
    `kg build` runs it: loaded, built and validated."""
    from pipeline.run import build

    return build(ROOT / "sources", ROOT / "ontology")


@pytest.fixture(scope="session")
def corpus(bundled_build):
    """The bundled corpus, loaded."""
    return bundled_build.corpus


@pytest.fixture(scope="session")
def dataset(bundled_build):
    """The bundled corpus, built."""
    return bundled_build.dataset


@pytest.fixture(scope="session")
def mini_dataset():
    """The mini corpus, built (not validated)."""
    from pipeline.run import build

    return build(MINI, ROOT / "ontology", validate=False).dataset
