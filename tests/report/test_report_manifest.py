"""The provenance manifest lists every output with its hash, and how it was made."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
from pathlib import Path
from typing import Self

import pandas as pd
import pytest

from escalation import default_design
from escalation.report.manifest import build_manifest, write_manifest
from escalation.results import data_hash


def test_report_manifest_records_everything(tmp_path: Path) -> None:
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "a.png").write_bytes(b"\x89PNG fake")
    (tmp_path / "results.csv").write_text("x\n1\n")
    frame = pd.DataFrame({"x": [1, 2, 3]})
    design = default_design()
    path = write_manifest(
        tmp_path,
        command="test",
        design=design,
        inputs=(frame,),
        seeds={"study": 7},
        notes=("survival: skipped",),
    )
    manifest = json.loads(path.read_text())
    assert [o["path"] for o in manifest["outputs"]] == ["figures/a.png", "results.csv"]
    expected = hashlib.sha256(b"\x89PNG fake").hexdigest()
    assert manifest["outputs"][0] == {"path": "figures/a.png", "bytes": 9, "sha256": expected}
    assert manifest["input_hash"] == data_hash(frame)
    assert manifest["seeds"] == {"study": 7}
    assert manifest["design"]["toml"] == design.to_toml()
    assert manifest["design"]["sha256"] == hashlib.sha256(design.to_toml().encode()).hexdigest()
    assert manifest["versions"]["pandas"] == pd.__version__
    # the machine too: a seed reproduces a run bit for bit on one CPU model only
    assert manifest["machine"]["machine"] == platform.machine()
    assert manifest["machine"]["cpus"] == os.cpu_count()
    assert manifest["machine"]["processor"]
    assert manifest["notes"] == ["survival: skipped"]
    # Re-writing does not list the manifest itself.
    again = build_manifest(tmp_path, command="test")
    assert "manifest.json" not in [o["path"] for o in again["outputs"]]


def test_report_manifest_reads_a_design_file(tmp_path: Path) -> None:
    design_file = tmp_path / "design.toml"
    design_file.write_text(default_design().to_toml())
    manifest = build_manifest(tmp_path / "empty", command="t", design=design_file)
    assert manifest["design"]["source"] == "design.toml"
    assert manifest["outputs"] == []


def test_a_design_file_is_recorded_by_its_values_as_the_registration_hashes_it(
    tmp_path: Path,
) -> None:
    """Given a design file, the manifest hashed its bytes (comments and layout included),
    so ``design.sha256`` differed from the registration's ``design_sha256`` and from the
    same design given in memory, though the docs say it is the canonical TOML's."""
    from escalation.design import read_design
    from escalation.design.registration import design_sha256

    design_file = tmp_path / "design.toml"
    text = "# my study, commented\n" + default_design().to_toml().replace(
        "horizons = [365, 730]", "horizons = [ 365,730 ]  # one year, then two"
    )
    design_file.write_text(text, encoding="utf-8")
    from_file = build_manifest(tmp_path / "a", command="t", design=design_file)["design"]
    in_memory = build_manifest(tmp_path / "a", command="t", design=default_design())["design"]
    assert from_file["sha256"] == design_sha256(read_design(design_file))
    assert from_file["sha256"] == in_memory["sha256"]
    assert from_file["sha256"] == hashlib.sha256(from_file["toml"].encode("utf-8")).hexdigest()
    assert from_file["source"] == "design.toml"


def test_a_runs_input_hash_covers_the_notes_and_the_extract_date(tmp_path: Path) -> None:
    """Everything that can change a result is in the input's hash: the case notes feed the
    risk models' text features, the extract date ends follow-up."""
    from escalation.data.simulator import simulate_local_authority
    from escalation.pipeline import run_study

    history = simulate_local_authority(300, seed=4).history
    assert len(history.notes)
    reworded = history.notes.assign(text=history.notes["text"].str.upper())
    later = history.extract_date + pd.Timedelta(days=1)
    variants = {
        "as read": history,
        "notes reworded": history.with_tables(notes=reworded),
        "extracted a day later": dataclasses.replace(history, extract_date=later),
    }
    run_study(history, default_design(), out=tmp_path, progress=False, stages=("describe",))
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["input_hash"] == history.digest()
    hashes = {name: variant.digest() for name, variant in variants.items()}
    assert len(set(hashes.values())) == len(variants), hashes


