"""Pure input rules: content, phone numbers, ticket numbers. No I/O."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.domain.content import MAX_CONTENT, clean_content, clean_optional, normalise_text
from hotline.domain.errors import InvalidInput
from hotline.domain.numbering import canonical, find_numbers, format_number
from hotline.domain.phones import is_mobile, mask_phone, normalise_phone


def test_full_width_letters_and_digits_become_ascii_but_chinese_punctuation_stays() -> None:
    assert normalise_text("电梯１２３号ＡＢ停运！（急）") == "电梯123号AB停运！（急）"


def test_white_space_and_control_characters_are_tidied() -> None:
    assert normalise_text("  路灯\u3000\u3000不亮\x00\r\n\r\n\r\n\r\n请修  ") == "路灯 不亮\n\n请修"


@given(st.text())
def test_normalising_twice_changes_nothing(raw: str) -> None:
    once = normalise_text(raw)
    assert normalise_text(once) == once


def test_content_must_be_present_and_not_too_long() -> None:
    with pytest.raises(InvalidInput, match="不能为空"):
        clean_content(" \n\u3000 ")
    with pytest.raises(InvalidInput, match=str(MAX_CONTENT)):
        clean_content("长" * (MAX_CONTENT + 1))
    assert clean_content("<b>路灯</b>") == "<b>路灯</b>"  # kept as text, escaped on output
    assert clean_optional("", "name") is None


@pytest.mark.parametrize("raw", ["13812348000", "+86 138 1234 8000", "138-1234-8000", "008613812348000"])
def test_chinese_mobile_numbers_are_stored_as_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+8613812348000"


@pytest.mark.parametrize("raw", ["", "12", "abc", "1381234800012345", "+86 000"])
def test_malformed_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput) as err:
        normalise_phone(raw)
    assert err.value.field == "phone"


def test_phone_masking_and_kind() -> None:
    assert mask_phone("+8613812348000") == "138****8000"
    assert mask_phone(None) == ""
    assert is_mobile("+8613812348000")
    assert not is_mobile("+861087654321")  # a Beijing landline: answers go to the call-back list


def test_ticket_numbers_are_found_in_free_text_with_or_without_dash() -> None:
    from datetime import date

    assert format_number(date(2026, 11, 21), 123) == "20261121-000123"
    assert find_numbers("关于20261121-000123和20261120000045的补充") == [
        "20261121-000123", "20261120-000045"]
    assert find_numbers("电话13812348000") == []
    assert canonical(" 20261121000123 ") == "20261121-000123"
    assert canonical("20261121-000123 and more") is None
