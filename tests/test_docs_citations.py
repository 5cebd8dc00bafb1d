"""One reference, one citation: papers cited in several places name the same DOI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import escalation

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(escalation.__file__).resolve().parent

#: (the citation's first words, its one DOI): Ozenne, Scheike, Stærk & Gerds (2020),
#: Biometrical Journal 62(3):751–763 (riskRegression's ``ate()`` cites it so).
CITATIONS = [("Ozenne", "10.1002/bimj.201800298"), ("Sjölander", "10.1093/biomet/asv025")]


def _texts() -> list[tuple[str, str]]:
    """Return (name, text) of the package's modules, the docs and the top-level files."""
    files = [
        *PACKAGE.rglob("*.py"),
        *(ROOT / "docs").rglob("*.md"),
        *(ROOT / "tests").rglob("*.py"),
    ]
    files += [ROOT / name for name in ("README.md", "CITATION.cff") if (ROOT / name).is_file()]
    return [(str(f), f.read_text(encoding="utf-8")) for f in files if f.name != Path(__file__).name]


@pytest.mark.parametrize(("author", "doi"), CITATIONS)
def test_a_paper_has_one_doi_wherever_it_is_cited(author: str, doi: str) -> None:
    wrong = []
    for name, text in _texts():
        for match in re.finditer(author, text):
            found = re.search(
                r"doi[:.org/]*\s*(10\.\d{4,}/[^\s)\]]+)", text[match.end() : match.end() + 300]
            )
            if found and found.group(1).rstrip(".,;") != doi:
                wrong.append(f"{name}: {found.group(1)}")
    assert not wrong, wrong
