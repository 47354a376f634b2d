"""A strict YAML reader that keeps line numbers and refuses what would surprise a person.

YAML's type guessing turns ``3.900`` into a float, ``no`` into ``False`` and
``2021-09-01`` into a date; anchors and aliases allow "billion laughs" documents;
duplicate keys silently overwrite. This reader builds a tree of :class:`YMap`,
:class:`YList` and :class:`YScalar` from PyYAML's event stream, where every node
remembers its line, and reports each of those cases as a located problem instead.

>>> tree = read_yaml_text("a: '3.900'\\nb: [x, y]\\n", "f.yaml")
>>> tree["a"].value, tree["a"].line, [s.value for s in tree["b"].items]
('3.900', 1, ['x', 'y'])
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import yaml

from .errors import Location, Problem
from .text import BIDI_CONTROLS

try:  # libyaml's parser is an order of magnitude faster; both give the same events
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_RESOLVER = yaml.resolver.Resolver()

_TYPE_NAMES = {
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:null": "null (empty)",
    "tag:yaml.org,2002:timestamp": "a date",
}


@dataclass
class YScalar:
    """A scalar, always kept as the text written; ``tag`` is what YAML would have made of it."""

    value: str
    line: int
    tag: str = _STR_TAG
    plain: bool = False

    @property
    def auto_typed(self) -> bool:
        """True when YAML would not read this unquoted scalar as a string."""
        return self.plain and self.tag != _STR_TAG


@dataclass
class YList:
    """A sequence and the line it starts on."""

    items: list[YNode]
    line: int


@dataclass
class YMap:
    """A mapping with string keys, in file order; ``key_lines`` gives each key's line."""

    entries: dict[str, YNode]
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> YNode:
        return self.entries[key]

    def get(self, key: str) -> YNode | None:
        """The value at ``key``, or None."""
        return self.entries.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self.entries


YNode = YScalar | YList | YMap


