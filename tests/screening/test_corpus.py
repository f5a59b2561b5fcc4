"""The labelled corpus (corpus.jsonl), the blind sets (blind_*.jsonl) and the `gigs screen` command.

Acceptance: at least 95% of the discriminatory, fee-charging or scam postings are blocked or sent
to review, and at most 5% of the clean ones are flagged, in every file. Each line is a posting as
the CLI reads it plus "label" (clean or bad), "category" (for bad ones: the category a finding
should name) and sometimes "note".

corpus.jsonl was written alongside the first rules. blind_2 ... blind_8 were each written before
the rules were changed for them, to estimate how the rules do on wording they have not seen (the
figures are in README.md); once measured they stay here as regression sets. blind_9 and blind_10
were each written by an independent writer who never saw the rules: 150 clean postings (many of
them near misses) and 150 bad ones, 10 in each category but child_labour, religion and appearance.
blind_11 came from a third independent writer (160 clean, 160 bad), measured before the rules
were changed for it (recall 0.875, 6 clean flagged). blind_12 came from a fourth independent
writer (150 clean, 150 bad), screened once before the rules were changed for it (recall 0.867,
3 clean flagged). blind_13 came from a fifth independent writer (150 clean, 150 bad; was
/tmp/heldout_e.jsonl), screened once before the rules were changed for it (recall 0.947, 27 clean
flagged, almost all for an ordinary phone number: policy decision 3 in README.md). Its clean
postings keep the writer's own kind of near miss in "kind", and "area" is the writer's place name,
which the CLI does not read (it reads area_code), so it is not read here either. blind_14 came
from a sixth independent writer (150 clean, 150 bad; was /tmp/heldout_f.jsonl), screened once
before the rules were changed for it (recall 0.907, 7 clean flagged), and is kept the same way
("kind" is the writer's clean or clean_hard; the writer's "note" stays where it gave one).
blind_15 came from a seventh independent writer (150 clean, 150 bad; was /tmp/heldout_g.jsonl),
who buried the conditions in long ordinary posts and added scripted typos; it was screened once
before the rules were changed for it (recall 0.900, 6 clean flagged) and is kept the same way.
blind_16, blind_17 and blind_18 came from three more independent writers (150 clean, 150 bad each;
were sets h, i and j: foremen's short WeChat style; agencies' and factories' formal lists;
households, shops and farms), screened once by the rules alone before the rules were changed for
them (recall 0.773, 0.920, 0.900; clean flagged 4, 6, 9) and kept the same way.
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
from webapp.screening.cli import gigs_cli, main
from webapp.screening.engine import CATEGORIES

HERE = Path(__file__).parent
CORPUS = HERE / "corpus.jsonl"
BLIND_SETS = sorted(HERE.glob("blind_*.jsonl"), key=lambda p: int(p.stem.split("_")[1]))
LABELLED = [CORPUS, *BLIND_SETS]
TODAY = date(2026, 6, 1)
CATEGORIES_COVERED = set(CATEGORIES)  # every category has bad postings in the corpus
MIN_RECALL = 0.95
MAX_FALSE_POSITIVES = 0.05
# fee postings each file holds at least (blind_9 and blind_10 have 10 per category)
MIN_FEE_POSTINGS = {
    "corpus.jsonl": 30,
    "blind_9.jsonl": 10,
    "blind_10.jsonl": 10,
    "blind_11.jsonl": 10,
    "blind_12.jsonl": 10,
    "blind_13.jsonl": 10,
    "blind_14.jsonl": 10,
    "blind_15.jsonl": 10,
    "blind_16.jsonl": 10,
    "blind_17.jsonl": 10,
    "blind_18.jsonl": 10,
}


def _rows(path: Path = CORPUS) -> list[dict]:
    with path.open(encoding="utf-8") as f:
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


_SCREENED: dict[Path, list] = {}


def _screened(path: Path) -> list:
    if path not in _SCREENED:
        # The rules alone: the likeness model was trained on these very sets (test_likeness.py).
        _SCREENED[path] = [
            (row, screen(_posting(row), today=TODAY, likeness=False)) for row in _rows(path)
        ]
    return _SCREENED[path]


@pytest.fixture(scope="module")
def screened():
    return _screened(CORPUS)


def test_the_corpus_is_big_enough_and_covers_every_category():
    rows = _rows()
    labels = Counter(row["label"] for row in rows)
    assert set(labels) == {"clean", "bad"}
    assert labels["clean"] >= 120
    assert labels["bad"] >= 120
    assert {row["category"] for row in rows if row["label"] == "bad"} == CATEGORIES_COVERED
    assert len({row["id"] for row in rows}) == len(rows)


def test_the_blind_sets_are_well_formed():
    assert [p.name for p in BLIND_SETS] == [f"blind_{n}.jsonl" for n in range(2, 19)]
    ids = [row["id"] for path in LABELLED for row in _rows(path)]
    assert len(set(ids)) == len(ids)
    for path in BLIND_SETS:
        rows = _rows(path)
        labels = Counter(row["label"] for row in rows)
        assert set(labels) == {"clean", "bad"}, path.name
        assert min(labels.values()) >= 100, path.name
        assert all(row["category"] in CATEGORIES for row in rows if row["label"] == "bad")
        assert all(row["pay_unit"] in ("hour", "day", "piece", "month") for row in rows)


@pytest.mark.parametrize("path", LABELLED, ids=lambda p: p.stem)
def test_recall_and_false_positive_rate(path):
    screened = _screened(path)
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
    assert recall >= MIN_RECALL, f"recall {recall:.3f}; missed {missed}"
    assert false_positive_rate <= MAX_FALSE_POSITIVES, (
        f"false positives {false_positive_rate:.3f}: {flagged}"
    )


@pytest.mark.parametrize("path", LABELLED, ids=lambda p: p.stem)
def test_bad_postings_are_flagged_for_their_own_reason(path):
    bad = [(row, result) for row, result in _screened(path) if row["label"] == "bad"]
    wrong = [
        row["id"]
        for row, result in bad
        if row["category"] not in {f.category for f in result.findings}
    ]
    assert len(wrong) / len(bad) <= 0.05, wrong


@pytest.mark.parametrize("path", LABELLED, ids=lambda p: p.stem)
def test_fee_postings_are_blocked_not_just_reviewed(path):
    # security.md requirement 10. A 健康证 at the worker's own cost is only reviewed (README).
    fees = [(row, result) for row, result in _screened(path) if row.get("category") == "fees"]
    reviewed = [
        row["id"]
        for row, result in fees
        if result.decision != "block"
        and {f.code for f in result.findings} != {"fee_health_certificate"}
    ]
    assert len(fees) >= MIN_FEE_POSTINGS.get(path.name, 15)
    assert reviewed == []


# -- the command ---------------------------------------------------------------------------------


def _invoke(*args, **kwargs):
    result = CliRunner().invoke(gigs_cli, ["screen", *args], **kwargs)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_json_prints_one_decision_per_posting_with_chinese_reasons(screened):
    output = _invoke(str(CORPUS), "--json", "--today", TODAY.isoformat(), "--rules-only")
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


@pytest.mark.parametrize("prefix", [[], ["gigs"]])
def test_the_module_runs_without_an_app(prefix, capsys):
    # `python -m webapp.screening.cli [gigs] screen FILE --json`
    with pytest.raises(SystemExit) as exit_:
        main([*prefix, "screen", str(CORPUS), "--json", "--today", TODAY.isoformat()])
    assert exit_.value.code == 0
    reports = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in reports] == [row["id"] for row in _rows()]
