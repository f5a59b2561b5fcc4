"""The labelled corpus (corpus.jsonl) and the `gigs screen` command.

Acceptance: at least 95% of the discriminatory, fee-charging or scam postings are blocked or sent
to review, and at most 5% of the clean ones are flagged. Each line of the corpus is a posting as
the CLI reads it plus "label" (clean or bad), "category" (for bad ones: the category a finding
should name) and sometimes "note".
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from webapp.screening import Posting, screen
from webapp.screening.cli import gigs_cli
from webapp.screening.engine import CATEGORIES

CORPUS = Path(__file__).with_name("corpus.jsonl")
TODAY = date(2026, 6, 1)
CATEGORIES_COVERED = set(CATEGORIES)  # every category has bad postings in the corpus


def _rows() -> list[dict]:
    with CORPUS.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _posting(row: dict) -> Posting:
    def number(key):
        return None if row.get(key) is None else Decimal(str(row[key]))

    return Posting(
        id=row["id"],
        trade=row.get("trade"),
        title=row.get("title", ""),
        description=row.get("description", ""),
        pay_amount=number("pay_amount"),
        pay_unit=row.get("pay_unit"),
        settlement=row.get("settlement"),
        area_code=row.get("area_code"),
        daily_hours=number("daily_hours"),
    )


@pytest.fixture(scope="module")
def screened():
    return [(row, screen(_posting(row), today=TODAY)) for row in _rows()]


def test_the_corpus_is_big_enough_and_covers_every_category():
    rows = _rows()
    labels = Counter(row["label"] for row in rows)
    assert set(labels) == {"clean", "bad"}
    assert labels["clean"] >= 120
    assert labels["bad"] >= 120
    assert {row["category"] for row in rows if row["label"] == "bad"} == CATEGORIES_COVERED
    assert len({row["id"] for row in rows}) == len(rows)


def test_recall_and_false_positive_rate(screened):
    bad = [(row, result) for row, result in screened if row["label"] == "bad"]
    clean = [(row, result) for row, result in screened if row["label"] == "clean"]
    missed = [row["id"] for row, result in bad if result.decision == "pass"]
    flagged = [
        (row["id"], [f.code for f in result.findings])
        for row, result in clean
        if result.decision != "pass"
    ]
    recall = 1 - len(missed) / len(bad)
    false_positive_rate = len(flagged) / len(clean)
    assert recall >= 0.95, f"recall {recall:.3f}; missed {missed}"
    assert false_positive_rate <= 0.05, f"false positives {false_positive_rate:.3f}: {flagged}"


def test_bad_postings_are_flagged_for_their_own_reason(screened):
    bad = [(row, result) for row, result in screened if row["label"] == "bad"]
    wrong = [
        row["id"]
        for row, result in bad
        if row["category"] not in {f.category for f in result.findings}
    ]
    assert len(wrong) / len(bad) <= 0.05, wrong


def test_fee_postings_are_blocked_not_just_reviewed(screened):
    # security.md requirement 10. A 健康证 at the worker's own cost is only reviewed (README).
    fees = [(row, result) for row, result in screened if row.get("category") == "fees"]
    reviewed = [
        row["id"]
        for row, result in fees
        if result.decision != "block"
        and {f.code for f in result.findings} != {"fee_health_certificate"}
    ]
    assert len(fees) >= 30
    assert reviewed == []


# -- the command ---------------------------------------------------------------------------------


def _invoke(*args, **kwargs):
    result = CliRunner().invoke(gigs_cli, ["screen", *args], **kwargs)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_json_prints_one_decision_per_posting_with_chinese_reasons(screened):
    output = _invoke(str(CORPUS), "--json", "--today", TODAY.isoformat())
    reports = [json.loads(line) for line in output.splitlines()]
    assert [r["id"] for r in reports] == [row["id"] for row, _ in screened]
    for report, (_row, result) in zip(reports, screened, strict=True):
        assert set(report) == {"id", "decision", "reasons"}
        assert report["decision"] == result.decision
        assert report["reasons"] == [f.message_zh for f in result.findings]
    assert any("押金" in reason for r in reports for reason in r["reasons"])


def test_cli_reports_malformed_lines_and_goes_on():
    lines = [
        "not json",
        "[1, 2]",
        json.dumps({"title": "no id"}),
        json.dumps({"id": "a", "title": "保洁", "pay_amount": "abc", "pay_unit": "day"}),
        json.dumps({"id": "b", "title": "保洁", "pay_amount": 150, "pay_unit": "week"}),
        json.dumps({"id": "c", "title": "保洁", "pay_amount": 150}),
        json.dumps({"id": "d", "title": 5}),
        json.dumps({"id": "e", "title": "", "description": "  "}),
        json.dumps({"id": "f", "title": "保洁", "area_code": "郑州"}),
        json.dumps({"id": "g", "title": "保洁", "pay_amount": -3, "pay_unit": "day"}),
        "",
        json.dumps(
            {
                "id": 9,
                "trade": "保洁",
                "title": "保洁 限男",
                "pay_amount": 26,
                "pay_unit": "小时",
                "settlement": "daily",
            },
            ensure_ascii=False,
        ),
    ]
    output = _invoke("-", "--json", input="\n".join(lines) + "\n")
    reports = [json.loads(line) for line in output.splitlines()]
    assert [r["id"] for r in reports] == [None, None, None, "a", "b", "c", "d", "e", "f", "g", 9]
    for report in reports[:-1]:
        assert report["decision"] == "review"
        assert len(report["reasons"]) == 1
        assert report["reasons"][0].startswith("格式错误: ")
    assert reports[-1]["decision"] == "block"
    assert reports[-1]["reasons"][0].startswith("岗位限定男性")


def test_cli_table_without_json():
    posting = {
        "id": "x1",
        "trade": "保洁",
        "title": "保洁 先交押金200元",
        "pay_amount": 26,
        "pay_unit": "hour",
        "settlement": "daily",
    }
    clean = {
        "id": "x2",
        "trade": "保洁",
        "title": "保洁 男女不限",
        "pay_amount": 26,
        "pay_unit": "hour",
        "settlement": "daily",
    }
    text = "\n".join(json.dumps(p, ensure_ascii=False) for p in (posting, clean))
    output = _invoke("-", input=text)
    lines = output.splitlines()
    assert lines[0].split() == ["id", "decision", "reasons"]
    assert lines[1].split()[:2] == ["x1", "block"]
    assert "押金" in lines[1]
    assert lines[2].split() == ["x2", "pass", "-"]
    assert lines[-1] == "2 postings: 1 pass, 0 review, 1 block"


def test_cli_renders_chinese_inside_an_app(app):
    line = json.dumps({"id": 1, "title": "限男", "trade": "保洁"}, ensure_ascii=False)
    with app.app_context():
        output = _invoke("-", "--json", input=line)
    (report,) = [json.loads(x) for x in output.splitlines()]
    assert report["reasons"] == [
        "岗位限定男性或规定男性优先，法律禁止这样做。请改为说明工作要求（例如需搬运的重量）。"
    ]
