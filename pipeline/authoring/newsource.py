"""Start a new source folder from a ``.txt`` or ``.pdf`` file: ``kg new-source FILE``.

It writes ``sources/NNN/`` with ``text.txt``, a ``meta.yaml`` skeleton filled with what the
text states (marked ``# REVIEW``) and an empty ``annotations.yaml``; it never overwrites.

How the text is made:

- ``.txt``: decoded as UTF-8 (a byte-order mark is dropped), line ends made ``\\n``.
- ``.pdf``: extracted by Debian's ``pdftotext`` (poppler-utils) in reading order, one
  page after another. Line breaks are kept where the PDF has them (the loader matches
  quotes whitespace-insensitively, so a quote may span them); pages are separated by a
  blank line. Page furniture is dropped from the first and last three lines of each page
  (``pdftotext``'s reading order may put a footer first): lines that are only a page
  number (``3``, ``- 3 -``, ``Trang 3``, ``3/12``), and running headers or footers, that
  is lines repeated there on at least half of the pages (digits aside, so "Trang 3 / Báo
  X" counts), for documents of two pages or more. Ligatures (``ﬁ``) are spelled out.
- Both: Unicode NFC, trailing spaces removed, at most one blank line in a row; control
  characters other than line ends and tabs become spaces, and bidirectional embeddings,
  overrides and isolates (U+202A-U+202E, U+2066-U+2069: invisible, they reorder how the text
  displays, and the loader refuses them in a quote) are dropped. ``kg new-source`` says how
  many of each it met.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Location, OutputError, Problem, UsageError
from ..load import MAX_TEXT_BYTES
from ..outputs import write_atomic
from ..quantities import find_dates
from ..text import BIDI_CONTROLS

# The caps of kg new-source (each an option: --pdf-timeout, --max-pdf-bytes,
# --max-pdf-memory; the text is capped by --max-text-bytes, the cap kg build puts on text.txt).
PDFTOTEXT_TIMEOUT = 120  # seconds of wall time for pdftotext
MAX_PDF_BYTES = 256 * 1024 * 1024  # a PDF larger than this is refused unread
MAX_PDF_MEMORY = 1024 * 1024 * 1024  # pdftotext's address space
_POLL = 0.05  # seconds between looks at pdftotext's output while it runs
EDGE_LINES = 3  # furniture is looked for among a page's first and last lines
_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:trang|page|p\.)?\s*\d{1,4}(?:\s*/\s*\d{1,4})?"
    r"(?:\s*[-–—])?\s*$",
    re.IGNORECASE,
)
_VI_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ")


@dataclass(frozen=True)
class NewSource:
    """What ``kg new-source`` wrote."""

    folder: Path
    source_id: str
    removed_lines: int  # page furniture dropped from a PDF
    dated: bool  # whether meta.yaml got an issued date from the text
    controls: int = 0  # control characters made spaces (line ends and tabs aside)
    bidi: int = 0  # bidirectional controls dropped


def hidden_characters(text: str) -> tuple[int, int]:
    """How many control characters :func:`clean_text` makes spaces in ``text`` (line ends,
    form feeds and tabs aside), and how many bidirectional controls it drops.

    >>> hidden_characters("a\\x00b\\x1b[31mc\\u202ed\\r\\n\\f\\t")
    (2, 1)
    """
    lines_made = text.replace("\r", "").replace("\f", "")  # line and page breaks: no count
    return sum(map(_is_control, lines_made)), len(BIDI_CONTROLS.findall(text))


def _is_control(c: str) -> bool:
    """Whether :func:`clean_text` makes ``c`` a space (a control character, line ends and
    tabs aside)."""
    return c not in "\n\t" and unicodedata.category(c) == "Cc"


def clean_text(text: str) -> str:
    """NFC, ``\\n`` line ends, no trailing spaces or control characters, single blank lines.

    >>> clean_text("B\\u00f4\\u0323 KH&CN  \\r\\n\\r\\n\\r\\n\\x0cHa\\u0300 N\\u00f4\\u0323i\\n")
    'Bộ KH&CN\\n\\nHà Nội\\n'
    >>> clean_text("hello\\x00world")
    'hello world\\n'
    >>> clean_text("Nh\\u202eật Bản")
    'Nhật Bản\\n'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = BIDI_CONTROLS.sub("", text)
    for lig, plain in _LIGATURES.items():
        text = text.replace(lig, plain)
    # a control character becomes a space: "a\x00b" is two words, not "ab"
    text = "".join(" " if _is_control(c) else c for c in text)
    text = unicodedata.normalize("NFC", text)
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return text + "\n"


