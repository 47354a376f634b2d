"""What every HTML page of the package shares: assets, JSON for ``<script>``, CSP hashes.

Pages never put data into HTML as markup: data goes into a ``<script type="application/json">``
block written by :func:`json_for_script`, and page scripts copy it into the DOM with
``textContent``. Scripts are allowed by their hash (:func:`csp_hash`) or by ``'self'``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.util
import json
import re
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path


def read_asset(name: str) -> str:
    """The text of ``pipeline/assets/NAME``."""
    return resources.files("pipeline").joinpath("assets", name).read_text(encoding="utf-8")


def vis_network_file() -> Path | None:
    """The vis-network script pyvis bundles, which the explorer inlines (found without
    importing pyvis; ``None`` when pyvis is missing). The build's record digests it too."""
    spec = importlib.util.find_spec("pyvis")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "lib" / "vis-9.1.2" / "vis-network.min.js"


def json_for_script(data: object) -> str:
    """JSON that cannot end its ``<script>`` element or open a comment.

    >>> json_for_script({"label": "</script><!--"})
    '{"label":"\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    return _escaped(_dumps(data))


class JsonArray:
    """A JSON array whose items are made one by one as it is written
    (:func:`json_pieces_for_script`): they need never all be in memory."""

    def __init__(self, items: Iterable[object]):
        self.items = items


# json_pieces_for_script gives text in pieces of about this many characters.
PIECE_CHARS = 1 << 16


def json_pieces_for_script(data: object) -> Iterator[str]:
    """:func:`json_for_script` of ``data`` in pieces, each :class:`JsonArray` in it (as a
    value of a dict, or the whole) written item by item.

    The pieces join to what :func:`json_for_script` gives for the same data with each
    :class:`JsonArray` a list:

    >>> "".join(json_pieces_for_script({"b": JsonArray(iter([1, "<"])), "a": None}))
    '{"a":null,"b":[1,"\\\\u003c"]}'
    """
    buffer: list[str] = []
    size = 0
    for text in _json_texts(data):
        buffer.append(text)
        size += len(text)
        if size >= PIECE_CHARS:
            # escaping is character by character, so it may be done piece by piece
            yield _escaped("".join(buffer))
            buffer, size = [], 0
    if buffer:
        yield _escaped("".join(buffer))


def _json_texts(value: object) -> Iterator[str]:
    """The JSON text of ``value`` (unescaped), a :class:`JsonArray` item by item."""
    if isinstance(value, JsonArray):
        yield "["
        for k, item in enumerate(value.items):
            if k:
                yield ","
            yield from _json_texts(item)
        yield "]"
    elif isinstance(value, dict) and any(isinstance(v, JsonArray) for v in value.values()):
        yield "{"
        for k, key in enumerate(sorted(value)):  # as json.dumps(sort_keys=True) orders them
            yield ("," if k else "") + _dumps(key) + ":"
            yield from _json_texts(value[key])
        yield "}"
    else:
        yield _dumps(value)


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _escaped(text: str) -> str:
    """``text`` with ``<``, ``>``, ``&``, U+2028 and U+2029 as JSON escapes."""
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    # U+2028/2029 are fine in JSON but some tools treat them as line ends.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def csp_hash(script: str) -> str:
    """The CSP source expression that allows exactly this inline script.

    >>> csp_hash("1")
    "'sha256-a4ayc/80/OGda4BO/1o/V0etpOqiLx1JwB5S3beHW0s='"
    """
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# What the explorer's script takes out of names too (explorer.js, safe): the bidi controls,
# embeddings, overrides and isolates, and the LRM/RLM marks. A right-to-left override in one
# label would draw every name after it on the page backwards.
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def page_text(text: str) -> str:
    """``text`` for an HTML page built on the server: bidi controls taken out, escaped.

    >>> page_text("<b>\u202egnp.exe")
    '&lt;b&gt;gnp.exe'
    """
    return html.escape(_BIDI.sub("", text))
