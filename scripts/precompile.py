"""Byte-compile the modules this checkout's code imports, and only those.

    python scripts/precompile.py --kernels escalation  # what `make demo` runs after installing
    python scripts/precompile.py escalation tests      # what `make test` runs

uv installs the dependencies' sources uncompiled; every module named by an
``import`` statement (or an ``import_module``-style call with a literal name) anywhere under
the given folders is then imported once in this process, which writes its bytecode, and so
is everything those modules import in turn. Later processes (the demo's workers, the test
workers, the command-line runs the tests start) load that bytecode instead of each compiling
the same modules as they first import them.

Byte-compiling every installed file instead (``uv pip install --compile-bytecode``, pip's
default) compiled about 12,000 modules for the package and 15,400 with the development
tools, of which the package's code imports about 4,500 and with the tests' about 5,200
(`make install-dev`: 39.3 s of CPU that way, 22.6 s this way). Names that cannot be imported
here (optional extras, names of attributes rather than modules) are skipped: they only
lose the head start.

With ``--kernels``, a second process compiles the package's numba kernels into numba's
cache beside it (:func:`escalation.core.kernels.compile_all`, the numerical core's machine
code), which the first study after a fresh install otherwise compiled as it went: on a
fresh clone the demo's stage log went from 62.9 to 54.1 s, its effects stage from 26.7 to
13.6 s (`make demo` end to end the same, 102 and 104 s: the work moved, on a busy 2-core
machine). The tests compile them once themselves while their workers start. Both steps
are only a head start: a failure is reported and the run goes on.

Given the ``tests`` folder, it also writes the bytecode pytest loads for the test modules
(their asserts rewritten, :func:`write_test_bytecode`), so that the test workers do not
each rewrite and compile every test module as they collect them.
"""

from __future__ import annotations

import ast
import importlib
import io
import subprocess
import sys
import time
import warnings
from collections.abc import Iterable
from contextlib import redirect_stdout
from fnmatch import fnmatch
from pathlib import Path

#: Calls whose first argument, a string literal, names a module imported later.
_IMPORTING_CALLS = frozenset({"import_module", "import_module_quietly", "importorskip"})


def imported_names(folder: Path) -> set[str]:
    """Return the absolute module names that the Python files under ``folder`` import.

    ``from a.b import c`` gives ``a.b`` and ``a.b.c`` (``c`` may be a submodule); relative
    imports are left out (the folder's own modules are reached through their absolute
    names elsewhere or through the modules that import them).
    """
    names: set[str] = set()
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names if a.name != "*")
            elif (
                isinstance(node, ast.Call)
                and _called_name(node.func) in _IMPORTING_CALLS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names.add(node.args[0].value)
    # Test modules are compiled by pytest itself (with its assertions rewritten).
    return {n for n in names if n.split(".")[0] != "tests" and not n.endswith("__main__")}


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def import_all(names: Iterable[str]) -> tuple[int, int]:
    """Import each module of ``names`` (quietly); return how many imported and failed."""
    imported = failed = 0
    for name in sorted(names):
        try:
            with warnings.catch_warnings(), redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                importlib.import_module(name)
        except (Exception, SystemExit):  # any failure only loses the head start
            failed += 1
        else:
            imported += 1
    return imported, failed


def write_test_bytecode(folder: Path) -> int:
    """Write the bytecode pytest loads for the Python files under ``folder``; return how many.

    pytest rewrites the asserts of each test module (``test_*.py``, ``*_test.py``) and
    ``conftest.py`` as it imports it, and keeps the result in ``__pycache__`` under its own
    name; the tests' other modules are compiled as any import. Each test worker did both
    for every file it collected on a fresh clone, the two workers at the same time, and
    every run did where ``PYTHONDONTWRITEBYTECODE`` is set, since then nothing is kept:
    collecting the suite took 13.7-14.5 s of CPU without this bytecode and 6.4-6.9 s with
    it, and writing it here takes about 4.6 s once (324 test modules, 46 others). pytest's
    own rewriting writes it, with the assertion-pass hook off (pytest's default, which this
    project keeps), so the files are the bytes pytest writes; pytest checks each against a
    hash of its source, so an edited file is rewritten again as before.
    """
    import py_compile

    from _pytest.assertion import rewrite

    class _Quiet:  # pytest's assertion state, of which writing a file uses only the trace
        def trace(self, message: str) -> None:
            pass

    written = 0
    for path in sorted(folder.absolute().rglob("*.py")):
        if (
            path.name == "conftest.py"
            or fnmatch(path.name, "test_*.py")
            or fnmatch(path.name, "*_test.py")
        ):
            try:
                source_hash, code = rewrite._rewrite_test(path, None)
            except SyntaxError:  # pytest reports it when it collects the file
                continue
            cache = rewrite.get_cache_dir(path)
            cache.mkdir(parents=True, exist_ok=True)
            pyc = cache / (path.name[:-3] + rewrite.PYC_TAIL)
            ok = rewrite._write_pyc(_Quiet(), code, source_hash, pyc)
        else:
            ok = bool(py_compile.compile(str(path), doraise=False, quiet=2))
        written += ok
    return written


#: The second process: the package's kernels into numba's cache.
_COMPILE_KERNELS = "from escalation.core.kernels import compile_all; compile_all()"


def main(folders: list[str], *, kernels: bool = False) -> None:
    """Import what the code under ``folders`` imports, writing bytecode for all of it.

    With ``kernels``, a second process compiles the package's kernels into numba's cache.
    """
    sys.dont_write_bytecode = False  # PYTHONDONTWRITEBYTECODE would stop the writing
    start = time.perf_counter()
    compiling = (
        subprocess.Popen(
            [sys.executable, "-c", _COMPILE_KERNELS],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if kernels
        else None
    )
    before = len(sys.modules)
    names: set[str] = set()
    for folder in folders:
        names |= imported_names(Path(folder))
    imported, skipped = import_all(names)
    print(
        f"byte-compiled what {', '.join(folders)} import: {len(sys.modules) - before} modules "
        f"loaded from {imported} names ({skipped} skipped) in {time.perf_counter() - start:.0f} s"
    )
    for folder in (f for f in folders if Path(f).name == "tests"):
        try:
            written = write_test_bytecode(Path(folder))
        except Exception as error:  # only a head start: pytest compiles what is missing
            print(f"the tests' bytecode not written ({type(error).__name__}: {error})")
        else:
            print(f"the tests' bytecode written for {written} files (pytest's rewritten asserts)")
    if compiling is None:
        return
    _, error = compiling.communicate()
    if compiling.returncode:
        last = error.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        print(f"numba kernels not compiled ahead ({last[0]}): each is compiled at first use")
    else:
        print(f"numba kernels compiled into numba's cache in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(
        [a for a in arguments if a != "--kernels"] or ["escalation"],
        kernels="--kernels" in arguments,
    )
