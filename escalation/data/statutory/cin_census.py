"""Read the DfE Children in Need (CIN) census XML return into a :class:`CaseHistory`.

The reader follows the CIN census specifications of 2018–19 to 2025–26: a ``Message``
holding a ``Header`` (collection details, with the ``ReferenceDate``) and ``Children``,
each ``Child`` with ``ChildIdentifiers``, ``ChildCharacteristics`` and repeating
``CINdetails`` (referral, closure, assessments with factors, CIN plans, section 47
enquiries, initial conferences and child protection plans).

Files are parsed as a stream with :mod:`defusedxml`: document type declarations,
entities and external references are refused, so entity bombs and external-entity
attacks fail with a clear error before any expansion. Every problem is reported with the
file, the child's position in the file (``Child #12``), the line, the element and the
value; identifiers and birth dates are never shown.
"""

from __future__ import annotations

import re
import xml.sax
import xml.sax.handler
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Final

import pandas as pd
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml import sax as defused_sax

from escalation.data.codes import (
    ASSESSMENT_FACTORS,
    CLOSURE_REASONS,
    CP_CATEGORIES,
    DISABILITIES,
    ETHNICITIES,
    PRIMARY_NEEDS,
    REFERRAL_SOURCES,
)
from escalation.data.history import CaseHistory
from escalation.data.io import given_date
from escalation.data.statutory.file_years import path_order
from escalation.data.statutory.merge import ReturnTables, merge_returns, nfa_disagrees
from escalation.data.statutory.problems import SourceProblem, record_label
from escalation.errors import DataValidationError, describe_text, shown

__all__ = [
    "CIN_SPECIFICATION",
    "ORDER_RULES",
    "cin_returns",
    "read_cin_census",
    "with_date_columns",
]

#: Element order of each container in the CIN census schema (2018–19 to 2025–26).
#: ``GenderCurrent`` (to 2023–24) and ``Sex`` (from 2024–25) share one position.
#: ``ReferralNFA`` sits after ``Section47`` in the DfE schema (XSD) and after
#: ``DateOfInitialCPC`` in the order the census guide lists the items: both places, and
#: any between, are accepted without comment (see :data:`ORDER_RULES`).
CIN_SPECIFICATION: Final[dict[str, tuple[str, ...]]] = {
    "Message": ("Header", "Children"),
    "Header": ("CollectionDetails", "Source"),
    "CollectionDetails": ("Collection", "Year", "ReferenceDate"),
    "Source": ("SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo", "DateTime"),
    "Children": ("Child",),
    "Child": ("ChildIdentifiers", "ChildCharacteristics", "CINdetails"),
    "ChildIdentifiers": (
        "LAchildID",
        "UPN",
        "FormerUPN",
        "UPNunknown",
        "PersonBirthDate",
        "ExpectedPersonBirthDate",
        "GenderCurrent",
        "Sex",
        "PersonDeathDate",
    ),
    "ChildCharacteristics": ("Ethnicity", "Disabilities"),
    "Disabilities": ("Disability",),
    "CINdetails": (
        "CINreferralDate",
        "ReferralSource",
        "PrimaryNeedCode",
        "CINclosureDate",
        "ReasonForClosure",
        "DateOfInitialCPC",
        "Assessments",
        "CINPlanDates",
        "Section47",
        "ReferralNFA",
        "ChildProtectionPlans",
    ),
    "Assessments": (
        "AssessmentActualStartDate",
        "AssessmentInternalReviewDate",
        "AssessmentAuthorisationDate",
        "FactorsIdentifiedAtAssessment",
    ),
    "FactorsIdentifiedAtAssessment": ("AssessmentFactors",),
    "CINPlanDates": ("CINPlanStartDate", "CINPlanEndDate"),
    "Section47": ("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"),
    "ChildProtectionPlans": (
        "CPPstartDate",
        "CPPendDate",
        "InitialCategoryOfAbuse",
        "LatestCategoryOfAbuse",
        "NumberOfPreviousCPP",
        "Reviews",
    ),
    "Reviews": ("CPPreviewDate",),
}
_REPEATING: Final = frozenset(
    {
        "Child",
        "CINdetails",
        "Assessments",
        "CINPlanDates",
        "Section47",
        "ChildProtectionPlans",
        "Disability",
        "AssessmentFactors",
        "CPPreviewDate",
    }
)
_ORDER: Final = {
    parent: {tag: i for i, tag in enumerate(kids)} for parent, kids in CIN_SPECIFICATION.items()
}
_ORDER["ChildIdentifiers"]["Sex"] = _ORDER["ChildIdentifiers"]["GenderCurrent"]
_LEAVES: Final = frozenset(
    tag for kids in CIN_SPECIFICATION.values() for tag in kids if tag not in CIN_SPECIFICATION
)
#: GenderCurrent (to 2023–24): 1 male, 2 female, 0 not known, 9 not specified.
GENDER_CURRENT: Final = {"1": "M", "2": "F", "0": "U", "9": "U"}
#: Sex (from 2024–25): M, F, U; the numeric GenderCurrent codes are accepted too.
SEX_CODES: Final = {"M": "M", "F": "F", "U": "U", **GENDER_CURRENT}
_TRUE: Final = frozenset({"true", "1"})
_FALSE: Final = frozenset({"false", "0"})
#: How the reader treats each departure from the schema's structure, and why. Order
#: never changes what a value means (each value is named by its element and belongs to
#: the container it sits in), so it is a note; the others can lose or confuse a value.
ORDER_RULES: Final = {
    "order": (
        "note",
        "elements out of the schema's order are read anyway: a value is named by its element",
    ),
    "referral_nfa": (
        "none",
        "<ReferralNFA> anywhere from after <DateOfInitialCPC> to before "
        "<ChildProtectionPlans> (the schema's place and the census guide's) is not reported",
    ),
    "unknown": ("error", "an element the schema does not have in its container is ignored"),
    "repeated": ("error", "a repeated single element: the first is kept, the rest ignored"),
    "stray_text": ("error", "text between elements belongs to no element and is ignored"),
    "nested_leaf": ("error", "a value element holding elements: only its own text is read"),
    "namespace": ("error", "elements in a namespace that is not the census's"),
}
#: The CINdetails elements that come before ``ReferralNFA`` in every accepted order.
_BEFORE_NFA: Final = frozenset(
    {"CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate",
     "ReasonForClosure", "DateOfInitialCPC"}
)  # fmt: skip
#: Namespaces accepted on the elements: none (the DfE schema has no target namespace) or
#: one on a DfE domain.
DFE_DOMAINS: Final = ("dfe.gov.uk", "education.gov.uk")


