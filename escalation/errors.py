"""Exceptions and warnings raised by escalation.

Every exception derives from :class:`EscalationError`, so callers can catch
the package's errors in one place; each also derives from the built-in class
that describes it best (``ValueError`` for bad data or designs).
"""

from __future__ import annotations

import difflib
import functools
import numbers
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Final, Self

__all__ = [
    "ConvergenceError",
    "DataValidationError",
    "DataWarning",
    "DesignError",
    "EscalationError",
    "Problem",
    "RecordProblem",
    "StageError",
    "StatisticalWarning",
    "available_columns",
    "describe_text",
    "did_you_mean",
    "disclosed",
    "field_name",
    "is_personal",
    "refuse_personal",
    "shown",
    "spreadsheet_column",
    "spreadsheet_row",
    "value_shape",
]

#: Columns whose values are personal data: never echoed in messages or reports.
PERSONAL_COLUMNS = frozenset({"child_id", "family_id", "text", "birth_date", "expected_birth_date"})
#: Source fields (CIN census elements, SSDA903 columns) whose values are personal data.
PERSONAL_FIELDS: Final = frozenset(
    {
        "LAchildID",
        "UPN",
        "FormerUPN",
        "PersonBirthDate",
        "ExpectedPersonBirthDate",
        "PersonDeathDate",
        "CHILD",
        "DUC",  # UASC ceased: most often the 18th birthday (DfE rule 304), a birth date
        "DOB",
        "MC_DOB",
        "MOTHER",
        "HOME_POST",
        "PL_POST",
        "URN",
    }
)
#: A header naming personal data in a workbook whose headers vary (Annex A), or a column
#: of an extract: a birth date (``Date of Birth``, ``Expected DOB``), an identifier or a
#: reference (``Child Unique ID``, ``ChildUniqueID``, ``UPN``, ``Person Ref``), an NHS
#: number or unique pupil number (``nhs_number``, ``NHSNumber``,
#: ``unique_pupil_number``), a name (``Name``, ``Surname``, ``Forename``, ``LastName``),
#: a postcode, an address, an e-mail address or a phone number (``email``, ``Telephone``),
#: or note or free text (``notes``, ``note_text``, ``CaseNotes``, ``free_text``; a count of
#: notes, ``text_n_notes``, ``number_of_notes``, ``notes_count``, is not). ``ID``
#: ending a word written together (``ChildUniqueID``, ``PersonId``) is an identifier;
#: ``id`` in lower case ending a word (``Did``, ``Paid``) is not.
_PERSONAL_HEADER: Final = re.compile(
    r"birth|\bdob\b|\bid\b|(?-i:(?<=[a-z])I[Dd]\b)|identifier|\bref(erence)?\b|\bupn\b"
    r"|names?\b|post ?code|\bnhs|pupil ?number|address|e-?mail|phone"
    r"|(?<!\bn )(?<!number of )\bnotes?\b(?! count)|(?-i:(?<=[a-z])Notes?\b)|free ?text",
    re.IGNORECASE,
)
#: Text the disclosure rule gives for an empty value, personal or not.
EMPTY: Final = "<empty>"
#: Text the disclosure rule gives for a personal value.
WITHHELD: Final = "<withheld: personal data>"

_MAX_LISTED = 50

#: The row a spreadsheet shows for a table's first data record: the header is row 1.
FIRST_DATA_ROW: Final = 2

