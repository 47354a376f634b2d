"""Generate a deterministic synthetic corpus in vjkg's annotation format (sources/FORMAT.md).

    python bench/generate.py --triples 100000 --out /tmp/corpus [--violations 0.002] [--seed 8]

The output is a ``sources/`` tree (``registry.yaml``, ``NNN/meta.yaml``, ``NNN/text.txt``,
``NNN/annotations.yaml``) that ``kg build --sources DIR`` loads: Vietnamese-like texts
wrapped at 80 columns like the PDF extractions, entities with aliases, claims whose quotes
occur exactly once in their text, amounts written as texts write them ("590 tỷ Yên",
"8,4 tỷ USD") and dates at year, month or day precision. About 1,000 quads per source,
so 1M triples is about 1,000 sources and 10,000 entities.

``--violations RATE`` (default 0.002) leaves that fraction of the registry's entities
without any evidence. The loader accepts them; SHACL (``vjkgsh:EntityShape``) reports each
one, so ``kg build`` fails on such a corpus unless run with ``--keep-going``, and
``kg validate`` exits 4. ``--violations 0`` gives a corpus that conforms.

The same arguments always give the same bytes (one ``random.Random(seed)``, no clock, no
hash-ordered iteration).
"""

from __future__ import annotations

import argparse
import random
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

QUADS_PER_SOURCE = 1000  # what one generated source yields once built (measured, roughly)
CLAIMS_PER_SOURCE = 30
MENTIONS_PER_SOURCE = 12
ENTITIES_PER_SOURCE = 10

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Văn", "Thị", "Minh", "Quang", "Thu", "Hữu", "Đức", "Ngọc", "Thanh", "Anh"]
GIVEN = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hải",
    "Hương",
    "Khoa",
    "Lâm",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Việt",
    "Yến",
]
JP_FAMILY = [
    "Sato",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Watanabe",
    "Ito",
    "Yamamoto",
    "Nakamura",
    "Kobayashi",
    "Kato",
    "Yoshida",
    "Yamada",
]
JP_GIVEN = ["Hiroshi", "Takeshi", "Yuki", "Kenji", "Aiko", "Haruto", "Sakura", "Daisuke", "Emi"]
WORDS = [
    ("Số", "Digital"),
    ("Sao Mai", "Morning Star"),
    ("Hòa Bình", "Peace"),
    ("Thịnh Vượng", "Prosperity"),
    ("Ánh Dương", "Sunlight"),
    ("Trí Tuệ", "Intelligence"),
    ("Kết Nối", "Connect"),
    ("Tương Lai", "Future"),
    ("Sáng Tạo", "Creative"),
    ("Đông Á", "East Asia"),
    ("Phương Nam", "Southern"),
    ("Hoa Anh Đào", "Sakura"),
    ("Lượng Tử", "Quantum"),
    ("Bán Dẫn", "Semiconductor"),
    ("Dữ Liệu", "Data"),
    ("Đám Mây", "Cloud"),
    ("Robot", "Robotics"),
    ("Xanh", "Green"),
]
FIELDS = [
    ("trí tuệ nhân tạo", "artificial intelligence"),
    ("bán dẫn", "semiconductors"),
    ("chuyển đổi số", "digital transformation"),
    ("an ninh mạng", "cybersecurity"),
    ("dữ liệu lớn", "big data"),
    ("điện toán đám mây", "cloud computing"),
    ("công nghệ xanh", "green technology"),
    ("thiết kế vi mạch", "chip design"),
]
ROLES = [  # (as the text writes it, role id in pipeline/schema.py ROLES)
    ("Chủ tịch", "chair"),
    ("Tổng Giám đốc", "ceo"),
    ("Phó Cục trưởng", "deputy-director-general"),
    ("Giám đốc", "director"),
    ("Trưởng ban", "head"),
    ("Thành viên", "member"),
]
MEASURES = [
    ("doanh thu", "revenue"),
    ("số kỹ sư", "number of engineers"),
    ("tỷ lệ doanh nghiệp ứng dụng AI", "share of businesses using AI"),
    ("vốn đầu tư", "investment capital"),
]
FILLER = [
    "Theo các chuyên gia, hợp tác giữa hai nước trong lĩnh vực {f} đang bước sang giai đoạn mới.",
    "Nhiều doanh nghiệp cho biết nhu cầu nhân lực {f} tăng nhanh trong những năm gần đây.",
    "Thị trường {f} của khu vực được dự báo tiếp tục tăng trưởng mạnh.",
    "Các đại biểu cũng thảo luận về khung pháp lý cho {f} và chia sẻ dữ liệu xuyên biên giới.",
    "Bên lề sự kiện, nhiều cuộc gặp song phương về {f} đã diễn ra.",
]


