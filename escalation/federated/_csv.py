"""One rule for the CSV tables the hub reads: authority codes and levels stay text.

pandas reads a column of digits as numbers, so the authority ``0886`` became 886 (and
886.0 in a column with an empty cell) and no longer matched the pack's ``0886``; a level
``01`` became 1. The share packs' tables (:func:`~escalation.federated.pack.read_share_pack`)
and the hub's table of authority characteristics (``escalation pool --characteristics``)
are both read by :func:`read_hub_csv`: the columns of :data:`CODE_COLUMNS` as text, the
others as pandas reads them (a characteristic stays a number).
"""

from __future__ import annotations

from typing import IO, Any, Final

import pandas as pd

__all__ = ["CODE_COLUMNS", "read_hub_csv"]

#: Columns whose values are codes, read as text whatever they look like: an authority's
#: code and a covariate's level.
CODE_COLUMNS: Final = ("authority", "level")


def read_hub_csv(source: str | IO[bytes], **options: Any) -> pd.DataFrame:
    r"""Read a CSV table of the hub with its code columns as text.

    Parameters
    ----------
    source : str or binary file
        The table's path or bytes.
    **options
        Passed on to :func:`pandas.read_csv` (its missing-value markers, say).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`CODE_COLUMNS` present as text (an empty cell missing), the
        others as pandas reads them.

    Examples
    --------
    >>> import io
    >>> table = read_hub_csv(io.BytesIO(b"authority,rate\n0886,0.4\n886,\n"))
    >>> table["authority"].tolist(), table["rate"].tolist()
    (['0886', '886'], [0.4, nan])
    """
    table: pd.DataFrame = pd.read_csv(source, dtype=dict.fromkeys(CODE_COLUMNS, str), **options)
    return table
