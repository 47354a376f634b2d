"""`kg suggest`: known answers on a small fixture, and suggestions that always load.

The fixture (tests/fixtures/suggest/) is written so that each rule has one answer: a
committee written with other case, tone-mark placement and dash spacing, an event
organised "do X tổ chức" next to a patron, a post, a joint venture, a funding with its
amount, names inside names, and text that must not match (English "Most").
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipeline.authoring.suggest import (
    find_amounts,
    find_dates,
    load_source_folder,
    suggest,
    suggest_folder,
    to_suggestions_yaml,
)
from pipeline.errors import ProblemCollector
from pipeline.load import load_annotations, load_corpus
from pipeline.matcher import NameMatcher, fold

from .conftest import FIXTURES, ROOT, run_kg

FIXTURE = FIXTURES / "suggest"


@pytest.fixture
def fixture_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "sources"
    shutil.copytree(FIXTURE, dest)
    return dest


def _suggested(folder: Path):
    return suggest_folder(load_source_folder(folder))


def test_mentions_are_case_diacritic_and_dash_insensitive_and_longest_first() -> None:
    s = _suggested(FIXTURE / "001")
    by_entity = {m.entity: m for m in s.mentions}
    assert by_entity["vjc"].quote == "Uỷ ban hợp tác CNTT Việt Nam - Nhật Bản"
    assert "other diacritics" in by_entity["vjc"].why
    assert by_entity["jetro-hanoi"].quote == "JETRO Hà Nội"  # not JETRO + Hà Nội
    assert "most" in by_entity and by_entity["most"].quote == "Bộ Khoa học và Công nghệ"
    assert all(m.quote != "Most" for m in s.mentions)  # English "Most" is no MOST
    # places named only inside another name (VJC's "Việt Nam - Nhật Bản") are mentions too
    assert set(by_entity) == {
        "hanoi", "ict-day-2026", "vinasa", "most", "tran-anh-tu", "aiti", "vjc",
        "jetro", "rapidus", "toyota", "sony", "meti", "jetro-hanoi", "japan", "vietnam",
    }  # fmt: skip


def test_matcher_rules() -> None:
    m = NameMatcher({"hanoi": ["Hà Nội"], "most": ["MOST"], "japan": ["Nhật"]})
    assert [h.text for h in m.find("họp ở Ha Noi")] == ["Ha Noi"]  # unaccented writing
    assert m.find("the most part") == []  # a one-word name in lower case
    assert m.find("nhất là") == []  # other tone marks on a one-word name: another word
    assert [h.text for h in m.find("Bộ (MOST)")] == ["MOST"]
    assert [h.entity for h in m.find("Nội các11 và Hà Nội2")] == ["hanoi"]  # glued footnote
    assert fold("Việt Nam - Nhật Bản") == fold("viet nam–nhat ban")


def test_claims_have_the_known_answers() -> None:
    s = _suggested(FIXTURE / "001")
    got = {(c.subject, c.relation, c.object): dict(c.qualifiers) for c in s.claims}
    assert got.pop(("ict-day-2026", "startDate", None)) == {"date": "2026-02-04"}
    assert got.pop(("ict-day-2026", "organizer", "vinasa")) == {}
    assert got.pop(("ict-day-2026", "patron", "most")) == {}
    # the role by its id in the roles vocabulary, the wording kept as written
    assert got.pop(("tran-anh-tu", "holdsPost", "aiti")) == {
        "role": "deputy-director-general",
        "roleText": "Phó Cục trưởng",
    }
    # "… phát biểu tại sự kiện" (spoke at the event): the event the text is about
    assert got.pop(("ict-day-2026", "participant", "tran-anh-tu")) == {}
    assert got.pop(("vjc", "partnerOf", "jetro")) == {}
    assert got.pop(("vjc", "subOrganizationOf", "vinasa")) == {}
    assert got.pop(("toyota", "jointVenturePartnerOf", "rapidus")) == {}
    assert got.pop(("sony", "jointVenturePartnerOf", "rapidus")) == {}
    assert got.pop(("meti", "funds", "rapidus")) == {"amount": "590 tỷ Yên"}
    # no locatedIn read from the name "JETRO Hà Nội" (FORMAT.md); Hà Nội is still a mention
    assert ("jetro-hanoi", "locatedIn", "hanoi") not in got
    assert got.pop(("jetro-hanoi", "subOrganizationOf", "jetro")) == {}
    assert got == {}, "unexpected claims"
    assert all(0 < c.confidence <= 1 and c.why for c in s.claims)


def test_agents_before_the_verb_are_not_taken_from_the_next_clause(fixture_copy: Path) -> None:
    """ "do X bảo trợ và Y tổ chức" (X the patron, Y the organiser) was suggested as Y the
    patron too: the name after "bảo trợ" belongs to the next clause's verb."""
    folder = fixture_copy / "002"
    folder.mkdir()
    (folder / "meta.yaml").write_text(
        (fixture_copy / "001" / "meta.yaml").read_text(encoding="utf-8").replace("001", "002"),
        encoding="utf-8",
    )
    (folder / "annotations.yaml").write_text("claims: []\n", encoding="utf-8")
    (folder / "text.txt").write_text(
        "Ngày hội CNTT 2026 do Bộ Khoa học và Công nghệ bảo trợ và VINASA tổ chức.\n"
        "VINASA và JETRO đồng tổ chức Ngày hội CNTT 2026.\n",
        encoding="utf-8",
    )
    got = {(c.subject, c.relation, c.object) for c in _suggested(folder).claims}
    assert got == {
        ("ict-day-2026", "patron", "most"),
        ("ict-day-2026", "organizer", "vinasa"),
        ("ict-day-2026", "coOrganizer", "vinasa"),
        ("ict-day-2026", "coOrganizer", "jetro"),
    }