#: The form of a date a message shows: digits and date separators, ``T`` before a time of
#: day, and a time zone at the end (``2022-13-05Z``, ``2022-01-05T10:00:00+01:00``: an XML
#: ``xs:date`` or ``xs:dateTime``).
_DATE_SHAPE: Final = re.compile(r"[0-9][0-9 :/.T-]{3,25}(?:Z|[+-][0-9]{2}:[0-9]{2})?")
#: The form of a DfE code of the columns whose codes all hold a digit or are one
#: character (referral source, need, closure reason, legal status, placement, ...): one
#: letter or digit (``M``, ``4``), or two to four letters and digits with a digit among
#: them (``1A``, ``1a``, ``N1``, ``RC8``, ``RC10``). A name has no digit, so no name longer
#: than an initial has this form (``NG``, ``LI``, ``ZZ`` have not).
_CODE: Final = r"[0-9A-Za-z]|(?=[A-Za-z]*[0-9])[0-9A-Za-z]{2,4}"
#: The form of a sex or yes/no code (``1``, ``2``, ``0``, ``9``; ``M``, ``F``, ``U``; ``Y``,
#: ``N``): one letter or up to two digits, never a two- or three-letter name (``Li``, ``Ali``).
_ONE_CHARACTER: Final = r"[0-9]{1,2}|[A-Za-z]"
#: A character a near miss of a code (:func:`_listed`) holds where the code has another or
#: none: a digit (``WBR1``), or a letter or a separator (``WBRT``, ``cp plan``, ``s.47``).
_TYPED: Final = "[0-9A-Za-z_ .-]"
_TYPED_DIGIT: Final = "[0-9]"
_TYPED_WORD: Final = "[A-Za-z_ .-]"
_TYPED_CAPITAL: Final = "[A-Z_ .-]"
#: The fewest characters of a near miss without a digit. Names of two and three letters
#: (``NG``, ``LI``, ``SAM``, ``MEL``) lie one letter from many codes of three letters.
_SHORTEST_WORD_MISS: Final = 4
#: How many first characters of its code a near miss without a digit keeps: a typo of a
#: code of four capitals lies in its last two (``WBRT``, ``PHYS``); a name one letter
#: from a code mostly differs in its second (``ALAN`` of ``ABAN``, ``BETH`` of ``BOTH``).
_KEPT_BY_WORD_MISS: Final = 2
#: Words known to stand for a sex or gender: a value that is one of them (any case) is shown.
SEX_WORDS: Final = frozenset(
    {
        "female", "male", "unknown", "indeterminate", "not stated", "not known",
        "not recorded", "not specified", "unspecified", "neither", "unborn", "boy", "girl",
        "other", "prefer not to say",
    }
)  # fmt: skip
#: Words known to stand for yes, no or not known: a value that is one of them (any case) is shown.
YES_NO_WORDS: Final = frozenset(
    {
        "yes", "no", "true", "false", "maybe", "unknown", "not known", "not recorded",
        "not applicable", "none",
    }
)  # fmt: skip
#: Words and marks systems put in a coded cell for a value not recorded, not known, refused
#: or still to come: a value that is one of them (any case) is shown in every coded column.
PLACEHOLDER_WORDS: Final = frozenset(
    {
        "null", "none", "na", "n/a", "n.a.", "nk", "n/k", "unk", "unknown", "not known",
        "not recorded", "not stated", "not applicable", "refused", "other", "tbc", "tba",
        "xx", "xxx", "xxxx", "zz", "zzz", "zzzz", "-", "--", "?",
    }
)  # fmt: skip
#: The placeholders of two letters, shown only in capitals or lower case (``Na`` is a name).
_SHORT_PLACEHOLDERS: Final = frozenset(w for w in PLACEHOLDER_WORDS if len(w) == 2 and w.isalpha())
#: Names and abbreviations known to stand for an episode kind in local authorities' systems
#: (``LAC``, ``CIN Plan``, ``Section 47``): a value that is one of them (any case) is shown
#: in ``kind``.
KIND_WORDS: Final = frozenset(
    {
        "lac", "cla", "looked after", "looked after child", "child looked after", "cin",
        "cin plan", "child in need", "child in need plan", "cp", "cpp", "cp plan",
        "child protection", "child protection plan", "eh", "early help", "s47", "s.47",
        "section 47", "section 47 enquiry", "icpc", "initial child protection conference",
        "strategy discussion", "single assessment", "moved out", "died",
    }
)  # fmt: skip


def _code_or_word(code: str, words: Iterable[str]) -> str:
    """Return a pattern of a code of form ``code`` or one of ``words`` in any case.

    A placeholder of two letters (``NA``, ``NK``, ``ZZ``) only in capitals or in lower
    case: written as a name (``Na``, a surname) it is described.

    Examples
    --------
    >>> shape = re.compile(_code_or_word("[0-9]", ["unknown", "na"]))
    >>> [v for v in ("4", "Unknown", "NA", "na", "Na") if shape.fullmatch(v)]
    ['4', 'Unknown', 'NA', 'na']
    """
    words = set(words)
    short = sorted(words & _SHORT_PLACEHOLDERS)
    listed = "|".join(re.escape(w) for w in sorted(words - set(short), key=len, reverse=True))
    exact = "".join(f"|{w.upper()}|{w}" for w in short)
    return f"{code}|(?i:{listed}){exact}"


def _listed(codes: Collection[str], words: Iterable[str] = (), *, word_misses: bool = True) -> str:
    """Return a pattern of ``codes`` and ``words`` in any case, and of the codes' near misses.

    ``words`` are the rest of the column's closed vocabulary: the codes' labels, known
    abbreviations, published codes outside the list, placeholders. A near miss keeps a
    code's first character and differs from it by one character changed, added or
    dropped after it (``WBRT``, ``WBRII``, ``WBR1`` of ``WBRI``; ``cp_pln`` and ``CP Plan``
    of ``cp_plan``; ``s4`` and ``S 47`` of ``s47``). It holds a digit when its code does
    (``LI``, ``L1`` with its digit typed as a letter, is the name Li). One without a digit
    has at least :data:`_SHORTEST_WORD_MISS` characters, keeps the code's first
    :data:`_KEPT_BY_WORD_MISS` characters and, when the codes are written in capitals,
    is written in capitals (``WBRT``, not ``Wbrt``; ``ALAN``, ``Alan`` and ``BETH`` are no
    near misses of ``ABAN`` and ``BOTH``); with ``word_misses`` False there are none
    without a digit (a picklist's codes, ``MOB``: ``MOBY`` is a name). Two letters
    swapped are two changes: ``CHEN`` is no near miss of ``CHNE``.

    Examples
    --------
    >>> shape = re.compile(_listed(["WBRI", "NEG"], ["White British"]))
    >>> [v for v in ("wbri", "WBRT", "Wbrt", "wbr1", "WBRII", "WBR", "QBRI", "WPRI", "NEGL",
    ...              "NG", "white british") if shape.fullmatch(v)]
    ['wbri', 'WBRT', 'wbr1', 'WBRII', 'NEGL', 'white british']
    >>> shape = re.compile(_listed(["cp_plan", "s47"]))
    >>> [v for v in ("CP Plan", "cp_pln", "S4", "s 47", "SA") if shape.fullmatch(v)]
    ['CP Plan', 'cp_pln', 'S4', 's 47']
    """
    capitals = all(code == code.upper() for code in codes)
    misses = "|".join(
        dict.fromkeys(m for code in codes for m in _near_misses(code, capitals, word_misses))
    )
    return _code_or_word(f"(?:{misses})", [*codes, *words])