@dataclass
class Entity:
    """One generated registry entry."""

    id: str
    cls: str
    vi: str
    en: str
    aliases_vi: list[str] = field(default_factory=list)
    aliases_en: list[str] = field(default_factory=list)
    ja: str = ""
    country: str = ""

    def name(self, rng: random.Random) -> str:
        """How a text names the entity: its label or one of its aliases."""
        return rng.choice([self.vi, self.vi, *self.aliases_vi, *self.aliases_en])


def _acronym(words: str) -> str:
    return "".join(w[0] for w in words.split() if w[0].isalpha()).upper()


def make_entities(n: int, rng: random.Random) -> dict[str, list[Entity]]:
    """``n`` entities by top class, plus the two countries every organisation needs."""
    out: dict[str, list[Entity]] = {
        k: []
        for k in (
            "Country",
            "City",
            "Organization",
            "Person",
            "Event",
            "Initiative",
            "Product",
            "Ranking",
        )
    }
    out["Country"] = [
        Entity("japan", "Country", "Nhật Bản", "Japan", ja="日本"),
        Entity("vietnam", "Country", "Việt Nam", "Vietnam", ja="ベトナム"),
    ]
    out["City"] = [
        Entity("hanoi", "City", "Hà Nội", "Hanoi", country="vietnam"),
        Entity("tokyo", "City", "Tokyo", "Tokyo", ja="東京", country="japan"),
        Entity("osaka", "City", "Osaka", "Osaka", ja="大阪", country="japan"),
        Entity("da-nang", "City", "Đà Nẵng", "Da Nang", country="vietnam"),
    ]
    out["Ranking"] = [
        Entity(
            "digital-ranking",
            "Ranking",
            "Bảng xếp hạng Năng lực cạnh tranh số",
            "Digital Competitiveness Ranking",
            aliases_en=["WDCR"],
        )
    ]
    mix = [("Organization", 40), ("Person", 25), ("Event", 12), ("Initiative", 13), ("Product", 10)]
    counts = {k: max(1, n * w // 100) for k, w in mix}
    for i in range(counts["Organization"]):
        w1, w2 = rng.sample(WORDS, 2)
        jp = rng.random() < 0.4
        country = "japan" if jp else "vietnam"
        kind = rng.choice(
            [
                "Company",
                "Company",
                "Company",
                "Association",
                "University",
                "GovernmentAgency",
                "ResearchOrganization",
            ]
        )
        if kind == "Company":
            vi = f"Công ty Cổ phần {w1[0]} {w2[0]} {i}"
            en = f"{w1[1]} {w2[1]} {i} Joint Stock Company"
        elif kind == "Association":
            f = rng.choice(FIELDS)
            vi = f"Hiệp hội {f[0].capitalize()} {w1[0]} {i}"
            en = f"{w1[1]} {f[1].title()} Association {i}"
        elif kind == "University":
            vi = f"Trường Đại học {w1[0]} {w2[0]} {i}"
            en = f"{w1[1]} {w2[1]} University {i}"
        elif kind == "GovernmentAgency":
            f = rng.choice(FIELDS)
            vi = f"Cục {f[0].capitalize()} {w1[0]} {i}"
            en = f"Agency for {f[1].title()} {w1[1]} {i}"
        else:
            f = rng.choice(FIELDS)
            vi = f"Viện Nghiên cứu {f[0].capitalize()} {w1[0]} {i}"
            en = f"{w1[1]} Institute of {f[1].title()} {i}"
        acr = _acronym(en) + str(i)
        ent = Entity(f"org-{i:05d}", kind, vi, en, aliases_en=[acr], country=country)
        if rng.random() < 0.3:
            ent.aliases_vi.append(vi.replace("Công ty Cổ phần", "Công ty"))
        out["Organization"].append(ent)
    for i in range(counts["Person"]):
        if rng.random() < 0.35:
            vi = f"{rng.choice(JP_FAMILY)} {rng.choice(JP_GIVEN)} {i}"
        else:
            vi = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)} {i}"
        out["Person"].append(Entity(f"person-{i:05d}", "Person", vi, vi))
    for i in range(counts["Event"]):
        f = rng.choice(FIELDS)
        year = 2018 + i % 9
        vi = f"Diễn đàn {f[0].capitalize()} Việt - Nhật {year} lần thứ {i}"
        en = f"Vietnam-Japan {f[1].title()} Forum {year} no. {i}"
        out["Event"].append(
            Entity(
                f"event-{i:05d}",
                "Event",
                vi,
                en,
                aliases_en=[f"VJF{i}"],
                country=rng.choice(["japan", "vietnam"]),
            )
        )
    for i in range(counts["Initiative"]):
        f = rng.choice(FIELDS)
        w = rng.choice(WORDS)
        kind = rng.choice(["Programme", "Strategy", "Initiative"])
        vi = f"Chương trình {f[0].capitalize()} {w[0]} {i}"
        en = f"{w[1]} {f[1].title()} Programme {i}"
        out["Initiative"].append(Entity(f"initiative-{i:05d}", kind, vi, en))
    for i in range(counts["Product"]):
        w = rng.choice(WORDS)
        kind = rng.choice(["Product", "LanguageModel"])
        vi = f"Nền tảng {w[0]} {i}" if kind == "Product" else f"Mô hình ngôn ngữ {w[0]} {i}"
        en = f"{w[1]} Platform {i}" if kind == "Product" else f"{w[1]} Language Model {i}"
        out["Product"].append(Entity(f"product-{i:05d}", kind, vi, en, aliases_en=[f"{w[1]}{i}"]))
    return out


