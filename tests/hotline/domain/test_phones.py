"""Masking personal numbers and addresses in free text, as every public output shows it."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat

from hotline.domain.phones import mask_personal


@pytest.mark.parametrize("written", [
    "Tel13912345678", "139.1234.5678", "1391 234 5678", "座机057188886666", "(0571)88886666",
    "+86 139 1234 5678", "0571-88886666", "(0571)8888-6666", "0086 139 1234 5678",
    "+86-571-88886666", "x0571-88886666y", "电话：0571—88886666", "手机１３９１２３４５６７８",
    "¥13912345678", "房号1302-13912345678", "1~139 1234 5678", "编号0 010 2000 0000",
])
def test_phone_numbers_are_masked_however_written(written: str) -> None:
    masked = mask_personal(f"请联系我{written}，谢谢") or ""
    assert "***" in masked
    for tail in ("5678", "6666", "0000"):  # no group of the number is left
        assert tail not in masked.replace("５６７８", "5678"), masked


@pytest.mark.parametrize("kept", [
    "工单20261206-000123", "工单号20261206000123", "2026-12-06 17:30", "2026年12月6日上午9点",
    "价格1280.50元", "金额 12,345,678.00 元", "邮编310000", "A1区3栋2单元1302室", "请拨打12345热线",
    "面积120平米，2019年买的", "温度-5到-10度",
])
def test_ticket_numbers_dates_amounts_and_postcodes_survive(kept: str) -> None:
    assert mask_personal(kept) == kept


def test_ids_e_mail_and_the_citizens_own_name_are_masked() -> None:
    text = "我是张三 电话13812348000 身份证11010119900307123X 邮箱zhang.san+1@example.com.cn。"
    assert mask_personal(text, "张三") == "我是*** 电话*** 身份证*** 邮箱***。"
    assert mask_personal("", "张三") == "" and mask_personal(None) is None


AREA_CODES = ("10", "20", "21", "22", "23", "24", "25", "27", "28", "29", "311", "371", "431",
              "451", "531", "551", "571", "574", "591", "731", "755", "757", "769", "871",
              "898", "991")


@st.composite
def cn_numbers(draw: st.DrawFn) -> phonenumbers.PhoneNumber:
    """Valid mainland mobiles and landlines: random digits that phonenumbers accepts."""
    if draw(st.booleans()):
        national = "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9,
                                                                         max_size=9))
    else:
        subscriber = draw(st.text("0123456789", min_size=7, max_size=8))
        national = "0" + draw(st.sampled_from(AREA_CODES)) + draw(st.sampled_from("2345678")) \
            + subscriber
    try:  # 179xx is an IP-dialling prefix: phonenumbers refuses some such numbers outright
        number = phonenumbers.parse(national, "CN")
    except phonenumbers.NumberParseException:
        assume(False)
    assume(phonenumbers.is_valid_number(number))
    return number


def _written(number: phonenumbers.PhoneNumber, style: int, separator: str) -> str:
    """The ways people write a number: the library's formats, or regrouped by hand."""
    nsn = str(number.national_number)
    formats = (PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.NATIONAL)
    if style < len(formats):
        return phonenumbers.format_number(number, formats[style])
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
        # 3-4-4 or 4-3-4, optionally behind +86
        groups = [nsn[:3], nsn[3:7], nsn[7:]] if style % 2 else [nsn[:4], nsn[4:7], nsn[7:]]
        return ("+86 " if style > 4 else "") + separator.join(groups)
    area = len(nsn) - (8 if len(nsn) > 10 or nsn[:2] in ("10", "20", "21", "22", "23", "24", "25",
                                                         "27", "28", "29") else 7)
    if style % 2:
        return f"(0{nsn[:area]}){nsn[area:]}"
    return f"0{nsn[:area]}{separator}{nsn[area:]}"


JOINERS = re.escape("-‐‑‒–—―−ー－／/ \xa0\xad\u200b\u2060\u3000()（）［］.[]~⁓∼～\t\n")
SURROUNDING = st.text(st.characters(codec="utf-8", categories=("L", "P", "Zs", "Nd", "S"),
                                    include_characters="座机电话手机联系我谢谢"), max_size=12)


@given(cn_numbers(), st.integers(0, 6), st.sampled_from(["", " ", "-", ".", "\u3000"]),
       SURROUNDING, SURROUNDING)
def test_any_number_in_any_text_is_masked(number: phonenumbers.PhoneNumber, style: int,
                                          separator: str, before: str, after: str) -> None:
    # Joined to more digits (or a +) by nothing but separators, it reads as another, longer
    # number or none at all: not this one (the commonest such cases are tested above).
    assume(not re.search(rf"[\d+＋][{JOINERS}]*$", before) and not re.match(rf"[{JOINERS}]*\d", after))
    text = before + _written(number, style, separator) + after
    masked = mask_personal(text) or ""
    nsn = str(number.national_number)
    assert nsn not in masked and nsn not in re.sub(r"\D", "", masked), (text, masked)
