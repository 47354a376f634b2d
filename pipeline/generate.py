"""Generate what restates the model (pipeline/schema.py): ontology terms, shapes, FORMAT tables.

Each generated part sits between two marker lines in a committed, otherwise hand-written file
(``ontology/vjkg.ttl``, ``ontology/shapes.ttl``, ``sources/FORMAT.md``); the prose, the
ontology header and the hand-written shapes around them stay as they are.
``python -m pipeline.generate`` rewrites the parts; ``python -m pipeline.generate --check``
exits 1 and names the files that differ (``tests/test_model.py`` runs the same check).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from .schema import (
    CLASSES,
    PROPERTIES,
    QUALIFIERS,
    RELATION_LIST,
    ROLES,
    ClassDef,
    QualifierProperty,
    Relation,
    relation_qualifiers,
)

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "BEGIN GENERATED from pipeline/schema.py by `python -m pipeline.generate`; do not edit"
END = "END GENERATED"


def turtle_string(text: str) -> str:
    """A Turtle string literal.

    >>> turtle_string('say "hi"')
    '"say \\\\"hi\\\\""'
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _labels(vi: str, en: str) -> str:
    return f"{turtle_string(vi)}@vi , {turtle_string(en)}@en"


def _end_iri(classes: tuple[str, ...]) -> str | None:
    """The OWL domain/range for an end: one class, prov:Agent for agents, else none."""
    if len(classes) == 1:
        return "vjkg:" + classes[0]
    if set(classes) == {"Organization", "Person"}:
        return "prov:Agent"
    return None


def _end_words(classes: tuple[str, ...]) -> str:
    return " or ".join(classes)


def _a(words: str) -> str:
    """The indefinite article for ``words``.

    >>> _a("Organization"), _a("Person")
    ('an Organization', 'a Person')
    """
    return ("an " if words[:1].lower() in "aeiou" else "a ") + words


def _term(name: str, kinds: str, lines: list[str]) -> str:
    body = " ;\n    ".join(lines)
    return f"vjkg:{name} a {kinds} ;\n    {body} .\n"


def _class_ttl(c: ClassDef) -> str:
    lines = [f"rdfs:label {_labels(c.vi, c.en)}", f"rdfs:comment {turtle_string(c.comment)}@en"]
    supers = ([f"vjkg:{c.parent}"] if c.parent else []) + list(c.align)
    if supers:
        lines.append("rdfs:subClassOf " + " , ".join(supers))
    return _term(c.name, "owl:Class", lines)


def _relation_ttl(r: Relation) -> str:
    comment = r.comment
    if r.has_object:
        comment += f" Subject: {_end_words(r.subjects)}; object: {_end_words(r.objects)}."
    else:
        comment += f" Subject: {_end_words(r.subjects)}."
    lines = [f"rdfs:label {_labels(r.vi, r.en)}", f"rdfs:comment {turtle_string(comment)}@en"]
    domain = _end_iri(r.subjects)
    if domain:
        lines.append(f"rdfs:domain {domain}")
    # Every end class, without the blank nodes an owl:unionOf would need.
    lines.append("schema:domainIncludes " + " , ".join(f"vjkg:{c}" for c in r.subjects))
    if r.has_object:
        rng = _end_iri(r.objects)
        if rng:
            lines.append(f"rdfs:range {rng}")
        lines.append("schema:rangeIncludes " + " , ".join(f"vjkg:{c}" for c in r.objects))
    elif r.name == "figure":
        lines.append("rdfs:range vjkg:Figure")
    supers = list(r.sub_property_of) + list(r.align)
    if supers:
        lines.append("rdfs:subPropertyOf " + " , ".join(supers))
    kind = "owl:ObjectProperty" if r.has_object or r.name == "figure" else "owl:DatatypeProperty"
    if r.symmetric:
        kind += " , owl:SymmetricProperty"
    return _term(r.name, kind, lines)


