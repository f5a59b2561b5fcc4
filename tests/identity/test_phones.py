"""Mainland mobile numbers: accepted spellings, and what must be turned away."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.identity import IdentityError, national_mobile, normalize_mobile


def code_of(value) -> str:
    """The IdentityError code normalize_mobile raises for value."""
    with pytest.raises(IdentityError) as info:
        normalize_mobile(value)
    return info.value.code


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        " 138 1234 5678 ",
        "138-1234-5678",
        "+86 13812345678",
        "+86-138-1234-5678",
        "8613812345678",
        "008613812345678",
        "(+86) 138 1234 5678",
        "１３８１２３４５６７８",
    ],
)
def test_accepted_spellings(value):
    assert normalize_mobile(value) == "+8613812345678"


@pytest.mark.parametrize("value", ["19912345678", "17012345678", "16612345678", "15012345678"])
def test_other_mobile_ranges(value):
    assert normalize_mobile(value) == "+86" + value


@pytest.mark.parametrize(
    "value",
    [
        "010-12345678",  # Beijing landline
        "02012345678",  # Guangzhou landline
        "0755 8888 8888",  # Shenzhen landline
        "+86 10 1234 5678",
        "+1 650 253 0000",  # United States
        "+852 9123 4567",  # a Hong Kong mobile
        "+44 7911 123456",  # a United Kingdom mobile
    ],
)
def test_landlines_and_foreign_numbers_are_not_mobiles(value):
    assert code_of(value) == "phone_not_mobile"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "110",
        "10086",
        "95588",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12345678901",  # no such range
        "138CALLMEXX",  # keypad letters
        "13812345678 ext 12",
        "+86 138 1234 5678;ext=1",
        "13812345678#12",  # extensions, even without letters
        "13812345678,12",
        "not a number",
        None,
        13812345678,
    ],
)
def test_short_broken_and_non_text_values_are_invalid(value):
    assert code_of(value) == "phone_invalid"


def test_national_form():
    assert national_mobile("+8613812345678") == "13812345678"
    assert national_mobile("138 1234 5678") == "13812345678"
    with pytest.raises(IdentityError):
        national_mobile("+16502530000")


@given(st.one_of(st.text(), st.text(alphabet="+0123456789 -()", max_size=20)))
def test_garbage_only_ever_raises_identity_error(value):
    try:
        e164 = normalize_mobile(value)
    except IdentityError:  # any other exception escapes and fails
        return
    assert e164.startswith("+861")
    assert len(e164) == 14