def _near_misses(code: str, capitals: bool, word_misses: bool = True) -> Iterator[str]:
    """Yield a pattern of each near miss of ``code`` (see :func:`_listed`).

    Each pattern holds a digit, or none, whatever the value: no branch needs to look
    ahead through a value for one, so a long value fails at once.
    """
    has_digit = any(c.isdigit() for c in code)
    word = _TYPED_CAPITAL if capitals else _TYPED_WORD
    for at in range(1, len(code) + 1):
        head, tail = code[:at], code[at:]
        edits = [(head + "{}" + tail, len(code) + 1)]  # one added
        if tail:
            edits += [(head + "{}" + tail[1:], len(code)), (head + tail[1:], len(code) - 1)]
        for edit, length in edits:
            if any(c.isdigit() for c in edit):  # it keeps its code's digit
                yield f"(?i:{_pattern(edit, _TYPED)})"
            elif "{}" in edit:  # a digit typed in place of a character or beside one
                yield f"(?i:{_pattern(edit, _TYPED_DIGIT)})"
            long_enough = length >= _SHORTEST_WORD_MISS and at >= _KEPT_BY_WORD_MISS
            if word_misses and not has_digit and long_enough:
                typed = _pattern(edit, word)
                yield typed if capitals else f"(?i:{typed})"


def _pattern(edit: str, typed: str) -> str:
    """Return the pattern of a near miss ``edit``: its text, with ``typed`` at ``{}``."""
    return typed.join(re.escape(part) for part in edit.split("{}"))


@functools.cache
def _code_shapes() -> dict[str, re.Pattern[str]]:
    """Return the shape of each coded column's values (see :func:`value_shape`), by field.

    In a column of sex or yes/no values: a code of one character or one of a closed list
    of words. In a column whose codes hold a digit (or are one character): a code of the
    DfE form (:data:`_CODE`). In a column with a closed list of codes of letters
    (ethnicity, abuse category, episode kind, the CIN census disability): a listed code,
    a near miss of one, or a word of the column's closed vocabulary (:func:`_listed`).
    In every coded column: a placeholder (:data:`PLACEHOLDER_WORDS`). Never any other
    word: a name shifted into the column (``Smith``, ``PATEL``, ``NG``, ``John Smith``)
    has none of these forms, unless it is a near miss of a code of its column in
    capitals (``BOOTH`` of ``BOTH``) or a word of its vocabulary (``Roma``).
    The CIN census element ``Disabilities/Disability`` holds disability codes; the
    contract's ``disability`` is yes/no.
    """
    # escalation.data imports this module, so the code lists are read on first use
    from escalation.data.codes import (
        CP_CATEGORIES,
        DISABILITIES,
        EPISODE_KINDS,
        ETHNICITIES,
        EXTENDED_ETHNICITIES,
    )

    ethnic_words = [*EXTENDED_ETHNICITIES, *ETHNICITIES.values(), *EXTENDED_ETHNICITIES.values()]
    factors = f"(?:{_CODE})(?:[;, ]+(?:{_CODE}))*"
    return {
        name: re.compile(shape)
        for shape, names in (
            (_code_or_word(_ONE_CHARACTER, SEX_WORDS | PLACEHOLDER_WORDS),
             ("sex", "gendercurrent", "gender")),
            (_code_or_word(_ONE_CHARACTER, YES_NO_WORDS | PLACEHOLDER_WORDS),
             ("yes_no", "disability", "referralnfa", "icpcnotrequired", "uasc")),
            (_code_or_word(_CODE, PLACEHOLDER_WORDS),
             ("source", "referralsource", "need", "primaryneedcode", "cin", "reason",
              "reasonforclosure", "legal_status", "ls", "place", "rec", "rne", "lea",
              "ceased")),
            (_listed(ETHNICITIES, [*ethnic_words, *PLACEHOLDER_WORDS]), ("ethnicity", "ethnic")),
            (_listed(CP_CATEGORIES, [*CP_CATEGORIES.values(), *PLACEHOLDER_WORDS]),
             ("category", "initialcategoryofabuse", "latestcategoryofabuse")),
            (_listed(EPISODE_KINDS, KIND_WORDS | PLACEHOLDER_WORDS), ("kind",)),
            # a picklist's codes (few typos) of three and four letters, which many short
            # names lie one letter from (HANS, MOBY, CONN): no near misses of letters only
            (_listed(DISABILITIES, [*DISABILITIES.values(), *PLACEHOLDER_WORDS],
                     word_misses=False),
             ("disabilities/disability",)),
            (_code_or_word(factors, PLACEHOLDER_WORDS), ("factors", "assessmentfactors")),
            (_code_or_word("[0-9]{1,4}", PLACEHOLDER_WORDS), ("year", "numberofpreviouscpp")),
            # the name of a DfE collection in a CIN census file's header, which holds no
            # child's data: shown so that a file of another collection is recognised
            (r"[A-Z]{2,6}", ("collection",)),
        )
        for name in names
    }  # fmt: skip