def _qualifier_range(p: QualifierProperty) -> str | None:
    if p.value == "date":
        return None
    if p.value == "langString":
        return "rdf:langString"
    if p.value == "iri":
        return _end_iri(p.classes)
    return p.value


def _qualifier_ttl(p: QualifierProperty) -> str:
    lines = [f"rdfs:label {_labels(p.vi, p.en)}", f"rdfs:comment {turtle_string(p.comment)}@en"]
    lines.append("rdfs:domain " + ("vjkg:Fact" if p.on == "fact" else "oa:Annotation"))
    rng = _qualifier_range(p)
    if rng:
        lines.append(f"rdfs:range {rng}")
    if p.align:
        lines.append("rdfs:subPropertyOf " + " , ".join(p.align))
    kind = "owl:ObjectProperty" if p.value == "iri" else "owl:DatatypeProperty"
    return _term(p.name, kind, lines)


def _property_ttl(p) -> str:
    lines = [f"rdfs:label {_labels(p.vi, p.en)}", f"rdfs:comment {turtle_string(p.comment)}@en"]
    if p.domain:
        lines.append(f"rdfs:domain {p.domain}")
    if p.range:
        lines.append(f"rdfs:range {p.range}")
    if p.inverse_of:
        lines.append(f"owl:inverseOf {p.inverse_of}")
    if p.align:
        lines.append("rdfs:subPropertyOf " + " , ".join(p.align))
    return _term(p.name, "owl:ObjectProperty" if p.object else "owl:DatatypeProperty", lines)


def _role_ttl(vocab_base: str = "https://w3id.org/vjkg/resource/") -> list[str]:
    out = [
        f"<{vocab_base}role> a skos:ConceptScheme ;\n"
        f'    rdfs:label "Vai trò, chức vụ"@vi , "Roles and posts"@en ;\n'
        f'    skos:prefLabel "Vai trò, chức vụ"@vi , "Roles and posts"@en .\n'
    ]
    for role in ROLES:
        labels = _labels(role.vi, role.en)
        out.append(
            f"<{vocab_base}role/{role.id}> a vjkg:Role , skos:Concept ;\n"
            f"    skos:inScheme <{vocab_base}role> ;\n"
            f"    skos:notation {turtle_string(role.id)} ;\n"
            f"    rdfs:label {labels} ;\n"
            f"    skos:prefLabel {labels} .\n"
        )
    return out


def to_ontology_terms() -> str:
    """The generated part of ``ontology/vjkg.ttl``: classes, properties, roles."""
    parts = ["# ---------------------------------------------------------------- classes\n"]
    parts += [_class_ttl(c) for c in CLASSES]
    parts.append("# ------------------------------------------------------------ relations\n")
    parts += [_relation_ttl(r) for r in RELATION_LIST]
    parts.append("# ----------------------------------------------------------- qualifiers\n")
    parts += [_qualifier_ttl(p) for q in QUALIFIERS for p in q.properties]
    parts.append("# ------------------------------------------------ structure and sources\n")
    parts += [_property_ttl(p) for p in PROPERTIES]
    parts.append("# ---------------------------------------------------------------- roles\n")
    parts += _role_ttl()
    return "\n".join(parts)


# ----------------------------------------------------------------------------- shapes


def _shape(name: str, kind: str, lines: list[str]) -> str:
    return f"vjkgsh:{name} a {kind} ;\n    " + " ;\n    ".join(lines) + " .\n"


def _msg(en: str) -> str:
    return f"sh:message {turtle_string(en)}@en"


def _class_constraint(classes: tuple[str, ...]) -> str:
    if len(classes) == 1:
        return f"sh:class vjkg:{classes[0]}"
    return "sh:or ( " + " ".join(f"vjkgsh:Is{c}" for c in classes) + " )"


def _cap(name: str) -> str:
    return name[0].upper() + name[1:]


