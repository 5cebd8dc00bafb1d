"""Table 1 through disclosure control, out as CSV, HTML, LaTeX and Word.

Every count of :class:`~escalation.causal.TableOne` is rounded or suppressed under the
design's :class:`~escalation.disclosure.DisclosureRules`
(:func:`~escalation.disclosure.disclose_count`) and percentages are recomputed
from the disclosed counts before any of the files is written. Summaries of a number are
shown only where they rest on enough children: a mean (SD) needs the threshold of children
of the arm with the value recorded, a median [Q1, Q3] the threshold of them below its lower
quartile.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from escalation._archives import fix_archive_times
from escalation.disclosure import (
    DEFAULT_RULES,
    WITHHELD_LABEL,
    DisclosureRules,
    complementary_suppression,
    disclose_count,
)
from escalation.results import latex_escape
from escalation.timeline.matrix import OTHER

__all__ = [
    "TABLE_ONE_NOTE",
    "disclosed_table_one",
    "hidden_indicators",
    "table_one_html",
    "table_one_latex",
    "table_one_note",
    "write_table_one",
    "write_table_one_docx",
]


def table_one_note(rules: DisclosureRules = DEFAULT_RULES) -> str:
    """Return the note beneath Table 1: rounding, percentages and SMD, under ``rules``.

    :func:`table_one_html`'s footer, the LaTeX and Word tables' note; the brief prints it
    beneath the table's scrolling box instead. It states the rules the counts were
    disclosed under (the design's ``[disclosure]``).

    Examples
    --------
    >>> table_one_note(DisclosureRules(threshold=20, rounding=10))[:69]
    'Counts are rounded to the nearest 10 and counts below 20 shown as <20'
    >>> "exact" in table_one_note(DisclosureRules(threshold=10, rounding=1))
    True
    """
    rounded = (
        f"Counts are rounded to the nearest {rules.rounding}"
        if rules.rounding > 1
        else "Counts are exact"
    )
    below = rules.threshold
    return (
        f"{rounded} and counts below {below} shown as <{below}; [c]: not "
        f"shown, so that a count below {below} cannot be worked out from the n of its arm; "
        "percentages are of the rounded counts of children with the value recorded, and "
        "not shown for an arm whose number missing is not shown. SMD: "
        "absolute standardised mean difference between the arms (0.1 or more is usually "
        "taken as imbalance), for a characteristic with counts computed from the rounded "
        "counts, as the percentages are; not shown for a characteristic with a count or "
        "summary not shown, which it would narrow. Missing: children with the value not "
        "recorded, in all arms, rounded as the other counts (0: none)."
    )


#: The note beneath Table 1 under the default disclosure rules (:func:`table_one_note`).
TABLE_ONE_NOTE: Final = table_one_note()


#: Shown instead of a summary that rests on too few children.
NOT_SHOWN = "not shown"


def _complements(t1: Any, rules: DisclosureRules) -> set[tuple[str, str, str]]:
    """Return the counts of Table 1 withheld to protect a suppressed one: (variable, level, arm).

    The counts of a characteristic in an arm add up to the arm's n, which is published:
    the levels shown, the children without the flag (for a yes/no row, which shows only
    those with it) and, when the arm has missing values, the arm's missing (an arm with
    none has no such cell: none missing tells nothing). The arms' missing add up to the
    Missing column. When one count of either sum is suppressed, or suppressed counts
    adding up to less than the threshold, the smallest others are withheld too
    (:func:`~escalation.disclosure.complementary_suppression`), so that none can be
    worked out by subtraction. Only levels shown are returned (the others
    are not printed; see :func:`_hidden_totals` for the missing).

    Examples
    --------
    >>> from escalation.causal import table_one
    >>> spells = pd.DataFrame({"treatment": [1] * 60,
    ...                        "sex": ["F"] * 26 + ["M"] * 30 + ["U"] * 4})
    >>> sorted(_complements(table_one(spells, variables=["sex"]), DEFAULT_RULES))
    [('sex', 'Female', 'Early help')]
    """
    cells = _printed_cells(t1, rules)
    withheld = cells["hidden"] & (cells["count"] >= rules.threshold)
    return {
        (str(r.variable), str(r.label), str(r.group))
        for r in cells[withheld.to_numpy()].itertuples(index=False)
    }


def _hidden_totals(t1: Any, rules: DisclosureRules) -> tuple[set[tuple[str, str]], set[str]]:
    """Return the arms' numbers missing that are hidden, and the Missing cells withheld.

    An arm's number missing hidden (below the threshold, or withheld as a complement)
    withholds its number with the value recorded and so its percentages of the
    characteristic (:func:`~escalation.disclosure.share_of_recorded`): beside the arm's
    published n they gave it back. A Missing cell (the sum over the arms) is withheld
    (``[c]``) when it is the complement of an arm's; a small one reads ``<10`` anyway.

    Returns
    -------
    tuple
        ``{(variable, arm)}`` with the arm's number missing hidden, and ``{variable}``
        whose Missing is withheld though not small.
    """
    cells = _cells(t1, rules)
    hidden = cells[cells["hidden"].to_numpy(dtype=bool)]
    arms = hidden[hidden["role"] == "missing"]
    margins = hidden[(hidden["role"] == "all missing") & (hidden["count"] >= rules.threshold)]
    recorded = {(str(v), str(g)) for v, g in zip(arms["variable"], arms["group"], strict=True)}
    return recorded, {str(v) for v in margins["variable"]}


def _printed_cells(t1: Any, rules: DisclosureRules) -> pd.DataFrame:
    """Return Table 1's printed counts, each with whether it is hidden (``<10`` or ``[c]``).

    One row per printed count: ``variable, group, level, label, count, hidden``. The
    counts of a characteristic in an arm (with the children without a flag and the
    arm's missing, which are not printed) are put through complementary suppression as
    :func:`_complements` describes (:func:`_cells`).
    """
    cells = _cells(t1, rules)
    printed = cells[cells["role"] == "level"]
    return printed.drop(columns="role").reset_index(drop=True)


#: The columns of :func:`_cells`.
_CELL_COLUMNS: Final = ("variable", "group", "level", "label", "count", "role")


def _cells(t1: Any, rules: DisclosureRules) -> pd.DataFrame:
    """Return every count of Table 1's characteristics with counts, each with whether hidden.

    ``role`` says what a cell is: a printed ``level``, the children ``without`` a yes/no
    flag and an arm's ``missing`` (not printed; an arm's only where it has missing
    values), and ``all missing``, the Missing column (the sum over the arms, a margin of
    the arms' missing). Hidden: below the threshold, or withheld by complementary
    suppression over both sums (an arm's cells add up to its n, the arms' missing to the
    Missing column), then, where a small printed count is the only printed count hidden
    in its arm, the smallest other printed one.
    """
    rows = list(_cell_rows(t1.stats)) if len(t1.stats) else []
    raw = pd.DataFrame(rows, columns=list(_CELL_COLUMNS))
    if not len(raw):
        return raw.assign(hidden=pd.Series(dtype=bool))
    counts = raw["count"].to_numpy(dtype=float)
    small = np.array([disclose_count(c, rules) is None for c in counts], dtype=bool)
    margin = raw["role"].isin(["missing", "all missing"])
    unique = pd.Series(range(len(raw)), dtype=object).astype(str)
    arm = (raw["variable"].astype(str) + "\x1f" + raw["group"].astype(str)).where(
        raw["role"] != "all missing", "total " + unique
    )
    missing_sum = raw["variable"].astype(str).where(margin, "cell " + unique)
    raw["hidden"] = complementary_suppression(
        counts, small, [arm.to_numpy(), missing_sum.to_numpy()], rules.threshold
    )
    # A small printed count's complement must also be a printed count where it can be:
    # where a small printed count is the only printed count hidden in its arm, the
    # smallest other printed one is withheld too.
    printed = raw[raw["role"] == "level"]
    for _, part in printed.groupby(["variable", "group"], sort=False):
        hidden = part[part["hidden"]]
        alone = len(hidden) == 1 and hidden["count"].iloc[0] < rules.threshold
        if alone and (~part["hidden"]).any():
            raw.loc[part.loc[~part["hidden"], "count"].idxmin(), "hidden"] = True
    return raw


def _cell_rows(stats: pd.DataFrame) -> Iterator[tuple[str, str, str, str, float, str]]:
    """Yield the cells of :func:`_cells`: ``variable, group, level, label, count, role``."""
    counted = stats[stats["kind"] != "numeric"]
    for (variable, group), part in counted.groupby(["variable", "group"], sort=False):
        first = part.iloc[0]
        recorded = part[part["level"].notna()]  # a characteristic no child has: no level
        for level, label, c in zip(
            recorded["level"], recorded["level_label"], recorded["count"], strict=True
        ):
            yield (str(variable), str(group), str(level), str(label), float(c), "level")
        if first["kind"] == "binary":  # the children without the flag: n - those with it
            yield (str(variable), str(group), "", "", float(first["n"] - part["count"].sum()),
                   "without")  # fmt: skip
        if first["missing"] > 0:
            yield (str(variable), str(group), "", "", float(first["missing"]), "missing")
    arms = counted.drop_duplicates(["variable", "group"])
    for variable, total in arms.groupby("variable", sort=False)["missing"].sum().items():
        if total > 0:
            yield (str(variable), "", "", "", float(total), "all missing")


def hidden_indicators(t1: Any, coding: object, rules: DisclosureRules = DEFAULT_RULES) -> set[str]:
    """Return the coded 0/1 columns whose counts Table 1 does not print, in either arm.

    A count Table 1 hides (below the threshold, or ``[c]`` to protect one that is) must
    not be published elsewhere: the balance table's SMD of an indicator, computed from
    its disclosed counts, gives them back (the SMD of a ``[c]`` count against the other
    arm's printed one has one solution). The hidden counts are Table 1's own
    (:func:`_printed_cells`, the rule of :func:`disclosed_table_one`), mapped to the
    columns of ``coding``: a yes/no flag's column is its name, a level's is
    ``<variable>_<level>``, and a level a
    :class:`~escalation.timeline.matrix.CovariateCoding` pools into ``other`` hides
    ``<variable>_other``, whose count is a sum of it.

    Parameters
    ----------
    t1 : TableOne
        Table 1 as computed (raw counts), e.g. :func:`~escalation.causal.table_one`.
    coding : CovariateCoding or FormulaCoding
        The coding of the model's covariates (``PropensityResult.coding``); its
        ``names`` are the coded columns.
    rules : DisclosureRules, optional
        The rules Table 1 is disclosed under.

    Examples
    --------
    >>> from escalation.causal import table_one
    >>> from escalation.timeline.matrix import CovariateCoding
    >>> spells = pd.DataFrame({"treatment": [1] * 60 + [0] * 60,
    ...                        "sex": ["F"] * 26 + ["M"] * 30 + ["U"] * 4 + ["F", "M"] * 30})
    >>> coding = CovariateCoding.learn(spells, ["sex"], min_count=1)
    >>> sorted(hidden_indicators(table_one(spells, variables=["sex"]), coding))
    ['sex_U']
    """
    names = set(getattr(coding, "names", ()))
    pooled: dict[str, tuple[str, ...]] = getattr(coding, "pooled", {})
    kinds = dict(zip(t1.stats["variable"], t1.stats["kind"], strict=False)) if len(t1.stats) else {}
    cells = _printed_cells(t1, rules)
    out = set()
    for r in cells[cells["hidden"].to_numpy(dtype=bool)].itertuples(index=False):
        variable, level = str(r.variable), str(r.level)
        if kinds.get(variable) == "binary":
            out.add(variable)
        else:
            out.add(f"{variable}_{level}")
            if level in pooled.get(variable, ()):
                out.add(f"{variable}_{OTHER}")
    return out & names


def disclosed_table_one(t1: Any, rules: DisclosureRules = DEFAULT_RULES) -> pd.DataFrame:
    """Return the printed Table 1 with every count and summary under disclosure control.

    Within each characteristic and arm, a count withheld so that a suppressed one cannot
    be worked out from the arm's n reads ``[c]`` (:func:`_complements`). An arm whose
    number missing is hidden has no percentages for the characteristic, which has no SMD
    (:func:`_hidden_totals`).

    Examples
    --------
    >>> from escalation.causal import table_one
    >>> spells = pd.DataFrame({"treatment": [1] * 12 + [0] * 14, "sex": ["F"] * 26,
    ...                        "age": range(26)})
    >>> table = disclosed_table_one(table_one(spells, variables=["sex", "age"]))
    >>> table["Early help"].tolist()
    ['10', '10 (100.0)', '5.50 (3.61)']
    >>> disclosed_table_one(table_one(spells, variables=["age"], nonnormal=["age"]))[
    ...     "Early help"].tolist()
    ['10', 'not shown']
    """
    recorded_withheld, missing_withheld = _hidden_totals(t1, rules)
    table: pd.DataFrame = t1.table(
        count_rule=lambda c: disclose_count(c, rules),
        suppressed=f"<{rules.threshold}",
        withheld=_complements(t1, rules),
        withheld_text=WITHHELD_LABEL,
        summary_shown=lambda recorded, summary: _summary_shown(recorded, summary, rules),
        hidden_summary=NOT_SHOWN,
        recorded_withheld=recorded_withheld,
        missing_withheld=missing_withheld,
    )
    label = table["Characteristic"].astype(str)
    block = label.where(label != "").ffill().fillna("")
    medians = block.str.endswith(", median [Q1, Q3]").to_numpy()
    groups = list(t1.groups)
    # One format across the arms of a row, decided after an arm is withheld: its values
    # must not set the others' decimals.
    if medians.any():
        rows = table[medians][groups]
        formatted = pd.DataFrame(
            [_whole_numbers(list(row)) for row in rows.itertuples(index=False)],
            index=rows.index,
            columns=groups,
        )
        for group in groups:
            table[group] = table[group].where(~medians, formatted[group])
    _hide_revealing_smds(table, block, groups, (f"<{rules.threshold}", WITHHELD_LABEL, NOT_SHOWN))
    level = table["Level"].astype(str)
    table["Level"] = level.map(_YES_NO).fillna(table["Level"])
    return table


def _summary_shown(recorded: int, summary: str, rules: DisclosureRules) -> bool:
    """Whether a summary of a number in an arm rests on enough children to be shown.

    ``recorded`` is the number of children of the arm with the value recorded, not the
    arm's size: a mean (SD) of two recorded values among 200 gave both values back, and
    the quartiles of three all three. A mean (SD) needs the threshold of them, a median
    [Q1, Q3] the threshold below its lower quartile.

    Examples
    --------
    >>> _summary_shown(200, "mean", DEFAULT_RULES), _summary_shown(2, "mean", DEFAULT_RULES)
    (True, False)
    >>> _summary_shown(39, "median", DEFAULT_RULES), _summary_shown(40, "median", DEFAULT_RULES)
    (False, True)
    """
    resting_on = recorded if summary == "mean" else 0.25 * recorded
    return resting_on >= rules.threshold


def _hide_revealing_smds(
    table: pd.DataFrame, block: pd.Series, groups: Sequence[str], hidden: tuple[str, ...]
) -> None:
    """Withhold the SMDs of characteristics with a count or summary withheld (in place).

    The SMD of a characteristic with counts is computed from its counts as published, as
    the percentages are (:meth:`~escalation.causal.TableOne.table`'s ``count_rule``); with
    a count withheld it can only come from the exact shares (or means and SDs) of every
    level in both arms, and printed to three decimals beside a suppressed count it
    narrowed that count (Sex in one arm: Female [c], Male 525, Unknown <10, SMD 0.053 put
    Unknown at 6 to 9).
    """
    smds = [c for c in table.columns if str(c).startswith("SMD")]
    cells = table[list(groups)].astype(str)
    withheld = cells.apply(lambda column: column.str.startswith(hidden)).any(axis=1)
    revealing = block[withheld.to_numpy()].unique()
    rows = block.isin(revealing) & (table[smds].astype(str) != "").any(axis=1)
    table.loc[rows, smds] = NOT_SHOWN


#: Levels of a yes/no characteristic as Table 1 shows them.
_YES_NO: Final = {"True": "Yes", "False": "No"}
_NUMBER: Final = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _whole_numbers(cells: Sequence[object]) -> list[object]:
    """Print one row's medians [Q1, Q3] of days or counts as whole numbers where they are.

    Where a median or quartile of the row falls between two values (a half), every cell of
    the row keeps one decimal, so that the arms side by side have one format.

    Examples
    --------
    >>> _whole_numbers(["1108.00 [29.00, 1215.00]", "70.00 [34.00, 1189.00]"])
    ['1,108 [29, 1,215]', '70 [34, 1,189]']
    >>> _whole_numbers(["53.00 [32.00, 992.50]", "70.00 [34.00, 1189.00]"])
    ['53.0 [32.0, 992.5]', '70.0 [34.0, 1,189.0]']
    """
    texts = [text for text in cells if isinstance(text, str)]
    values = [float(v.replace(",", "")) for text in texts for v in _NUMBER.findall(text)]
    digits = 0 if all(v == int(v) for v in values) else 1
    return [
        _NUMBER.sub(lambda m: f"{float(m.group().replace(',', '')):,.{digits}f}", text)
        if isinstance(text, str)
        else text
        for text in cells
    ]


def _row_label(text: object) -> str:
    """Return a row label escaped for HTML, with a break allowed after each slash.

    A label such as "Individual: family member/relative/carer" is one word to a browser:
    it held Table 1's first column wide enough on a 360-pixel phone to push the arms'
    numbers out of view. ``<wbr>`` lets the label wrap there, nowhere else.

    Examples
    --------
    >>> _row_label("Individual: family member/relative/carer")
    'Individual: family member/<wbr>relative/<wbr>carer'
    >>> _row_label("Gypsy/Roma & <other>")
    'Gypsy/<wbr>Roma &amp; &lt;other&gt;'
    """
    return html.escape(str(text)).replace("/", "/<wbr>")


def table_one_html(
    table: pd.DataFrame,
    *,
    caption: str = "Table 1. Baseline characteristics",
    footer: bool = True,
    rules: DisclosureRules = DEFAULT_RULES,
) -> str:
    """Return Table 1 as an HTML ``<table>`` (numbers right-aligned).

    With ``footer`` the note on rounding and SMD (:func:`table_one_note` under ``rules``,
    the rules the table was disclosed under) is the table's footer; the brief prints it
    beneath the table instead (``footer=False``), since a footer spans the whole table and
    is cut off, like its right-hand columns, in the scrolling box a phone shows it in.

    A characteristic with levels (sex, ethnicity, ...) heads its own row, with its SMD and
    missing count, and its levels follow in the first column, indented: the table has one
    text column, not two, so that the arms' numbers stay on a phone's screen.

    Examples
    --------
    >>> frame = pd.DataFrame({"Characteristic": ["n", "Sex, n (%)", ""],
    ...                       "Level": ["", "Female", "Male"], "A": ["10", "5 (50.0)", "5 (50.0)"]})
    >>> html = table_one_html(frame)
    >>> "<caption>" in html, html.count('class="level"')
    (True, 2)
    """
    columns = [c for c in table.columns if c not in ("Characteristic", "Level")]
    arms = {c for c in columns if not str(c).startswith("SMD") and c != "Missing"}
    head = '<th scope="col">Characteristic</th>' + "".join(
        f'<th scope="col">{html.escape(str(c))}</th>' for c in columns
    )

    def cells(row: Mapping[Any, Any], keep: set[Any]) -> str:
        return "".join(
            f'<td class="num">{html.escape(str(row[c]))}</td>' if c in keep else "<td></td>"
            for c in columns
        )

    body = []
    for row in table.to_dict("records"):
        name, level = (_row_label(row[c]) for c in ("Characteristic", "Level"))
        if name and level:  # a characteristic with levels heads its own row
            body.append(
                f'<tr class="block"><th scope="rowgroup">{name}</th>'
                f"{cells(row, set(columns) - arms)}</tr>"
            )
            body.append(f'<tr class="level"><th scope="row">{level}</th>{cells(row, arms)}</tr>')
        elif level:
            body.append(f'<tr class="level"><th scope="row">{level}</th>{cells(row, arms)}</tr>')
        else:
            body.append(f'<tr><th scope="row">{name}</th>{cells(row, set(columns))}</tr>')
    return (
        '<table class="tableone">'
        f"<caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
        + (
            f'<tfoot><tr><td colspan="{len(columns) + 1}">'
            f"{html.escape(table_one_note(rules))}</td></tr>"
            "</tfoot>"
            if footer
            else ""
        )
        + "</table>"
    )


def table_one_latex(
    table: pd.DataFrame,
    *,
    caption: str = "Baseline characteristics",
    label: str = "tab:one",
    rules: DisclosureRules = DEFAULT_RULES,
) -> str:
    r"""Return Table 1 as a publication-ready LaTeX table (``booktabs``).

    Its note states ``rules``, the rules the table was disclosed under.

    Examples
    --------
    >>> frame = pd.DataFrame({"Characteristic": ["Age, mean (SD)"], "Level": [""],
    ...                       "A": ["7.00 (2.00)"]})
    >>> "\\toprule" in table_one_latex(frame)
    True
    """
    align = "ll" + "r" * (len(table.columns) - 2)
    lines = [
        r"\begin{table}[htbp]",
        r"\centering",
        r"\small",
        rf"\caption{{{latex_escape(caption)}}}",
        rf"\label{{{label}}}",
        rf"\begin{{tabular}}{{{align}}}",
        r"\toprule",
        " & ".join(latex_escape(c) for c in table.columns) + r" \\",
        r"\midrule",
    ]
    for row in table.itertuples(index=False):
        lines.append(" & ".join(latex_escape(v) for v in row) + r" \\")
    lines += [
        r"\bottomrule",
        r"\end{tabular}",
        rf"\par\smallskip\footnotesize {latex_escape(table_one_note(rules))}",
        r"\end{table}",
    ]
    return "\n".join(lines) + "\n"


def write_table_one_docx(
    table: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "Table 1",
    rules: DisclosureRules = DEFAULT_RULES,
) -> Path:
    """Write Table 1 as a Word document (one table, header row repeated, note beneath).

    The note states ``rules``, the rules the table was disclosed under.

    Uses python-docx; the table opens in Word and LibreOffice ready to paste into a report.
    """
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = Document()
    document.add_heading(title + ". Baseline characteristics by arm", level=2)
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    for cell, name in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.text = str(name)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in table.itertuples(index=False):
        cells = grid.add_row().cells
        for column, (cell, value) in enumerate(zip(cells, row, strict=True)):
            cell.text = str(value)
            if column >= 2:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for row in grid.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    note = document.add_paragraph(table_one_note(rules))
    for run in note.runs:
        run.font.size = Pt(8)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(target))
    return fix_archive_times(target)  # the same bytes on every run


def write_table_one(
    t1: Any,
    folder: str | Path,
    *,
    stem: str = "table_one",
    rules: DisclosureRules = DEFAULT_RULES,
) -> list[Path]:
    """Write the disclosed Table 1 as CSV, HTML, LaTeX and Word into ``folder``.

    Parameters
    ----------
    t1 : TableOne
        From :func:`escalation.causal.table_one`.
    folder : str or Path
        Where the files go (created if needed).
    stem : str, default "table_one"
        The files' name without extension.
    rules : DisclosureRules
        The disclosure rules.

    Returns
    -------
    list of Path
        ``table_one.csv``, ``.html``, ``.tex`` and ``.docx``.
    """
    table = disclosed_table_one(t1, rules)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / f"{stem}.csv", out / f"{stem}.html", out / f"{stem}.tex"]
    table.to_csv(written[0], index=False)
    written[1].write_text(table_one_html(table, rules=rules), encoding="utf-8")
    written[2].write_text(table_one_latex(table, rules=rules), encoding="utf-8")
    written.append(write_table_one_docx(table, out / f"{stem}.docx", rules=rules))
    return written
