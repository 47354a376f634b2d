"""Amounts and dates as Vietnamese texts write them, normalised exactly.

Vietnamese writes ``.`` between thousands and ``,`` before decimals, and scales with
words: ``nghìn``/``ngàn`` (10³), ``triệu`` (10⁶), ``tỷ``/``tỉ`` (10⁹), ``nghìn tỷ`` (10¹²).

>>> parse_amount("3.900 tỷ Yen").value
Decimal('3900000000000')
>>> parse_amount("8,4 tỷ Yên").currency
'JPY'
>>> str(parse_amount("8,4 tỷ Yên").value)
'8400000000'
>>> parse_amount("56,1%").unit
'percent'
>>> parse_amount("800.000 kỹ sư").value, parse_amount("800.000 kỹ sư").unit
(Decimal('800000'), 'kỹ sư')
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from decimal import Decimal

from .model import Amount
from .text import invisible_character


class QuantityError(ValueError):
    """A surface form that cannot be normalised; the message says how to write it."""


_SCALES: list[tuple[str, int]] = [
    ("nghìn tỷ", 12),
    ("ngàn tỷ", 12),
    ("nghìn tỉ", 12),
    ("ngàn tỉ", 12),
    ("triệu tỷ", 15),
    ("triệu tỉ", 15),
    ("nghìn", 3),
    ("ngàn", 3),
    ("triệu", 6),
    ("tỷ", 9),
    ("tỉ", 9),
    # as a text typed without diacritics writes them
    ("nghin ty", 12),
    ("ngan ty", 12),
    ("trieu ty", 15),
    ("nghin", 3),
    ("ngan", 3),
    ("trieu", 6),
    ("ty", 9),
    ("million", 6),
    ("billion", 9),
    ("trillion", 12),
]

_CURRENCIES: list[tuple[str, str]] = [
    ("yên nhật", "JPY"),
    ("yên", "JPY"),
    ("yen", "JPY"),
    ("jpy", "JPY"),
    ("¥", "JPY"),
    ("đô la mỹ", "USD"),
    ("usd", "USD"),
    ("us$", "USD"),
    ("$", "USD"),
    ("euro", "EUR"),
    ("eur", "EUR"),
    ("€", "EUR"),
    ("việt nam đồng", "VND"),
    ("vnđ", "VND"),
    ("vnd", "VND"),
    ("đồng", "VND"),
]

_NUMBER = re.compile(r"^([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,([0-9]+))?")  # ASCII digits only


# Python's decimal arithmetic keeps 28 significant digits: a longer number would be
# rounded, silently, when its scale word is applied.
MAX_DIGITS = 28


def parse_number(text: str) -> Decimal:
    """A Vietnamese-formatted number: ``.`` groups thousands, ``,`` marks decimals.

    >>> parse_number("3.900"), parse_number("8,4"), parse_number("1.234.567,5")
    (Decimal('3900'), Decimal('8.4'), Decimal('1234567.5'))
    """
    m = _NUMBER.match(text.strip())
    if not m or m.end() != len(text.strip()):
        raise QuantityError(
            f"{text!r} is not a number as Vietnamese texts write it "
            "(use '.' between thousands and ',' before decimals, e.g. '3.900' or '8,4')"
        )
    whole = m.group(1).replace(".", "")
    digits = len((whole + (m.group(2) or "")).lstrip("0"))
    if digits > MAX_DIGITS:
        raise QuantityError(
            f"{text!r} has {digits} digits; amounts are kept exactly up to {MAX_DIGITS} "
            "(check the number)"
        )
    return Decimal(whole + ("." + m.group(2) if m.group(2) else ""))


_BOUNDS: list[tuple[str, str]] = [
    ("khoảng", "about"),
    ("gần", "about"),
    ("xấp xỉ", "about"),
    ("hơn", "atLeast"),
    ("trên", "atLeast"),
    ("ít nhất", "atLeast"),
    ("dưới", "atMost"),
    ("lên đến", "atMost"),
    ("lên tới", "atMost"),
    ("tối đa", "atMost"),
]

_NUMBER_TEXT = re.compile(r"\d[\d.,]*")
# Thousands grouped with spaces ("1 000 000", also with no-break spaces): each group of
# three digits, and no "." grouping mixed in.
_SPACES = "[ \u00a0\u202f]"
_SPACED = rf"\d{{1,3}}(?:{_SPACES}\d{{3}})+(?:,\d+)?(?![\d.,]*\d)"
_SPACED_NUMBER = re.compile(_SPACED)
_EXPONENT = re.compile(r"[eE][+-]?\d")


def _take_number(rest: str, surface: str) -> tuple[Decimal, str]:
    """The number at the start of ``rest`` and what follows it (stripped)."""
    spaced = _SPACED_NUMBER.match(rest)
    if spaced:
        digits = re.sub(_SPACES, "", spaced.group(0))
        return parse_number(digits), rest[spaced.end() :].strip()
    m = _NUMBER_TEXT.match(rest)
    if not m:
        raise QuantityError(
            f"amount {surface!r} does not start with a number; copy the amount as the quote "
            "writes it, e.g. '590 tỷ Yên', 'khoảng 800.000 kỹ sư', '6-7%'"
        )
    number_text = m.group(0).rstrip(".,")
    after = rest[len(number_text) :]
    exponent = _EXPONENT.match(after)
    if exponent:
        raise QuantityError(
            f"amount {surface!r}: {number_text}{exponent.group(0)}… is a number with an "
            "exponent, which amounts do not take; write it in digits (e.g. '100.000')"
        )
    after = after.strip()
    if after[:1].isdigit():
        raise QuantityError(
            f"amount {surface!r}: another number follows {number_text!r}; group thousands "
            "by threes ('1.000' or '1 000') or give one number"
        )
    return parse_number(number_text), after


def _scale(rest: str) -> tuple[int | None, str]:
    """An optional scale word at the start of ``rest``: its power of ten (``None`` if there
    is none) and what follows it."""
    low = rest.lower()
    for word, exp in _SCALES:
        if low.startswith(word) and (len(low) == len(word) or not low[len(word)].isalpha()):
            return exp, rest[len(word) :].strip()
    return None, rest


def _scale_and_currency(rest: str) -> tuple[int, str | None, str]:
    """Read an optional scale word and currency at the start of ``rest``."""
    found, rest = _scale(rest)
    exponent = found or 0
    low = rest.lower()
    for word, code in _CURRENCIES:
        if low.startswith(word) and (
            len(low) == len(word) or not low[len(word)].isalpha() or not word[-1].isalpha()
        ):
            return exponent, code, rest[len(word) :].strip()
    return exponent, None, rest


def parse_amount(text: str) -> Amount:
    """Normalise an amount such as ``590 tỷ Yên`` (see the module doc for the rules).

    Ranges and bounds are kept: ``6-7%`` has value 6 and upper 7; ``trên 30 tỷ USD/năm``
    is at least 30 000 000 000 USD, with ``/năm`` kept as its unit.

    >>> a = parse_amount("trên 30 tỷ USD/năm")
    >>> (str(a.value), a.currency, a.unit, a.bound)
    ('30000000000', 'USD', '/năm', 'atLeast')
    >>> a = parse_amount("20-40%/năm")
    >>> (a.value, a.upper, a.unit)
    (Decimal('20'), Decimal('40'), 'percent/năm')
    >>> a = parse_amount("1 000 000 USD")
    >>> (a.value, a.currency, a.unit)
    (Decimal('1000000'), 'USD', None)
    """
    surface = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
    hidden = invisible_character(surface)
    if hidden:
        raise QuantityError(
            f"amount {surface!r} holds an invisible character ({hidden}); delete it "
            "(it was probably pasted with the text)"
        )
    rest = surface
    bound = None
    for word, kind in _BOUNDS:
        if rest.lower().startswith(word + " "):
            bound, rest = kind, rest[len(word) :].strip()
            break
    prefix_currency = None
    for symbol, code in (("US$", "USD"), ("$", "USD"), ("¥", "JPY"), ("€", "EUR")):
        if rest.startswith(symbol):
            prefix_currency, rest = code, rest[len(symbol) :].lstrip()
            break
    value, rest = _take_number(rest, surface)
    upper = None
    # A range: "6-7%", "5-7 tỷ" (the scale after the upper end is both ends'), and
    # "2 triệu - 3 triệu", "500 triệu đến 1 tỷ" (each end with its own).
    lower_exponent, after_lower = _scale(rest)
    r = re.match(r"^(?:-|–|đến)\s*(?=\d)", after_lower)
    if r:
        upper, rest = _take_number(after_lower[r.end() :], surface)
    percent = rest.startswith("%")
    if percent:
        rest = rest[1:].strip()
        exponent, currency = 0, None
    else:
        exponent, currency, rest = _scale_and_currency(rest)
    currency = currency or prefix_currency
    if upper is not None:
        value = _normalise_decimal(
            value.scaleb(exponent if lower_exponent is None else lower_exponent)
        )
        upper = _normalise_decimal(upper.scaleb(exponent))
        if upper < value:
            raise QuantityError(f"amount {surface!r}: the range's upper end is below its lower end")
    else:
        value = _normalise_decimal(value.scaleb(exponent))
    _refuse_number_in_unit(rest, surface)
    # What is counted is part of what the amount states, not of its wording: lowercase and
    # single-spaced, so "Kỹ sư" at a sentence start and "kỹ sư" are one unit.
    tail = " ".join(rest.strip(" .,;:").lower().split()) or None
    unit = ("percent" + (tail or "")) if percent else tail
    return Amount(value, surface, currency, unit, upper, bound)


def _refuse_number_in_unit(rest: str, surface: str) -> None:
    """What follows the number, scale and currency is the unit ("kỹ sư", "/năm"); a unit
    that starts with a number, a fraction, a dangling range or another scale word means the
    amount was misread (``1/2 tỷ`` was 1, ``5 tỷ tỷ`` 5 000 000 000), so it is refused."""
    low = rest.lower()
    scale, _ = _scale(rest)
    if low[:1].isdigit() or re.match(r"^/\s*\d", low):
        what = "a fraction" if low[:1] == "/" else "another number"
        hint = "amounts are whole or decimal numbers; leave `amount` out, the quote keeps it"
    elif low[:1] in "-–" and low:
        what, hint = "a range without its upper end", "give both ends, e.g. '6-7%', or one number"
    elif scale is not None:
        what = "a second scale word"
        hint = (
            "write the scale once ('nghìn tỷ', 'triệu tỷ' are read as one), or leave `amount` out"
        )
    else:
        return
    raise QuantityError(f"amount {surface!r}: {what} follows the number ({rest!r}); {hint}")


def _normalise_decimal(value: Decimal) -> Decimal:
    """An exact decimal without exponent notation (``8.4E+9`` → ``8400000000``)."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()


