"""An analyst's session on the command line, step by step (session 28 review).

``init`` a design, ``convert`` the statutory samples, ``build``/``estimate`` the study and
``share`` it, then read what each command wrote: who may read the files, what the
manifests record of the input, and whether every option asked for is there. Small
simulated authorities keep it fast.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from escalation import read_case_history, simulate_local_authority, write_case_history
from escalation.cli import main
from escalation.errors import StatisticalWarning

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"


@pytest.fixture
def umask_022() -> Iterator[int]:
    """Run with the usual umask (022), so files are created group- and world-readable."""
    before = os.umask(0o022)
    try:
        yield 0o022
    finally:
        os.umask(before)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_design_file_is_as_readable_as_any_other_output(
    tmp_path: Path, umask_022: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``design.toml`` (``init``'s, and the copy beside every study's outputs) was
    0600, readable by its owner alone, beside outputs of 0644: the temporary file of the
    atomic write came from ``tempfile.mkstemp``, whose mode ignores the umask."""
    plain = tmp_path / "plain.txt"
    plain.write_text("a file created the ordinary way")  # 0666 less the umask
    assert _mode(plain) == 0o644
    assert main(["init", str(tmp_path / "study")]) == 0
    design = tmp_path / "study" / "design.toml"
    assert _mode(design) == _mode(plain) == 0o644
    # --force replaces the design, keeping the mode its owner gave it
    design.chmod(0o640)
    assert main(["init", str(tmp_path / "study"), "--force"]) == 0
    assert _mode(design) == 0o640
    capsys.readouterr()


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small authority's case histories (CSV, no ``la`` column) and its design."""
    from escalation.design import DataSpec
    from tests.federated.federated_support import cheap_design

    home = tmp_path_factory.mktemp("authority")
    history = simulate_local_authority(2_000, seed=11).history
    write_case_history(history, home / "data", format="csv")
    design = cheap_design().replace(data=DataSpec(path="data"))
    design.with_estimation(seed=7).write(home / "design.toml")
    return home / "design.toml"


def _share(design: Path, packs: Path) -> int:
    # a small authority: models may rightly warn about sparse levels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return main(["share", str(design), "--la", "LA01", "--out", str(packs)])


def _manifest(folder: Path) -> dict[str, object]:
    record = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert isinstance(record, dict)
    return record


