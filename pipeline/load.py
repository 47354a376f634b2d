"""Load stage: read ``sources/`` into typed records, checking everything a person can get wrong.

All problems of a run are collected and raised together as one
:class:`~pipeline.errors.InputError`, each as ``path:line: what — how to fix``.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .anchor import AnchorError, SourceText
from .checks import find_date, names_entity, near_duplicates, shared_names
from .errors import Location, Problem, ProblemCollector
from .model import (
    Amount,
    Anchor,
    Claim,
    Corpus,
    Entity,
    Labels,
    Mention,
    Qualifiers,
    Source,
    SourceMeta,
    Wording,
)
from .quantities import QuantityError, parse_amount, parse_date
from .readers import MAX_SCHEMA_BYTES
from .schema import QUALIFIER_BY_KEY, QUALIFIERS, role_for_wording
from .text import fold_whitespace, fold_words
from .vocab import (
    ENTITY_CLASSES,
    ID_PATTERN,
    LANGUAGES,
    QUALIFIER_KEYS,
    RELATIONS,
    ROLE_BY_ID,
    SOURCE_KINDS,
    is_a,
    relation_qualifiers,
    top_class,
)
from .yamltree import (
    YamlProblems,
    YList,
    YMap,
    YNode,
    YScalar,
    describe_auto_type,
    read_yaml_text,
)

MAX_YAML_BYTES = 5 * 1024 * 1024  # an annotation file larger than this is refused
MAX_TEXT_BYTES = 20 * 1024 * 1024  # a source text larger than this is refused
MAX_REGISTRY_BYTES = 32 * 1024 * 1024  # about 175,000 entities


@dataclass(frozen=True)
class SourceLimits:
    """The size caps of the files a corpus and its ontology are read from (``kg build
    --max-yaml-bytes`` …): a file over its cap is refused with a located problem, before it
    is parsed."""

    yaml_bytes: int = MAX_YAML_BYTES  # meta.yaml, annotations.yaml
    text_bytes: int = MAX_TEXT_BYTES  # text.txt
    registry_bytes: int = MAX_REGISTRY_BYTES  # registry.yaml
    ontology_bytes: int = MAX_SCHEMA_BYTES  # ontology/vjkg.ttl, ontology/shapes.ttl


DEFAULT_LIMITS = SourceLimits()
REGISTRY_FILE = "registry.yaml"


GUESSED_PER_FILE = 5  # unknown entity ids per file matched against the registry for a hint


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest valid choices.

    >>> did_you_mean("memberof", ["memberOf", "partnerOf"])
    "did you mean 'memberOf'?"
    """
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    if not close:
        return ""
    return "did you mean " + " or ".join(repr(c) for c in close) + "?"


class YamlReader:
    """Typed access to a located YAML tree, reporting problems instead of raising."""

    def __init__(self, path: str, problems: ProblemCollector):
        self.path = path
        self.problems = problems
        self.warnings: list[Problem] = []  # problems that do not stop a build (--strict: they do)
        self._guesses: dict[str, str] = {}

    def entity_hint(self, eid: str, entities: dict[str, Entity]) -> str:
        """How to fix an unknown entity id: the close registry ids for the first
        :data:`GUESSED_PER_FILE` unknown ids of the file (each guess reads the whole registry,
        about 3 s at 175,000 entities), then the plain advice."""
        fallback = "add it to sources/registry.yaml"
        if eid not in self._guesses and len(self._guesses) < GUESSED_PER_FILE:
            self._guesses[eid] = did_you_mean(eid, entities) or fallback
        return self._guesses.get(eid, fallback)

    def loc(self, line: int) -> Location:
        return Location(self.path, line)

    def problem(self, line: int, what: str, fix: str = "") -> None:
        self.problems.add(self.loc(line), what, fix)

    def warn(self, line: int, what: str, fix: str = "") -> None:
        self.warnings.append(Problem(self.loc(line), what, fix))

    def mapping(self, node: YNode | None, what: str) -> YMap | None:
        if isinstance(node, YMap):
            return node
        if node is not None:
            self.problem(node.line, f"{what} must be a mapping (key: value)", "")
        return None

    def items(self, node: YNode | None, what: str) -> list[YNode]:
        if node is None:
            return []
        if isinstance(node, YScalar) and node.plain and node.value in ("", "~", "null"):
            return []
        if isinstance(node, YList):
            return node.items
        self.problem(node.line, f"{what} must be a list ('- ' items)", "")
        return []

    def check_keys(self, node: YMap, allowed: Iterable[str], what: str) -> None:
        allowed = list(allowed)
        for key, line in node.key_lines.items():
            if key not in allowed:
                hint = did_you_mean(key, allowed) or "allowed: " + ", ".join(sorted(allowed))
                self.problem(line, f"unknown key {key!r} in {what}", hint)

    def text(self, node: YMap, key: str, required: bool = True) -> str | None:
        value = node.get(key)
        if value is None:
            if required:
                self.problem(node.line, f"missing {key!r}", f"add '{key}: …'")
            return None
        if not isinstance(value, YScalar):
            self.problem(value.line, f"{key!r} must be text, not a list or mapping", "")
            return None
        if value.auto_typed:
            if value.tag.endswith(":null"):
                if required:
                    self.problem(value.line, f"{key!r} is empty", f"give a value for '{key}'")
                return None
            self.problem(
                value.line,
                f"{key!r}: YAML would read {value.value!r} as {describe_auto_type(value)}",
                f'put it in quotes: {key}: "{value.value}"',
            )
            return None
        text = unicodedata.normalize("NFC", value.value).strip()
        if not text:
            if required:
                self.problem(value.line, f"{key!r} is empty", f"give a value for '{key}'")
            return None
        return text

    def integer(self, node: YMap, key: str) -> int | None:
        value = node.get(key)
        if value is None:
            return None
        if isinstance(value, YScalar) and _WHOLE.fullmatch(value.value.strip()):
            return int(value.value.strip(), 10)
        self.problem(
            value.line,
            f"{key!r} must be a whole number, got {_show(value)}",
            f"write '{key}: 0' or more (a character offset in text.txt)"
            if key in ("start", "end")
            else f"write '{key}: 1' or more",
        )
        return None

    def labels(self, node: YNode | None, key: str, required_langs: Iterable[str]) -> Labels:
        if node is None:
            return ()
        m = self.mapping(node, f"{key!r}")
        if m is None:
            return ()
        out: dict[str, str] = {}
        for lang, line in m.key_lines.items():
            if lang not in LANGUAGES:
                self.problem(
                    line,
                    f"invalid language tag {lang!r} in {key!r}",
                    "use one of "
                    + ", ".join(LANGUAGES)
                    + " (inside {…} a comma starts a new key: put text with commas in quotes)",
                )
                continue
            text = self.text(m, lang)
            if text:
                out[lang] = text
        for lang in required_langs:
            if lang not in out and lang not in m:
                self.problem(m.line, f"{key!r} has no {lang!r} text", f"add '{lang}: …'")
        return tuple(sorted(out.items()))


