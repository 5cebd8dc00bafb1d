"""scripts/precompile.py: which modules the install step byte-compiles."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("precompile", ROOT / "scripts" / "precompile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_names_come_from_every_kind_of_import(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.py").write_text(
        "import json, email.mime\n"
        "from collections import abc as _abc, OrderedDict\n"
        "from . import sibling\n"
        "from .sibling import thing\n"
        "def f():\n"
        "    import csv\n"
        "    return import_module_quietly('decimal')\n"
    )
    (tmp_path / "sub" / "b.py").write_text(
        "import importlib\nimportlib.import_module('fractions')\n"
        "from tests.helpers import x\nimport pkg.__main__\nimport_module(name)\n"
    )
    names = _script().imported_names(tmp_path)
    assert names == {
        "json", "email.mime", "collections", "collections.abc", "collections.OrderedDict",
        "csv", "decimal", "importlib", "fractions",
    }  # fmt: skip


def test_importing_writes_bytecode_and_skips_what_cannot_be_imported(tmp_path: Path) -> None:
    package = tmp_path / "fresh_precompile_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("VALUE = 1\n")
    (package / "broken.py").write_text("raise SystemExit('not a module to import')\n")
    sys.path.insert(0, str(tmp_path))
    saved = sys.dont_write_bytecode
    try:
        sys.dont_write_bytecode = False
        imported, failed = _script().import_all(
            ["fresh_precompile_pkg", "fresh_precompile_pkg.broken", "fresh_precompile_pkg.no"]
        )
    finally:
        sys.dont_write_bytecode = saved
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("fresh_precompile_pkg")]:
            del sys.modules[name]
    assert (imported, failed) == (1, 2)
    assert Path(importlib.util.cache_from_source(str(package / "__init__.py"))).exists()


def test_the_tests_bytecode_is_the_bytes_pytest_writes(tmp_path: Path) -> None:
    """The test modules' rewritten asserts and the other modules, as pytest leaves them."""
    folder = tmp_path / "tests"
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef two():\n    return 2\n"
    )
    (folder / "helpers.py").write_text("VALUE = 1\n")
    (folder / "test_sample.py").write_text(
        "from helpers import VALUE\n\n\n"
        "def test_sum(two):\n    x = [VALUE, two]\n    assert sum(x) == 3, x\n"
    )
    assert _script().write_test_bytecode(folder) == 3
    cache = folder / "__pycache__"
    ours = {path.name: path.read_bytes() for path in cache.iterdir()}
    tag = f"{sys.implementation.cache_tag}-pytest-"
    assert sorted(name.split(tag)[0] for name in ours if tag in name) == [
        "conftest.", "test_sample.",
    ]  # fmt: skip
    shutil.rmtree(cache)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
         str(folder / "pytest.ini"), "--rootdir", str(folder), str(folder)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    theirs = {path.name: path.read_bytes() for path in cache.iterdir()}
    assert sorted(ours) == sorted(theirs)
    for name, data in ours.items():
        assert data == theirs[name], name


def test_a_test_module_that_does_not_parse_is_left_to_pytest(tmp_path: Path) -> None:
    (tmp_path / "test_broken.py").write_text("def test_(:\n")
    (tmp_path / "test_fine.py").write_text("def test_fine():\n    assert True\n")
    assert _script().write_test_bytecode(tmp_path) == 1
    written = [path.name for path in (tmp_path / "__pycache__").iterdir()]
    assert len(written) == 1 and written[0].startswith("test_fine.")
