"""Command-line arguments refused with a message naming them, and errors worded for the user.

``--authorities`` and ``--workers`` are checked with the other shared arguments (exit 2,
nothing run, nothing written); a file read with the wrong ``--encoding`` is reported at the
row it breaks on, with the command line's option; a Ctrl-C landing in compiled code is an
interruption (130), not a bug (70).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest

import escalation.cli.simulate as simulate_cli
from escalation import simulate_local_authority, write_case_history
from escalation.cli import EXIT_INTERRUPTED, EXIT_USAGE, main


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ["simulate", "--authorities", "0", "--children", "50"],
            "--authorities must be 1 or more (local authorities to simulate), not 0",
        ),
        (
            ["simulate", "--authorities", "100", "--children", "50"],
            "--authorities must be at most --children (50: each authority needs a child at "
            "least), not 100",
        ),
        (
            ["demo", "--authorities", "0", "--children", "50"],
            "--authorities must be 2 or more (simulated authorities to pool), not 0",
        ),
        (
            ["demo", "--authorities", "1", "--children", "50"],
            "--authorities must be 2 or more (simulated authorities to pool), not 1",
        ),
        (
            ["simulate", "--children", "50", "--workers", "0"],
            "--workers must be a whole number: at least 1, or -1",
        ),
        (
            ["simulate", "--children", "50", "--workers", "-2"],
            "--workers must be a whole number: at least 1, or -1",
        ),
        (
            ["validate", "OUT", "--workers", "-2"],
            "--workers must be a whole number: at least 1, or -1",
        ),
    ],
)
def test_authorities_and_workers_are_checked_before_anything_runs(
    argv: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: simulate exited 70 (a bug) for 0 or more authorities than children, demo ran the
    single-authority demo for ``--authorities 0``, and ``--workers`` 0 or -2 was accepted."""
    out = tmp_path / "out"
    words = [str(out) if word == "OUT" else word for word in argv]
    if "OUT" not in argv:
        words += ["--out", str(out)]
    assert main(words) == EXIT_USAGE
    err = capsys.readouterr().err
    assert says in err, err
    assert "unexpected error" not in err
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir()]  # no staging folder either


def test_a_simulation_of_as_many_authorities_as_children_is_allowed(tmp_path: Path) -> None:
    argv = ["simulate", "--children", "40", "--authorities", "2", "--workers", "1"]
    assert main([*argv, "--out", str(tmp_path / "two")]) == 0


def test_a_utf8_folder_read_as_utf16_is_reported_at_its_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: exit 70 (``csv.Error: field larger than field limit``) for files over 128 K
    characters, and "row 2" for smaller ones: the rows were counted on the text decoded
    with the wrong encoding, which has no line break."""
    folder = tmp_path / "la"
    write_case_history(simulate_local_authority(800, seed=3).history, folder, format="csv")
    assert main(["validate", str(folder), "--encoding", "utf-16"]) == 1
    err = capsys.readouterr()
    text = err.out + err.err
    found = re.search(
        r"table '(\w+)', row (\d+)[^\n]*?(\w+\.csv) is not valid utf-16 text \(byte (\d+)\)", text
    )
    assert found is not None, text
    table, row, file, byte = found.groups()
    raw = (folder / file).read_bytes()
    with pytest.raises(UnicodeDecodeError) as decoding:
        codecs.decode(raw, "utf-16")
    assert int(byte) == decoding.value.start
    # the header is row 1; the file's data rows are one line each
    assert int(row) == raw[: int(byte)].count(b"\n") + 1
    assert int(row) > 2 and table == file.removesuffix(".csv")
    assert "--encoding cp1252" in text  # the command line's option, not only Python's


def _interrupted_inside_a_kernel(*args: object, **kwargs: object) -> int:
    """What a Ctrl-C in a compiled kernel looks like: a SystemError raised while handling it."""
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:
        raise SystemError("<numba kernel> returned a result with an exception set") from None


def test_ctrl_c_inside_compiled_code_is_an_interruption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: exit 70, "unexpected error: SystemError in escalation/core/kernels.py"."""
    monkeypatch.setattr(simulate_cli, "run", _interrupted_inside_a_kernel)
    out = tmp_path / "out"
    assert main(["simulate", "--children", "50", "--out", str(out)]) == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "interrupted" in err and "unexpected error" not in err


def _a_bug(*args: object, **kwargs: object) -> int:
    raise SystemError("a SystemError of its own")


def test_any_other_system_error_is_still_a_bug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(simulate_cli, "run", _a_bug)
    assert main(["simulate", "--children", "50", "--out", str(tmp_path / "o")]) == 70
    assert "unexpected error: SystemError" in capsys.readouterr().err


def test_ctrl_c_inside_compiled_code_during_a_simstudy_says_what_was_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: exit 130 with "nothing was written" although 30 replications were kept: the
    simstudy command's own interruption message was reached only by a KeyboardInterrupt
    raised in Python (session 26's last read)."""
    import json

    import escalation.simstudy as simstudy

    def checkpoint_then_interrupt(plan: object, out: str, **kwargs: object) -> None:
        folder = Path(out)
        folder.mkdir(parents=True)
        stored = {"complete": False, "replications_stored": 30}
        (folder / "manifest.json").write_text(json.dumps(stored), encoding="utf-8")
        _interrupted_inside_a_kernel()

    monkeypatch.setattr(simstudy, "run_simstudy", checkpoint_then_interrupt)
    plan = Path(__file__).resolve().parents[1] / "analyses" / "simstudy_early_help.toml"
    out = tmp_path / "study"
    assert main(["simstudy", str(plan), "--out", str(out)]) == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "30 replications" in err and "nothing was written" not in err
