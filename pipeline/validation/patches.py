"""Patches to pySHACL 0.40.1 and rdflib that make validation fast, as patch/unpatch pairs.

Each patch changes how much work is done, never what is found: the tests compare every
result with an unpatched pySHACL run and with Jena SHACL. Each ``patch_*`` returns what its
``unpatch_*`` needs to put the original back; :func:`patched` applies them for the length of
a ``with`` block and always restores the originals, in reverse order.

>>> from rdflib.plugins.sparql import processor
>>> before = processor.SPARQLProcessor.query
>>> with patched(focus=None):
...     processor.SPARQLProcessor.query is before
False
>>> processor.SPARQLProcessor.query is before
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from rdflib.term import Node


def patch_sparql_parsed_once() -> Any:
    """Let rdflib parse each distinct SPARQL text once while pySHACL validates.

    pySHACL hands rdflib the same ``sh:select`` text for every focus node of a SPARQL-based
    constraint, and rdflib parses it again each time (pyparsing, ~20 ms a parse): on the
    bench corpus that was 55% of validation. The parsed query is what ``prepareQuery`` gives
    and rdflib evaluates it with each focus node's bindings exactly as before.
    """
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query
    parsed: dict[tuple[object, ...], Any] = {}

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, frozenset((initNs or {}).items()))
            if key not in parsed:
                parsed[key] = processor.translateQuery(
                    processor.parseQuery(strOrQuery), base, initNs
                )
            strOrQuery = parsed[key]
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign]
    return original


def unpatch_sparql_parsed_once(original: Any) -> None:
    """Undo :func:`patch_sparql_parsed_once`."""
    from rdflib.plugins.sparql import processor

    processor.SPARQLProcessor.query = original  # type: ignore[method-assign]


def patch_targets_limited_to(focus: Collection[Node]) -> Any:
    """Let pySHACL's shapes target only ``focus`` nodes.

    pySHACL 0.40.1 has a ``focus_nodes`` option, but it filters the nodes of nested checks
    too (a ``sh:qualifiedValueShape`` then sees no conforming value, so every qualified count
    fails) and tests membership in a list. Restricting what the targets find is what the
    option means for top-level shapes, and leaves nested checks alone.
    """
    from pyshacl.shape import Shape

    original = Shape.focus_nodes
    wanted = set(focus)

    def focus_nodes(self, data_graph, debug=False):
        return {n for n in original(self, data_graph, debug=debug) if n in wanted}

    Shape.focus_nodes = focus_nodes  # type: ignore[method-assign]
    return original


def unpatch_targets_limited_to(original: Any) -> None:
    """Undo :func:`patch_targets_limited_to`."""
    from pyshacl.shape import Shape

    Shape.focus_nodes = original  # type: ignore[method-assign]


class MemberSet(list):
    """A list whose ``in`` is a set look-up (see :func:`patch_constraint_lookup_by_hash`).

    >>> 3 in MemberSet([1, 2, 3]), list(MemberSet([1, 2]))
    (True, [1, 2])
    """

    def __init__(self, items: Iterable[object]):
        super().__init__(items)
        self._members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members


_ABSENT = object()


def patch_constraint_lookup_by_hash() -> Any:
    """Let pySHACL find a shape's constraint parameters by hash, not by scanning a list.

    For every (shape, focus nodes) evaluation pySHACL tests each of the shape's predicates
    against its list of ~40 constraint parameters with ``in``, one ``URIRef.__eq__`` call per
    element: 15% of validation time on the bench corpus. The same parameters, in the same
    order, looked up in a set.
    """
    from pyshacl import shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    original = getattr(shape, "CONSTRAINT_PARAMS", _ABSENT)
    shape.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        MemberSet(ALL_CONSTRAINT_PARAMETERS),
        CONSTRAINT_PARAMETERS_MAP,
    )
    return original


def unpatch_constraint_lookup_by_hash(original: Any) -> None:
    """Undo :func:`patch_constraint_lookup_by_hash`."""
    from pyshacl import shape

    if original is _ABSENT:
        del shape.CONSTRAINT_PARAMS  # type: ignore[attr-defined]
    else:
        shape.CONSTRAINT_PARAMS = original  # type: ignore[attr-defined]


@contextlib.contextmanager
def patched(focus: Collection[Node] | None) -> Iterator[None]:
    """Every patch for the length of the block (targets limited only when ``focus`` is given)."""
    undo: list[tuple[Any, Any]] = []
    try:
        undo.append((unpatch_sparql_parsed_once, patch_sparql_parsed_once()))
        if focus is not None:
            undo.append((unpatch_targets_limited_to, patch_targets_limited_to(focus)))
        undo.append((unpatch_constraint_lookup_by_hash, patch_constraint_lookup_by_hash()))
        yield
    finally:
        for unpatch, original in reversed(undo):
            unpatch(original)