_DATE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")  # ASCII digits only


def parse_date(text: str) -> tuple[str, str]:
    """Check an ISO date at year, month or day precision; return it with its XSD type name.

    >>> parse_date("2021-09")
    ('2021-09', 'gYearMonth')
    >>> parse_date("4/2")
    Traceback (most recent call last):
    ...
    pipeline.quantities.QuantityError: date '4/2' is not ISO ...
    """
    m = _DATE.match(text.strip())
    if not m:
        raise QuantityError(
            f'date {text!r} is not ISO (write "YYYY", "YYYY-MM" or "YYYY-MM-DD", at the '
            "precision the text gives; a day and month with no year, like '4/2', is not a date "
            "unless the document's date gives the year)"
        )
    year, month, day = m.groups()
    if int(year) == 0:
        raise QuantityError(f"date {text!r} has year 0000; years run 0001–9999")
    if month is None:
        return text, "gYear"
    if not 1 <= int(month) <= 12:
        raise QuantityError(f"date {text!r} has month {month}; months run 01–12")
    if day is None:
        return text, "gYearMonth"
    last = calendar.monthrange(int(year), int(month))[1]
    if not 1 <= int(day) <= last:
        raise QuantityError(f"date {text!r} has day {day}; that month has {last} days")
    return text, "date"


