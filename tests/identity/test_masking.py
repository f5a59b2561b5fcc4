"""Masking for pages, exports and logs, including a logging filter on real handlers."""

import io
import logging
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.identity import (
    MaskingFilter,
    install_masking_filter,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    mask_uscc,
    synthesize_resident_id,
)

ID = "110105199001011234"
ID_X = "11010519491231002X"
PHONE = "13812345678"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (ID, "110***********1234"),
        (ID_X, "110***********002X"),
        ("11010519491231002x", "110***********002x"),
        ("110105491231002", "***********1002"),  # old 15-digit number
        ("123", "***"),
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+8613812345678", "138****5678"),
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("8613812345678", "138****5678"),
        ("10086", "*0086"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("买买提·艾力", "买*****"),
        ("John Smith", "J***"),
        ("Li", "L***"),
        ("张", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [("91110000600037341L", "91**************1L"), ("9111", "****"), ("", ""), (None, "")],
)
def test_mask_uscc(value, masked):
    assert mask_uscc(value) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"工人{ID}的电话是{PHONE}，请联系", "工人110***********1234的电话是138****5678，请联系"),
        (f"身份证号：{ID_X.lower()}。", "身份证号：110***********002x。"),
        ("证件 110105 19900101 1234 已登记", "证件 110***********1234 已登记"),
        ("电话+86 138 1234 5678/8613812345678", "电话138****5678/138****5678"),
        ("call 138-1234-5678 now", "call 138****5678 now"),
        ("tel=+8613812345678&id=" + ID, "tel=138****5678&id=110***********1234"),
    ],
)
def test_mask_text_finds_ids_and_mobiles(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "订单号 20231122138123456789 已支付",  # 20-digit order number containing a mobile
        "流水 1101051990010112345 号",  # 19 digits
        "编号 138123456789",  # 12 digits
        "编号 1381234567",  # 10 digits
        "座机 010-12345678，邮编 100000",
        "金额 12345678901.50 元",  # 11 digits, but not a mobile range
        "2025-06-15 08:30:00 共 17 人",
    ],
)
def test_mask_text_leaves_other_digit_runs_alone(text):
    assert mask_text(text) == text


ids = st.builds(
    synthesize_resident_id,
    st.sampled_from(["110105", "310115", "440305", "650102"]),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2009, 1, 1)),
    st.integers(min_value=0, max_value=99),
    st.sampled_from(["M", "F"]),
)
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
filler = st.text(alphabet="零工市场报名电话身份证号，。: abcXYZ", max_size=12)


@given(filler, ids, filler.filter(bool), mobiles, filler)
def test_mask_text_never_leaves_an_identity(before, id_number, middle, mobile, after):
    masked = mask_text(before + id_number + middle + mobile + after)
    assert id_number not in masked
    assert mobile not in masked
    assert mask_id_number(id_number) in masked
    assert mask_phone(mobile) in masked
    assert mask_text(masked) == masked


@pytest.fixture
def captured():
    """A logger whose real StreamHandler writes to a buffer, and a child that propagates to it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    parent = logging.getLogger("test_identity_masking")
    parent.setLevel(logging.INFO)
    parent.propagate = False
    parent.addHandler(handler)
    yield parent, logging.getLogger("test_identity_masking.child"), handler, stream
    parent.removeHandler(handler)
    parent.filters.clear()


def test_filter_masks_log_arguments_of_child_loggers(captured):
    parent, child, handler, stream = captured
    install_masking_filter(parent)
    child.info("worker %s phone %s", ID, "+" + "86" + PHONE)
    expected = "INFO test_identity_masking.child worker 110***********1234 phone 138****5678\n"
    assert stream.getvalue() == expected


def test_filter_masks_exception_text(captured):
    parent, child, handler, stream = captured
    install_masking_filter(parent)
    try:
        raise ValueError(f"no worker with id {ID} or phone {PHONE}")
    except ValueError:
        child.exception("lookup failed")
    output = stream.getvalue()
    assert "Traceback" in output
    assert "ValueError: no worker with id 110***********1234 or phone 138****5678" in output
    assert ID not in output
    assert PHONE not in output


def test_filter_survives_bad_format_arguments(captured):
    parent, child, handler, stream = captured
    install_masking_filter(parent)
    child.info("worker %s phone %s", ID)  # one argument missing
    output = stream.getvalue()
    assert "110***********1234" in output
    assert ID not in output


def test_filter_masks_stack_info():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None, sinfo=f"id {ID}")
    assert MaskingFilter().filter(record) is True
    assert record.stack_info == "id 110***********1234"


def test_a_filter_on_the_logger_would_miss_propagated_records(captured):
    parent, child, handler, stream = captured
    parent.addFilter(MaskingFilter())  # the wrong place, as documented
    child.info("worker %s", ID)
    assert ID in stream.getvalue()


def test_install_adds_one_filter_per_handler(captured):
    parent, child, handler, stream = captured
    second = logging.StreamHandler(io.StringIO())
    parent.addHandler(second)
    try:
        install_masking_filter(parent)
        install_masking_filter(parent)
        for each in (handler, second):
            assert sum(isinstance(f, MaskingFilter) for f in each.filters) == 1
    finally:
        parent.removeHandler(second)


def test_install_defaults_to_the_root_logger(monkeypatch):
    handler = logging.StreamHandler(io.StringIO())
    monkeypatch.setattr(logging.getLogger(), "handlers", [handler])
    install_masking_filter()
    assert any(isinstance(f, MaskingFilter) for f in handler.filters)
