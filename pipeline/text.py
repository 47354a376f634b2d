"""Text normalisation: the one place where text is folded for matching and searching.

- :func:`nfc` — Unicode NFC, the form every source text and quote is compared in;
- :func:`fold_whitespace` — NFC with every whitespace run as one space (quotes against PDF
  texts with hard line breaks);
- :func:`fold_spacing` — also every dash as ``-`` with no space around it; case and
  diacritics kept (``Việt Nam - Nhật Bản`` = ``Việt Nam-Nhật Bản``);
- :func:`fold_case` — :func:`fold_whitespace`, case-folded; diacritics kept;
- :func:`fold` — the search and matching key: no diacritics (``đ`` as ``d``), case-folded,
  whitespace and dashes folded, so "Ủy ban", "Uỷ  ban" and "uy ban" meet;
  :func:`fold_with_offsets` gives it with a map back to the original offsets;
- :func:`name_key` — :func:`fold` with dashes and underscores as spaces, for resolving a
  name a person typed ("Việt-Nam", "viet nam");
- :func:`fold_words` — words only (no punctuation, letters and digits apart), padded with
  spaces, for "does this quote name that entity" checks on whole words.

The explorer's script folds search text the same way as :func:`fold` (pipeline/assets/
explorer.js, ``fold``), so the keys written into the page and the queries typed into it
meet; tests/test_text.py holds the two equal.

>>> fold("ỦY BAN Hợp tác") == fold("ủy ban hợp tác") == "uy ban hop tac"
True
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WS = re.compile(r"\s+")
DASHES = "-‐‑‒–—―"
_NAME_SEPARATORS = re.compile(r"[-_]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")


def nfc(text: str) -> str:
    """Unicode NFC.

    >>> nfc("Vie\\u0323\\u0302t") == "Việt"
    True
    """
    return unicodedata.normalize("NFC", text)


def invisible_character(text: str) -> str | None:
    """The first invisible formatting character in ``text`` (a zero-width space or joiner,
    a direction mark, a soft hyphen: Unicode category Cf), as ``U+XXXX NAME``, or ``None``.

    >>> invisible_character("1\u200b000")
    'U+200B ZERO WIDTH SPACE'
    """
    for ch in text:
        if unicodedata.category(ch) == "Cf":
            return f"U+{ord(ch):04X} {unicodedata.name(ch, 'FORMAT CHARACTER')}"
    return None


def without_invisible(text: str) -> str:
    """``text`` without its invisible formatting characters (those
    :func:`invisible_character` names).

    >>> without_invisible("1\u200b000")
    '1000'
    """
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def fold_whitespace(text: str) -> str:
    """NFC, every whitespace run as one space, ends stripped.

    >>> fold_whitespace("  Bộ Khoa\\n học  ")
    'Bộ Khoa học'
    """
    return _WS.sub(" ", nfc(text)).strip()


def fold_spacing(text: str) -> str:
    """NFC, whitespace and dashes folded; case and diacritics kept.

    >>> fold_spacing("Việt Nam – Nhật\\nBản")
    'Việt Nam-Nhật Bản'
    """
    t = nfc(text)
    for d in DASHES:
        t = t.replace(d, "-")
    t = " ".join(t.split())
    return t.replace(" -", "-").replace("- ", "-")


def fold_case(text: str) -> str:
    """NFC, whitespace folded, case-folded; diacritics kept (``Nhật`` ≠ ``nhất``).

    >>> fold_case("Bộ  NGOẠI giao") == fold_case("bộ ngoại Giao")
    True
    """
    return fold_whitespace(text).casefold()


@lru_cache(maxsize=8192)
def fold_char(ch: str) -> str:
    """One NFC character folded: no diacritics, case-folded, dashes as ``-``.

    >>> fold_char("Ủ"), fold_char("đ"), fold_char("–")
    ('u', 'd', '-')
    """
    if ch in DASHES:
        return "-"
    if ch in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base.casefold()


def has_marks(text: str) -> bool:
    """Whether ``text`` carries any diacritic (``đ`` counts).

    >>> has_marks("Hà Nội"), has_marks("Ha Noi")
    (True, False)
    """
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", text)) or any(
        c in "đĐ" for c in text
    )


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """:func:`fold` of ``text`` (ends not stripped) and, for each of its characters, the
    offset in the NFC text it comes from.

    >>> folded, origin = fold_with_offsets("Hà\\nNội – Tokyo")
    >>> folded, origin[3], origin[-1]
    ('ha noi-tokyo', 3, 13)
    """
    text = nfc(text)
    out: list[str] = []
    origin: list[int] = []
    pending_space = -1  # offset of a whitespace run not yet written
    for i, ch in enumerate(text):
        if ch.isspace():
            if pending_space < 0:
                pending_space = i
            continue
        folded = fold_char(ch)
        if pending_space >= 0:
            if out and out[-1] != "-" and folded != "-":
                out.append(" ")
                origin.append(pending_space)
            pending_space = -1
        for c in folded:
            out.append(c)
            origin.append(i)
    return "".join(out), origin


def fold(text: str) -> str:
    """Lowercase without diacritics, whitespace and dashes folded, for search and matching.

    >>> fold("Bộ Khoa học và Công nghệ")
    'bo khoa hoc va cong nghe'
    >>> fold("Uỷ ban") == fold("Ủy  ban") == fold("uy ban")
    True
    >>> fold("Việt Nam - Nhật Bản")
    'viet nam-nhat ban'
    """
    return fold_with_offsets(text)[0].strip()


def name_key(text: str) -> str:
    """A name as compared when resolving what a person typed: folded, dashes as spaces.

    >>> name_key("  Bộ KH&CN – Việt-Nam ")
    'bo kh&cn viet nam'
    """
    return " ".join(_NAME_SEPARATORS.sub(" ", fold(text)).split())


class _WithoutMarks(dict):
    """A ``str.translate`` table that drops combining marks, filled as code points occur."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_NO_MARKS = _WithoutMarks()


