"""One rule for printing an estimate near zero: never "-0.0", never a false "0".

Two mistakes make a printed number say something its value does not:

* a negative value that rounds to zero prints with its sign ("-0.0", "-0.000"), which a
  reader takes for a value below zero; :func:`signed_text` prints it as "0.0";
* an interval that lies wholly on one side of zero whose nearer end rounds to zero ("95%
  CI -2.9 to -0.0", "between 0.0 and 2.9 fewer") reads as an interval that touches no
  difference; :func:`clear_of_zero_digits` adds decimals until that end prints as the
  non-zero value it is ("-0.04").

Every place that prints a difference, its interval or a rank metric calls these two
(the brief's key numbers, plain words, edge note, alternative texts, the policy section's
differences per 1,000, the case-note AUC difference): no caller rounds such a number its
own way.
"""

from __future__ import annotations

__all__ = ["clear_of_zero_digits", "signed_text"]

#: Decimals :func:`clear_of_zero_digits` adds at most (an end of 1e-9 points is zero
#: for any reader).
MOST_EXTRA_DIGITS = 6


def signed_text(value: float, digits: int, *, sign: bool = False) -> str:
    """Return ``value`` with ``digits`` decimals, a zero never signed ("-0.0" is "0.0").

    Parameters
    ----------
    value : float
        The number.
    digits : int
        Decimals to print.
    sign : bool
        Print "+" before a positive value (differences, which are signed).

    Examples
    --------
    >>> signed_text(-0.0004, 3), signed_text(-0.04, 1, sign=True), signed_text(1.25, 1, sign=True)
    ('0.000', '0.0', '+1.2')
    >>> signed_text(-1.46, 1, sign=True), signed_text(-1.46, 1)
    ('-1.5', '-1.5')
    """
    text = f"{value:{'+' if sign else ''}.{digits}f}"
    return text.lstrip("+-") if float(text) == 0 else text


def clear_of_zero_digits(
    conf_low: float, conf_high: float, *, scale: float = 1.0, digits: int = 0
) -> int:
    """Return the fewest decimals (from ``digits``) at which an interval prints clear of zero.

    An interval that lies wholly on one side of zero (``conf_low > 0`` or
    ``conf_high < 0``) must not print an end as zero: its nearer end gets as many decimals
    as it needs to round to a non-zero value (at most :data:`MOST_EXTRA_DIGITS` more).
    Rounding never moves an end to the other side of zero, so that end then prints on its
    own side. An interval that includes zero keeps ``digits``.

    Parameters
    ----------
    conf_low, conf_high : float
        The interval's ends.
    scale : float
        What the ends are multiplied by when printed (100 for percentage points).
    digits : int
        The decimals the caller would print otherwise.

    Examples
    --------
    >>> clear_of_zero_digits(-0.02853, -0.0004, scale=100, digits=1)
    2
    >>> clear_of_zero_digits(-0.02853, -0.00083, scale=100, digits=1)
    1
    >>> clear_of_zero_digits(0.00003, 0.2, scale=1000, digits=1), clear_of_zero_digits(-1, 1)
    (2, 0)
    """
    low, high = scale * float(conf_low), scale * float(conf_high)
    if not (low > 0 or high < 0):
        return digits
    near = low if low > 0 else high
    for d in range(digits, digits + MOST_EXTRA_DIGITS + 1):
        if round(near, d) != 0:
            return d
    return digits + MOST_EXTRA_DIGITS
