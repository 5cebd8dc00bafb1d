"""The covariate coding shared by every model."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError, DesignError, StatisticalWarning
from escalation.timeline import CovariateCoding, covariate_matrix


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [1.0, 2.0, 3.0, 4.0, 5.0],
            "sex": pd.Categorical(["F", "F", "M", None, "F"], categories=["F", "M", "U"]),
            "disability": pd.array([True, False, False, True, False], dtype="boolean"),
            "source": ["6", "6", "2A", "3A", "6"],
        }
    )


def test_reference_is_the_first_level_and_missing_is_a_level() -> None:
    coding = CovariateCoding.learn(frame(), ["age", "sex", "disability"], min_count=1)
    assert coding.levels["sex"] == ("F", "M", "missing")
    matrix = coding.apply(frame())
    assert list(matrix.columns) == ["age", "sex_M", "sex_missing", "disability"]
    assert matrix["sex_M"].tolist() == [0, 0, 1, 0, 0]
    assert matrix["sex_missing"].tolist() == [0, 0, 0, 1, 0]
    assert matrix["disability"].tolist() == [1, 0, 0, 1, 0]


def test_reference_is_the_first_in_code_order_not_the_most_frequent() -> None:
    """As R's factor: '2A' sorts first though '6' is the most frequent; a Categorical's own
    order wins over sorting; reference= chooses another level."""
    coding = CovariateCoding.learn(frame(), ["source"], min_count=1)
    assert coding.levels["source"] == ("2A", "3A", "6")
    assert coding.names == ("source_3A", "source_6")
    declared = frame().assign(sex=pd.Categorical(["F", "F", "M", "M", "F"], categories=["M", "F"]))
    assert CovariateCoding.learn(declared, ["sex"], min_count=1).names == ("sex_F",)
    numbers = pd.DataFrame({"band": ["10", "2", "2", "10", "9"]})
    assert CovariateCoding.learn(numbers, ["band"], min_count=1).levels["band"] == ("2", "9", "10")
    chosen = CovariateCoding.learn(frame(), ["source"], min_count=1, reference={"source": "6"})
    assert chosen.names == ("source_2A", "source_3A")
    with pytest.raises(DesignError, match="reference level 'X'"):
        CovariateCoding.learn(frame(), ["source"], min_count=1, reference={"source": "X"})


def test_rare_levels_are_pooled_and_unseen_levels_map_to_other() -> None:
    coding = CovariateCoding.learn(frame(), ["source"], min_count=2)
    assert coding.levels["source"] == ("6", "other")
    assert set(coding.pooled["source"]) == {"2A", "3A"}
    new = pd.DataFrame({"source": ["10", "6"]})
    assert coding.apply(new)["source_other"].tolist() == [1.0, 0.0]


def test_missing_numeric_values_and_absent_columns_are_errors() -> None:
    data = frame().assign(age=[1.0, None, 3.0, 4.0, 5.0])
    with pytest.raises(DataValidationError, match=r"row 1, column 'age', value 'nan': 1 value"):
        covariate_matrix(data, ["age"])
    with pytest.raises(DesignError, match="imd_decile"):
        covariate_matrix(frame(), ["imd_decile"])


def test_text_in_a_covariate_coded_as_numbers_is_refused_naming_its_row() -> None:
    """A column learned as numbers and given text in new rows failed in pandas' astype with
    a bare ValueError naming no row, column or value."""
    coding = CovariateCoding.learn(frame(), ["age"])
    new = frame().assign(age=pd.Series([1.0, "three", 3.0, None, 5.0], dtype=object))
    with pytest.raises(DataValidationError) as raised:
        coding.apply(new)
    assert [(p.row, p.column) for p in raised.value.problems] == [(1, "age"), (3, "age")]
    assert "value <not shown: 5 characters, lower-case letters>: 2 value(s)" in str(raised.value)


def test_levels_pooled_unseen_or_missing_are_coded_as_other_wherever_it_stands() -> None:
    """Each row's indicators, against the definition level by level: a level not kept is
    ``other`` (its own column when ``other`` is kept and not the reference; all zeros when
    it is the reference or not kept at all)."""
    train = pd.DataFrame(
        {"g": pd.Categorical(["a"] * 3 + ["b"] * 3 + ["c", "d", None, None, None])}
    )
    new = pd.DataFrame({"g": pd.Categorical(["a", "b", "c", "d", "z", None, "other"])})
    codings = {
        "other kept": CovariateCoding.learn(train, ["g"], min_count=2),
        "other the reference": CovariateCoding.learn(
            train, ["g"], min_count=2, reference={"g": "other"}
        ),
        "nothing pooled": CovariateCoding.learn(train, ["g"], min_count=1),
    }
    assert codings["other kept"].levels["g"] == ("a", "b", "missing", "other")
    assert codings["other the reference"].levels["g"] == ("other", "a", "b", "missing")
    assert "other" not in codings["nothing pooled"].levels["g"]
    for label, coding in codings.items():
        kept = coding.levels["g"]
        text = ["missing" if v is None or v != v else str(v) for v in new["g"].tolist()]
        level = [t if t in kept else "other" for t in text]
        expected = {f"g_{k}": [float(v == k) for v in level] for k in kept[1:]}
        assert coding.apply(new).to_dict("list") == expected, label


def test_new_rows_of_a_table_refuse_levels_nothing_takes() -> None:
    """With ``table`` (profiles to predict for), a value with no kept level and no
    ``other`` is refused naming the table, row, column and value; it was coded as the
    reference (all zeros). A missing value is refused only where none was seen."""
    train = pd.DataFrame({"g": pd.Categorical(["a", "b", "c", "d", None])})
    new = pd.DataFrame({"g": pd.Categorical(["a", "z", None, "other"])})
    seen_missing = CovariateCoding.learn(train, ["g"], min_count=1)
    with pytest.raises(DataValidationError) as raised:
        seen_missing.apply(new, table="profiles")
    assert [(p.table, p.row, p.column) for p in raised.value.problems] == [
        ("profiles", 1, "g"),
        ("profiles", 3, "g"),
    ]
    assert "level not seen when the model was fitted" in str(raised.value)
    no_missing = CovariateCoding.learn(train.dropna(), ["g"], min_count=1)
    text = pd.DataFrame({"g": pd.Series(["b", None], dtype="string")})
    with pytest.raises(
        DataValidationError, match=r"table 'profiles', row 1, column 'g', value <empty>"
    ):
        no_missing.apply(text, table="profiles")
    with pytest.warns(StatisticalWarning, match="codes no column"):
        pooled = CovariateCoding.learn(train, ["g"], min_count=2)  # every level is 'other'
    assert pooled.left_out == ("g",)
    assert pooled.apply(new, table="profiles").shape == (4, 0)


def test_a_held_out_fold_codes_levels_nothing_takes_as_the_reference_and_says_so() -> None:
    """``held_out``: rows of a cross-fitting fold whose level the other folds never had
    (or missing where they had none) and no ``other`` takes are coded as the reference
    (all indicators 0, by hand below), with a warning naming the covariate, 2 spells and
    2 levels but not the values; with ``table`` too they were refused, stopping the study.
    Where ``other`` is kept it takes them, silently, as before."""
    train = pd.DataFrame({"g": ["a", "b", "b", "c"]})
    new = pd.DataFrame({"g": ["b", "zz", "a", None, "c"]})
    coding = CovariateCoding.learn(train, ["g"], min_count=1)
    with pytest.warns(StatisticalWarning) as said:
        coded = coding.apply(new, table="spells", held_out=True)
    assert coded.to_dict("list") == {"g_b": [1.0, 0.0, 0.0, 0.0, 0.0],
                                     "g_c": [0.0, 0.0, 0.0, 0.0, 1.0]}  # fmt: skip
    (message,) = [str(w.message) for w in said]
    assert message.startswith(
        "covariate 'g': 2 held-out spell(s) have 2 level(s) that the spells of the other "
        "folds never had"
    )
    assert "reference level 'a'" in message and "zz" not in message
    pooled = CovariateCoding.learn(train, ["g"], min_count=2)  # a, c pooled into 'other'
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pooled.apply(new, held_out=True).to_dict("list") == {
            "g_other": [0.0, 1.0, 1.0, 1.0, 1.0]
        }


def test_categories_that_are_dates_are_coded_as_their_levels_are_named() -> None:
    """A Categorical of dates: its levels are named from the values' text (with the time
    of day), and each row is coded by the same text, not by the categories' shorter one."""
    days = pd.to_datetime(["2020-01-01", "2021-01-01", "2021-01-01", "2020-01-01", "2021-01-01"])
    data = pd.DataFrame({"month": pd.Categorical(days)})
    coding = CovariateCoding.learn(data, ["month"], min_count=1)
    assert coding.names == ("month_2021-01-01 00:00:00",)
    coded = coding.apply(data)["month_2021-01-01 00:00:00"]
    assert coded.tolist() == [0.0, 1.0, 1.0, 0.0, 1.0]


