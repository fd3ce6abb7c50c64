from __future__ import annotations

import importlib.util
import math
import unicodedata

import jieba
import pytest

import config
from classifier import data
from classifier import text as text_module
from classifier.text import Segmenter, normalize, stop_words
from tests.classifier.conftest import synthetic_corpus

TIPDM = config.load().data_dir


@pytest.mark.parametrize(("raw", "expected"), [
    ("电话13812345678请回电", "电话 PHONE 请回电"),
    ("手机+86 138 1234 5678", "手机 PHONE"),
    ("座机0731-84567890", "座机 PHONE"),
    ("身份证43010219900101123X", "身份证 IDNO"),
    ("老身份证430102900101123", "老身份证 IDNO"),
    ("见https://www.gov.cn/a?b=1&c=2，谢谢", "见 URL ,谢谢"),
    ("邮箱abc.d@qq.com。", "邮箱 EMAIL 。"),
    ("２０１９年ＡＢＣ", "0年abc"),
    ("全角（括号）　空格", "全角(括号) 空格"),
])
def test_normalize_masks_personal_data_and_folds_width(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_masking_keeps_the_surrounding_words() -> None:
    text = normalize("业主张三电话13900001111邮箱zs@163.com反映漏水")
    assert "13900001111" not in text and "zs@163.com" not in text
    assert text.startswith("业主张三电话") and text.endswith("反映漏水")


def test_user_words_change_segmentation() -> None:
    text = normalize("东湖花园小区在枫林二路")
    plain, city = Segmenter(), Segmenter(["东湖花园", "枫林二路"])
    assert "东湖花园" not in plain.words(text)
    assert {"东湖花园", "枫林二路"} <= set(city.words(text))


def test_user_words_stay_in_their_own_segmenter() -> None:
    Segmenter(["湖滨花苑"])
    assert "湖滨花苑" not in Segmenter().words("湖滨花苑小区")
    assert "湖滨花苑" not in jieba.lcut("湖滨花苑小区")


def test_stop_words_punctuation_and_digits_are_dropped() -> None:
    words = Segmenter().words(normalize("您好，我们的小区2019年停水了！"))
    assert "您好" in stop_words() and "您好" not in words
    assert "0" not in words and "，" not in words and "," not in words
    assert "小区" in words and "停水" in words


def _log_probability(tokenizer: jieba.Tokenizer, words: list[str]) -> float:
    total = math.log(tokenizer.total)
    return sum(math.log(tokenizer.FREQ.get(w) or 1) - total for w in words)


def _assert_same_or_tied(texts: list[str], user_words: list[str]) -> int:
    """rjieba's words equal jieba's, or both splits are equally likely (a tie each breaks
    its own way); returns the number of ties."""
    fast, reference = Segmenter(user_words, engine="rjieba"), Segmenter(user_words, engine="jieba")
    ref_tokenizer = reference._cut.__closure__[0].cell_contents
    ties = 0
    for text in texts:
        norm = normalize(text)
        a, b = fast._cut(norm), reference._cut(norm)
        if a != b:
            ties += 1
            assert "".join(a) == "".join(b)
            assert math.isclose(_log_probability(ref_tokenizer, a),
                                _log_probability(ref_tokenizer, b), rel_tol=1e-12)
    return ties


needs_rjieba = pytest.mark.skipif(importlib.util.find_spec("rjieba") is None,
                                  reason="rjieba not installed")


@needs_rjieba
def test_rjieba_segments_synthetic_texts_like_jieba() -> None:
    texts, _ = synthetic_corpus(per_label=10)
    assert _assert_same_or_tied([*texts, "东湖花园小区在枫林二路，A2区雨花街道"],
                                ["东湖花园", "枫林二路", "a0区"]) == 0


@pytest.mark.slow
@needs_rjieba
@pytest.mark.skipif(not data.available(TIPDM, files=[data.BODIES]), reason="TipDM data absent")
def test_rjieba_segments_the_real_bodies_like_jieba() -> None:
    texts, _ = data.tipdm_bodies(TIPDM)
    assert _assert_same_or_tied(texts[:500], []) == 0
    _assert_same_or_tied(texts[:500], ["a0区", "雨花区", "人社局", "住建局", "万家丽路"])


@pytest.mark.parametrize("raw", [
    "电话13812345678请回电", "号码 138 1234 5678。", "a@b.c", "写信x@y.cn或打0731-84567890",
    "见www.a.cn", "工号12345", "身份证号430102199001011234，手机+86-13900001111",
    "１３８１２３４５６７８", "数字٣٤٥٦٧٨٩٠١٢٣在里面", "末尾13812345678",
])
def test_masking_ascii_runs_only_equals_masking_the_whole_text(raw: str) -> None:
    folded = unicodedata.normalize("NFKC", raw).lower()
    whole = text_module._MASK.sub(lambda m: f" {m.lastgroup} ", folded)
    assert normalize(raw) == text_module._SPACES.sub(" ", text_module._DIGITS.sub("0", whole)).strip()


@pytest.mark.parametrize("raw", [
    "ｅ\u0301中文，ＡＢＣ", "中\u0301文", "e\u0301\u0323中", "\u1100\u1161中\u1100\u1161",
    "豈更車\u2f00\u2f08中文", "①②③市民来电", "ﾊﾟﾝ中ｶﾞ", "中文\U0002f800\U0001d400",
    "温度３０℃，面积５０㎡", "",
])
def test_normalizing_the_runs_between_ideographs_equals_nfkc_of_the_whole_text(raw: str) -> None:
    assert text_module._NOT_IDEOGRAPHS.sub(text_module._nfkc, raw) == unicodedata.normalize(
        "NFKC", raw)


@pytest.mark.skipif(not data.available(TIPDM, files=[data.BODIES]), reason="TipDM data absent")
def test_normalizing_the_runs_between_ideographs_equals_nfkc_on_the_real_bodies() -> None:
    texts, _ = data.tipdm_bodies(TIPDM)
    assert all(text_module._NOT_IDEOGRAPHS.sub(text_module._nfkc, t)
               == unicodedata.normalize("NFKC", t) for t in texts)
