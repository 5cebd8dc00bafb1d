"""What machine a benchmark ran on, and how busy it was (shared by the newer benchmarks)."""

from __future__ import annotations

import os
import platform
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