class _Node:
    """A parsed element: tag, line, text pieces and child elements."""

    __slots__ = ("kids", "line", "tag", "text")

    def __init__(self, tag: str, line: int) -> None:
        self.tag = tag
        self.line = line
        self.text: list[str] = []
        self.kids: list[_Node] = []

    def value(self) -> str:
        return "".join(self.text).strip()


#: An ``xs:date`` time zone (``Z``, ``+01:00``, ``-05:30``): ignored, the day as written is read.
_ZONE: Final = r"(?:Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])?"
#: An ``xs:date``, the DfE schema's type of every census date: ``YYYY-MM-DD`` and a zone.
_XS_DATE: Final = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})" + _ZONE)
#: An ``xs:dateTime`` (not a census date's type): a day, ``T``, a time of day and a zone.
_XS_DATE_TIME: Final = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?" + _ZONE
)
#: Why a census date is refused, and the note on a date with a time of day.
NOT_A_DATE: Final = "not a date in the form YYYY-MM-DD"
DATE_WITH_TIME: Final = (
    "a date with a time of day (an xs:dateTime) where the CIN schema has a date (an "
    "xs:date): its calendar day as written is read, the time and any time zone ignored"
)


def _iso_date(text: str) -> tuple[str | None, bool]:
    """Return the day of an ``xs:date`` or ``xs:dateTime`` and whether it had a time.

    The calendar day is taken as written: a time zone (``2022-01-05+01:00``) never moves
    it. Anything else (another date form, text after a ``T`` that is no time of day, a day
    that does not exist) gives None.

    Examples
    --------
    >>> _iso_date("2022-01-05Z"), _iso_date("2022-01-05T13:45:00+01:00")
    (('2022-01-05', False), ('2022-01-05', True))
    >>> _iso_date("2022-01-05Tfoo"), _iso_date("2022-02-30"), _iso_date("05/01/2022")
    ((None, False), (None, False), (None, False))
    """
    for form, with_time in ((_XS_DATE, False), (_XS_DATE_TIME, True)):
        found = form.fullmatch(text)
        if found is None:
            continue
        try:
            date.fromisoformat(found.group(1))
        except ValueError:
            return None, False
        return found.group(1), with_time
    return None, False


def _nfa_origin(said: _Node, path: str, pos: int) -> tuple[str, str]:
    """Return where a ``ReferralNFA`` true says so (child, line, element) and its value."""
    where = f"{record_label('Child', pos)} (line {said.line}), element '{path}/ReferralNFA'"
    return where, said.value()


