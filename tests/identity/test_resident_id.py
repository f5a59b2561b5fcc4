"""Resident ID numbers: checksum, birth date and age rules, and where python-stdnum falls short."""

import ast
import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from webapp.identity import (
    IdentityError,
    age_band,
    is_valid_resident_id,
    parse_resident_id,
    resident_id_check_digit,
    synthesize_resident_id,
)
from webapp.identity.resident_id import PROVINCE_CODES

TODAY = date(2025, 6, 15)
IDENTITY_DIR = Path(__file__).parents[2] / "webapp" / "identity"

regions = st.builds(
    str.__add__, st.sampled_from(sorted(PROVINCE_CODES)), st.from_regex(r"[0-9]{4}", fullmatch=True)
)
adult_births = st.dates(min_value=date(1905, 1, 1), max_value=date(2009, 6, 15))
sexes = st.sampled_from(["M", "F"])
sequences = st.integers(min_value=0, max_value=99)
valid_numbers = st.builds(synthesize_resident_id, regions, adult_births, sequences, sexes)


def code_of(value: str, **kw) -> str:
    """The IdentityError code parse_resident_id raises for value."""
    with pytest.raises(IdentityError) as info:
        parse_resident_id(value, **kw)
    return info.value.code


@given(regions, adult_births, sequences, sexes)
def test_synthesized_numbers_round_trip(region, birth, sequence, sex):
    number = synthesize_resident_id(region, birth, sequence, sex)
    parsed = parse_resident_id(number, today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.sex == sex
    assert parsed.region_code == region
    assert ric.calc_check_digit(number) == number[-1]  # stdnum agrees on the check digit


@given(valid_numbers)
def test_every_single_changed_character_is_caught(number):
    for position in range(18):
        alphabet = "0123456789" + ("X" if position == 17 else "")
        for char in alphabet.replace(number[position], ""):
            changed = number[:position] + char + number[position + 1 :]
            assert code_of(changed, today=TODAY) == "id_checksum"


def test_gb_11643_example_check_digit():
    assert resident_id_check_digit("11010519491231002") == "X"
    assert parse_resident_id("11010519491231002X", today=TODAY).sex == "F"


@pytest.mark.parametrize("bad", ["1101051949123100", "1101051949123100２X", "110105194912310021"])
def test_check_digit_needs_17_ascii_digits(bad):
    with pytest.raises(ValueError, match="17 ASCII digits"):
        resident_id_check_digit(bad)


def test_lower_case_x_spaces_and_full_width_digits_are_accepted():
    assert parse_resident_id(" 110105 19491231 002x ", today=TODAY).number == "11010519491231002X"
    assert parse_resident_id("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).number == (
        "11010519491231002X"
    )


def test_future_birth_date_is_rejected_although_stdnum_accepts_it():
    fixed = synthesize_resident_id("110105", date(2025, 6, 16), 1, "M")
    assert ric.is_valid(fixed)
    assert code_of(fixed, today=TODAY, min_age=0) == "id_future_birth"
    far = synthesize_resident_id("110105", date(2099, 1, 1), 1, "F")
    assert ric.is_valid(far)
    assert code_of(far, min_age=0) == "id_future_birth"  # against the real clock


def test_born_today_is_not_future():
    number = synthesize_resident_id("110105", TODAY, 1, "F")
    assert parse_resident_id(number, today=TODAY, min_age=0).age_on(TODAY) == 0


@pytest.mark.parametrize(
    ("birth", "ok"),
    [
        (date(2009, 6, 15), True),  # sixteenth birthday today
        (date(2009, 6, 16), False),  # sixteen tomorrow
        (date(2009, 6, 14), True),
        (date(2010, 1, 1), False),
    ],
)
def test_legal_working_age_boundary(birth, ok):
    number = synthesize_resident_id("440305", birth, 7, "M")
    assert is_valid_resident_id(number, today=TODAY) is ok
    if not ok:
        assert code_of(number, today=TODAY) == "id_too_young"


def test_min_age_is_the_callers_choice():
    number = synthesize_resident_id("440305", date(2008, 1, 1), 7, "M")  # 17 on TODAY
    assert is_valid_resident_id(number, today=TODAY)
    with pytest.raises(IdentityError) as info:
        parse_resident_id(number, today=TODAY, min_age=18)
    assert info.value.code == "id_too_young"
    assert str(info.value) == "You must be at least 18 years old to register."


def test_leap_day_birthday_counts_from_march_first():
    number = synthesize_resident_id("110105", date(2008, 2, 29), 3, "F")
    parsed = parse_resident_id(number, min_age=0)
    assert parsed.age_on(date(2024, 2, 28)) == 15
    assert parsed.age_on(date(2024, 2, 29)) == 16
    assert parsed.age_on(date(2025, 2, 28)) == 16


def test_too_old_and_before_1900():
    old = synthesize_resident_id("110105", date(1904, 6, 14), 1, "M")  # 121 on TODAY
    assert code_of(old, today=TODAY) == "id_too_old"
    assert is_valid_resident_id(old, today=TODAY, max_age=130)
    ancient = synthesize_resident_id("110105", date(1899, 12, 31), 1, "M")
    assert ric.is_valid(ancient)  # stdnum has no lower bound either
    assert code_of(ancient, today=TODAY, max_age=200) == "id_birth_date"


def test_impossible_calendar_date():
    first17 = "11010519900230123"
    assert code_of(first17 + resident_id_check_digit(first17), today=TODAY) == "id_birth_date"


def test_fifteen_digit_old_numbers_get_their_own_message():
    with pytest.raises(IdentityError) as info:
        parse_resident_id("110105491231002", today=TODAY)
    assert info.value.code == "id_length"
    assert "15-digit" in str(info.value)
    assert code_of("11010519491231002", today=TODAY) == "id_length"


@pytest.mark.parametrize("province", ["00", "10", "19", "39", "47", "55", "66", "71", "84", "99"])
def test_unknown_province_codes_are_rejected(province):
    first17 = province + "010519900101123"
    assert code_of(first17 + resident_id_check_digit(first17), today=TODAY) == "id_region"


@pytest.mark.parametrize(
    "number",
    [
        pytest.param(synthesize_resident_id("310115", date(1980, 5, 1), 12, "F"), id="浦东-1993"),
        pytest.param(synthesize_resident_id("110111", date(1970, 5, 1), 12, "M"), id="房山-1986"),
        pytest.param(synthesize_resident_id("810000", date(1990, 5, 1), 12, "M"), id="HK-1997"),
        pytest.param(synthesize_resident_id("830000", date(1990, 5, 1), 12, "F"), id="TW-none"),
    ],
)
def test_real_numbers_that_stdnums_birth_place_check_rejects_are_accepted(number):
    assert not ric.is_valid(number)
    assert is_valid_resident_id(number, today=TODAY)


def test_format_errors():
    assert code_of("11010519491231002Y", today=TODAY) == "id_format"
    assert code_of("1101051949123X002X", today=TODAY) == "id_format"
    assert code_of(None) == "id_format"
    assert code_of(110105194912310020) == "id_format"


@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789Xx -", min_size=14, max_size=21),
        st.from_regex(r"[0-9]{17}[0-9Xx]", fullmatch=True),
    )
)
def test_garbage_only_ever_raises_identity_error(value):
    if is_valid_resident_id(value, today=TODAY):  # any other exception escapes and fails
        assert len(parse_resident_id(value, today=TODAY).number) == 18
    else:
        with pytest.raises(IdentityError) as info:
            parse_resident_id(value, today=TODAY)
        assert info.value.code.startswith("id_")
        assert str(info.value)