def read_yaml_text(text: str, path: str) -> YNode:
    """Parse ``text`` into a located tree; raise :class:`YamlProblems` with all problems.

    >>> read_yaml_text("x: &a 1\\ny: *a\\n", "f.yaml")
    Traceback (most recent call last):
    ...
    pipeline.yamltree.YamlProblems: f.yaml:1: YAML anchors and aliases are not allowed ...
    """
    problems: list[Problem] = []
    try:
        events = list(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        what = f"YAML syntax error: {exc.problem or exc.context}"
        fix = (
            "check indentation, colons and quotes near this line (text containing ': ' "
            "or starting with a quote must itself be quoted)"
        )
        if "escape code" in str(exc.problem):  # \ud83d\ude00: a surrogate pair, as JSON has
            fix = (
                "write the character itself, or a character past U+FFFF as \\UXXXXXXXX "
                "(eight hex digits: \\U0001F600), not as two \\u surrogates"
            )
        raise YamlProblems([Problem(Location(path, line), what, fix)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow in a file
        at = exc.position
        line = text.count("\n", 0, at) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
        what = f"character U+{ord(char[:1] or ' '):04X} is not allowed in a YAML file"
        fix = "delete it: YAML files hold printable characters only"
        raise YamlProblems([Problem(Location(path, line), what, fix)]) from None
    except yaml.YAMLError as exc:
        raise YamlProblems(
            [Problem(Location(path), f"YAML error: {exc}", "correct the file's YAML")]
        ) from None
    _check_depth(events, path)
    builder = _TreeBuilder(path, problems)
    root = builder.build(events)
    if problems:
        raise YamlProblems(problems)
    return root


# No file of sources/ nests deeper than a few levels; a deeper one is refused before the
# tree is built (which recurses once per level).
MAX_YAML_DEPTH = 64
# Control characters (Unicode Cc) other than tab, line feed and carriage return: YAML's
# escapes ("\0", "\e", "\x01") can write them into a value, and no label, quote or id
# holds one (text.txt refuses them too).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _check_depth(events: list[yaml.Event], path: str) -> None:
    depth = 0
    for ev in events:
        if isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                line = ev.start_mark.line + 1 if ev.start_mark is not None else 0
                raise YamlProblems(
                    [
                        Problem(
                            Location(path, line),
                            f"lists and mappings nested deeper than {MAX_YAML_DEPTH} levels",
                            "annotations nest a few levels at most: check the brackets",
                        )
                    ]
                )
        elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


class YamlProblems(Exception):
    """Problems found while reading one YAML file."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _TreeBuilder:
    def __init__(self, path: str, problems: list[Problem]):
        self.path = path
        self.problems = problems
        self.pos = 0
        self.events: list[yaml.Event] = []

    def _problem(self, line: int, what: str, fix: str) -> None:
        self.problems.append(Problem(Location(self.path, line), what, fix))

    def build(self, events: list[yaml.Event]) -> YNode:
        self.events = events
        documents: list[YNode] = []
        for i, ev in enumerate(events):
            if isinstance(ev, yaml.DocumentStartEvent):
                self.pos = i + 1
                documents.append(self._node())
        if not documents:
            return YMap({}, 1)
        if len(documents) > 1:
            self._problem(
                documents[1].line,
                "more than one YAML document in the file",
                "remove the '---' separator; keep one document per file",
            )
        return documents[0]

    def _next(self) -> yaml.Event:
        ev = self.events[self.pos]
        self.pos += 1
        return ev

    def _check_anchor(self, ev: yaml.Event, line: int) -> None:
        anchor = getattr(ev, "anchor", None)
        if anchor:
            self._problem(
                line,
                f"YAML anchors and aliases are not allowed (found &{anchor})",
                "write the value out in full",
            )

    def _node(self) -> YNode:
        ev = self._next()
        line = ev.start_mark.line + 1 if ev.start_mark is not None else 0
        if isinstance(ev, yaml.AliasEvent):
            self._problem(
                line,
                f"YAML anchors and aliases are not allowed (found *{getattr(ev, 'anchor', '')})",
                "write the value out in full",
            )
            return YScalar("", line)
        self._check_anchor(ev, line)
        if isinstance(ev, yaml.ScalarEvent):
            bad = _CONTROL.search(ev.value)
            if bad is not None:
                self._problem(
                    line,
                    f"control character U+{ord(bad.group()):04X} in {ev.value[:40]!r}",
                    "remove it (a YAML escape such as \\0, \\e or \\x01 writes one)",
                )
            bidi = BIDI_CONTROLS.search(ev.value)
            if bidi is not None:
                ch = bidi.group()
                self._problem(
                    line,
                    f"invisible bidirectional control U+{ord(ch):04X} "
                    f"{unicodedata.name(ch)} in {ev.value[:40]!r}: it reorders how the text "
                    "after it displays, so the value would not read as it is stored",
                    "delete it (no label, title or quote needs one; the marks U+200E and "
                    "U+200F are allowed)",
                )
            plain = not ev.style  # None (pure-Python parser) or "" (libyaml) for plain
            tag = _STR_TAG
            if plain and ev.implicit[0]:
                tag = _RESOLVER.resolve(yaml.ScalarNode, ev.value, (True, False))
            return YScalar(ev.value, line, tag, plain)
        if isinstance(ev, yaml.SequenceStartEvent):
            items: list[YNode] = []
            while not isinstance(self.events[self.pos], yaml.SequenceEndEvent):
                items.append(self._node())
            self.pos += 1
            return YList(items, line)
        if isinstance(ev, yaml.MappingStartEvent):
            entries: dict[str, YNode] = {}
            key_lines: dict[str, int] = {}
            while not isinstance(self.events[self.pos], yaml.MappingEndEvent):
                key = self._node()
                value = self._node()
                if not isinstance(key, YScalar):
                    self._problem(
                        key.line,
                        "a mapping key must be plain text",
                        "write the key as a word (a list or a mapping as a key, '? …', is not "
                        "allowed)",
                    )
                    continue
                if key.value in entries:
                    self._problem(
                        key.line,
                        f"duplicate key {key.value!r} (first at line {key_lines[key.value]})",
                        "remove or rename one of them",
                    )
                    continue
                entries[key.value] = value
                key_lines[key.value] = key.line
            self.pos += 1
            return YMap(entries, line, key_lines)
        raise AssertionError(f"unexpected YAML event {ev!r}")  # pragma: no cover


def describe_auto_type(scalar: YScalar) -> str:
    """How YAML would have read an unquoted scalar, for error messages."""
    return _TYPE_NAMES.get(scalar.tag, scalar.tag)


def is_int_tag(scalar: YScalar) -> bool:
    """True when an unquoted scalar is a YAML integer."""
    return scalar.plain and scalar.tag == _INT_TAG
