"""The screening rules (webapp.screening): every rule's examples, the loader and the engine."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.extract import extract_from_file

from webapp.screening import (
    ACTIONS,
    CATEGORIES,
    Finding,
    Posting,
    RuleFileError,
    decide,
    engine,
    load_rules,
    normalise,
    resolve_trade,
    rules,
    screen,
)

TODAY = date(2026, 6, 1)  # the 2024 Henan standard: 一类 2100 a month, 20.6 an hour
PACKAGE = Path(engine.__file__).parent


def posting(**fields) -> Posting:
    """A posting from example fields (strings for numbers, as rules.toml writes them)."""
    amount, hours = fields.get("pay_amount"), fields.get("daily_hours")
    return Posting(
        id=fields.get("id", "t"),
        trade=fields.get("trade"),
        title=fields.get("title", ""),
        description=fields.get("description", ""),
        pay_amount=None if amount is None else Decimal(amount),
        pay_unit=fields.get("pay_unit"),
        settlement=fields.get("settlement"),
        area_code=fields.get("area_code"),
        daily_hours=None if hours is None else Decimal(hours),
    )


def codes(example) -> list[str]:
    fields = {"title": example} if isinstance(example, str) else dict(example)
    return [f.code for f in screen(posting(**fields), today=TODAY).findings]


# -- one test per rule: its positive and negative examples ---------------------------------------


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r.id)
def test_rule_examples(rule):
    missed = [hit for hit in rule.hits if rule.id not in codes(hit)]
    wrongly = [ok for ok in rule.passes if rule.id in codes(ok)]
    assert missed == [], f"{rule.id} should fire on these"
    assert wrongly == [], f"{rule.id} should not fire on these"


def test_every_category_has_a_rule():
    assert sorted({r.category for r in rules()}) == sorted(CATEGORIES)


def test_fees_and_loans_are_blocked_outright():
    # security.md requirement 10: postings that ask workers for fees or deposits are blocked.
    by_id = {r.id: r for r in rules()}
    for rule_id in ("fee_deposit", "fee_uniform", "fee_training", "fee_medical", "fee_agency"):
        assert by_id[rule_id].action == "block"
    assert by_id["loans"].action == "block"
    result = screen(posting(title="仓库分拣", description="入职先交押金200元"), today=TODAY)
    assert result.decision == "block"


def test_rules_are_read_once():
    assert rules() is rules()


# -- messages: rules.toml, the extracted msgids and messages_zh.json agree -------------------------


def test_every_reason_is_extracted_for_translation():
    with (PACKAGE / "engine.py").open("rb") as f:
        extracted = {m[1] for m in extract_from_file("python", f.name, keywords={"_l": None})}
    assert {r.message for r in rules()} == extracted


def test_messages_zh_json_matches_the_rules():
    catalogue = json.loads((PACKAGE / "messages_zh.json").read_text(encoding="utf-8"))
    assert catalogue == {r.message: r.message_zh for r in rules()}


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r.id)
def test_message_placeholders_agree(rule):
    def names(text):
        return sorted(re.findall(r"%\((\w+)\)s", text))

    assert names(rule.message) == names(rule.message_zh)


def test_messages_are_lazy_and_chinese_text_is_plain():
    result = screen(posting(trade="保洁", pay_amount="15", pay_unit="hour"), today=TODAY)
    (finding,) = result.findings
    # Outside an app, flask_babel gives the msgid back, formatted.
    assert str(finding.message) == (
        "Pay of 15 yuan an hour is below the local minimum wage of 20.6 yuan an hour."
    )
    assert finding.message_zh == "每小时15元，低于当地最低工资标准（每小时20.6元）。"
    assert result.records() == [
        {
            "code": "pay_below_minimum_hour",
            "category": "pay_below_minimum",
            "action": "block",
            "message": finding.message_zh,
        }
    ]
    assert result.reasons_zh == (finding.message_zh,)


# -- the decision ------------------------------------------------------------------------------


def _finding(action: str) -> Finding:
    return Finding(code="x", category="gender", action=action, message="m", message_zh="m")


def test_block_beats_review_and_nothing_passes():
    assert decide([]) == "pass"
    assert decide([_finding("review")]) == "review"
    assert decide([_finding("review"), _finding("block")]) == "block"


def test_a_clean_posting_passes():
    clean = posting(
        trade="电工",
        title="急招维修电工2名",
        description="需持有效电工证，年满18周岁，男女不限，包吃住，每天8小时。",
        pay_amount="260",
        pay_unit="day",
        settlement="daily",
    )
    assert screen(clean, today=TODAY).decision == "pass"


def test_findings_keep_rule_order_and_one_per_rule():
    bad = posting(title="限男 35岁以下", description="限男性，押金200元，押金300")
    found = [f.code for f in screen(bad, today=TODAY).findings]
    assert found == ["gender_male_only", "age_upper_limit", "fee_deposit"]


def test_screening_is_deterministic():
    bad = posting(trade="保洁", title="保洁 日结3000", pay_amount="3000", pay_unit="day")
    assert screen(bad, today=TODAY) == screen(bad, today=TODAY)


# -- normalisation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("限 男*性", "限男性"),
        ("男\u3000性", "男性"),
        ("男👨‍🔧性", "男性"),
        ("男.性", "男性"),
        ("３５岁以下", "35岁以下"),
        ("三十五岁以下", "35岁以下"),
        ("年满十八周岁", "年满18周岁"),
        ("日结三千", "日结3000"),
        ("保洁员（女）", "保洁员限女"),
        ("♂限", "男限"),
        ("ＶＸ：ａｂｃ", "vx:abc"),
        ("138 1234 5678", "138 1234 5678"),
        ("年龄：18 - 45 岁", "年龄18 - 45岁"),
        ("三五百元", "三五百元"),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


# -- pay ---------------------------------------------------------------------------------------


def test_day_rate_uses_stated_hours_else_the_monthly_standard():
    # 8 stated hours: 8 x 20.6 = 164.8; no hours: 2100 / 21.75 = 96.55
    def day(**extra):
        return codes({"pay_amount": "150", "pay_unit": "day", **extra})

    assert "pay_below_minimum_day" in day(daily_hours="8")
    assert "pay_below_minimum_day" in day(description="每天工作8小时")
    assert "pay_below_minimum_day" not in day()
    assert "pay_below_minimum_day" not in day(daily_hours="7")  # 144.2
    # A 24-hour (live-in, 陪护) day counts standby and rest time: the monthly standard applies.
    assert "pay_below_minimum_day" not in day(daily_hours="24")
    assert "pay_below_minimum_day" not in day(description="24小时陪护")


def test_minimum_wage_follows_the_area_and_the_date():
    hourly = {"pay_amount": "19.6", "pay_unit": "hour"}
    assert "pay_below_minimum_hour" in codes(hourly)  # 郑州, 一类: 20.6
    assert "pay_below_minimum_hour" not in codes({**hourly, "area_code": "410325"})  # 嵩县 二类
    assert "pay_below_minimum_hour" not in codes({**hourly, "area_code": "110101"})  # not on file
    old = screen(posting(**hourly), today=date(2023, 6, 1))  # 一类 19.6 then
    assert [f.code for f in old.findings] == []
    before_records = screen(posting(**hourly), today=date(2010, 1, 1))
    assert before_records.decision == "pass"


def test_piece_rates_are_checked_only_on_a_stated_estimate():
    piece = {"pay_amount": "0.3", "pay_unit": "piece"}
    assert codes(piece) == []
    assert codes({**piece, "description": "熟手一天能挣60元"}) == ["pay_below_minimum_day"]
    assert codes({**piece, "description": "熟手一天能挣200元"}) == []


def test_unknown_trades_skip_only_the_wage_guide():
    assert codes({"trade": "月嫂", "pay_amount": "3000", "pay_unit": "day"}) == []
    assert codes({"trade": "月嫂", "pay_amount": "15", "pay_unit": "hour"}) == [
        "pay_below_minimum_hour"
    ]
    assert codes({"trade": "月嫂", "title": "限男"}) == ["gender_male_only"]


def test_pay_written_in_the_text_is_checked_against_the_guide():
    found = codes({"trade": "保洁", "description": "日结3000", "pay_amount": "150"})
    assert "pay_too_high_hour" in found


def test_scam_pay_is_not_also_reported_as_above_guide():
    found = codes({"trade": "洗碗工", "pay_amount": "1500", "pay_unit": "day"})
    assert "pay_too_high_day" in found
    assert "pay_above_guide_day" not in found


def test_posting_from_a_gig_row():
    class Unit(StrEnum):
        DAY = "day"

    gig = SimpleNamespace(
        public_id="G1",
        id=7,
        trade_code="4-09-07-01",
        title="保洁",
        description=None,
        pay_amount=Decimal("3000"),
        pay_unit=Unit.DAY,
        settlement=SimpleNamespace(value="daily"),
        area_code="410105",
        daily_hours=Decimal("8"),
    )
    made = Posting.from_gig(gig)
    assert (made.id, made.pay_unit, made.settlement, made.description) == ("G1", "day", "daily", "")
    assert screen(made, today=TODAY).decision == "review"


# -- trades ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("4-09-07-01", "4-09-07-01"),
        ("保洁", "4-09-07-01"),
        ("电工", "6-31-01-03"),
        ("小工", "6-29-99-00"),
        ("建筑小工", "6-29-99-00"),
        ("力工", "6-29-99-00"),
        ("电焊", "6-18-02-04"),
        ("服务员", "4-03-02-05"),
        ("保姆", "4-10-01-06"),
        ("水电工", "6-29-03-02"),
        ("叉车", "6-30-05-01"),
        ("ＦＯＯ", None),
        ("月嫂", None),
        ("", None),
        (None, None),
    ],
)
def test_resolve_trade(value, code):
    found = resolve_trade(value)
    assert (found.code if found else None) == code


# -- loading and validation ----------------------------------------------------------------------

GOOD = """
[fragments]
who = '男|女'
[[rule]]
id = "demo"
category = "gender"
action = "review"
message = "Demo."
message_zh = "演示。"
patterns = ['限(?:{{who}})']
hits = ["限男"]
passes = ["不限"]
"""


def test_a_minimal_rule_file_loads():
    (rule,) = load_rules(GOOD)
    assert rule.patterns[0].pattern == "限(?:(?:男|女))"
    assert rule.action in ACTIONS


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (('category = "gender"', 'category = "looks"'), "unknown category 'looks'"),
        (('action = "review"', 'action = "warn"'), "unknown action 'warn'"),
        (("'限(?:{{who}})'", "'限(男'"), "bad regular expression"),
        (("'限(?:{{who}})'", "'限{{nobody}}'"), "unknown fragment"),
        (("'限(?:{{who}})'", "'(?:男)?'"), "matches the empty string"),
        (('hits = ["限男"]', "hits = []"), "at least one example"),
        (('id = "demo"', 'id = "Demo rule"'), "ids are lower-case"),
        (('message_zh = "演示。"', 'message_zh = ""'), "'message_zh' must be a non-empty string"),
        (('message = "Demo."', 'message = "Demo %(x)s."'), "take no %(name)s placeholders"),
        (("[[rule]]", "[[rule]]\ncolour = 1"), "unknown keys ['colour']"),
        (("[[rule]]", "[[rule]]\nkind = 'magic'"), "unknown kind 'magic'"),
        (("who = '男|女'", "who = '('"), "fragment 'who': bad regular expression"),
        (("[[rule]]", "[rule]"), "no [[rule]] entries"),
        (("[[rule]]", "[[rule"), "not valid TOML"),
    ],
)
def test_bad_rule_files_fail_at_load_with_a_clear_error(change, error):
    old, new = change
    assert old in GOOD
    with pytest.raises(RuleFileError, match=re.escape(error)):
        load_rules(GOOD.replace(old, new, 1))


def test_duplicate_ids_are_refused():
    rule_part = GOOD.split("[[rule]]", 1)[1]
    with pytest.raises(RuleFileError, match="duplicate rule ids: \\['demo'\\]"):
        load_rules(GOOD + "[[rule]]" + rule_part)


PAY = """
[[rule]]
id = "low"
kind = "pay"
check = "below_minimum"
unit = "hour"
category = "pay_below_minimum"
action = "block"
message = "Pay %(pay)s under %(minimum)s."
message_zh = "%(pay)s低于%(minimum)s。"
hits = [{ pay_amount = "1", pay_unit = "hour" }]
passes = [{ pay_amount = "99", pay_unit = "hour" }]
"""


def test_pay_rules_are_validated():
    (rule,) = load_rules(PAY)
    assert (rule.kind, rule.check, rule.unit) == ("pay", "below_minimum", "hour")
    with pytest.raises(RuleFileError, match="unknown check 'between'"):
        load_rules(PAY.replace('check = "below_minimum"', 'check = "between"'))
    with pytest.raises(RuleFileError, match="unit of a below_minimum rule"):
        load_rules(PAY.replace('unit = "hour"', 'unit = "week"'))
    with pytest.raises(RuleFileError, match="may use only \\['minimum', 'pay'\\]"):
        load_rules(PAY.replace("%(minimum)s.", "%(median)s."))
    with pytest.raises(RuleFileError, match="take no patterns"):
        load_rules(PAY.replace('kind = "pay"', "kind = \"pay\"\npatterns = ['x']"))
    with pytest.raises(RuleFileError, match="two pay rules share a check and unit"):
        load_rules(PAY + PAY.replace('id = "low"', 'id = "low2"'))
