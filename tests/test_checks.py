"""Semantic checks of claims (pipeline/checks.py) and what a fact's identity is, end to end.

Each test writes a small corpus in the annotation format: the same fact written differently
in two sources, a quote that names neither end, a date the quote does not give.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import PROV, RDF

from pipeline.build import build_dataset, load_ontology
from pipeline.errors import InputError
from pipeline.load import load_corpus
from pipeline.validation import load_shapes, validate_graph
from pipeline.vocab import Vocabulary

from .conftest import ROOT, run_kg

V = Vocabulary()
SHAPES = load_shapes(ROOT / "ontology" / "shapes.ttl")


def _errors(sources: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_corpus(sources)
    return [str(p) for p in info.value.problems]


def _append(mini: Path, folder: str, sentence: str, claim: str) -> None:
    """Add ``sentence`` to a source's text and ``claim`` (YAML lines) to its annotations."""
    text = mini / folder / "text.txt"
    text.write_text(text.read_text(encoding="utf-8") + "\n" + sentence + "\n", encoding="utf-8")
    ann = mini / folder / "annotations.yaml"
    body = ann.read_text(encoding="utf-8")
    if "claims:" not in body:
        body += "claims:\n"
    ann.write_text(body + claim, encoding="utf-8")


def _build(mini: Path):
    corpus = load_corpus(mini)
    ds = build_dataset(corpus, load_ontology(ROOT / "ontology" / "vjkg.ttl", V), V)
    return corpus, ds, ds.to_graph()


# ------------------------------------------------------------------- (a) names in the quote


def test_a_quote_that_names_neither_end_is_an_error(mini_copy: Path) -> None:
    _append(
        mini_copy,
        "a",
        "Ông Tú nói.",
        "  - subject: ict-day\n    relation: participant\n    object: meti\n"
        "    quote: Ông Tú nói.\n",
    )
    (error,) = _errors(mini_copy)
    assert "sources/a/annotations.yaml:" in error
    assert "names neither its subject 'ict-day' nor its object 'meti'" in error
    assert "implicit: subject|object" in error


def test_names_match_case_and_diacritic_insensitively(mini_copy: Path) -> None:
    _append(
        mini_copy,
        "a",
        "Đại diện meti cho biết sự kiện ở HA NOI rất lớn.",
        "  - subject: meti\n    relation: locatedIn\n    object: hanoi\n"
        "    quote: Đại diện meti cho biết sự kiện ở HA NOI rất lớn.\n",
    )
    assert any(
        c.relation == "locatedIn" and c.subject == "meti" for c in load_corpus(mini_copy).claims
    )


def test_implicit_end_needs_a_reason(mini_copy: Path) -> None:
    claim = (
        "  - subject: ict-day\n    relation: participant\n    object: meti\n"
        "    implicit: object\n    quote: Ông Tú nói.\n"
    )
    _append(mini_copy, "a", "Ông Tú nói.", claim)
    (error,) = _errors(mini_copy)
    assert "'implicit: object' needs a 'reason'" in error
    ann = mini_copy / "a" / "annotations.yaml"
    ann.write_text(
        ann.read_text("utf-8").replace(
            "    implicit: object\n", '    implicit: object\n    reason: "ông Tú speaks for METI"\n'
        ),
        "utf-8",
    )
    assert load_corpus(mini_copy).claims


# ------------------------------------------------------------------------ (b) dates


def test_a_date_the_text_does_not_give_is_an_error(mini_copy: Path) -> None:
    ann = mini_copy / "a" / "annotations.yaml"
    ann.write_text(ann.read_text("utf-8").replace('"2026-02-04"', '"2026-02-05"'), "utf-8")
    (error,) = _errors(mini_copy)
    assert "date '2026-02-05' is not readable from the quote" in error
    assert "document's date 2026-02-04" in error and "dateReason" in error


def test_a_relative_date_is_resolved_against_the_document_and_recorded(mini_dataset) -> None:
    g = mini_dataset.to_graph()
    (fact,) = g.subjects(RDF.type, V.term("EventDate"))
    assert str(g.value(fact, V.term("date"))) == "2026-02-04"
    ann = g.value(fact, PROV.wasDerivedFrom)
    assert g.value(ann, V.term("dateText")) == Literal("Ngày 4/2", lang="vi")
    assert g.value(ann, V.term("dateResolvedAgainst")) == V.node("source", "doc-a")


