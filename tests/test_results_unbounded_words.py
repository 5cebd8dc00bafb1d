"""A printed result says an infinite number in words, never "inf" (session 28).

``escalation.results.format_number`` printed an infinite value as "inf" or "-inf" in
every result's summary (text, HTML, LaTeX), e.g. the upper end of an interval with no
bound; the model cards, brief and workbook README already say "unbounded"
(:data:`escalation._interval_words.UNBOUNDED`), and the summaries now say it too.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from escalation._interval_words import UNBOUNDED
from escalation.results import Summary, format_number

_INF = re.compile(r"(?<![A-Za-z])-?inf(?![A-Za-z])", re.IGNORECASE)


def test_format_number_says_an_infinite_number_in_words() -> None:
    assert format_number(math.inf) == UNBOUNDED
    assert format_number(-math.inf) == f"{UNBOUNDED} (negative)"
    assert format_number(2.5) == "2.500"  # others unchanged


def test_a_summary_with_an_unbounded_end_prints_no_inf() -> None:
    table = pd.DataFrame(
        {"term": ["x"], "estimate": [1.7], "conf_low": [0.0], "conf_high": [math.inf]}
    )
    summary = Summary("Number needed to offer", {"bound": -math.inf}, table)
    for text in (summary.as_text(), summary.as_html()):
        assert not _INF.search(text), text
        assert UNBOUNDED in text
