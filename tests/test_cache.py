"""The build cache's key: any change to the package's code, subpackages included, is a miss."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline.cache import code_digest

from .conftest import ROOT


def test_code_digest_sees_an_edit_in_a_subpackage(tmp_path: Path) -> None:
    package = tmp_path / "pipeline"
    shutil.copytree(ROOT / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    sub = package / "newsub"
    sub.mkdir(exist_ok=True)
    (sub / "__init__.py").write_text("")
    (sub / "stage.py").write_text("X = 1\n")
    before = code_digest(package)
    (sub / "stage.py").write_text("X = 2\n")
    assert code_digest(package) != before  # used to hash pipeline/*.py only


def test_code_digest_is_stable_and_names_files_by_relative_path(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for root in (a, b):
        (root / "sub").mkdir(parents=True)
    (a / "x.py").write_text("1")
    (a / "sub" / "y.py").write_text("2")
    (b / "sub" / "x.py").write_text("1")  # same bytes, moved: a different package
    (b / "y.py").write_text("2")
    assert code_digest(a) == code_digest(a)
    assert code_digest(a) != code_digest(b)
