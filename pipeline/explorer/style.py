"""How the explorer draws a class: a colour per class (its family's hue), a shape per top
class, and class and relation names as words when the ontology gives no label."""

from __future__ import annotations

import colorsys
import re

from ..vocab import ENTITY_CLASSES, class_ancestors

# Colour by family (the class under Organization, else the top class); shape by top class.
FAMILY_COLOURS = {
    "Organization": "#4e79a7",
    "GovernmentBody": "#e15759",
    "Company": "#f28e2b",
    "ResearchOrganization": "#59a14f",
    "Association": "#76b7b2",
    "Committee": "#9c755f",
    "PoliticalParty": "#ff9da7",
    "InternationalOrganization": "#17becf",
    "Initiative": "#b07aa1",
    "Event": "#edc948",
    "Person": "#d6479a",
    "Place": "#a39e98",
    "Product": "#9fa521",
    "Ranking": "#4b5563",
}
SHAPES = {
    "Organization": "dot",
    "Person": "diamond",
    "Event": "star",
    "Initiative": "square",
    "Place": "triangle",
    "Product": "triangleDown",
    "Ranking": "hexagon",
}
FALLBACK_COLOUR = "#8c8c8c"


def humanize(name: str) -> str:
    """A camelCase relation or class name as words.

    >>> humanize("jointVenturePartnerOf")
    'joint venture partner of'
    >>> humanize("GovernmentAgency")
    'Government agency'
    """
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).split(" ")
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def family_of(cls: str) -> str:
    """The class whose colour ``cls`` takes: the one under Organization, else the top class.

    >>> family_of("University"), family_of("Organization"), family_of("City")
    ('ResearchOrganization', 'Organization', 'Place')
    """
    if cls not in ENTITY_CLASSES:
        return cls
    chain = class_ancestors(cls)
    if chain[-1] == "Organization" and len(chain) > 1:
        return chain[-2]
    return chain[-1]


def class_colour(cls: str) -> str:
    """A colour of its own for every class: its family's hue, turned a little per subclass.

    The family's own class keeps the family colour; its subclasses, in the ontology's
    order, step the hue alternately up and down and the lightness in and out, so two
    ministries and a government agency no longer share one red.

    >>> class_colour("GovernmentBody"), class_colour("Ministry") != class_colour("GovernmentBody")
    ('#e15759', True)
    >>> len({class_colour(c) for c in ENTITY_CLASSES}) == len(ENTITY_CLASSES)
    True
    """
    family = family_of(cls)
    base = FAMILY_COLOURS.get(family)
    if base is None:
        return FALLBACK_COLOUR
    if cls == family:
        return base
    members = [c for c in ENTITY_CLASSES if c != family and family_of(c) == family]
    k = members.index(cls) + 1 if cls in members else len(members) + 1
    r, g, b = (int(base[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, light, sat = colorsys.rgb_to_hls(r, g, b)
    step = (k + 1) // 2 * (1 if k % 2 else -1)
    hue = (hue + 0.035 * step) % 1.0
    light = min(0.78, max(0.28, light + (0.09 if k % 3 == 1 else -0.08 if k % 3 == 2 else 0.0)))
    rgb = colorsys.hls_to_rgb(hue, light, sat)
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def top_of(cls: str) -> str:
    """The most general class above ``cls`` (itself when unknown)."""
    return class_ancestors(cls)[-1] if cls in ENTITY_CLASSES else cls