def test_date_reason_says_where_the_date_comes_from(mini_copy: Path) -> None:
    _append(
        mini_copy,
        "b",
        "Sony gia nhập Rapidus một năm sau đó.",
        '  - subject: sony\n    relation: memberOf\n    object: rapidus\n    date: "2023"\n'
        "    quote: Sony gia nhập Rapidus một năm sau đó.\n",
    )
    assert "date '2023' is not readable" in _errors(mini_copy)[0]
    ann = mini_copy / "b" / "annotations.yaml"
    ann.write_text(
        ann.read_text("utf-8").replace(
            '    date: "2023"\n', '    date: "2023"\n    dateReason: "a year after 2022"\n'
        ),
        "utf-8",
    )
    _corpus, _ds, g = _build(mini_copy)
    reasons = set(g.objects(None, V.term("dateReason")))
    assert reasons == {Literal("a year after 2022")}


# ------------------------------------------------------------------- fact identity, end to end


def test_amount_wording_does_not_split_a_fact_and_shacl_conforms(mini_copy: Path) -> None:
    b = mini_copy / "b"
    (b / "text.txt").write_text(
        (b / "text.txt").read_text("utf-8").replace("590 tỷ Yên", "590 tỷ Yen"), "utf-8"
    )
    ann = b / "annotations.yaml"
    ann.write_text(
        ann.read_text("utf-8")
        .replace("amount: 590 tỷ Yên", 'amount: 590 tỷ Yen\n    date: "2024"\n    dateReason: "t"')
        .replace(
            "quote: Rapidus nhận 590 tỷ Yên từ METI.", "quote: Rapidus nhận 590 tỷ Yen từ METI."
        ),
        "utf-8",
    )
    _corpus, ds, g = _build(mini_copy)
    funding = [f for f in g.subjects(RDF.type, V.term("Funding"))]
    assert len(funding) == 1, "the same amount written two ways is one fact"
    texts = {
        str(g.value(ann, V.term("amountText")))
        for ann in g.objects(funding[0], PROV.wasDerivedFrom)
    }
    assert texts == {"590 tỷ Yên", "590 tỷ Yen"}  # each source's wording on its evidence
    report = validate_graph(g, SHAPES, ds.origins)
    assert report.conforms, [r.describe({}) for r in report.violations]


def test_a_bound_makes_a_different_fact(mini_copy: Path) -> None:
    for folder, written in (("a", "10%"), ("b", "khoảng 10%")):
        _append(
            mini_copy,
            folder,
            f"Sony nắm {written} cổ phần Rapidus.",
            f"  - subject: sony\n    relation: shareholderOf\n    object: rapidus\n"
            f"    share: {written}\n    quote: Sony nắm {written} cổ phần Rapidus.\n",
        )
    _corpus, ds, g = _build(mini_copy)
    facts = list(g.subjects(RDF.type, V.term("Shareholding")))
    assert len(facts) == 2, "'10%' and 'about 10%' state different things"
    bounds = {str(g.value(f, V.term("shareBound"))) for f in facts}
    assert bounds == {"None", "about"}
    assert validate_graph(g, SHAPES, ds.origins).conforms


def test_role_wording_does_not_split_a_fact(mini_copy: Path) -> None:
    for folder, sentence, written in (
        ("a", "Ông Trần Anh Tú, Chủ tịch Sony.", "Chủ tịch"),
        ("b", "Ông Trần Anh Tú - chủ tịch của Sony.", "chủ tịch"),
    ):
        _append(
            mini_copy,
            folder,
            sentence,
            f"  - subject: tran-anh-tu\n    relation: holdsPost\n    object: sony\n"
            f"    role: chair\n    roleText: {written}\n    quote: {sentence}\n",
        )
    _corpus, _ds, g = _build(mini_copy)
    (post,) = g.subjects(RDF.type, V.term("PostHolding"))
    assert g.value(post, V.term("roleType")) == V.node("role", "chair")
    written = {str(g.value(a, V.term("roleText"))) for a in g.objects(post, PROV.wasDerivedFrom)}
    assert written == {"Chủ tịch", "chủ tịch"}


