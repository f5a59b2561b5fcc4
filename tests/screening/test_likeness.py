"""The likeness model (webapp/screening/likeness.py) and its training (train.py).

- scoring here (numpy only) equals scikit-learn's on the same fit;
- the shipped likeness.npz is what training on the labelled sets in this folder gives, so a
  changed set without a retrained model fails here;
- trained only on the sets written before blind_14 and blind_15, the model alone still flags
  most bad postings of each and almost no clean ones (its worth on unseen wording);
- it only ever sends to review, only when the rules find nothing, with a reason that quotes
  the text, in Chinese inside the app.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from webapp.screening import Posting, screen
from webapp.screening import likeness as likeness_module
from webapp.screening.engine import normalise
from webapp.screening.likeness import TextModel, char_ngrams, model
from webapp.screening.train import (
    LABELLED_DIR,
    describe,
    fit,
    fit_estimators,
    labelled_files,
    model_text,
    read_rows,
    train,
)

pytest.importorskip("sklearn")  # a development dependency, pinned in pyproject.toml

TODAY = date(2026, 6, 1)


def _posting(title: str, description: str = "", **fields) -> Posting:
    values = {
        "id": 1,
        "trade": "保洁",
        "title": title,
        "description": description,
        "pay_amount": Decimal("26"),
        "pay_unit": "hour",
        "settlement": "daily",
    }
    return Posting(**(values | fields))


@pytest.fixture(scope="module")
def corpus_fit():
    rows = read_rows([LABELLED_DIR / "corpus.jsonl"])
    return rows, fit_estimators(rows)


def test_char_ngrams_are_scikit_learns(corpus_fit):
    _rows, (vectorizer, _binary, _category) = corpus_fit
    analyse = vectorizer.build_analyzer()
    for text in ["", "a", "限男", "保洁  阿姨\t\n 50岁以下", "早8晚6 一天 200 元"]:
        assert char_ngrams(text) == analyse(text)


def test_scoring_equals_scikit_learns(corpus_fit):
    rows, (vectorizer, binary, by_category) = corpus_fit
    ours = fit(rows)
    texts = [model_text(row) for row in rows[:200]] + ["", "没见过的字词：鑫淼犇"]
    matrix = vectorizer.transform(texts)
    expected = binary.predict_proba(matrix)[:, 1]
    got = np.array([ours.probability(t) for t in texts])
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
    expected_categories = by_category.predict(matrix)
    got_categories = [ours.categories[int(np.argmax(ours.category_scores(t)))] for t in texts]
    assert got_categories == list(expected_categories)


def test_the_model_survives_its_file(tmp_path, corpus_fit):
    rows, _ = corpus_fit
    ours = fit(rows, trained_on="corpus")
    ours.save(tmp_path / "m.npz")
    loaded = TextModel.load(tmp_path / "m.npz")
    assert loaded.trained_on == "corpus"
    assert loaded.threshold == ours.threshold
    for row in rows[:50]:
        text = model_text(row)
        assert loaded.probability(text) == pytest.approx(ours.probability(text), abs=1e-12)
        assert loaded.assess(text).category == ours.assess(text).category


def test_the_shipped_model_is_the_one_the_labelled_sets_train():
    shipped = model()
    paths = labelled_files()
    assert shipped.trained_on == describe(paths), (
        "the labelled sets changed: run `gigmarket gigs train-screening` and commit likeness.npz"
    )
    retrained = train(paths)
    assert shipped.vocabulary.tolist() == retrained.vocabulary.tolist()
    np.testing.assert_allclose(shipped.coef, retrained.coef, atol=1e-6)
    assert shipped.intercept == pytest.approx(retrained.intercept, abs=1e-6)
    np.testing.assert_allclose(shipped.category_coef, retrained.category_coef, atol=1e-4)
    assert shipped.categories == retrained.categories


@pytest.mark.parametrize("held_out", ["blind_14.jsonl", "blind_15.jsonl"])
def test_trained_on_earlier_sets_the_model_reads_a_later_one(held_out):
    # Measured at the shipped threshold (README.md): 64.0% and 70.7% of the bad flagged, 0.7%
    # of the clean in each. The floors leave room for the labelled sets to change.
    paths = labelled_files()
    names = [p.name for p in paths]
    earlier, later = paths[: names.index(held_out)], paths[names.index(held_out)]
    trained = fit(read_rows(earlier))
    rows = read_rows([later])
    flagged = {row["id"]: trained.probability(model_text(row)) >= trained.threshold for row in rows}
    bad = [flagged[row["id"]] for row in rows if row["label"] == "bad"]
    clean = [flagged[row["id"]] for row in rows if row["label"] == "clean"]
    assert sum(bad) / len(bad) >= 0.6
    assert sum(clean) / len(clean) <= 0.03


# -- in screen() -----------------------------------------------------------------------------

# Wordings no rule names (when this was written), each bad in the way its category says. Should
# a rule come to catch one, replace it here with wording the rules still miss.
UNSEEN = [
    ("小区保洁 每小时26元 周结 希望找个年纪轻一点的 干活利索", "age"),
    ("仓库保安 三班倒 包吃住 身子骨有毛病的就别麻烦了 月薪3800", "health"),
]


@pytest.mark.parametrize(("title", "category"), UNSEEN)
def test_likeness_reviews_what_the_rules_let_through(title, category):
    posting = _posting(title)
    assert screen(posting, today=TODAY, likeness=False).decision == "pass"
    result = screen(posting, today=TODAY)
    (finding,) = result.findings
    assert result.decision == "review"
    assert finding.code == "likeness"
    assert finding.action == "review"
    assert finding.category == category
    assert "相似度" in finding.message_zh
    # the reason quotes the text it found alike
    quoted = finding.message_zh.split("“")[1].split("”")[0]
    assert quoted
    assert quoted in normalise(title)


def test_likeness_never_adds_to_a_rule_finding_and_never_blocks():
    result = screen(_posting("保洁 限男 先交押金200元"), today=TODAY)
    assert result.decision == "block"
    assert "likeness" not in {f.code for f in result.findings}


ORDINARY = [
    "金水区饭店招服务员2名 包吃住 男女不限 月休4天 月薪4500 需健康证 电话0371-6592 3308",
    "厂区维修电工2名 需持有效电工证 年满18周岁 每天8小时 一天260 包午饭 电话 138 0386 2297",
    "小区保洁 男女不限 年满18周岁 早7点到11点 每小时26元 周结 工具公司提供",
    "物流园装卸工 包吃住 年满18周岁 身体健康 计件 多劳多得 一般一天300左右 日结",
]


@pytest.mark.parametrize("title", ORDINARY)
def test_ordinary_wording_stays_clean(title):
    # Issue 4: "男女不限", "需持有效电工证", "包吃住", "年满18周岁" must never be flagged.
    text = normalise(title)
    assert len(text) >= likeness_module.MIN_TEXT_LENGTH
    assert model().probability(text) < 0.1
    assert screen(_posting(title), today=TODAY).decision == "pass"


def test_short_texts_are_left_to_the_rules():
    # Too few n-grams: the model leans on trade words there (README.md, "Limits").
    text = normalise("饭店服务员 包吃住")
    assert len(text) < likeness_module.MIN_TEXT_LENGTH
    assert model().probability(text) >= model().threshold  # what the gate is for
    assert screen(_posting("饭店服务员 包吃住"), today=TODAY).decision == "pass"


def test_without_likeness_the_model_is_not_read(monkeypatch):
    # test_corpus.py passes likeness=False: with the model on, the sets it was trained on
    # could hide a broken rule.
    def unread():
        raise AssertionError("the model was read")

    monkeypatch.setattr(likeness_module, "model", unread)
    title, _ = UNSEEN[0]
    assert screen(_posting(title), today=TODAY, likeness=False).decision == "pass"
    with pytest.raises(AssertionError, match="the model was read"):
        screen(_posting(title), today=TODAY)


def test_the_reason_in_the_app_is_chinese_and_english(app):
    from flask_babel import force_locale

    title, _ = UNSEEN[0]
    (finding,) = screen(_posting(title), today=TODAY).findings
    with app.app_context():
        with force_locale("zh_CN"):
            chinese = str(finding.message)
        with force_locale("en"):
            english = str(finding.message)
    assert chinese == finding.message_zh
    assert english.startswith("The wording is close to postings that broke the rules on age")


def test_the_command_can_leave_the_model_out():
    from click.testing import CliRunner

    from webapp.screening.cli import gigs_cli

    line = json.dumps({"id": 1, "trade": "保洁", "title": UNSEEN[0][0]}, ensure_ascii=False)
    reports = {}
    for flag in ([], ["--rules-only"]):
        result = CliRunner().invoke(gigs_cli, ["screen", "-", "--json", *flag], input=line)
        assert result.exit_code == 0, result.output
        reports[bool(flag)] = json.loads(result.output)
    assert reports[True]["decision"] == "pass"
    assert reports[False]["decision"] == "review"
    assert reports[False]["reasons"][0].startswith("岗位文字与以往涉及年龄的违规招聘相近")


def test_few_near_misses_read_as_bad():
    # The rules pass every one of these lawful near misses (test_rules.py); the model, which
    # reads words, may find a few alike: at most 5%, the bound on clean postings.
    from tests.screening.test_rules import NEAR_MISSES

    flagged = [
        text
        for text in NEAR_MISSES
        if screen(_posting("招工", text, trade="普工"), today=TODAY).decision != "pass"
    ]
    assert len(flagged) <= 0.05 * len(NEAR_MISSES), flagged


def test_likeness_to_pay_only_postings_is_left_to_the_pay_checks():
    # A 月嫂 at 11,000 for a 26-day 单 reads like postings that were bad for their pay alone;
    # the pay checks have measured this one's pay, so the model's word is not asked.
    title = "新郑二胎家庭找月嫂26天 一万一 有经验 下月上户 电话联系"
    found = model().assess(normalise(title))
    assert found.probability >= model().threshold
    assert found.category in likeness_module.PAY_CATEGORIES
    assert likeness_module.doubt(normalise(title)) is None
    posting = _posting(title, trade="月嫂", pay_amount=Decimal("11000"), pay_unit="month")
    assert screen(posting, today=TODAY).decision == "pass"
