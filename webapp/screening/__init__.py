"""Screening of gig postings (flow 2): discrimination, fees, loans, scams and pay.

`screen(Posting(...))` returns a ScreeningResult whose decision is "pass", "review" (staff decide)
or "block" (the employer must change the posting), with a Finding per rule broken. The rules
live in rules.toml (README.md here says how to add one); pay rules use webapp.refdata.
"""

from webapp.screening.engine import (
    ACTIONS,
    CATEGORIES,
    DEFAULT_REGION,
    Finding,
    Posting,
    Rule,
    RuleFileError,
    ScreeningResult,
    decide,
    load_rules,
    normalise,
    resolve_trade,
    rules,
    screen,
)

__all__ = [
    "ACTIONS",
    "CATEGORIES",
    "DEFAULT_REGION",
    "Finding",
    "Posting",
    "Rule",
    "RuleFileError",
    "ScreeningResult",
    "decide",
    "load_rules",
    "normalise",
    "resolve_trade",
    "rules",
    "screen",
]