def _value_lines(p: QualifierProperty) -> list[str]:
    lines = []
    if p.value == "date":
        lines.append("sh:node vjkgsh:DateValue")
    elif p.value == "langString":
        lines.append("sh:datatype rdf:langString")
    elif p.value == "iri":
        lines.append("sh:nodeKind sh:IRI")
        if p.classes:
            lines.append(_class_constraint(p.classes))
    else:
        lines.append(f"sh:datatype {p.value}")
    if p.pattern:
        lines.append(f"sh:pattern {turtle_string(p.pattern)}")
    if p.allowed:
        lines.append("sh:in ( " + " ".join(turtle_string(a) for a in p.allowed) + " )")
    lines.append("sh:uniqueLang true" if p.multi else "sh:maxCount 1")
    return lines


def _value_words(p: QualifierProperty) -> str:
    if p.value == "date":
        what = "an xsd:date, xsd:gYearMonth or xsd:gYear"
    elif p.value == "langString":
        what = "a language-tagged string"
    elif p.value == "iri":
        what = "an IRI" + (f" of {_a(_end_words(p.classes))}" if p.classes else "")
    else:
        what = f"a {p.value}"
    if p.pattern:
        what += f" matching {p.pattern}"
    if p.allowed:
        what += " (one of " + ", ".join(p.allowed) + ")"
    many = "at most one per language" if p.multi else "at most one"
    return f"vjkg:{p.name}: {many}, {what}."


def _fact_classes() -> dict[str, list[Relation]]:
    out: dict[str, list[Relation]] = {}
    for r in RELATION_LIST:
        out.setdefault(r.fact_class, []).append(r)
    return out


_REQUIRED_PATHS = {
    "date": "date",
    "rank": "rank",
    "amount": "amount",
    "role": "roleType",
    "measure": "measure",
}


def _fact_class_shape(fact_class: str, rels: list[Relation]) -> list[str]:
    subjects = tuple(sorted({c for r in rels for c in r.subjects}))
    objects = tuple(sorted({c for r in rels for c in r.objects}))
    required = frozenset.intersection(*(r.required for r in rels))
    names = ", ".join(r.name for r in rels)
    parts: list[tuple[str, list[str]]] = []
    parts.append(
        (
            f"{fact_class}Subject",
            [
                "sh:path vjkg:subject",
                _class_constraint(subjects),
                _msg(f"The subject of a {names} fact is {_a(_end_words(subjects))}."),
            ],
        )
    )
    if objects:
        parts.append(
            (
                f"{fact_class}Object",
                [
                    "sh:path vjkg:object",
                    "sh:minCount 1",
                    _class_constraint(objects),
                    _msg(f"A {names} fact names its object, {_a(_end_words(objects))}."),
                ],
            )
        )
    else:
        parts.append(
            (
                f"{fact_class}NoObject",
                ["sh:path vjkg:object", "sh:maxCount 0", _msg(f"A {names} fact has no object.")],
            )
        )
    for key in sorted(required):
        path = _REQUIRED_PATHS[key]
        if key == "measure":
            for lang, word in (("Vi", "Vietnamese"), ("En", "English")):
                parts.append(
                    (
                        f"{fact_class}Measure{lang}",
                        [
                            "sh:path vjkg:measure",
                            f"sh:qualifiedValueShape vjkgsh:Lang{lang}",
                            "sh:qualifiedMinCount 1",
                            _msg(f"A {names} fact says what it measures in {word}."),
                        ],
                    )
                )
            continue
        parts.append(
            (
                f"{fact_class}{_cap(key)}Required",
                [
                    f"sh:path vjkg:{path}",
                    "sh:minCount 1",
                    _msg(f"A {names} fact needs its {key} (vjkg:{path})."),
                ],
            )
        )
    taken = set().union(*(relation_qualifiers(r) for r in rels))
    others = [
        prop.name
        for q in QUALIFIERS
        if q.key not in taken
        for prop in q.properties
        if prop.on == "fact"
    ]
    if others:
        parts.append(
            (
                f"{fact_class}NoOtherQualifiers",
                [
                    "sh:path [ sh:alternativePath ( "
                    + " ".join(f"vjkg:{n}" for n in others)
                    + " ) ]",
                    "sh:maxCount 0",
                    _msg(
                        f"A {names} fact takes only the qualifiers its relation declares "
                        f"(none of: {', '.join(others)})."
                    ),
                ],
            )
        )
    if all(r.org_membership for r in rels):
        parts.append(
            (
                f"{fact_class}OrgMember",
                [
                    "sh:path org:member",
                    "sh:minCount 1",
                    "sh:maxCount 1",
                    _msg(f"A {names} fact names its member with org:member (W3C ORG)."),
                ],
            )
        )
    node = _shape(
        f"{fact_class}Shape",
        "sh:NodeShape",
        [
            f"sh:targetClass vjkg:{fact_class}",
            f"rdfs:comment {turtle_string(f'Facts of relation(s) {names}.')}@en",
            "sh:property " + " , ".join(f"vjkgsh:{n}" for n, _ in parts),
        ],
    )
    return [node] + [_shape(n, "sh:PropertyShape", lines) for n, lines in parts]


