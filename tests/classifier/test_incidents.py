"""The incident grouping: paraphrases of one incident are found, another problem in the same
street is not, and only the same bucket and window count."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

from classifier.incidents import (
    _PLACE,
    CONFLICT_PENALTY,
    THRESHOLD,
    IncidentIndex,
    _problem_words,
    canonical,
    conflicts,
    entities,
    problems,
    problems_conflict,
    venues,
    venues_conflict,
)

# The benchmark's own texts (bench/clusters/paraphrases.csv), in another bucket, give the index
# document frequencies as at a centre with open tickets: idf over two texts means nothing.
PARAPHRASES = Path(__file__).resolve().parents[2] / "bench" / "clusters" / "paraphrases.csv"

PROBLEMS = Path(__file__).resolve().parents[2] / "classifier" / "incident_problems.txt"
STREET = ("A1区东风街道", "供水")
BURST = "东风路和建设路口的自来水管爆了，水一直往外冒，路面都淹了"
PARAPHRASE = "东风路建设路口那里自来水管爆裂了，水流了一地，车都过不去"
OTHER = "东风街道幸福小区门口路灯坏了好几盏，晚上一片漆黑"
NOW = datetime(2026, 12, 7, 12, 0)


def index_with(*texts: tuple[str, str], bucket=STREET, at=NOW) -> IncidentIndex:
    index = IncidentIndex()
    with PARAPHRASES.open(encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if row["group"] not in ("p01", "p03"):
                index.add(("background", i), row["text"], "elsewhere", at)
    for key, text in texts:
        index.add(key, text, bucket, at)
    return index


def test_a_paraphrase_of_an_open_ticket_is_found() -> None:
    index = index_with(("T1", BURST), ("T2", OTHER))
    found = index.similar(PARAPHRASE, STREET, now=NOW)
    assert [n.key for n in found] == ["T1"]
    assert found[0].score >= THRESHOLD


def test_another_problem_in_the_same_street_is_not_grouped() -> None:
    index = index_with(("T1", BURST))
    assert index.similar(OTHER, STREET, now=NOW) == []


def test_only_the_same_bucket_and_window_are_candidates() -> None:
    index = index_with(("T1", BURST))
    assert index.similar(PARAPHRASE, ("A2区新城街道", "供水"), now=NOW) == []
    assert index.similar(PARAPHRASE, STREET, now=NOW + timedelta(hours=73)) == []
    assert [n.key for n in index.similar(PARAPHRASE, STREET, now=NOW + timedelta(hours=71))] == ["T1"]


def test_a_removed_ticket_is_no_longer_found_and_the_ticket_itself_is_excluded() -> None:
    index = index_with(("T1", BURST))
    assert index.similar(BURST, STREET, exclude="T1") == []
    index.remove("T1")
    assert index.similar(PARAPHRASE, STREET) == []
    assert "T1" not in index.docs and not any(bucket == STREET for bucket, _ in index.postings)


def test_named_places_and_numbers_are_read_whoever_writes_them() -> None:
    named, rest = entities("反映湖景花园三栋电梯坏了，东风路与建设路路口也堵")
    assert {("estate", "湖景花园"), ("building", "3"), ("road", "东风路"), ("road", "建设路")} <= named
    assert "湖景" not in rest and "电梯坏了" in rest
    assert entities("湖景花园3栋电梯坏了")[0] == entities("湖景花园三栋电梯故障")[0]
    assert not entities("过马路很危险，整个小区停水")[0]  # generic words name nothing


def test_conflicting_places_or_buildings_lower_the_score() -> None:
    same = "和平小区5栋电梯坏了，有人被困在里面"
    index = index_with(("B5", "和平小区五栋电梯停了，有人被困"), ("B8", "和平小区8栋电梯停了，有人被困"),
                       ("J", "丽景苑电梯停了，有人被困"))
    scores = {n.key: n.score for n in index.similar(same, STREET, threshold=-1.0)}
    assert scores["B5"] >= THRESHOLD
    assert scores["B8"] < scores["B5"] - CONFLICT_PENALTY / 2 and scores["J"] < scores["B5"]
    assert conflicts(entities(same)[0], entities("和平小区8栋电梯")[0])
    assert not conflicts(entities(same)[0], entities("和平小区那边电梯")[0])


def test_a_route_of_many_roads_does_not_conflict() -> None:
    a = entities("204路调整后走望仙路、东三路、东元路、星沙大道")[0]
    b = entities("204路改走开元路、凉塘路和人民路")[0]
    assert not conflicts(a, b)


def test_another_problem_at_the_same_estate_scores_below_a_paraphrase() -> None:
    index = index_with(("W", "和平小区从昨晚十点停水，一点水都没有"), ("L", "和平小区电梯一个星期没修好"))
    scores = {n.key: n.score for n in index.similar("反映和平小区停水十几个小时", STREET, threshold=-1.0)}
    assert scores["W"] > scores.get("L", -1.0)


def test_callers_words_for_one_problem_read_as_its_name() -> None:
    assert problems("和平小区今天一早就断水了，到现在没来水") == {"停水"}
    assert "停水" in canonical("家里水龙头一滴水都没有") and "没水" not in canonical("小区没水了")
    assert problems("东风路自来水管爆了，水一直往外冒") == {"爆管"}  # 自来水 is no outage
    assert problems("路口的信号灯不亮了") == {"红绿灯"}


def test_every_problem_name_reads_as_itself_and_brings_no_place_word() -> None:
    words = dict(line.split("\t", 1) for line in PROBLEMS.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#"))
    assert set(words) == set(_problem_words().groupindex)
    for name, said in words.items():
        assert problems(name) == {name}
        assert not _PLACE.search(name) or said == name, name  # else 路面 would name a road


def test_two_problems_conflict_unless_a_text_names_many() -> None:
    assert problems_conflict(frozenset({"停水"}), frozenset({"电梯"}))
    assert not problems_conflict(frozenset({"停水"}), frozenset({"停水", "停电"}))
    assert not problems_conflict(frozenset({"停水"}), frozenset())
    assert not problems_conflict(frozenset({"停水"}), frozenset({"电梯", "物业费", "房产证"}))


def test_one_outage_worded_differently_is_one_incident_and_a_lift_at_the_estate_is_not() -> None:
    index = index_with(("W", "和平小区今天一早就断水了，到现在还没来水"), ("L", "和平小区电梯坏了，到现在还没人来修"))
    scores = {n.key: n.score for n in index.similar("和平小区停水大半天，家里水龙头一滴水都没有", STREET,
                                                     threshold=-1.0)}
    assert scores["W"] >= THRESHOLD
    assert scores.get("L", -1.0) < THRESHOLD


def test_two_words_for_one_problem_make_one_text() -> None:
    index = index_with(("A", "和平小区断水一上午了"))
    assert [(n.key, n.score) for n in index.similar("和平小区没水一上午了", STREET)] == [("A", 1.0)]


PLACES = Path(__file__).resolve().parents[2] / "classifier" / "incident_places.txt"


def test_place_words_come_from_the_shipped_file() -> None:
    kinds = [line.split("\t", 1)[0] for line in PLACES.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert set(kinds) == set(_PLACE.groupindex) >= {"road", "estate", "facility"}
    # Names an estate by a word the file lists (华庭, 湾), not only 小区 and 花园.
    assert ("estate", "翠湖华庭") in entities("翠湖华庭从早上六点开始停水")[0]
    assert ("estate", "御景湾") in entities("御景湾没水半天了")[0]


def test_an_estate_and_a_market_of_one_street_are_two_spots() -> None:
    market = entities("金沙菜市场门口那个水果摊缺斤短两")[0]
    square = entities("金沙广场的超市称猪肉短斤少两")[0]
    assert conflicts(market, square)
    # ... and a text naming the market and the estate beside it is about the market.
    assert not conflicts(market, entities("金沙新村旁边的金沙菜市场秤不准")[0])
    index = index_with(("M", "金沙菜市场卖水果的秤不准，买三斤回来少了半斤"),
                       ("S", "金沙广场的超市称猪肉短斤少两，买两斤只有一斤七"))
    scores = {n.key: n.score for n in index.similar("举报金沙菜市场水果摊用鬼秤坑人", STREET, threshold=-1.0)}
    assert scores["M"] >= THRESHOLD > scores.get("S", -1.0)


def test_problems_a_centre_hears_at_one_estate_are_told_apart() -> None:
    assert problems("望江花园5栋顶楼漏水，一下雨家里天花板就滴水") == {"漏雨"}  # no burst main
    assert problems("平安小区的自来水停了一整夜") == {"停水"}
    assert problems("桂花小区六栋楼道灯全都不亮") == {"楼道灯"}
    assert problems("翠湖华庭门禁系统失灵，刷卡开不了门") == {"门禁"}
    assert problems_conflict(problems("金沙菜市场卖过期的熟食"), problems("金沙菜市场的秤不准"))


VENUES = Path(__file__).resolve().parents[2] / "classifier" / "incident_venues.txt"


def test_every_venue_name_reads_as_itself() -> None:
    words = dict(line.split("\t", 1) for line in VENUES.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#"))
    assert words and all(venues(name) == {name} for name in words)
    assert venues("平安路上新开的KTV每天营业到凌晨") == {"KTV"}  # read in lower case as written


def test_two_kinds_of_venue_on_one_road_are_two_incidents() -> None:
    assert venues_conflict(venues("平安路新开的那家酒吧每晚放音乐"), venues("平安路那家KTV半夜噪音扰民"))
    assert not venues_conflict(venues("青山路夜市的烧烤摊油烟"), venues("青山路那几家烧烤店油烟"))
    assert not venues_conflict(venues("平安路那家KTV半夜噪音扰民"), venues("平安路半夜太吵了"))
    index = index_with(("K", "投诉平安路那家KTV半夜噪音扰民，音响震得窗户都响"),
                       ("B", "平安路新开的那家酒吧每晚放音乐，声音大得楼上都能听见"))
    scores = {n.key: n.score for n in index.similar("平安路那个KTV半夜唱歌太吵了，音响震得楼上没法睡", STREET,
                                                     threshold=-1.0)}
    assert scores["K"] >= THRESHOLD > scores.get("B", -1.0)


def test_a_neighbour_is_no_name() -> None:
    assert entities("翠湖华庭隔壁工地夜里十二点还在施工")[0] == {("estate", "翠湖华庭")}
    assert problems("青山中学门口的人行道被挖开一个多月了") == {"开挖"}
