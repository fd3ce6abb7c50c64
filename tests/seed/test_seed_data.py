"""Integrity of the project's own seed data (hotline/seed): city, topics, dispatch, demo corpus."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from functools import cache
from itertools import combinations
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[2] / "hotline" / "seed"
REAL_DATA = Path("/work/shared/data/tipdm2020c")

FIRST_LEVEL = [
    "城乡建设",
    "劳动和社会保障",
    "教育文体",
    "商贸旅游",
    "环境保护",
    "卫生计生",
    "交通运输",
]
REQUEST_TYPES = {"咨询", "求助", "投诉", "举报", "建议", "表扬"}
LINES = {"12345", "12315", "12319"}
CHANNELS = {"phone", "sms", "web"}
CORPUS_COLUMNS = [
    "text",
    "topic",
    "subtopic",
    "request_type",
    "line",
    "channel",
    "district",
    "address",
]
CODE_RE = re.compile(r"^[a-z0-9-]{1,16}$")
PHONE_RE = re.compile(r"^\+861\d{10}$")


def _json(name: str):
    return json.loads((SEED / name).read_text(encoding="utf-8"))


@cache
def city() -> dict:
    return _json("city.json")


@cache
def topics() -> list[dict]:
    return _json("topics.json")


@cache
def dispatch() -> dict:
    return _json("dispatch.json")


@cache
def corpus() -> tuple[list[str], list[dict]]:
    with (SEED / "corpus.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def departments() -> dict[str, dict]:
    return {d["code"]: d for d in city()["departments"]}


def districts() -> dict[str, dict]:
    return {d["code"]: d for d in city()["districts"]}


def topic_codes() -> dict[str, str | None]:
    """code -> parent code (None for first level)."""
    out: dict[str, str | None] = {}
    for t in topics():
        out[t["code"]] = None
        for c in t["children"]:
            out[c["code"]] = t["code"]
    return out


def street_terms(street: dict) -> set[str]:
    return {street["name"], *street.get("aliases", [])}


# --- city.json -------------------------------------------------------------------------------


def test_department_codes_unique_and_login_safe():
    codes = [d["code"] for d in city()["departments"]]
    assert len(codes) == len(set(codes))
    bad = [c for c in codes if not CODE_RE.match(c)]
    assert not bad, bad
    names = [d["name"] for d in city()["departments"]]
    assert len(names) == len(set(names))


def test_department_fields_and_phones():
    phones = []
    for d in city()["departments"]:
        assert set(d) >= {"code", "name", "level", "parent", "district", "duty_phone"}, d
        assert d["level"] in {"city", "district", "street", "community"}, d
        assert PHONE_RE.match(d["duty_phone"]), d
        assert len(d["name"]) <= 80
        phones.append(d["duty_phone"])
    assert len(phones) == len(set(phones))


def test_department_hierarchy():
    depts = departments()
    root = depts["gov"]
    assert root["level"] == "city" and root["parent"] is None and root["district"] is None
    assert city()["city"]["code"] == "gov"
    for d in depts.values():
        if d["code"] == "gov":
            continue
        parent = depts.get(d["parent"])
        assert parent is not None, f"{d['code']}: parent {d['parent']!r} missing"
        if d["level"] == "city":
            assert d["district"] is None and parent["code"] == "gov", d
        elif d["level"] == "district":
            assert d["district"] in districts(), d
            assert d["code"].startswith(d["district"] + "-"), d
            expected = "gov" if d["code"] == f"{d['district']}-gov" else f"{d['district']}-gov"
            assert parent["code"] == expected, d
        elif d["level"] == "community":
            assert parent["level"] == "street" and parent["district"] == d["district"], d
            assert d["code"].startswith(parent["code"] + "-c"), d
            assert d["name"].startswith(parent["name"].removesuffix("办事处")), d
            assert d["name"].endswith(("居民委员会", "村民委员会")), d
        else:
            assert parent["code"] == f"{d['district']}-gov", d


def test_at_least_two_districts_have_all_four_levels_with_communities_under_every_street():
    depts = departments()
    full = []
    for district in city()["districts"]:
        communities = {s["code"]: [x for x in depts.values() if x["parent"] == s["code"]]
                       for s in district["streets"]}
        if any(communities.values()):
            assert all(2 <= len(c) <= 5 for c in communities.values()), communities
            assert all(x["level"] == "community" for c in communities.values() for x in c)
            full.append(district["code"])
    assert len(full) >= 2, full


def test_city_bureaus_cover_the_expected_units():
    depts = departments()
    for code in [
        "zjj",
        "cgj",
        "scjgj",
        "rsj",
        "jyj",
        "wlj",
        "swj",
        "sthjj",
        "wjw",
        "jtj",
        "jj",
        "zrzyj",
        "swuj",
        "ybj",
        "gdgs",
        "rqjt",
    ]:
        assert depts[code]["level"] == "city", code
        assert depts[code]["parent"] == "gov", code


def test_every_district_has_government_bureaus_and_street_offices():
    depts = departments()
    ds = city()["districts"]
    assert [d["code"] for d in ds] == [f"a{i}" for i in range(1, 8)]
    street_codes = []
    for d in ds:
        n = d["code"][1:]
        assert d["name"] == f"A{n}区" and f"A{n}" in d["aliases"]
        gov = depts[f"{d['code']}-gov"]
        assert gov["level"] == "district" and gov["district"] == d["code"]
        bureaus = [
            x for x in depts.values() if x["level"] == "district" and x["parent"] == gov["code"]
        ]
        assert 3 <= len(bureaus) <= 4, d["code"]
        assert 3 <= len(d["streets"]) <= 4, d["code"]
        for s in d["streets"]:
            assert s["code"].startswith(d["code"] + "-s"), s
            assert s["name"].endswith("街道") and s["aliases"], s
            office = depts[s["code"]]
            assert office["level"] == "street" and office["district"] == d["code"]
            assert office["parent"] == gov["code"]
            street_codes.append(s["code"])
    assert len(street_codes) == len(set(street_codes))
    streets_in_depts = [x["code"] for x in depts.values() if x["level"] == "street"]
    assert sorted(streets_in_depts) == sorted(street_codes)


def _ambiguous_pairs() -> list[tuple[str, str]]:
    pairs = []
    streets = [(d["code"], s) for d in city()["districts"] for s in d["streets"]]
    for (da, a), (db, b) in combinations(streets, 2):
        if da == db:
            continue
        if any(x in y or y in x for x in street_terms(a) for y in street_terms(b)):
            pairs.append((a["code"], b["code"]))
    return pairs


def test_street_names_unambiguous_across_districts_except_one_documented_case():
    streets = {s["code"]: s for d in city()["districts"] for s in d["streets"]}
    pairs = _ambiguous_pairs()
    assert len(pairs) <= 1, pairs
    for a, b in pairs:
        # the one deliberate overlap must be explained on both streets, naming the other
        assert b in streets[a].get("_comment", "") or a in streets[b].get("_comment", ""), (a, b)
        assert "_comment" in streets[a] and "_comment" in streets[b], (a, b)
    # district names must not collide with street names either
    for d in city()["districts"]:
        for s in streets.values():
            assert not any(t in s["name"] for t in [d["name"], *d["aliases"]]), (d["code"], s)


def test_lines():
    lines = city()["lines"]
    assert set(lines) == LINES
    for v in lines.values():
        assert v["name"] and v["greeting"].startswith("您好")
    assert "12345" in lines["12345"]["name"]


# --- topics.json -----------------------------------------------------------------------------


def test_topic_catalogue():
    ts = topics()
    assert [t["name"] for t in ts] == FIRST_LEVEL
    codes = [t["code"] for t in ts] + [c["code"] for t in ts for c in t["children"]]
    assert len(codes) == len(set(codes))
    for t in ts:
        assert re.fullmatch(r"[a-z]{2,8}", t["code"]) and t["name_en"]
        assert 4 <= len(t["children"]) <= 10, t["code"]
        names = [c["name"] for c in t["children"]]
        assert len(names) == len(set(names))
        for c in t["children"]:
            assert re.fullmatch(rf"{t['code']}-[a-z]{{1,8}}", c["code"]), c
            assert c["name"] and c["name_en"]


# --- dispatch.json ---------------------------------------------------------------------------


def test_dispatch_rules_reference_existing_things():
    depts, tcodes, ds = departments(), topic_codes(), districts()
    data = dispatch()
    for r in data["rules"]:
        assert r["topic"] in tcodes, r
        assert r["department"] in depts, r
        assert r.get("district") is None or r["district"] in ds, r
        assert r.get("line") is None or r["line"] in LINES, r
        assert isinstance(r["priority"], int), r
        if r.get("district"):
            dep = depts[r["department"]]
            assert dep["district"] == r["district"], f"rule sends {r['district']} to {dep['code']}"
    for line, dep in data["line_defaults"].items():
        assert line in LINES and dep in depts
    for k in data["keyword_rules"]:
        assert k["keywords"] and all(isinstance(w, str) and w for w in k["keywords"]), k
        assert len(set(k["keywords"])) == len(k["keywords"]), k
        assert k["department"] in depts and k["topic"] in tcodes, k
        assert isinstance(k["priority"], int), k
    assert data["fallback"] == "district_government"


def test_street_rules_send_a_street_to_its_own_unit():
    depts, tcodes = departments(), topic_codes()
    streets = {s["code"]: d["code"] for d in city()["districts"] for s in d["streets"]}
    rules = dispatch()["street_rules"]
    assert rules
    topical = max(r["priority"] for r in dispatch()["rules"])
    for r in rules:
        assert r["street"] in streets and r["district"] == streets[r["street"]], r
        assert depts[r["department"]]["level"] == "street" and r["department"] == r["street"], r
        assert r["topic"] is None or r["topic"] in tcodes, r
        assert r["line"] is None or r["line"] in LINES, r
        assert r["priority"] > topical, r  # the street's own unit before the district's bureaus


def test_every_topic_routes_at_city_level():
    city_rules = {
        r["topic"]
        for r in dispatch()["rules"]
        if r.get("district") is None and r.get("line") is None
    }
    missing = [c for c in topic_codes() if c not in city_rules]
    assert not missing, missing
    # and the catalogue routes many topics to the district's own bureau
    local = {r["topic"] for r in dispatch()["rules"] if r.get("district")}
    assert len(local) >= 10


def test_more_specific_rule_has_higher_priority():
    parent = topic_codes()
    rules = dispatch()["rules"]
    keys = [(r["topic"], r.get("district"), r.get("line")) for r in rules]
    assert len(keys) == len(set(keys)), "duplicate rule keys"

    def covers(general: dict, specific: dict) -> bool:
        t = specific["topic"]
        topic_ok = general["topic"] in (t, parent[t])
        return (
            topic_ok
            and general.get("district") in (None, specific.get("district"))
            and general.get("line") in (None, specific.get("line"))
        )

    for a, b in combinations(rules, 2):
        for general, specific in ((a, b), (b, a)):
            if covers(general, specific) and not covers(specific, general):
                assert specific["priority"] > general["priority"], (general, specific)


def test_emergency_keywords_outrank_topic_rules():
    top = max(r["priority"] for r in dispatch()["rules"])
    kws = dispatch()["keyword_rules"]
    for k in kws:
        assert k.get("urgency", "normal") in {"emergency", "utility", "normal"}, k
        if k.get("urgency") in {"emergency", "utility"}:
            assert k["priority"] > top, k
    gas = [k for k in kws if "燃气泄漏" in k["keywords"]]
    assert gas and gas[0]["department"] == "rqjt" and gas[0]["urgency"] == "emergency"


# --- corpus.csv ------------------------------------------------------------------------------


def test_corpus_header_and_rows_valid():
    header, rows = corpus()
    assert header == CORPUS_COLUMNS
    tcodes, ds = topic_codes(), districts()
    name_of = {t["code"]: t["name"] for t in topics()}
    for i, r in enumerate(rows, start=2):
        where = f"corpus.csv line {i}"
        assert r["topic"] in FIRST_LEVEL, where
        assert tcodes.get(r["subtopic"]) is not None, where
        assert name_of[tcodes[r["subtopic"]]] == r["topic"], where
        assert r["request_type"] in REQUEST_TYPES, where
        assert r["line"] in LINES, where
        assert r["channel"] in CHANNELS, where
        assert 15 <= len(r["text"]) <= 120, where
        assert r["text"] == r["text"].strip() and "\n" not in r["text"], where
        if r["district"]:
            d = ds[r["district"]]
            if r["address"]:
                assert r["address"].startswith(d["name"]), where
                assert any(t in r["address"] for s in d["streets"] for t in street_terms(s)), where
        else:
            assert not r["address"], where


def test_corpus_balance_and_mix():
    _, rows = corpus()
    per_topic = Counter(r["topic"] for r in rows)
    assert set(per_topic) == set(FIRST_LEVEL)
    assert all(50 <= n <= 70 for n in per_topic.values()), per_topic
    per_sub = Counter(r["subtopic"] for r in rows)
    assert all(per_sub[c] >= 3 for c, p in topic_codes().items() if p), per_sub
    types = Counter(r["request_type"] for r in rows)
    assert set(types) == REQUEST_TYPES
    assert types["投诉"] + types["咨询"] + types["求助"] > len(rows) / 2
    assert types["表扬"] < len(rows) * 0.06
    lines = Counter(r["line"] for r in rows)
    assert lines["12345"] > len(rows) / 2 and lines["12315"] and lines["12319"]
    assert {r["topic"] for r in rows if r["line"] == "12315"} <= {"商贸旅游", "卫生计生"}
    assert set(Counter(r["channel"] for r in rows)) == CHANNELS
    assert sum(1 for r in rows if r["district"]) > len(rows) / 2


def test_corpus_has_no_duplicate_texts():
    _, rows = corpus()
    norm = [re.sub(r"\s+", "", r["text"]) for r in rows]
    dupes = [t for t, n in Counter(norm).items() if n > 1]
    assert not dupes, dupes


def test_corpus_places_agree_with_district():
    """A text logged for one district does not name another district's street."""
    ds = city()["districts"]
    _, rows = corpus()
    for r in rows:
        if not r["district"]:
            continue
        own = {
            t
            for d in ds
            if d["code"] == r["district"]
            for s in d["streets"]
            for t in street_terms(s)
        }
        for d in ds:
            if d["code"] == r["district"]:
                continue
            for s in d["streets"]:
                for term in street_terms(s):
                    if term in r["text"] and not any(term in o and o in r["text"] for o in own):
                        pytest.fail(f"{r['text']!r} ({r['district']}) names {term} of {d['code']}")