def strip_page_furniture(pages: list[str], edge: int = EDGE_LINES) -> tuple[str, int]:
    """Join pages, dropping page numbers and repeated headers/footers (see the module doc).

    Furniture is looked for among the first and last ``edge`` non-empty lines of a page
    (a PDF's reading order may put a footer before the body).

    >>> pages = ["Báo X\\nMột.\\n1", "Báo X\\nHai.\\n2", "Báo X\\n3\\nBa."]
    >>> strip_page_furniture(pages)
    ('Một.\\n\\nHai.\\n\\nBa.', 6)
    """
    split = [[line.rstrip() for line in p.strip("\n").split("\n")] for p in pages]
    split = [p for p in split if any(line.strip() for line in p)]

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.split()))

    repeated: set[str] = set()
    if len(split) >= 2:
        counts: dict[str, int] = {}
        for p in split:
            lines = [line for line in p if line.strip()]
            for k in {key(line) for line in lines[:edge] + lines[-edge:]}:
                counts[k] = counts.get(k, 0) + 1
        repeated = {k for k, n in counts.items() if n >= max(2, (len(split) + 1) // 2)}

    def furniture(line: str) -> bool:
        return bool(_PAGE_NUMBER.match(line)) or key(line) in repeated

    removed = 0
    out_pages = []
    for p in split:
        kept = list(p)
        for from_top in (True, False):
            dropped = 0
            while dropped < edge:
                idx = [i for i, line in enumerate(kept) if line.strip()]
                if not idx:
                    break
                i = idx[0] if from_top else idx[-1]
                if not furniture(kept[i]):
                    break
                del kept[i]
                dropped += 1
                removed += 1
        out_pages.append(re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n"))
    return "\n\n".join(page for page in out_pages if page), removed


@dataclass(frozen=True)
class DocumentLimits:
    """What ``kg new-source`` accepts: a file over its cap is refused before it is read, and
    ``pdftotext`` is stopped once its text passes ``text_bytes`` or its time ``pdf_seconds``."""

    text_bytes: int = MAX_TEXT_BYTES  # the .txt, or the text pdftotext extracts
    pdf_bytes: int = MAX_PDF_BYTES
    pdf_memory: int = MAX_PDF_MEMORY
    pdf_seconds: float = PDFTOTEXT_TIMEOUT


DEFAULT_DOCUMENT_LIMITS = DocumentLimits()


def _refused(path: Path, message: str, fix: str) -> InputError:
    return InputError([Problem(Location(str(path)), message, fix)])


def _over(path: Path, what: str, size: int, cap: int, option: str) -> InputError:
    return _refused(
        path,
        f"{what} is {size:,} bytes, over the {cap:,}-byte cap",
        f"check that this is the right file; if it is, raise the cap with {option}",
    )


def extract_pdf(path: Path, limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS) -> list[str]:
    """The pages of a PDF as ``pdftotext`` reads them (UTF-8, reading order).

    ``pdftotext`` writes to a temporary file, watched while it runs: it is killed once the
    text passes ``limits.text_bytes`` or it has run ``limits.pdf_seconds``, and its address
    space is capped at ``limits.pdf_memory``. Each is a located :class:`InputError`.
    """
    exe = shutil.which("pdftotext")
    if exe is None:
        raise OutputError(
            "pdftotext not found — install poppler-utils (apt-get install poppler-utils) "
            "or convert the PDF to .txt yourself"
        )
    memory = limits.pdf_memory

    def capped() -> None:  # in the child, before pdftotext starts
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    with tempfile.TemporaryDirectory(prefix="kg-pdf-") as tmp:
        out, err = Path(tmp) / "text.txt", Path(tmp) / "errors.txt"
        with open(err, "wb") as err_fh:
            proc = subprocess.Popen(
                [exe, "-enc", "UTF-8", "-eol", "unix", str(path), str(out)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err_fh,
                preexec_fn=capped,
            )
        deadline = time.monotonic() + limits.pdf_seconds
        try:
            while True:
                try:
                    code = proc.wait(timeout=_POLL)
                    break
                except subprocess.TimeoutExpired:
                    pass
                size = out.stat().st_size if out.exists() else 0
                if size > limits.text_bytes:
                    raise _over(
                        path, "its text", size, limits.text_bytes, "--max-text-bytes"
                    ) from None
                if time.monotonic() > deadline:
                    raise _refused(
                        path,
                        f"pdftotext took over {limits.pdf_seconds:g} s",
                        "check that the PDF is not damaged; if it is only large, raise "
                        "--pdf-timeout",
                    ) from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        with open(err, "rb") as errors_read:
            detail = errors_read.read(4096).decode("utf-8", "replace").strip().splitlines()
        if code != 0:
            hints = ("alloc", "memory", "failed to map")  # bad_alloc, ENOMEM, ld.so
            if code < 0 or any(h in line.lower() for line in detail for h in hints):
                detail = [f"it ran out of memory or was stopped (cap {memory:,} bytes)", *detail]
                fix = "if the PDF is large and trusted, raise --max-pdf-memory"
            else:
                fix = "check that the file is a PDF with a text layer (a scan needs OCR first)"
            raise _refused(
                path, "pdftotext cannot read this PDF" + (f": {detail[0]}" if detail else ""), fix
            )
        size = out.stat().st_size if out.exists() else 0
        if size > limits.text_bytes:
            raise _over(path, "its text", size, limits.text_bytes, "--max-text-bytes")
        data = out.read_bytes() if size else b""
    return data.decode("utf-8", "replace").split("\f")


def read_document(
    path: Path, limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS
) -> tuple[str, int, tuple[int, int]]:
    """The cleaned text of a ``.txt`` or ``.pdf`` file, how many furniture lines went, and
    the :func:`hidden_characters` of the text before it was cleaned.

    A file over its cap in ``limits`` is refused unread, and so is a text that would be
    over the cap ``kg build`` puts on ``text.txt`` once cleaned.
    """
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".txt"):
        raise UsageError(f"{path}: only .txt and .pdf files can be added (got {suffix or 'none'})")
    size = path.stat().st_size
    if suffix == ".pdf":
        if size > limits.pdf_bytes:
            raise _over(path, "the file", size, limits.pdf_bytes, "--max-pdf-bytes")
        text, removed = strip_page_furniture(extract_pdf(path, limits))
    else:
        if size > limits.text_bytes:
            raise _over(path, "the file", size, limits.text_bytes, "--max-text-bytes")
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _refused(
                path,
                f"not UTF-8 (byte {exc.start} is {data[exc.start]:#04x})",
                "save the file as UTF-8 (e.g. iconv -f CP1258 -t UTF-8)",
            ) from None
        removed = 0
    hidden = hidden_characters(text)
    text = clean_text(text)
    if not text.strip():
        raise _refused(path, "no text in the file", "a scanned PDF needs OCR first")
    size = len(text.encode("utf-8"))
    if size > limits.text_bytes:
        raise _over(path, "its cleaned text", size, limits.text_bytes, "--max-text-bytes")
    return text, removed, hidden


def guess_language(text: str) -> str:
    """``vi`` when Vietnamese letters are common, ``ja`` for kana/kanji, else ``en``.

    >>> guess_language("Bộ Khoa học và Công nghệ"), guess_language("Ministry of Science")
    ('vi', 'en')
    """
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "vi"
    japanese = sum(1 for c in letters if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff")
    if japanese / len(letters) > 0.2:
        return "ja"
    vi = sum(
        1
        for c in letters
        if c in _VI_LETTERS or (unicodedata.decomposition(c).count(" ") >= 1 and not c.isascii())
    )
    return "vi" if vi / len(letters) > 0.03 else "en"


def _yaml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _printable(name: str) -> str:
    """A file name with its control characters (Unicode Cc) and bidi controls written as
    ``\\uXXXX``: a name may hold an escape sequence or a right-to-left override, and
    meta.yaml refuses both."""
    return "".join(
        f"\\u{ord(c):04X}" if unicodedata.category(c) == "Cc" or BIDI_CONTROLS.match(c) else c
        for c in name
    )


def to_meta_skeleton(text: str, source_id: str, original: str) -> str:
    """``meta.yaml`` with what the text states: a title, a date, the language."""
    original = _printable(original)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    first = lines[0] if lines else ""
    if first and len(first) <= 150 and not first.endswith((".", ":", ";", ",")):
        title, title_note = first, "the text's first line"
    else:
        words = " ".join(first.split()[:10])
        title, title_note = f"[{words}…]", "supplied (in brackets) from the first words"
    dates = find_dates(text[:2000])
    full = [d for d in find_dates(text) if len(d[2]) >= 4]
    out = [
        f"# Written by kg new-source from {original}. Check every line marked REVIEW,",
        "# then remove the marks. Format: sources/FORMAT.md.",
        f"id: {source_id}",
        "kind: NewsArticle  # REVIEW: NewsArticle | JournalArticle | Bulletin | Report",
        "title:",
        f"  vi: {_yaml_str(title)}  # REVIEW: {title_note}; add en: with a translation",
    ]
    if dates:
        out.append(f'issued: "{dates[0][2]}"  # REVIEW: the first date near the top of the text')
    elif full:
        latest = max(d[2][:4] for d in full)
        out.append(f'issued: "{latest}"  # REVIEW: no date stated; the latest year the text names')
    else:
        out.append('# REVIEW: the text states no date; add issued: "YYYY" (or YYYY-MM, YYYY-MM-DD)')
    out.append(f"language: {guess_language(text)}  # REVIEW: guessed from the letters used")
    out.append(f"original_file: {_yaml_str(original)}")
    return "\n".join(out) + "\n"


EMPTY_ANNOTATIONS = (
    "# Annotations of text.txt. Format: sources/FORMAT.md.\n"
    "# `kg suggest` proposes some in suggestions.yaml; `kg review` shows them.\n"
    "mentions: []\n"
    "claims: []\n"
)


def next_folder_name(sources: Path) -> str:
    """The next free ``NNN`` under ``sources`` (one more than the highest number used)."""
    numbers = [int(p.name) for p in sources.iterdir() if p.is_dir() and p.name.isdigit()]
    return f"{max(numbers, default=-1) + 1:03d}"


def new_source(
    file: Path,
    sources: Path,
    folder_name: str | None = None,
    limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS,
) -> NewSource:
    """Create ``sources/NNN/`` from ``file`` (read under ``limits``); never overwrites."""
    # A missing input is exit 3, as for every other command that reads one.
    if not file.is_file():
        why = "no such file"
        if file.is_dir():
            why = "is a directory"
        elif file.exists():
            why = "is not a regular file (a device, a FIFO or a socket)"
        raise _refused(file, why, "give the document file (.txt or .pdf)")
    if not sources.is_dir():
        raise _refused(sources, "sources directory not found", "pass --sources DIR")
    name = folder_name or next_folder_name(sources)
    if not re.fullmatch(r"[0-9]{3,}", name):  # ASCII digits: the build reads no others
        raise UsageError(f"--id {name!r}: use three or more digits 0-9, like 005")
    folder = sources / name
    if folder.exists():
        raise UsageError(
            f"{folder} already exists; kg new-source never overwrites — pick another --id"
        )
    source_id = f"doc-{name}"
    text, removed, (controls, bidi) = read_document(file, limits)
    folder.mkdir()
    write_atomic(folder / "text.txt", text)
    meta = to_meta_skeleton(text, source_id, file.name)
    write_atomic(folder / "meta.yaml", meta)
    write_atomic(folder / "annotations.yaml", EMPTY_ANNOTATIONS)
    return NewSource(folder, source_id, removed, "\nissued:" in meta, controls, bidi)
