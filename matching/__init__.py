"""Matching engine for gig markets (零工市场匹配引擎): plain Python and numpy, no web framework.

``Engine`` ranks open gigs for a worker and workers for a gig over columnar numpy data;
``ReferenceEngine`` states the same rules the straightforward way and must agree with it.
The web service feeds both with ``WorkerRecord`` / ``GigRecord`` (records.py) and turns the
``Reason`` codes of each ``Match`` into words. See README.md.
"""

from matching.columns import GigColumns, WorkerColumns
from matching.engine import Engine
from matching.records import GigRecord, Match, Reason, WorkerRecord
from matching.reference import ReferenceEngine, compare_matches
from matching.scoring import FILTER_CODES, REASON_ORDER
from matching.weights import DEFAULT_WEIGHTS, Weights

REASON_CODES = REASON_ORDER

__all__ = [
    "DEFAULT_WEIGHTS",
    "FILTER_CODES",
    "REASON_CODES",
    "Engine",
    "GigColumns",
    "GigRecord",
    "Match",
    "Reason",
    "ReferenceEngine",
    "WorkerColumns",
    "WorkerRecord",
    "Weights",
    "compare_matches",
]
