"""How well the lexicon finds factors: precision and recall against known mentions."""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import pandas as pd

from escalation.data.codes import ASSESSMENT_FACTORS
from escalation.errors import DataValidationError, Problem
from escalation.predict.text.lexicon import ASSERTIONS, FACTOR_GROUPS, find_mentions, group_of
from escalation.predict.text.redact import Redactor

__all__ = ["EVALUATION_COLUMNS", "evaluate_lexicon"]

#: Leading columns of :func:`evaluate_lexicon`.
EVALUATION_COLUMNS: Final = (
    "factor",
    "assertion",
    "precision",
    "recall",
    "f1",
    "n",
    "n_predicted",
    "true_positives",
)
_ALL: Final = "all"


def evaluate_lexicon(
    notes: pd.DataFrame | pd.Series,
    truth_mentions: pd.DataFrame,
    *,
    level: Literal["code", "group"] = "code",
    redact_first: bool = True,
    known_names: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Return the lexicon's precision, recall and F1 per factor and assertion.

    A mention is the triple (note, factor, assertion), counted once per note however often
    the note repeats it. The lexicon's mentions are compared with the true ones: a found
    mention is a true positive when the note truly mentions that factor with that
    assertion; a factor found with the wrong assertion is a false positive for the found
    assertion and a false negative for the true one.

    Parameters
    ----------
    notes : pandas.DataFrame or pandas.Series
        The notes table (its ``text`` column is read) or the text column itself. Rows are
        addressed by position (0 = first row), like ``truth_mentions.note_row``.
    truth_mentions : pandas.DataFrame
        True mentions with columns ``note_row`` (row position in ``notes``), ``factor``
        (a CIN code such as ``"1B"``, or a factor group such as ``"alcohol"``) and
        ``assertion`` (``affirmed`` -- or ``present`` --, ``negated``, ``uncertain``,
        ``hypothetical``), e.g.
        the simulator's ``truth.note_mentions``.
    level : {"code", "group"}
        Compare CIN codes (``1B`` differs from ``1C``) or factor groups (both are
        ``alcohol``). Truth given as groups is always compared by group.
    redact_first : bool
        Redact the text before searching (as :func:`note_features` does).
    known_names : tuple of str
        Extra names to redact.

    Returns
    -------
    pandas.DataFrame
        Columns ``factor, assertion, precision, recall, f1, n`` (true mentions),
        ``n_predicted``, ``true_positives``: one row per factor and assertion seen in either
        set, one row per assertion with ``factor = "all"`` (micro-averaged over factors),
        and ``factor = "all", assertion = "all"`` (factor found regardless of assertion is
        not credited: the pair must match). Precision is missing when nothing was
        predicted, recall when nothing was true.

    Examples
    --------
    >>> import pandas as pd
    >>> notes = pd.Series(["Mother denies drinking.", "Possible neglect.", "Father drinks."])
    >>> truth = pd.DataFrame({"note_row": [0, 1, 2], "factor": ["1B", "16A", "1B"],
    ...                       "assertion": ["negated", "uncertain", "affirmed"]})
    >>> evaluate_lexicon(notes, truth).query("factor == 'all'")[
    ...     ["assertion", "precision", "recall", "n"]]
       assertion  precision  recall  n
    3   affirmed        1.0     1.0  1
    4    negated        1.0     1.0  1
    5  uncertain        1.0     1.0  1
    6        all        1.0     1.0  3
    """
    if level not in ("code", "group"):
        raise ValueError(f"level must be 'code' or 'group', not {level!r}")
    text = notes["text"] if isinstance(notes, pd.DataFrame) else notes
    text = text.reset_index(drop=True)
    missing = [c for c in ("note_row", "factor", "assertion") if c not in truth_mentions]
    if missing:
        raise DataValidationError(
            [Problem("truth_mentions", None, c, None, "column is missing") for c in missing],
            context="lexicon evaluation",
        )
    truth = truth_mentions[["note_row", "factor", "assertion"]].copy()
    truth["note_row"] = truth["note_row"].astype(np.int64)
    truth["factor"] = truth["factor"].astype(str)
    # "present" (the simulator's word) means affirmed.
    truth["assertion"] = truth["assertion"].astype(str).replace({"present": "affirmed"})
    bad_rows = truth.index[(truth["note_row"] < 0) | (truth["note_row"] >= len(text))]
    bad_assert = truth.index[~truth["assertion"].isin(ASSERTIONS)]
    problems = [
        Problem(
            "truth_mentions",
            int(r),
            "note_row",
            truth.at[r, "note_row"],
            f"no note at this position (the notes have {len(text)} rows)",
        )
        for r in bad_rows[:20]
    ] + [
        Problem(
            "truth_mentions",
            int(r),
            "assertion",
            truth.at[r, "assertion"],
            f"assertion must be one of {ASSERTIONS}",
        )
        for r in bad_assert[:20]
    ]
    if problems:
        raise DataValidationError(problems, context="lexicon evaluation")

    searched = Redactor(known_names=tuple(known_names))(text) if redact_first else text
    found = find_mentions(searched)
    pred = pd.DataFrame(
        {
            "note_row": found["note_row"].to_numpy(),
            "factor": found["factor"].astype(str).to_numpy(),
            "group": found["group"].astype(str).to_numpy(),
            "assertion": found["assertion"].astype(str).to_numpy(),
        }
    )
    truth_is_group = not truth["factor"].map(lambda f: group_of(f) is not None).any()
    if level == "group" or truth_is_group:
        truth["factor"] = truth["factor"].map(lambda f: group_of(f) or f)
        pred["factor"] = pred["group"]
    keys = ["note_row", "factor", "assertion"]
    truth = truth[keys].drop_duplicates()
    pred = pred[keys].drop_duplicates()
    both = truth.merge(pred, on=keys, how="inner")

    def counts(by: list[str]) -> pd.DataFrame:
        def size(frame: pd.DataFrame) -> pd.Series:
            return frame.groupby(by).size() if by else pd.Series({(): len(frame)})

        out = pd.DataFrame(
            {"n": size(truth), "n_predicted": size(pred), "true_positives": size(both)}
        )
        return out.fillna(0).astype(np.int64).reset_index()

    by_pair = counts(["factor", "assertion"])
    by_assert = counts(["assertion"]).assign(factor=_ALL)
    overall = pd.DataFrame(
        {
            "factor": [_ALL],
            "assertion": [_ALL],
            "n": [len(truth)],
            "n_predicted": [len(pred)],
            "true_positives": [len(both)],
        }
    )
    out = pd.concat([by_pair, by_assert, overall], ignore_index=True)
    order = {a: i for i, a in enumerate((*ASSERTIONS, _ALL))}
    out["_a"] = out["assertion"].map(order)
    rank = {f: i for i, f in enumerate((*ASSESSMENT_FACTORS, *FACTOR_GROUPS))}
    out["_f"] = out["factor"].map(lambda f: len(rank) + 1 if f == _ALL else rank.get(f, len(rank)))
    out = out.sort_values(["_f", "factor", "_a"], kind="stable").drop(columns=["_a", "_f"])
    tp = out["true_positives"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(
            out["n_predicted"] > 0, tp / out["n_predicted"].to_numpy(float), np.nan
        )
        recall = np.where(out["n"] > 0, tp / out["n"].to_numpy(float), np.nan)
        f1 = np.where(
            (precision + recall) > 0, 2 * precision * recall / (precision + recall), np.nan
        )
    out["precision"] = precision
    out["recall"] = recall
    out["f1"] = np.where(np.isnan(precision) | np.isnan(recall), np.nan, np.nan_to_num(f1))
    return out[list(EVALUATION_COLUMNS)].reset_index(drop=True)