def _typed_shapes() -> list[str]:
    out = []
    for c in CLASSES:
        if c.parent is None or c.kind not in ("entity", "source"):
            continue
        prop = f"{c.name}TypedAs{c.parent}"
        out.append(
            _shape(
                f"{c.name}Shape",
                "sh:NodeShape",
                [f"sh:targetClass vjkg:{c.name}", f"sh:property vjkgsh:{prop}"],
            )
        )
        out.append(
            _shape(
                prop,
                "sh:PropertyShape",
                [
                    "sh:path rdf:type",
                    f"sh:hasValue vjkg:{c.parent}",
                    _msg(
                        f"Every vjkg:{c.name} is also typed vjkg:{c.parent}, so queries over "
                        "the broader class find it."
                    ),
                ],
            )
        )
    return out


def _class_helpers() -> list[str]:
    used = set()
    for r in RELATION_LIST:
        for ends in (r.subjects, r.objects):
            if len(ends) > 1:
                used |= set(ends)
    for q in QUALIFIERS:
        for p in q.properties:
            if len(p.classes) > 1:
                used |= set(p.classes)
    return [f"vjkgsh:Is{c} a sh:NodeShape ; sh:class vjkg:{c} .\n" for c in sorted(used)]


def to_shapes_section() -> str:
    """The generated part of ``ontology/shapes.ttl``: class, fact and qualifier shapes."""
    fact_props = [p for q in QUALIFIERS for p in q.properties if p.on == "fact"]
    evidence_props = [p for q in QUALIFIERS for p in q.properties if p.on == "evidence"]
    out = ["# --------------------------------------------------------- class helpers\n"]
    out += _class_helpers()
    out.append("# ------------------------------------------------------ class hierarchy\n")
    out += _typed_shapes()
    out.append("# ---------------------------------------------------------------- facts\n")
    relations = " ".join(f"vjkg:{r.name}" for r in RELATION_LIST)
    props = ["FactSubject", "FactRelation", "FactEvidence", "FactObject"]
    props += [f"Fact{_cap(p.name)}" for p in fact_props]
    out.append(
        _shape(
            "FactShape",
            "sh:NodeShape",
            [
                "sh:targetClass vjkg:Fact",
                'rdfs:comment "Every fact: one subject, one relation, evidence, the direct '
                'triple it qualifies, and well-typed qualifiers."@en',
                "sh:property " + " , ".join(f"vjkgsh:{p}" for p in props),
                "sh:sparql vjkgsh:FactHasDirectTriple",
            ],
        )
    )
    out.append(
        _shape(
            "FactSubject",
            "sh:PropertyShape",
            [
                "sh:path vjkg:subject",
                "sh:minCount 1",
                "sh:maxCount 1",
                "sh:nodeKind sh:IRI",
                _msg("A fact has exactly one subject entity."),
            ],
        )
    )
    out.append(
        _shape(
            "FactRelation",
            "sh:PropertyShape",
            [
                "sh:path vjkg:relation",
                "sh:minCount 1",
                "sh:maxCount 1",
                f"sh:in ( {relations} )",
                _msg("A fact has exactly one relation, one of the vjkg relations."),
            ],
        )
    )
    out.append(
        _shape(
            "FactEvidence",
            "sh:PropertyShape",
            [
                "sh:path prov:wasDerivedFrom",
                "sh:minCount 1",
                "sh:class oa:Annotation",
                _msg(
                    "A fact needs at least one piece of evidence "
                    "(prov:wasDerivedFrom an oa:Annotation)."
                ),
            ],
        )
    )
    out.append(
        _shape(
            "FactObject",
            "sh:PropertyShape",
            [
                "sh:path vjkg:object",
                "sh:maxCount 1",
                "sh:nodeKind sh:IRI",
                _msg("A fact has at most one object entity."),
            ],
        )
    )
    for p in fact_props:
        out.append(
            _shape(
                f"Fact{_cap(p.name)}",
                "sh:PropertyShape",
                [f"sh:path vjkg:{p.name}", *_value_lines(p), _msg(_value_words(p))],
            )
        )
    out.append(
        "vjkgsh:FactHasDirectTriple a sh:SPARQLConstraint ;\n"
        '    sh:message "The fact\'s direct triple (subject relation object) is missing."@en ;\n'
        "    sh:prefixes vjkgsh: ;\n"
        '    sh:select """SELECT $this ?value WHERE {\n'
        "        $this vjkg:subject ?s ; vjkg:relation ?r ; vjkg:object ?value .\n"
        "        FILTER NOT EXISTS { ?s ?r ?value }\n"
        '    }""" .\n'
    )
    out.append(
        _shape(
            "EvidenceQualifierShape",
            "sh:NodeShape",
            [
                "sh:targetClass oa:Annotation",
                "rdfs:comment \"How one source wrote a fact's qualifiers, kept on its "
                'evidence."@en',
                "sh:property "
                + " , ".join(f"vjkgsh:Evidence{_cap(p.name)}" for p in evidence_props),
            ],
        )
    )
    for p in evidence_props:
        out.append(
            _shape(
                f"Evidence{_cap(p.name)}",
                "sh:PropertyShape",
                [f"sh:path vjkg:{p.name}", *_value_lines(p), _msg(_value_words(p))],
            )
        )
    for fact_class, rels in _fact_classes().items():
        out += _fact_class_shape(fact_class, rels)
    return "\n".join(out)