@dataclass
class _FileReader(xml.sax.handler.ContentHandler):
    """Stream one CIN census file: build each Child's subtree, map it, then drop it."""

    file: str
    index: int
    tables: ReturnTables = field(init=False)
    problems: list[SourceProblem] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)
    n_children: int = 0

    def __post_init__(self) -> None:
        super().__init__()
        self.tables = ReturnTables(self.file, self.index)
        self._stack: list[_Node] = []
        self._locator: xml.sax.xmlreader.Locator | None = None

    # -- SAX callbacks ------------------------------------------------------------------
    def setDocumentLocator(self, locator: xml.sax.xmlreader.Locator) -> None:  # noqa: N802
        self._locator = locator

    def startElement(self, name: str, attrs: xml.sax.xmlreader.AttributesImpl) -> None:  # noqa: N802
        line = (self._locator.getLineNumber() or 0) if self._locator is not None else 0
        prefix, _, local = name.rpartition(":")
        node = _Node(local, line)
        stack = self._stack
        if not stack:
            if node.tag != "Message":
                raise _NotCensusError(
                    f"the root element is {_tag_shown(node.tag)}, not <Message>", line
                )
            self._namespace(prefix, attrs, line)
        elif not (node.tag == "Child" and len(stack) == 2 and stack[-1].tag == "Children"):
            stack[-1].kids.append(node)  # each Child is mapped, then dropped, on its end
        stack.append(node)

    def characters(self, content: str) -> None:
        if self._stack:
            self._stack[-1].text.append(content)

    def endElement(self, name: str) -> None:  # noqa: N802
        node = self._stack.pop()
        depth = len(self._stack)
        if node.tag == "Child" and depth == 2 and self._stack[-1].tag == "Children":
            self._child(node)
        elif node.tag == "Header" and depth == 1:
            self._header(node)
        elif node.tag == "Children" and depth == 1:
            self._check(node, "Children", None)
            node.kids = []
        elif depth == 0:
            self._check(node, "Message", None, descend=False)

    def _namespace(self, prefix: str, attrs: xml.sax.xmlreader.AttributesImpl, line: int) -> None:
        """Report a namespace on the root element that is not the census's."""
        declared = "xmlns:" + prefix if prefix else "xmlns"
        uri = attrs.get(declared) if declared in attrs.getNames() else None
        if prefix and uri is None:
            uri = f"(undeclared prefix {prefix!r})"
        if uri is None or any(domain in uri for domain in DFE_DOMAINS):
            return
        shown = uri if len(uri) <= 80 else uri[:77] + "..."
        reason = (
            f"the elements are in the XML namespace {shown!r}, which is not the CIN census's "
            "(the DfE schema uses no namespace): this may be another kind of file. Read "
            "anyway; check the file is the authority's CIN census return"
        )
        self.report(None, line, "Message", None, reason, "kept")

    # -- reporting ------------------------------------------------------------------------
    def report(
        self,
        pos: int | None,
        line: int | None,
        element: str | None,
        value: object,
        reason: str,
        action: str = "kept",
        severity: str = "error",
    ) -> None:
        self.problems.append(
            SourceProblem(
                self.file,
                pos,
                element,
                value,
                reason,
                line=line,
                action=action,
                severity="note" if severity == "note" else "error",
            )
        )

    def _check(self, node: _Node, path: str, pos: int | None, *, descend: bool = True) -> None:
        """Report unknown, repeated, misplaced elements and stray text under ``node``."""
        order = _ORDER.get(node.tag)
        if order is None:
            return
        if node.kids and node.value():
            # the text itself is not shown: it may be anything, personal data included
            reason = (
                f"stray text ({len(node.value())} characters) inside <{node.tag}>, between "
                "elements; ignored"
            )
            self.report(pos, node.line, path or node.tag, None, reason, "ignored")
        seen: set[str] = set()
        counts: dict[str, int] = {}
        last = -1
        last_tag = ""
        tags = [kid.tag for kid in node.kids]
        for at, kid in enumerate(node.kids):
            tag = kid.tag
            if tag in _REPEATING and tag in CIN_SPECIFICATION:
                counts[tag] = counts.get(tag, 0) + 1
                where = f"{path}/{tag}[{counts[tag]}]" if path else f"{tag}[{counts[tag]}]"
            else:
                where = f"{path}/{tag}" if path else tag
            rank = order.get(tag)
            if rank is None:
                if node.tag == "CINdetails" and _is_pre_proceedings(tag):
                    continue  # read by _pre_proceedings
                reason = (
                    f"{_tag_shown(tag)} is not an element of <{node.tag}> in the CIN census "
                    "specification (2018-19 to 2025-26); ignored"
                )
                self.report(pos, kid.line, where, None, reason, "ignored")
                continue
            if tag in seen and tag not in _REPEATING:
                reason = f"<{tag}> appears more than once in <{node.tag}>; the first is kept"
                self.report(pos, kid.line, where, kid.value() or None, reason, "ignored")
            seen.add(tag)
            if tag == "ReferralNFA" and node.tag == "CINdetails":
                after = set(tags[at + 1 :])
                if "ChildProtectionPlans" in tags[:at] or after & _BEFORE_NFA:
                    reason = (
                        "<ReferralNFA> is outside the places the schema and the census guide "
                        "give it (after <DateOfInitialCPC>, before <ChildProtectionPlans>); "
                        "read anyway"
                    )
                    self.report(pos, kid.line, where, kid.value() or None, reason, "kept", "note")
            elif rank < last:
                reason = (
                    f"<{tag}> is out of the specification's order (it comes before "
                    f"<{last_tag}>); read anyway: a value is named by its element, so the "
                    "order does not change it"
                )
                self.report(pos, kid.line, where, kid.value() or None, reason, "kept", "note")
            else:
                last, last_tag = rank, tag
            if tag in _LEAVES and kid.kids:
                reason = f"<{tag}> holds child elements; only its own text is read"
                self.report(pos, kid.line, where, None, reason, "ignored")
            if descend and tag in CIN_SPECIFICATION:
                self._check(kid, where, pos)

    # -- header ---------------------------------------------------------------------------
    def _header(self, node: _Node) -> None:
        self._check(node, "Header", None)
        for block in node.kids:
            for leaf in block.kids:
                if leaf.tag in _LEAVES and leaf.tag not in self.header:
                    self.header[leaf.tag] = leaf.value()
        collection = self.header.get("Collection")
        if collection is not None and collection.upper() != "CIN":
            shown_value = shown("collection", collection)
            raise _NotCensusError(f"<Collection> is {shown_value}, not 'CIN'", node.line)
        when = self.header.get("ReferenceDate")
        if when is not None:
            element = "Header/CollectionDetails/ReferenceDate"
            iso = self._day(when, None, node.line, element, "value dropped")
            if iso is None:
                del self.header["ReferenceDate"]
            else:
                self.header["ReferenceDate"] = iso

    # -- one child ----------------------------------------------------------------------------
    def _child(self, node: _Node) -> None:
        pos = self.n_children
        self.n_children += 1
        self._check(node, "", pos)
        blocks = _first_of_each(node)
        ident = _first_of_each(blocks["ChildIdentifiers"]) if "ChildIdentifiers" in blocks else {}
        chars = (
            _first_of_each(blocks["ChildCharacteristics"])
            if "ChildCharacteristics" in blocks
            else {}
        )
        id_node = ident.get("LAchildID")
        child_id = id_node.value() if id_node is not None else ""
        if not child_id:
            line = id_node.line if id_node is not None else node.line
            reason = "<LAchildID> is missing or empty; the child cannot be identified"
            self.report(pos, line, "ChildIdentifiers/LAchildID", None, reason, "child excluded")
            return
        # An unborn child has <ExpectedPersonBirthDate> only; once born, <PersonBirthDate>
        # (and often still the expected date). Both are read: the birth date is the actual
        # one when given, and the expected date widens the pre-birth window of a child born
        # after it (see the validator).
        birth = self._date(ident, "PersonBirthDate", "ChildIdentifiers", pos, "child excluded")
        born = birth is not None
        if "PersonBirthDate" in ident and ident["PersonBirthDate"].value() and not born:
            return  # an unreadable birth date: reported, child excluded
        expected = self._date(
            ident,
            "ExpectedPersonBirthDate",
            "ChildIdentifiers",
            pos,
            "value dropped" if born else "child excluded",
        )
        if not born and expected is not None:
            birth = expected
            self.report(
                pos,
                ident["ExpectedPersonBirthDate"].line,
                "ChildIdentifiers/ExpectedPersonBirthDate",
                None,
                "no <PersonBirthDate> (unborn child): the expected birth date is the birth date",
                "kept",
                "note",
            )
        if birth is None:
            if not _has_value(ident, "ExpectedPersonBirthDate"):
                reason = (
                    "no <PersonBirthDate> or <ExpectedPersonBirthDate>; a birth date is required"
                )
                self.report(
                    pos,
                    node.line,
                    "ChildIdentifiers/PersonBirthDate",
                    None,
                    reason,
                    "child excluded",
                )
            return
        sex = self._sex(ident, pos)
        ethnicity = self._code(
            chars, "Ethnicity", "ChildCharacteristics", ETHNICITIES, "ethnicity", pos
        )
        disability = self._disability(chars, pos)
        t = self.tables
        t.add_child(
            child_id,
            birth,
            sex,
            ethnicity,
            disability,
            pos,
            node.line,
            expected_birth_date=expected,
            born=born,
        )
        death = self._date(ident, "PersonDeathDate", "ChildIdentifiers", pos, "value dropped")
        if death is not None:
            t.add_episode(
                child_id,
                "death",
                death,
                None,
                pos,
                ident["PersonDeathDate"].line,
                "ChildIdentifiers/PersonDeathDate",
            )
        n = 0
        for kid in node.kids:
            if kid.tag == "CINdetails":
                n += 1
                self._cin_details(kid, f"CINdetails[{n}]", child_id, pos)

    def _cin_details(self, node: _Node, path: str, child_id: str, pos: int) -> None:
        t = self.tables
        leaves = _first_of_each(node)
        referral = self._date(leaves, "CINreferralDate", path, pos, "episode excluded")
        closure = self._date(leaves, "CINclosureDate", path, pos, "episode excluded")
        invalid_closure = (
            closure is None
            and leaves.get("CINclosureDate") is not None
            and bool(leaves["CINclosureDate"].value())
        )
        source = self._code(
            leaves, "ReferralSource", path, REFERRAL_SOURCES, "referral source", pos
        )
        need = self._code(leaves, "PrimaryNeedCode", path, PRIMARY_NEEDS, "primary need", pos)
        reason = self._code(
            leaves, "ReasonForClosure", path, CLOSURE_REASONS, "closure reason", pos
        )
        nfa = self._bool(leaves, "ReferralNFA", path, pos)
        if "CINreferralDate" not in leaves:
            self.report(
                pos,
                node.line,
                f"{path}/CINreferralDate",
                None,
                "<CINreferralDate> is missing; the referral is excluded (its assessments, "
                "plans and enquiries are kept)",
                "episode excluded",
            )
        end = closure
        if nfa and closure is None and referral is not None and not invalid_closure:
            end = referral  # ReferralNFA: closed at referral
        if nfa and closure is not None and referral is not None and closure != referral:
            self._nfa_closed_later(leaves, path, pos, closure, referral)
        if closure is not None and "ReasonForClosure" not in leaves:
            self.report(
                pos,
                leaves["CINclosureDate"].line,
                f"{path}/ReasonForClosure",
                None,
                "<CINclosureDate> is given without <ReasonForClosure>",
            )
        if closure is None and reason is not None and not nfa and not invalid_closure:
            self.report(
                pos,
                leaves["ReasonForClosure"].line,
                f"{path}/CINclosureDate",
                None,
                "<ReasonForClosure> is given without <CINclosureDate>: the referral is "
                "open, and the reason is why a referral closed",
                "value dropped",
            )
            reason = None  # the contract's rule (an open referral has no closure reason)
        extra = self._pre_proceedings(node, path, pos)
        if referral is not None:  # excluded for an invalid closure, but named in merging
            t.add_episode(
                child_id,
                "referral",
                referral,
                end,
                pos,
                leaves["CINreferralDate"].line,
                path,
                source=source,
                need=need,
                reason=reason,
                extra=extra,
                excluded=f"{path}/CINclosureDate" if invalid_closure else None,
                nfa=_nfa_origin(leaves["ReferralNFA"], path, pos) if nfa else None,
                end_line=leaves["CINclosureDate"].line if closure is not None else None,
            )
        if extra and (referral is None or invalid_closure):
            reason_text = (
                "the pre-proceedings module belongs to a referral that is excluded; not converted"
            )
            self.report(pos, node.line, f"{path}/PreProceedings", None, reason_text, "ignored")
        window = (referral, closure)
        icpc = self._date(leaves, "DateOfInitialCPC", path, pos, "episode excluded")
        if icpc is not None:
            where = f"{path}/DateOfInitialCPC"
            line = leaves["DateOfInitialCPC"].line
            self._within(window, icpc, None, where, None, line, pos)
            t.add_episode(child_id, "icpc", icpc, None, pos, line, where)
        counts: dict[str, int] = {}
        for kid in node.kids:
            tag = kid.tag
            if tag not in ("Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans"):
                continue
            counts[tag] = counts.get(tag, 0) + 1
            where = f"{path}/{tag}[{counts[tag]}]"
            block = _first_of_each(kid)
            if tag == "Assessments":
                self._interval(
                    block,
                    kid,
                    where,
                    child_id,
                    pos,
                    window,
                    "assessment",
                    "AssessmentActualStartDate",
                    "AssessmentAuthorisationDate",
                    factors=self._factors(kid, where, pos),
                )
                self._date(block, "AssessmentInternalReviewDate", where, pos, "ignored")
            elif tag == "CINPlanDates":
                self._interval(
                    block,
                    kid,
                    where,
                    child_id,
                    pos,
                    window,
                    "cin_plan",
                    "CINPlanStartDate",
                    "CINPlanEndDate",
                )
            elif tag == "Section47":
                self._section47(block, kid, where, child_id, pos, window)
            else:
                initial = self._code(
                    block, "InitialCategoryOfAbuse", where, CP_CATEGORIES, "category of abuse", pos
                )
                latest = self._code(
                    block, "LatestCategoryOfAbuse", where, CP_CATEGORIES, "category of abuse", pos
                )
                self._interval(
                    block,
                    kid,
                    where,
                    child_id,
                    pos,
                    window,
                    "cp_plan",
                    "CPPstartDate",
                    "CPPendDate",
                    category=initial or latest,
                )
                for review in block.get("Reviews", _EMPTY).kids:
                    if review.tag == "CPPreviewDate":
                        element = f"{where}/Reviews/CPPreviewDate"
                        self._day(review.value(), pos, review.line, element, "ignored")

    def _pre_proceedings(self, node: _Node, path: str, pos: int) -> dict[str, str] | None:
        """Read the 2025-26 pre-proceedings module of a CINdetails into extra columns.

        The module (the Public Law Outline's pre-proceedings stage) becomes three columns
        of the CINdetails' referral: ``pre_proceedings_start``, ``pre_proceedings_end`` and
        ``pre_proceedings_outcome``. Its elements are recognised by name (a start date, an
        end date, an outcome or decision code); anything else in it is reported as a note.
        """
        modules = [kid for kid in node.kids if _is_pre_proceedings(kid.tag)]
        if not modules:
            return None
        found: dict[str, str] = {}
        for number, module in enumerate(modules, start=1):
            where = f"{path}/{module.tag}"
            if number > 1:
                reason = (
                    "a second pre-proceedings module in one <CINdetails>; only the first is "
                    "converted"
                )
                self.report(pos, module.line, where, None, reason, "ignored", "note")
                continue
            for leaf in module.kids or [module]:
                self._pre_proceedings_leaf(leaf, where, pos, found)
        start, end = found.get("pre_proceedings_start"), found.get("pre_proceedings_end")
        if start is not None and end is not None and end < start:
            self.report(
                pos, modules[0].line, f"{path}/{modules[0].tag}", end,
                "the pre-proceedings end date is before its start date", "value dropped",
            )  # fmt: skip
            del found["pre_proceedings_end"]
        return found

    def _pre_proceedings_leaf(
        self, leaf: _Node, where: str, pos: int, found: dict[str, str]
    ) -> None:
        name = leaf.tag.lower()
        element = f"{where}/{leaf.tag}" if not where.endswith(leaf.tag) else where
        text = leaf.value()
        is_date = "date" in name
        column = None
        if is_date and any(w in name for w in ("start", "began", "commence", "initiat")):
            column = "pre_proceedings_start"
        elif is_date and any(w in name for w in ("end", "clos", "ceas", "conclu")):
            column = "pre_proceedings_end"
        elif any(w in name for w in ("outcome", "decision", "reason")):
            column = "pre_proceedings_outcome"
        if column is None or column in found or not text:
            if column is None or column in found:
                reason = f"<{leaf.tag}> of the pre-proceedings module is not converted"
                self.report(pos, leaf.line, element, None, reason, "ignored", "note")
            return
        if column == "pre_proceedings_outcome":
            if len(text) <= 8 and text.isalnum():
                found[column] = text
            else:
                reason = "not a pre-proceedings outcome code (up to 8 letters or digits)"
                self.report(pos, leaf.line, element, text, reason, "value dropped")
            return
        iso = self._day(text, pos, leaf.line, element, "value dropped")
        if iso is None:
            return
        reference = self.header.get("ReferenceDate")
        if reference is not None and iso > reference:
            reason = f"date is after the return's reference date {reference}"
            self.report(pos, leaf.line, element, iso, reason, "value dropped")
            return
        found[column] = iso

    def _section47(
        self,
        block: dict[str, _Node],
        node: _Node,
        where: str,
        child_id: str,
        pos: int,
        window: tuple[str | None, str | None],
    ) -> None:
        t = self.tables
        start = self._date(block, "S47ActualStartDate", where, pos, "episode excluded")
        if start is None and "S47ActualStartDate" not in block:
            self.report(
                pos,
                node.line,
                f"{where}/S47ActualStartDate",
                None,
                "<S47ActualStartDate> is missing; the enquiry is excluded",
                "episode excluded",
            )
        if start is not None:
            line = block["S47ActualStartDate"].line
            self._within(window, start, None, f"{where}/S47ActualStartDate", None, line, pos)
            t.add_episode(child_id, "s47", start, None, pos, line, where)
        self._date(block, "InitialCPCtarget", where, pos, "ignored")
        self._bool(block, "ICPCnotRequired", where, pos)
        icpc = self._date(block, "DateOfInitialCPC", where, pos, "episode excluded")
        if icpc is not None:
            line = block["DateOfInitialCPC"].line
            self._within(window, icpc, None, f"{where}/DateOfInitialCPC", None, line, pos)
            if start is not None and icpc < start:
                self.report(
                    pos,
                    line,
                    f"{where}/DateOfInitialCPC",
                    icpc,
                    "the initial conference is before its section 47 enquiry started",
                )
            t.add_episode(child_id, "icpc", icpc, None, pos, line, f"{where}/DateOfInitialCPC")

    def _interval(
        self,
        block: dict[str, _Node],
        node: _Node,
        where: str,
        child_id: str,
        pos: int,
        window: tuple[str | None, str | None],
        kind: str,
        start_tag: str,
        end_tag: str,
        *,
        factors: str | None = None,
        category: str | None = None,
    ) -> None:
        start = self._date(block, start_tag, where, pos, "episode excluded")
        end = self._date(block, end_tag, where, pos, "episode excluded")
        if start is None:
            if start_tag not in block:
                self.report(
                    pos,
                    node.line,
                    f"{where}/{start_tag}",
                    None,
                    f"<{start_tag}> is missing; the episode is excluded",
                    "episode excluded",
                )
            return
        # an invalid end date: already reported, the episode excluded (named in merging)
        invalid_end = end is None and end_tag in block and bool(block[end_tag].value())
        line = block[start_tag].line
        if invalid_end:
            bad = f"{where}/{end_tag}"
            self.tables.add_episode(child_id, kind, start, None, pos, line, where, excluded=bad)
            return
        end_line = block[end_tag].line if end_tag in block else line
        self._within(window, start, end, f"{where}/{start_tag}", f"{where}/{end_tag}", line, pos)
        if end_line != line:
            self._fix_last_line(f"{where}/{end_tag}", end_line)
        at_end = None if end is None else end_line
        self.tables.add_episode(
            child_id,
            kind,
            start,
            end,
            pos,
            line,
            where,
            end_line=at_end,
            factors=factors,
            category=category,
        )

    def _within(
        self,
        window: tuple[str | None, str | None],
        start: str,
        end: str | None,
        start_where: str,
        end_where: str | None,
        line: int,
        pos: int,
    ) -> None:
        """Report dates outside their CIN episode (referral date to closure date)."""
        referral, closure = window
        if referral is not None and start < referral:
            self.report(
                pos,
                line,
                start_where,
                start,
                "date is before the CIN referral date of its <CINdetails>",
            )
        if closure is not None and start > closure:
            self.report(
                pos,
                line,
                start_where,
                start,
                "date is after the CIN closure date of its <CINdetails>",
            )
        elif closure is not None and end is not None and end > closure and end_where:
            self.report(
                pos, line, end_where, end, "date is after the CIN closure date of its <CINdetails>"
            )

    def _fix_last_line(self, element: str, line: int) -> None:
        """Point a just-reported problem on ``element`` at that element's own line."""
        if self.problems and self.problems[-1].column == element:
            last = self.problems[-1]
            self.problems[-1] = SourceProblem(
                last.table,
                last.row,
                last.column,
                last.value,
                last.reason,
                line=line,
                unit=last.unit,
                action=last.action,
                severity=last.severity,
            )

    # -- values ---------------------------------------------------------------------------
    def _date(
        self, leaves: dict[str, _Node], tag: str, path: str, pos: int, action: str
    ) -> str | None:
        leaf = leaves.get(tag)
        if leaf is None:
            return None
        text = leaf.value()
        if not text:
            return None
        return self._day(text, pos, leaf.line, f"{path}/{tag}", action)

    def _day(self, text: str, pos: int | None, line: int, element: str, action: str) -> str | None:
        """Return the ISO day of a census date, reporting a refusal or a time of day.

        Parameters
        ----------
        text : str
            The element's text, stripped.
        pos, line, element
            Where the value is: the child's position (None in the header), the line and
            the element's path.
        action : str
            What a refused value costs (``"episode excluded"``, ``"value dropped"``).

        Returns
        -------
        str or None
            The day (``YYYY-MM-DD``), or None when ``text`` is no ``xs:date`` nor
            ``xs:dateTime`` (reported with ``action``). A date with a time of day is read
            as its day with a note.
        """
        iso, with_time = _iso_date(text)
        if iso is None:
            self.report(pos, line, element, text or None, NOT_A_DATE, action)
        elif with_time:
            self.report(pos, line, element, text, DATE_WITH_TIME, "kept", "note")
        return iso

    def _code(
        self, leaves: dict[str, _Node], tag: str, path: str, allowed: object, what: str, pos: int
    ) -> str | None:
        leaf = leaves.get(tag)
        if leaf is None:
            return None
        text = leaf.value()
        if not text:
            return None
        if text not in allowed:  # type: ignore[operator]
            self.report(
                pos,
                leaf.line,
                f"{path}/{tag}",
                text,
                f"unknown {what} code (see the DfE code list)",
                "value dropped",
            )
            return None
        return text

    def _nfa_closed_later(
        self, leaves: dict[str, _Node], path: str, pos: int, closure: str, referral: str
    ) -> None:
        """Report a ``ReferralNFA`` true beside a closure on another day than the referral's.

        The census guide closes an NFA referral on its referral date: the record's two
        fields disagree, an error at the closure date naming both
        (:func:`~escalation.data.statutory.merge.nfa_disagrees`, the rule every reader
        applies); the closure date given is the referral's end.
        """
        said = leaves["ReferralNFA"]
        where = f"{path}/CINclosureDate"
        reason = nfa_disagrees(
            f"element '{path}/ReferralNFA' of this record",
            said.value(),
            where,
            closure,
            start=referral,
            kept=closure,
        )
        self.report(pos, leaves["CINclosureDate"].line, where, closure, reason)

    def _bool(self, leaves: dict[str, _Node], tag: str, path: str, pos: int) -> bool | None:
        leaf = leaves.get(tag)
        if leaf is None:
            return None
        text = leaf.value().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.report(
            pos,
            leaf.line,
            f"{path}/{tag}",
            leaf.value() or None,
            "not true/false (or 1/0)",
            "value dropped",
        )
        return None

    def _sex(self, ident: dict[str, _Node], pos: int) -> str | None:
        found: list[str] = []
        for tag, codes in (("GenderCurrent", GENDER_CURRENT), ("Sex", SEX_CODES)):
            leaf = ident.get(tag)
            if leaf is None or not leaf.value():
                continue
            code = codes.get(leaf.value().upper())
            if code is None:
                self.report(
                    pos,
                    leaf.line,
                    f"ChildIdentifiers/{tag}",
                    leaf.value(),
                    f"unknown {tag} code (expected {', '.join(codes)})",
                    "value dropped",
                )
            else:
                found.append(code)
        if len(set(found)) > 1:
            self.report(
                pos,
                ident["Sex"].line,
                "ChildIdentifiers/Sex",
                ident["Sex"].value(),
                "<Sex> and <GenderCurrent> disagree; <Sex> is kept",
            )
        return found[-1] if found else None

    def _disability(self, chars: dict[str, _Node], pos: int) -> bool | None:
        block = chars.get("Disabilities")
        if block is None:
            return None
        codes: list[str] = []
        for leaf in block.kids:
            if leaf.tag != "Disability":
                continue
            text = leaf.value()
            if text in DISABILITIES:
                codes.append(text)
            else:
                self.report(
                    pos,
                    leaf.line,
                    "ChildCharacteristics/Disabilities/Disability",
                    text or None,
                    "unknown disability code (see the DfE code list)",
                    "value dropped",
                )
        if not codes:
            return None
        return any(code != "NONE" for code in codes)

    def _factors(self, node: _Node, where: str, pos: int) -> str | None:
        codes: list[str] = []
        for block in node.kids:
            if block.tag != "FactorsIdentifiedAtAssessment":
                continue
            for leaf in block.kids:
                if leaf.tag != "AssessmentFactors":
                    continue
                text = leaf.value()
                if text in ASSESSMENT_FACTORS:
                    if text not in codes:
                        codes.append(text)
                else:
                    self.report(
                        pos,
                        leaf.line,
                        f"{where}/FactorsIdentifiedAtAssessment/AssessmentFactors",
                        text or None,
                        "unknown assessment factor code (see the DfE code list)",
                        "value dropped",
                    )
        return ";".join(codes) if codes else None