_DATE_COLUMNS: Final = frozenset({"start", "end", "decom", "dec", "duc", "review"})


def value_shape(column: str | None) -> re.Pattern[str] | None:
    """Return the pattern a value of ``column`` looks like, or None when it has none.

    Codes and dates have a recognisable form (``WBRI``, ``3B``, ``2024-03-31``); a value
    of another form in such a column (an identifier or a birth date shifted into the
    column by a missing separator, a name shifted into a column of codes) is described,
    never echoed. A column with a closed list of codes of letters (ethnicity, abuse
    category, episode kind, the CIN census ``Disabilities/Disability``) takes its listed
    codes in any case (``wbri``), their near misses (``WBRT``, ``cp_pln``) and the words
    of its closed vocabulary (labels, published extended codes, known abbreviations:
    ``White British``, ``WENG``, ``LAC``), never any other word; a column whose codes
    hold a digit takes a code with a digit (``1Z``, ``V9``), never a word of letters only
    (``NG``); every coded column takes a placeholder (``NULL``, ``N/A``, ``ZZ``); see
    :func:`_code_shapes`. Free-text and unknown columns have no shape: their values are
    always described.

    Examples
    --------
    >>> [bool(value_shape("ethnicity").fullmatch(v)) for v in ("WBRI", "WBRT", "PATEL")]
    [True, True, False]
    >>> [bool(value_shape("source").fullmatch(v)) for v in ("1A", "1Z", "1a", "NG", "ZZ")]
    [True, True, True, False, True]
    >>> [bool(value_shape("ethnicity").fullmatch(v)) for v in ("WENG", "Alan", "ALAN", "NULL")]
    [True, False, False, True]
    >>> shape = value_shape("ChildCharacteristics/Disabilities/Disability")
    >>> [bool(shape.fullmatch(v)) for v in ("MOB", "MOB1", "MOBL", "HANS", "ADHD")]
    [True, True, False, False, False]
    >>> bool(value_shape("disability").fullmatch("F000001"))
    False
    >>> value_shape("author_role") is None
    True
    """
    if column is None:
        return None
    name = field_name(column).strip().lower()
    shapes = _code_shapes()
    element = "/".join(field_name(part) for part in column.rsplit("/", 2)[-2:]).strip().lower()
    if element in shapes:  # an element named with its parent (Disabilities/Disability)
        return shapes[element]
    if name in shapes:
        return shapes[name]
    if "date" in name or name in _DATE_COLUMNS or name.startswith(("mis_", "dob")):
        return _DATE_SHAPE
    return None


def field_name(column: object) -> str:
    """Return the field a column or element path names (``CINdetails[1]/CINreferralDate``).

    A column label that is not text (a data frame's column ``3``) is read as its text.

    Examples
    --------
    >>> field_name("ChildIdentifiers/LAchildID"), field_name("CINdetails[2]"), field_name(3)
    ('LAchildID', 'CINdetails', '3')
    """
    return str(column).rsplit("/", 1)[-1].split("[", 1)[0]


def did_you_mean(missing: Iterable[object], columns: Iterable[object]) -> str:
    """Return the close names of ``missing`` among ``columns``, for an error message.

    One rule for every "not in the data" error: each name not found is matched with
    :func:`difflib.get_close_matches` (its default cutoff, 0.6, ignoring case) against
    the columns there are; a name with no close column is not mentioned.

    Parameters
    ----------
    missing : iterable
        The names asked for that are not columns.
    columns : iterable
        The columns of the table.

    Returns
    -------
    str
        ``" (did you mean 'age'?)"``, ``" (did you mean 'age' for 'agee', 'sex' for
        'sexx'?)"`` with several, or ``""`` when no name is close to a column.

    Examples
    --------
    >>> did_you_mean(["agee"], ["age", "sex"]), did_you_mean(["Sex", "zzz"], ["age", "sex"])
    (" (did you mean 'age'?)", " (did you mean 'sex' for 'Sex'?)")
    >>> did_you_mean(["zzz"], ["age", "sex"])
    ''
    """
    asked = [str(name) for name in missing]
    names = [str(c) for c in columns]
    lowered = {name.lower(): name for name in reversed(names)}  # the first of a case clash
    pairs = []
    for name in asked:
        close = difflib.get_close_matches(name.lower(), list(lowered), n=1)
        if close:
            pairs.append((name, lowered[close[0]]))
    if not pairs:
        return ""
    if len(asked) == 1:
        return f" (did you mean {pairs[0][1]!r}?)"
    return f" (did you mean {', '.join(f'{near!r} for {name!r}' for name, near in pairs)}?)"