def test_a_briefs_bytes_do_not_depend_on_the_day_it_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/outputs.md: no output carries the time it was written (the manifest's
    ``created`` does); the brief said "Made with escalation ... on <today>"."""
    import datetime as dt

    from escalation import pipeline
    from escalation.data.simulator import simulate_local_authority

    history = simulate_local_authority(300, seed=4).history
    briefs = []
    for day in (dt.date(2026, 12, 7), dt.date(2026, 12, 8)):

        class Today(dt.date):
            fixed = day

            @classmethod
            def today(cls) -> Self:
                return cls.fromordinal(cls.fixed.toordinal())

        monkeypatch.setattr(pipeline, "date", Today, raising=False)
        out = tmp_path / day.isoformat()
        pipeline.run_study(
            history, default_design(), out=out, progress=False, stages=("describe", "brief")
        )
        briefs.append((out / "brief.html").read_bytes())
    assert briefs[0] == briefs[1]
    # ... nor today's date from anywhere else (a clock read through another name)
    assert dt.date.today().isoformat().encode() not in briefs[0]


def _imported_top_names(path: Path) -> set[str]:
    """Top-level modules ``path`` imports, ``importlib.import_module("x.y")`` included."""
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value.split(".")[0])
    return names


def test_the_versions_record_every_package_the_estimates_are_computed_with() -> None:
    """The versions of a manifest (and of every ``glance()``) left out scikit-survival (the
    gradient-boosting risk model), formulaic (every model matrix), numba (the compiled
    risk-set kernels) and networkx (the causal graph): a result could change with one of
    them while its record showed none. Every third-party package the analysis modules
    import is now recorded."""
    import sys
    from importlib import metadata

    import escalation
    from escalation.results import package_versions

    package = Path(escalation.__file__).parent
    files = [package / "formula.py"]
    for folder in ("core", "survival", "causal", "predict", "policy", "timeline"):
        files += sorted((package / folder).rglob("*.py"))
    imported = set().union(*(_imported_top_names(f) for f in files))
    third_party = imported - set(sys.stdlib_module_names) - {"escalation", "__future__"}
    distributions = metadata.packages_distributions()

    def canonical(name: str) -> str:
        return name.lower().replace("_", "-")

    needed = {canonical(d) for name in third_party for d in distributions.get(name, [name])}
    recorded = {canonical(name) for name in package_versions()}
    assert {"scikit-survival", "formulaic", "numba"} <= needed  # the case
    assert needed - {"pyarrow"} <= recorded  # pyarrow reads files; it computes no estimate


def test_a_manifest_written_by_hand_records_a_case_history_as_the_commands_do(
    tmp_path: Path,
) -> None:
    """An academic's own folder of results: ``write_manifest(out, inputs=history)`` failed
    with "data_hash() argument after * must be an iterable, not CaseHistory"; a single
    table failed too ("'str' object has no attribute 'columns'")."""
    from escalation.data.simulator import simulate_local_authority
    from escalation.errors import DesignError

    history = simulate_local_authority(200, seed=4).history
    (tmp_path / "hazard_ratios.csv").write_text("term,estimate\nage,0.97\n")
    by_history = write_manifest(tmp_path, command="paper", inputs=history)
    # the `escalation simulate`/`run` rule for a history's hash (run_study: above)
    assert json.loads(by_history.read_text())["input_hash"] == history.digest()
    one = build_manifest(tmp_path, command="paper", inputs=history.children)
    assert one["input_hash"] == data_hash(history.children)
    two = build_manifest(tmp_path, command="paper", inputs=(history.children, history.episodes))
    assert two["input_hash"] == data_hash(history.children, history.episodes)
    with pytest.raises(DesignError, match=r"inputs must be a CaseHistory, .* got dict"):
        build_manifest(tmp_path, command="paper", inputs={"children": history.children})