# ---------------------------------------------------------------- finding them in text


_DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})(?!\d)"), "dmy"),
    (
        re.compile(r"(?i)tháng\s+(\d{1,2})\s*(?:/|-|năm\s+|,\s*năm\s+)\s*((?:19|20)\d{2})(?!\d)"),
        "my",
    ),
    (re.compile(r"(?i)ngày\s+(\d{1,2})/(\d{1,2})(?![/\d])"), "dm"),
    (re.compile(r"(?<![\d.,/])((?:19|20)\d{2})(?![\d.,]\d|\d|/)"), "y"),
)


def find_dates(text: str, issued: str = "") -> list[tuple[int, int, str]]:
    """ISO dates the text gives, at the precision it gives them, as (start, end, iso).

    A day and month without a year (``ngày 4/2``) takes the year of ``issued``, the
    document's date; without one it is no date. Each result passes
    :func:`pipeline.quantities.parse_date`.

    >>> [d for _, _, d in find_dates("ngày 4/2, tháng 9-2021, năm 2024, 2/4/2024", "2026-02")]
    ['2026-02-04', '2021-09', '2024', '2024-04-02']
    """
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, kind in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            g = m.groups()
            if kind == "dmy":
                iso = f"{g[2]}-{int(g[1]):02d}-{int(g[0]):02d}"
            elif kind == "my":
                iso = f"{g[1]}-{int(g[0]):02d}"
            elif kind == "dm":
                if not re.match(r"^\d{4}", issued):
                    continue
                iso = f"{issued[:4]}-{int(g[1]):02d}-{int(g[0]):02d}"
            else:
                iso = g[0]
            try:
                parse_date(iso)
            except QuantityError:
                continue
            found.append((m.start(), m.end(), iso))
            taken.append((m.start(), m.end()))
    return sorted(found)