def available_columns(missing: Iterable[object], columns: Iterable[object]) -> str:
    """Return the end of an error about columns not in a table: close names, then all.

    Parameters
    ----------
    missing : iterable
        The names asked for that are not columns.
    columns : iterable
        The columns of the table.

    Returns
    -------
    str
        :func:`did_you_mean`, then ``"; available: "`` and every column, in order.

    Examples
    --------
    >>> "column 'agee' is not in the data" + available_columns(["agee"], ["age", "sex"])
    "column 'agee' is not in the data (did you mean 'age'?); available: age, sex"
    """
    columns = list(columns)
    return f"{did_you_mean(missing, columns)}; available: {', '.join(map(str, columns))}"


def is_personal(column: object) -> bool:
    """Return whether values of ``column`` are personal data, never shown.

    Personal: the contract's identifiers, birth dates and note text
    (:data:`PERSONAL_COLUMNS`), the statutory returns' identifiers, birth dates and
    postcodes (:data:`PERSONAL_FIELDS`) and a column whose header names a birth date, an
    identifier (an NHS or unique pupil number too), a name, a postcode, an address, an
    e-mail address, a phone number or notes or free text. A workbook column a reader read
    into a contract column (``Person Ref`` into ``child_id``) is personal when that
    column is: :func:`disclosed` takes both (its ``read_into``).

    Examples
    --------
    >>> is_personal("ChildIdentifiers/UPN"), is_personal("Date of Birth"), is_personal("LS")
    (True, True, False)
    >>> is_personal("Surname"), is_personal("ChildUniqueID"), is_personal("Did the child...")
    (True, True, False)
    >>> [is_personal(c) for c in ("case_notes", "NHSNumber", "email", "phone", "need")]
    [True, True, True, True, False]
    >>> is_personal("text_n_notes")  # a count of notes, a model's covariate
    False
    """
    if column is None:
        return False
    field = field_name(column)
    return (
        field in PERSONAL_COLUMNS
        or field in PERSONAL_FIELDS
        or bool(_PERSONAL_HEADER.search(field.replace("_", " ")))
    )


#: Why a personal column is no covariate (the role :func:`refuse_personal` names): a model
#: names its coefficients by a categorical covariate's values, so identifiers or note text
#: would reach its results, tables, figures and briefs.
COVARIATE_ROLE: Final = (
    "a covariate: a model names its coefficients by a covariate's values, which its "
    "results, tables and figures print; to allow for the repeated spells of a child or "
    "family, cluster on the identifier instead (cluster= or cluster(...) in a formula)"
)


#: Why a personal column is no subgroup (the role :func:`refuse_personal` names): a subgroup
#: table (the effects of :func:`~escalation.causal.subgroup_effects`, the metrics of
#: :func:`~escalation.predict.fairness.subgroup_metrics`) labels its rows by the groups'
#: values, and a warning names a group too small to estimate.
SUBGROUP_ROLE: Final = (
    "a subgroup: its values would label the rows of the subgroup table and its warnings; "
    "group by a characteristic instead (an age band, sex, deprivation)"
)


def refuse_personal(columns: Iterable[str], role: str, table: str = "table one") -> None:
    """Raise naming each personal column (:func:`is_personal`) given a role.

    The one refusal of a personal column where its values would be printed or name
    something: Table 1 prints the arms' values as its column headers and a
    characteristic's as its levels (``group="child_id"`` gave one column per child,
    headed by the child's identifier), the federated covariate summaries list a
    covariate's levels, and a model names its coefficients by a covariate's levels
    (:data:`COVARIATE_ROLE`). ``table`` names the table of the error.

    Raises
    ------
    DataValidationError
        Naming the table and each personal column (never a value), and why.

    Examples
    --------
    >>> refuse_personal(["age", "child_id"], "a covariate", "spells")
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Spells: 1 problem found
      - table 'spells', column 'child_id': personal data (an identifier, a birth date, note text) cannot be a covariate
    """  # noqa: E501
    personal = [c for c in columns if is_personal(c)]
    if personal:
        reason = f"personal data (an identifier, a birth date, note text) cannot be {role}"
        raise DataValidationError([Problem(table, None, c, None, reason) for c in personal], table)


