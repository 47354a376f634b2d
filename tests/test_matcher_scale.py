"""Hostile texts: `kg suggest` and `kg coverage` stay linear in the length of the text.

A text of capitalised registry words and head words ("Bộ Khoa Học Hà Nội …") once made
every head word walk its name to the end of the text (`kg suggest` hung) and every hit
be compared with every hit kept (`kg coverage` hung). Nothing is timed: the tests count
the lines of Python the matcher and the suggester run, which grow with the text four
times over when the text is four times longer (a quadratic walk would run 16 times more).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import pipeline.authoring.suggest as suggest_module
import pipeline.matcher as matcher_module
from pipeline.authoring.suggest import load_source_folder, suggest
from pipeline.matcher import registry_matcher
from pipeline.model import Source

from .conftest import FIXTURES

WORDS = [
    "Nhật",
    "Bản",
    "Việt",
    "Nam",
    "Bộ",
    "Khoa",
    "Học",
    "FPT",
    "Hà",
    "Nội",
    "Tokyo",
    "JETRO",
    "Hiệp",
    "Hội",
]
WATCHED = {suggest_module.__file__, matcher_module.__file__}


def _hostile_text(words: int) -> str:
    rng = random.Random(3)
    return " ".join(rng.choice(WORDS) for _ in range(words)) + "\n"


def _lines_run(work: Callable[[], Any]) -> int:
    """How many lines of the matcher and the suggester ``work()`` runs."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if frame.f_code.co_filename not in WATCHED:
            return None
        if event == "line":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        work()
    finally:
        sys.settrace(None)
    return count


FOLDER = load_source_folder(Path(FIXTURES / "suggest" / "001"))


def _suggest(words: int) -> Callable[[], Any]:
    source = Source(FOLDER.source.meta, _hostile_text(words), FOLDER.source.text_path)
    return lambda: suggest(source, FOLDER.entities)


def _find(words: int) -> Callable[[], Any]:
    text, matcher = _hostile_text(words), registry_matcher(FOLDER.entities)
    return lambda: matcher.find(text)


@pytest.mark.parametrize("work", [_find, _suggest], ids=["kg coverage", "kg suggest"])
def test_hostile_text_costs_linear_steps(work: Callable[[int], Callable[[], Any]]) -> None:
    small, large = _lines_run(work(1_000)), _lines_run(work(4_000))
    assert large < 6 * small, f"{large} lines for 4,000 words, {small} for 1,000"