def _suggested_from(fixture_copy: Path, text: str) -> set[tuple[str, str, str | None]]:
    """The claims kg suggest makes of ``text`` as a new document of the fixture corpus."""
    folder = fixture_copy / "002"
    folder.mkdir(exist_ok=True)
    (folder / "meta.yaml").write_text(
        (fixture_copy / "001" / "meta.yaml").read_text(encoding="utf-8").replace("001", "002"),
        encoding="utf-8",
    )
    (folder / "annotations.yaml").write_text("claims: []\n", encoding="utf-8")
    (folder / "text.txt").write_text(text, encoding="utf-8")
    return {(c.subject, c.relation, c.object) for c in _suggested(folder).claims}


@pytest.mark.parametrize(
    "sentence",
    [
        "JETRO không hợp tác với VINASA trong dự án này.",  # denied
        "JETRO chưa hợp tác với VINASA.",  # not yet
        "Bộ Kinh tế, Thương mại và Công nghiệp Nhật Bản từ chối tài trợ cho Rapidus.",  # refused
        "Tin đồn rằng Toyota đầu tư vào Rapidus là không chính xác, Toyota cho biết.",  # rumour
        "Nếu được phê duyệt, Sony có thể sẽ trở thành thành viên của VINASA.",  # supposed
        "Bà Trần Anh Tú đánh giá cao quyết định đầu tư của Toyota.",  # Toyota's, no object
        "Sony ra mắt sản phẩm mới tại Hà Nội ngày 1/7/2024.",  # the product's date, not Sony's
    ],
)
def test_a_sentence_that_denies_supposes_or_names_no_object_gives_no_claim(
    fixture_copy: Path, sentence: str
) -> None:
    """Suggestions state only what a text says: each of these became a fact (JETRO partner
    of VINASA from "JETRO không hợp tác", Tú investing in Toyota, Sony's launch date)."""
    assert _suggested_from(fixture_copy, sentence + "\n") == set()