def test_a_covariate_named_twice_is_refused() -> None:
    # a model given the same column twice left both copies out as collinear with each other
    with pytest.raises(DesignError, match="listed more than once: age"):
        CovariateCoding.learn(frame(), ["age", "sex", "age"], min_count=1)


def test_categorical_levels_and_counts_are_those_of_the_values_text() -> None:
    """A Categorical is tallied from its codes: the levels, their order and the pooling are
    those of its values written as text (integer categories, unused categories, a
    category named ``missing`` beside missing values, more than 127 categories)."""
    rng = np.random.default_rng(3)
    categories = [*range(200), "missing"]
    values = [categories[i] for i in rng.integers(0, 40, 600)] + ["missing"] * 3 + [None] * 4
    data = pd.DataFrame({"g": pd.Categorical(values, categories=categories)})
    coding = CovariateCoding.learn(data, ["g"], min_count=15)
    text = ["missing" if v is None else str(v) for v in values]
    counts = pd.Series(text).value_counts()
    present = [str(c) for c in categories if str(c) in counts.index]
    kept = [level for level in present if counts[level] >= 15]
    assert coding.levels["g"] == (*kept, "other")
    assert set(coding.pooled["g"]) == {level for level in present if counts[level] < 15}
    matrix = coding.apply(data)
    for level in kept[1:]:
        assert matrix[f"g_{level}"].tolist() == [float(t == level) for t in text], level
    assert matrix["g_other"].tolist() == [float(t not in kept) for t in text]


