"""describe_text: a value of any length is described in one pass, never shown, never empty.

Review s27 (text), finding 3: a value of 1 MB took five passes over it (0.12 s a value;
50 such values in one error, 6 s), and a value of characters that are neither letters,
digits, spaces nor other characters by the old test (``½``, ``Ⅻ``: numeric, so
alphanumeric, but no digit) was described as ``<empty>``, as if there were no value.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from escalation.errors import EMPTY, describe_text, disclosed


class _CountingText(str):
    """Text that counts how often it is read character by character."""

    reads = 0

    def __iter__(self) -> Iterator[str]:
        type(self).reads += 1
        return super().__iter__()


def test_describe_text_reads_a_long_value_once() -> None:
    _CountingText.reads = 0
    value = _CountingText("Jane Smith, 12 Oak Drive. " * 40_000)  # about 1 MB
    assert describe_text(value) == (
        "<not shown: 1040000 characters, letters, digits, spaces and other characters>"
    )
    assert _CountingText.reads == 1


def test_describe_text_never_shows_a_long_value() -> None:
    value = "Jane Smith " * 100_000
    described = describe_text(value)
    assert described == "<not shown: 1100000 characters, letters and spaces>"
    assert "Jane" not in described and "Smith" not in described


@pytest.mark.parametrize("value", ["½", "Ⅻ", "¼"])
def test_describe_text_of_a_numeric_character_is_not_empty(value: str) -> None:
    assert describe_text(value) == "<not shown: 1 character, other characters>"
    assert disclosed("ethnicity", value) != EMPTY


def test_describe_text_keeps_its_kinds() -> None:
    """The kinds are read from the distinct characters as they were from every character."""
    assert (
        describe_text("ABC1 2") == "<not shown: 6 characters, capital letters, digits and spaces>"
    )
    assert describe_text("abc") == "<not shown: 3 characters, lower-case letters>"
    assert describe_text("Ab-") == "<not shown: 3 characters, letters and other characters>"
    assert describe_text("²٣") == "<not shown: 2 characters, digits>"
    assert describe_text("") == EMPTY
