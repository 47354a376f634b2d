"""The model: one declarative table of classes, relations, qualifiers and roles.

Everything that restates the model is generated from here (``pipeline/generate.py``): the
OWL terms in ``ontology/vjkg.ttl``, the fact and qualifier shapes in ``ontology/shapes.ttl``
and the tables in ``sources/FORMAT.md``. The loader's checks (which classes a relation takes,
which qualifiers, which are required), the builder (which properties a fact carries, which
surface forms go to the evidence) and the conflict rules (what is single-valued, what is
compared) read the same table. Adding a relation is one :class:`Relation` row (plus a
violating fixture for its shape when it has a fact class of its own).

CURIEs (``schema:Event``) use the prefixes of :data:`PREFIXES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PREFIXES = {
    "vjkg": "https://w3id.org/vjkg/ontology#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "oa": "http://www.w3.org/ns/oa#",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@dataclass(frozen=True)
class ClassDef:
    """An ontology class. ``parent`` is the vjkg class it specialises; ``align`` the standard
    classes (CURIEs) it specialises too. ``kind``: entity (an annotator may use it in the
    registry), source (a source kind), fact (the class of a fact node) or other."""

    name: str
    vi: str
    en: str
    comment: str
    parent: str | None = None
    align: tuple[str, ...] = ()
    kind: str = "entity"


def _c(name, vi, en, comment, parent=None, align="", kind="entity") -> ClassDef:
    return ClassDef(name, vi, en, comment, parent, tuple(align.split()), kind)


CLASSES: tuple[ClassDef, ...] = (
    _c("Organization", "Tổ chức", "Organization", "An organisation named in the sources.",
       None, "org:Organization schema:Organization foaf:Organization prov:Agent"),
    _c("GovernmentBody", "Cơ quan nhà nước", "Government body", "A government or state body.",
       "Organization", "schema:GovernmentOrganization"),
    _c("Government", "Chính phủ", "Government", "A national government.", "GovernmentBody"),
    _c("Ministry", "Bộ", "Ministry", "A government ministry.", "GovernmentBody"),
    _c("GovernmentAgency", "Cơ quan chính phủ", "Government agency",
       "An agency or public corporation of a government.", "GovernmentBody"),
    _c("Council", "Hội đồng", "Council", "A council or advisory body of a government.",
       "GovernmentBody"),
    _c("PublicInstitute", "Viện nhà nước", "Public institute", "A state institute.",
       "GovernmentBody"),
    _c("Embassy", "Đại sứ quán / Cơ quan đại diện", "Embassy or representative office",
       "An embassy or a representative office abroad.", "GovernmentBody"),
    _c("Department", "Cục / Vụ", "Department",
       "A department, bureau or division inside a ministry.", "GovernmentBody"),
    _c("PoliticalParty", "Đảng chính trị", "Political party",
       "A political party or one of its organs.", "Organization", "schema:PoliticalParty"),
    _c("Company", "Doanh nghiệp", "Company", "A business.", "Organization", "schema:Corporation"),
    _c("JointVenture", "Liên doanh", "Joint venture",
       "A company founded jointly by other organisations.", "Company"),
    _c("Association", "Hiệp hội", "Association", "An industry or professional association.",
       "Organization", "schema:NGO"),
    _c("Committee", "Ủy ban", "Committee", "A committee of an association, or between countries.",
       "Organization"),
    _c("ResearchOrganization", "Tổ chức nghiên cứu", "Research organisation",
       "A research institute.", "Organization", "schema:ResearchOrganization"),
    _c("University", "Trường đại học / Học viện", "University", "A university or academy.",
       "ResearchOrganization", "schema:CollegeOrUniversity"),
    _c("InternationalOrganization", "Tổ chức quốc tế", "International organisation",
       "An organisation of several countries.", "Organization"),
    _c("Initiative", "Sáng kiến", "Initiative",
       "A programme, project, platform, plan, policy, strategy or law.", None, "prov:Plan"),
    _c("Programme", "Chương trình", "Programme", "A funded programme or project.", "Initiative",
       "schema:Project"),
    _c("Policy", "Chính sách", "Policy", "A government policy or resolution.", "Initiative"),
    _c("Strategy", "Chiến lược", "Strategy", "A strategy or vision.", "Initiative"),
    _c("Law", "Luật", "Law", "A law or regulation.", "Initiative", "schema:Legislation"),
    _c("Event", "Sự kiện", "Event", "A dated happening: a conference, a fair, a summit.", None,
       "schema:Event"),
    _c("EventSeries", "Chuỗi sự kiện", "Event series",
       "A recurring event (Japan ICT Day); each occurrence is an edition of it (vjkg:editionOf).",
       "Event", "schema:EventSeries"),
    _c("Person", "Người", "Person", "A named person.", None,
       "foaf:Person schema:Person prov:Agent"),
    _c("Place", "Địa điểm", "Place", "A place.", None, "schema:Place"),
    _c("Country", "Quốc gia", "Country", "A country or a region of countries.", "Place",
       "schema:Country"),
    _c("City", "Thành phố", "City", "A city.", "Place", "schema:City"),
    _c("Product", "Sản phẩm", "Product", "A product, software or service.", None, "schema:Product"),
    _c("LanguageModel", "Mô hình ngôn ngữ", "Language model", "An AI language model.", "Product",
       "schema:SoftwareApplication"),
    _c("Ranking", "Bảng xếp hạng", "Ranking",
       "A ranking or index of countries or organisations; two rankings by the same body "
       "(IMD's overall and digital competitiveness rankings) are two entities.",
       None, "schema:CreativeWork"),
    _c("SourceDocument", "Tài liệu nguồn", "Source document",
       "A document the knowledge graph is built from.", None,
       "schema:CreativeWork prov:Entity foaf:Document", "other"),
    _c("NewsArticle", "Bài báo", "News article", "A news article.", "SourceDocument",
       "schema:NewsArticle", "source"),
    _c("JournalArticle", "Bài tạp chí", "Journal article", "An article in a journal.",
       "SourceDocument", "schema:ScholarlyArticle", "source"),
    _c("Bulletin", "Bản tin", "Bulletin", "An issue of a bulletin or newsletter.",
       "SourceDocument", "schema:Report", "source"),
    _c("Report", "Báo cáo", "Report", "A report.", "SourceDocument", "schema:Report", "source"),
    _c("SourceGraph", "Đồ thị nguồn", "Source graph",
       "A named graph holding what one source document states.", None, "prov:Entity", "other"),
    _c("Role", "Vai trò, chức vụ", "Role",
       "A role or post from the controlled vocabulary of roles (vjkg:roleType of a fact).",
       None, "skos:Concept org:Role", "other"),
    _c("Fact", "Sự kiện dữ liệu", "Fact",
       "A statement a source makes, as a node of its own: subject, relation, object and "
       "qualifiers, with its evidence.", None, "prov:Entity", "other"),
    _c("Membership", "Tư cách thành viên", "Membership",
       "An agent is a member of an organisation.", "Fact", "org:Membership", "fact"),
    _c("Shareholding", "Sở hữu cổ phần", "Shareholding",
       "An organisation holds shares in another.", "Fact", "", "fact"),
    _c("JointVenturePartnership", "Đối tác liên doanh", "Joint-venture partnership",
       "An organisation is a founding partner of a joint venture.", "Fact", "", "fact"),
    _c("OrganizationalRelation", "Quan hệ trực thuộc", "Organisational relation",
       "An organisation is part of another.", "Fact", "", "fact"),
    _c("Oversight", "Quan hệ chỉ đạo, quản lý", "Oversight",
       "An agent oversees an organisation or initiative.", "Fact", "", "fact"),
    _c("Founding", "Thành lập", "Founding",
       "An agent founded an organisation, initiative or event.", "Fact", "", "fact"),
    _c("Launch", "Ra mắt", "Launch", "An agent launched an initiative, product or event.",
       "Fact", "", "fact"),
    _c("Implementation", "Triển khai", "Implementation", "An agent carries out an initiative.",
       "Fact", "", "fact"),
    _c("EventRole", "Vai trò trong sự kiện", "Event role",
       "An agent organises, co-organises, patronises or sponsors an event.", "Fact",
       "schema:Role", "fact"),
    _c("EventParticipation", "Tham gia sự kiện", "Event participation",
       "An agent takes part in an event, possibly in a role.", "Fact", "schema:Role", "fact"),
    _c("Funding", "Tài trợ, hỗ trợ tài chính", "Funding",
       "An agent funds an organisation, initiative or product; amount, currency and date as "
       "qualifiers.", "Fact", "schema:MonetaryGrant", "fact"),
    _c("Investment", "Đầu tư", "Investment",
       "An agent invests in an organisation, place or initiative.", "Fact", "", "fact"),
    _c("PostHolding", "Giữ chức vụ", "Post holding",
       "A person holds a post in an organisation, from its date until its end date.", "Fact",
       "org:Membership", "fact"),
    _c("Location", "Vị trí", "Location", "Something is located in a place.", "Fact", "", "fact"),
    _c("Development", "Phát triển", "Development", "An agent develops a product or initiative.",
       "Fact", "", "fact"),
    _c("Partnership", "Hợp tác", "Partnership", "Two agents cooperate.", "Fact", "", "fact"),
    _c("RankingPosition", "Thứ hạng", "Ranking position",
       "A place or organisation holds a rank in a ranking.", "Fact", "", "fact"),
    _c("Publication", "Công bố bảng xếp hạng", "Publication",
       "An organisation produces a ranking or index.", "Fact", "", "fact"),
    _c("Edition", "Kỳ tổ chức", "Edition",
       "An event is one edition of an event series, with its ordinal.", "Fact", "", "fact"),
    _c("FoundingDate", "Ngày thành lập", "Founding date", "When something was founded or adopted.",
       "Fact", "", "fact"),
    _c("LaunchDate", "Ngày ra mắt", "Launch date", "When an initiative or product started.",
       "Fact", "", "fact"),
    _c("EventDate", "Ngày diễn ra", "Event date", "When an event took place.", "Fact", "", "fact"),
    _c("Figure", "Số liệu", "Figure",
       "A number a source gives about something: measure, amount, unit, date, and who "
       "produced it.", "Fact", "schema:Observation", "fact"),
)  # fmt: skip

CLASS_BY_NAME = {c.name: c for c in CLASSES}


@dataclass(frozen=True)
class PropertyDef:
    """An ontology property that is neither a relation nor a qualifier (structure, sources)."""

    name: str
    vi: str
    en: str
    comment: str
    object: bool  # owl:ObjectProperty (else owl:DatatypeProperty)
    domain: str | None = None
    range: str | None = None
    align: tuple[str, ...] = ()
    inverse_of: str | None = None


def _p(name, vi, en, comment, obj, domain=None, range_=None, align="", inverse=None):
    return PropertyDef(name, vi, en, comment, obj, domain, range_, tuple(align.split()), inverse)


PROPERTIES: tuple[PropertyDef, ...] = (
    _p("country", "quốc gia", "country",
       "The country an organisation, person or event belongs to.", True, None, "vjkg:Country",
       "schema:addressCountry"),
    _p("subject", "chủ thể", "subject", "The entity a fact is about.", True, "vjkg:Fact", None,
       "rdf:subject"),
    _p("object", "đối tượng", "object", "The entity a fact relates its subject to.", True,
       "vjkg:Fact", None, "rdf:object"),
    _p("relation", "quan hệ", "relation", "The direct property the fact qualifies.", True,
       "vjkg:Fact", "rdf:Property", "rdf:predicate"),
    _p("fundedBy", "được tài trợ bởi", "funded by",
       "The inverse of vjkg:funds, aligned with schema:funder.", True, None, None,
       "schema:funder", "vjkg:funds"),
    _p("issue", "số phát hành", "issue", "The issue of the journal or bulletin.", False,
       "vjkg:SourceDocument", "rdf:langString", "schema:issueNumber"),
    _p("authorAffiliation", "đơn vị công tác của tác giả", "author affiliation",
       "The authors' institution, as the document names it.", False, "vjkg:SourceDocument",
       "rdf:langString"),
    _p("sourceFolder", "thư mục nguồn", "source folder",
       "Where the text and annotations live in the repository.", False, "vjkg:SourceDocument",
       "xsd:string"),
    _p("textSha256", "mã băm SHA-256 của văn bản", "text SHA-256",
       "SHA-256 of the NFC text the offsets refer to.", False, "vjkg:SourceDocument",
       "xsd:string"),
    _p("textLength", "độ dài văn bản", "text length", "Length of the NFC text in code points.",
       False, "vjkg:SourceDocument", "xsd:nonNegativeInteger"),
)  # fmt: skip


@dataclass(frozen=True)
class QualifierProperty:
    """One RDF property a qualifier writes, and the constraints its shape checks.

    ``value`` is ``date`` (xsd:date, gYearMonth or gYear), ``langString``, ``iri`` (an
    entity or concept; ``classes`` the classes it may have) or an XSD datatype CURIE.
    ``on`` is ``fact`` (part of what the fact states, hence of its identity) or ``evidence``
    (how one source wrote it: the surface form, kept on that source's annotation).
    ``multi`` properties carry one value per language (``uniqueLang``) instead of one value.
    """

    name: str
    vi: str
    en: str
    comment: str
    value: str
    on: str = "fact"
    pattern: str | None = None
    allowed: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    multi: bool = False
    align: tuple[str, ...] = ()


@dataclass(frozen=True)
class Qualifier:
    """An annotation key a claim may carry, what it holds and which properties it writes."""

    key: str
    value: str  # human description for FORMAT.md
    example: str
    properties: tuple[QualifierProperty, ...] = ()
    # The attribute of pipeline.model.Qualifiers that holds it, for the kinds the loader and
    # the builder handle generically: a positive whole number, or an entity id.
    field: str | None = None

    @property
    def kind(self) -> str:
        """``number`` (one xsd:positiveInteger), ``entity`` (one entity IRI) or ``special``."""
        if self.field is None or len(self.properties) != 1:
            return "special"
        value = self.properties[0].value
        if value == "xsd:positiveInteger":
            return "number"
        return "entity" if value == "iri" else "special"


def _q(
    name,
    vi,
    en,
    comment,
    value,
    on="fact",
    pattern=None,
    allowed="",
    classes="",
    multi=False,
    align="",
):
    return QualifierProperty(
        name,
        vi,
        en,
        comment,
        value,
        on,
        pattern,
        tuple(allowed.split()),
        tuple(classes.split()),
        multi,
        tuple(align.split()),
    )


_BOUNDS = "about atLeast atMost"

QUALIFIERS: tuple[Qualifier, ...] = (
    Qualifier("date", "ISO date at the text's precision; it must be readable from the quote, "
              "or from the quote and the document's issued date (\"hiện tại\", \"năm nay\", "
              "\"ngày 4/2\"), or `dateReason` says where it comes from", '`"2021-09"`', (
        _q("date", "thời điểm", "date",
           "When the fact holds or happened (the start of a post or membership), at the "
           "precision the source gives.", "date", align="dcterms:date"),
        _q("dateText", "thời điểm như trong văn bản", "date as written",
           "The relative wording the date was resolved from (\"hiện tại\", \"ngày 4/2\").",
           "langString", on="evidence"),
        _q("dateResolvedAgainst", "thời điểm tính theo", "date resolved against",
           "The source document whose issued date resolved a relative date.", "iri",
           on="evidence", classes="SourceDocument"),
    )),
    Qualifier("until", "ISO date the post, membership or partnership ended (same rules as "
              "`date`)", '`"2021"`', (
        _q("endDate", "thời điểm kết thúc", "end date",
           "When the post, membership or partnership ended, at the precision the source gives.",
           "date", align="schema:endDate"),
    )),
    Qualifier("dateQuote", "another passage of the text that gives the date the quote does not "
              "(it must occur in the text and give the date, with the document's date)",
              '`"Ngày 4/2 tại Hà Nội"`', (
        _q("dateQuote", "đoạn văn cho thời điểm", "date passage",
           "The passage of the source that gives the date, when the quote does not.",
           "langString", on="evidence"),
    )),
    Qualifier("dateReason", "where in the text a date that the quote does not give comes from",
              '`"một năm sau tháng 9-2020 (same sentence)"`', (
        _q("dateReason", "căn cứ thời điểm", "date reason",
           "Where in the text the date comes from, when the quote alone does not give it.",
           "xsd:string", on="evidence"),
    )),
    Qualifier("amount", "the amount **as written in the quote** (must occur in it); the "
              "loader normalises Vietnamese separators and scale words: `3.900 tỷ Yên` = "
              "3 900 000 000 000 JPY, `8,4 tỷ Yên`, `198 tỷ USD`, `800.000 kỹ sư`, "
              "`khoảng 10%` (bound about), `6-7%` (a range)", "`590 tỷ Yên`", (
        _q("amount", "giá trị", "amount", "The amount, exact, in base units (xsd:decimal).",
           "xsd:decimal", align="schema:value"),
        _q("amountUpper", "giá trị cận trên", "upper amount",
           "For a range, its upper end (amount is the lower end).", "xsd:decimal",
           align="schema:maxValue"),
        _q("amountBound", "loại giới hạn", "amount bound",
           "'about', 'atLeast' or 'atMost' when the source qualifies the amount.", "xsd:string",
           allowed=_BOUNDS),
        _q("currency", "đơn vị tiền tệ", "currency", "ISO 4217 currency code of the amount.",
           "xsd:string", pattern="^[A-Z]{3}$", align="schema:currency"),
        _q("unit", "đơn vị", "unit",
           "What is counted, when the amount is not money ('percent', 'kỹ sư').", "langString",
           align="schema:unitText"),
        _q("amountText", "giá trị như trong văn bản", "amount as written",
           "The amount exactly as one source writes it (on that source's evidence).",
           "langString", on="evidence"),
    )),
    Qualifier("share", "a percentage as written in the quote", '`"56,1%"`', (
        _q("share", "tỷ lệ", "share", "A percentage, exact (xsd:decimal, 56.1 for 56,1%).",
           "xsd:decimal"),
        _q("shareUpper", "tỷ lệ cận trên", "upper share",
           "For a range of percentages, its upper end.", "xsd:decimal"),
        _q("shareBound", "loại giới hạn tỷ lệ", "share bound", "'about', 'atLeast' or 'atMost'.",
           "xsd:string", allowed=_BOUNDS),
        _q("shareText", "tỷ lệ như trong văn bản", "share as written",
           "The percentage exactly as one source writes it (on that source's evidence).",
           "langString", on="evidence"),
    )),
    Qualifier("rank", "a positive whole number, quoted", '`"28"`', (
        _q("rank", "thứ hạng", "rank", "The position in the ranking (1 is first).",
           "xsd:positiveInteger"),
    ), field="rank"),
    Qualifier("outOf", "a positive whole number, quoted", '`"63"`', (
        _q("outOf", "trên tổng số", "out of", "How many were ranked.", "xsd:positiveInteger"),
    ), field="out_of"),
    Qualifier("ordinal", "which edition of a series (or which holder of a post), a positive "
              "whole number, quoted", '`"19"` ("lần thứ 19")', (
        _q("ordinal", "lần thứ", "ordinal",
           "Which edition of the series this is, or which holder of the post (1 is the first).",
           "xsd:positiveInteger"),
    ), field="ordinal"),
    Qualifier("role", "a role id from the roles vocabulary below", "`deputy-director-general`", (
        _q("roleType", "loại vai trò", "role type",
           "The role or post, from the controlled vocabulary of roles.", "iri", classes="Role",
           align="org:role"),
        _q("role", "vai trò, chức vụ", "role",
           "The labels of the role (vi, en), from the vocabulary of roles.", "langString",
           multi=True, align="schema:roleName"),
    )),
    Qualifier("roleText", "the role as the quote writes it (must occur in it)",
              "`Phó Cục trưởng`", (
        _q("roleText", "vai trò như trong văn bản", "role as written",
           "The role exactly as one source writes it (on that source's evidence).", "langString",
           on="evidence"),
    )),
    Qualifier("measure", "`{vi: …, en: …}` what the figure measures",
              "`{vi: doanh thu ngành công nghiệp công nghệ số, en: digital technology industry "
              "revenue}`", (
        _q("measure", "chỉ tiêu", "measure", "What a figure measures (vi, en).", "langString",
           multi=True, align="schema:measuredProperty"),
    )),
    Qualifier("according", "the entity id of whoever produced or stated the figure or rank "
              "(\"theo JISA\", a survey by …)", "`jisa`", (
        _q("accordingTo", "theo", "according to",
           "Who produced or stated the figure or rank (a survey, \"theo …\").", "iri",
           classes="Organization Person", align="prov:wasAttributedTo"),
    ), field="according"),
    Qualifier("site", "the entity id of the place where the activity or facility is",
              "`hokkaido`", (
        _q("site", "địa điểm", "site",
           "Where the activity or facility (a plant, an office, an investment) is.", "iri",
           classes="Place", align="schema:location"),
    ), field="site"),
)  # fmt: skip

QUALIFIER_BY_KEY = {q.key: q for q in QUALIFIERS}
QUALIFIER_PROPERTIES = {p.name: p for q in QUALIFIERS for p in q.properties}


@dataclass(frozen=True)
class Role:
    """A role or post in the controlled vocabulary: its id, labels, and wordings it covers."""

    id: str
    vi: str
    en: str
    wordings: tuple[str, ...] = ()


def _r(rid: str, vi: str, en: str, wordings: str = "") -> Role:
    return Role(rid, vi, en, tuple(w for w in wordings.split("|") if w))


ROLES: tuple[Role, ...] = (
    _r("ambassador", "Đại sứ", "Ambassador", "Đại sứ"),
    _r("chair", "Chủ tịch", "Chair", "Chủ tịch|Chairman|Chair"),
    _r("ceo", "Tổng Giám đốc", "Chief Executive Officer", "Tổng Giám đốc|CEO"),
    _r("chief-representative", "Trưởng Đại diện", "Chief Representative", "Trưởng Đại diện"),
    _r("delegation", "Đoàn công tác", "Delegation", "đoàn công tác|đoàn"),
    _r("delegation-head", "Trưởng đoàn", "Head of delegation", "dẫn đầu|trưởng đoàn"),
    _r("deputy-director-general", "Phó Cục trưởng", "Deputy Director General", "Phó Cục trưởng"),
    _r("deputy-minister", "Thứ trưởng", "Deputy Minister", "Thứ trưởng"),
    _r("director", "Giám đốc", "Director", "Giám đốc"),
    _r("division-director", "Trưởng phòng", "Division Director", "Trưởng phòng"),
    _r("editorial-board-head", "Trưởng ban biên tập", "Head of the Editorial Board", "Trưởng ban"),
    _r("editorial-board-member", "Thành viên ban biên tập", "Editorial Board member",
       "Ban biên tập"),
    _r("head", "Người đứng đầu", "Head", "Người đứng đầu"),
    _r("host", "Đơn vị đón tiếp", "Host", "làm việc với|tiếp"),
    _r("member", "Thành viên", "Member", "thành viên"),
    _r("minister", "Bộ trưởng", "Minister", "Bộ trưởng"),
    _r("prime-minister", "Thủ tướng", "Prime Minister", "thủ tướng"),
    _r("representative", "Đại diện", "Representative", "Đại diện"),
    _r("speaker", "Diễn giả", "Speaker", "phát biểu|chia sẻ|diễn giả"),
)  # fmt: skip

ROLE_BY_ID = {r.id: r for r in ROLES}


def role_for_wording(wording: str) -> str | None:
    """The role whose names or wordings best match ``wording`` (the longest one found in it).

    >>> role_for_wording("Phó Cục trưởng Cục Thương mại điện tử"), role_for_wording("Chairman")
    ('deputy-director-general', 'chair')
    """
    from .text import fold_words

    folded = fold_words(wording)
    best: tuple[int, str] | None = None
    for role in ROLES:
        for w in (role.vi, role.en, *role.wordings):
            fw = fold_words(w)
            if fw.strip() and fw in folded and (best is None or len(fw) > best[0]):
                best = (len(fw), role.id)
    return best[1] if best else None


# End sets (classes; subclasses of a listed class are accepted).
ORGS = ("Organization",)
AGENTS = ("Organization", "Person")
ANY = ("Organization", "Person", "Initiative", "Event", "Place", "Product", "Ranking")


@dataclass(frozen=True)
class ConflictRule:
    """What two claims of a single-valued relation must agree on.

    Claims are grouped by ``group`` (``subject``, ``object``, or a qualifier key) and must
    agree on ``compare`` (``subject``, ``object`` or qualifier keys) — when ``timed``, only
    if their times overlap (an undated claim overlaps nothing), at ``granularity``
    (``year`` for yearly rankings, ``as-written`` otherwise).
    """

    group: tuple[str, ...]
    compare: tuple[str, ...]
    timed: bool = True
    granularity: str = "as-written"


@dataclass(frozen=True)
class Relation:
    """One annotation relation: its direct property, the class of its fact node, and rules.

    ``subjects``/``objects`` are classes (subclasses accepted); ``objects`` is empty for
    attribute relations, which take no object. ``qualifiers`` are the keys a claim may carry
    (besides the ones every claim may carry), ``required`` the ones it must. ``triggers``
    are Vietnamese phrases that typically state the relation (for suggesting claims).
    ``single_valued`` (with ``conflict``) says what sources must agree on; ``list_end`` is
    the end a list of members hangs off (``object``: the members of X).
    """

    name: str
    fact_class: str
    subjects: tuple[str, ...]
    objects: tuple[str, ...]
    vi: str
    en: str
    comment: str
    usage: str
    qualifiers: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    triggers: tuple[str, ...] = ()
    align: tuple[str, ...] = ()
    conflict: ConflictRule | None = None
    list_end: str = ""
    symmetric: bool = False
    org_membership: bool = False
    sub_property_of: tuple[str, ...] = field(default=())

    @property
    def has_object(self) -> bool:
        """Whether claims of this relation name an object entity."""
        return bool(self.objects)

    @property
    def single_valued(self) -> bool:
        """Whether sources stating this relation must agree (see :class:`ConflictRule`)."""
        return self.conflict is not None


# Qualifier keys every claim may carry, whatever its relation.
COMMON_QUALIFIERS = frozenset({"according", "dateQuote", "dateReason"})


def _rel(
    name,
    fact_class,
    subjects,
    objects,
    vi,
    en,
    comment,
    usage,
    qualifiers="",
    required="",
    triggers="",
    align="",
    conflict=None,
    list_end="",
    symmetric=False,
    org_membership=False,
    sub="",
) -> Relation:
    quals = frozenset(qualifiers.split())
    if "role" in quals:
        quals |= {"roleText"}
    return Relation(
        name,
        fact_class,
        tuple(subjects),
        tuple(objects),
        vi,
        en,
        comment,
        usage,
        quals,
        frozenset(required.split()),
        tuple(t for t in triggers.split("|") if t),
        tuple(align.split()),
        conflict,
        list_end,
        symmetric,
        org_membership,
        tuple(sub.split()),
    )


_ONE_DATE = ConflictRule(("subject",), ("date",), timed=False)
_ONE_AGENT = ConflictRule(("object",), ("subject",), timed=False)

RELATION_LIST: tuple[Relation, ...] = (
    _rel("memberOf", "Membership", AGENTS, ORGS, "là thành viên của", "member of",
         "The subject is a member of the object organisation (from its date until its end).",
         "membership, member companies of a consortium", "role date until",
         triggers="thành viên|hội viên|gia nhập",
         align="org:memberOf schema:memberOf", list_end="object", org_membership=True),
    _rel("shareholderOf", "Shareholding", ORGS, ORGS, "là cổ đông của", "shareholder of",
         "The subject holds shares in the object.", "holds shares in", "share amount date until",
         triggers="cổ đông|cổ phần", list_end="object"),
    _rel("jointVenturePartnerOf", "JointVenturePartnership", ORGS, ("JointVenture",),
         "là đối tác liên doanh của", "joint-venture partner of",
         "The subject is a founding partner of the object joint venture; a partner is also a "
         "member of the venture.", "a founding partner of a joint venture", "date",
         triggers="liên doanh", list_end="object", sub="vjkg:memberOf"),
    _rel("subOrganizationOf", "OrganizationalRelation", ORGS, ORGS, "trực thuộc",
         "sub-organisation of", "The subject is part of the object organisation.",
         "a department of a ministry, a branch of an agency",
         triggers="trực thuộc|thuộc|của",
         align="org:subOrganizationOf schema:parentOrganization"),
    _rel("oversees", "Oversight", AGENTS, ("Organization", "Initiative"), "chỉ đạo, quản lý",
         "oversees", "The subject oversees, directs or manages the object.", "supervises",
         triggers="dưới sự chỉ đạo của|chỉ đạo|quản lý|giám sát"),
    _rel("founded", "Founding", AGENTS, ("Organization", "Initiative", "Event"), "thành lập",
         "founded", "The subject founded the object.", "\"X thành lập Y\"", "date",
         triggers="thành lập|sáng lập", conflict=_ONE_AGENT),
    _rel("launched", "Launch", AGENTS, ("Initiative", "Product", "Event"), "ra mắt, khởi động",
         "launched", "The subject launched the object.",
         "a programme, product or event announced, started or issued", "date",
         triggers="ra mắt|khởi động|công bố|phát động|ban hành|thiết lập", conflict=_ONE_AGENT),
    _rel("implements", "Implementation", AGENTS, ("Initiative",), "triển khai", "implements",
         "The subject carries out the object initiative.", "carries out a programme or policy",
         "date site", triggers="triển khai|thực hiện|áp dụng|thực thi"),
    _rel("organizer", "EventRole", ("Event",), AGENTS, "đơn vị tổ chức", "organizer",
         "The object organises the subject event.", "the organisers of an event",
         triggers="tổ chức|đơn vị tổ chức|chủ trì", align="schema:organizer",
         list_end="subject"),
    _rel("coOrganizer", "EventRole", ("Event",), AGENTS, "đơn vị đồng tổ chức", "co-organizer",
         "The object co-organises the subject event.", "the co-organisers of an event",
         triggers="đồng tổ chức|phối hợp tổ chức|sự phối hợp của", align="schema:organizer",
         list_end="subject"),
    _rel("patron", "EventRole", ("Event",), AGENTS, "đơn vị bảo trợ", "patron",
         "The subject event takes place under the patronage of the object.",
         "the patrons of an event", triggers="bảo trợ",
         align="schema:sponsor", list_end="subject"),
    _rel("sponsor", "EventRole", ("Event",), AGENTS, "nhà tài trợ", "sponsor",
         "The object sponsors the subject event.", "the sponsors of an event", "amount",
         triggers="tài trợ|nhà tài trợ", align="schema:sponsor"),
    _rel("participant", "EventParticipation", ("Event",), AGENTS, "bên tham gia", "participant",
         "The object takes part in the subject event, possibly in a role.",
         "speakers, delegations, attendees", "role",
         triggers="tham gia|tham dự|phát biểu|chia sẻ|dẫn đầu|đại diện", align="schema:attendee"),
    _rel("funds", "Funding", AGENTS, ("Organization", "Initiative", "Product"), "tài trợ cho",
         "funds", "The subject funds the object.", "subsidies, grants", "amount date site",
         triggers="hỗ trợ|tài trợ|cấp vốn|khoản hỗ trợ"),
    _rel("investsIn", "Investment", AGENTS, ("Organization", "Place", "Initiative", "Product"),
         "đầu tư vào", "invests in", "The subject invests in the object.", "investments",
         "amount date site", triggers="đầu tư"),
    _rel("holdsPost", "PostHolding", ("Person",), ORGS, "giữ chức vụ tại", "holds post in",
         "The subject person holds a post in the object organisation, from its date until its "
         "end; the post is on the PostHolding node.", "\"ông X - Phó Cục trưởng Cục Y\"",
         "role date until ordinal", "role",
         triggers=(
             "Chủ tịch|Phó Chủ tịch|Tổng giám đốc|Giám đốc|Phó Giám đốc|Cục trưởng|"
             "Phó Cục trưởng|Vụ trưởng|Bộ trưởng|Thứ trưởng|Thủ tướng|Đại sứ|"
             "Trưởng đại diện|Trưởng phòng|Trưởng ban|Tổng thư ký|Viện trưởng|"
             "Hiệu trưởng|Người đứng đầu"
         ),
         align="org:memberOf", org_membership=True),
    _rel("locatedIn", "Location", ("Organization", "Event", "Place", "Product"), ("Place",),
         "đặt tại, diễn ra tại", "located in",
         "The subject (an organisation, a facility, an event, a place) is located in, or "
         "takes place in, the object place.", "seat, venue, \"tại Hà Nội\"",
         triggers="tại|ở|có trụ sở tại|đặt tại", align="schema:location"),
    _rel("develops", "Development", AGENTS, ("Product", "Initiative"), "phát triển", "develops",
         "The subject develops the object product or initiative.",
         "builds a product, an AI model", "date site",
         triggers="phát triển|xây dựng|nghiên cứu"),
    _rel("partnerOf", "Partnership", ("Organization", "Person", "Place"),
         ("Organization", "Person", "Place"), "hợp tác với", "partner of",
         "The subject and the object cooperate (organisations, persons, or countries).",
         "cooperation, partnership, MoU", "date until",
         triggers=(
             "hợp tác với|hợp tác|đối tác|quan hệ đối tác|phối hợp với|phối hợp cùng|"
             "ký kết|liên kết với"
         ), symmetric=True),
    _rel("rankedIn", "RankingPosition", ("Organization", "Place"), ("Ranking",),
         "được xếp hạng trong", "ranked in",
         "The subject has a position in the object ranking; the rank is on the RankingPosition "
         "node.", "\"xếp thứ 28 trong số 63 quốc gia\"", "rank outOf date", "rank",
         triggers="xếp thứ|xếp hạng|đứng thứ|hạng|vị trí số|vị trí thứ",
         conflict=ConflictRule(("subject", "object"), ("rank", "outOf"), True, "year")),
    _rel("publishedBy", "Publication", ("Ranking",), ORGS, "do … công bố", "published by",
         "The subject ranking or index is produced by the object organisation.",
         "the body behind a ranking (IMD)", "",
         triggers="bảng xếp hạng|chỉ số|công bố|của IMD", align="schema:publisher",
         conflict=ConflictRule(("subject",), ("object",), timed=False)),
    _rel("editionOf", "Edition", ("Event",), ("EventSeries",), "là một kỳ của", "edition of",
         "The subject event is one edition of the object event series; ordinal says which.",
         "\"lần thứ 19 sự kiện được tổ chức\"", "ordinal date",
         triggers="lần thứ|kỳ thứ|năm thứ|thường niên|phiên bản", align="schema:superEvent",
         conflict=ConflictRule(("subject",), ("object", "ordinal"), timed=False)),
    _rel("foundingDate", "FoundingDate", ANY, (), "ngày thành lập", "founding date",
         "When the subject was founded or adopted, at the precision the source gives "
         "(xsd:gYear, xsd:gYearMonth or xsd:date).",
         "when an organisation was founded, a law adopted", "date", "date",
         triggers="thành lập|ra đời|được ra mắt|được tổ chức từ", align="schema:foundingDate",
         conflict=_ONE_DATE),
    _rel("launchDate", "LaunchDate", ANY, (), "ngày ra mắt", "launch date",
         "When the subject started, at the precision the source gives.",
         "when a programme or product started", "date", "date",
         triggers=(
             "công bố|phát động|ra mắt|khởi động|bắt đầu|hình thành"
         ), align="schema:startDate", conflict=_ONE_DATE),
    _rel("startDate", "EventDate", ("Event",), (), "ngày diễn ra", "start date",
         "When the event took place, at the precision the source gives.",
         "when an event took place", "date", "date",
         triggers="ngày|diễn ra|khai mạc", align="schema:startDate",
         conflict=_ONE_DATE),
    _rel("figure", "Figure", ANY, (), "có số liệu", "has figure",
         "A figure a source gives about the subject.", "a number the text gives about the "
         "subject", "measure amount date", "measure amount",
         triggers="đạt|khoảng|tỷ|triệu|nghìn|%|thiếu hụt|doanh thu",
         conflict=ConflictRule(("subject", "measure", "according"), ("amount",), True)),
)  # fmt: skip

RELATIONS: dict[str, Relation] = {r.name: r for r in RELATION_LIST}

# Every qualifier key a claim may carry (for some relation).
QUALIFIER_KEYS = frozenset(QUALIFIER_BY_KEY)

ENTITY_CLASSES: dict[str, str | None] = {c.name: c.parent for c in CLASSES if c.kind == "entity"}
SOURCE_KINDS = tuple(c.name for c in CLASSES if c.kind == "source")
FACT_CLASSES = tuple(c.name for c in CLASSES if c.kind == "fact")


def class_ancestors(name: str) -> list[str]:
    """The class and every class above it, nearest first.

    >>> class_ancestors("JointVenture")
    ['JointVenture', 'Company', 'Organization']
    """
    chain: list[str] = []
    current: str | None = name
    while current is not None:
        chain.append(current)
        current = CLASS_BY_NAME[current].parent
    return chain


def top_class(name: str) -> str:
    """The most general class above ``name`` (``Ministry`` → ``Organization``)."""
    return class_ancestors(name)[-1]


def is_a(cls: str, classes: tuple[str, ...] | frozenset[str]) -> bool:
    """Whether ``cls`` is one of ``classes`` or a subclass of one.

    >>> is_a("JointVenture", ("Company",)), is_a("Company", ("JointVenture",))
    (True, False)
    """
    return any(c in classes for c in class_ancestors(cls))


def relation_qualifiers(rel: Relation) -> frozenset[str]:
    """Every key a claim of ``rel`` may carry."""
    return rel.qualifiers | COMMON_QUALIFIERS