def test_numbers_of_every_dtype_are_read_as_the_same_floats() -> None:
    """Plain numpy columns (read together) and nullable ones give each value as a float;
    a missing value is refused naming the first such covariate in the coding's order."""
    data = pd.DataFrame(
        {
            "small": np.array([1, -2, 3], dtype=np.int8),
            "big": np.array([2**53 + 1, 7, -9], dtype=np.int64),
            "real": [0.1, 1e300, -0.0],
            "flag": [True, False, True],
            "count": pd.array([4, 5, 6], dtype="Int64"),
            "yes": pd.array([True, False, True], dtype="boolean"),
        }
    )
    columns = ["real", "yes", "small", "count", "big", "flag"]
    matrix = CovariateCoding.learn(data, columns).apply(data)
    for column in columns:
        expected = np.asarray(data[column].astype("Float64"), dtype=float)
        np.testing.assert_array_equal(matrix[column].to_numpy(), expected, strict=True)
    gaps = data.assign(count=pd.array([4, None, None], dtype="Int64"), real=[0.1, np.nan, 2.0])
    coding = CovariateCoding.learn(data, ["yes", "count", "real"])
    with pytest.raises(DataValidationError, match="row 1, column 'count', value <empty>: 2 value"):
        coding.apply(gaps)
    with pytest.raises(DataValidationError, match="row 1, column 'real', value 'nan': 1 value"):
        CovariateCoding.learn(data, ["real", "count"]).apply(gaps)
