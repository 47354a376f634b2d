"""kg query: resolving queries, binding parameters as terms, errors, and every output format."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from pipeline.cli import main
from pipeline.sparql.query import (
    QueryResult,
    display_width,
    list_saved_queries,
    parse_term,
    to_results_json,
    to_table,
    truncate_to_width,
)
from pipeline.sparqltext import scan_query, tokenize

REPO = Path(__file__).resolve().parents[1]
GRAPH = REPO / "graphs" / "kg.nq"
FIXTURES = REPO / "tests" / "fixtures" / "queries"
LABELS = FIXTURES / "labels.trig"
PACKAGE_QUERIES = REPO / "pipeline" / "queries"
EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def kg(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the real ``kg`` entry point; return (exit code, stdout, stderr)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def local_store(path: Path = GRAPH) -> ox.Store:
    store = ox.Store()
    store.bulk_load(
        path=str(path), format=ox.RdfFormat.N_QUADS if path.suffix == ".nq" else ox.RdfFormat.TRIG
    )
    return store


# ---------------------------------------------------------------- resolving the query


def test_a_query_file_runs_over_the_union_of_named_graphs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = kg(capsys, "query", str(FIXTURES / "ministries.rq"), "--format", "json")
    assert code == 0
    rows = json.loads(out)["results"]["bindings"]
    orgs = [r["org"]["value"] for r in rows]
    assert "https://w3id.org/vjkg/resource/meti" in orgs
    assert all(r["label"]["xml:lang"] == "vi" for r in rows)
    assert orgs == sorted(orgs)


def test_a_saved_query_runs_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    by_name = kg(capsys, "query", "ministries", "--queries", str(FIXTURES), "--format", "csv")
    by_file = kg(capsys, "query", str(FIXTURES / "ministries.rq"), "--format", "csv")
    assert by_name[0] == 0 and by_name[1] == by_file[1]
    assert by_name[1].startswith("org,label\r\n")


def test_an_unknown_name_lists_the_saved_queries(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = kg(capsys, "query", "ministrys", "--queries", str(FIXTURES))
    assert code == 2
    assert "no saved query named 'ministrys'" in err and "ministries" in err


def test_list_shows_each_saved_query_with_its_first_comment(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = kg(capsys, "query", "--list", "--queries", str(FIXTURES))
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == ["escaping", "ministries", "syntax-error"]
    assert re.match(
        r"^ministries\s+Japanese and Vietnamese ministries with their Vietnamese labels$", lines[1]
    )


def test_list_of_the_package_matches_its_rq_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = kg(capsys, "query", "--list")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()]
    assert listed == sorted(p.stem for p in PACKAGE_QUERIES.glob("*.rq"))


def test_every_saved_query_of_the_package_runs_on_the_built_graph(
    capsys: pytest.CaptureFixture[str],
) -> None:
    failures = []
    for saved in list_saved_queries():
        args = [f"--param={p.name}=res:jetro" for p in saved.parameters]  # as declared
        code, out, err = kg(capsys, "query", saved.name, "--format", "json", *args)
        if code != 0:
            failures.append(f"{saved.name}: exit {code}: {err}")
        elif saved.parameters and not json.loads(out)["results"]["bindings"]:
            failures.append(f"{saved.name}: no rows for its declared parameters")
        else:
            json.loads(out)
    assert not failures, "\n".join(failures)


def test_saved_query_parameters_are_checked_against_its_header(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # entity-names declares `# param entity: …`: leaving it out, or giving another, is a
    # usage error naming the declared parameter, instead of 400 unbound rows.
    code, _, err = kg(capsys, "query", "entity-names")
    assert code == 2 and "takes --param entity=" in err
    code, _, err = kg(capsys, "query", "entity-names", "--param", "entity=res:jetro",
                      "--param", "org=res:meti")  # fmt: skip
    assert code == 2 and "declares no parameter 'org'" in err
    code, out, _ = kg(capsys, "query", "entity-names", "--param", "entity=res:jetro")
    assert code == 0 and "JETRO" in out


def test_a_long_inline_query_is_not_taken_for_a_file_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # One line over 255 characters used to fail with "File name too long" (exit 5).
    text = "SELECT ?s WHERE { ?s ?p ?o " + "FILTER(?s != <http://e/x>) " * 12 + "} LIMIT 1"
    assert len(text) > 255 and "\n" not in text
    code, out, err = kg(capsys, "query", text, "--format", "csv")
    assert code == 0, err
    assert out.startswith("s\r\n")


# ---------------------------------------------------------------- parameters


def test_a_parameter_binds_an_iri_written_as_a_prefixed_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    q = "SELECT ?label WHERE { ?org rdfs:label ?label } ORDER BY ?label"
    code, out, _ = kg(capsys, "query", q, "--param", "org=res:meti", "--format", "json")
    assert code == 0
    labels = {b["label"]["value"] for b in json.loads(out)["results"]["bindings"]}
    assert "経済産業省" in labels and "Ministry of Economy, Trade and Industry" in labels
    code, out2, _ = kg(
        capsys,
        "query",
        q,
        "--param",
        "org=<https://w3id.org/vjkg/resource/meti>",
        "--format",
        "json",
    )
    assert out2 == out


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"Bộ Công Thương"@vi', ox.Literal("Bộ Công Thương", language="vi")),
        ('"3"^^<xsd:integer>', ox.Literal("3", datatype=ox.NamedNode(XSD + "integer"))),
        ('"3"^^xsd:integer', ox.Literal("3", datatype=ox.NamedNode(XSD + "integer"))),
        (f'"3"^^<{XSD}integer>', ox.Literal("3", datatype=ox.NamedNode(XSD + "integer"))),
        ("<http://example.org/meti>", ox.NamedNode(EX + "meti")),
        ("3", ox.Literal("3")),
        ("Hà Nội", ox.Literal("Hà Nội")),
        ('say "hi"', ox.Literal('say "hi"')),
        ('"nope:thing"', ox.Literal("nope:thing")),
        ("10:30", ox.Literal("10:30")),
        ('"line\\nbreak"', ox.Literal("line\nbreak")),
    ],
)
def test_parameter_values_are_parsed_as_rdf_terms(value: str, expected: object) -> None:
    assert parse_term(value) == expected


def test_typed_and_language_parameters_select_exact_terms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    q = f"SELECT ?s WHERE {{ ?s <{EX}rank> ?rank }}"
    args = ("--input", str(LABELS), "--format", "csv")
    assert (
        kg(capsys, "query", q, "--param", 'rank="12"^^xsd:integer', *args)[1] == f"s\r\n{EX}fpt\r\n"
    )
    # the plain string "12" is not the integer 12: bound as a term, not pasted as text
    assert kg(capsys, "query", q, "--param", "rank=12", *args)[1] == "s\r\n"
    q = "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    assert kg(capsys, "query", q, "--param", 'l="ハノイ"@ja', *args)[1] == f"s\r\n{EX}hanoi\r\n"
    assert kg(capsys, "query", q, "--param", 'l="ハノイ"@vi', *args)[1] == "s\r\n"


def test_a_parameter_cannot_inject_query_text(capsys: pytest.CaptureFixture[str]) -> None:
    q = "SELECT ?s WHERE { ?s rdfs:label ?name }"
    hostile = 'x" } UNION { ?s ?p ?o } #'
    code, out, _ = kg(capsys, "query", q, "--param", f"name={hostile}", "--format", "csv")
    assert (code, out) == (0, "s\r\n")  # a literal nobody uses as a label: no rows
    code, _, err = kg(capsys, "query", q, "--param", 'name="x"^^<y> } UNION { ?s ?p ?o }')
    assert code == 2 and "not a valid RDF term" in err


def test_a_value_like_a_name_that_is_none_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt prefix or an IRI without its brackets was bound as a string and matched
    nothing: 0 rows and exit 0, where the analyst meant METI."""
    q = "SELECT ?l WHERE { ?org rdfs:label ?l }"
    code, out, _ = kg(capsys, "query", q, "--param", "org=res:meti", "--format", "csv")
    assert code == 0 and len(out.splitlines()) > 1
    code, _, err = kg(capsys, "query", q, "--param", "org=rse:meti")
    assert code == 2 and "rse: is not one of the graph's prefixes" in err
    assert "did you mean res:meti?" in err
    full = "https://w3id.org/vjkg/resource/meti"
    code, _, err = kg(capsys, "query", q, "--param", f"org={full}")
    assert code == 2 and f"written in angle brackets, <{full}>" in err
    code, out, _ = kg(capsys, "query", q, "--param", f"org=<{full}>", "--format", "csv")
    assert code == 0 and len(out.splitlines()) > 1
    # quoted, it is the string, as asked
    code, out, _ = kg(capsys, "query", q, "--param", 'l="rse:meti"', "--format", "csv")
    assert (code, out) == (0, "l\r\n")


