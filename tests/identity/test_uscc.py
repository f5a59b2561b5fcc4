"""Unified social credit codes: GB 32100 rules, including the A/N/Y codes stdnum rejects."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from webapp.identity import IdentityError, is_valid_uscc, synthesize_uscc, validate_uscc
from webapp.identity.uscc import ALPHABET, DEPARTMENT_TYPES, organisation_code_check_char

# Real codes (from python-stdnum's test data): enterprises, 个体工商户, a 事业单位, new MA codes.
KNOWN = [
    "91110000600037341L",
    "121200004013590816",
    "9115220107837757XE",
    "91310115MA1K3BTP2B",
    "91340600MA2PBM9HXD",
    "91620105L015101280",
    "92340602MA2PBMEM24",
    "92340621MA2PBNFH07",
    "92340621MA2UK3PJXE",
]


def with_check(first17: str) -> str:
    """Append the MOD 31-3 check character."""
    return first17 + stdnum_uscc.calc_check_digit(first17)


def code_of(value) -> str:
    """The IdentityError code validate_uscc raises for value."""
    with pytest.raises(IdentityError) as info:
        validate_uscc(value)
    return info.value.code


@pytest.mark.parametrize("code", KNOWN)
def test_known_codes_are_valid_and_synthesize_reproduces_them(code):
    assert validate_uscc(code) == code
    assert stdnum_uscc.is_valid(code)
    # The 9th org-code character follows GB 11714 in real codes, so synthesize rebuilds them.
    assert synthesize_uscc(code[0], code[1], code[2:8], code[8:16]) == code


@pytest.mark.parametrize(
    ("body", "check"), [("60003734", "1"), ("MA2PBM9H", "X"), ("MA2PBNFH", "0"), ("00000000", "0")]
)
def test_gb_11714_check_character(body, check):
    assert organisation_code_check_char(body) == check


def test_normalisation():
    assert validate_uscc(" 91 110000 600037341l ") == "91110000600037341L"
    assert validate_uscc("９１１１００００６０００３７３４１Ｌ") == "91110000600037341L"


@pytest.mark.parametrize(
    ("department", "org_type", "region"),
    [("A", "1", "110000"), ("N", "2", "330106"), ("N", "9", "440305"), ("Y", "1", "310115")],
)
def test_a_n_y_codes_are_accepted_where_stdnum_rejects_them(department, org_type, region):
    code = synthesize_uscc(department, org_type, region, "MA2PBM9H")
    assert validate_uscc(code) == code
    assert not stdnum_uscc.is_valid(code)


@pytest.mark.parametrize("code", KNOWN)
def test_every_wrong_check_character_is_rejected(code):
    for char in ALPHABET.replace(code[-1], ""):
        assert code_of(code[:-1] + char) == "uscc_checksum"


@given(st.sampled_from(KNOWN), st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_caught(code, position, char):
    changed = code[:position] + char + code[position + 1 :]
    assert is_valid_uscc(changed) is (changed == code)


@pytest.mark.parametrize("letter", "IOSVZ")
def test_letters_outside_the_alphabet_are_rejected(letter):
    first17 = "91110000" + letter + "00037341"
    assert code_of(first17 + "L") == "uscc_format"
    assert code_of("91110000600037341" + letter) == "uscc_format"


@pytest.mark.parametrize("prefix", ["94", "99", "Y2", "A2", "N4", "22", "10", "B1", "0A"])
def test_department_and_type_must_match(prefix):
    code = with_check(prefix + "110000" + "600037341")
    assert code_of(code) == "uscc_department"


def test_region_must_be_digits():
    assert code_of(with_check("9111000A600037341")) == "uscc_format"


@pytest.mark.parametrize("value", ["", "91110000600037341", "91110000600037341L1", None, 9])
def test_length_and_type(value):
    assert code_of(value) == "uscc_format"


departments = st.sampled_from(sorted(DEPARTMENT_TYPES))


@given(
    departments.flatmap(lambda d: st.tuples(st.just(d), st.sampled_from(DEPARTMENT_TYPES[d]))),
    st.from_regex(r"[0-9]{6}", fullmatch=True),
    st.text(alphabet=ALPHABET, min_size=8, max_size=8),
)
def test_synthesize_validate_round_trip(department_type, region, org8):
    department, org_type = department_type
    code = synthesize_uscc(department, org_type, region, org8)
    assert validate_uscc(code) == code
    assert code[:2] == department + org_type
    assert code[8:16] == org8
    assert code[16] == organisation_code_check_char(org8)


@given(st.one_of(st.text(), st.text(alphabet=ALPHABET + "IOSVZ -", min_size=16, max_size=20)))
def test_garbage_only_ever_raises_identity_error(value):
    if is_valid_uscc(value):  # any other exception escapes and fails
        assert len(validate_uscc(value)) == 18
    else:
        with pytest.raises(IdentityError) as info:
            validate_uscc(value)
        assert info.value.code.startswith("uscc_")


def test_synthesize_argument_checks():
    with pytest.raises(ValueError, match="department"):
        synthesize_uscc("9", "9", "110000", "60003734")
    with pytest.raises(ValueError, match="department"):
        synthesize_uscc("9", "12", "110000", "60003734")
    with pytest.raises(ValueError, match="region_code"):
        synthesize_uscc("9", "1", "11000", "60003734")
    with pytest.raises(ValueError, match="org_code8"):
        synthesize_uscc("9", "1", "110000", "6000373O")
