"""The one place where namespaces, prefixes, classes and relations are defined.

No IRI is spelled inline anywhere else in the package. The tables here describe the
annotation vocabulary; ``tests/test_vocab.py`` checks them against ``ontology/vjkg.ttl``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

DEFAULT_BASE = "https://w3id.org/vjkg/"

ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LANGUAGES = ("vi", "en", "ja")


class Vocabulary:
    """The namespaces under one base IRI (configurable; default ``https://w3id.org/vjkg/``).

    >>> v = Vocabulary()
    >>> str(v.entity("meti"))
    'https://w3id.org/vjkg/resource/meti'
    >>> str(v.term("memberOf"))
    'https://w3id.org/vjkg/ontology#memberOf'
    """

    def __init__(self, base: str = DEFAULT_BASE):
        if not base.endswith(("/", "#")):
            base += "/"
        self.base = base
        self.ONT = Namespace(base + "ontology#")
        self.RES = Namespace(base + "resource/")
        self.GRAPH = Namespace(base + "graph/")
        self.SHAPES = Namespace(base + "shapes#")

    def term(self, name: str):
        """An ontology term (class or property) by local name."""
        return self.ONT[name]

    def entity(self, entity_id: str):
        """The IRI of a registry entity."""
        return self.RES[entity_id]

    def node(self, kind: str, key: str):
        """The IRI of a non-entity node (fact, annotation, selector, source)."""
        return self.RES[f"{kind}/{key}"]

    def graph(self, name: str):
        """The IRI of a named graph."""
        return self.GRAPH[name]

    def prefixes(self) -> dict[str, str]:
        """Prefix → namespace, in the order they are written in every export."""
        return {
            "vjkg": str(self.ONT),
            "res": str(self.RES),
            "src": str(self.RES) + "source/",
            "fact": str(self.RES) + "fact/",
            "ann": str(self.RES) + "annotation/",
            "target": str(self.RES) + "target/",
            "sel": str(self.RES) + "selector/",
            "graph": str(self.GRAPH),
            "dcterms": str(DCTERMS),
            "foaf": str(FOAF),
            "oa": str(OA),
            "org": str(ORG),
            "owl": str(OWL),
            "prov": str(PROV),
            "rdf": str(RDF),
            "rdfs": str(RDFS),
            "schema": str(SCHEMA),
            "skos": str(SKOS),
            "xsd": str(XSD),
        }


# Entity classes an annotator may use, with the class each one specialises.
ENTITY_CLASSES: dict[str, str | None] = {
    "Organization": None,
    "GovernmentBody": "Organization",
    "Government": "GovernmentBody",
    "Ministry": "GovernmentBody",
    "GovernmentAgency": "GovernmentBody",
    "Council": "GovernmentBody",
    "PublicInstitute": "GovernmentBody",
    "Embassy": "GovernmentBody",
    "Department": "GovernmentBody",
    "PoliticalParty": "Organization",
    "Company": "Organization",
    "JointVenture": "Company",
    "Association": "Organization",
    "Committee": "Organization",
    "ResearchOrganization": "Organization",
    "University": "ResearchOrganization",
    "InternationalOrganization": "Organization",
    "Initiative": None,
    "Programme": "Initiative",
    "Policy": "Initiative",
    "Strategy": "Initiative",
    "Law": "Initiative",
    "Event": None,
    "Person": None,
    "Place": None,
    "Country": "Place",
    "City": "Place",
    "Product": None,
    "LanguageModel": "Product",
    "Ranking": None,
}

SOURCE_KINDS = ("NewsArticle", "JournalArticle", "Bulletin", "Report")


def class_ancestors(name: str) -> list[str]:
    """The class and every class above it, nearest first.

    >>> class_ancestors("JointVenture")
    ['JointVenture', 'Company', 'Organization']
    """
    chain: list[str] = []
    current: str | None = name
    while current is not None:
        chain.append(current)
        current = ENTITY_CLASSES[current]
    return chain


def top_class(name: str) -> str:
    """The most general annotator class above ``name`` (``Ministry`` → ``Organization``)."""
    return class_ancestors(name)[-1]


ORGS = frozenset({"Organization"})
AGENTS = frozenset({"Organization", "Person"})
ANY = frozenset({"Organization", "Person", "Initiative", "Event", "Place", "Product", "Ranking"})


@dataclass(frozen=True)
class Relation:
    """One annotation relation: its direct property, the class of its fact node, and rules.

    ``subjects``/``objects`` are top classes (see :func:`top_class`); ``objects`` is
    empty for attribute relations, which take no object. ``qualifiers`` are the keys
    the claim may carry; ``required`` the ones it must.
    """

    name: str
    fact_class: str
    subjects: frozenset[str]
    objects: frozenset[str]
    qualifiers: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    # For conflict reports: an attribute with one true value per subject (and date).
    single_valued: bool = False
    # Vietnamese wording that states the relation (kg suggest looks for it in sentences).
    triggers: tuple[str, ...] = ()

    @property
    def has_object(self) -> bool:
        """Whether claims of this relation name an object entity."""
        return bool(self.objects)


def _rel(
    name: str,
    fact_class: str,
    subjects: frozenset[str] | set[str],
    objects: frozenset[str] | set[str],
    qualifiers: str = "",
    required: str = "",
    single_valued: bool = False,
    triggers: tuple[str, ...] = (),
) -> Relation:
    return Relation(
        name,
        fact_class,
        frozenset(subjects),
        frozenset(objects),
        frozenset(qualifiers.split()),
        frozenset(required.split()),
        single_valued,
        triggers,
    )


_NOTHING: frozenset[str] = frozenset()

RELATIONS: dict[str, Relation] = {
    r.name: r
    for r in [
        _rel(
            "memberOf",
            "Membership",
            AGENTS,
            ORGS,
            "role date",
            triggers=("thành viên", "hội viên", "gia nhập"),
        ),
        _rel(
            "shareholderOf",
            "Shareholding",
            ORGS,
            ORGS,
            "share amount date",
            triggers=("cổ đông", "cổ phần"),
        ),
        _rel(
            "jointVenturePartnerOf",
            "JointVenturePartnership",
            ORGS,
            ORGS,
            "date",
            triggers=("liên doanh",),
        ),
        _rel(
            "subOrganizationOf",
            "OrganizationalRelation",
            ORGS,
            ORGS,
            triggers=("trực thuộc", "thuộc", "của"),
        ),
        _rel(
            "oversees",
            "Oversight",
            AGENTS,
            ORGS | {"Initiative"},
            triggers=("dưới sự chỉ đạo của", "chỉ đạo", "quản lý", "giám sát"),
        ),
        _rel(
            "founded",
            "Founding",
            AGENTS,
            ORGS | {"Initiative", "Event"},
            "date",
            triggers=("thành lập", "sáng lập"),
        ),
        _rel(
            "launched",
            "Launch",
            AGENTS,
            {"Initiative", "Product", "Event"},
            "date",
            triggers=("ra mắt", "khởi động", "công bố", "phát động", "ban hành", "thiết lập"),
        ),
        _rel(
            "implements",
            "Implementation",
            AGENTS,
            {"Initiative"},
            "date",
            triggers=("triển khai", "thực hiện", "áp dụng", "thực thi"),
        ),
        _rel(
            "organizer",
            "EventRole",
            {"Event"},
            AGENTS,
            triggers=("tổ chức", "đơn vị tổ chức", "chủ trì"),
        ),
        _rel(
            "coOrganizer",
            "EventRole",
            {"Event"},
            AGENTS,
            triggers=("đồng tổ chức", "phối hợp tổ chức", "sự phối hợp của"),
        ),
        _rel("patron", "EventRole", {"Event"}, AGENTS, triggers=("bảo trợ",)),
        _rel(
            "sponsor", "EventRole", {"Event"}, AGENTS, "amount", triggers=("tài trợ", "nhà tài trợ")
        ),
        _rel(
            "participant",
            "EventParticipation",
            {"Event"},
            AGENTS,
            "role",
            triggers=("tham gia", "tham dự", "phát biểu", "chia sẻ", "dẫn đầu", "đại diện"),
        ),
        _rel(
            "funds",
            "Funding",
            AGENTS,
            ORGS | {"Initiative", "Product"},
            "amount date",
            triggers=("hỗ trợ", "tài trợ", "cấp vốn", "khoản hỗ trợ"),
        ),
        _rel(
            "investsIn",
            "Investment",
            AGENTS,
            ORGS | {"Place", "Initiative", "Product"},
            "amount date",
            triggers=("đầu tư",),
        ),
        _rel(
            "holdsPost",
            "PostHolding",
            {"Person"},
            ORGS,
            "role date",
            "role",
            triggers=(
                "Chủ tịch",
                "Phó Chủ tịch",
                "Tổng giám đốc",
                "Giám đốc",
                "Phó Giám đốc",
                "Cục trưởng",
                "Phó Cục trưởng",
                "Vụ trưởng",
                "Bộ trưởng",
                "Thứ trưởng",
                "Thủ tướng",
                "Đại sứ",
                "Trưởng đại diện",
                "Trưởng phòng",
                "Trưởng ban",
                "Tổng thư ký",
                "Viện trưởng",
                "Hiệu trưởng",
                "Người đứng đầu",
            ),
        ),
        _rel(
            "locatedIn",
            "Location",
            ORGS | {"Event", "Place"},
            {"Place"},
            triggers=("tại", "ở", "có trụ sở tại", "đặt tại"),
        ),
        _rel(
            "develops",
            "Development",
            AGENTS,
            {"Product", "Initiative"},
            "date",
            triggers=("phát triển", "xây dựng", "nghiên cứu"),
        ),
        _rel(
            "partnerOf",
            "Partnership",
            AGENTS | {"Place"},
            AGENTS | {"Place"},
            "date",
            triggers=(
                "hợp tác với",
                "hợp tác",
                "đối tác",
                "quan hệ đối tác",
                "phối hợp với",
                "phối hợp cùng",
                "ký kết",
                "liên kết với",
            ),
        ),
        _rel(
            "rankedIn",
            "RankingPosition",
            ORGS | {"Place"},
            {"Ranking"},
            "rank outOf date",
            "rank",
            single_valued=True,
            triggers=("xếp thứ", "xếp hạng", "đứng thứ", "hạng", "vị trí số", "vị trí thứ"),
        ),
        _rel(
            "foundingDate",
            "FoundingDate",
            ANY,
            _NOTHING,
            "date",
            "date",
            single_valued=True,
            triggers=("thành lập", "ra đời", "được ra mắt", "được tổ chức từ"),
        ),
        _rel(
            "launchDate",
            "LaunchDate",
            ANY,
            _NOTHING,
            "date",
            "date",
            single_valued=True,
            triggers=("công bố", "phát động", "ra mắt", "khởi động", "bắt đầu", "hình thành"),
        ),
        _rel(
            "startDate",
            "EventDate",
            {"Event"},
            _NOTHING,
            "date",
            "date",
            single_valued=True,
            triggers=("ngày", "diễn ra", "khai mạc"),
        ),
        _rel("figure", "Figure", ANY, _NOTHING, "measure amount date", "measure amount"),
    ]
}

# Qualifiers every relation accepts in addition to its own.
QUALIFIER_KEYS = frozenset({"role", "date", "amount", "share", "rank", "outOf", "measure"})
