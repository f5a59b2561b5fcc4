"""A second reader for postings the rules let through: likeness to postings that broke them.

The rules in rules.toml catch what someone has written a pattern for. Employers keep finding new
wordings, and independent test sets showed the rules alone catching about 90% of the bad
postings nobody had seen before. This module is a linear model over the character 1- to 3-grams
of the text the rules read (`engine._posting_text`), trained (train.py) on the labelled postings
in tests/screening: every corpus and blind set, about 5,000 postings, half of them bad. When the
rules find nothing and the model puts a posting's likeness to the bad ones at or above its
threshold, the posting goes to staff review (never blocked) with a reason that names the kind
of rule it resembles and quotes the phrases that weighed most.

The model is data (likeness.npz, written by `gigmarket gigs train-screening`): the n-gram
vocabulary, its idf weights and two sets of coefficients, one for bad against clean and one for
the kind of rule among bad postings. Scoring needs numpy only; training needs scikit-learn (a
development dependency). tests/screening/test_likeness.py checks that the scoring here equals
scikit-learn's, and that the file is what training on the labelled sets gives.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from flask_babel import lazy_gettext as _l

MODEL_FILE = "likeness.npz"
FINDING_CODE = "likeness"
NGRAM_RANGE = (1, 3)
MAX_PHRASES = 2
PHRASE_CONTEXT = 2  # characters shown either side of the n-grams that weighed most
PHRASE_NGRAMS = 20  # the n-grams that weighed most, whose places in the text are quoted
MAX_PHRASE_LENGTH = 16
# Shorter texts have too few n-grams to weigh: a bare "饭店服务员 包吃住" leans on its trade words,
# which the first, short corpus postings tied to bad ones. The rules alone read those.
MIN_TEXT_LENGTH = 24
# Categories decided by computed pay, not by words (see doubt()).
PAY_CATEGORIES = frozenset({"pay_below_minimum", "pay_off_guide"})


def message(**params: Any) -> Any:
    """The reason (lazy): topic is one of TOPICS, score a percentage, phrases quoted text."""
    return _l(
        "The wording is close to postings that broke the rules on %(topic)s (%(score)s%% alike), "
        "around “%(phrases)s”. Staff will check it.",
        **params,
    )


MESSAGE_ZH = (
    "岗位文字与以往涉及%(topic)s的违规招聘相近（相似度%(score)s%%），请留意“%(phrases)s”等处，"
    "工作人员将核实。"
)
TOPICS = {
    "gender": (_l("gender"), "性别"),
    "age": (_l("age"), "年龄"),
    "child_labour": (_l("child labour"), "童工"),
    "ethnicity": (_l("ethnicity"), "民族"),
    "religion": (_l("religious belief"), "宗教信仰"),
    "region_hukou": (_l("home region or household registration"), "地域或户籍"),
    "health": (_l("health or disability"), "健康或残疾"),
    "appearance": (_l("looks"), "外貌"),
    "marriage_pregnancy": (_l("marriage, pregnancy or children"), "婚育"),
    "education": (_l("education"), "学历"),
    "fees": (_l("fees charged to workers"), "向劳动者收费"),
    "loans": (_l("loans"), "借贷"),
    "id_documents": (_l("keeping workers' ID or bank cards"), "扣押证件或银行卡"),
    "scam_task": (_l("task scams"), "刷单等诈骗"),
    "scam_private_contact": (_l("private contact"), "私下联系"),
    "scam_pay_too_high": (_l("bait pay"), "高薪诱饵"),
    "pay_below_minimum": (_l("pay below the minimum wage"), "低于最低工资"),
    "pay_off_guide": (_l("pay far from the wage guide"), "偏离工资指导价位"),
}
PHRASE_SEPARATOR = "”“"

_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's char analyzer: runs become one space


def char_ngrams(text: str, ngram_range: tuple[int, int] = NGRAM_RANGE) -> list[str]:
    """The character n-grams of text, exactly as scikit-learn's analyzer="char" makes them."""
    text = _WHITE_SPACES.sub(" ", text)
    low, high = ngram_range
    grams: list[str] = []
    for n in range(low, min(high, len(text)) + 1):
        grams.extend(text[i : i + n] for i in range(len(text) - n + 1))
    return grams


