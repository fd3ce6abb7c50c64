"""District, street and community extraction with aliases that contain one another."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.places import NO_MATCH, Gazetteer, PlaceMatch

RECORDS = [
    {
        "code": "dc",
        "name": "东城区",
        "aliases": ["东城"],
        "streets": [
            {"code": "dc-cym", "name": "朝阳门街道", "aliases": ["朝阳门"]},
            {"code": "dc-jgm", "name": "建国门街道", "aliases": ["建国门"]},
        ],
    },
    {
        "code": "cy",
        "name": "朝阳区",
        "aliases": ["朝阳"],
        "streets": [
            {"code": "cy-jw", "name": "建外街道", "aliases": ["建外", "建国门外"]},
            {"code": "cy-wj", "name": "望京街道", "aliases": ["望京"]},
            {"code": "cy-blz", "name": "八里庄街道", "aliases": ["八里庄"]},
        ],
    },
    {
        "code": "hd",
        "name": "海淀区",
        "aliases": ["海淀"],
        "streets": [
            {"code": "hd-hd", "name": "海淀街道", "aliases": ["海淀街"]},
            {"code": "hd-zgc", "name": "中关村街道", "aliases": ["中关村"]},
            {"code": "hd-blz", "name": "八里庄街道", "aliases": ["八里庄"]},
        ],
    },
    {"code": "a1", "name": "A1区", "aliases": ["A1"], "streets": []},
]
GAZETTEER = Gazetteer.from_records(RECORDS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("朝阳门外路灯不亮", PlaceMatch("dc", "dc-cym", "朝阳门", "content")),  # not 朝阳区
        ("建国门外大街噪音扰民", PlaceMatch("cy", "cy-jw", "建国门外", "content")),  # not 建国门
        ("建国门内大街积水", PlaceMatch("dc", "dc-jgm", "建国门", "content")),
        ("海淀街道办事处不作为", PlaceMatch("hd", "hd-hd", "海淀街道", "content")),  # not 海淀
        ("海淀区中关村停水", PlaceMatch("hd", "hd-zgc", "中关村", "content")),
        ("朝阳这边垃圾没人收", PlaceMatch("cy", None, "朝阳", "content")),
        ("望京小区停电", PlaceMatch("cy", "cy-wj", "望京", "content")),
        ("八里庄路面塌陷", NO_MATCH),  # a street name two districts share
        ("海淀区八里庄路面塌陷", PlaceMatch("hd", "hd-blz", "八里庄", "content")),
        ("朝阳八里庄街道路面塌陷", PlaceMatch("cy", "cy-blz", "八里庄街道", "content")),
        ("我住朝阳区，在海淀区上班，两边都有问题", NO_MATCH),
        ("望京和中关村都堵车", NO_MATCH),
        ("Ａ１区路灯坏了", PlaceMatch("a1", None, "A1区", "content")),  # full-width
        ("a1的井盖丢了", PlaceMatch("a1", None, "A1", "content")),
        ("路灯坏了", NO_MATCH),
        ("", NO_MATCH),
    ],
)
def test_find_in_text(text: str, expected: PlaceMatch) -> None:
    assert GAZETTEER.find(text) == expected


@pytest.mark.parametrize(
    ("text", "address", "expected"),
    [
        ("我住朝阳区，在海淀区上班", "朝阳区望京西路1号", PlaceMatch("cy", "cy-wj", "望京", "address")),
        ("海淀那边有人说", "朝阳区某小区", PlaceMatch("cy", None, "朝阳区", "address")),
        ("望京西路井盖丢了", "朝阳区", PlaceMatch("cy", "cy-wj", "望京", "content")),
        ("中关村的问题", "朝阳区", PlaceMatch("cy", None, "朝阳区", "address")),  # other district's street
        ("中关村停水", "某小区3号楼", PlaceMatch("hd", "hd-zgc", "中关村", "content")),  # address says nothing
        ("中关村停水", None, PlaceMatch("hd", "hd-zgc", "中关村", "content")),
    ],
)
def test_address_wins_over_text(text: str, address: str | None, expected: PlaceMatch) -> None:
    assert GAZETTEER.find(text, address=address) == expected


def test_words_lists_every_name_and_alias_once() -> None:
    words = GAZETTEER.words()
    assert len(words) == len(set(words))
    assert {"朝阳", "朝阳区", "朝阳门", "建国门外", "海淀街", "海淀街道", "A1", "A1区"} <= set(
        words
    )
    assert words.count("八里庄街道") == 1


@pytest.mark.parametrize(
    "records",
    [
        [{"code": "x", "name": "甲区"}, {"code": "x", "name": "乙区"}],
        [{"code": "x", "name": "甲区", "streets": [{"code": "x", "name": "甲街道"}]}],
        [{"code": "x", "name": "甲区", "aliases": [" "]}],
    ],
)
def test_bad_records_are_rejected(records: list[dict]) -> None:
    with pytest.raises(ValueError):
        Gazetteer.from_records(records)


NOISE = st.text(alphabet="的了有灯坏水漏，。 0123456789", max_size=12)
UNAMBIGUOUS = [
    (word, district["code"], None) for district in RECORDS for word in district["aliases"]
] + [
    (word, district["code"], street["code"])
    for district in RECORDS
    for street in district["streets"]
    if street["code"] not in {"cy-blz", "hd-blz"}
    for word in (street["name"], *street["aliases"])
]


@given(place=st.sampled_from(UNAMBIGUOUS), before=NOISE, after=NOISE)
def test_any_name_in_noise_is_found(
    place: tuple[str, str, str | None], before: str, after: str
) -> None:
    word, district, street = place
    assert GAZETTEER.find(before + word + after) == PlaceMatch(district, street, word, "content")


COMMUNITIES = Gazetteer.from_records([{
    "code": "a1", "name": "A1区", "aliases": ["A1"],
    "streets": [
        {"code": "a1-s1", "name": "东湖街道", "aliases": ["东湖"], "communities": [
            {"code": "a1-s1-c1", "name": "湖滨社区", "aliases": ["湖滨村", "幸福小区"]},
            {"code": "a1-s1-c2", "name": "东湖新村社区"}]},
        {"code": "a1-s2", "name": "迎春街道", "aliases": ["迎春"], "communities": [
            {"code": "a1-s2-c1", "name": "春晖社区", "aliases": ["幸福小区"]}]},
    ]}])


@pytest.mark.parametrize(
    ("text", "address", "expected"),
    [
        # A community's name pins its street and district, and is kept.
        ("湖滨社区路灯不亮", None, PlaceMatch("a1", "a1-s1", "湖滨社区", "content", "a1-s1-c1")),
        # The longest word: 东湖新村社区, not the street alias 东湖 inside it.
        ("东湖新村社区停水", None,
         PlaceMatch("a1", "a1-s1", "东湖新村社区", "content", "a1-s1-c2")),
        # The street's own name is the word that found the street; the community still counts.
        ("东湖街道湖滨社区积水", None,
         PlaceMatch("a1", "a1-s1", "东湖街道", "content", "a1-s1-c1")),
        # Two communities of one street: the street, no community.
        ("湖滨社区和东湖新村社区都停电", None, PlaceMatch("a1", "a1-s1", "湖滨社区", "content")),
        # Communities of two streets: neither street.
        ("湖滨社区和春晖社区都停电", None, PlaceMatch("a1", None, "湖滨社区", "content")),
        # The address's street, and a community of it named in the text.
        ("湖滨社区门口井盖丢了", "东湖街道",
         PlaceMatch("a1", "a1-s1", "东湖街道", "address", "a1-s1-c1")),
        # A community of another street in the text is not this street's.
        ("春晖社区的人来倒垃圾", "东湖街道", PlaceMatch("a1", "a1-s1", "东湖街道", "address")),
        ("路灯不亮", "A1区湖滨社区", PlaceMatch("a1", "a1-s1", "湖滨社区", "address", "a1-s1-c1")),
        # An alias (旧称 湖滨村) is the community's name too.
        ("湖滨村路灯不亮", None, PlaceMatch("a1", "a1-s1", "湖滨村", "content", "a1-s1-c1")),
        ("湖滨村的人来倒垃圾", "迎春街道", PlaceMatch("a1", "a1-s2", "迎春街道", "address")),
        # 幸福小区 names a community of each street: the address's street decides which ...
        ("幸福小区停水", "迎春街道", PlaceMatch("a1", "a1-s2", "迎春街道", "address", "a1-s2-c1")),
        ("幸福小区停水", "东湖街道", PlaceMatch("a1", "a1-s1", "东湖街道", "address", "a1-s1-c1")),
        # ... and with no street given, neither.
        ("幸福小区停水", None, PlaceMatch("a1", None, "幸福小区", "content")),
    ],
)
def test_a_community_is_found_within_its_street(text: str, address: str | None,
                                                expected: PlaceMatch) -> None:
    assert COMMUNITIES.find(text, address) == expected


def test_community_names_are_words_too() -> None:
    assert {"湖滨社区", "东湖新村社区", "春晖社区"} <= set(COMMUNITIES.words())