def _q(text: str) -> str:
    """A YAML double-quoted scalar (every value is a string; FORMAT.md)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_registry(path: Path, by_class: dict[str, list[Entity]]) -> None:
    """Write ``registry.yaml``."""
    lines = ["# Synthetic registry written by bench/generate.py.", "entities:"]
    for group in by_class.values():
        for e in group:
            lines += [
                f"- id: {e.id}",
                f"  class: {e.cls}",
                "  label:",
                f"    vi: {_q(e.vi)}",
                f"    en: {_q(e.en)}",
            ]
            if e.ja:
                lines.append(f"    ja: {_q(e.ja)}")
            if e.aliases_vi or e.aliases_en:
                lines.append("  aliases:")
                for lang, names in (("vi", e.aliases_vi), ("en", e.aliases_en)):
                    if names:
                        lines.append(f"    {lang}: [{', '.join(_q(n) for n in names)}]")
            if e.country:
                lines.append(f"  country: {e.country}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _amount(rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return f"{rng.randrange(2, 999)} tỷ Yên"
    if kind == 1:
        return f"{rng.randrange(1, 99)},{rng.randrange(1, 9)} tỷ USD"
    if kind == 2:
        return f"{rng.randrange(1, 9)}.{rng.randrange(100, 999)} tỷ đồng"
    return f"{rng.randrange(2, 900)} triệu USD"


def _date(rng: random.Random) -> tuple[str, str]:
    """(ISO value, how the text writes it) at year, month or day precision."""
    y = rng.randrange(2015, 2027)
    m = rng.randrange(1, 13)
    d = rng.randrange(1, 29)
    p = rng.randrange(3)
    if p == 0:
        return f"{y}", f"năm {y}"
    if p == 1:
        return f"{y}-{m:02d}", f"tháng {m}/{y}"
    return f"{y}-{m:02d}-{d:02d}", f"ngày {d}/{m}/{y}"


@dataclass
class _Doc:
    sentences: list[str] = field(default_factory=list)
    annotations: list[list[str]] = field(default_factory=list)


def _claim(rng: random.Random, by: dict[str, list[Entity]], n: int) -> tuple[str, list[str]]:
    """One sentence and the YAML lines of its claim (without the quote)."""
    org = lambda: rng.choice(by["Organization"])  # noqa: E731

    def two_orgs() -> tuple[Entity, Entity]:
        """Two different organisations (a fact never links one to itself), drawing from
        ``rng`` as two choices do, so that the rest of the corpus stays as it was."""
        a, b = org(), org()
        if b is a:
            orgs = by["Organization"]
            b = orgs[(orgs.index(a) + 1) % len(orgs)]
        return a, b

    f = rng.choice(FIELDS)
    kind = rng.randrange(10)
    if kind == 0:
        a, b = two_orgs()
        amount = _amount(rng)
        iso, when = _date(rng)
        s = (
            f"{when.capitalize()}, {a.name(rng)} đã hỗ trợ {amount} cho {b.name(rng)} "
            f"để phát triển {f[0]} (dự án số {n})."
        )
        return s, [
            f"subject: {a.id}",
            "relation: funds",
            f"object: {b.id}",
            f"amount: {amount}",
            f"date: {_q(iso)}",
        ]
    if kind == 1:
        a, b = two_orgs()
        iso, when = _date(rng)
        s = f"{a.name(rng)} và {b.name(rng)} ký biên bản hợp tác về {f[0]} {when} (MoU {n})."
        return s, [f"subject: {a.id}", "relation: partnerOf", f"object: {b.id}", f"date: {_q(iso)}"]
    if kind == 2:
        p, o = rng.choice(by["Person"]), org()
        role = rng.choice(ROLES)
        s = f"Ông {p.name(rng)} - {role[0]} {o.name(rng)} phát biểu tại phiên thảo luận thứ {n}."
        return s, [
            f"subject: {p.id}",
            "relation: holdsPost",
            f"object: {o.id}",
            f"role: {role[1]}",
            f"roleText: {role[0]}",
        ]
    if kind == 3:
        a, b = two_orgs()
        s = f"{a.name(rng)} là thành viên của {b.name(rng)} từ nhiều năm nay (mục {n})."
        return s, [f"subject: {a.id}", "relation: memberOf", f"object: {b.id}"]
    if kind == 4:
        e, o = rng.choice(by["Event"]), org()
        s = f"{e.name(rng)} do {o.name(rng)} tổ chức với sự tham gia của {n + 40} doanh nghiệp."
        return s, [f"subject: {e.id}", "relation: organizer", f"object: {o.id}"]
    if kind == 5:
        e = rng.choice(by["Event"])
        iso, when = _date(rng)
        s = f"{e.name(rng)} diễn ra {when} tại {rng.choice(by['City']).vi} (phiên {n})."
        return s, [f"subject: {e.id}", "relation: startDate", f"date: {_q(iso)}"]
    if kind == 6:
        o, i = org(), rng.choice(by["Initiative"])
        iso, when = _date(rng)
        s = f"{when.capitalize()}, {o.name(rng)} đã khởi động {i.name(rng)} (đợt {n})."
        return s, [f"subject: {o.id}", "relation: launched", f"object: {i.id}", f"date: {_q(iso)}"]
    if kind == 7:
        o, pr = org(), rng.choice(by["Product"])
        s = f"{o.name(rng)} phát triển {pr.name(rng)} phục vụ {f[0]} (phiên bản {n})."
        return s, [f"subject: {o.id}", "relation: develops", f"object: {pr.id}"]
    if kind == 8:
        o = org()
        amount = _amount(rng)
        m = rng.choice(MEASURES)
        s = f"Năm qua, {m[0]} của {o.name(rng)} đạt {amount} theo báo cáo số {n}."
        return s, [
            f"subject: {o.id}",
            "relation: figure",
            f"measure: {{vi: {m[0]}, en: {m[1]}}}",
            f"amount: {amount}",
        ]
    o = org()
    city = rng.choice(by["City"])
    s = f"Trụ sở của {o.name(rng)} đặt tại {city.vi}, nơi có văn phòng đại diện số {n}."
    return s, [f"subject: {o.id}", "relation: locatedIn", f"object: {city.id}"]


def _yaml_quote(sentence: str) -> list[str]:
    wrapped = textwrap.wrap(sentence, 76)
    return ["    quote: >-", *("      " + w for w in wrapped)]


def make_document(
    index: int, rng: random.Random, by: dict[str, list[Entity]], evidence: list[Entity]
) -> tuple[str, str, str]:
    """(meta.yaml, text.txt, annotations.yaml) of source ``index``.

    ``evidence`` are entities this source must mention (so every kept entity has evidence).
    """
    doc = _Doc()
    claims: list[str] = []
    mentions: list[str] = []
    for k in range(CLAIMS_PER_SOURCE):
        sentence, lines = _claim(rng, by, index * 1000 + k)
        if rng.random() < 0.4:
            doc.sentences.append(rng.choice(FILLER).format(f=rng.choice(FIELDS)[0]))
        doc.sentences.append(sentence)
        claims += ["  - " + lines[0], *("    " + x for x in lines[1:]), *_yaml_quote(sentence)]
    picks = list(evidence) + [
        rng.choice(by[rng.choice(["Organization", "Person", "Event", "Initiative", "Product"])])
        for _ in range(max(0, MENTIONS_PER_SOURCE - len(evidence)))
    ]
    for k, e in enumerate(picks):
        sentence = (
            f"Bài viết cũng nhắc tới {e.name(rng)} trong phần {k + 1} của bản tin số {index}."
        )
        doc.sentences.append(sentence)
        mentions += [f"  - entity: {e.id}", *_yaml_quote(sentence)]
    paragraphs = [" ".join(doc.sentences[i : i + 5]) for i in range(0, len(doc.sentences), 5)]
    text = "\n\n".join(textwrap.fill(p, 80) for p in paragraphs) + "\n"
    iso, _ = _date(rng)
    title_field = rng.choice(FIELDS)
    meta = (
        "\n".join(
            [
                f"id: doc-{index:05d}",
                "kind: NewsArticle",
                "title:",
                f"  vi: {_q(f'Hợp tác {title_field[0]} Việt - Nhật: bản tin số {index}')}",
                f"  en: {_q(f'Vietnam-Japan {title_field[1]} cooperation: bulletin no. {index}')}",
                f"publisher: {_q('Tạp chí Công nghệ Tổng hợp')}",
                f"issued: {_q(iso)}",
                "language: vi",
            ]
        )
        + "\n"
    )
    annotations = "\n".join(["mentions:", *mentions, "claims:", *claims]) + "\n"
    return meta, text, annotations


def generate(triples: int, out: Path, violations: float = 0.002, seed: int = 8) -> dict[str, int]:
    """Write a corpus of about ``triples`` quads into ``out`` (replaced); return its counts."""
    rng = random.Random(seed)
    n_sources = max(1, round(triples / QUADS_PER_SOURCE))
    n_entities = max(20, n_sources * ENTITIES_PER_SOURCE)
    by = make_entities(n_entities, rng)
    everyone = [e for group in by.values() for e in group]
    n_bad = round(len(everyone) * violations) if violations > 0 else 0
    if violations > 0:
        n_bad = max(1, n_bad)
    # The unevidenced entities: taken from the generated organisations' tail, and removed from
    # the pool the texts draw names from, so nothing ever mentions them.
    orgs = by["Organization"]
    bad = orgs[len(orgs) - n_bad :] if n_bad else []
    pool = {k: (v[: len(v) - n_bad] if k == "Organization" and n_bad else v) for k, v in by.items()}
    must = [e for e in everyone if e not in bad]
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    write_registry(out / "registry.yaml", by)
    per_source = -(-len(must) // n_sources)
    for i in range(n_sources):
        meta, text, annotations = make_document(
            i, rng, pool, must[i * per_source : (i + 1) * per_source]
        )
        folder = out / f"{i:03d}"
        folder.mkdir()
        (folder / "meta.yaml").write_text(meta, encoding="utf-8")
        (folder / "text.txt").write_text(text, encoding="utf-8")
        (folder / "annotations.yaml").write_text(annotations, encoding="utf-8")
    return {"sources": n_sources, "entities": len(everyone), "unevidenced_entities": len(bad)}


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--triples", type=int, required=True, help="about how many quads to yield")
    p.add_argument("--out", type=Path, required=True, help="sources/ directory to write")
    p.add_argument(
        "--violations",
        type=float,
        default=0.002,
        help="fraction of entities left without evidence (SHACL violations)",
    )
    p.add_argument("--seed", type=int, default=8, help="random seed (8)")
    args = p.parse_args(argv)
    counts = generate(args.triples, args.out, args.violations, args.seed)
    print(f"wrote {args.out}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
