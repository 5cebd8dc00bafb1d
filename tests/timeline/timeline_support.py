"""Test support: hand-written histories and a seeded, vectorised synthetic generator.

The generator is deliberately simple (it is not the package's simulator): each child has
one to four referrals in sequence, each with an assessment inside it; some referrals are
followed by early help, a CP plan, a period in care, a move out of the area or a death.
It is fast enough to make a million children for the benchmark.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalation.data.codes import ASSESSMENT_FACTORS, CLOSURE_REASONS
from escalation.data.history import CODE_DTYPES, CaseHistory
from escalation.data.validate import validate_case_history

EXTRACT = "2024-03-31"


def history(
    children: list[dict[str, object]],
    episodes: list[dict[str, object]],
    extract_date: str = EXTRACT,
) -> CaseHistory:
    """Build and validate a small history from row dictionaries."""
    kids = pd.DataFrame(children)
    eps = pd.DataFrame(episodes)
    if "end" not in eps:
        eps["end"] = ""
    return validate_case_history(CaseHistory(kids, eps, extract_date=extract_date))


def synthetic_history(n_children: int, seed: int, extract_date: str = EXTRACT) -> CaseHistory:
    """Return a seeded synthetic case history in normal form (not validated: fast)."""
    rng = np.random.default_rng(seed)
    extract = np.datetime64(extract_date, "D").astype(np.int64)
    n = n_children
    ids = np.char.add("c", np.arange(n).astype(str))
    birth = extract - rng.integers(200, 19 * 365, size=n)
    family = np.char.add("f", (np.arange(n) // 2).astype(str))
    children = pd.DataFrame(
        {
            "child_id": pd.array(ids, dtype="string"),
            "birth_date": birth.astype("datetime64[D]").astype("datetime64[ns]"),
            "sex": pd.Categorical(
                rng.choice(["F", "M", "U"], n, p=[0.48, 0.5, 0.02]), dtype=CODE_DTYPES["sex"]
            ),
            "ethnicity": pd.Categorical(
                rng.choice(["WBRI", "ABAN", "BAFR", "MOTH"], n), dtype=CODE_DTYPES["ethnicity"]
            ),
            "disability": pd.array(rng.random(n) < 0.1, dtype="boolean"),
            "family_id": pd.array(family, dtype="string"),
            "imd_decile": rng.integers(1, 11, size=n),
        }
    )
    k = 4
    n_ref = rng.integers(1, k + 1, size=n)
    gap = rng.integers(30, 900, size=(n, k))
    length = rng.integers(5, 120, size=(n, k))
    first = birth + rng.integers(0, 17 * 365, size=n)
    starts = first[:, None] + np.cumsum(np.c_[np.zeros(n, np.int64), (gap + length)[:, :-1]], 1)
    ends = starts + length
    use = (np.arange(k)[None, :] < n_ref[:, None]) & (starts < extract)
    child = np.repeat(np.arange(n), k).reshape(n, k)[use]
    r_start, r_end = starts[use], ends[use]
    r_open = r_end > extract
    m = len(child)
    reasons = np.array(list(CLOSURE_REASONS))
    probs = np.array([0.01, 0.002, 0.01, 0.01, 0.03, 0.01, 0.2, 0.4, 0.328])
    reason = reasons[rng.choice(len(reasons), m, p=probs / probs.sum())]
    rows = []

    def add(kind: str, c: np.ndarray, s: np.ndarray, e: np.ndarray | None, **extra: object) -> None:
        frame = {"child": c, "kind": kind, "start": s, "end": e if e is not None else -1}
        frame.update(extra)
        rows.append(pd.DataFrame(frame))

    add(
        "referral",
        child,
        r_start,
        np.where(r_open, -1, r_end),
        reason=np.where(r_open, None, reason),
        source=rng.choice(["2A", "3A", "6", "1A"], m),
        need=rng.choice(["N1", "N4", "N5"], m),
    )
    # An assessment inside each referral, factors recorded when it ends.
    a_start = r_start + rng.integers(0, 4, m)
    a_end = np.minimum(a_start + rng.integers(0, 45, m), r_end)
    codes = np.array(
        [c for c in ASSESSMENT_FACTORS if c in {"1B", "2B", "3B", "4B", "16A", "17A", "21"}]
    )
    picks = rng.random((m, len(codes))) < 0.25
    factors = pd.Series([";".join(codes[p]) for p in picks]).replace("", "21")
    a_open = a_end > extract
    add("assessment", child, a_start, np.where(a_open, -1, a_end), factors=factors.to_numpy())
    # Early help after some referrals (possibly overlapping the next referral).
    eh = rng.random(m) < 0.35
    eh_start = r_end[eh] + rng.integers(0, 40, int(eh.sum()))
    eh_end = eh_start + rng.integers(0, 200, int(eh.sum()))
    ok = eh_start <= extract
    add("early_help", child[eh][ok], eh_start[ok], np.where(eh_end[ok] > extract, -1, eh_end[ok]))
    # Escalations: CP plans and care periods, at most one of each per referral.
    for kind, p in (("cp_plan", 0.08), ("looked_after", 0.04)):
        hit = rng.random(m) < p
        s = r_end[hit] + rng.integers(0, 900, int(hit.sum()))
        e = s + rng.integers(30, 600, int(hit.sum()))
        ok = s <= extract
        add(kind, child[hit][ok], s[ok], np.where(e[ok] > extract, -1, e[ok]))
    # Moving out and death: point events, at most one death per child, nothing after it.
    move = rng.random(n) < 0.05
    mv_day = first[move] + rng.integers(0, 2000, int(move.sum()))
    ok = mv_day <= extract
    add("moved_out", np.flatnonzero(move)[ok], mv_day[ok], None)
    episodes = pd.concat(rows, ignore_index=True)
    died = np.flatnonzero(rng.random(n) < 0.003)
    last = episodes.groupby("child")["start"].max().reindex(died).to_numpy()
    d_day = np.minimum(last + rng.integers(0, 400, len(died)), extract)
    episodes = pd.concat(
        [episodes, pd.DataFrame({"child": died, "kind": "death", "start": d_day, "end": -1})],
        ignore_index=True,
    )
    # Nothing may start after a death, and no end after the extract date.
    death_day = pd.Series(d_day, index=died)
    limit = episodes["child"].map(death_day).fillna(extract).to_numpy()
    episodes = episodes[episodes["start"].to_numpy() <= limit].reset_index(drop=True)
    return _normal_form(children, episodes, ids, extract_date)


def _normal_form(
    children: pd.DataFrame, episodes: pd.DataFrame, ids: np.ndarray, extract_date: str
) -> CaseHistory:
    def dates(days: np.ndarray) -> np.ndarray:
        out = days.astype("datetime64[D]").astype("datetime64[ns]")
        out[days < 0] = np.datetime64("NaT")
        return out

    start = episodes["start"].to_numpy(np.int64)
    end = episodes["end"].to_numpy(np.int64)
    frame = pd.DataFrame(
        {
            "child_id": pd.array(ids[episodes["child"].to_numpy()], dtype="string"),
            "kind": pd.Categorical(episodes["kind"], dtype=CODE_DTYPES["kind"]),
            "start": dates(start),
            "end": dates(end),
            "source": pd.Categorical(episodes.get("source"), dtype=CODE_DTYPES["source"]),
            "need": pd.Categorical(episodes.get("need"), dtype=CODE_DTYPES["need"]),
            "factors": pd.array(episodes.get("factors"), dtype="string"),
            "category": pd.Categorical([None] * len(episodes), dtype=CODE_DTYPES["category"]),
            "reason": pd.Categorical(episodes.get("reason"), dtype=CODE_DTYPES["reason"]),
            "legal_status": pd.Categorical(
                [None] * len(episodes), dtype=CODE_DTYPES["legal_status"]
            ),
        }
    )
    return CaseHistory(children, frame, extract_date=pd.Timestamp(extract_date))
