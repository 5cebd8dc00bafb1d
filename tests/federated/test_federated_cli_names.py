"""What ``escalation share`` names a pack, and what ``demo --authorities`` records and prints.

Two authorities whose data have no ``la`` column, each following docs/federated.md §2 into
one folder of packs: each pack is named by the authority's code, and neither replaces the
other. ``demo --authorities`` records the design and the packs' hash in its top manifest
and prints where the brief is once the folder is in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from escalation import simulate_local_authority
from escalation.cli import main
from escalation.data.io import write_case_history
from escalation.design import DataSpec
from escalation.errors import StatisticalWarning
from tests.federated.federated_support import cheap_design


def _authority(root: Path, name: str, seed: int) -> str:
    """Write one single-authority case history (no ``la`` column) and its design."""
    home = root / name
    history = simulate_local_authority(2_000, seed=seed).history
    assert "la" not in history.children.columns
    write_case_history(history, home / "data")
    cheap_design().replace(data=DataSpec(path="data")).write(home / "design.toml")
    return str(home / "design.toml")


def _share(*argv: str) -> tuple[int, str]:
    printed = io.StringIO()
    # Small simulated authorities: models may rightly warn about sparse levels.
    with warnings.catch_warnings(), contextlib.redirect_stdout(printed):
        warnings.simplefilter("ignore", StatisticalWarning)
        code = main(["share", *argv])
    return code, printed.getvalue()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_share_names_each_pack_by_its_authority_and_replaces_no_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: with no ``la`` column and no ``--la`` every pack was ``authority.zip``, and the
    second authority's replaced the first's in the shared folder, with exit status 0."""
    north = _authority(tmp_path, "north", 11)
    south = _authority(tmp_path, "south", 12)
    packs = tmp_path / "packs"
    capsys.readouterr()
    # No code anywhere: refused before anything is done, naming the option.
    assert _share(north, "--out", str(packs))[0] == 2
    err = capsys.readouterr().err
    assert "no la column" in err and "--la CODE" in err
    assert not packs.exists()
    # docs/federated.md §2, as written, for two authorities.
    code, printed = _share(north, "--la", "LA01", "--out", str(packs))
    assert code == 0
    assert printed.endswith(f"Wrote {packs.absolute() / 'LA01.zip'}\n"), printed
    first = _sha(packs / "LA01.zip")
    assert _share(south, "--la", "LA02", "--out", str(packs))[0] == 0
    assert sorted(p.name for p in packs.glob("*.zip")) == ["LA01.zip", "LA02.zip"]
    assert _sha(packs / "LA01.zip") == first
    manifest = json.loads((packs / "manifest.json").read_text())
    assert [o["path"] for o in manifest["outputs"]] == ["LA01.zip", "LA02.zip"]
    assert set(manifest["pack_inputs"]) == {"LA01.zip", "LA02.zip"}
    assert manifest["pack_inputs"]["LA02.zip"] == manifest["input_hash"]
    # The second authority under the first's code: its pack is of other data, refused
    # before the analysis runs, unless --overwrite says to replace it.
    capsys.readouterr()
    assert _share(south, "--la", "LA01", "--out", str(packs))[0] == 2
    err = capsys.readouterr().err
    assert "LA01.zip, shared from other data" in err and "--overwrite" in err
    assert _sha(packs / "LA01.zip") == first
    # The same authority again (same data): its own pack is replaced, as before.
    assert _share(north, "--la", "LA01", "--out", str(packs))[0] == 0
    assert _sha(packs / "LA01.zip") == first  # same design, data and seed: same bytes
    assert _share(south, "--la", "LA01", "--out", str(packs), "--overwrite")[0] == 0
    assert _sha(packs / "LA01.zip") != first
    assert sorted(p.name for p in packs.glob("*.zip")) == ["LA01.zip", "LA02.zip"]
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_demo_with_authorities_records_its_design_and_inputs_and_prints_the_brief(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: the top manifest's ``design`` and ``input_hash`` were null, and the brief's
    path printed last was the staging folder's, gone once the outputs were in place."""
    out = tmp_path / "demo2"
    argv = ["demo", "--authorities", "2", "--children", "1000", "--bootstrap", "3"]
    assert main([*argv, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    top: dict[str, Any] = json.loads((out / "manifest.json").read_text())
    pooled: dict[str, Any] = json.loads((out / "pooled" / "manifest.json").read_text())
    registered = (out / "registered_design.toml").read_text(encoding="utf-8")
    assert top["design"]["toml"] == registered
    assert top["design"]["sha256"] == hashlib.sha256(registered.encode("utf-8")).hexdigest()
    assert "bootstrap = 3" in registered
    # the hash over the packs, as the hub records it: it changes with any pack
    lines = sorted(f"{p['sha256']}  {p['file']}\n" for p in pooled["packs"])
    assert top["input_hash"] == hashlib.sha256("".join(lines).encode()).hexdigest()
    assert top["input_hash"] == pooled["input_hash"]
    brief = out.absolute() / "pooled" / "brief.html"
    assert brief.is_file()
    assert printed.rstrip().endswith(str(brief)), printed
    assert "escalation-partial" not in printed