def test_synthesize_sex_digit_and_argument_checks():
    for sequence in range(100):
        for sex, parity in (("M", 1), ("F", 0)):
            number = synthesize_resident_id("110105", date(1990, 1, 1), sequence, sex)
            assert int(number[16]) % 2 == parity
            assert number[14:16] == f"{sequence:02d}"
    with pytest.raises(ValueError, match="region_code"):
        synthesize_resident_id("11010", date(1990, 1, 1), 1, "M")
    with pytest.raises(ValueError, match="sequence"):
        synthesize_resident_id("110105", date(1990, 1, 1), 100, "M")
    with pytest.raises(ValueError, match="sex"):
        synthesize_resident_id("110105", date(1990, 1, 1), 1, "X")


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "<16"),
        (15, "<16"),
        (16, "16-24"),
        (24, "16-24"),
        (25, "25-34"),
        (34, "25-34"),
        (35, "35-44"),
        (44, "35-44"),
        (45, "45-59"),
        (59, "45-59"),
        (60, "60+"),
        (99, "60+"),
    ],
)
def test_age_bands(age, band):
    assert age_band(date(TODAY.year - age, TODAY.month, TODAY.day), TODAY) == band


def test_repr_and_error_never_show_the_number():
    number = synthesize_resident_id("110105", date(1990, 1, 1), 1, "M")
    assert number not in repr(parse_resident_id(number, today=TODAY))
    with pytest.raises(IdentityError) as info:
        parse_resident_id(number[:-1] + ("0" if number[-1] != "0" else "1"), today=TODAY)
    assert number[:17] not in repr(info.value) + str(info.value)
    assert isinstance(info.value, ValueError)
    assert str(info.value) == "The ID number's last digit does not match: please check it again."


def _msgids() -> set[str]:
    """Every string literal passed to _l() in the identity package."""
    found = set()
    for path in IDENTITY_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_l":
                found.add(node.args[0].value)
    return found


def test_every_message_has_a_chinese_translation():
    catalog = json.loads((IDENTITY_DIR / "messages_zh.json").read_text(encoding="utf-8"))
    msgids = _msgids()
    assert len(msgids) > 10
    assert set(catalog) == msgids
    for msgid, translation in catalog.items():
        assert translation.strip()
        assert translation != msgid
        assert ("%(age)s" in msgid) == ("%(age)s" in translation)