@dataclass(frozen=True)
class Likeness:
    """How much a text reads like the bad postings, the likeliest kind, and where."""

    probability: float
    category: str
    phrases: tuple[str, ...]


class TextModel:
    """Tf-idf over character n-grams, then logistic regression (bad or not) and a softmax over
    the categories of bad postings. Arrays as scikit-learn fits them; see train.py."""

    def __init__(
        self,
        *,
        vocabulary: np.ndarray,
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: float,
        category_coef: np.ndarray,
        category_intercept: np.ndarray,
        categories: np.ndarray,
        threshold: float,
        ngram_range: tuple[int, int] = NGRAM_RANGE,
        trained_on: str = "",
    ) -> None:
        self.vocabulary = np.asarray(vocabulary, dtype=str)
        self.index = {gram: i for i, gram in enumerate(self.vocabulary.tolist())}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.category_coef = np.asarray(category_coef, dtype=np.float64)
        self.category_intercept = np.asarray(category_intercept, dtype=np.float64)
        self.categories = tuple(str(c) for c in categories)
        self.threshold = float(threshold)
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.trained_on = trained_on
        if not (
            len(self.idf) == len(self.coef) == len(self.vocabulary) == self.category_coef.shape[1]
            and self.category_coef.shape[0] == len(self.categories) == len(self.category_intercept)
        ):
            raise ValueError("likeness model arrays do not agree in shape")

    # -- the file -----------------------------------------------------------------------------

    ARRAYS = ("vocabulary", "idf", "coef", "category_coef", "category_intercept", "categories")

    def save(self, path: Path | str) -> None:
        arrays = {name: getattr(self, name) for name in self.ARRAYS}
        arrays["categories"] = np.asarray(self.categories, dtype=str)
        # Only the argmax of the categories is used: single precision halves the file.
        arrays["category_coef"] = self.category_coef.astype(np.float32)
        meta = {
            "intercept": np.float64(self.intercept),
            "threshold": np.float64(self.threshold),
            "ngram_range": np.asarray(self.ngram_range, dtype=np.int64),
            "trained_on": np.asarray(self.trained_on, dtype=str),
        }
        with open(path, "wb") as f:
            np.savez_compressed(f, **arrays, **meta)

    @classmethod
    def load(cls, source: Any) -> TextModel:
        with np.load(source, allow_pickle=False) as data:
            return cls(
                vocabulary=data["vocabulary"],
                idf=data["idf"],
                coef=data["coef"],
                intercept=float(data["intercept"]),
                category_coef=data["category_coef"],
                category_intercept=data["category_intercept"],
                categories=data["categories"],
                threshold=float(data["threshold"]),
                ngram_range=tuple(data["ngram_range"].tolist()),
                trained_on=str(data["trained_on"]),
            )

    # -- scoring ------------------------------------------------------------------------------

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's tf-idf vector, sparse: (feature indices, l2-normalised weights)."""
        counts = Counter(char_ngrams(text, self.ngram_range))
        pairs = sorted((self.index[g], n) for g, n in counts.items() if g in self.index)
        if not pairs:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        indices = np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs))
        tf = np.fromiter((1 + math.log(n) for _, n in pairs), dtype=np.float64, count=len(pairs))
        weights = tf * self.idf[indices]
        return indices, weights / np.linalg.norm(weights)

    def probability(self, text: str) -> float:
        """The likeness of text to the bad postings, 0 to 1 (logistic regression)."""
        return self._probability(*self.vector(text))

    def category_scores(self, text: str) -> np.ndarray:
        """Softmax over self.categories."""
        return self._category_scores(*self.vector(text))

    def _probability(self, indices: np.ndarray, weights: np.ndarray) -> float:
        z = float(weights @ self.coef[indices]) + self.intercept
        return 1 / (1 + math.exp(-z))

    def _category_scores(self, indices: np.ndarray, weights: np.ndarray) -> np.ndarray:
        z = self.category_coef[:, indices] @ weights + self.category_intercept
        z = np.exp(z - z.max())
        return z / z.sum()

    def assess(self, text: str) -> Likeness:
        indices, weights = self.vector(text)
        probability = self._probability(indices, weights)
        best = int(np.argmax(self._category_scores(indices, weights)))
        # The n-grams to quote push the text towards bad postings *and* towards its category
        # rather than the others: trade and pay words, which many bad postings share, drop out.
        towards_bad = np.maximum(weights * self.coef[indices], 0)
        by_category = self.category_coef[:, indices]
        towards_category = np.maximum(weights * (by_category[best] - by_category.mean(axis=0)), 0)
        contributions = np.sqrt(towards_bad * towards_category)
        phrases = self._phrases(text, indices, contributions)
        return Likeness(probability, self.categories[best], phrases)

    def _phrases(self, text: str, indices: np.ndarray, contributions: np.ndarray) -> tuple:
        """The stretches of text whose n-grams pushed the score up most, best first."""
        text = _WHITE_SPACES.sub(" ", text)
        weight = np.zeros(len(text))
        order = np.argsort(-contributions)[:PHRASE_NGRAMS]
        for k in order:
            gram = str(self.vocabulary[indices[k]])
            if contributions[k] <= 0 or len(gram.strip()) < 2:
                continue  # a single character means nothing to a reader
            start = text.find(gram)
            while start >= 0:
                weight[start : start + len(gram)] += contributions[k] / len(gram)
                start = text.find(gram, start + 1)
        # Stretches of weighed characters with PHRASE_CONTEXT either side (near ones merge).
        near = np.zeros(len(text) + 2, dtype=np.int8)  # a zero each side: edges pair up
        for i in np.flatnonzero(weight > 0).tolist():
            near[max(0, i - PHRASE_CONTEXT) + 1 : i + PHRASE_CONTEXT + 2] = 1
        near[-1] = 0
        edges = np.flatnonzero(np.diff(near))
        pairs = zip(edges[::2], edges[1::2], strict=True)
        runs = sorted(((float(weight[a:b].sum()), int(a), int(b)) for a, b in pairs), reverse=True)
        phrases = []
        runs = [run for run in runs[:MAX_PHRASES] if run[0] >= runs[0][0] / 2]  # weighty ones
        for _, begin, end in runs:
            if end - begin > MAX_PHRASE_LENGTH:  # keep the heaviest part of a long stretch
                sums = np.convolve(weight[begin:end], np.ones(MAX_PHRASE_LENGTH), "valid")
                begin += int(np.argmax(sums))
                end = begin + MAX_PHRASE_LENGTH
            phrases.append(text[begin:end].strip())
        return tuple(p for p in phrases if p)


