"""What machine a benchmark ran on, and how busy it was (shared by the newer benchmarks)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path


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
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


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
