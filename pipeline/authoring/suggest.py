"""Suggest annotations for a source: mentions, new entities and claims, each with a reason.

Everything here is offline and deterministic: the registry's names (through
:mod:`pipeline.matcher`), each relation's trigger phrases (``Relation.triggers``) and the
amount and date parsers of :mod:`pipeline.quantities`. Nothing is downloaded.

- **Mentions**: every registry entity the text names and no annotation of the source uses
  yet, at its first occurrence, quoted as written with its ``occurrence``.
- **New entities**: acronyms, Vietnamese organisation names (``Bộ …``, ``Cục …``,
  ``Viện …``, ``Hiệp hội …``, ``Công ty …``, ``Tập đoàn …``, ``Trường Đại học …``,
  ``Ủy ban …``) and runs of capitalised words that no registry name covers, each with a
  proposed id, class and ``vi`` label. The registry is never written.
- **Claims**: in each sentence, a trigger phrase of a relation with mentions around it
  whose classes fit the relation's ends; the quote is the clause holding them. Dates and
  amounts in the clause become qualifiers when the relation takes them.

Every quote is anchored the way the loader anchors it, so ``suggestions.yaml`` always
loads as annotations: accepting a suggestion is moving it into ``annotations.yaml``.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..anchor import SourceText
from ..coverage import ACRONYM, IgnoreEntry, name_runs
from ..errors import Location, ProblemCollector
from ..matcher import PLAUSIBLE, Hit, NameMatcher, Spans, registry_matcher
from ..model import Claim, Corpus, Entity, Mention, Source
from ..quantities import find_amounts, find_dates
from ..schema import role_for_wording
from ..text import fold
from ..vocab import ENTITY_CLASSES, ID_PATTERN, RELATIONS, Relation, is_a, top_class

if TYPE_CHECKING:
    from ..load import SourceLimits

Ends = tuple[str, ...] | frozenset[str]  # a relation's end classes (subclasses fit)

# Limits (characters of text), each a keyword of :func:`suggest` with this default.
SUBJECT_WINDOW = 120  # how far before a trigger its subject may be
OBJECT_WINDOW = 80  # how far after a trigger its first object may be
LIST_GAP = 45  # the widest gap between two objects of one list ("X, Y và Z")
MAX_QUOTE = 400  # a longer clause is cut to the span of the claim's parts
MIN_CONFIDENCE = 0.4  # claims and new entities less sure than this are left out
# The qualifiers a suggested claim can carry, read from its sentence; a relation that
# requires another (a figure's measure, an edition's ordinal) is left to the annotator.
FILLABLE = frozenset({"date", "amount", "share", "role", "rank"})


# Vietnamese organisation names: the head word(s) and the class they suggest.
ORG_HEADS: tuple[tuple[str, str], ...] = (
    ("Trường Đại học", "University"),
    ("Đại học", "University"),
    ("Hiệp hội", "Association"),
    ("Công ty", "Company"),
    ("Tập đoàn", "Company"),
    ("Ủy ban", "Committee"),
    ("Uỷ ban", "Committee"),
    ("Bộ", "Ministry"),
    ("Cục", "Department"),
    ("Viện", "ResearchOrganization"),
    ("Học viện", "University"),
    ("Đại sứ quán", "Embassy"),
    ("Cơ quan", "GovernmentAgency"),
    ("Hội đồng", "Council"),
    ("Đảng", "PoliticalParty"),
    ("Trung tâm", "Organization"),
    ("Chương trình", "Programme"),
)
# Lower-case words that occur inside organisation names ("Bộ Khoa học và Công nghệ").
_NAME_INNER_TEXT = (
    "và công nghệ thông tin truyền số dịch vụ phần mềm hợp tác phát triển đầu tư "
    "khoa học kinh tế thương mại nghiệp quốc tế xúc tiến chiến lược nghiên cứu "
    "đổi mới sáng tạo trí tuệ nhân tạo an toàn chuyển đổi ngoại giao nội vụ gia hội "
    "nhà nước chính phủ dữ liệu hạ tầng"
)
_NAME_INNER = frozenset(_NAME_INNER_TEXT.split())
_TITLES = re.compile(
    r"(?:ông|bà|anh|chị|TS\.|ThS\.|GS\.|PGS\.|Ông|Bà|Anh|Chị)\s+$",
)
_EVENT_WORDS = ("sự kiện", "hội nghị", "hội thảo", "diễn đàn", "triển lãm")
_PERSON_TITLES_BEFORE = ("ông", "bà", "anh", "chị", "ts.", "ths.", "gs.", "pgs.")


QualifierValue = str


@dataclass(frozen=True)
class Suggestion:
    """One suggested item: what it is, where it is, how sure, and why."""

    kind: str  # "mention", "entity", "claim"
    start: int
    end: int
    quote: str
    occurrence: int
    confidence: float
    why: str
    entity: str = ""  # mention: the entity; entity: the proposed id
    cls: str = ""  # entity: the proposed class
    label: str = ""  # entity: the proposed vi label
    subject: str = ""
    relation: str = ""
    object: str | None = None
    qualifiers: tuple[tuple[str, QualifierValue], ...] = ()


@dataclass(frozen=True)
class Suggestions:
    """Everything suggested for one source."""

    source_id: str
    mentions: tuple[Suggestion, ...] = ()
    entities: tuple[Suggestion, ...] = ()
    claims: tuple[Suggestion, ...] = ()

    def all(self) -> tuple[Suggestion, ...]:
        """Every suggestion, mentions then entities then claims."""
        return self.mentions + self.entities + self.claims


@dataclass(frozen=True)
class _M:
    """A registry hit inside a sentence, with its entity's classes."""

    hit: Hit
    cls: str
    top: str

    @property
    def start(self) -> int:
        return self.hit.start

    @property
    def end(self) -> int:
        return self.hit.end

    @property
    def entity(self) -> str:
        return self.hit.entity


@dataclass
class _Context:
    text: str
    st: SourceText
    entities: dict[str, Entity]
    issued: str
    main_event: str | None
    governments: dict[str, str]  # country id -> its Government entity
    subject_window: int
    object_window: int
    list_gap: int
    max_quote: int
    found: dict[tuple[str, str, str | None], Suggestion] = field(default_factory=dict)


# --- sentences, dates and amounts -------------------------------------------------------

