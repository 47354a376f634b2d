"""The explorer: an offline, safe, interactive HTML view of the entity network.

- :mod:`.page` — the page: its data (:func:`to_page_data`) and the HTML (:func:`to_html`, or in
  pieces: :func:`iter_html`),
  with vis-network inlined and the scripts in ``pipeline/assets/explorer.*``;
- :mod:`.layout` — deterministic positions, computed in Python;
- :mod:`.style` — a colour per class, a shape per top class, names as words.
"""

from .layout import compute_layout, compute_overview_layout
from .page import (
    DEFAULT_TITLE,
    LABEL_CLIP,
    OVERVIEW_SIZE,
    OVERVIEW_THRESHOLD,
    iter_html,
    read_source_texts,
    to_html,
    to_page_data,
)

__all__ = [
    "DEFAULT_TITLE",
    "LABEL_CLIP",
    "OVERVIEW_SIZE",
    "OVERVIEW_THRESHOLD",
    "compute_layout",
    "compute_overview_layout",
    "iter_html",
    "read_source_texts",
    "to_html",
    "to_page_data",
]
