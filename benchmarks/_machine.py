"""What the benchmarks share: the machine and its load, the trees compared, a child run.

Most benchmarks time this tree beside a baseline revision of the package (``--baseline
REV``): :func:`trees` exports the baseline's package with ``git archive`` and names both;
:func:`run_child` runs a measurement in a fresh process importing one of them.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tarfile
from pathlib import Path

#: The checkout these benchmarks belong to ("this tree").
ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    """Describe the machine: system, CPU model and count, memory, Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.1f} GiB RAM"
    except (ValueError, OSError):
        memory = "RAM unknown"
    versions = "".join(
        f", {name} {module.__version__}"
        for name in ("numpy", "pandas")
        if (module := sys.modules.get(name)) is not None
    )
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, {memory}; "
        f"Python {platform.python_version()}{versions}"
    )


def load() -> str:
    """Return the 1, 5 and 15 minute load averages (other users of a shared machine)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} (1 / 5 / 15 min, {os.cpu_count()} cores)"


def export(revision: str, into: Path) -> Path:
    """Write the ``escalation`` package of a git revision into ``into``; return ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    archive = into / "baseline.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", revision, "escalation"], cwd=ROOT, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def trees(baseline: str | None, folder: Path) -> dict[str, Path]:
    """Return the source trees measured, by name: this tree, and ``baseline``'s package.

    The baseline (a git revision, or ``None`` for this tree alone) is exported into
    ``folder/baseline``, which the caller's temporary folder removes.
    """
    sources = {"this tree": ROOT}
    if baseline:
        sources[baseline] = export(baseline, folder / "baseline")
    return sources


def run_child(source: Path, code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh process importing the package of ``source``; its numbers.

    ``code`` prints, last, one line of JSON: its measurements and ``"package"``, the
    ``escalation.__file__`` it imported. The child runs in ``source``, since ``python -c``
    puts the working directory first on the path, ahead of ``PYTHONPATH``: run from a
    checkout, it would import that checkout's package. That it imported ``source``'s
    package is checked.
    """
    env = {**os.environ, "PYTHONPATH": str(source)}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env, cwd=source, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, str | float] = json.loads(done.stdout.strip().splitlines()[-1])
    package = Path(str(result.pop("package"))).resolve()
    if not package.is_relative_to(source.resolve()):
        raise RuntimeError(f"measured the package at {package}, not the one in {source}")
    return {key: float(value) for key, value in result.items()}