def describe_text(text: str) -> str:
    """Describe a value without showing it: its length and the kinds of characters in it.

    Letters are said to be capitals or lower case when all are (a name in capitals in a
    column of codes in capitals reads ``5 characters, capital letters``). A character
    that is no letter, digit or space (a punctuation mark, ``½``, ``Ⅻ``) is one of the
    other characters. The value is read once, whatever its length (a megabyte of text is
    described in milliseconds), and the description names only its length and kinds.

    Examples
    --------
    >>> describe_text("F000001")
    '<not shown: 7 characters, capital letters and digits>'
    >>> describe_text("unknown")
    '<not shown: 7 characters, lower-case letters>'
    >>> describe_text("John Smith")
    '<not shown: 10 characters, letters and spaces>'
    >>> describe_text("½")
    '<not shown: 1 character, other characters>'
    """
    distinct = set(text)  # one pass; the kinds are read from the few distinct characters
    kinds = [
        name
        for name, found in (
            (_letters(distinct), any(c.isalpha() for c in distinct)),
            ("digits", any(c.isdigit() for c in distinct)),
            ("spaces", any(c.isspace() for c in distinct)),
            ("other characters", any(_is_other(c) for c in distinct)),
        )
        if found
    ]
    if not kinds:
        return "<empty>"
    listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
    plural = "s" if len(text) != 1 else ""
    return f"<not shown: {len(text)} character{plural}, {listed}>"


def _is_other(character: str) -> bool:
    """Whether :func:`describe_text` counts ``character`` among the other characters."""
    return not (character.isalpha() or character.isdigit() or character.isspace())