def _show(node: YNode) -> str:
    if isinstance(node, YScalar):
        return repr(node.value)
    return "a list" if isinstance(node, YList) else "a mapping"


def read_capped(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file at ``path``; raises :class:`FileRefused` when it is not
    a regular file (a FIFO would block, a device never end) or holds over ``max_bytes``
    (checked before it is read, and again while it is: a file may grow)."""
    # Opened without blocking and checked on the open file: a FIFO put in place between a
    # check of the path and the open would block the open itself.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise FileRefused("is a directory", "")
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused("is not a regular file (a FIFO, a device or a socket)", "")
        if st.st_size > max_bytes:
            raise FileRefused(f"is {st.st_size:,} bytes, over the {max_bytes:,}-byte cap", "cap")
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileRefused(f"is over the {max_bytes:,}-byte cap", "cap")
    return data


class FileRefused(Exception):
    """A file :func:`read_capped` will not read: ``reason`` is ``"cap"`` for its size."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message, self.reason = message, reason


def _read_or_report(
    path: Path,
    max_bytes: int,
    option: str,
    problems: ProblemCollector,
    what: str = "file",
    missing: tuple[str, str] = ("the file", "check that it exists"),
) -> bytes | None:
    """:func:`read_capped`, its refusal recorded as a located problem: "``what`` is …", or
    "cannot read ``missing[0]``" with the fix ``missing[1]``."""
    loc = Location.of(path)
    try:
        return read_capped(path, max_bytes)
    except FileRefused as exc:
        if exc.reason == "cap":
            fix = f"check that this is the right file; if it is, raise the cap with {option}"
        else:
            fix = "replace it with a plain file"
        problems.add(loc, f"{what} {exc.message}", fix)
    except OSError as exc:
        problems.add(loc, f"cannot read {missing[0]}: {exc.strerror}", missing[1])
    return None


def read_yaml_file(
    path: Path, problems: ProblemCollector, max_bytes: int = MAX_YAML_BYTES
) -> YNode | None:
    """Read one YAML file into a located tree; record problems and return None on failure
    (a file over ``max_bytes``, or not a regular file, is refused unread)."""
    loc = Location.of(path)
    option = "--max-registry-bytes" if path.name == REGISTRY_FILE else "--max-yaml-bytes"
    data = _read_or_report(path, max_bytes, option, problems)
    if data is None:
        return None
    text = _decode(data, loc, problems)
    if text is None:
        return None
    try:
        return read_yaml_text(text, loc.path)
    except YamlProblems as exc:
        for p in exc.problems:
            problems.add(p.where, p.what, p.fix)
        return None


def _decode(data: bytes, loc: Location, problems: ProblemCollector) -> str | None:
    """UTF-8 text, or None with a problem naming the byte offset of the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        problems.add(
            loc, "file starts with a byte-order mark (BOM)", "save it as UTF-8 without BOM"
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(
            Location(loc.path, line),
            f"not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start}",
            "convert the file to UTF-8 (e.g. iconv -f CP1258 -t UTF-8)",
        )
        return None
    bad = _CONTROL.search(text)
    if bad is not None:
        i = bad.start()
        byte_offset = len(text[:i].encode("utf-8"))
        line = text.count("\n", 0, i) + 1
        problems.add(
            Location(loc.path, line),
            f"control character U+{ord(text[i]):04X} at byte offset {byte_offset}",
            "remove it (the file must be plain text)",
        )
        return None
    return text


# A whole number as annotations write one: ASCII digits (str.isdigit also takes "²" and
# "١٢"), at most 18 of them (int() refuses over 4,300, and no offset or rank is longer).
_WHOLE = re.compile(r"[0-9]{1,18}")

# Unicode's control characters (general category Cc: U+0000-U+001F and U+007F-U+009F),
# except tab, line feed and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _safe_child(root: Path, path: Path, loc: Location, problems: ProblemCollector) -> bool:
    """Refuse symlinks and paths that resolve outside ``root``."""
    if path.is_symlink():
        problems.add(loc, "is a symbolic link; links are not followed", "copy the file in place")
        return False
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        problems.add(loc, f"resolves outside {root}", "keep every source inside sources/")
        return False
    return True


class Registry(dict[str, Entity]):
    """The registry's entities by id, and the ids of entries with a problem of their own
    (an unknown class, no label): a reference to one of those is not another problem."""

    def __init__(self) -> None:
        super().__init__()
        self.broken: set[str] = set()


def load_registry(
    path: Path, problems: ProblemCollector, max_bytes: int = MAX_REGISTRY_BYTES
) -> Registry:
    """Read the entity registry; every problem goes to ``problems``. An entry with a
    problem is left out, and references to it are not reported again (one misspelt class
    made an error at every claim about the entity, each with a wrong "did you mean")."""
    tree = read_yaml_file(path, problems, max_bytes)
    r = YamlReader(Location.of(path).path, problems)
    entities = Registry()
    root = r.mapping(tree, "the registry") if tree is not None else None
    if root is None:
        return entities
    r.check_keys(root, ["entities"], "the registry")
    countries: list[tuple[str, int]] = []
    for node in r.items(root.get("entities"), "'entities'"):
        m = r.mapping(node, "an entity")
        if m is None:
            continue
        r.check_keys(m, ["id", "class", "label", "aliases", "country"], "an entity")
        eid = r.text(m, "id")
        cls = r.text(m, "class")
        if eid is not None and not ID_PATTERN.match(eid):
            r.problem(
                m.key_lines.get("id", m.line),
                f"id {eid!r} is not a valid id (it becomes an IRI)",
                "use lowercase ASCII letters, digits and single hyphens, e.g. 'japan-ict-day-2026'",
            )
            eid = None
        if cls is not None and cls not in ENTITY_CLASSES:
            r.problem(
                m.key_lines["class"],
                f"unknown class {cls!r}",
                did_you_mean(cls, ENTITY_CLASSES) or "see sources/FORMAT.md for the classes",
            )
            cls = None
        labels = r.labels(m.get("label"), "label", ("vi", "en"))
        if "label" not in m:
            r.problem(m.line, "entity has no 'label'", "add 'label: {vi: …, en: …}'")
        aliases: list[tuple[str, tuple[str, ...]]] = []
        alias_map = r.mapping(m.get("aliases"), "'aliases'")
        if alias_map is not None:
            for lang, line in alias_map.key_lines.items():
                if lang not in LANGUAGES:
                    r.problem(
                        line, f"invalid language tag {lang!r} in 'aliases'", "use vi, en or ja"
                    )
                    continue
                names = []
                for item in r.items(alias_map[lang], f"aliases.{lang}"):
                    if isinstance(item, YScalar) and not item.auto_typed and item.value.strip():
                        names.append(unicodedata.normalize("NFC", item.value).strip())
                    elif not isinstance(item, YScalar):
                        r.problem(
                            item.line,
                            f"an alias is {_show(item)}, not quoted text",
                            "write each alias as one quoted name on its own '- ' line",
                        )
                    elif not item.value.strip():
                        r.problem(item.line, "an alias is empty", "remove it or write the name")
                    else:
                        r.problem(
                            item.line,
                            f"alias {_show(item)} must be quoted text",
                            f'put it in quotes: - "{item.value}"',
                        )
                aliases.append((lang, tuple(names)))
        country = r.text(m, "country", required=False)
        if country is not None and cls == "Country":
            r.problem(
                m.key_lines["country"],
                f"{eid!r} is a Country, which takes no 'country'",
                "remove the 'country' line",
            )
        elif country is not None:
            countries.append((country, m.key_lines["country"]))
        needs_country = (
            cls is not None
            and top_class(cls) == "Organization"
            and cls != "InternationalOrganization"
        )
        if needs_country and country is None:
            r.problem(
                m.line, f"organisation {eid!r} has no 'country'", "add 'country: japan' (an id)"
            )
        if eid is None or cls is None or not labels:
            if eid is not None:
                entities.broken.add(eid)
            continue
        if eid in entities:
            first = entities[eid].where
            r.problem(
                m.line,
                f"duplicate id {eid!r} (first defined at {first})",
                "merge the two entries or give one a different id",
            )
            continue
        entities[eid] = Entity(
            eid, cls, labels, tuple(sorted(aliases)), country, Location(r.path, m.line)
        )
    for country, line in countries:
        target = entities.get(country)
        if target is None and country in entities.broken:
            continue  # its own entry is reported
        if target is None:
            r.problem(
                line, f"country {country!r} is not a registry id", r.entity_hint(country, entities)
            )
        elif target.cls != "Country":
            r.problem(line, f"country {country!r} is a {target.cls}, not a Country", "")
    return entities


def load_source_text(
    path: Path, problems: ProblemCollector, max_bytes: int = MAX_TEXT_BYTES
) -> tuple[str, tuple[str, ...]] | None:
    """Read a source text as NFC; report encoding problems with their byte offsets."""
    loc = Location.of(path)
    missing = ("the source text", "add text.txt")
    data = _read_or_report(path, max_bytes, "--max-text-bytes", problems, "text", missing)
    if data is None:
        return None
    text = _decode(data, loc, problems)
    if text is None:
        return None
    if not text.strip():
        problems.add(
            loc, "the source text is empty", "add the document's text or remove the folder"
        )
        return None
    notes: tuple[str, ...] = ()
    nfc = unicodedata.normalize("NFC", text)
    if nfc != text:
        notes = (f"{loc}: text was not in Unicode NFC; normalised (offsets refer to the NFC text)",)
    return nfc, notes


def load_meta(
    path: Path, folder: str, problems: ProblemCollector, max_bytes: int = MAX_YAML_BYTES
) -> SourceMeta | None:
    """Read a source's ``meta.yaml``."""
    tree = read_yaml_file(path, problems, max_bytes)
    if tree is None:
        return None
    r = YamlReader(Location.of(path).path, problems)
    m = r.mapping(tree, "meta.yaml")
    if m is None:
        return None
    allowed = ["id", "kind", "title", "issued", "language", "publisher", "author", "issue"]
    r.check_keys(m, [*allowed, "author_affiliation", "original_file"], "meta.yaml")
    sid = r.text(m, "id")
    if sid is not None and not ID_PATTERN.match(sid):
        r.problem(m.key_lines["id"], f"source id {sid!r} is not a valid id", "e.g. 'doc-003'")
        sid = None
    kind = r.text(m, "kind")
    if kind is not None and kind not in SOURCE_KINDS:
        r.problem(m.key_lines["kind"], f"unknown kind {kind!r}", did_you_mean(kind, SOURCE_KINDS))
        kind = None
    title = r.labels(m.get("title"), "title", ("vi",))
    if "title" not in m:
        r.problem(m.line, "missing 'title'", "add 'title: {vi: …, en: …}'")
    issued = r.text(m, "issued")
    if issued is not None:
        try:
            parse_date(issued)
        except QuantityError as exc:
            r.problem(m.key_lines["issued"], str(exc), "")
            issued = None
    language = r.text(m, "language")
    if language is not None and language not in LANGUAGES:
        r.problem(m.key_lines["language"], f"invalid language tag {language!r}", "use 'vi'")
        language = None
    if None in (sid, kind, issued, language) or not title:
        return None
    assert sid and kind and issued and language
    return SourceMeta(
        sid,
        folder,
        kind,
        title,
        issued,
        language,
        publisher=r.text(m, "publisher", required=False),
        author=r.text(m, "author", required=False),
        issue=r.text(m, "issue", required=False),
        affiliation=r.text(m, "author_affiliation", required=False),
        original_file=r.text(m, "original_file", required=False),
        where=Location(r.path, 1),
    )


def _date_qualifier(
    r: YamlReader, m: YMap, key: str, quote: str, issued: str, has_reason: bool
) -> tuple[bool, str | None, str | None]:
    """(ok, the date, the relative wording it was resolved from) for a date-valued key."""
    value = r.text(m, key, required=False)
    if value is None:
        return True, None, None
    try:
        parse_date(value)
    except QuantityError as exc:
        r.problem(m.key_lines[key], str(exc), "")
        return False, None, None
    if has_reason:
        return True, value, None
    reading = find_date(value, quote, issued)
    if reading is None:
        r.problem(
            m.key_lines[key],
            f"{key} {value!r} is not readable from the quote"
            + f" (nor from the quote and the document's date {issued})",
            "write the date the quote gives (at its precision), quote the sentence that gives "
            "it, add 'dateQuote: …' (the passage of the text that gives it) or 'dateReason: …' "
            "saying where in the text it comes from",
        )
        return False, None, None
    return True, value, reading.relative


def _role(r: YamlReader, m: YMap, quote: str) -> tuple[bool, str | None, str | None]:
    """(ok, role id, role as written) — the role must come from the vocabulary of roles."""
    node = m.get("role")
    if node is None:
        if "roleText" in m:
            r.problem(m.key_lines["roleText"], "'roleText' without 'role'", "add 'role: <id>'")
            return False, None, None
        return True, None, None
    if isinstance(node, YMap):
        return _role_from_labels(r, m, node, quote)
    role = r.text(m, "role")
    if role is None:
        return False, None, None
    ok = True
    if role not in ROLE_BY_ID:
        guess = role_for_wording(role)
        r.problem(
            m.key_lines["role"],
            f"unknown role {role!r}",
            did_you_mean(role, ROLE_BY_ID)
            or (f"did you mean {guess!r}?" if guess else "")
            or "see the Roles table in sources/FORMAT.md, or add the role to pipeline/schema.py",
        )
        ok = False
    text = r.text(m, "roleText", required=False)
    if text is not None and fold_words(text) not in fold_words(quote):
        r.problem(
            m.key_lines["roleText"],
            f"roleText {text!r} does not occur in the quote",
            "copy the role exactly as the quoted sentence writes it",
        )
        ok = False
    return ok, role, text


def _role_from_labels(
    r: YamlReader, m: YMap, node: YMap, quote: str
) -> tuple[bool, str | None, str | None]:
    """``role: {vi: …, en: …}``: mapped to the vocabulary when it names one role (a warning:
    write the id), an error otherwise."""
    labels = dict(r.labels(node, "role", ()))
    guess = role_for_wording(labels.get("vi", "")) or role_for_wording(labels.get("en", ""))
    if guess is None:
        wording = labels.get("vi") or labels.get("en")
        r.problem(
            node.line,
            "'role' is an id from the vocabulary of roles, not {vi: …, en: …}, and "
            + (f"{wording!r} names no role in it" if wording else "this one is empty"),
            "pick an id from the Roles table in sources/FORMAT.md (or add the role to "
            "pipeline/schema.py) and write 'role: <id>' and 'roleText: <as the quote writes it>'",
        )
        return False, None, None
    written = labels.get("vi")
    if written is not None and fold_words(written) not in fold_words(quote):
        written = None
    r.warn(
        node.line,
        f"role written as {{vi: …, en: …}}; read as the vocabulary's role {guess!r}",
        f"write 'role: {guess}'" + (f" and 'roleText: {written}'" if written else ""),
    )
    return True, guess, written


def _qualifier_entity(
    r: YamlReader, m: YMap, key: str, entities: dict[str, Entity]
) -> tuple[bool, str | None]:
    if key not in m:
        return True, None
    (prop,) = [p for p in QUALIFIER_BY_KEY[key].properties if p.value == "iri"]
    eid = _entity_ref(r, m, key, entities, prop.classes or None)
    return eid is not None, eid


def _occurs_whole(needle: str, haystack: str) -> bool:
    """Whether the amount ``needle`` occurs in ``haystack`` with no digit run on either
    side: "6,1%" does not occur in "56,1%", nor "1" in "1 000" or in the range "1-2 năm".

    >>> _occurs_whole("6,1%", "đạt 56,1% số"), _occurs_whole("56,1%", "đạt 56,1% số")
    (False, True)
    """
    at = haystack.find(needle)
    while at != -1:
        before, after = haystack[:at], haystack[at + len(needle) :]
        # a digit run, or a range's other end ("1-2 năm": "1" alone is not what it says)
        joined_before = re.search(r"\d[.,]?$|\d\s*[-–]\s*$", before) is not None
        joined_after = needle[-1:].isdigit() and (
            re.match(r"[.,]?\d| \d{3}(?!\d)|\s*[-–]\s*\d", after) is not None
        )
        if not joined_before and not joined_after:
            return True
        at = haystack.find(needle, at + 1)
    return False


# How Vietnamese (and English) texts write the small ordinals in words: "thứ hai", "số
# một". The bare words are ambiguous ("năm" is also a year, "tư" part of "đầu tư").
_ORDINAL_WORDS = ("một", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười")
_ENGLISH = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth")  # fmt: skip


def _number_words(number: int) -> tuple[str, ...]:
    if not 1 <= number <= 10:
        return ()
    word = _ORDINAL_WORDS[number - 1]
    out: tuple[str, ...] = (f"thứ {word}", f"số {word}", _ENGLISH[number - 1])
    if number == 1:
        out += ("thứ nhất", "đầu tiên", "đứng đầu", "dẫn đầu", "hàng đầu", "top")
    if number == 2:
        out += ("thứ nhì", "hạng nhì")
    return out


def _states_number(number: int, quote: str) -> bool:
    """Whether ``quote`` writes ``number``: in digits (not inside a longer number), or, up
    to ten, as a word.

    >>> [_states_number(n, q) for n, q in [(2, "lớn thứ hai"), (38, "hạng 38"), (3, "năm 2023")]]
    [True, True, False]
    """
    if re.search(rf"(?<![\d.,]){number}(?![\d]|[.,]\d)", quote):
        return True
    words = "|".join(re.escape(w) for w in _number_words(number))
    return bool(words) and re.search(rf"(?<!\w)(?:{words})(?!\w)", quote.lower()) is not None


def _ends_before(until: str, date: str) -> bool:
    """Whether the ISO date ``until`` (of any precision) ends before ``date`` begins:
    compared at the precision both have, so "2024" is not before "2024-05".

    >>> _ends_before("2023-12", "2024"), _ends_before("2024", "2024-05")
    (True, False)
    """
    n = min(len(until), len(date))
    return until[:n] < date[:n]


def _claim_qualifiers(
    r: YamlReader,
    m: YMap,
    relation: str,
    quote: str,
    source: Source,
    entities: dict[str, Entity],
) -> tuple[Qualifiers, Wording] | None:
    rel = RELATIONS[relation]
    allowed = relation_qualifiers(rel)
    ok = True
    for key in sorted(rel.required):
        if key not in m:
            r.problem(m.line, f"relation {relation!r} needs '{key}'", f"add '{key}: …'")
            ok = False
    for key, line in m.key_lines.items():
        if key in QUALIFIER_KEYS and key not in allowed:
            shown = ", ".join(sorted(allowed)) or "none"
            r.problem(line, f"relation {relation!r} takes no '{key}'", f"allowed: {shown}")
            ok = False
    reason = r.text(m, "dateReason", required=False)
    issued = source.meta.issued
    date_quote = r.text(m, "dateQuote", required=False)
    dated = quote
    if date_quote is not None:
        if fold_whitespace(date_quote) not in fold_whitespace(source.text):
            r.problem(
                m.key_lines["dateQuote"],
                f"dateQuote {date_quote!r} does not occur in the text",
                "copy the passage that gives the date verbatim from text.txt",
            )
            ok = False
        dated = quote + " … " + date_quote
    date_ok, date, date_text = _date_qualifier(r, m, "date", dated, issued, reason is not None)
    until_ok, until, until_text = _date_qualifier(r, m, "until", dated, issued, reason is not None)
    ok = ok and date_ok and until_ok
    folded_quote = fold_whitespace(quote)
    amounts: dict[str, Amount | None] = {}
    for key in ("amount", "share"):
        surface = r.text(m, key, required=False)
        amounts[key] = None
        if surface is None:
            continue
        try:
            parsed = amounts[key] = parse_amount(surface)
        except QuantityError as exc:
            r.problem(m.key_lines[key], str(exc), "")
            ok = False
            continue
        if not _occurs_whole(fold_whitespace(surface), folded_quote):
            part = fold_whitespace(surface) in folded_quote
            r.problem(
                m.key_lines[key],
                f"{key} {surface!r} does not occur in the quote"
                + (" on its own: it is part of a longer number or of a range" if part else ""),
                "copy the amount exactly as the quoted sentence writes it",
            )
            ok = False
        elif key == "share" and not (parsed.unit or "").startswith("percent"):
            r.problem(
                m.key_lines[key],
                f"share {surface!r} is not a percentage",
                "a share is written with %, as the quote does, e.g. '56,1%'",
            )
            ok = False
    generic: dict[str, object] = {}  # Qualifiers field -> value, for the generic kinds
    for q in QUALIFIERS:
        if q.kind == "number" and q.key in m:
            raw = r.text(m, q.key, required=False)
            if raw is not None and _WHOLE.fullmatch(raw) and int(raw) > 0:
                generic[q.field or q.key] = int(raw)
            elif raw is not None:
                r.problem(
                    m.key_lines[q.key], f"{q.key} {raw!r} must be a positive whole number", ""
                )
                ok = False
        elif q.kind == "entity" and q.key in m:
            entity_ok, eid = _qualifier_entity(r, m, q.key, entities)
            generic[q.field or q.key] = eid
            ok = ok and entity_ok
    role_ok, role, role_text = _role(r, m, quote)
    ok = ok and role_ok
    for key, number in sorted(generic.items()):
        if key in ("rank", "out_of", "ordinal") and isinstance(number, int):
            written = "outOf" if key == "out_of" else key
            if not _states_number(number, quote):
                r.warn(
                    m.key_lines[written],
                    f"{written} {number} is not written in the quote (as {number} or as a word "
                    "such as 'thứ hai', 'số một', 'đầu tiên')",
                    "check the number against the text; quote the clause that states it",
                )
    rank, out_of = generic.get("rank"), generic.get("out_of")
    if isinstance(rank, int) and isinstance(out_of, int) and rank > out_of:
        r.problem(
            m.key_lines["rank"],
            f"rank {rank} is beyond outOf {out_of}: a ranking of {out_of} has no place {rank}",
            "check both numbers against the quote",
        )
        ok = False
    if date is not None and until is not None and _ends_before(until, date):
        r.problem(
            m.key_lines["until"],
            f"until {until!r} is before the date {date!r} the fact began",
            "check both dates against the text (until is when it ended)",
        )
        ok = False
    measure = r.labels(m.get("measure"), "measure", ("vi", "en")) if "measure" in m else ()
    if not ok:
        return None
    qualifiers = Qualifiers(
        role=role,
        date=date,
        until=until,
        amount=amounts["amount"],
        share=amounts["share"],
        measure=measure,
        **generic,  # type: ignore[arg-type]
    )
    amount, share = amounts["amount"], amounts["share"]
    wording = Wording(
        amount_text=amount.text if amount else None,
        share_text=share.text if share else None,
        role_text=role_text,
        date_text=date_text or until_text,
        date_quote=date_quote,
        date_reason=reason,
    )
    return qualifiers, wording


def _check_names(
    r: YamlReader,
    m: YMap,
    quote: str,
    subject: str,
    obj: str | None,
    entities: dict[str, Entity],
) -> bool:
    """The quote names the subject or the object, or the claim says which one it implies."""
    implicit = r.text(m, "implicit", required=False)
    if implicit is not None:
        ends = ("subject", "object") if obj is not None else ("subject",)
        if implicit not in ends:
            r.problem(
                m.key_lines["implicit"],
                f"implicit {implicit!r} must be " + " or ".join(repr(e) for e in ends),
                "say which end the quote implies without naming it",
            )
            return False
        if r.text(m, "reason", required=False) is None:
            r.problem(
                m.key_lines["implicit"],
                f"'implicit: {implicit}' needs a 'reason'",
                "add 'reason: …' saying how the quote refers to it (\"nước này\" = Japan)",
            )
            return False
        return True
    if "reason" in m:
        r.problem(m.key_lines["reason"], "'reason' without 'implicit'", "add 'implicit: …'")
        return False
    named = [e for e in (subject, obj) if e is not None and names_entity(quote, entities[e])]
    if named:
        return True
    which = f"subject {subject!r}" + (f" nor its object {obj!r}" if obj else "")
    r.problem(
        m.key_lines.get("quote", m.line),
        f"the quote names neither its {which} by any registry label or alias",
        "quote the clause that names one of them, add the name the text uses as an alias in "
        "sources/registry.yaml, or add 'implicit: subject|object' with a 'reason'",
    )
    return False


def _anchor(r: YamlReader, m: YMap, text: SourceText) -> tuple[str, Anchor] | None:
    quote = r.text(m, "quote")
    occurrence = r.integer(m, "occurrence")
    start = r.integer(m, "start")
    end = r.integer(m, "end")
    if quote is None or any(k in m and v is None for k, v in (("start", start), ("end", end))):
        return None  # a bad offset is reported already
    if (start is None) != (end is None):
        given, missing = ("start", "end") if end is None else ("end", "start")
        r.problem(
            m.key_lines[given],
            f"'{given}' is given without '{missing}'",
            f"give both offsets, or neither (the quote alone anchors the claim); add '{missing}'",
        )
        return None
    try:
        return quote, text.anchor(quote, occurrence, start, end)
    except AnchorError as exc:
        r.problem(m.key_lines.get("quote", m.line), exc.what, exc.fix)
        return None


def _entity_ref(
    r: YamlReader,
    m: YMap,
    key: str,
    entities: dict[str, Entity],
    classes: tuple[str, ...] | None,
) -> str | None:
    eid = r.text(m, key)
    if eid is None:
        return None
    entity = entities.get(eid)
    if entity is None and isinstance(entities, Registry) and eid in entities.broken:
        return None  # its registry entry is reported already
    if entity is None:
        r.problem(
            m.key_lines[key],
            f"unknown entity {eid!r}",
            r.entity_hint(eid, entities),
        )
        return None
    if classes is not None and not is_a(entity.cls, classes):
        r.problem(
            m.key_lines[key],
            f"{key} {eid!r} is a {entity.cls}, which this relation does not take as {key}",
            "expected one of: " + ", ".join(sorted(classes)),
        )
        return None
    return eid


def load_annotations(
    path: Path,
    source: Source,
    entities: dict[str, Entity],
    problems: ProblemCollector,
    warnings: list[Problem] | None = None,
    max_bytes: int = MAX_YAML_BYTES,
) -> tuple[list[Claim], list[Mention]]:
    """Read one ``annotations.yaml``, anchoring every quote in ``source``.

    Problems that do not stop a build are appended to ``warnings`` when it is given.
    """
    tree = read_yaml_file(path, problems, max_bytes)
    claims: list[Claim] = []
    mentions: list[Mention] = []
    if tree is None:
        return claims, mentions
    r = YamlReader(Location.of(path).path, problems)
    if warnings is not None:
        r.warnings = warnings
    root = r.mapping(tree, "annotations.yaml")
    if root is None:
        return claims, mentions
    # new_entities, confidence and why are what `kg suggest` writes; the build ignores them.
    r.check_keys(root, ["mentions", "claims", "new_entities"], "annotations.yaml")
    text = SourceText(source.text)
    sid = source.meta.id
    for node in r.items(root.get("mentions"), "'mentions'"):
        m = r.mapping(node, "a mention")
        if m is None:
            continue
        r.check_keys(
            m, ["entity", "quote", "occurrence", "start", "end", "confidence", "why"], "a mention"
        )
        eid = _entity_ref(r, m, "entity", entities, None)
        anchored = _anchor(r, m, text)
        if eid and anchored:
            mentions.append(Mention(sid, eid, anchored[1], r.loc(m.line)))
    seen: dict[tuple[object, ...], Location] = {}
    allowed = ["subject", "relation", "object", "quote", "occurrence", "start", "end"]
    allowed += ["confidence", "why", "implicit", "reason", *sorted(QUALIFIER_KEYS)]
    for node in r.items(root.get("claims"), "'claims'"):
        m = r.mapping(node, "a claim")
        if m is None:
            continue
        r.check_keys(m, allowed, "a claim")
        relation = r.text(m, "relation")
        if relation is not None and relation not in RELATIONS:
            r.problem(
                m.key_lines["relation"],
                f"unknown relation {relation!r}",
                did_you_mean(relation, RELATIONS) or "see sources/FORMAT.md for the relations",
            )
            relation = None
        rel = RELATIONS.get(relation) if relation else None
        subject = _entity_ref(r, m, "subject", entities, rel.subjects if rel else None)
        obj = None
        if rel is not None and rel.has_object:
            obj = _entity_ref(r, m, "object", entities, rel.objects)
        elif rel is not None and "object" in m:
            r.problem(m.key_lines["object"], f"relation {relation!r} takes no object", "")
        anchored = _anchor(r, m, text)
        if rel is None or anchored is None:
            continue
        loaded = _claim_qualifiers(r, m, rel.name, anchored[0], source, entities)
        if subject is None or loaded is None or (rel.has_object and obj is None):
            continue
        if obj == subject:
            r.problem(
                m.key_lines["object"],
                f"the claim links {subject!r} to itself with {rel.name!r}",
                "a fact links two entities: check the subject and the object",
            )
            continue
        if not _check_names(r, m, anchored[0], subject, obj, entities):
            continue
        qualifiers, wording = loaded
        claim = Claim(sid, subject, rel.name, obj, qualifiers, anchored[1], r.loc(m.line), wording)
        key = (*claim.fact_key(), anchored[1].start, anchored[1].end)
        if key in seen:
            r.problem(m.line, f"duplicate claim (same as at {seen[key]})", "remove one of them")
            continue
        seen[key] = claim.where
        claims.append(claim)
    return claims, mentions


def source_folders(root: Path) -> list[Path]:
    """The source folders under ``root``, in name order (``sources/000``, ``sources/001`` …)."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_source(
    folder: Path,
    root: Path,
    entities: dict[str, Entity],
    problems: ProblemCollector,
    limits: SourceLimits = DEFAULT_LIMITS,
) -> tuple[Source, list[Claim], list[Mention]] | None:
    """Load one source folder (meta, text, annotations)."""
    files = {name: folder / name for name in ("meta.yaml", "text.txt", "annotations.yaml")}
    for name, path in files.items():
        loc = Location.of(path)
        if not path.exists() and not path.is_symlink():
            problems.add(
                loc,
                f"missing {name}",
                "each source folder needs meta.yaml, text.txt and annotations.yaml",
            )
            return None
        if not _safe_child(root, path, loc, problems):
            return None
    meta = load_meta(files["meta.yaml"], folder.name, problems, limits.yaml_bytes)
    loaded = load_source_text(files["text.txt"], problems, limits.text_bytes)
    if meta is None or loaded is None:
        return None
    text, notes = loaded
    source = Source(meta, text, Location.of(files["text.txt"]).path, notes)
    warnings: list[Problem] = []
    claims, mentions = load_annotations(
        files["annotations.yaml"], source, entities, problems, warnings, limits.yaml_bytes
    )
    return replace(source, warnings=tuple(warnings)), claims, mentions


# From this many source folders to read on, load_corpus(parallel=True) reads 45% of them in
# a child process while it reads the rest itself: loading is a fifth of a large build and
# the second core is idle then. Below this, starting the child costs more than it saves.
PARALLEL_FROM = 48
# Garbage-collector thresholds while loading and building, which allocate millions of
# objects that all stay alive: fewer cyclic collections (pipeline/run.py, and the child).
FEW_COLLECTIONS = (50_000, 20, 100)

Loaded = tuple[Source, list[Claim], list[Mention]]
# A folder's loaded value (None: it could not be loaded) and its own problems.
Read = tuple[Loaded | None, list[Problem]]


def _read(folder: Path, root: Path, entities: dict[str, Entity], limits: SourceLimits) -> Read:
    """:func:`load_source` of one folder, with the problems it found."""
    problems = ProblemCollector()
    return load_source(folder, root, entities, problems, limits), problems.problems


def _read_in_child(folders: list[str], root: str, cwd: str, limits: SourceLimits) -> list[Read]:
    """The registry, then :func:`_read` of each folder (run in a child process, which reads
    the registry while the parent does; locations are relative to the parent's working
    directory, so the child works there)."""
    import gc
    import os

    os.chdir(cwd)
    gc.set_threshold(*FEW_COLLECTIONS)
    base = Path(root)
    entities = load_registry(base / REGISTRY_FILE, ProblemCollector(), limits.registry_bytes)
    return [_read(Path(folder), base, entities, limits) for folder in folders]


class _ParallelLoad:
    """Source folders read by this process and one child, started before the registry is
    read (the child reads it too).

    ``folders`` maps each folder's index in the corpus to its path. Folders the cache holds
    (``load_folder.lookup``) are not read again; the others are split evenly along the
    list, so both shares hold as many large and small sources. What the child reads comes
    back pickled, as a cache hit would.
    """

    def __init__(
        self,
        folders: dict[int, Path],
        root: Path,
        load_folder: Callable[..., Any],
        limits: SourceLimits,
    ):
        import os

        from .child import Child, warm

        warm()  # the fork server starts while the cache is looked up
        self.folders, self.root, self.limits = folders, root, limits
        lookup = getattr(load_folder, "lookup", None)
        self._keep = getattr(load_folder, "keep", None)
        self.results: dict[int, Read] = {}
        self._keys: dict[int, str | None] = {}
        self._todo: list[int] = []
        for i, folder in folders.items():
            if lookup is not None:
                key, hit = lookup(folder)
                if hit is not None:
                    self.results[i] = (hit, [])
                    continue
                self._keys[i] = key
            self._todo.append(i)
        # 9 of every 20, spread evenly: the child also starts up and pickles what it read.
        self._theirs = [i for k, i in enumerate(self._todo) if k * 9 % 20 < 9]
        self._mine = [i for k, i in enumerate(self._todo) if k * 9 % 20 >= 9]
        self._child = None
        if self._theirs:
            paths = [str(folders[i]) for i in self._theirs]
            self._child = Child(
                "loading the sources", _read_in_child, paths, str(root), os.getcwd(), limits
            )

    def finish(self, entities: dict[str, Entity]) -> dict[int, Read]:
        """Read this process's share, collect the child's; every folder's result by index."""
        for i in self._mine:
            self.results[i] = _read(self.folders[i], self.root, entities, self.limits)
        if self._child is not None:
            self.results.update(zip(self._theirs, self._child.result(), strict=True))
        if self._keep is not None:
            for i in self._todo:
                self._keep(self.folders[i], self._keys.get(i), *self.results[i])
        return self.results

    def close(self) -> None:
        """Stop the child if it still runs."""
        if self._child is not None:
            self._child.close()


def load_corpus(
    root: Path,
    load_folder: Callable[..., Any] | None = None,
    limits: SourceLimits = DEFAULT_LIMITS,
    *,
    parallel: bool = False,
) -> Corpus:
    """Load ``sources/``: the registry and every source folder. Raises ``InputError``.

    ``load_folder`` (default :func:`load_source`, same signature) lets a caller reuse folders
    it loaded before (pipeline/cache.py). A registry that cannot be read at all stops here:
    every entity reference in the sources would otherwise be reported as unknown.
    ``parallel`` reads the folders in two processes when there are at least
    :data:`PARALLEL_FROM` (the corpus, its problems and their order are the same).
    """
    load_folder = load_folder or load_source
    problems = ProblemCollector()
    root = Path(root)
    if not root.is_dir():
        problems.add(
            Location.of(root),
            "is a file, not a sources directory"
            if root.exists()
            else "sources directory not found",
            "give the directory that holds registry.yaml and the NNN/ source folders",
        )
        problems.raise_if_any()
    folders = source_folders(root)
    linked = [folder.is_symlink() for folder in folders]
    readable = {i: folder for i, folder in enumerate(folders) if not linked[i]}
    both = None
    if parallel and len(readable) >= PARALLEL_FROM:
        both = _ParallelLoad(readable, root, load_folder, limits)
    try:
        registry_path = root / REGISTRY_FILE
        if not _safe_child(root, registry_path, Location.of(registry_path), problems):
            problems.raise_if_any()
        entities = load_registry(registry_path, problems, limits.registry_bytes)
        if not entities and problems.problems:
            problems.raise_if_any()
        early: dict[int, Read] = {}
        if both is not None:
            early = both.finish(entities)
    finally:
        if both is not None:
            both.close()
    sources: list[Source] = []
    claims: list[Claim] = []
    mentions: list[Mention] = []
    ids: dict[str, Location] = {}
    for i, folder in enumerate(folders):
        if linked[i]:
            problems.add(
                Location.of(folder), "source folder is a symbolic link", "copy it in place"
            )
            continue
        if i in early:
            loaded, found = early.pop(i)
            problems.problems.extend(found)
        else:
            loaded = load_folder(folder, root, entities, problems, limits)
        if loaded is None:
            continue
        source, cs, ms = loaded
        if source.meta.id in ids:
            problems.add(
                source.meta.where,
                f"duplicate source id {source.meta.id!r} (also in {ids[source.meta.id]})",
                "give each source its own id",
            )
            continue
        if source.meta.id in entities:
            problems.add(
                source.meta.where, f"source id {source.meta.id!r} is also an entity id", ""
            )
        ids[source.meta.id] = source.meta.where
        sources.append(source)
        claims.extend(cs)
        mentions.extend(ms)
    if not sources and not problems.problems:
        problems.add(Location.of(root), "no source folders found", "add sources/NNN/ folders")
    problems.raise_if_any()
    notes = tuple(n for s in sources for n in s.notes)
    return Corpus(
        entities,
        tuple(sources),
        tuple(claims),
        tuple(mentions),
        Location.of(registry_path).path,
        notes,
        tuple(w for s in sources for w in s.warnings)
        + tuple(near_duplicates(claims))
        + tuple(shared_names(entities.values())),
    )