# --------------------------------------------------------------------------- FORMAT.md


def _md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def to_format_classes() -> str:
    """The table of entity classes for ``sources/FORMAT.md``."""
    rows = ["| class | is a | for |", "|---|---|---|"]
    for c in CLASSES:
        if c.kind == "entity":
            rows.append(_md_row([f"`{c.name}`", f"`{c.parent}`" if c.parent else "", c.comment]))
    return "\n".join(rows) + "\n"


def _qualifier_cell(r: Relation) -> str:
    keys = sorted(relation_qualifiers(r) - {"roleText", "dateQuote", "dateReason", "according"})
    cells = [f"{k} (required)" if k in r.required else k for k in keys]
    return ", ".join(cells)


def to_format_relations() -> str:
    """The table of relations for ``sources/FORMAT.md``."""
    rows = [
        "| relation | subject → object | qualifiers | for | trigger phrases |",
        "|---|---|---|---|---|",
    ]
    for r in RELATION_LIST:
        ends = _end_words(r.subjects) + " → " + (_end_words(r.objects) or "(no object)")
        triggers = ", ".join(f"“{t}”" for t in r.triggers)
        rows.append(_md_row([f"`{r.name}`", ends, _qualifier_cell(r), r.usage, triggers]))
    rows.append("")
    rows.append(
        "A class in the second column takes its subclasses too. Every relation also takes "
        "`according`, `dateQuote` and `dateReason`; one that takes `role` takes `roleText`."
    )
    return "\n".join(rows) + "\n"


