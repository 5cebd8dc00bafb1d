"""The ``Verdict`` type names every verdict the criteria return, "withheld" included.

Was (review of session 26, left open; session 27 finding 5): ``Verdict`` was ``met``, ``not
met`` or ``inconclusive``, yet ``withhold_revealing_verdicts`` writes ``withheld`` into the
verdict column: the type said the column could not hold a value the code puts there. Now
:data:`~escalation.policy.criteria.Judgement` is what :func:`judge` concludes and
``Verdict`` what is published.
"""

from __future__ import annotations

from itertools import product
from typing import get_args

from escalation.policy import criteria, study


def test_the_verdict_type_holds_the_withheld_verdict() -> None:
    assert study.WITHHELD_VERDICT == "withheld"
    assert study.WITHHELD_VERDICT in get_args(criteria.Verdict)
    assert set(get_args(criteria.Verdict)) == {*get_args(criteria.Judgement), "withheld"}


def test_judge_returns_only_judgements() -> None:
    limits = (0.1, 0.5, 0.9, float("nan"))
    seen = {
        criteria.judge(low, high, 0.5, at_least=at_least)
        for low, high, at_least in product(limits, limits, (True, False))
    }
    assert seen == set(get_args(criteria.Judgement))