# A number as find_amounts reads it: thousands grouped with spaces, or digits with "." and ","
_SPACED_OR_PLAIN = rf"(?:{_SPACED}|\d[\d.,]*)"
_AMOUNT = re.compile(
    r"(?i)(?:(?:khoảng|gần|xấp xỉ|hơn|trên|ít nhất|dưới|lên đến|lên tới|tối đa)\s+)?"
    rf"(?:US\$|\$|¥|€)?(?<![\d.,]){_SPACED_OR_PLAIN}(?:\s*(?:-|–|đến)\s*{_SPACED_OR_PLAIN})?"
    r"(?:\s*%|\s*(?:nghìn tỷ|ngàn tỷ|nghìn tỉ|ngàn tỉ|triệu tỷ|triệu tỉ|nghìn|ngàn|triệu|tỷ|tỉ)"
    r"(?:\s+(?:yên nhật|yên|yen|jpy|đô la mỹ|usd|euro|eur|vnđ|vnd|đồng))?"
    r"|\s*(?:yên|yen|jpy|usd|euro|eur|vnđ|vnd))(?!\w)"
)


def find_amounts(text: str) -> list[tuple[int, int, str]]:
    """Amounts with a scale word, a currency or ``%``, read by :func:`parse_amount`.

    >>> [a for _, _, a in find_amounts("lên đến 590 tỷ Yen (3,9 tỷ USD), 56,1% và 2024")]
    ['lên đến 590 tỷ Yen', '3,9 tỷ USD', '56,1%']
    >>> [a for _, _, a in find_amounts("năm 2024 có 1 000 000 USD và 2020 100 Yên")]
    ['1 000 000 USD', '100 Yên']
    """
    found = []
    for m in _AMOUNT.finditer(text):
        surface = m.group(0)
        try:
            parse_amount(surface)
        except QuantityError:
            continue
        found.append((m.start(), m.end(), surface))
    return found
