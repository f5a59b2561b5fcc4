"""The score's weights and shape parameters (匹配评分权重), in one frozen dataclass.

A match's score is a weighted sum of components, each in [0, 1]; the default weights sum to 1,
so scores lie in [0, 1] too. Every component is a function of one (worker, gig) pair and the
query's ``now`` / ``day_start``, so a worker's query and a gig's query agree on a pair's score.

=============  ======  =====================================================================
component      weight  value
=============  ======  =====================================================================
trade          0.30    1.0 the worker holds the gig's trade (本工种), ``related_trade`` (0.5)
                       when only a trade of the same group (相近工种)
skill          0.05    exact trade held at a level L (职业技能等级 5 初级 ... 1 高级技师):
                       (6 - L) / 5, so 高级技师 gives 1.0 and 初级 0.2; else 0
pay            0.15    worker without a wish (期望日薪): 0.5; else a ramp on
                       r = pay_per_day / wish: 0 at ``pay_low_ratio``, 1 at
                       ``pay_high_ratio`` (linear between, clipped)
distance       0.15    1 / (1 + km / ``distance_scale_km``), haversine km between the
                       worker's and the gig's coordinates; 0.5 when either is unknown
start          0.10    1 / (1 + max(h - ``start_full_hours``, 0) / ``start_decay_hours``),
                       h = hours until the gig starts (negative when it already runs):
                       1.0 for running gigs and gigs within the next few hours, ~0.5 a day out
reliability    0.10    the worker's reliability (履约可靠度), clipped to [0, 1]
employer       0.05    the employer's standing (用工单位信用), clipped to [0, 1]
fairness       0.10    only for walk-ins on site (现场零工: checked in at the gig's market
                       today): (``fairness_base`` + (1 - ``fairness_base``) * w) /
                       (1 + gigs_today), w = min(minutes waited, ``wait_cap_minutes``) /
                       ``wait_cap_minutes``; else 0
=============  ======  =====================================================================

With ``fairness_base`` 0.6 a walk-in who already had a gig today scores at most 1.0 / 2 = 0.5,
below any walk-in without one (at least 0.6), and among walk-ins equal otherwise the longest
waiting comes first: the on-site queue rotates (轮派).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights of the score's components and the parameters shaping them (see the module doc)."""

    trade: float = 0.30
    skill: float = 0.05
    pay: float = 0.15
    distance: float = 0.15
    start: float = 0.10
    reliability: float = 0.10
    employer: float = 0.05
    fairness: float = 0.10

    related_trade: float = 0.5  # trade component for a related trade (相近工种)
    pay_low_ratio: float = 0.6  # pay / wish at which the pay component is 0
    pay_high_ratio: float = 1.2  # pay / wish at which it reaches 1
    pay_near_band: float = 0.05  # |pay / wish - 1| <= this: reason pay_near_wish
    distance_scale_km: float = 10.0  # the distance component halves at this many km
    start_full_hours: float = 3.0  # gigs starting within this many hours score 1
    start_decay_hours: float = 24.0  # then the start component halves over this many hours
    wait_cap_minutes: float = 240.0  # waiting beyond this counts no more
    fairness_base: float = 0.6  # fairness of a walk-in who has just arrived, no gig today

    reason_reliability: float = 0.7  # reason `reliable` from this reliability up
    reason_standing: float = 0.7  # reason `employer_standing` from this standing up

    def __post_init__(self) -> None:
        if self.pay_high_ratio <= self.pay_low_ratio:
            raise ValueError("pay_high_ratio must exceed pay_low_ratio")
        if self.distance_scale_km <= 0 or self.start_decay_hours <= 0:
            raise ValueError("distance_scale_km and start_decay_hours must be positive")
        if self.wait_cap_minutes <= 0:
            raise ValueError("wait_cap_minutes must be positive")


DEFAULT_WEIGHTS = Weights()