_EMPTY: Final = _Node("", 0)


_TAG_SHAPE: Final = re.compile(r"[A-Za-z_][A-Za-z_-]*[0-9]{0,2}[A-Za-z_-]*")


def _tag_shown(tag: str) -> str:
    """Show an element's name, unless it looks like data (an identifier, say).

    A damaged file can turn a value into a tag name (``<C0000123``); names are shown
    only when they look like element names: letters with at most two digits in a row.
    """
    if len(tag) <= 40 and _TAG_SHAPE.fullmatch(tag):
        return f"<{tag}>"
    return f"an element whose name is {describe_text(tag)[1:-1]}"


def _has_value(leaves: dict[str, _Node], tag: str) -> bool:
    """Whether ``tag`` is present with some text."""
    return tag in leaves and bool(leaves[tag].value())


def _is_pre_proceedings(tag: str) -> bool:
    """Whether an element is (part of) the 2025-26 pre-proceedings module."""
    return "preproceeding" in tag.lower().replace("-", "").replace("_", "")


def _first_of_each(node: _Node) -> dict[str, _Node]:
    """Map each child tag to its first element."""
    out: dict[str, _Node] = {}
    for kid in node.kids:
        out.setdefault(kid.tag, kid)
    return out


class _NotCensusError(Exception):
    """The file is well-formed XML but not a CIN census return."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def _parse_file(path: Path, index: int, lenient: bool) -> _FileReader:
    reader = _FileReader(path.name, index)
    try:
        defused_sax.parse(str(path), reader, forbid_dtd=True)
    except (DTDForbidden, EntitiesForbidden, DefusedXmlException) as error:
        kind = type(error).__name__
        reason = (
            f"refused: the file declares a document type, entities or external references "
            f"({kind}); CIN census files never do, and such declarations can be used for "
            "entity-expansion or external-entity attacks. Re-export the return from the "
            "case management system"
        )
        raise DataValidationError(
            [SourceProblem(path.name, None, None, None, reason, action="file not read")],
            f"CIN census {path.name}",
        ) from None
    except xml.sax.SAXParseException as error:
        line = error.getLineNumber()
        reason = (
            f"not well-formed XML at line {line}, column {error.getColumnNumber()} "
            f"({error.getMessage()}); {reader.n_children:,} complete children read before it"
        )
        problem = SourceProblem(
            path.name, None, None, None, reason, line=line, action="rest of file not read"
        )
        if not lenient:
            raise DataValidationError([problem], f"CIN census {path.name}") from None
        reader.problems.append(problem)
    except _NotCensusError as error:
        problem = SourceProblem(
            path.name,
            None,
            None,
            None,
            f"not a CIN census return: {error.reason}",
            line=error.line,
            action="file not read",
        )
        raise DataValidationError([problem], f"CIN census {path.name}") from None
    return reader


def read_cin_census(
    paths: str | Path | Sequence[str | Path],
    *,
    lenient: bool = False,
    extract_date: str | pd.Timestamp | None = None,
) -> CaseHistory:
    """Read one or several years' CIN census XML returns into a case history.

    Parameters
    ----------
    paths : path or sequence of paths
        CIN census XML files of one local authority (one per collection year, in any
        order). Several years are merged into one history: children are matched on
        ``LAchildID`` (characteristics from the latest return), and episodes that recur
        across returns (same child, kind and start date) are kept once, from the latest
        return (which holds the closure of an episode open in an earlier one). Returns of
        one ``ReferenceDate`` are ranked by file name (numbers as numbers); an episode they
        record differently is an error (two returns of one collection year).
    lenient : bool, default False
        If False, any error raises one :class:`~escalation.errors.DataValidationError`
        listing every problem. If True, what is valid is kept and every problem is listed
        in ``history.exclusions`` (see :func:`source_report`), with what was done about
        it. Hostile XML, files from different local authorities and files that are not CIN
        census returns raise in both modes.
    extract_date : str or Timestamp, optional
        Overrides the extract date, which is otherwise the latest ``ReferenceDate`` in
        the headers (``history.extract_date_source`` says which).

    Returns
    -------
    CaseHistory
        Children (``child_id`` = ``LAchildID``, ``birth_date``, ``sex``, ``ethnicity``,
        ``disability``) and episodes of kinds ``referral``, ``assessment``, ``cin_plan``,
        ``s47``, ``icpc``, ``cp_plan`` and ``death``, validated against the contract.

    Raises
    ------
    DataValidationError
        When a file is hostile, not a CIN census return, has no reference date, or (strict
        mode) breaks the specification or the contract.
    FileNotFoundError
        When a file does not exist.

    Notes
    -----
    Mapping (see the statutory-returns page of the documentation): ``CINreferralDate``,
    ``CINclosureDate``, ``ReferralSource``, ``PrimaryNeedCode`` and ``ReasonForClosure``
    form a ``referral`` (``ReferralNFA`` true without a closure date: closed on the
    referral date); ``Assessments`` an ``assessment`` (actual start to authorisation
    date, factors joined by ``;``); ``CINPlanDates`` a ``cin_plan``; ``Section47`` an
    ``s47`` and, with a conference date, an ``icpc`` (as does ``CINdetails``'
    ``DateOfInitialCPC``); ``ChildProtectionPlans`` a ``cp_plan`` (category: the initial
    category of abuse, else the latest); ``PersonDeathDate`` a ``death``.
    ``GenderCurrent`` 1/2/0/9 and ``Sex`` M/F/U give ``sex``. ``PersonBirthDate`` gives
    ``birth_date``, else (a child unborn at the reference date) ``ExpectedPersonBirthDate``;
    the expected date is also kept as ``expected_birth_date``. Records up to 40 weeks
    before birth are valid. The 2025-26 pre-proceedings module becomes the extra columns
    ``pre_proceedings_start``, ``pre_proceedings_end`` and ``pre_proceedings_outcome`` of
    its ``CINdetails``' referral. Element order is never an error (:data:`ORDER_RULES`
    says what each departure from the schema is). Dates after the return's
    ``ReferenceDate``, and dates of assessments, plans and enquiries outside their CIN
    episode, are reported.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from escalation.data.statutory import read_cin_census
    >>> xml = '''<Message><Header><CollectionDetails><Collection>CIN</Collection>
    ... <Year>2024</Year><ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails>
    ... </Header><Children><Child><ChildIdentifiers><LAchildID>A1</LAchildID>
    ... <PersonBirthDate>2015-05-01</PersonBirthDate><GenderCurrent>2</GenderCurrent>
    ... </ChildIdentifiers><CINdetails><CINreferralDate>2023-06-01</CINreferralDate>
    ... <ReferralSource>2A</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>
    ... <CINclosureDate>2023-07-10</CINclosureDate><ReasonForClosure>RC8</ReasonForClosure>
    ... <ReferralNFA>false</ReferralNFA></CINdetails></Child></Children></Message>'''
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cin.xml"
    >>> _ = path.write_text(xml)
    >>> history = read_cin_census(path)
    >>> history.extract_date_source
    'CIN census ReferenceDate (cin.xml)'
    >>> history.episodes[["kind", "reason"]].astype(str).values.tolist()
    [['referral', 'RC8']]
    >>> history.children["sex"].tolist()
    ['F']
    """
    files = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    returns, problems, latest = cin_returns(files, lenient=lenient, extract_date=extract_date)
    if extract_date is not None:
        when, source = given_date(extract_date), "given"
    else:
        when = pd.Timestamp(str(latest.reference_date))
        source = f"CIN census ReferenceDate ({latest.file})"
    history = merge_returns(
        returns,
        problems,
        extract_date=when,
        extract_date_source=source,
        lenient=lenient,
        context=cin_context(files),
        format_name="CIN census",
    )
    history = with_date_columns(history, PRE_PROCEEDINGS_DATES)
    return replace(history, source=tuple(str(path) for path in files))


def cin_context(files: Sequence[Path]) -> str:
    """Name the CIN census files in messages."""
    return "CIN census " + ", ".join(p.name for p in files)


def cin_returns(
    files: Sequence[Path], *, lenient: bool, extract_date: object = None
) -> tuple[list[ReturnTables], list[SourceProblem], ReturnTables]:
    """Parse CIN census files into returns ready to merge (with others' rows if wanted).

    Returns
    -------
    returns : list of ReturnTables
        One per file, ranked by reference date (later returns win).
    problems : list of SourceProblem
        Problems found while parsing.
    latest : ReturnTables
        The return with the latest reference date.
    """
    if not files:
        raise ValueError("no CIN census file given")
    for path in files:
        if not path.is_file():
            raise FileNotFoundError(f"CIN census file not found: {path}")
    context = cin_context(files)
    given = None if extract_date is None else given_date(extract_date).date().isoformat()
    readers = [_parse_file(path, i, lenient) for i, path in enumerate(files)]
    _check_headers(readers, extract_date, context)
    for reader in readers:
        reader.tables.reference_date = reader.header.get("ReferenceDate") or given
    # Later returns win when a child or an episode recurs: rank by reference date, returns
    # of one date by their files' names (never by the order they were given in).
    ordered = sorted(
        readers, key=lambda r: (r.tables.reference_date or "", path_order(files[r.index]))
    )
    for rank, reader in enumerate(ordered):
        reader.tables.rank = rank
    problems = [p for reader in readers for p in reader.problems]
    return [reader.tables for reader in readers], problems, ordered[-1].tables


#: Extra episode columns of the pre-proceedings module that hold dates.
PRE_PROCEEDINGS_DATES: Final = ("pre_proceedings_start", "pre_proceedings_end")


def with_date_columns(history: CaseHistory, columns: Sequence[str]) -> CaseHistory:
    """Return ``history`` with extra episode columns of ISO text parsed to dates."""
    episodes = history.episodes
    present = [c for c in columns if c in episodes]
    if not present:
        return history
    parsed = {c: pd.to_datetime(episodes[c], format="%Y-%m-%d") for c in present}
    return history.with_tables(episodes=episodes.assign(**parsed))


def _check_headers(readers: Iterable[_FileReader], extract_date: object, context: str) -> None:
    problems = []
    leas: dict[str, str] = {}
    for reader in readers:
        if "ReferenceDate" not in reader.header and extract_date is None:
            problems.append(
                SourceProblem(
                    reader.file,
                    None,
                    "Header/CollectionDetails/ReferenceDate",
                    None,
                    "no valid <ReferenceDate> in the header: pass extract_date=... "
                    "(--extract-date)",
                    action="file not read",
                )
            )
        lea = reader.header.get("LEA")
        if lea:
            leas.setdefault(lea, reader.file)
    if len(leas) > 1:
        listed = ", ".join(f"LEA {lea} ({file})" for lea, file in leas.items())
        problems.append(
            SourceProblem(
                "CIN census",
                None,
                "Header/Source/LEA",
                None,
                f"the files come from different local authorities ({listed}); convert each "
                "authority separately",
                action="file not read",
            )
        )
    if problems:
        raise DataValidationError(problems, context)