def test_a_parameter_must_name_a_variable_of_the_query(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = kg(capsys, "query", "SELECT ?s WHERE { ?s ?p ?o }", "--param", "org=res:meti")
    assert code == 2 and "no variable ?org" in err and "?s" in err
    code, _, err = kg(capsys, "query", "SELECT ?s WHERE { ?s ?p ?o }", "--param", "no-equals")
    assert code == 2 and "expected name=value" in err


def test_a_parameter_a_values_block_would_not_reach_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A variable only inside a subquery that does not project it was left unbound: the
    count covered every label of the graph (654) where JETRO has 3. A projected one binds."""
    hidden = "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?x WHERE { ?e rdfs:label ?x } } }"
    code, out, err = kg(capsys, "query", hidden, "--param", "e=res:jetro", "--format", "csv")
    assert code == 2 and out == "" and "only inside a subquery" in err, err
    shown = "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?e ?x WHERE { ?e rdfs:label ?x } } }"
    flat = "SELECT (COUNT(*) AS ?n) WHERE { ?e rdfs:label ?x }"
    answers = [
        kg(capsys, "query", q, "--param", "e=res:jetro", "--format", "csv") for q in (shown, flat)
    ]
    assert answers[0][:2] == answers[1][:2] and answers[0][0] == 0
    assert answers[0][1].splitlines()[1] != "0"
    code, _, err = kg(capsys, "query", "SELECT ?v WHERE { BIND(1 AS ?v) }", "--param", "v=2")
    assert code == 2 and "assigns ?v itself" in err, err


# ---------------------------------------------------------------- errors


def test_a_syntax_error_names_file_line_and_column(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "syntax-error.rq"
    code, out, err = kg(capsys, "query", str(path))
    assert code == 7 and out == ""
    m = re.search(r"syntax-error\.rq:(\d+):(\d+): SPARQL syntax error", err)
    assert m, err
    assert int(m[1]) == 6
    assert '  FILTER (lang(?label) = "vi" }' in err  # the line, with a caret under it
    caret = err.splitlines()[-1]
    assert caret.index("^") - 2 == int(m[2]) - 1


def test_syntax_error_columns_are_those_of_the_text_as_written_even_with_parameters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    q = "SELECT ?s WHERE { ?s rdfs:label ?l . FILTER(?l = ) }"
    plain = kg(capsys, "query", q)[2]
    bound = kg(capsys, "query", q, "--param", "s=res:meti")[2]
    where = re.compile(r"inline query:\d+:\d+")
    assert where.search(plain)[0] == where.search(bound)[0]  # type: ignore[index]


def test_an_undeclared_prefix_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = kg(capsys, "query", "SELECT ?s WHERE { ?s a dbo:Company }")
    assert code == 7 and "prefix dbo: is not declared" in err


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
        "LOAD <http://example.org/x.ttl>",
        "DROP ALL",
        "DELETE WHERE { ?s ?p ?o }",
    ],
)
def test_updates_are_refused(capsys: pytest.CaptureFixture[str], update: str) -> None:
    code, _, err = kg(capsys, "query", update)
    assert code == 7 and "SPARQL Update" in err


def test_a_missing_graph_file_says_to_build_first(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = kg(capsys, "query", "ASK {}", "--input", str(tmp_path / "kg.nq"))
    assert code == 3 and "no such graph file" in err and "kg build" in err


def test_no_query_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert kg(capsys, "query")[0] == 2


# ---------------------------------------------------------------- datasets and forms


def test_from_restricts_the_default_graph_to_one_named_graph(
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = local_store()
    expected = {
        g.value: sum(1 for _ in store.quads_for_pattern(None, None, None, g))
        for g in store.named_graphs()
    }
    for iri, n in expected.items():
        q = f"SELECT (COUNT(*) AS ?n) FROM <{iri}> WHERE {{ ?s ?p ?o }}"
        assert kg(capsys, "query", q, "--format", "csv")[1] == f"n\r\n{n}\r\n"
    union = len({q.triple for q in store})
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert kg(capsys, "query", q, "--format", "csv")[1] == f"n\r\n{union}\r\n"


def test_ask_and_construct(capsys: pytest.CaptureFixture[str]) -> None:
    assert kg(capsys, "query", "ASK { res:meti a vjkg:Ministry }")[1] == "true\n"
    assert kg(capsys, "query", "ASK { res:meti a vjkg:Person }", "--format", "json")[1] == (
        '{"head": {}, "boolean": false}\n'
    )
    q = "CONSTRUCT { ?s a vjkg:Ministry } WHERE { ?s a vjkg:Ministry }"
    code, turtle, _ = kg(capsys, "query", q)
    assert code == 0
    parsed = list(ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE))
    nt = kg(capsys, "query", q, "--format", "ntriples")[1]
    assert len(parsed) == len(nt.splitlines()) >= 5
    assert kg(capsys, "query", q, "--format", "csv")[0] == 2


# ---------------------------------------------------------------- output formats


LABEL_QUERY = (
    "SELECT ?s ?label ?rank ?note WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label "
    f"OPTIONAL {{ ?s <{EX}rank> ?rank }} OPTIONAL {{ ?s <{EX}note> ?note }} }} ORDER BY ?s ?label"
)


def expected_label_rows() -> list[tuple[object, ...]]:
    solutions = local_store(LABELS).query(LABEL_QUERY, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    return [tuple(s[v] for v in ("s", "label", "rank", "note")) for s in solutions]


@pytest.mark.parametrize(
    ("fmt", "results_format"),
    [
        ("json", ox.QueryResultsFormat.JSON),
        ("xml", ox.QueryResultsFormat.XML),
        ("tsv", ox.QueryResultsFormat.TSV),
    ],
)
def test_result_formats_parse_back_to_the_same_solutions(
    capsys: pytest.CaptureFixture[str], fmt: str, results_format: ox.QueryResultsFormat
) -> None:
    code, out, _ = kg(capsys, "query", LABEL_QUERY, "--input", str(LABELS), "--format", fmt)
    assert code == 0
    parsed = ox.parse_query_results(out.encode("utf-8"), format=results_format)
    assert isinstance(parsed, ox.QuerySolutions)
    got = [tuple(s[v] for v in ("s", "label", "rank", "note")) for s in parsed]
    assert got == expected_label_rows() and len(got) == 7


def test_csv_results_hold_the_lexical_forms(capsys: pytest.CaptureFixture[str]) -> None:
    out = kg(capsys, "query", LABEL_QUERY, "--input", str(LABELS), "--format", "csv")[1]
    assert "\r\n" in out
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == ["s", "label", "rank", "note"]
    expected = [["" if t is None else t.value for t in row] for row in expected_label_rows()]  # type: ignore[attr-defined]
    assert rows[1:] == expected


def test_the_table_aligns_vietnamese_and_japanese_by_display_width(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = kg(capsys, "query", LABEL_QUERY, "--input", str(LABELS))
    assert code == 0
    lines = out.splitlines()
    assert lines[-1] == "(7 rows)"
    table = lines[:-1]
    assert any("経済産業省" in line for line in table)
    assert any("Ha\u0300 Nội" in line for line in table)  # a combining accent, 0 columns

    def bars(line: str) -> list[int]:  # display columns where a separator stands
        cols, width = [], 0
        for ch in line:
            if ch in "|+":
                cols.append(width)
            width += display_width(ch)
        return cols

    assert all(bars(line) == bars(table[0]) for line in table), out
    assert "line one\\nline two\\ttabbed" in out  # control characters never break a row


def test_long_cells_are_cut_to_the_truncate_width(capsys: pytest.CaptureFixture[str]) -> None:
    long_q = (
        'SELECT ?x WHERE { BIND (CONCAT("経済産業省", "Bộ Kinh tế, Thương mại và Công nghiệp") '
        "AS ?x) }"
    )
    cell = kg(capsys, "query", long_q, "--truncate", "12")[1].splitlines()[2]
    assert cell == "経済産業省B…"  # 12 columns: the next wide character would not fit
    full = kg(capsys, "query", long_q, "--truncate", "0")[1].splitlines()[2]
    assert full == "経済産業省Bộ Kinh tế, Thương mại và Công nghiệp"


def test_display_width_and_truncation() -> None:
    assert display_width("Ha\u0300 Nội") == 6  # combining grave accent takes no column
    assert display_width("ハノイ") == 6
    assert truncate_to_width("ハノイ市", 5) == "ハノ…"
    assert truncate_to_width("Hà Nội", 10) == "Hà Nội"


def test_json_writer_marks_language_and_datatype() -> None:
    r = QueryResult(
        "select",
        ("a", "b", "c"),
        (
            (
                ox.Literal("Hà Nội", language="vi"),
                ox.Literal("5", datatype=ox.NamedNode(XSD + "integer")),
                None,
            ),
        ),
    )
    doc = json.loads(to_results_json(r))
    assert doc["results"]["bindings"] == [
        {
            "a": {"type": "literal", "value": "Hà Nội", "xml:lang": "vi"},
            "b": {"type": "literal", "value": "5", "datatype": XSD + "integer"},
        }
    ]
    assert to_table(r, {}).splitlines()[2] == "Hà Nội @vi | 5 |"


# ---------------------------------------------------------------- scanning


def test_keywords_inside_strings_iris_and_comments_are_not_keywords() -> None:
    shape = scan_query(
        'SELECT ?s WHERE { ?s <http://e/SERVICE> "LOAD <http://x/> DROP" } # INSERT FROM <http://y/>'
    )
    assert shape.form == "SELECT" and not shape.update_keywords and not shape.services
    assert not shape.from_graphs


def test_scan_finds_services_datasets_and_updates() -> None:
    s = scan_query(
        "PREFIX g: <https://w3id.org/vjkg/graph/>\nSELECT * FROM g:doc-000 FROM NAMED <http://x/n> "
        "WHERE { SERVICE SILENT <http://remote/sparql> { ?s ?p ?o } }"
    )
    assert s.from_graphs == ("https://w3id.org/vjkg/graph/doc-000",)
    assert s.from_named_graphs == ("http://x/n",)
    assert s.services == ("http://remote/sparql",)
    assert scan_query("drop graph <http://x/>").update_keywords == ("DROP",)
    assert scan_query("BASE <http://b/> SELECT * FROM <g> {}").from_graphs == ("http://b/g",)


def test_the_where_group_is_found_past_templates_and_subqueries() -> None:
    q = "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t }"
    assert (
        q[scan_query(q).where_brace or 0 :].startswith("{ ?s a ?t }")
        and scan_query(q).where_brace == 28
    )
    q = "SELECT (EXISTS { ?s ?p ?o } AS ?e) WHERE { ?s ?p ?o }"
    assert scan_query(q).where_brace == q.index("WHERE {") + 6
    assert scan_query("CONSTRUCT WHERE { ?s ?p ?o }").where_brace is None


def test_a_final_dot_ends_the_triple_not_the_name() -> None:
    assert [t.text for t in tokenize("?s a ex:C.")] == ["?s", "a", "ex:C", "."]
    assert [t.text for t in tokenize("?s a ex:C.D .")] == ["?s", "a", "ex:C.D", "."]


def test_a_graph_file_with_a_syntax_error_is_named_with_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The graph is read in the query's child: its located input error comes back whole."""
    bad = tmp_path / "kg.nt"
    bad.write_text("<http://e/a> <http://e/p> <http://e/b> .\n<http://e/a> <http://e/p> .\n")
    code, _, err = kg(capsys, "query", "ASK {}", "--input", str(bad))
    assert code == 3 and f"{bad}:2:" in err and "problem in the input" in err
