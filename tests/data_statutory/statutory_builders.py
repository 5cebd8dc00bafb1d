"""Builders of CIN census XML and SSDA903 CSV test files.

Written from the DfE CIN census specifications (2018-19 to 2025-26: element names, order
and code lists) and the SSDA903 guidance; no other project's fixtures are copied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def samples_dir() -> Path:
    """The project's shared samples folder (``shared/samples`` beside the repository).

    The repository may be checked out as ``repo/`` or as a worktree ``wt/name/``; the
    folder is looked for beside each ancestor. The samples are used in place, never copied.
    """
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "samples"
        if candidate.is_dir():
            return candidate
    return here.parents[2] / ".." / "shared" / "samples"


def leaf(tag: str, value: object | None) -> str:
    """One element, or nothing when the value is None."""
    return "" if value is None else f"<{tag}>{value}</{tag}>\n"


def assessment(
    start: str | None = "2020-01-12",
    review: str | None = None,
    auth: str | None = None,
    factors: Sequence[str] = (),
) -> str:
    inner = leaf("AssessmentActualStartDate", start) + leaf("AssessmentInternalReviewDate", review)
    inner += leaf("AssessmentAuthorisationDate", auth)
    if factors:
        inner += "<FactorsIdentifiedAtAssessment>\n"
        inner += "".join(leaf("AssessmentFactors", f) for f in factors)
        inner += "</FactorsIdentifiedAtAssessment>\n"
    return f"<Assessments>\n{inner}</Assessments>\n"


def cin_plan(start: str | None, end: str | None = None) -> str:
    inner = leaf("CINPlanStartDate", start) + leaf("CINPlanEndDate", end)
    return f"<CINPlanDates>\n{inner}</CINPlanDates>\n"


def section47(
    start: str | None,
    target: str | None = None,
    icpc: str | None = None,
    not_required: str | None = "false",
) -> str:
    inner = leaf("S47ActualStartDate", start) + leaf("InitialCPCtarget", target)
    inner += leaf("DateOfInitialCPC", icpc) + leaf("ICPCnotRequired", not_required)
    return f"<Section47>\n{inner}</Section47>\n"


def cp_plan(
    start: str | None,
    end: str | None = None,
    initial: str | None = "NEG",
    latest: str | None = "NEG",
    previous: str | None = "0",
    reviews: Sequence[str] = (),
) -> str:
    inner = leaf("CPPstartDate", start) + leaf("CPPendDate", end)
    inner += leaf("InitialCategoryOfAbuse", initial) + leaf("LatestCategoryOfAbuse", latest)
    inner += leaf("NumberOfPreviousCPP", previous)
    if reviews:
        inner += "<Reviews>\n" + "".join(leaf("CPPreviewDate", r) for r in reviews) + "</Reviews>\n"
    return f"<ChildProtectionPlans>\n{inner}</ChildProtectionPlans>\n"


def cin_details(
    referral: str | None = "2021-06-01",
    source: str | None = "2A",
    need: str | None = "N1",
    closure: str | None = None,
    reason: str | None = None,
    icpc: str | None = None,
    nfa: str | None = "false",
    blocks: Iterable[str] = (),
    head: str = "",
) -> str:
    inner = head + leaf("CINreferralDate", referral) + leaf("ReferralSource", source)
    inner += leaf("PrimaryNeedCode", need) + leaf("CINclosureDate", closure)
    inner += leaf("ReasonForClosure", reason) + leaf("DateOfInitialCPC", icpc)
    inner += leaf("ReferralNFA", nfa) + "".join(blocks)
    return f"<CINdetails>\n{inner}</CINdetails>\n"


def child(
    la_id: str | None = "C1",
    birth: str | None = "2015-05-01",
    gender: str | None = "1",
    sex: str | None = None,
    death: str | None = None,
    expected_birth: str | None = None,
    upn: str | None = "A123456789012",
    former_upn: str | None = None,
    upn_unknown: str | None = None,
    ethnicity: str | None = "WBRI",
    disabilities: Sequence[str] | None = ("NONE",),
    details: Iterable[str] = (),
    extra_identifiers: str = "",
) -> str:
    ident = leaf("LAchildID", la_id) + leaf("UPN", upn) + leaf("FormerUPN", former_upn)
    ident += leaf("UPNunknown", upn_unknown) + leaf("PersonBirthDate", birth)
    ident += leaf("ExpectedPersonBirthDate", expected_birth) + leaf("GenderCurrent", gender)
    ident += leaf("Sex", sex) + leaf("PersonDeathDate", death) + extra_identifiers
    chars = leaf("Ethnicity", ethnicity)
    if disabilities is not None:
        chars += "<Disabilities>\n" + "".join(leaf("Disability", d) for d in disabilities)
        chars += "</Disabilities>\n"
    return (
        f"<Child>\n<ChildIdentifiers>\n{ident}</ChildIdentifiers>\n"
        f"<ChildCharacteristics>\n{chars}</ChildCharacteristics>\n{''.join(details)}</Child>\n"
    )


def message(
    children: Iterable[str],
    *,
    year: int = 2022,
    reference: str | None = "2022-03-31",
    lea: str = "201",
    collection: str = "CIN",
    prolog: str = "<?xml version='1.0' encoding='utf-8'?>\n",
) -> str:
    details = leaf("Collection", collection) + leaf("Year", year) + leaf("ReferenceDate", reference)
    source = (
        leaf("SourceLevel", "L")
        + leaf("LEA", lea)
        + leaf("SoftwareCode", "Test system")
        + leaf("Release", "1.0")
        + leaf("SerialNo", "001")
        + leaf("DateTime", f"{year}-05-01T09:00:00")
    )
    return (
        f"{prolog}<Message>\n<Header>\n<CollectionDetails>\n{details}</CollectionDetails>\n"
        f"<Source>\n{source}</Source>\n</Header>\n<Children>\n{''.join(children)}"
        "</Children>\n</Message>\n"
    )


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th occurrence of ``needle`` in ``text``."""
    at = -1
    for _ in range(occurrence):
        at = text.index(needle, at + 1)
    return text.count("\n", 0, at) + 1


# -- SSDA903 ---------------------------------------------------------------------------------
HEADER_COLUMNS = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODE_COLUMNS = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)


def episode_row(
    child_id: str,
    decom: str,
    rne: str,
    ls: str,
    place: str,
    dec: str = "",
    rec: str = "",
    cin: str = "N1",
) -> str:
    return f"{child_id},{decom},{rne},{ls},{cin},{place},PR1,{dec},{rec},,,,SC000001"


def csv(columns: str, rows: Iterable[str]) -> str:
    return columns + "\n" + "".join(r + "\n" for r in rows)


def workbook(path: Path, sheets: dict[str, list[list[Any]]], *, epoch: Any = None) -> Path:
    """Write an ``.xlsx`` workbook of the given sheets (title → rows), in order.

    ``epoch``: the workbook's date system (openpyxl's ``CALENDAR_MAC_1904`` for 1904).
    """
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    if epoch is not None:
        book.epoch = epoch
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path