def _letters(characters: Collection[str]) -> str:
    """Name the letters among ``characters`` as :func:`describe_text` does (their case)."""
    letters = [c for c in characters if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return "capital letters"
    if letters and all(c.islower() for c in letters):
        return "lower-case letters"
    return "letters"


def disclosed(
    column: str | None,
    value: object,
    *,
    shape: re.Pattern[str] | None = None,
    read_into: str | None = None,
) -> str:
    """Return ``value`` as reports hold it: the value as read, or what stands for it.

    The one disclosure rule of every message and report. An empty value (None, blank
    text, a missing marker) is :data:`EMPTY`, personal or not: emptiness discloses
    nothing. A value of a personal column (:func:`is_personal` of ``column`` or of
    ``read_into``, the contract column a reader read ``column`` into: ``Person Ref`` read
    into ``child_id``, ``Expected delivery date`` into ``expected_birth_date``) is
    :data:`WITHHELD`.
    Any other value is given as read when it has the form of its column's codes or dates
    (``shape``, by default :func:`value_shape` of ``read_into``, else of ``column``: a
    workbook's ``Reason for Closure`` read into ``reason`` shows ``RC8``; a bad code is
    shown so that it can be corrected) or is a number in a column without codes (a
    weight, a duration); anything else (free text, an identifier shifted into a coded
    column) is described by :func:`describe_text`.

    Examples
    --------
    >>> disclosed("source", "1Z"), disclosed("Referral NFA?", "Maybe", shape=value_shape("yes_no"))
    ('1Z', 'Maybe')
    >>> disclosed("ethnicity", "WBRT"), disclosed("ethnicity", "PATEL")
    ('WBRT', '<not shown: 5 characters, capital letters>')
    >>> disclosed("birth_date", None), disclosed("birth_date", "2015-01-01")
    ('<empty>', '<withheld: personal data>')
    >>> disclosed("Expected delivery date", "31/02/2025", read_into="expected_birth_date")
    '<withheld: personal data>'
    """
    return _disclosure(column, value, shape, read_into)[0]


def shown(
    column: str | None,
    value: object,
    *,
    shape: re.Pattern[str] | None = None,
    read_into: str | None = None,
) -> str:
    """Return ``value`` as a message shows it: :func:`disclosed`, a value quoted.

    Examples
    --------
    >>> shown("source", "1Z")
    "'1Z'"
    >>> shown("source", "NG")  # a word of letters is no code of a column of codes with digits
    '<not shown: 2 characters, capital letters>'
    >>> shown("disability", "F000001")
    '<not shown: 7 characters, capital letters and digits>'
    >>> shown("child_id", "C1")
    '<withheld: personal data>'
    >>> shown("child_id", "  ")  # an empty identifier discloses nothing: say it is empty
    '<empty>'
    """
    text, as_read = _disclosure(column, value, shape, read_into)
    return repr(text) if as_read else text


def _disclosure(
    column: str | None, value: object, shape: re.Pattern[str] | None, read_into: str | None
) -> tuple[str, bool]:
    """Return :func:`disclosed`'s text and whether it is the value as read."""
    if is_personal(read_into) or is_personal(column):
        return (EMPTY if _is_missing(value) else WITHHELD), False
    if _is_empty(value):
        return EMPTY, False
    text = str(value)
    shape = shape or _column_shape(column, read_into)
    if shape is None and _is_number(value) and len(text) <= 16:
        return text, True  # a measurement (a weight, a duration) in a column of numbers
    if shape is None or not shape.fullmatch(text.strip()):
        return describe_text(text), False
    return text, True


def _column_shape(column: str | None, read_into: str | None) -> re.Pattern[str] | None:
    """Return the form of the values of ``column``, read into contract column ``read_into``.

    The contract column's form when it has one (a workbook's ``Reason for Closure`` read
    into ``reason`` holds closure reasons, whatever its header says), else the column's own
    (:func:`value_shape`).

    Examples
    --------
    >>> _column_shape("Reason for Closure", "reason").fullmatch("RC8") is not None
    True
    >>> _column_shape("Reason for Closure", None) is None
    True
    """
    return value_shape(read_into) or value_shape(column)


def _is_empty(value: object) -> bool:
    """Return whether a value is empty: None, blank text, or pandas' NA or NaT.

    A float NaN is not empty here: in a column of numbers it is a value (``'nan'``), one
    that a statistical function refuses by name.
    """
    if isinstance(value, float):
        return False
    return _is_missing(value)


def spreadsheet_row(position: int) -> int:
    """Return the row a spreadsheet shows for the data record at 0-based ``position``.

    The one row number every message and report gives: the header is row 1, so the first
    data record is row 2. A record whose quoted value runs over several lines (a note)
    is still one row, as a spreadsheet shows it.

    Examples
    --------
    >>> spreadsheet_row(0)
    2
    """
    return position + FIRST_DATA_ROW


def spreadsheet_column(position: int) -> str:
    """Return the letters a spreadsheet shows for the column at 0-based ``position``.

    Examples
    --------
    >>> spreadsheet_column(0), spreadsheet_column(2), spreadsheet_column(26)
    ('A', 'C', 'AA')
    """
    letters = ""
    number = position + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _is_missing(value: object) -> bool:
    """Return whether a value is missing: None, NaN, pandas' NA or NaT, or blank text."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(value != value)  # NaN, NaT and NA are not equal to themselves
    except (TypeError, ValueError):  # NA's comparison is NA, whose truth is ambiguous
        return True


def _is_number(value: object) -> bool:
    """Return whether a value is stored as a number (not text that looks like one)."""
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


@dataclass(frozen=True)
class Problem:
    """One breach of the data contract.

    Parameters
    ----------
    table : str
        ``"children"``, ``"episodes"``, ``"notes"`` or a file name.
    row : int or None
        Zero-based position of the record in the table as read (``None`` for a
        table-level problem); messages and reports give :attr:`shown_row`.
    column : str or None
        The offending column (``None`` when the problem concerns the whole row or table).
    value : object
        The offending value. Values of personal columns are kept here for the analyst's
        own use but are never shown by :meth:`describe`.
    reason : str
        Why the value breaks the contract, in the user's terms.
    action : str, optional
        What lenient reading did about it (``"value dropped"``, ``"row excluded"``,
        ``"child excluded"``); None when nothing was done (strict reading raises).
    hint : str, optional
        What this case probably meant, for the analyst correcting it ("did you mean
        'NEG'?"), kept apart from ``reason`` so that problems are counted by reason.
        Made from code lists only, never from the value (which may be personal).
    """

    table: str
    row: int | None
    column: str | None
    value: object
    reason: str
    action: str | None = None
    hint: str | None = None

    def with_hint(self, text: str) -> Self:
        """Return a copy whose :attr:`hint` also says ``text`` (after any hint it had).

        What varies from case to case (the record used instead, the code probably meant)
        goes in the hint, so that :meth:`ExclusionReport.counts
        <escalation.data.history.ExclusionReport.counts>` counts the cases of one reason
        together.

        Examples
        --------
        >>> p = Problem("t", 0, "kind", "x", "unknown kind", hint="did you mean 'NEG'?")
        >>> p.with_hint("the record in row 3 is used instead").hint
        "did you mean 'NEG'?; the record in row 3 is used instead"
        """
        return replace(self, hint=f"{self.hint}; {text}" if self.hint else text)

    @property
    def shown_row(self) -> int | None:
        """The row messages and reports give.

        Here the position in a data frame passed to a function (as ``frame.iloc`` takes
        it); a case-history table gives the row a spreadsheet shows (:class:`RecordProblem`).
        """
        return self.row

    def reported_value(self) -> str:
        """Return the value as reports hold it, unquoted (see :func:`disclosed`)."""
        return disclosed(
            self.column, self.value, shape=self.value_form(), read_into=self.contract_column()
        )

    def shown_value(self) -> str:
        """Return the value as a message shows it: a value as read is quoted."""
        return shown(
            self.column, self.value, shape=self.value_form(), read_into=self.contract_column()
        )

    def value_form(self) -> re.Pattern[str] | None:
        """Return the form a value must have to be shown (None: its column's form)."""
        return None

    def contract_column(self) -> str | None:
        """Return the contract column a reader read :attr:`column` into (None: the same)."""
        return None

    def describe(self) -> str:
        """Return a one-line description safe for logs and reports."""
        where = [f"table {self.table!r}"]
        if self.row is not None:
            where.append(f"row {self.shown_row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
            if self.row is not None or self.value is not None:  # a column has no value
                where.append(f"value {self.shown_value()}")
        done = f" [{self.action}]" if self.action else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{', '.join(where)}: {self.reason}{hint}{done}"


@dataclass(frozen=True)
class RecordProblem(Problem):
    """A breach of the contract in a case-history table, located as a spreadsheet shows it.

    ``row`` is the record's 0-based position in the table as read; messages and reports
    give the row a spreadsheet shows (the header is row 1, the first data row row 2; see
    :func:`spreadsheet_row`), for a table read from CSV or Parquet or built in memory
    alike (row *n* of a frame is ``frame.iloc[n - 2]``).

    Examples
    --------
    >>> RecordProblem("children", 0, "sex", "Q", "unknown sex code").describe()
    "table 'children', row 2, column 'sex', value 'Q': unknown sex code"
    """

    @property
    def shown_row(self) -> int | None:
        """The row a spreadsheet shows for the record (header row 1)."""
        return None if self.row is None else spreadsheet_row(self.row)


class EscalationError(Exception):
    """Base class of every error raised by escalation."""


class DataValidationError(EscalationError, ValueError):
    """Input data break the case-history contract.

    Lists every problem found, not only the first.

    Parameters
    ----------
    problems : sequence of Problem
        Every breach found.
    context : str
        What was being validated (e.g. a folder name).
    """

    def __init__(self, problems: Sequence[Problem], context: str = "case history") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.context = context
        super().__init__(self._message())

    def __reduce__(self) -> tuple[type[DataValidationError], tuple[object, ...]]:
        """Rebuild from the problems (an error raised in a worker process is pickled)."""
        return type(self), (self.problems, self.context)

    def _message(self) -> str:
        n = len(self.problems)
        lines = [f"{context_title(self.context)}: {n} problem{'s' if n != 1 else ''} found"]
        lines += [f"  - {p.describe()}" for p in self.problems[:_MAX_LISTED]]
        if n > _MAX_LISTED:
            lines.append(
                f"  ... and {n - _MAX_LISTED} more (see the .problems attribute, "
                "or read leniently to get the full exclusion report)"
            )
        return "\n".join(lines)

    @classmethod
    def from_problems(cls, problems: Iterable[Problem], context: str) -> DataValidationError:
        """Build the error from any iterable of problems."""
        return cls(list(problems), context)


def context_title(context: str) -> str:
    """Capitalise the first letter of a context string for a message heading."""
    return context[:1].upper() + context[1:]


class DesignError(EscalationError, ValueError):
    """A study design is invalid (unknown kinds, impossible horizons, conflicting options).

    Attributes
    ----------
    section, key : str or None
        The design's ``[section]`` and TOML key the error is about, when it is about one
        (:func:`~escalation.design.read_design` then names the line of the file).
    """

    section: str | None = None
    key: str | None = None


class ConvergenceError(EscalationError, RuntimeError):
    """A model failed to converge; the message says what to try."""


class StageError(EscalationError, RuntimeError):
    """A stage of a study run failed, so the run stopped and wrote nothing.

    Parameters
    ----------
    stage : str
        The stage that failed (``effects``, ``survival``, ...).
    message : str
        What went wrong.
    """

    def __init__(self, stage: str, message: str) -> None:
        self.stage = stage
        self.detail = message
        super().__init__(f"stage {stage!r} failed: {message}")

    def __reduce__(self) -> tuple[type[StageError], tuple[object, ...]]:
        """Rebuild from the stage and message (an error raised in a worker is pickled)."""
        return type(self), (self.stage, self.detail)


class DataWarning(UserWarning):
    """Input data were read, but part of them is ignored: the message says what and where.

    Parameters
    ----------
    problem : Problem
        What is ignored, located (a table, a column); the message is its
        :meth:`~Problem.describe`, which never shows a personal value.

    Examples
    --------
    >>> str(DataWarning(Problem("children", None, None, None, "column C has no name")))
    "table 'children': column C has no name"
    """

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.describe())
        self.problem = problem

    def __reduce__(self) -> tuple[type[DataWarning], tuple[object, ...]]:
        """Rebuild from the problem (a warning raised in a worker process is pickled)."""
        return type(self), (self.problem,)


class StatisticalWarning(UserWarning):
    """A result is computable but should be read with care (e.g. poor overlap, few events).

    Parameters
    ----------
    message : str
        What to read with care, in the user's terms.
    design_key : str, optional
        The design-file key that governs it, written ``"[section] key"`` (e.g.
        ``"[outcome] horizons"``); the study runner reports the warning against that key.
    advice : str, optional
        What to change in the design file.
    columns : sequence of str, optional
        The columns of the model a separation warning is about (all of them, not only
        those that separated): what is shared tells from them whether a level that
        separated is of a two-level factor, which names its group by naming the factor
        (:func:`~escalation.report.caveats.redact_separation`).

    Attributes
    ----------
    more_like_it : int
        How many more warnings of its kind bootstrap refits raised (0 for a warning as
        raised): a bootstrap called from Python shows its refits' warnings once per kind,
        the first in full ending "(and 13 more like it during the bootstrap refits)".

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn(StatisticalWarning("few events", design_key="[outcome] horizons"))
    >>> caught[0].message.design_key
    '[outcome] horizons'
    """

    def __init__(
        self,
        *args: object,
        design_key: str | None = None,
        advice: str | None = None,
        columns: Sequence[str] = (),
    ) -> None:
        super().__init__(*args)
        self.design_key = design_key
        self.advice = advice
        self.columns = tuple(columns)
        self.more_like_it = 0