# ------------------------------------------------------------------ (c) near-duplicates


def _near_duplicate_corpus(mini: Path) -> None:
    for folder, measure in (("a", "Revenue"), ("b", "revenue ")):
        _append(
            mini,
            folder,
            "Doanh thu của Sony đạt 5 tỷ USD.",
            f"  - subject: sony\n    relation: figure\n"
            f'    measure: {{vi: doanh thu, en: "{measure}"}}\n'
            f"    amount: 5 tỷ USD\n    quote: Doanh thu của Sony đạt 5 tỷ USD.\n",
        )


def test_near_duplicates_across_sources_are_warnings_with_both_locations(mini_copy: Path) -> None:
    _near_duplicate_corpus(mini_copy)
    corpus = load_corpus(mini_copy)
    (warning,) = corpus.warnings
    text = str(warning)
    assert "sources/a/annotations.yaml:" in text and "sources/b/annotations.yaml:" in text
    assert "near-duplicate" in text and "measure is worded differently" in text


def test_kg_build_strict_fails_on_warnings(mini_copy: Path, tmp_path: Path) -> None:
    _near_duplicate_corpus(mini_copy)
    common = ["--sources", str(mini_copy), "--ontology", str(ROOT / "ontology"), "-q"]
    r = run_kg("build", *common, "--out", str(tmp_path / "lenient"))
    assert r.returncode == 0, r.stderr
    assert "warning:" in r.stderr and "near-duplicate" in r.stderr
    r = run_kg("build", *common, "--strict", "--out", str(tmp_path / "strict"))
    assert r.returncode == 3, r.stderr
    assert "near-duplicate" in r.stderr
    assert not (tmp_path / "strict" / "kg.ttl").exists()


def test_dates_at_two_precisions_are_near_duplicates_contradicting_dates_are_not(
    mini_copy: Path,
) -> None:
    text = mini_copy / "b" / "text.txt"
    ann = mini_copy / "b" / "annotations.yaml"
    for when in ("tháng 2/2026", "tháng 3/2026"):
        text.write_text(
            text.read_text("utf-8") + f"\nNgày hội CNTT diễn ra {when}.\n", encoding="utf-8"
        )
    body = ann.read_text("utf-8")
    claim = (
        '  - subject: ict-day\n    relation: startDate\n    date: "2026-02"\n'
        "    quote: Ngày hội CNTT diễn ra tháng 2/2026.\n"
    )
    ann.write_text(body + claim, encoding="utf-8")
    (warning,) = load_corpus(mini_copy).warnings  # doc-a says 2026-02-04
    assert "dates differ in precision (2026-02-04 vs 2026-02)" in str(warning)
    ann.write_text(
        body + claim.replace("2026-02", "2026-03").replace("tháng 2/", "tháng 3/"),
        encoding="utf-8",
    )
    assert load_corpus(mini_copy).warnings == ()  # a conflict (kg conflicts), not a near-duplicate


def test_date_quote_gives_the_date_from_another_passage(mini_copy: Path) -> None:
    _append(
        mini_copy,
        "b",
        "Sony gia nhập Rapidus. Việc này diễn ra vào tháng 5/2023.",
        '  - subject: sony\n    relation: memberOf\n    object: rapidus\n    date: "2023-05"\n'
        '    dateQuote: "Việc này diễn ra vào tháng 6/2023."\n'
        "    quote: Sony gia nhập Rapidus.\n",
    )
    errors = _errors(mini_copy)
    assert any("dateQuote 'Việc này diễn ra vào tháng 6/2023.' does not occur" in e for e in errors)
    ann = mini_copy / "b" / "annotations.yaml"
    ann.write_text(ann.read_text("utf-8").replace("tháng 6/2023", "tháng 5/2023"), "utf-8")
    _corpus, _ds, g = _build(mini_copy)
    passages = set(g.objects(None, V.term("dateQuote")))
    assert passages == {Literal("Việc này diễn ra vào tháng 5/2023.", lang="vi")}