def test_what_a_sentence_does_say_is_still_suggested(fixture_copy: Path) -> None:
    """The words the rules above look for, where they do not deny: "không chỉ … mà còn",
    "hàng không", a date right after "bắt đầu", each list item a sentence of its own."""
    got = _suggested_from(
        fixture_copy,
        "JETRO không chỉ hợp tác với VINASA mà còn với Sony.\n"
        "Các điểm chính:\n- Toyota đầu tư vào Rapidus.\n- Sony hợp tác với VINASA.\n",
    )
    assert ("jetro", "partnerOf", "vinasa") in got
    assert ("toyota", "investsIn", "rapidus") in got and ("toyota", "investsIn", "sony") not in got
    assert ("sony", "partnerOf", "vinasa") in got


def test_new_entity_candidates_have_id_class_and_label() -> None:
    s = _suggested(FIXTURE / "001")
    got = {(e.entity, e.cls, e.label) for e in s.entities}
    assert ("cuc-chuyen-doi-so-quoc-gia", "Department", "Cục Chuyển đổi số Quốc gia") in got
    assert ("trung-tam-nic", "Organization", "Trung tâm NIC") in got
    assert ("idc", "Organization", "IDC") in got  # an acronym
    assert ("fujitsu", "Organization", "Fujitsu") in got  # a foreign name inside a sentence
    registry = load_corpus_registry_ids()
    assert not {e.entity for e in s.entities} & registry


def test_new_entities_pasted_under_the_registry_load_once_given_an_en_label(
    fixture_copy: Path,
) -> None:
    """new_entities: are written as registry.yaml writes its entries: pasted at its end,
    with what a person adds (an en label, a country), the registry loads (indented other
    than its entries, they made its list a YAML error)."""
    from pipeline.authoring.suggest import registry_indent, to_item_yaml

    s = _suggested(fixture_copy / "001")
    fujitsu = next(e for e in s.entities if e.entity == "fujitsu")
    registry = fixture_copy / "registry.yaml"
    assert registry_indent(registry) == "  "  # this one indents its entries
    assert registry_indent(ROOT / "sources" / "registry.yaml") == ""  # the bundled one not
    _, lines = to_item_yaml(fujitsu, registry_indent(registry))
    lines = [
        line.replace('label: {vi: "Fujitsu"}', 'label: {vi: "Fujitsu", en: "Fujitsu"}')
        for line in lines
        if not line.lstrip().startswith(("confidence:", "why:"))
    ] + ["    country: japan"]  # what a person adds: the en label, an organisation's country
    text = registry.read_text(encoding="utf-8").rstrip("\n") + "\n" + "\n".join(lines) + "\n"
    registry.write_text(text, encoding="utf-8")
    assert "fujitsu" in load_source_folder(fixture_copy / "001").entities


def load_corpus_registry_ids() -> set[str]:
    return set(load_source_folder(FIXTURE / "001").entities)


def test_nothing_already_annotated_is_suggested(fixture_copy: Path) -> None:
    (fixture_copy / "001" / "annotations.yaml").write_text(
        "mentions:\n  - entity: sony\n    quote: Sony\n"
        "claims:\n  - subject: meti\n    relation: funds\n    object: rapidus\n"
        "    amount: 590 tỷ Yên\n    quote: hỗ trợ 590 tỷ Yên cho Rapidus\n",
        encoding="utf-8",
    )
    s = _suggested(fixture_copy / "001")
    assert "sony" not in {m.entity for m in s.mentions}
    assert "meti" not in {m.entity for m in s.mentions}  # named in a claim: has evidence
    assert ("meti", "funds", "rapidus") not in {(c.subject, c.relation, c.object) for c in s.claims}
    assert ("toyota", "jointVenturePartnerOf", "rapidus") in {
        (c.subject, c.relation, c.object) for c in s.claims
    }