@cache
def model() -> TextModel:
    """The model shipped with the package (read once)."""
    with resources.files("webapp.screening").joinpath(MODEL_FILE).open("rb") as f:
        return TextModel.load(f)


def doubt(text: str) -> Likeness | None:
    """The likeness that sends a text the rules passed to review, or None.

    None for texts under MIN_TEXT_LENGTH, below the model's threshold, or alike mostly to
    postings that were bad only for their pay: the model reads words, not amounts, and the pay
    checks have already measured this posting's pay (README.md, "The second reader")."""
    if len(text) < MIN_TEXT_LENGTH:
        return None
    shipped = model()
    found = shipped.assess(text)
    if found.probability < shipped.threshold or found.category in PAY_CATEGORIES:
        return None
    return found


def finding_params(likeness: Likeness) -> tuple[dict[str, Any], dict[str, str]]:
    """The reason's parameters: (for the lazy message, for the plain Chinese one)."""
    topic, topic_zh = TOPICS.get(likeness.category, (_l("the rules"), "招聘规定"))
    score = f"{likeness.probability * 100:.0f}"
    phrases = PHRASE_SEPARATOR.join(likeness.phrases) or "…"
    return (
        {"topic": topic, "score": score, "phrases": phrases},
        {"topic": topic_zh, "score": score, "phrases": phrases},
    )
