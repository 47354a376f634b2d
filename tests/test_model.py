"""The model (pipeline/schema.py) drives the ontology, the shapes, FORMAT.md and fact identity."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from pipeline.build import build_dataset, load_ontology
from pipeline.errors import Location
from pipeline.generate import generated_files, stale_files
from pipeline.model import Amount, Anchor, Claim, Corpus, Entity, Qualifiers, Source, SourceMeta
from pipeline.schema import (
    QUALIFIER_PROPERTIES,
    QUALIFIERS,
    RELATION_LIST,
    ROLES,
    relation_qualifiers,
)
from pipeline.validation import load_shapes
from pipeline.vocab import SH, Vocabulary

from .conftest import ROOT

V = Vocabulary()
SHAPES = load_shapes(ROOT / "ontology" / "shapes.ttl")
ONTOLOGY = Graph().parse(ROOT / "ontology" / "vjkg.ttl")


def test_committed_files_are_what_the_model_generates() -> None:
    stale = [str(p.relative_to(ROOT)) for p in stale_files(ROOT)]
    assert stale == [], f"run `python -m pipeline.generate`: {stale} differ from the model"


def test_generator_check_names_a_stale_file(tmp_path: Path) -> None:
    for rel in ("ontology/vjkg.ttl", "ontology/shapes.ttl", "sources/FORMAT.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text((ROOT / rel).read_text(encoding="utf-8"), encoding="utf-8")
    fmt = tmp_path / "sources" / "FORMAT.md"
    fmt.write_text(fmt.read_text(encoding="utf-8").replace("| `memberOf` |", "| `memberof` |", 1))
    assert stale_files(tmp_path) == [fmt]
    assert generated_files(tmp_path)[fmt] == (ROOT / "sources" / "FORMAT.md").read_text("utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "pipeline.generate", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_every_qualifier_property_has_a_shape() -> None:
    paths = set(SHAPES.objects(None, SH.path))
    for name in QUALIFIER_PROPERTIES:
        assert V.term(name) in paths, f"no shape constrains vjkg:{name}"
        assert (V.term(name), RDFS.domain, None) in ONTOLOGY, name


def test_every_relation_end_has_a_shape_and_ontology_terms() -> None:
    for r in RELATION_LIST:
        shape = V.SHAPES[f"{r.fact_class}Shape"]
        assert (shape, SH.targetClass, V.term(r.fact_class)) in SHAPES, r.name
        parts = set(SHAPES.objects(shape, SH.property))
        paths = {SHAPES.value(p, SH.path) for p in parts}
        assert V.term("subject") in paths and V.term("object") in paths, r.name
        assert {"vi", "en"} <= {o.language for o in ONTOLOGY.objects(V.term(r.name), RDFS.label)}, (
            r.name
        )
        assert r.triggers, f"{r.name} has no Vietnamese trigger phrases"


def test_ontology_lists_every_end_class_of_every_relation() -> None:
    from rdflib import URIRef

    includes = (
        URIRef("https://schema.org/domainIncludes"),
        URIRef("https://schema.org/rangeIncludes"),
    )
    for r in RELATION_LIST:
        got = {str(o).rsplit("#", 1)[1] for o in ONTOLOGY.objects(V.term(r.name), includes[0])}
        assert got == set(r.subjects), r.name
        got = {str(o).rsplit("#", 1)[1] for o in ONTOLOGY.objects(V.term(r.name), includes[1])}
        assert got == set(r.objects), r.name


def test_a_relation_between_subclasses_can_be_declared() -> None:
    edition = next(r for r in RELATION_LIST if r.name == "editionOf")
    assert edition.objects == ("EventSeries",)
    jv = next(r for r in RELATION_LIST if r.name == "jointVenturePartnerOf")
    assert (V.term(jv.name), RDFS.range, V.term("JointVenture")) in ONTOLOGY


def test_roles_are_concepts_with_vi_and_en_labels() -> None:
    for role in ROLES:
        node = V.node("role", role.id)
        assert (node, RDF.type, V.term("Role")) in ONTOLOGY
        labels = {o.language for o in ONTOLOGY.objects(node, RDFS.label)}
        assert labels == {"vi", "en"}, role.id
    assert (V.term("Role"), RDF.type, OWL.Class) in ONTOLOGY


# ------------------------------------------------------------- fact identity (property-based)

_WORDINGS = {
    Decimal("590000000000"): ["590 tỷ Yên", "590 tỷ Yen", "590 tỷ yên"],
    Decimal("10"): ["10%", "10 %"],
}

amounts = st.builds(
    lambda value, text_i, currency, bound, upper: Amount(
        value,
        _WORDINGS[value][text_i % len(_WORDINGS[value])],
        currency,
        None if currency else "percent",
        upper,
        bound,
    ),
    st.sampled_from(sorted(_WORDINGS)),
    st.integers(0, 5),
    st.sampled_from([None, "JPY", "USD"]),
    st.sampled_from([None, "about", "atLeast", "atMost"]),
    st.sampled_from([None, Decimal("700000000000")]),
)
qualifier_records = st.builds(
    Qualifiers,
    role=st.sampled_from([None, "chair", "speaker"]),
    date=st.sampled_from([None, "2024", "2024-05", "2024-05-02"]),
    until=st.sampled_from([None, "2025"]),
    amount=st.one_of(st.none(), amounts),
    share=st.one_of(st.none(), amounts),
    rank=st.sampled_from([None, 1, 38]),
    out_of=st.sampled_from([None, 63]),
    ordinal=st.sampled_from([None, 19]),
    measure=st.sampled_from([(), (("en", "revenue"), ("vi", "doanh thu"))]),
    according=st.sampled_from([None, "jisa"]),
    site=st.sampled_from([None, "hokkaido"]),
)


def _states(q: Qualifiers) -> tuple[object, ...]:
    """What a record states, spelled out independently of Qualifiers.key()."""

    def amount(a: Amount | None) -> object:
        return None if a is None else (a.value, a.currency, a.unit, a.upper, a.bound)

    return (
        q.role,
        q.date,
        q.until,
        amount(q.amount),
        amount(q.share),
        q.rank,
        q.out_of,
        q.ordinal,
        q.measure,
        q.according,
        q.site,
    )


@settings(max_examples=300, deadline=None)
@given(qualifier_records, qualifier_records)
def test_equal_statements_merge_and_unequal_ones_never_do(a: Qualifiers, b: Qualifiers) -> None:
    assert (a.key() == b.key()) == (_states(a) == _states(b))


def _one_claim_corpus(records: list[Qualifiers]) -> Corpus:
    where = Location("x/annotations.yaml", 1)
    entities = {
        eid: Entity(eid, cls, (("en", eid), ("vi", eid)), (), None, where)
        for eid, cls in (("p", "Person"), ("o", "InternationalOrganization"))
    }
    text = "p o " * 10
    sources = []
    claims = []
    for i, q in enumerate(records):
        sid = f"doc-{i}"
        meta = SourceMeta(sid, str(i), "Report", (("vi", sid),), "2024", "vi")
        sources.append(Source(meta, text, "x/text.txt"))
        anchor = Anchor(0, 3, "p o", "", " p o")
        claims.append(Claim(sid, "p", "memberOf", "o", q, anchor, where))
    return Corpus(entities, tuple(sources), tuple(claims), ())


@settings(max_examples=60, deadline=None)
@given(qualifier_records, qualifier_records)
def test_built_facts_merge_exactly_when_statements_are_equal(a: Qualifiers, b: Qualifiers) -> None:
    ds = build_dataset(_one_claim_corpus([a, b]), load_ontology(ROOT / "ontology" / "vjkg.ttl", V))
    g = ds.to_graph()
    facts = set(g.subjects(RDF.type, V.term("Membership")))
    assert len(facts) == (1 if _states(a) == _states(b) else 2)
    for fact in facts:  # one value per single-valued qualifier, whatever the wording
        for name, prop in QUALIFIER_PROPERTIES.items():
            if prop.on == "fact" and not prop.multi:
                assert len(set(g.objects(fact, V.term(name)))) <= 1, name


def test_every_relation_accepts_the_common_qualifiers() -> None:
    keys = {q.key for q in QUALIFIERS}
    for r in RELATION_LIST:
        assert relation_qualifiers(r) <= keys, r.name
        assert r.required <= relation_qualifiers(r), r.name


def test_a_qualifier_the_relation_does_not_take_violates_its_shape() -> None:
    from pipeline.validation import validate_graph

    data = Graph().parse(
        data="""
        @prefix vjkg: <https://w3id.org/vjkg/ontology#> .
        @prefix res: <https://w3id.org/vjkg/resource/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        res:japan a vjkg:Place . res:idx a vjkg:Ranking .
        res:f a vjkg:RankingPosition ; vjkg:subject res:japan ; vjkg:object res:idx ;
            vjkg:rank "3"^^xsd:positiveInteger ; vjkg:amount "5"^^xsd:decimal .
        """,
        format="turtle",
    )
    fired = {r.shape for r in validate_graph(data, SHAPES).violations}
    assert V.SHAPES["RankingPositionNoOtherQualifiers"] in fired


def test_generic_qualifiers_name_a_field_of_the_record() -> None:
    fields = set(Qualifiers.__dataclass_fields__)
    generic = [q for q in QUALIFIERS if q.kind != "special"]
    assert {q.key for q in generic} == {"rank", "outOf", "ordinal", "according", "site"}
    for q in generic:
        assert q.field in fields, q.key