def to_format_qualifiers() -> str:
    """The table of qualifiers for ``sources/FORMAT.md``."""
    rows = [
        "| key | value | example | kept on |",
        "|---|---|---|---|",
    ]
    for q in QUALIFIERS:
        on = sorted({"the fact" if p.on == "fact" else "the evidence" for p in q.properties})
        rows.append(_md_row([f"`{q.key}`", q.value, q.example, " and ".join(on)]))
    return "\n".join(rows) + "\n"


def to_format_roles() -> str:
    """The controlled vocabulary of roles for ``sources/FORMAT.md``."""
    rows = ["| role id | vi | en | wordings it covers |", "|---|---|---|---|"]
    for role in ROLES:
        rows.append(
            _md_row([f"`{role.id}`", role.vi, role.en, ", ".join(f"“{w}”" for w in role.wordings)])
        )
    return "\n".join(rows) + "\n"


# ----------------------------------------------------------------------- splicing


def splice(text: str, name: str, generated: str, comment: tuple[str, str]) -> str:
    """Replace the part of ``text`` between the ``name`` markers with ``generated``.

    >>> t = "a\\n# BEGIN GENERATED … [x]\\nold\\n# END GENERATED [x]\\nb"
    >>> splice(t, "x", "new\\n", ("# ", "")).split("\\n")[2:4]
    ['new', '# END GENERATED [x]']
    """
    open_, close = comment
    begin_line = f"{open_}{BEGIN} [{name}]{close}"
    end_line = f"{open_}{END} [{name}]{close}"
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith(f"{open_}BEGIN GENERATED")]
    starts = [i for i in starts if lines[i].rstrip().endswith(f"[{name}]{close}".rstrip())]
    ends = [i for i, line in enumerate(lines) if line.strip() == end_line.strip()]
    if not starts or not ends or ends[0] < starts[0]:
        raise ValueError(f"markers for [{name}] not found: add the lines\n{begin_line}\n{end_line}")
    return "\n".join(
        [*lines[: starts[0]], begin_line, generated.rstrip("\n"), end_line, *lines[ends[0] + 1 :]]
    )


TTL = ("# ", "")
MD = ("<!-- ", " -->")


def generated_files(root: Path = ROOT) -> dict[Path, str]:
    """Every generated file with the text it must have."""
    out: dict[Path, str] = {}
    onto = root / "ontology" / "vjkg.ttl"
    out[onto] = splice(onto.read_text(encoding="utf-8"), "terms", to_ontology_terms(), TTL)
    shapes = root / "ontology" / "shapes.ttl"
    out[shapes] = splice(shapes.read_text(encoding="utf-8"), "shapes", to_shapes_section(), TTL)
    fmt = root / "sources" / "FORMAT.md"
    text = fmt.read_text(encoding="utf-8")
    for name, gen in (
        ("classes", to_format_classes()),
        ("relations", to_format_relations()),
        ("qualifiers", to_format_qualifiers()),
        ("roles", to_format_roles()),
    ):
        text = splice(text, name, gen, MD)
    out[fmt] = text
    return out


def stale_files(root: Path = ROOT) -> list[Path]:
    """The generated files whose committed text differs from what the model generates."""
    return [p for p, text in generated_files(root).items() if p.read_text("utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.generate [--check]``."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for p in stale:
            print(f"{p.relative_to(ROOT)}: differs from the model; run python -m pipeline.generate")
        return 1 if stale else 0
    from .outputs import write_atomic

    for path, text in generated_files().items():
        if path.read_text(encoding="utf-8") != text:
            write_atomic(path, text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
