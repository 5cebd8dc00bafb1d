"""Table 1's inputs: the weights column, a personal column, levels outside the code lists.

Found by the review of Table 1 (session 23): ``weights="wt"`` (not a column) raised a bare
``KeyError``, ``weights="child_id"`` a ``ValueError`` quoting a child's identifier, and
``group="child_id"`` built a table headed by the identifiers; a categorical column outside
the package's vocabulary (``region``) gave every level the label ``None`` and
``TableOne.table()`` an ``IndexError``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from escalation.causal.tableone import table_one
from escalation.errors import DataValidationError
from escalation.report.table_one import disclosed_table_one, write_table_one

IDENTIFIERS = ["C123", "C456", "C789", "C000"]


def spells() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "treatment": [1, 0, 1, 0],
            "age": [3.0, 4, 5, 6],
            "wt": ["1.5", "x", "2", "1"],
            "child_id": IDENTIFIERS,
        }
    )


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"weights": "child_id"}, r"column 'child_id': personal data .* cannot be the weights"),
        (
            {"weights": "wt"},
            r"row 1, column 'wt', value <not shown.*not numbers; weights are finite",
        ),
        ({"group": "child_id"}, r"column 'child_id': personal data .* cannot be the arms"),
        ({"variables": ["child_id"]}, r"column 'child_id': personal data .* a characteristic"),
    ],
)
def test_causal_table_one_refuses_bad_weights_and_personal_columns_by_name(
    arguments: dict[str, object], named: str
) -> None:
    with pytest.raises(DataValidationError, match=named) as error:
        table_one(spells(), **{"variables": ["age"], **arguments})  # type: ignore[arg-type]
    assert "table one" in str(error.value)
    assert not any(identifier in str(error.value) for identifier in IDENTIFIERS)
    assert "'x'" not in str(error.value)  # a value of a column outside the contract


def test_causal_table_one_weights_column_of_numbers_is_used() -> None:
    frame = spells().assign(wt=["1.5", "2", "2", "1"])
    by_name = table_one(frame, variables=["age"], weights="wt").smd
    given = table_one(frame, variables=["age"], weights=[1.5, 2.0, 2.0, 1.0]).smd
    assert by_name["smd_weighted"].tolist() == given["smd_weighted"].tolist()


def test_causal_table_one_prints_levels_outside_the_vocabulary(tmp_path: object) -> None:
    regions = ["North", "South", "North", "East", "South", "South", "East", "North"]
    frame = pd.DataFrame({"treatment": [1] * 4 + [0] * 4, "region": regions})
    t1 = table_one(frame, variables=["region"])
    assert set(t1.stats["level_label"]) == {"East", "North", "South"}
    printed = t1.table()
    assert printed["Level"].tolist() == ["", "East", "North", "South"]
    assert printed["Early help"].tolist() == ["4", "1 (25.0)", "2 (50.0)", "1 (25.0)"]
    assert printed["No early help"].tolist() == ["4", "1 (25.0)", "1 (25.0)", "2 (50.0)"]
    # a pandas categorical of a user's column too, and the disclosed and written tables
    codes = pd.Categorical(["b", "a", "c", "a", "a", "b", "b", "c"], categories=["c", "b", "a"])
    ethn = table_one(frame.assign(ethn=codes), variables=["ethn"]).table()
    assert ethn["Level"].tolist() == ["", "c", "b", "a"]  # its categories' order, as R's factor
    assert disclosed_table_one(t1)["Level"].tolist() == ["", "East", "North", "South"]
    assert len(write_table_one(t1, str(tmp_path))) == 4
