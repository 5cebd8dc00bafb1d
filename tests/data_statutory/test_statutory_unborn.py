"""An independently generated authority with unborn children: validated and converted whole.

The authority here is drawn with numpy and written with the test builders, never with the
package's simulator or writers, so the reader is checked against files it did not make:
pre-birth referrals, assessments and child protection plans, children still unborn at the
reference date (``ExpectedPersonBirthDate`` only), children born after their expected date
(both dates), deaths, and ``<ReferralNFA>`` where the DfE schema puts it (after
``<Section47>``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from escalation import read_case_history
from escalation.cli import main
from escalation.data.statutory import read_cin_census

from .statutory_builders import assessment, child, cin_details, cp_plan, message, section47, write

REFERENCE = dt.date(2024, 3, 31)


@dataclass
class Authority:
    """What was generated, to compare the conversion with."""

    xml: str
    children: list[tuple[str, str, str | None]] = field(default_factory=list)
    episodes: list[tuple[str, str, str, str | None]] = field(default_factory=list)


def _d(day: dt.date) -> str:
    return day.isoformat()


def generate(n: int, seed: int) -> Authority:
    rng = np.random.default_rng(seed)
    out = Authority("")
    kids = []
    for i in range(n):
        cid = f"LA{i:06d}"
        unborn = rng.random() < 0.25
        if unborn:
            referral = REFERENCE - dt.timedelta(days=int(rng.integers(5, 900)))
            due = referral + dt.timedelta(days=int(rng.integers(10, 270)))
            late = int(rng.integers(-20, 15))  # born before or after the due date
            birth = due + dt.timedelta(days=late)
        else:
            birth = REFERENCE - dt.timedelta(days=int(rng.integers(200, 6000)))
            due = None
            referral = birth + dt.timedelta(days=int(rng.integers(30, 180)))
            if referral > REFERENCE - dt.timedelta(days=5):
                referral = REFERENCE - dt.timedelta(days=5)
        still_unborn = birth > REFERENCE
        a_start = referral + dt.timedelta(days=2)
        a_end = a_start + dt.timedelta(days=int(rng.integers(5, 40)))
        blocks = []
        closure = None
        if a_end <= REFERENCE:
            blocks.append(assessment(_d(a_start), None, _d(a_end), ["2B", "16A"]))
            out.episodes.append((cid, "assessment", _d(a_start), _d(a_end)))
        else:
            blocks.append(assessment(_d(a_start)))
            out.episodes.append((cid, "assessment", _d(a_start), None))
        plan = rng.random() < 0.4 and a_end < REFERENCE - dt.timedelta(days=20)
        if plan:
            s47 = a_start + dt.timedelta(days=1)
            conference = a_end
            blocks.append(section47(_d(s47), None, _d(conference), "false"))
            out.episodes += [(cid, "s47", _d(s47), None), (cid, "icpc", _d(conference), None)]
        blocks.append("<ReferralNFA>false</ReferralNFA>\n")  # where the DfE schema puts it
        if plan:
            cp_end = conference + dt.timedelta(days=int(rng.integers(60, 500)))
            end = _d(cp_end) if cp_end <= REFERENCE else None
            blocks.append(cp_plan(_d(conference), end, "NEG", "NEG"))
            out.episodes.append((cid, "cp_plan", _d(conference), end))
            closure = end
        elif a_end <= REFERENCE and rng.random() < 0.5:
            closure = _d(a_end)
        details = cin_details(
            _d(referral),
            source="3B",
            need="N1",
            closure=closure,
            reason="RC8" if closure and not plan else ("RC7" if closure else None),
            nfa=None,
            blocks=blocks,
        )
        out.episodes.append((cid, "referral", _d(referral), closure))
        death = None
        if not still_unborn and rng.random() < 0.02:
            latest = max([dt.date.fromisoformat(e[3] or e[2]) for e in out.episodes if e[0] == cid])
            death = latest + dt.timedelta(days=1)
            if death > REFERENCE:
                death = None
            else:
                out.episodes.append((cid, "death", _d(death), None))
        kids.append(
            child(
                cid,
                birth=None if still_unborn else _d(birth),
                expected_birth=_d(due) if due is not None else None,
                gender="0" if still_unborn else str(1 + i % 2),
                death=_d(death) if death else None,
                details=[details],
            )
        )
        out.children.append((cid, _d(birth), _d(due) if due else None))
    out.xml = message(kids, year=2024, reference=_d(REFERENCE))
    return out


def test_every_referral_assessment_plan_and_death_is_kept_in_strict_mode(tmp_path: Path) -> None:
    authority = generate(1_500, seed=12)
    history = read_cin_census(write(tmp_path, "cin_2024.xml", authority.xml))  # strict
    assert {p.severity for p in history.exclusions.problems} <= {"note"}  # type: ignore[attr-defined]
    got = history.episodes[["child_id", "kind", "start", "end"]].copy()
    for column in ("start", "end"):
        got[column] = got[column].dt.strftime("%Y-%m-%d").where(got[column].notna(), None)
    got["kind"] = got["kind"].astype(str)
    expected = pd.DataFrame(authority.episodes, columns=["child_id", "kind", "start", "end"])
    key = ["child_id", "kind", "start", "end"]
    pd.testing.assert_frame_equal(
        got.astype(str).sort_values(key, ignore_index=True),
        expected.astype(str).sort_values(key, ignore_index=True),
    )
    kids = history.children.set_index("child_id")
    born = pd.DataFrame(authority.children, columns=["child_id", "birth", "due"])
    born = born.set_index("child_id").loc[kids.index]
    # a child unborn at the reference date has its expected birth date as birth date
    known = born["birth"].where(born["birth"] <= _d(REFERENCE), born["due"])
    assert (kids["birth_date"].dt.strftime("%Y-%m-%d").to_numpy() == known.to_numpy()).all()
    with_due = born["due"].notna().to_numpy()
    expected = kids["expected_birth_date"].dt.strftime("%Y-%m-%d").to_numpy()
    assert (expected[with_due] == born["due"].to_numpy()[with_due]).all()
    # many records begin before birth, and some children are still unborn
    birth = history.episodes["child_id"].map(kids["birth_date"])
    assert (history.episodes["start"] < birth).sum() > 300
    assert (kids["birth_date"] > history.extract_date).sum() > 10


def test_the_same_authority_as_csv_tables_validates(tmp_path: Path) -> None:
    authority = generate(400, seed=3)
    folder = tmp_path / "la"
    folder.mkdir()
    children = pd.DataFrame(authority.children, columns=["child_id", "birth_date", "due"])
    children = children.rename(columns={"due": "expected_birth_date"})
    children.to_csv(folder / "children.csv", index=False)
    episodes = pd.DataFrame(authority.episodes, columns=["child_id", "kind", "start", "end"])
    episodes.to_csv(folder / "episodes.csv", index=False)
    history = read_case_history(folder, extract_date=_d(REFERENCE))  # strict
    assert len(history.episodes) == len(episodes)
    assert main(["validate", str(folder), "--extract-date", _d(REFERENCE)]) == 0
