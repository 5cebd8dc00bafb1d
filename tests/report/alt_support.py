"""Check the alternative text of every image of a written brief against the run's tables."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

#: The generic texts every brief figure carried before its text stated a finding.
GENERIC_ALTS = frozenset(
    {
        "Flow diagram of inclusion and exclusion.",
        "Cumulative incidence of escalation by early help, unadjusted.",
        "Adjusted cumulative incidence under early help and under none.",
        "Adjusted risk difference over time.",
        "Adjusted restricted mean time free of escalation.",
        "Forest plot of risk differences.",
        "Forest plot of risk differences by local authority.",
        "Forest plot of subgroup effects.",
        "Calibration curves.",
        "Recall and precision of the risk tool by group.",
        "Escalations prevented against children offered early help, by rule.",
    }
)
#: The written table(s) behind each brief figure, by the figure's title.
TABLES = {
    "Who was studied": ("flow",),
    "Escalation after the decision point, as observed": ("effects",),
    "Risk of escalation with and without early help, adjusted": ("effects",),
    "Change in risk with early help": ("effects",),
    "Effect of early help in each local authority": ("effects_by_authority", "effects"),
    "Effect of early help in groups of children": ("subgroups",),
    "Are the predicted risks right?": ("prediction_metrics",),
    "Does the tool work equally well for all children?": ("fairness", "prediction_metrics"),
    "The rules side by side": ("policy_figure",),
}
#: Columns whose values a figure's text may state (estimates, their limits, counts, rates).
VALUE_COLUMNS = (
    "estimate", "conf_low", "conf_high", "children", "episodes", "n", "count",
    "prevented_per_1000", "flagged_per_1000",
)  # fmt: skip
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")


class _Images(HTMLParser):
    """Collects each image's alt text and the title of the figure it belongs to."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[list[str]] = []  # [alt, title]
        self._title: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append([dict(attrs).get("alt") or "", ""])
        elif tag == "b" and self.images and not self.images[-1][1]:
            self._title = []

    def handle_data(self, data: str) -> None:
        if self._title is not None:
            self._title.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "b" and self._title is not None:
            title = re.sub(r"^Figure \d+\. ", "", "".join(self._title).strip()).rstrip(".")
            self.images[-1][1] = title
            self._title = None


def brief_images(page: str) -> list[tuple[str, str]]:
    """Return ``(alt, figure title)`` of every ``<img>`` of a brief, alt text unescaped."""
    parser = _Images()
    parser.feed(page)
    return [(alt, title) for alt, title in parser.images]


def table_numbers(frames: Iterable[pd.DataFrame]) -> set[str]:
    """Every way a brief may print a value of the tables: as is, or as a percentage."""
    out: set[str] = set()
    for frame in frames:
        for column in VALUE_COLUMNS:
            if column not in frame.columns:
                continue
            for value in pd.to_numeric(frame[column], errors="coerce").dropna():
                for scaled in (abs(float(value)), abs(100 * float(value))):
                    out.update(f"{scaled:.{d}f}" for d in (0, 1, 2))
    return out


def check_alt_texts(
    out: Path, identifiers: Iterable[object], notes: Iterable[object] = ()
) -> list[tuple[str, str]]:
    """Assert what every image of ``out/brief.html`` says; return ``(alt, title)`` pairs.

    Each alt text is not a generic one, states a number of the written table behind its
    figure (``out/results/<name>.csv``) or says a value is not shown, and holds no
    identifier and no case-note text (``notes``).
    """
    page = (out / "brief.html").read_text(encoding="utf-8")
    images = brief_images(page)
    assert images, "the brief has no images"
    ids = {str(i) for i in identifiers if len(str(i)) >= 5}
    texts = [str(n).strip() for n in notes if len(str(n).strip()) >= 20]
    for alt, title in images:
        assert alt and alt not in GENERIC_ALTS, (title, alt)
        assert title in TABLES, f"no table known for the figure {title!r}"
        frames = [pd.read_csv(out / "results" / f"{name}.csv") for name in TABLES[title]]
        numbers = {n.replace(",", "") for n in _NUMBER.findall(alt)}
        assert numbers & table_numbers(frames) or "not shown" in alt, (title, alt)
        assert not set(_TOKEN.findall(alt)) & ids, f"{title}: an identifier in its alt text"
        assert not any(n in alt for n in texts), f"{title}: case-note text in its alt text"
    return images
