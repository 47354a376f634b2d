"""What every HTML page of the package shares: assets, JSON for ``<script>``, CSP hashes.

Pages never put data into HTML as markup: data goes into a ``<script type="application/json">``
block written by :func:`json_for_script`, and page scripts copy it into the DOM with
``textContent``. Scripts are allowed by their hash (:func:`csp_hash`) or by ``'self'``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from importlib import resources


def read_asset(name: str) -> str:
    """The text of ``pipeline/assets/NAME``."""
    return resources.files("pipeline").joinpath("assets", name).read_text(encoding="utf-8")


def json_for_script(data: object) -> str:
    """JSON that cannot end its ``<script>`` element or open a comment.

    >>> json_for_script({"label": "</script><!--"})
    '{"label":"\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
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