def test_corpus_covers_urgent_and_messy_input():
    _, rows = corpus()
    texts = [r["text"] for r in rows]
    urgent_words = [
        "燃气味",
        "煤气味",
        "起火",
        "着火",
        "电梯困人",
        "困着",
        "被困",
        "爆裂",
        "塌陷",
        "暖气",
        "泄漏",
        "信号灯全部熄灭",
        "呕吐",
        "狂犬疫苗",
        "制氧机",
    ]
    urgent = [t for t in texts if any(w in t for w in urgent_words)]
    assert len(urgent) >= 15, urgent
    assert sum("****" in t or "＊＊＊＊" in t for t in texts) >= 3
    assert sum(bool(re.search(r"[０-９Ａ-Ｚａ-ｚ＊]", t)) for t in texts) >= 3


# --- provenance: the corpus is written fresh, not taken from the real messages ---------------

SHARED = 20  # characters
_BLOCK = SHARED // 2


def _shared_substrings(texts: list[str], haystack: str) -> list[tuple[int, str]]:
    """Corpus texts sharing >= SHARED consecutive characters with haystack.

    Any common substring of length SHARED contains a haystack block [p, p + SHARED/2) with p a
    multiple of SHARED/2, so looking up those blocks among every corpus (SHARED/2)-gram finds it.
    """
    index: dict[str, list[tuple[int, int]]] = {}
    for i, t in enumerate(texts):
        for pos in range(len(t) - _BLOCK + 1):
            index.setdefault(t[pos : pos + _BLOCK], []).append((i, pos))
    hits = []
    for p in range(0, len(haystack) - _BLOCK + 1, _BLOCK):
        for i, pos in index.get(haystack[p : p + _BLOCK], ()):
            t = texts[i]
            left = 0
            while pos - left > 0 and p - left > 0 and t[pos - left - 1] == haystack[p - left - 1]:
                left += 1
            right = 0
            while (
                pos + _BLOCK + right < len(t)
                and p + _BLOCK + right < len(haystack)
                and t[pos + _BLOCK + right] == haystack[p + _BLOCK + right]
            ):
                right += 1
            if left + _BLOCK + right >= SHARED:
                hits.append((i, t[pos - left : pos + _BLOCK + right]))
    return hits


def test_shared_substring_finder_works():
    texts = ["这是一个专门用来测试的句子，长度足够超过二十个字符没有问题。", "短句"]
    hay = "前缀内容" + texts[0][3:25] + "后缀内容"
    assert _shared_substrings(texts, hay)
    assert not _shared_substrings(texts, "前缀内容" + texts[0][3:21] + "后缀内容")


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason="real TipDM data not present")
def test_corpus_shares_no_20_character_run_with_real_data():
    _, rows = corpus()
    texts = [r["text"] for r in rows]
    hits = []
    for path in sorted(REAL_DATA.glob("*.csv")):
        if "label_hierarchy" in path.name:
            continue  # a generic topic catalogue, not citizen text
        hits += [
            (path.name, texts[i], s)
            for i, s in _shared_substrings(
                texts, path.read_text(encoding="utf-8", errors="replace")
            )
        ]
    assert not hits, hits[:5]