def test_share_records_the_input_hash_and_seed_every_command_records(
    authority: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``escalation share`` recorded as ``input_hash`` a hash of the children and
    episodes alone, in their row order (fdef7f3b... for a 600-child authority whose
    ``CaseHistory.digest()``, the hash ``run``, ``build``, ``estimate`` and ``simulate``
    record and docs/outputs.md names, is 8dd40014...), so the pack could not be tied to a
    run of the same data and an extract date moved alone went unseen; and its ``seeds``
    were empty although the pack's bootstrap used the design's seed."""
    packs = tmp_path / "packs"
    assert _share(authority, packs) == 0
    manifest = _manifest(packs)
    data = read_case_history(authority.parent / "data")  # read back from the files shared
    assert manifest["input_hash"] == data.digest()
    assert manifest["pack_inputs"] == {"LA01.zip": data.digest()}
    assert manifest["seeds"] == {"share": 7}
    capsys.readouterr()


def test_share_reruns_over_a_pack_recorded_by_the_earlier_hash(
    authority: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder of packs whose manifest recorded the earlier hash of these same data is
    still this authority's: the rerun replaces its pack without ``--overwrite``; a pack of
    other data is still refused."""
    from escalation.results import data_hash

    packs = tmp_path / "packs"
    assert _share(authority, packs) == 0
    data = read_case_history(authority.parent / "data")
    manifest = _manifest(packs)
    for digest, status in ((data_hash(data.children, data.episodes), 0), ("0" * 64, 2)):
        manifest["input_hash"] = digest
        manifest["pack_inputs"] = {"LA01.zip": digest}
        (packs / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        assert _share(authority, packs) == status
    assert "shared from other data" in capsys.readouterr().err


@pytest.mark.parametrize("table_format", ["csv", "parquet"])
def test_convert_records_the_hash_a_run_on_its_tables_records(
    tmp_path: Path, table_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``escalation convert`` recorded as ``input_hash`` a hash of the children and
    episodes in their row order, without the extract date (a622a775... for the CIN census
    sample), while ``validate``, ``build`` and ``run`` on the converted folder record its
    ``CaseHistory.digest()`` (33cd58d4...): the two could not be matched."""
    out = tmp_path / "converted"
    sample = SAMPLES / "cin-2022.xml"
    argv = ["convert", "cin-census", str(sample), "--lenient", "--out", str(out)]
    assert main([*argv, "--format", table_format]) == 0
    assert _manifest(out)["input_hash"] == read_case_history(out).digest()
    capsys.readouterr()


#: Each command with long steps, with the arguments it needs besides --quiet.
LONG_COMMANDS = {
    "run": ["design.toml", "--out", "o"],
    "demo": ["--out", "o"],
    "build": ["design.toml", "--out", "o"],
    "estimate": ["design.toml", "--out", "o"],
    "predict": ["design.toml", "--out", "o"],
    "simstudy": ["plan.toml"],
    "simulate": ["--out", "o"],
    "validate": ["folder"],
    "share": ["design.toml", "--out", "o"],
    "policy": ["design.toml", "--out", "o"],
}


@pytest.mark.parametrize("command", sorted(LONG_COMMANDS))
@pytest.mark.parametrize("option", ["--quiet", "--no-progress"])
def test_every_command_with_long_steps_takes_quiet(command: str, option: str) -> None:
    """Was: ``--quiet`` worked for ``run`` and ``demo`` only; ``build``, ``estimate`` and
    ``simstudy`` refused it (exit 2, "unrecognized arguments: --quiet") and took
    ``--no-progress``, and ``predict``, ``validate`` and ``simulate`` had no way to hide
    their progress bars (nor ``share`` and ``policy``, which showed none)."""
    from escalation.cli import build_parser

    args = build_parser([command]).parse_args([command, *LONG_COMMANDS[command], option])
    assert args.quiet is True
    assert build_parser([command]).parse_args([command, *LONG_COMMANDS[command]]).quiet is False


def test_predict_quiet_hides_its_progress(
    authority: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``predict --quiet`` asks the validation for no progress bar (by default: a bar when
    standard error is a terminal)."""
    import escalation.cli.predict as predict_cli

    asked: list[object] = []

    def _stop(*args: object, **kwargs: object) -> None:
        asked.append(kwargs.get("progress", "not passed"))
        raise KeyboardInterrupt  # stop here: nothing is written

    monkeypatch.setattr(predict_cli, "validate_risk_models", _stop)
    for extra, progress in (([], None), (["--quiet"], False)):
        out = tmp_path / f"risk{len(asked)}"
        assert main(["predict", str(authority), "--out", str(out), *extra]) == 130
        assert asked[-1] is progress


def _help(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main([command, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_estimate_shows_each_caveat_once(
    authority: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``estimate`` printed each caveat on stdout ("caveat: ...") and again as a
    warning on stderr. This authority raises one (5 untreated spells ended within the
    14-day grace period): it is shown once, as the warning against its design-file line,
    and stdout says only what was written; stderr counts the caveats, as ``run`` does."""
    out = tmp_path / "effects"
    argv = ["estimate", str(authority), "--out", str(out), "--refutations", "0", "--trees", "0"]
    capsys.readouterr()
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        assert main([*argv, "--quiet"]) == 0
    printed = capsys.readouterr()
    said = "untreated spells ended within that grace period"
    caveats = [w for w in shown if issubclass(w.category, StatisticalWarning)]
    assert [said in str(w.message) for w in caveats] == [True]
    assert said not in printed.out and "caveat" not in printed.out
    assert said not in printed.err
    recorded = _manifest(out)["caveats"]
    assert isinstance(recorded, list) and len(recorded) == 1
    assert f"1 caveat(s) raised (shown above as warnings): each with its design key in {out}" in (
        " ".join(printed.err.split())
    )


def test_estimate_help_names_every_file_it_writes(
    authority: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``estimate --help`` listed seven tables; the command also wrote
    ``positivity.csv`` (docs/outputs.md lists it) and its help did not say so."""
    out = tmp_path / "effects"
    argv = ["estimate", str(authority), "--out", str(out), "--refutations", "0"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        assert main([*argv, "--trees", "0"]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert "positivity.csv" in written
    text = _help("estimate", capsys)
    assert [name for name in written if name not in text] == []
    assert "refutations.csv" in text and "heterogeneity.csv" in text


def test_predict_help_says_what_each_option_does_and_its_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Was: ``predict --help`` showed ``--validation {temporal,grouped_cv}`` with no word
    of what either does or which is the default, and ``--cutoff`` and ``--folds`` no
    default (``validate_risk_models``: temporal, 70% of spells for training, 5 folds)."""
    from escalation.predict.validate import validate_risk_models

    defaults = inspect.signature(validate_risk_models).parameters
    text = _help("predict", capsys)
    validation = text.split("--validation {temporal,grouped_cv}")[-1].split(" --cutoff")[0]
    assert defaults["validation"].default == "temporal"
    assert "temporal:" in validation and "(default)" in validation and "grouped_cv:" in validation
    assert "70% of the spells for training" in text.split("--cutoff CUTOFF")[-1]
    assert f"(default {defaults['n_splits'].default})" in text.split("--folds FOLDS")[-1]


def test_estimate_help_states_its_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    """Was: ``--refutations`` and ``--trees`` had defaults (20 and 200) that the help did
    not state."""
    from escalation.cli import build_parser

    args = build_parser(["estimate"]).parse_args(["estimate", "d.toml", "--out", "o"])
    text = _help("estimate", capsys)
    assert f"(default {args.refutations};" in text.split("--refutations REFUTATIONS")[-1]
    assert f"(default {args.trees};" in text.split("--trees TREES")[-1]


def test_every_study_manifest_names_the_design_file_it_read(
    authority: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: ``build``, ``estimate``, ``predict``, ``policy`` and ``share`` recorded the
    design they read from ``design.toml`` as ``"source": "in memory"``, with no
    ``design_file`` (only ``run`` recorded one): the manifest did not say which file on
    disk the outputs came from."""
    monkeypatch.chdir(authority.parent)  # the analyst works in the study's folder
    out = tmp_path / "spells"
    assert main(["build", "design.toml", "--out", str(out)]) == 0
    manifest = _manifest(out)
    design = manifest["design"]
    assert isinstance(design, dict)
    assert design["source"] == "design.toml"
    assert manifest["design_file"] == "design.toml"  # as typed, from the working folder


def test_a_missing_design_file_is_one_plain_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``escalation: error: [Errno 2] No such file or directory: 'nofile.toml'``
    (Python's wording, error number and quotes)."""
    capsys.readouterr()
    missing = tmp_path / "nofile.toml"
    assert main(["build", str(missing), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == f"escalation: error: {missing}: no such file or directory\n"
    assert not (tmp_path / "out").exists()


def test_validate_given_a_table_file_says_to_give_its_folder(
    authority: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``escalation validate data/children.csv`` said "case-history folder not found:
    data/children.csv", of a file that is there."""
    table = authority.parent / "data" / "children.csv"
    capsys.readouterr()
    assert main(["validate", str(table)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"escalation: error: {table} is a file, not a case-history folder")
    assert "not found" not in err


@pytest.mark.parametrize(
    ("saved_as", "table", "required"),
    [("children.xlsx", "children", True), ("Notes.csv", "notes", False)],
)
def test_a_table_saved_under_another_name_is_reported_not_passed_over(
    authority: Path,
    tmp_path: Path,
    saved_as: str,
    table: str,
    required: bool,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Was: a table saved from Excel as ``children.xlsx`` was reported as "file not found:
    expected children.csv or children.parquet", not naming the file that is there; and
    case notes saved as ``Notes.csv`` were passed over in silence (the notes table is
    optional): ``validate`` said every row was valid and the study ran without notes.
    The report is on stdout, as the report of rows that break the contract is (it was on
    stderr when a table could not be read); stderr is empty."""
    import shutil

    folder = tmp_path / "la"
    shutil.copytree(authority.parent / "data", folder)
    (folder / f"{table}.csv").rename(folder / saved_as)
    capsys.readouterr()
    assert main(["validate", str(folder)]) == 1
    printed = capsys.readouterr()
    assert printed.err == ""
    out = " ".join(printed.out.split())  # the report of what is wrong
    assert out.endswith("Invalid: 1 problem(s) stopped the reading; none of the rows was checked.")
    assert f"table '{table}': file not found: expected {table}.csv or {table}.parquet" in out
    assert f"found {saved_as}, which is not read: save it as {table}.csv" in out


def test_policy_shows_its_progress_unless_quiet(
    authority: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: ``escalation policy`` learned its rules by cross-fitting (a minute or more on
    a real authority) with ``progress=False`` and nothing on the terminal."""
    import escalation.cli.policy as policy_cli

    asked: list[object] = []

    def _stop(*args: object, **kwargs: object) -> None:
        asked.append(kwargs.get("progress", "not passed"))
        raise KeyboardInterrupt  # stop here: nothing is written

    monkeypatch.setattr(policy_cli, "evaluate_policies", _stop)
    for extra, progress in (([], True), (["--quiet"], False)):
        out = tmp_path / f"policy{len(asked)}"
        assert main(["policy", str(authority), "--out", str(out), *extra]) == 130
        assert asked[-1] is progress


def test_share_shows_its_progress_unless_quiet(
    authority: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: ``escalation share`` ran its analysis (71 s for a 600-child authority with 10
    bootstrap replicates) with nothing on the terminal until the pack was written: the
    effects' bootstrap was estimated with ``progress=False``."""
    import escalation.cli.share as share_cli

    asked: list[object] = []

    def _stop(*args: object, **kwargs: object) -> None:
        asked.append(kwargs.get("progress", "not passed"))
        raise KeyboardInterrupt  # stop here: nothing is written

    monkeypatch.setattr(share_cli, "build_share_pack", _stop)
    for extra, progress in (([], True), (["--quiet"], False)):
        out = tmp_path / f"pack{len(asked)}"
        assert main(["share", str(authority), "--la", "LA01", "--out", str(out), *extra]) == 130
        assert asked[-1] is progress


def _options() -> dict[str, set[str]]:
    """Every sub-command's options (``convert``'s by format), from the parser itself."""
    import argparse

    from escalation.cli import build_parser

    def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    found: dict[str, set[str]] = {}
    for name, parser in subcommands(build_parser()).items():
        inner = subcommands(parser)
        for label, each in inner.items() if inner else [(None, parser)]:
            options = {o for a in each._actions for o in a.option_strings}
            found[name if label is None else f"{name} {label}"] = options - {"-h", "--help"}
    return found


def _docs() -> str:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def test_every_option_of_every_command_is_documented() -> None:
    """Was: ``init --force``, ``build --censor-at-horizon`` and ``--no-progress``,
    ``estimate --refutations``, ``--trees`` and ``--no-progress``, ``simstudy
    --no-figures`` and ``--no-progress`` and ``policy --trees`` appeared in their
    ``--help`` only, nowhere in README.md or docs/."""
    text = _docs()
    missing = {
        command: sorted(o for o in options if not re.search(rf"{re.escape(o)}(?![\w-])", text))
        for command, options in _options().items()
    }
    assert {command: o for command, o in missing.items() if o} == {}


def test_every_option_a_documented_command_line_uses_exists() -> None:
    """A command line written in the docs (``escalation build ... --opt``) uses options the
    command has."""
    options = _options()
    wrong = []
    for line in _docs().splitlines():
        for match in re.finditer(r"escalation ((?:convert )?[a-z0-9-]+)([^`\n]*)", line):
            command, rest = match.group(1), match.group(2).split("#")[0]
            if command not in options:
                continue
            for option in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", rest):
                if option not in options[command] and option != "--debug":
                    wrong.append((command, option, line.strip()))
    assert wrong == []


def test_validate_lists_the_reasons_left_aligned(
    authority: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: the rows affected by each reason were printed by ``DataFrame.to_string``,
    which right-aligns text: beside a 250-character reason, "child_id is not unique"
    stood after some 230 spaces, every line as wide as the longest."""
    import pandas as pd

    folder = tmp_path / "la"
    import shutil

    shutil.copytree(authority.parent / "data", folder)
    children = pd.read_csv(folder / "children.csv", dtype=str, keep_default_na=False)
    children = pd.concat([children, children.iloc[[0]]], ignore_index=True)  # a repeated child
    children.to_csv(folder / "children.csv", index=False)
    episodes = pd.read_csv(folder / "episodes.csv", dtype=str, keep_default_na=False)
    episodes.loc[5, "kind"] = "Referral"  # the long reason: every kind listed
    episodes.to_csv(folder / "episodes.csv", index=False)
    capsys.readouterr()
    assert main(["validate", str(folder)]) == 1
    lines = capsys.readouterr().out.splitlines()
    start = lines.index("rows  table     reason")
    table = lines[start + 1 : lines.index("", start)]
    expected = {("children", "child_id is not unique"), ("episodes", "unknown episode kind")}
    shown = {(line.split()[1], " ".join(line.split()[2:])) for line in table}
    for table_name, reason in expected:
        assert any(t == table_name and r.startswith(reason) for t, r in shown), shown
    for line in table:
        rows, name, reason = line[:4], line[6:14].strip(), line[16:]
        assert rows.strip().isdigit() and name in {"children", "episodes", "notes"}
        assert not reason.startswith(" ")  # the reason follows its table, not padding


def test_stage_messages_name_no_source_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: every progress line of ``escalation run`` ended with the place in escalation's
    code that logged it (``pipeline.py:349``), wrapping each message in a narrow column."""
    from escalation import default_design
    from escalation.pipeline import _Run
    from escalation.report.outputs import OutputFolder

    capsys.readouterr()
    with OutputFolder(tmp_path / "out", command="test") as folder:
        run = _Run(
            folder,
            default_design(),
            progress=True,
            keep_going=False,
            subfolders=True,
            design_file="design.toml",
        )
        run.say("Estimating the effect of early help: done in 90.3 s")
        run.note("survival: hazard models skipped")
    err = capsys.readouterr().err
    assert "Estimating the effect of early help: done in 90.3 s" in err
    assert "note: survival: hazard models skipped" in err
    assert ".py:" not in err


@pytest.mark.parametrize("table_format", ["csv", "ssda903"])
def test_simulate_authorities_in_csv_is_refused_as_every_argument_error(
    tmp_path: Path, table_format: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``simulate --authorities 2 --format csv`` printed "--authorities writes a
    partitioned Parquet dataset (no CSV)" without the ``escalation simulate: error:`` that
    starts every other argument error (and said "no CSV" of ``--format ssda903`` too)."""
    out = tmp_path / "national"
    argv = ["simulate", "--authorities", "2", "--children", "40", "--out", str(out)]
    capsys.readouterr()
    assert main([*argv, "--format", table_format]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"escalation simulate: error: --format {table_format} cannot be used")
    assert err.count("\n") == 1 and not out.exists()