def test_dates_and_amounts_are_read_by_the_quantity_parsers() -> None:
    dates = [d for *_, d in find_dates("ngày 4/2 và tháng 9 năm 2021, 2/4/2024", "2026")]
    assert dates == ["2026-02-04", "2021-09", "2024-04-02"]
    assert find_dates("ngày 4/2") == []  # no year anywhere: no date
    assert [a for *_, a in find_amounts("khoảng 800.000 kỹ sư, 6-7%, 45,5 tỷ Yên")] == [
        "6-7%",
        "45,5 tỷ Yên",
    ]


@pytest.mark.parametrize("folder", sorted(p.name for p in (ROOT / "sources").glob("[0-9]*")))
def test_suggestions_load_as_annotations_for_every_document(folder: str, tmp_path: Path) -> None:
    """Leave-one-out: suggestions for a document without annotations pass the real loader."""
    corpus = load_corpus(ROOT / "sources")
    source = next(s for s in corpus.sources if s.meta.folder == folder)
    s = suggest(source, corpus.entities)
    path = tmp_path / "suggestions.yaml"
    path.write_text(to_suggestions_yaml(s), encoding="utf-8")
    problems = ProblemCollector()
    claims, mentions = load_annotations(path, source, corpus.entities, problems)
    assert problems.problems == []
    assert len(claims) == len(s.claims) and len(mentions) == len(s.mentions)
    for c, sc in zip(claims, s.claims, strict=True):
        assert (c.anchor.start, c.anchor.end) == (sc.start, sc.end)
        assert (c.subject, c.relation, c.object) == (sc.subject, sc.relation, sc.object)


def test_kg_suggest_output_becomes_annotations_that_build_and_validate(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(ROOT / "sources", sources)
    (sources / "004" / "annotations.yaml").write_text("mentions: []\nclaims: []\n", "utf-8")
    r = run_kg("suggest", str(sources / "004"))
    assert r.returncode == 0, r.stderr
    assert "suggestions.yaml" in r.stdout
    text = (sources / "004" / "suggestions.yaml").read_text(encoding="utf-8")
    assert "confidence:" in text and "why:" in text
    shutil.copy(sources / "004" / "suggestions.yaml", sources / "004" / "annotations.yaml")
    r = run_kg("validate", "--sources", str(sources), "-q")
    assert r.returncode == 0, r.stdout + r.stderr


def test_kg_suggest_is_deterministic_across_hash_seeds(fixture_copy: Path, tmp_path: Path) -> None:
    outs = []
    for seed in ("0", "1", "12345"):
        out = tmp_path / f"s{seed}.yaml"
        r = run_kg(
            "suggest", str(fixture_copy / "001"), "-o", str(out), env={"PYTHONHASHSEED": seed}
        )
        assert r.returncode == 0, r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] == outs[2]


def test_kg_suggest_names_the_problem(tmp_path: Path) -> None:
    r = run_kg("suggest", str(tmp_path))
    assert r.returncode == 3 and "not a source folder" in r.stderr
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("command", "option", "file"),
    [
        ("suggest", "--max-yaml-bytes", "meta.yaml"),
        ("suggest", "--max-text-bytes", "text.txt"),
        ("review", "--max-registry-bytes", "registry.yaml"),
        ("review", "--max-yaml-bytes", "meta.yaml"),
    ],
)
def test_suggest_and_review_refuse_a_file_over_the_cap_they_name(
    fixture_copy: Path, command: str, option: str, file: str
) -> None:
    """The caps `kg build` has are options of `kg suggest` and `kg review` too, and the
    refusal names the file and the option that raises the cap (which these commands take)."""
    folder = fixture_copy / "001"
    out = fixture_copy / "out"
    r = run_kg(command, str(folder), option, "64", "-o", str(out))
    assert r.returncode == 3, r.stderr
    assert file in r.stderr and "over the 64-byte cap" in r.stderr and option in r.stderr
    assert not out.exists()
    ok = run_kg(command, str(folder), option, "1M", "-o", str(out))
    assert ok.returncode == 0 and out.is_file(), ok.stderr
