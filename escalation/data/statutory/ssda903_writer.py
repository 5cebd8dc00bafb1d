"""Write a :class:`CaseHistory` as an SSDA903 looked-after children return (CSV files).

The files have the columns of the DfE's SSDA903 return, in its order (``Header``:
``CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB``; ``Episodes``: ``CHILD, DECOM, RNE, LS,
CIN, PLACE, PLACE_PROVIDER, DEC, REC, REASON_PLACE_CHANGE, HOME_POST, PL_POST, URN``) and
its ``dd/mm/YYYY`` dates, so :func:`~escalation.data.statutory.read_ssda903` reads back
the periods of care that were written. It is a tool for round trips and for testing a
pipeline on a simulated authority, not for submitting returns: items the history does not
hold are left empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd

from escalation.data.history import CaseHistory

__all__ = ["EPISODE_COLUMNS", "HEADER_COLUMNS", "Ssda903WriteSummary", "write_ssda903"]

#: Columns of the return's Header table, in the DfE's order.
HEADER_COLUMNS: Final = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
#: Columns of the return's Episodes table, in the DfE's order.
EPISODE_COLUMNS: Final = (
    "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
)  # fmt: skip
_SEX: Final = {"M": "1", "F": "2"}
_CATEGORIES_OF_NEED: Final = frozenset(f"N{i}" for i in range(1, 9))
_DATE: Final = "%d/%m/%Y"


@dataclass(frozen=True)
class Ssda903WriteSummary:
    """What :func:`write_ssda903` wrote.

    Parameters
    ----------
    folder : Path
        The folder written.
    files : tuple of Path
        The CSV files written (a header and an episodes file per return).
    children : int
        Distinct children written (each looked after at least once).
    episodes : int
        Periods of care written (a period in several years' returns counts once).
    skipped : dict of str to int
        Episodes not written, by kind: every kind but ``looked_after`` (the return holds
        only periods of care; a death that ends one is written as ``REC = E2``), and
        periods of care outside every year asked for (``looked_after``).
    periods : pandas.DataFrame
        The periods of care written, as the files hold them together: ``child_id,
        start, end, legal_status, reason_ceased`` (``end`` empty for a period still open
        on the last 31 March written; codes empty when not written).
    looked_after : pandas.DataFrame
        The children written, as the files hold them: ``child_id, birth_date, sex``
        (``M``, ``F`` or empty), ``ethnicity``.
    """

    folder: Path
    files: tuple[Path, ...]
    children: int
    episodes: int
    skipped: dict[str, int] = field(default_factory=dict)
    periods: pd.DataFrame = field(default_factory=pd.DataFrame)
    looked_after: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_dict(self) -> dict[str, Any]:
        """Return what was written as a JSON-ready dictionary (dates ``YYYY-MM-DD``).

        It is what reading the files back should give, for checking a pipeline that reads
        them: ``children``, ``periods_of_care``, ``open_periods``, ``deaths`` (periods
        ceased with ``E2``), ``legal_status_on_entry`` (periods by code), and the rows of
        :attr:`periods` and :attr:`looked_after`.

        Examples
        --------
        >>> import tempfile
        >>> from escalation.data.simulator import simulate_local_authority
        >>> history = simulate_local_authority(300, seed=3).history
        >>> summary = write_ssda903(history, tempfile.mkdtemp(), years=[2024])
        >>> written = summary.to_dict()
        >>> written["periods_of_care"] == len(written["periods"]) == summary.episodes
        True
        """
        periods = _json_rows(self.periods)
        codes = pd.Series([row["legal_status"] or "unknown" for row in periods], dtype=object)
        return {
            "children": self.children,
            "periods_of_care": self.episodes,
            "open_periods": sum(row["end"] is None for row in periods),
            "deaths": sum(row["reason_ceased"] == "E2" for row in periods),
            "legal_status_on_entry": {str(k): int(n) for k, n in codes.value_counts().items()},
            "periods": periods,
            "looked_after": _json_rows(self.looked_after),
        }


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dictionaries: dates ``YYYY-MM-DD``, empty values None."""
    out = frame.astype(object).copy()
    for column in out.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[column] = values.dt.strftime("%Y-%m-%d")
        out[column] = out[column].where(values.notna() & (values.astype(str) != ""), None)
    return [{str(k): v for k, v in row.items()} for row in out.to_dict("records")]


def _dates(values: pd.Series) -> pd.Series:
    text = pd.to_datetime(values).dt.strftime(_DATE)
    return text.where(values.notna(), "")


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").astype(object)


def _periods(history: CaseHistory) -> pd.DataFrame:
    """One row per period of care with every Episodes column filled from the history."""
    eps = history.episodes
    care = eps[eps["kind"].astype(str) == "looked_after"].copy()
    care["start"] = pd.to_datetime(care["start"])
    care["end"] = pd.to_datetime(care["end"])
    care = care.sort_values(["child_id", "start"], kind="stable").reset_index(drop=True)
    out = pd.DataFrame(
        {
            "child_id": care["child_id"].astype(str),
            "start": care["start"],
            "end": care["end"],
            "LS": _text(care["legal_status"]) if "legal_status" in care else "",
            "PLACE": _text(care["placement"]) if "placement" in care else "",
        }
    )
    out["CIN"] = _category_of_need(care, eps)
    out["REC"] = _reason_ceased(care, eps)
    return out


def _category_of_need(care: pd.DataFrame, eps: pd.DataFrame) -> pd.Series:
    """Return the period's own code, else the need of its latest referral by its start."""
    given = _text(care["category_of_need"]) if "category_of_need" in care else None
    referrals = eps[(eps["kind"].astype(str) == "referral")]
    if "need" not in eps or referrals.empty:
        need = pd.Series("", index=care.index, dtype=object)
    else:
        left = pd.DataFrame(
            {"child_id": care["child_id"].astype(str), "start": care["start"], "row": care.index}
        ).sort_values("start", kind="stable")
        right = pd.DataFrame(
            {
                "child_id": referrals["child_id"].astype(str),
                "start": pd.to_datetime(referrals["start"]),
                "need": referrals["need"].astype("string"),
            }
        ).sort_values("start", kind="stable")
        joined = pd.merge_asof(left, right, on="start", by="child_id", direction="backward")
        need = joined.set_index("row")["need"].reindex(care.index)
        need = need.where(need.isin(_CATEGORIES_OF_NEED), "").fillna("").astype(object)
    if given is None:
        return need
    return given.where(given != "", need)


def _reason_ceased(care: pd.DataFrame, eps: pd.DataFrame) -> pd.Series:
    """Return the period's own code, else ``E2`` if the child died on its last day."""
    rec = _text(care["reason_ceased"]) if "reason_ceased" in care else None
    deaths = eps[eps["kind"].astype(str) == "death"]
    died = pd.MultiIndex.from_arrays(
        [deaths["child_id"].astype(str), pd.to_datetime(deaths["start"])]
    )
    ended = pd.MultiIndex.from_arrays([care["child_id"].astype(str), care["end"]])
    derived = pd.Series(
        ["E2" if hit else "" for hit in ended.isin(died)], index=care.index, dtype=object
    )
    out = derived if rec is None else rec.where(rec != "", derived)
    return out.where(care["end"].notna(), "")


def _write_return(
    periods: pd.DataFrame, children: pd.DataFrame, folder: Path, suffix: str
) -> tuple[Path, Path]:
    """Write one return's Header and Episodes files."""
    episodes = pd.DataFrame(
        {
            "CHILD": periods["child_id"],
            "DECOM": _dates(periods["start"]),
            "RNE": "S",
            "LS": periods["LS"],
            "CIN": periods["CIN"],
            "PLACE": periods["PLACE"],
            "PLACE_PROVIDER": "",
            "DEC": _dates(periods["end"]),
            "REC": periods["REC"],
            "REASON_PLACE_CHANGE": "",
            "HOME_POST": "",
            "PL_POST": "",
            "URN": "",
        },
        columns=list(EPISODE_COLUMNS),
    )
    kids = _children_written(children, periods)
    header = pd.DataFrame(
        {
            "CHILD": kids["child_id"],
            "SEX": kids["sex"].map(lambda s: _SEX.get(s, "")),
            "DOB": _dates(kids["birth_date"]),
            "ETHNIC": kids["ethnicity"],
            "UPN": "",
            "MOTHER": "",
            "MC_DOB": "",
        },
        columns=list(HEADER_COLUMNS),
    )
    head_path = folder / f"header{suffix}.csv"
    episodes_path = folder / f"episodes{suffix}.csv"
    header.to_csv(head_path, index=False)
    episodes.to_csv(episodes_path, index=False)
    return head_path, episodes_path


def write_ssda903(
    history: CaseHistory,
    folder: str | Path,
    *,
    years: Iterable[int] | None = None,
) -> Ssda903WriteSummary:
    """Write a case history's periods of care as an SSDA903 return (CSV files).

    Parameters
    ----------
    history : CaseHistory
        A validated history.
    folder : str or Path
        The folder to write (created if needed).
    years : iterable of int, optional
        Collection years to write, one return each (``2024`` is the 2023–24 return: 1
        April 2023 to 31 March 2024), as ``header_2024.csv`` and ``episodes_2024.csv``.
        Each return holds the periods of care open at some time in its year, a period
        still running on its 31 March written as open, and the children looked after in
        it; the latest year's files then hold each period's end. By default one return
        (``header.csv``, ``episodes.csv``) holds every period of care of the history.

    Returns
    -------
    Ssda903WriteSummary
        The files and what was written or skipped.

    Notes
    -----
    Each period of care is one episode starting a period (``RNE = S``): ``DECOM`` and
    ``DEC`` are its start and end, ``LS`` its ``legal_status``, ``PLACE`` its
    ``placement`` and ``CIN`` its ``category_of_need`` when the history has those
    columns (a history read from SSDA903 does). Otherwise ``CIN`` is the primary need of
    the child's latest referral starting by the period's start (when it is one of
    N1–N8) and ``PLACE`` is empty. ``REC`` is the period's ``reason_ceased``, else
    ``E2`` when the child died on its last day, else empty: a simulated history records
    no other reason for leaving care. The header's ``SEX`` is 1 (M), 2 (F) or empty;
    ``UPN``, ``MOTHER``, ``MC_DOB`` and the placement details are empty, and the UASC,
    missing and reviews tables are not written. Reading the folder back with
    :func:`~escalation.data.statutory.read_ssda903` gives the same ``looked_after``
    episodes (child, start, end, legal status), the deaths that end a period, and the
    looked-after children's birth dates, sex and ethnicity.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from escalation.data.simulator import simulate_local_authority
    >>> from escalation.data.statutory import read_ssda903, write_ssda903
    >>> history = simulate_local_authority(300, seed=3).history
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> summary = write_ssda903(history, folder, years=[2023, 2024])
    >>> [path.name for path in summary.files]
    ['header_2023.csv', 'episodes_2023.csv', 'header_2024.csv', 'episodes_2024.csv']
    >>> back = read_ssda903(folder, extract_date=history.extract_date)
    >>> int((back.episodes["kind"] == "looked_after").sum()) == summary.episodes
    True
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    kinds = history.episodes["kind"].astype(str)
    counted = kinds[kinds != "looked_after"].value_counts()
    skipped = {str(kind): int(n) for kind, n in counted.items()}
    periods = _periods(history)
    files: list[Path] = []
    if years is None:
        files.extend(_write_return(periods, history.children, target, ""))
        written = periods
    else:
        seen = pd.Series(False, index=periods.index)
        for year in sorted({int(y) for y in years}):
            first, last = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
            active = (periods["start"] <= last) & (
                periods["end"].isna() | (periods["end"] >= first)
            )
            part = periods[active].copy()
            running = part["end"] > last
            part.loc[running, "end"] = pd.NaT
            part.loc[running, "REC"] = ""
            files.extend(_write_return(part, history.children, target, f"_{year}"))
            seen |= active
        written = periods[seen]
        if (~seen).any():
            skipped["looked_after"] = int((~seen).sum())
    return Ssda903WriteSummary(
        folder=target,
        files=tuple(files),
        children=int(written["child_id"].nunique()),
        episodes=len(written),
        skipped=skipped,
        periods=_as_written(written, None if years is None else max(int(y) for y in years)),
        looked_after=_children_written(history.children, written),
    )


def _as_written(periods: pd.DataFrame, last_year: int | None) -> pd.DataFrame:
    """Return the periods as the files hold them together (open after the last 31 March)."""
    end = periods["end"]
    running = pd.Series(False, index=periods.index)
    if last_year is not None:
        running = end > pd.Timestamp(last_year, 3, 31)
    out = pd.DataFrame(
        {
            "child_id": periods["child_id"],
            "start": periods["start"],
            "end": end.where(~running),
            "legal_status": periods["LS"],
            "reason_ceased": periods["REC"].where(~running, ""),
        }
    )
    return out.reset_index(drop=True)


def _children_written(children: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """Return the children of ``periods`` as the header files hold them."""
    kids = children[children["child_id"].astype(str).isin(set(periods["child_id"]))]
    sex = _text(kids["sex"]) if "sex" in kids else pd.Series("", index=kids.index)
    return pd.DataFrame(
        {
            "child_id": kids["child_id"].astype(str),
            "birth_date": pd.to_datetime(kids["birth_date"]),
            "sex": sex.where(sex.isin(list(_SEX)), ""),
            "ethnicity": _text(kids["ethnicity"]) if "ethnicity" in kids else "",
        }
    ).reset_index(drop=True)
