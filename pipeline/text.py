"""Text normalisation: the one place where text is folded for matching and searching.

- :func:`nfc` — Unicode NFC, the form every source text and quote is compared in;
- :func:`fold_whitespace` — NFC with every whitespace run as one space (quotes against PDF
  texts with hard line breaks);
- :func:`fold` — a search key: no diacritics (``đ`` as ``d``), case-folded, whitespace
  folded — so "Bộ KH&CN" and "bo kh&cn" meet;
- :func:`name_key` — :func:`fold` with dashes and underscores as spaces, for resolving a
  name a person typed ("Việt-Nam", "viet nam").

>>> fold("ỦY BAN Hợp tác") == fold("ủy ban hợp tác") == "uy ban hop tac"
True
"""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")
_DASHES = re.compile(r"[-–—_]")


def nfc(text: str) -> str:
    """Unicode NFC.

    >>> nfc("Vie\\u0323\\u0302t") == "Việt"
    True
    """
    return unicodedata.normalize("NFC", text)


def fold_whitespace(text: str) -> str:
    """NFC, every whitespace run as one space, ends stripped.

    >>> fold_whitespace("  Bộ Khoa\\n học  ")
    'Bộ Khoa học'
    """
    return _WS.sub(" ", nfc(text)).strip()


def strip_diacritics(text: str) -> str:
    """The text without combining marks, ``đ``/``Đ`` as ``d``/``D``; case kept.

    Each character of the NFC text gives exactly one character, so offsets into the result
    are offsets into the NFC text (what a matcher that reports positions needs).

    >>> strip_diacritics("Đại học Quốc gia")
    'Dai hoc Quoc gia'
    >>> len(strip_diacritics(nfc("Nghiên cứu"))) == len(nfc("Nghiên cứu"))
    True
    """
    out = []
    for ch in nfc(text):
        if ch in "đĐ":
            out.append("d" if ch == "đ" else "D")
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        out.append(base[:1] if len(base) == 1 else ch)
    return "".join(out)


def fold(text: str) -> str:
    """Lowercase without diacritics, whitespace folded, for search and matching.

    >>> fold("Bộ Khoa học và Công nghệ")
    'bo khoa hoc va cong nghe'
    >>> fold("Đại học  Quốc\\ngia")
    'dai hoc quoc gia'
    """
    return _WS.sub(" ", strip_diacritics(text).lower()).strip()


def name_key(text: str) -> str:
    """A name as compared when resolving what a person typed: folded, dashes as spaces.

    >>> name_key("  Bộ KH&CN – Việt-Nam ")
    'bo kh&cn viet nam'
    """
    return " ".join(_DASHES.sub(" ", fold(text)).split())