@lru_cache(maxsize=65536)
def fold_words(text: str) -> str:
    """Lowercase, without diacritics or punctuation, single spaces, padded with spaces.

    Letters and digits are split apart, so a footnote number glued to a word in the PDF
    extraction ("Kỹ thuật số15") does not hide the name.

    >>> fold_words("Bộ Khoa học & Công nghệ (Bộ KH&CN)")
    ' bo khoa hoc cong nghe bo kh cn '
    >>> fold_words("mạng 5G13")
    ' mang 5 g 13 '
    >>> fold_words("ĐẠI SỨ") == fold_words("đại sứ")
    True
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = decomposed.translate(_NO_MARKS).lower()
    spaced = _LETTER_DIGIT.sub(" ", stripped)
    return " " + _NON_WORD.sub(" ", spaced).strip() + " "


# The bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): each
# is invisible and reorders how the text after it displays, so a label, a title or a quote
# holding one reads otherwise than it is stored (the "Trojan Source" trick). The marks
# U+200E and U+200F, which reorder nothing, are not among them.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def escape_control(text: str) -> str:
    r"""``text`` with control and format characters written as ``\xNN`` / ``\uNNNN``.

    Request lines and headers are the client's bytes; written raw to a terminal, escape
    sequences in them would move the cursor, recolour or retitle it.

    >>> escape_control("GET /\x1b[2J\u202e HTTP/1.1")
    'GET /\\x1b[2J\\u202e HTTP/1.1'
    >>> escape_control("Hà Nội")
    'Hà Nội'
    """
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def for_terminal(text: str) -> str:
    r"""Text for a person's terminal: :func:`escape_control` line by line (line breaks and
    tabs kept). Labels and titles in a graph are anybody's text: raw, an escape sequence in
    one would recolour, clear or retitle the terminal, and a bidi override would reorder
    what is shown.

    >>> for_terminal("a\x1b]0;owned\x07 b\tc")
    'a\\x1b]0;owned\\x07 b\tc'
    """
    lines = text.split("\n")
    return "\n".join("\t".join(map(escape_control, line.split("\t"))) for line in lines)


# What could make text in a Markdown line other than literal: emphasis, code, links and
# images, raw HTML and entity references, strike-through, headings, table cell ends.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~#])")


def markdown_text(text: str) -> str:
    r"""``text`` as literal inline Markdown: whitespace runs as one space, and each character
    Markdown would read as markup backslash-escaped (CommonMark escapes any ASCII
    punctuation). Labels and quotes are anybody's text: raw, ``<img onerror=…>`` in one would
    be HTML in a Markdown viewer and ``|`` would end a table cell.

    >>> markdown_text("R&D <b>x</b> | *1*_2_\n`c`")
    'R\\&D \\<b\\>x\\</b\\> \\| \\*1\\*\\_2\\_ \\`c\\`'
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def markdown_code(text: str) -> str:
    """``text`` as a Markdown code span, shown as written (markup and HTML are not read
    inside one): fenced by one backtick more than its longest run of backticks, padded with
    a space where it begins or ends with one; line breaks as spaces.

    >>> markdown_code("ex:a") + " " + markdown_code("a`b")
    '`ex:a` ``a`b``'
    """
    text = " ".join(text.split("\n"))
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"
