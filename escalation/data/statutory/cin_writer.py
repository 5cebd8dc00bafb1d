"""Write a :class:`CaseHistory` as a CIN census XML return.

Used for round trips (history → XML → :func:`read_cin_census` → the same history, for
what the census holds) and for benchmarks; it is not a submission tool (it writes what
the contract holds, not every item the DfE requires).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

import pandas as pd

from escalation.data.history import CaseHistory

__all__ = ["CinWriteSummary", "write_cin_census"]

#: Episode kinds the CIN census holds.
CENSUS_KINDS: Final = ("referral", "assessment", "cin_plan", "s47", "icpc", "cp_plan", "death")
_GENDER: Final = {"M": "1", "F": "2", "U": "0"}


@dataclass(frozen=True)
class CinWriteSummary:
    """What :func:`write_cin_census` wrote.

    Parameters
    ----------
    path : Path
        The file written.
    children : int
        Children written.
    episodes : int
        Episodes written (deaths included).
    skipped : dict of str to int
        Episodes not written, by kind: kinds the census does not hold (``early_help``,
        ``looked_after``, ``moved_out``) and episodes that lie in no referral.
    """

    path: Path
    children: int
    episodes: int
    skipped: dict[str, int] = field(default_factory=dict)


def _iso(values: pd.Series) -> list[str | None]:
    text = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
    return [None if pd.isna(v) else str(v) for v in text]


def _text(values: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else str(v) for v in values.astype(object)]


def write_cin_census(
    history: CaseHistory,
    path: str | Path,
    *,
    year: int | None = None,
    lea: str = "000",
) -> CinWriteSummary:
    """Write a case history as a CIN census XML file.

    Parameters
    ----------
    history : CaseHistory
        A validated history.
    path : str or Path
        The file to write.
    year : int, optional
        The collection year (``Year`` in the header; ``2025`` is the 2024–25 census).
        Defaults to the extract date's year. From 2025 the child's sex is written as
        ``Sex`` (M/F/U), before as ``GenderCurrent`` (1/2/0).
    lea : str, default "000"
        The local authority's code for the header.

    Returns
    -------
    CinWriteSummary
        The file and what was written or skipped.

    Notes
    -----
    The ``ReferenceDate`` is the history's extract date. Each assessment, CIN plan,
    section 47 enquiry, conference and CP plan goes into the ``CINdetails`` of the
    referral open on its start date; one outside every referral is skipped. A
    conference goes into the latest earlier enquiry of its referral that has none, else
    into ``CINdetails/DateOfInitialCPC``. A referral closed on its start date with
    nothing in it, or with no closure reason, is written with ``ReferralNFA`` true, and
    without ``CINclosureDate`` when it has no reason (the reader closes it on its day).
    ``disability`` true is written as the code in a ``disabilities`` column when there is
    one, else ``DDA``; false as ``NONE``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from escalation.data.simulator import simulate_local_authority
    >>> from escalation.data.statutory import read_cin_census, write_cin_census
    >>> history = simulate_local_authority(50, seed=3).history
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "cin.xml"
    >>> summary = write_cin_census(history, out)
    >>> read_cin_census(out).children.shape[0] == summary.children == 50
    True
    """
    target = Path(path)
    reference = history.extract_date.date().isoformat()
    year = history.extract_date.year if year is None else int(year)
    sex_tag = "Sex" if year >= 2025 else "GenderCurrent"
    eps = history.episodes
    in_census = eps["kind"].astype(str).isin(CENSUS_KINDS)
    counted = eps.loc[~in_census, "kind"].astype(str).value_counts()
    skipped = {str(kind): int(n) for kind, n in counted.items()}
    eps = eps[in_census].sort_values(["child_id", "start"], kind="stable")
    columns = {
        "child_id": _text(eps["child_id"]),
        "kind": _text(eps["kind"]),
        "start": _iso(eps["start"]),
        "end": _iso(eps["end"]),
    }
    for name in ("source", "need", "factors", "category", "reason"):
        columns[name] = _text(eps[name]) if name in eps else [None] * len(eps)
    by_child: dict[str, list[int]] = {}
    for i, child_id in enumerate(columns["child_id"]):
        by_child.setdefault(str(child_id), []).append(i)

    kids = history.children
    disabilities = _text(kids["disabilities"]) if "disabilities" in kids else None
    parts: list[str] = [
        "<?xml version='1.0' encoding='utf-8'?>\n<Message>\n<Header>\n<CollectionDetails>\n"
        f"<Collection>CIN</Collection>\n<Year>{year}</Year>\n"
        f"<ReferenceDate>{reference}</ReferenceDate>\n</CollectionDetails>\n<Source>\n"
        f"<SourceLevel>L</SourceLevel>\n<LEA>{escape(lea)}</LEA>\n"
        "<SoftwareCode>escalation</SoftwareCode>\n<Release>1</Release>\n"
        f"<SerialNo>001</SerialNo>\n<DateTime>{reference}T00:00:00</DateTime>\n</Source>\n"
        "</Header>\n<Children>\n"
    ]
    written = 0
    expected_dates = (
        _iso(kids["expected_birth_date"]) if "expected_birth_date" in kids else [None] * len(kids)
    )
    rows = zip(
        _text(kids["child_id"]),
        _iso(kids["birth_date"]),
        expected_dates,
        _text(kids["sex"]) if "sex" in kids else [None] * len(kids),
        _text(kids["ethnicity"]) if "ethnicity" in kids else [None] * len(kids),
        _text(kids["disability"]) if "disability" in kids else [None] * len(kids),
        disabilities or [None] * len(kids),
        strict=True,
    )
    for child_id, birth, expected, sex, ethnicity, disability, codes in rows:
        mine = by_child.get(str(child_id), [])
        death = next((columns["start"][i] for i in mine if columns["kind"][i] == "death"), None)
        parts.append(
            f"<Child>\n<ChildIdentifiers>\n<LAchildID>{escape(str(child_id))}</LAchildID>\n"
        )
        if birth is not None and birth > reference:
            # unborn at the reference date: only the expected birth date is known
            parts.append(f"<ExpectedPersonBirthDate>{birth}</ExpectedPersonBirthDate>\n")
        else:
            parts.append(f"<PersonBirthDate>{birth}</PersonBirthDate>\n")
            parts.extend(_leaf("ExpectedPersonBirthDate", expected))
        if sex is not None:
            code = sex if sex_tag == "Sex" else _GENDER[sex]
            parts.append(f"<{sex_tag}>{code}</{sex_tag}>\n")
        if death is not None:
            parts.append(f"<PersonDeathDate>{death}</PersonDeathDate>\n")
            written += 1
        parts.append("</ChildIdentifiers>\n<ChildCharacteristics>\n")
        if ethnicity is not None:
            parts.append(f"<Ethnicity>{ethnicity}</Ethnicity>\n")
        if disability is not None:
            listed = (codes or "DDA").split(";") if disability == "True" else ["NONE"]
            parts.append("<Disabilities>\n")
            parts.extend(f"<Disability>{c}</Disability>\n" for c in listed)
            parts.append("</Disabilities>\n")
        parts.append("</ChildCharacteristics>\n")
        n, lost = _write_details(parts, columns, mine)
        written += n
        for kind in lost:
            skipped[kind] = skipped.get(kind, 0) + 1
        parts.append("</Child>\n")
    parts.append("</Children>\n</Message>\n")
    target.write_text("".join(parts), encoding="utf-8")
    return CinWriteSummary(target, len(kids), written, skipped)


def _write_details(
    parts: list[str], col: dict[str, list[str | None]], rows: list[int]
) -> tuple[int, list[str]]:
    """Write one child's CINdetails; return episodes written and kinds skipped."""
    kind = col["kind"]
    start = col["start"]
    end = col["end"]
    referrals = [i for i in rows if kind[i] == "referral"]
    starts = [str(start[i]) for i in referrals]
    groups: list[list[int]] = [[] for _ in referrals]
    lost: list[str] = []
    for i in rows:
        if kind[i] in ("referral", "death"):
            continue
        at = bisect_right(starts, str(start[i])) - 1
        closes = end[referrals[at]] if at >= 0 else None
        if at < 0 or (closes is not None and str(start[i]) > closes):
            lost.append(str(kind[i]))
            continue
        groups[at].append(i)
    written = 0
    for r, members in zip(referrals, groups, strict=True):
        written += 1 + len(members)
        s47 = [i for i in members if kind[i] == "s47"]
        icpc_of: dict[int, str] = {}
        top_icpc: str | None = None
        for i in (m for m in members if kind[m] == "icpc"):
            free = [j for j in s47 if str(start[j]) <= str(start[i]) and j not in icpc_of]
            if free:
                icpc_of[free[-1]] = str(start[i])
            elif top_icpc is None:
                top_icpc = start[i]
            else:
                lost.append("icpc")
                written -= 1
        nfa, closure = _closure(start[r], end[r], col["reason"][r], bool(members))
        parts.append(f"<CINdetails>\n<CINreferralDate>{start[r]}</CINreferralDate>\n")
        parts.extend(_leaf("ReferralSource", col["source"][r]))
        parts.extend(_leaf("PrimaryNeedCode", col["need"][r]))
        parts.extend(_leaf("CINclosureDate", closure))
        parts.extend(_leaf("ReasonForClosure", col["reason"][r]))
        parts.extend(_leaf("DateOfInitialCPC", top_icpc))
        for i in members:
            if kind[i] == "assessment":
                parts.append("<Assessments>\n")
                parts.extend(_leaf("AssessmentActualStartDate", start[i]))
                parts.extend(_leaf("AssessmentAuthorisationDate", end[i]))
                factors = col["factors"][i]
                if factors:
                    parts.append("<FactorsIdentifiedAtAssessment>\n")
                    parts.extend(
                        f"<AssessmentFactors>{f}</AssessmentFactors>\n" for f in factors.split(";")
                    )
                    parts.append("</FactorsIdentifiedAtAssessment>\n")
                parts.append("</Assessments>\n")
        for i in members:
            if kind[i] == "cin_plan":
                parts.append("<CINPlanDates>\n")
                parts.extend(_leaf("CINPlanStartDate", start[i]))
                parts.extend(_leaf("CINPlanEndDate", end[i]))
                parts.append("</CINPlanDates>\n")
        for i in s47:
            parts.append(f"<Section47>\n<S47ActualStartDate>{start[i]}</S47ActualStartDate>\n")
            parts.extend(_leaf("DateOfInitialCPC", icpc_of.get(i)))
            parts.append(
                f"<ICPCnotRequired>{'false' if i in icpc_of else 'true'}</ICPCnotRequired>\n"
            )
            parts.append("</Section47>\n")
        # the DfE schema's place for <ReferralNFA>: after the enquiries, before the plans
        parts.append(f"<ReferralNFA>{'true' if nfa else 'false'}</ReferralNFA>\n")
        for i in members:
            if kind[i] == "cp_plan":
                parts.append(f"<ChildProtectionPlans>\n<CPPstartDate>{start[i]}</CPPstartDate>\n")
                parts.extend(_leaf("CPPendDate", end[i]))
                parts.extend(_leaf("InitialCategoryOfAbuse", col["category"][i]))
                parts.extend(_leaf("LatestCategoryOfAbuse", col["category"][i]))
                parts.append("</ChildProtectionPlans>\n")
        parts.append("</CINdetails>\n")
    return written, lost


def _closure(
    start: str | None, end: str | None, reason: str | None, has_members: bool
) -> tuple[bool, str | None]:
    """Return a referral's ``ReferralNFA`` and the ``CINclosureDate`` to write.

    A referral closed on its start date is written with ``ReferralNFA`` true when nothing
    is in it or it has no closure reason. Without a reason its closure date is left out:
    the reader closes an NFA referral on its day, and a ``CINclosureDate`` without a
    ``ReasonForClosure`` is an error, so the file reads back as cleanly as it was read.

    Examples
    --------
    >>> _closure("2022-02-05", "2022-02-05", None, False)
    (True, None)
    >>> _closure("2022-02-05", "2022-02-05", "RC8", False)
    (True, '2022-02-05')
    >>> _closure("2022-02-05", "2022-02-05", "RC1", True), _closure("2022-02-05", None, None, False)
    ((False, '2022-02-05'), (False, None))
    """
    on_its_day = end is not None and end == start
    nfa = on_its_day and (not has_members or not reason)
    return nfa, None if nfa and not reason else end


def _leaf(tag: str, value: str | None) -> Iterator[str]:
    if value is not None and value != "":
        yield f"<{tag}>{escape(value)}</{tag}>\n"