# A sentence ends at . ! ? before a capital, and at a blank line unless the text goes on
# in lower case there (PDF extractions often double-space their lines).
_SENTENCE_END = re.compile(
    r"(?<=[.!?…])[\"”’)]*\s+(?=[\"“(]?[A-ZÀ-ỸĐ0-9])|\n[^\S\n]*\n\s*(?![a-zà-ỹđ])"
    # a list item or a table row starts a sentence of its own, at its first word
    r"|\n[^\S\n]*(?:[-•*–]|[0-9]{1,2}[.)])[^\S\n]+|\n(?=[^\S\n]*\|)"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans: ends at ``.``/``!``/``?`` before a capital, and at blank lines
    unless the next line starts in lower case.

    >>> t = "Ngày 4/2 tại Hà Nội. Sự kiện khai mạc.\\n\\nẢnh: Vinasa"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['Ngày 4/2 tại Hà Nội.', 'Sự kiện khai mạc.', 'Ảnh: Vinasa']

    A list item is a sentence of its own, without its marker:

    >>> t = "Các điểm chính:\\n- Fujitsu đầu tư vào Đà Nẵng\\n• NEC hợp tác với VINASA"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['Các điểm chính:', 'Fujitsu đầu tư vào Đà Nẵng', 'NEC hợp tác với VINASA']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if _is_abbreviation(text, m.start()):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _is_abbreviation(text: str, end: int) -> bool:
    """``TS.``, ``ThS.``, ``GS.`` before a name do not end a sentence."""
    word = re.search(r"(\S+)$", text[max(0, end - 6) : end])
    return bool(word and word.group(1).lower() in _PERSON_TITLES_BEFORE)


def currency_spans(text: str) -> list[tuple[int, int]]:
    """Where the text names a currency (``đô la Mỹ``), so that no place is read inside it."""
    return [(m.start(), m.end()) for m in re.finditer(r"(?i)đô\s+la\s+mỹ|yên\s+nhật", text)]


# --- anchoring --------------------------------------------------------------------------


def _occurrence(st: SourceText, quote: str, start: int) -> int | None:
    for i, (s, _) in enumerate(st.hits(quote), start=1):
        if s >= start:  # hits come in order: none after this one can start here
            return i if s == start else None
    return None


def _quoted(ctx: _Context, start: int, end: int) -> tuple[str, int, int, int] | None:
    """The quote for ``[start, end)`` trimmed of spaces and stray quote marks, with its
    occurrence; None if the loader could not anchor it there (then nothing is suggested)."""
    text = ctx.text
    while start < end and (text[start].isspace() or text[start] in "\"“”'‘’(,;:-–"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in "\"“”'‘’(,;:-–"):
        end -= 1
    quote = text[start:end]
    occ = _occurrence(ctx.st, quote, start)
    if occ is None:
        return None
    return quote, occ, start, end


def _clause(ctx: _Context, sentence: tuple[int, int], start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to the clause around it, inside the sentence."""
    s0, e0 = sentence
    text = ctx.text
    left = start
    while left > s0 and text[left - 1] not in ",;:()":
        left -= 1
    right = end
    while right < e0 and text[right] not in ",;:()":
        right += 1
    if right - left > ctx.max_quote:
        return start, end
    return left, right


# --- mentions and new entities ----------------------------------------------------------


_folded = functools.lru_cache(maxsize=8192)(fold)  # ignore entries, folded once each


def _ignored(text: str, source_id: str, ignore: Sequence[IgnoreEntry]) -> bool:
    key = _folded(text)
    return any(_folded(i.text) == key and (not i.sources or source_id in i.sources) for i in ignore)


@functools.cache
def _trigger_pattern(trigger: str) -> re.Pattern[str]:
    """A trigger phrase as a pattern: whole words, any run of spaces between them."""
    words = r"\s+".join(map(re.escape, trigger.split()))
    return re.compile(r"(?<!\w)" + words + r"(?!\w)", re.IGNORECASE)


def _mention_suggestions(
    ctx: _Context, hits: list[Hit], used: set[str], source_id: str, ignore: Sequence[IgnoreEntry]
) -> list[Suggestion]:
    out: list[Suggestion] = []
    seen: set[str] = set(used)
    counts = Counter(h.entity for h in hits)
    for h in hits:
        if h.entity in seen or _ignored(h.text, source_id, ignore):
            continue
        seen.add(h.entity)
        quoted = _quoted(ctx, h.start, h.end)
        if quoted is None:
            continue
        quote, occ, s, e = quoted
        count = counts[h.entity]
        why = h.why + (f"; named {count} times, first here" if count > 1 else "")
        out.append(Suggestion("mention", s, e, quote, occ, h.confidence, why, entity=h.entity))
    return out


_FOREIGN = re.compile(r"(?<![\w&.\-])([A-Z][a-z]+(?:[A-Z][a-z]+)*)(?![\w&\-])")


def foreign_names(text: str) -> Iterable[tuple[int, str]]:
    """Single capitalised words without Vietnamese letters inside a sentence (Fujitsu,
    PayPay, Malaysia): Vietnamese capitalises names only, so these are most likely names.

    >>> [w for _, w in foreign_names("Sau đó Fujitsu và PayPay. Toshiba thì không.")]
    ['Fujitsu', 'PayPay']
    """
    for m in _FOREIGN.finditer(text):
        word = m.group(1)
        j = m.start()  # the character before the word, spaces and tabs skipped
        while j > 0 and text[j - 1] in " \t":
            j -= 1
        if len(word) < 4 or j == 0 or text[j - 1] in '.!?:;"“(\n':
            continue  # a sentence's first word is capitalised anyway
        yield m.start(), word


def _slug(label: str) -> str:
    """An id from a label: ASCII, lower case, hyphens (``Bộ Nội vụ`` → ``bo-noi-vu``).

    >>> _slug("Bộ Nội vụ"), _slug("R&D")
    ('bo-noi-vu', 'r-d')
    """
    ascii_ = fold(label).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_)
    slug = ""
    for w in words:
        if len(slug) + len(w) + 1 > 48:
            break
        slug = f"{slug}-{w}" if slug else w
    return slug


_NEXT_HEAD = re.compile(
    r"\s+(?:" + "|".join(re.escape(h) for h, _ in ORG_HEADS) + r"|Trung tâm|Văn phòng)(?!\w)"
)


_ORG_HEAD = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(h) for h, _ in ORG_HEADS) + r")\s+(?=[A-ZÀ-ỸĐ])"
)
_WORD = re.compile(r"\S+")
_NAME_STOP = ',.;:)”"'  # punctuation after a word that ends the name


def _org_names(text: str) -> Iterable[tuple[int, int, str]]:
    """Vietnamese organisation names: a head word, then capitalised words and name words.

    >>> t = "Bộ Khoa học và Công nghệ, Cục Đầu tư và Trung tâm Dữ liệu"
    >>> [t[s:e] for s, e, _ in _org_names(t)]
    ['Bộ Khoa học và Công nghệ', 'Cục Đầu tư', 'Trung tâm Dữ liệu']
    """
    # Where the name running on from a capitalised word ends: the same for every head
    # word before it, so a long run of capitals is walked once, not once per head.
    ends: dict[int, int] = {}
    for m in _ORG_HEAD.finditer(text):
        cls = next(c for h, c in ORG_HEADS if h == m.group(1))
        end = _org_name_end(text, m.end(), ends)
        if end > m.end():
            yield m.start(), end, cls


def _org_name_end(text: str, pos: int, ends: dict[int, int]) -> int:
    """Where the name after a head word ending at ``pos`` ends (``pos`` if it has none).

    ``ends`` remembers, for each capitalised word walked through, where the walk ended.
    """
    end = pos
    pending: list[tuple[int, str]] = []  # name words after the last capital: start, core
    through: list[int] = []  # capitalised words passed, whose name ends where this one does
    gap = pos  # the blank between the previous word and this one starts here
    for w in _WORD.finditer(text, pos):
        word = w.group(0)
        core = word.rstrip(_NAME_STOP)
        if text.find("\n\n", gap, w.start()) != -1:
            break
        gap = w.end()
        if core and (core[0].isupper() or core[0].isdigit()):
            end = w.start() + len(core)
            pending = []
            if core == word:
                if w.start() in ends:
                    end = ends[w.start()]
                    break
                through.append(w.start())
        elif core in _NAME_INNER and len(pending) < 5:
            if core == "và" and _NEXT_HEAD.match(text, w.end()):
                break  # "Cục X và Trung tâm Y": two names
            pending.append((w.start(), core))
        else:
            break
        if core != word:
            break
    while pending and pending[-1][1] == "và":
        pending.pop()
    if pending and end > pos:  # trailing name words: "Công nghệ", "Quốc gia"
        end = pending[-1][0] + len(pending[-1][1])
    for start in through:
        ends[start] = end
    return end


def _entity_suggestions(
    ctx: _Context,
    hits: list[Hit],
    source_id: str,
    ignore: Sequence[IgnoreEntry],
    registry_ids: set[str],
) -> list[Suggestion]:
    text = ctx.text
    known = {fold(n) for e in ctx.entities.values() for _, n in e.all_names()}
    covered = Spans(sorted((h.start, h.end) for h in hits))
    # An organisation name's label (None here) is its text, cut only when it is looked
    # at: in a text of capitals every head word's name runs on to the end of the text.
    raw: list[tuple[int, int, str, str | None, float, str]] = []
    for s, e, cls in _org_names(text):
        raw.append((s, e, cls, None, 0.6, f"a Vietnamese organisation name ({cls})"))
    for m in ACRONYM.finditer(text):
        word = m.group(1)
        if len(word.replace("&", "")) >= 2:
            conf = 0.35 if len(word) <= 2 else 0.5  # "AI", "IT" are mostly common nouns
            raw.append((m.start(1), m.end(1), "Organization", word, conf, "an acronym"))
    for pos, name in name_runs(text):
        end = pos + len(name)
        before = text[max(0, pos - 6) : pos]
        if _TITLES.search(before):
            cls, conf, why = "Person", 0.6, "capitalised words after a title (ông, bà, TS.)"
        elif re.search(r"(?:tại|ở)\s+$", before):
            cls, conf, why = "Place", 0.45, "capitalised words after 'tại'/'ở'"
        else:
            cls, conf, why = "Organization", 0.3, "a run of capitalised words"
        if text[pos:end] == name:
            raw.append((pos, end, cls, name, conf, why))
    for pos, word in foreign_names(text):
        after_at = re.search(r"(?:tại|ở)\s+$", text[max(0, pos - 6) : pos])
        cls = "Place" if after_at else "Organization"
        raw.append((pos, pos + len(word), cls, word, 0.4, "a capitalised foreign word"))
    out: list[Suggestion] = []
    labels: set[str] = set()
    ids = set(registry_ids)
    taken = Spans()  # in order of their starts, as the candidates are
    for s, e, cls, written, conf, why in sorted(raw, key=lambda r: (r[0], -(r[1] - r[0]))):
        if covered.overlaps(s, e) or taken.overlaps(s, e):
            continue
        label = " ".join((text[s:e] if written is None else written).split())
        key = fold(label)
        if (
            key in known
            or key in labels
            or _ignored(label, source_id, ignore)
            or any(key in k for k in known if len(key) > 3)
        ):
            continue
        slug = _slug(label)
        if not slug:
            continue
        base, n = slug, 2
        while slug in ids:
            slug, n = f"{base}-{n}", n + 1
        if not ID_PATTERN.match(slug) or cls not in ENTITY_CLASSES:
            continue
        quoted = _quoted(ctx, s, e)
        if quoted is None:
            continue
        quote, occ, qs, qe = quoted
        line = ctx.st.line_of(qs)
        labels.add(key)
        ids.add(slug)
        taken.add(s, e)
        full_why = f"{why}, line {line}, in no registry name; add an en label before registering"
        out.append(
            Suggestion(
                "entity", qs, qe, quote, occ, conf, full_why, entity=slug, cls=cls, label=label
            )
        )
    return out


# --- claims -----------------------------------------------------------------------------


def _of_events(rel: Relation) -> bool:
    """Whether ``rel`` is said of events (organizer, patron, participant, …)."""
    return set(rel.subjects) == {"Event"}


def _fits(m: _M, classes: Ends) -> bool:
    return is_a(m.cls, classes)


def _trigger_spans(ctx: _Context, sentence: tuple[int, int], hits: list[_M]):
    """(start, end, relation, trigger) of every trigger phrase outside entity names."""
    s0, e0 = sentence
    chunk = ctx.text[s0:e0]
    found: list[tuple[int, int, str, str]] = []
    for rel in RELATIONS.values():
        if rel.required - FILLABLE:  # e.g. a figure's measure: no claim without it
            continue
        for trigger in rel.triggers:
            for m in _trigger_pattern(trigger).finditer(chunk):
                s, e = s0 + m.start(), s0 + m.end()
                if any(h.start < e and s < h.end for h in hits):
                    continue
                found.append((s, e, rel.name, ctx.text[s:e]))
    # A phrase inside a longer trigger phrase is that phrase's ("đồng tổ chức" is no "tổ chức").
    kept = []
    for t in found:
        inside = any(o[0] <= t[0] and t[1] <= o[1] and (o[1] - o[0]) > (t[1] - t[0]) for o in found)
        if not inside:
            kept.append(t)
    return sorted(kept)


def _objects_after(
    ctx: _Context,
    hits: list[_M],
    pos: int,
    classes: Ends,
    skip: set[str],
    stops: Sequence[int] = (),
    stop_first: bool = True,
) -> list[_M]:
    """The list of fitting mentions starting right after ``pos`` ("X, Y và Z").

    The list ends at a ``stops`` offset (where another trigger phrase starts); with
    ``stop_first`` false, only after its first item ("hỗ trợ … cho liên doanh Rapidus").
    """
    out: list[_M] = []
    last = pos
    for h in hits:
        if h.start < pos or h.entity in skip or not _fits(h, classes):
            continue
        if (out or stop_first) and any(last <= t < h.start for t in stops):
            break
        gap = ctx.text[last : h.start]
        limit = ctx.object_window if not out else ctx.list_gap
        if len(gap) > limit or ";" in gap or (out and re.search(r"[.!?]\s", gap)):
            break
        if h.entity not in {o.entity for o in out}:
            out.append(h)
        last = h.end
    return out


def _nearest_before(
    ctx: _Context, hits: list[_M], pos: int, classes: Ends, skip: set[str], window: int
) -> _M | None:
    best = None
    for h in hits:
        if (
            h.end <= pos
            and h.entity not in skip
            and _fits(h, classes)
            and pos - h.end <= window
            and ";" not in ctx.text[h.end : pos]
        ):
            best = h
    return best


def _dates_in(ctx: _Context, start: int, end: int) -> list[tuple[int, int, str]]:
    return [d for d in find_dates(ctx.text[start:end], ctx.issued)]


# A sentence that denies, refuses or supposes what it says states no fact: "JETRO không hợp
# tác với VINASA", "METI từ chối tài trợ", "tin đồn … là không chính xác", "Nếu được phê
# duyệt, NEC có thể sẽ gia nhập". Anywhere in the sentence: these words and phrases.
_DENIED = re.compile(
    r"(?<!\w)(từ chối|phủ nhận|bác bỏ|không chính xác|không đúng sự thật|tin đồn|nếu|giả sử|"
    r"có thể sẽ|có khả năng sẽ|dự định|chưa được phê duyệt)(?!\w)",
    re.IGNORECASE,
)
# Between the subject and the object: a plain negation of the verb ("không", "chưa",
# "chẳng"), but not the words it begins ("không chỉ … mà còn", "không ngừng", "không gian",
# "hàng không").
_NEGATED = re.compile(
    r"(?<!\w)(?<!hàng )(không|chưa|chẳng)(?!\w)(?!\s+(chỉ|những|ngừng|gian|khí|ít|thể thiếu|"
    r"kém)(?!\w))",
    re.IGNORECASE,
)


# A trigger used as a noun with its agent after it ("đầu tư của Fujitsu").
_OF_AGENT = re.compile(r"\s+của(?!\w)", re.IGNORECASE)
# What may follow "X bắt đầu" when X itself began: a date, or the clause ends.
_DATE_NEXT = re.compile(
    r"(?i)\s*(?:$|[,.;:)]|(?:vào|từ|trong|năm|ngày|tháng|quý|đầu|cuối|giữa)(?!\w)|[0-9])"
)


def _denied(ctx: _Context, sentence: tuple[int, int], start: int, end: int) -> bool:
    """Whether the sentence denies or supposes the claim whose parts span ``start``–``end``."""
    return bool(
        _DENIED.search(ctx.text, sentence[0], sentence[1]) or _NEGATED.search(ctx.text, start, end)
    )


def _add_claim(
    ctx: _Context,
    sentence: tuple[int, int],
    rel: Relation,
    subject: str,
    obj: str | None,
    parts: list[tuple[int, int]],
    confidence: float,
    why: str,
    role: tuple[str, str] | None = None,  # (role id, the role as written)
    need_date: bool = False,
    date_near: int | None = None,
) -> None:
    if subject == obj:
        return
    s = min(p[0] for p in parts)
    e = max(p[1] for p in parts)
    if _denied(ctx, sentence, s, e):
        return  # no fact to suggest: the text says it is not so, or only might be
    cs, ce = _clause(ctx, sentence, s, e)
    qualifiers: list[tuple[str, QualifierValue]] = []
    if "date" in rel.qualifiers:
        dates = [(a + cs, b + cs, iso) for a, b, iso in find_dates(ctx.text[cs:ce], ctx.issued)]
        if not dates and need_date:  # the date may sit elsewhere in the sentence
            ss, se = sentence
            dates = [(a + ss, b + ss, iso) for a, b, iso in find_dates(ctx.text[ss:se], ctx.issued)]
        if dates:
            near = date_near if date_near is not None else s
            d = min(dates, key=lambda d: (abs(d[0] - near), d[0]))
            qualifiers.append(("date", d[2]))
            cs, ce = min(cs, d[0]), max(ce, d[1])
        elif need_date:
            return
    if "amount" in rel.qualifiers or "share" in rel.qualifiers:
        amounts = [(a + cs, b + cs, t) for a, b, t in find_amounts(ctx.text[cs:ce])]
        qkey = (
            "share"
            if rel.name == "shareholderOf" and any("%" in t for *_, t in amounts)
            else "amount"
        )
        if amounts and (qkey in rel.qualifiers):
            qualifiers.append((qkey, " ".join(amounts[0][2].split())))
    if role is not None:
        qualifiers += [("role", role[0]), ("roleText", role[1])]
    quoted = _quoted(ctx, cs, ce)
    if quoted is None:
        return
    quote, occ, qs, qe = quoted
    for k, v in qualifiers:  # an amount must occur in the quote, as the loader checks
        if k in ("amount", "share") and " ".join(str(v).split()) not in " ".join(quote.split()):
            return
    key = (subject, rel.name, obj)
    old = ctx.found.get(key)
    if old is not None and old.confidence >= confidence:
        return
    ctx.found[key] = Suggestion(
        "claim",
        qs,
        qe,
        quote,
        occ,
        round(confidence, 2),
        why,
        subject=subject,
        relation=rel.name,
        object=obj,
        qualifiers=tuple(sorted(qualifiers, key=lambda kv: kv[0])),
    )


def _confidence(distance: int) -> float:
    """Closer parts, surer claim: 0.8 when adjacent, falling to 0.4."""
    return max(0.4, 0.8 - distance / 250)


def _claims_in_sentence(ctx: _Context, sentence: tuple[int, int], hits: list[_M]) -> None:
    text = ctx.text
    s0, e0 = sentence
    event_word = any(w in text[s0:e0].lower() for w in _EVENT_WORDS)
    triggers = _trigger_spans(ctx, sentence, hits)
    for ts, te, relname, written in triggers:
        rel = RELATIONS[relname]
        # A list of objects ends at the next trigger of a relation of the same kind of
        # subject ("do X tổ chức, dưới sự bảo trợ của Y": Y is no organizer).
        stops = [
            t[0] for t in triggers if t[0] >= te and _of_events(RELATIONS[t[2]]) == _of_events(rel)
        ]
        written = " ".join(written.split())
        why_t = f"trigger {written!r} of {relname}"
        if rel.name == "holdsPost":
            person = [
                h
                for h in hits
                if h.top == "Person"
                and ((h.end <= ts and ts - h.end <= 40) or (h.start >= te and h.start - te <= 60))
            ]
            org = [
                h for h in hits if h.top == "Organization" and h.start >= te and h.start - te <= 40
            ]
            if person and org:
                p = min(person, key=lambda h: min(abs(ts - h.end), abs(h.start - te)))
                o = org[0]
                role_id = role_for_wording(written)
                if role_id is None:
                    continue
                parts = [(p.start, p.end), (ts, te), (o.start, o.end)]
                _add_claim(
                    ctx,
                    sentence,
                    rel,
                    p.entity,
                    o.entity,
                    parts,
                    _confidence(o.start - te),
                    why_t + ": a person, the role, an organisation",
                    role=(role_id, " ".join(written.split())),
                )
            continue
        if (
            rel.has_object
            and not rel.symmetric
            and not _of_events(rel)  # "sự tham gia của X": X takes part in the event
            and _OF_AGENT.match(text, te, e0)
        ):
            # "quyết định đầu tư của Fujitsu": the verb as a noun, whose agent follows it;
            # the name before it is no subject of it
            continue
        if _of_events(rel):
            events = [h for h in hits if h.top == "Event"]
            if events:
                # an edition over its series ("… Nhật Bản - Japan ICT Day 2026"): organisers,
                # patrons and participants are an edition's, a series has none of its own
                ev = min(events, key=lambda h: (h.cls == "EventSeries", abs(h.start - ts)))
                subject, sub_part, conf_pen = ev.entity, [(ev.start, ev.end)], 0.0
            elif ctx.main_event and event_word:
                subject, sub_part, conf_pen = ctx.main_event, [], 0.15
            else:
                continue
            if not rel.has_object:
                _add_claim(
                    ctx,
                    sentence,
                    rel,
                    subject,
                    None,
                    [*sub_part, (ts, te)],
                    0.6 - conf_pen,
                    why_t + " with a date",
                    need_date=True,
                    date_near=ts,
                )
                continue
            # "do X và Y tổ chức" (by X and Y): the agents come before the verb, and a name
            # after it belongs to the next clause ("do X bảo trợ và Y tổ chức": Y organises).
            fitting = _fitting_before(hits, sentence, ts, rel.objects, {subject})
            chain = _chain_before(ctx, fitting, ts)
            by_agents = bool(chain) and _by_before(ctx, chain[0].start)
            objs = chain if by_agents else []
            objs = objs or _objects_after(ctx, hits, te, rel.objects, {subject}, stops)
            if not objs:
                before = _agent_before(ctx, fitting, ts)
                # The names listed right before the verb are its agents when they open the
                # sentence ("X và Y đồng tổ chức") or a clause joined to another ("do X bảo
                # trợ và Y tổ chức"); not an organisation that ends a person's title ("ông
                # A - Phó Cục trưởng Cục B phát biểu": A spoke).
                opens = bool(chain) and (
                    before is chain[0]
                    or any(
                        t[1] <= chain[0].start and _JOINER.fullmatch(text[t[1] : chain[0].start])
                        for t in triggers
                    )
                )
                objs = chain if opens else [before] if before else []
            for o in objs:
                parts = [*sub_part, (ts, te), (o.start, o.end)]
                dist = abs(o.start - te) if o.start >= te else abs(ts - o.end)
                _add_claim(
                    ctx,
                    sentence,
                    rel,
                    subject,
                    o.entity,
                    parts,
                    _confidence(dist) - conf_pen,
                    why_t + ("; the event is the document's main event" if not sub_part else ""),
                )
            continue
        if not rel.has_object:
            # "Y được thành lập năm …" (passive): Y is before; "X công bố Y năm …": the
            # thing launched or founded, Y, follows the trigger.
            passive_voice = re.search(
                r"(?i)(?<!\w)được(?:\s+\w+)?\s+$", text[max(s0, ts - 20) : ts]
            )
            after = [
                h
                for h in hits
                if h.start >= te
                and h.start - te <= 40
                and _fits(h, rel.subjects)
                and h.top in ("Initiative", "Product", "Organization", "Event")
            ]
            subj = None
            if not passive_voice and after:
                subj = after[0]
            if subj is None and not passive_voice and not _DATE_NEXT.match(text, te, e0):
                # "Sony ra mắt sản phẩm mới ngày 1/7": what was launched is no entity named,
                # and the date is its own, not Sony's
                continue
            if subj is None:
                subj = _nearest_before(ctx, hits, ts, rel.subjects, set(), ctx.subject_window)
            if subj is None:
                continue
            _add_claim(
                ctx,
                sentence,
                rel,
                subj.entity,
                None,
                [(subj.start, subj.end), (ts, te)],
                _confidence(abs(ts - subj.end)) - 0.1,
                why_t + " with a date",
                need_date=True,
                date_near=te,
            )
            continue
        if rel.name == "jointVenturePartnerOf":
            jvs = [h for h in hits if h.cls == "JointVenture"]
            if not jvs:
                continue
            jv = min(jvs, key=lambda h: abs(h.start - ts))
            partners = _objects_after(ctx, hits, te, rel.subjects, {jv.entity}, stops, False)
            if not partners:
                partners = [
                    h
                    for h in hits
                    if h.end <= ts
                    and h.entity != jv.entity
                    and _fits(h, rel.subjects)
                    and ts - h.end <= ctx.subject_window
                    # another fact's wording in between ("X hỗ trợ … liên doanh Y"), except
                    # founding ("X và Y thành lập liên doanh Z")
                    and not any(
                        h.end <= t[0] < ts and t[2] not in ("founded", "foundingDate")
                        for t in triggers
                    )
                ]
            for p in partners:
                _add_claim(
                    ctx,
                    sentence,
                    rel,
                    p.entity,
                    jv.entity,
                    [(p.start, p.end), (ts, te), (jv.start, jv.end)],
                    0.65,
                    why_t + "; the joint venture and its partners",
                )
            continue
        if rel.name == "rankedIn":
            rankings = [h for h in hits if h.top == "Ranking"]
            m = re.match(r"\s*(?:số\s*)?(\d{1,3})(?!\d)", text[te:e0])
            subj = _nearest_before(ctx, hits, ts, rel.subjects, set(), ctx.subject_window)
            if not rankings or not m or subj is None:
                continue
            rank_end = te + m.end()
            out_of = re.match(r"\s*trong\s+số\s+(\d{1,4})(?!\d)", text[rank_end:e0])
            quals: list[tuple[str, QualifierValue]] = [("rank", m.group(1))]
            if out_of:
                quals.append(("outOf", out_of.group(1)))
            rk = rankings[0]
            _add_claim(
                ctx,
                sentence,
                rel,
                subj.entity,
                rk.entity,
                [(subj.start, subj.end), (ts, rank_end), (rk.start, rk.end)],
                0.6,
                why_t + f"; rank {m.group(1)}",
            )
            if (subj.entity, rel.name, rk.entity) in ctx.found:
                old = ctx.found[(subj.entity, rel.name, rk.entity)]
                merged = tuple(sorted(set(old.qualifiers) | set(quals), key=lambda kv: kv[0]))
                ctx.found[(subj.entity, rel.name, rk.entity)] = _replace(old, merged)
            continue
        adjacent = rel.name in ("subOrganizationOf", "locatedIn")
        window = 3 if adjacent else ctx.subject_window
        sources_cited = {h.entity for h in hits if _cited(ctx, h)}
        subj = _nearest_before(ctx, hits, ts, rel.subjects, sources_cited, window)
        if subj is None and rel.name == "locatedIn":
            subj = _nearest_before(ctx, hits, ts, frozenset({"Event"}), set(), 30)
        if subj is None or (rel.name == "locatedIn" and subj.cls == "Country"):
            continue
        objs = _objects_after(ctx, hits, te, rel.objects, {subj.entity}, stops, False)
        if adjacent:
            objs = [o for o in objs if o.start - te <= 3][:1]
        passive = False
        if not objs and not adjacent:
            before = _nearest_before(ctx, hits, subj.start, rel.objects, {subj.entity}, 80)
            if before is not None and re.search(
                r"(?i)(?<!\w)do\s+$", text[max(s0, subj.start - 4) : subj.start]
            ):
                objs, passive = [before], True
        for o in objs:
            parts = [(subj.start, subj.end), (ts, te), (o.start, o.end)]
            dist = (ts - subj.end) + max(0, o.start - te)
            why = why_t + ("; 'do X …' (by X), the object before it" if passive else "")
            conf = _confidence(dist)
            subject = subj.entity
            if subj.cls == "Country" and o.cls == "Country":  # "hai nước" talk, rarely a fact
                conf, why = min(conf, 0.35), why + "; between two countries"
            elif subj.cls == "Country" and subject in ctx.governments:
                # A country that acts (partners, funds, launches) is its government.
                subject = ctx.governments[subject]
                why += f"; {subj.hit.text!r} acting: its government"
            _add_claim(ctx, sentence, rel, subject, o.entity, parts, conf, why)


def _bare_government(text: str, ms: list[_M], entities: dict[str, Entity]) -> list[_M]:
    """ "Chính phủ" (the Government) alone stands for the one government the text names."""
    named = sorted({m.entity for m in ms if m.cls == "Government"})
    if len(named) != 1:
        return []
    out = []
    for m in re.finditer(r"(?<!\w)[Cc]hính\s+phủ(?!\w)", text):
        if any(h.start < m.end() and m.start() < h.end for h in ms):
            continue
        why = f"'Chính phủ' (the Government): the only government the text names, {named[0]!r}"
        hit = Hit(m.start(), m.end(), named[0], "Chính phủ", m.group(0), 0.5, why)
        out.append(_M(hit, entities[named[0]].cls, top_class(entities[named[0]].cls)))
    return out


def _cited(ctx: _Context, h: _M) -> bool:
    """A name after "theo" (according to) cites a source, one after "của" (of) qualifies
    the name before it: neither is the subject of the clause."""
    before = ctx.text[max(0, h.start - 8) : h.start]
    return bool(re.search(r"(?i)(?<!\w)(?:theo|của)\s+$", before))


def _by_before(ctx: _Context, pos: int) -> bool:
    """Whether "do" (by) stands right before ``pos``."""
    return bool(re.search(r"(?i)(?<!\w)do\s+$", ctx.text[max(0, pos - 4) : pos]))


def _fitting_before(
    hits: list[_M], sentence: tuple[int, int], pos: int, classes: Ends, skip: set[str]
) -> list[_M]:
    """The names of ``sentence`` that end by ``pos`` and fit ``classes``, in the order of
    ``hits``, but those in ``skip``."""
    return [
        h
        for h in hits
        if sentence[0] <= h.start <= h.end <= pos and h.entity not in skip and _fits(h, classes)
    ]


def _chain_before(ctx: _Context, before: list[_M], pos: int) -> list[_M]:
    """The names of ``before`` (:func:`_fitting_before`) listed right before ``pos`` ("X, Y
    và Z tổ chức"), in text order: the last ends where only spaces part it from ``pos``;
    each earlier one is joined to the next by a comma, "và" or "cùng"."""
    before = sorted(before, key=lambda h: (h.end, h.start))
    chain: list[_M] = []
    edge = pos
    for h in reversed(before):
        gap = ctx.text[h.end : edge]
        joined = not gap.strip() if not chain else _JOINER.fullmatch(gap) is not None
        if h.end > edge or not joined:
            break
        if h.entity not in {c.entity for c in chain}:
            chain.append(h)
        edge = h.start
    return chain[::-1]


_JOINER = re.compile(r"(?i)\s*(?:,|,?\s*(?:và|cùng|cùng với))\s*")


def _agent_before(ctx: _Context, before: list[_M], pos: int) -> _M | None:
    """The agent of a trigger with nothing after it, of the names ``before`` it
    (:func:`_fitting_before`): "do X tổ chức" (by X) gives X; else the sentence's first
    fitting name before the trigger (its grammatical subject)."""
    by = [
        h
        for h in before
        if re.search(r"(?i)(?<!\w)do\s+$", ctx.text[max(0, h.start - 4) : h.start])
    ]
    if by:
        return by[-1]
    if before and pos - before[0].end <= ctx.subject_window:
        return before[0]
    return None


def _replace(old: Suggestion, qualifiers: tuple[tuple[str, QualifierValue], ...]) -> Suggestion:
    return Suggestion(
        old.kind,
        old.start,
        old.end,
        old.quote,
        old.occurrence,
        old.confidence,
        old.why,
        subject=old.subject,
        relation=old.relation,
        object=old.object,
        qualifiers=qualifiers,
    )


def _structural_claims(
    ctx: _Context, hits: list[_M], nested: dict[int, list[_M]], sentences
) -> None:
    """Claims that the shape of names states: a unit beside its parent, a parent's name
    inside a unit's. (Never a place from a name: "JETRO Hà Nội" does not say where the
    office is, and FORMAT.md says locatedIn is not read from a name.)"""
    sub = RELATIONS["subOrganizationOf"]
    starts = [s[0] for s in sentences]
    for i, h in enumerate(hits):
        at = bisect_right(starts, h.start) - 1  # the sentence holding it, by bisection
        sentence = sentences[at] if at >= 0 and h.start < sentences[at][1] else (h.start, h.end)
        for n in nested.get(i, []):
            inner_before = ctx.text[h.start : n.start]
            if (
                n.top == "Organization"
                and h.top == "Organization"
                and not re.search(r"(?i)(?<!\w)(?:tại|ở)\s+$", inner_before)
            ):
                _add_claim(
                    ctx,
                    sentence,
                    sub,
                    h.entity,
                    n.entity,
                    [(h.start, h.end)],
                    0.55,
                    "an organisation's name inside a unit's name",
                )
        nxt = hits[i + 1] if i + 1 < len(hits) else None
        if (
            nxt is not None
            and h.cls
            in ("Department", "Committee", "GovernmentAgency", "Embassy", "PublicInstitute")
            and nxt.top == "Organization"
            and re.fullmatch(
                r"\s*(?:,|-|–|\(|của|thuộc|trực thuộc)\s*", ctx.text[h.end : nxt.start]
            )
        ):
            _add_claim(
                ctx,
                sentence,
                sub,
                h.entity,
                nxt.entity,
                [(h.start, h.end), (nxt.start, nxt.end)],
                0.65,
                "a unit followed by its parent organisation",
            )


def suggest(
    source: Source,
    entities: dict[str, Entity],
    claims: Sequence[Claim] = (),
    mentions: Sequence[Mention] = (),
    ignore: Sequence[IgnoreEntry] = (),
    *,
    matcher: NameMatcher | None = None,
    subject_window: int = SUBJECT_WINDOW,
    object_window: int = OBJECT_WINDOW,
    list_gap: int = LIST_GAP,
    max_quote: int = MAX_QUOTE,
    min_confidence: float = MIN_CONFIDENCE,
) -> Suggestions:
    """Suggestions for ``source``, leaving out what its ``claims`` and ``mentions`` say.

    ``ignore`` is the coverage ignore list: names it lists are not suggested.
    """
    text = source.text
    sid = source.meta.id
    matcher = matcher or registry_matcher(entities)
    hits = matcher.find(text, currency_spans(text))
    ctx = _Context(
        text,
        SourceText(text),
        entities,
        source.meta.issued,
        None,
        {
            e.country: e.id
            for e in sorted(entities.values(), key=lambda e: e.id)
            if e.cls == "Government" and e.country
        },
        subject_window,
        object_window,
        list_gap,
        max_quote,
    )
    ms = [_M(h, entities[h.entity].cls, top_class(entities[h.entity].cls)) for h in hits]
    ms = [m for m in ms if not _ignored(m.hit.text, sid, ignore)]
    ms = [m for m in ms if m.hit.confidence >= PLAUSIBLE]  # as kg coverage
    named = {m.hit for m in ms}  # names as written (no "Chính phủ" standing for one)
    events = [m.entity for m in ms if m.top == "Event" and m.cls != "EventSeries"]
    if events:
        ctx.main_event = max(sorted(set(events)), key=lambda e: (events.count(e), -events.index(e)))
    ms = sorted(ms + _bare_government(text, ms, entities), key=lambda m: (m.start, m.end))
    nested: dict[int, list[_M]] = {}
    for i, m in enumerate(ms):
        inner = matcher.find(text[m.start : m.end], skip=m.entity)
        nested[i] = [
            _M(
                Hit(
                    m.start + x.start,
                    m.start + x.end,
                    x.entity,
                    x.name,
                    x.text,
                    x.confidence,
                    x.why,
                ),
                entities[x.entity].cls,
                top_class(entities[x.entity].cls),
            )
            for x in inner
            if x.entity != m.entity and x.confidence >= PLAUSIBLE
        ]
    sentences = split_sentences(text)
    starts = [m.start for m in ms]  # ms is sorted by start: each sentence's names by bisection
    for sentence in sentences:
        first = bisect_left(starts, sentence[0])
        last = bisect_left(starts, sentence[1], first)
        inside = [m for m in ms[first:last] if m.end <= sentence[1]]
        _claims_in_sentence(ctx, sentence, inside)
    _structural_claims(ctx, ms, nested, sentences)
    annotated = {(c.subject, c.relation, c.object) for c in claims}
    used = {m.entity for m in mentions} | {c.subject for c in claims}
    used |= {c.object for c in claims if c.object}
    claim_list = [
        c
        for key, c in sorted(
            ctx.found.items(), key=lambda kv: (kv[1].start, kv[0][1], kv[0][0], str(kv[0][2]))
        )
        if key not in annotated and c.confidence >= min_confidence
    ]
    # A place named only inside another name ("JETRO Hà Nội") is still a mention of it.
    inner_places = [n.hit for inner in nested.values() for n in inner if n.top == "Place"]
    candidates = sorted(
        [m.hit for m in ms if m.hit in named] + inner_places, key=lambda h: (h.start, -h.end)
    )
    mention_list = [
        m
        for m in _mention_suggestions(ctx, candidates, used, sid, ignore)
        if m.confidence >= min_confidence
    ]
    entity_list = [
        e
        for e in _entity_suggestions(ctx, hits, sid, ignore, set(entities))
        if e.confidence >= min_confidence
    ]
    return Suggestions(sid, tuple(mention_list), tuple(entity_list), tuple(claim_list))


# --- YAML -------------------------------------------------------------------------------


def _y(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(unicodedata.normalize("NFC", value), ensure_ascii=False)


SECTIONS = ("new_entities", "mentions", "claims")


def registry_indent(registry: Path) -> str:
    """How far ``registry.yaml`` indents the ``- id:`` of its entries ("" if it cannot
    tell), so that new entities written the same way paste into it as they are."""
    from ..load import MAX_REGISTRY_BYTES, FileRefused, read_capped

    if registry.is_symlink():
        return ""
    try:
        head = read_capped(registry, MAX_REGISTRY_BYTES).decode("utf-8", "replace")
    except (OSError, FileRefused):
        return ""
    found = re.search(r"(?m)^( *)- id:", head)
    return found.group(1) if found else ""


def to_item_yaml(s: Suggestion, entity_indent: str = "") -> tuple[str, list[str]]:
    """The section (``new_entities``, ``mentions``, ``claims``) and YAML lines of one item
    (a new entity's indented as the registry's entries are: ``entity_indent``).

    >>> section, lines = to_item_yaml(Suggestion("mention", 0, 3, "VJC", 1, 0.9, "", entity="vjc"))
    >>> section, lines[:3]
    ('mentions', ['  - entity: "vjc"', '    quote: "VJC"', '    occurrence: 1'])
    """
    tail = [f'    confidence: "{s.confidence:.2f}"', f"    why: {_y(s.why)}"]
    if s.kind == "entity":  # written as registry.yaml writes its entries, to paste there
        ind = entity_indent
        return "new_entities", [
            f"{ind}- id: {_y(s.entity)}",
            f"{ind}  class: {_y(s.cls)}",
            f"{ind}  label: {{vi: {_y(s.label)}}}",
            *(ind + line[2:] for line in tail),
        ]
    anchor = [f"    quote: {_y(s.quote)}", f"    occurrence: {s.occurrence}"]
    if s.kind == "mention":
        return "mentions", [f"  - entity: {_y(s.entity)}", *anchor, *tail]
    lines = [f"  - subject: {_y(s.subject)}", f"    relation: {_y(s.relation)}"]
    if s.object:
        lines.append(f"    object: {_y(s.object)}")
    for k, v in s.qualifiers:
        lines.append(f"    {k}: {_y(v)}")
    return "claims", [*lines, *anchor, *tail]


def to_suggestions_yaml(s: Suggestions, path_hint: str = "", entity_indent: str = "") -> str:
    """``suggestions.yaml``: annotations format, each item with ``confidence`` and ``why``.

    ``new_entities`` are in the registry's format (without the ``en`` label a person adds);
    the loader and the build ignore them, ``confidence`` and ``why``.
    """
    out = [
        f"# Suggestions for {path_hint or s.source_id}, written by `kg suggest`.",
        "# Format: sources/FORMAT.md (the annotations format).",
        "# Accept an item by moving it into annotations.yaml (new_entities: into registry.yaml,",
        "# with an en label); `confidence` and `why` may stay or go. Review them: kg review.",
    ]
    groups: dict[str, list[str]] = {name: [] for name in SECTIONS}
    for item in s.all():
        section, lines = to_item_yaml(item, entity_indent)
        groups[section] += lines
    for name in SECTIONS:
        out.append(f"{name}:" + ("" if groups[name] else " []"))
        out += groups[name]
    return "\n".join(out) + "\n"


# --- reading a source folder for suggestions ------------------------------------------


@dataclass(frozen=True)
class SourceFolder:
    """A source folder loaded for ``kg suggest`` / ``kg review``: registry, source, annotations."""

    entities: dict[str, Entity]
    source: Source
    claims: tuple[Claim, ...]
    mentions: tuple[Mention, ...]
    ignore: tuple[IgnoreEntry, ...]
    corpus: Corpus


def load_source_folder(folder: Path, limits: SourceLimits | None = None) -> SourceFolder:
    """Load ``folder`` (``sources/NNN``) with the registry of its parent; raises InputError.

    A missing ``annotations.yaml`` counts as empty. Only this folder must load: the other
    folders' metadata is read (for the coverage ignore list's source ids) when it can be.
    Every file is refused unread over its cap in ``limits`` (the defaults of ``kg build``).
    """
    from ..coverage import load_ignore_list
    from ..load import (
        DEFAULT_LIMITS,
        REGISTRY_FILE,
        load_annotations,
        load_meta,
        load_registry,
        load_source_text,
    )

    caps = limits or DEFAULT_LIMITS

    folder = Path(folder)
    root = folder.parent
    problems = ProblemCollector()
    if not (folder / "text.txt").is_file():
        problems.add(
            Location.of(folder),
            "not a source folder (no text.txt)",
            "pass a folder like sources/004, or make one with kg new-source FILE",
        )
        problems.raise_if_any()
    entities = load_registry(root / REGISTRY_FILE, problems, caps.registry_bytes)
    meta = load_meta(folder / "meta.yaml", folder.name, problems, caps.yaml_bytes)
    loaded = load_source_text(folder / "text.txt", problems, caps.text_bytes)
    problems.raise_if_any()
    assert meta is not None and loaded is not None
    source = Source(meta, loaded[0], Location.of(folder / "text.txt").path, loaded[1])
    claims: list[Claim] = []
    mentions: list[Mention] = []
    if (folder / "annotations.yaml").exists():
        claims, mentions = load_annotations(
            folder / "annotations.yaml", source, entities, problems, max_bytes=caps.yaml_bytes
        )
    problems.raise_if_any()
    others = []
    for other in sorted(p for p in root.iterdir() if p.is_dir() and p != folder):
        if (other / "meta.yaml").is_file():
            quiet = ProblemCollector()
            m = load_meta(other / "meta.yaml", other.name, quiet, caps.yaml_bytes)
            if m is not None and m.id != meta.id:
                others.append(Source(m, "", ""))
    corpus = Corpus(entities, (source, *others), tuple(claims), tuple(mentions))
    ignore = load_ignore_list(root / "coverage-ignore.yaml", corpus, caps.yaml_bytes)
    return SourceFolder(entities, source, tuple(claims), tuple(mentions), tuple(ignore), corpus)


def suggest_folder(folder: SourceFolder, **options: Any) -> Suggestions:
    """:func:`suggest` for a loaded folder (its annotations are left out of the suggestions)."""
    return suggest(
        folder.source, folder.entities, folder.claims, folder.mentions, folder.ignore, **options
    )
