"""Benchmark: CPU time of drawing and writing a study's figures, beside a baseline revision.

    python benchmarks/bench_figures.py                          # this tree only
    python benchmarks/bench_figures.py --baseline main          # and a revision, alternating
    python benchmarks/bench_figures.py --baseline main --runs 3 --children 3000 --keep /tmp/f

Runs the demo's study (``run_study`` with ``default_design()``, 5 bootstrap replicates, no
helper process) on a simulated authority once, in this tree, and records every figure the
run draws: the arguments of each call of ``escalation.pipeline._write_figure`` (the plot,
its file stem, its width and its brief figure), pickled with cloudpickle. Then, in a fresh
process per tree, each figure is drawn and written again by that tree's ``_write_figure``
(PNG, PDF and SVG at 300 dpi, and the brief's screen images at 200 dpi): once unrecorded
(imports, font caches), then ``--repeats`` times, timing the CPU of each call
(``time.process_time``) after a full garbage collection (untimed: otherwise the collector's
occasional full passes over the process's ~460,000 objects, 0.4 s each, land on whichever
figure happens to trigger them; they took a tenth of the CPU of a pass when let run).
The trees alternate over ``--runs`` processes each; the minimum per figure is printed (the
machine is shared, so the minimum is the fair figure), with the total. The package of
``--baseline REV`` (exported with ``git archive``) draws the same pickled plots.

With ``--baseline`` the files each tree wrote are compared: PDF and SVG byte for byte, PNG
byte for byte and by decoded pixels, and the brief's images (data URIs) byte for byte; any
difference is printed and the exit status is 1. With ``--keep DIR`` the files are kept;
with ``--calls FILE`` the recorded figures are kept in ``FILE``, and read from it (not
recorded again) if it exists. Nothing here is asserted on in tests.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import pickle
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from _machine import ROOT, load, machine, trees

_JOBS = r"""
import gc, json, pickle, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import cloudpickle
from escalation.pipeline import _write_figure
calls = pickle.loads(Path(sys.argv[2]).read_bytes())
out, repeats = Path(sys.argv[3]), int(sys.argv[4])
uris = {}
for plot, stem, width, brief in calls:  # unrecorded: imports, font caches; files to compare
    _, images = _write_figure(plot, out / stem, width, brief)
    if images is not None:
        uris[stem] = [images.uri, images.narrow]
Path(out, "uris.json").write_text(json.dumps(uris))
best = {}
for _ in range(repeats):
    for plot, stem, width, brief in calls:
        gc.collect()
        start = time.process_time()
        _write_figure(plot, out / "again" / stem, width, brief)
        cpu = time.process_time() - start
        best[stem] = min(cpu, best.get(stem, float("inf")))
print(json.dumps(best))
"""


def capture(path: Path, children: int, seed: int) -> list[str]:
    """Run the demo's study in this tree; pickle the figures it draws to ``path``.

    Returns the figures' stems, in the order they were drawn.
    """
    import cloudpickle

    sys.path.insert(0, str(ROOT))
    import escalation.pipeline as pipeline
    from escalation.data.simulator import simulate_local_authority
    from escalation.design.study import default_design

    calls: list[tuple[object, str, str, object]] = []
    original = pipeline._write_figure

    def recording(plot, stem, width, brief):  # type: ignore[no-untyped-def]
        calls.append((plot, Path(stem).name, width, brief))
        return original(plot, stem, width, brief)

    pipeline._write_figure = recording
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the study's statistical warnings: not what is timed
            history = simulate_local_authority(children, seed=seed).history
            with tempfile.TemporaryDirectory() as out:
                pipeline.run_study(
                    history,
                    default_design(),
                    out=out,
                    seed=1,
                    bootstrap=5,
                    progress=False,
                    background_figures=False,
                )
    finally:
        pipeline._write_figure = original
    path.write_bytes(cloudpickle.dumps(calls))
    return [stem for _, stem, _, _ in calls]


def run(source: Path, calls: Path, out: Path, repeats: int) -> dict[str, float]:
    """Draw and write the pickled figures with the package in ``source``; CPU per figure."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-c", _JOBS, str(source), str(calls), str(out), str(repeats)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def differences(a: Path, b: Path) -> list[str]:
    """Compare the files two trees wrote (``a`` and ``b``); describe each difference."""
    import numpy as np
    from PIL import Image

    found: list[str] = []
    names = sorted(p.name for p in a.iterdir() if p.is_file())
    if names != sorted(p.name for p in b.iterdir() if p.is_file()):
        found.append("the trees wrote different files")
    for name in names:
        one, two = (a / name).read_bytes(), (b / name).read_bytes()
        if name == "uris.json":
            ua, ub = json.loads(one), json.loads(two)
            for stem in sorted(set(ua) | set(ub)):
                for kind, x, y in zip(
                    ("uri", "narrow"), ua.get(stem, []), ub.get(stem, []), strict=False
                ):
                    if x != y:
                        found.append(f"{stem} brief {kind}: {_png_difference(x, y)}")
            continue
        if one == two:
            continue
        if name.endswith(".png"):
            pixels = [np.asarray(Image.open(io.BytesIO(d))) for d in (one, two)]
            same = pixels[0].shape == pixels[1].shape and bool((pixels[0] == pixels[1]).all())
            found.append(f"{name}: bytes differ, pixels {'identical' if same else 'differ'}")
        else:
            found.append(f"{name}: bytes differ")
    return found


def _png_difference(x: str | None, y: str | None) -> str:
    import numpy as np
    from PIL import Image

    if x is None or y is None:
        return "one tree has no image"
    pixels = [
        np.asarray(Image.open(io.BytesIO(base64.b64decode(u.split(",", 1)[1])))) for u in (x, y)
    ]
    same = pixels[0].shape == pixels[1].shape and bool((pixels[0] == pixels[1]).all())
    return f"bytes differ, pixels {'identical' if same else 'differ'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=3000, help="children (default 3,000)")
    parser.add_argument("--seed", type=int, default=5, help="simulation seed (default 5)")
    parser.add_argument("--repeats", type=int, default=1, help="timed passes per process")
    parser.add_argument("--runs", type=int, default=3, help="processes per tree, alternating")
    parser.add_argument("--baseline", metavar="REV", help="git revision to compare with")
    parser.add_argument("--keep", type=Path, help="keep each tree's files in this folder")
    parser.add_argument(
        "--calls", type=Path, help="the figures' pickle: read if it exists, else written there"
    )
    args = parser.parse_args()
    print(machine())
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        calls = args.calls or Path(tmp) / "figures.pkl"
        if calls.exists():
            stems = [stem for _, stem, _, _ in pickle.loads(calls.read_bytes())]
        else:
            stems = capture(calls, args.children, args.seed)
        sources = trees(args.baseline, Path(tmp))
        outs = {
            name: (args.keep or Path(tmp) / "out") / f"tree{i}" for i, name in enumerate(sources)
        }
        best: dict[str, dict[str, float]] = {name: {} for name in sources}
        for _ in range(args.runs):
            for name, source in sources.items():
                for stem, cpu in run(source, calls, outs[name], args.repeats).items():
                    best[name][stem] = min(cpu, best[name].get(stem, float("inf")))
        found = differences(*outs.values()) if args.baseline else []
    print(f"load after: {load()}")
    names = list(sources)
    print(
        f"{len(stems)} figures of the demo's study, {args.children:,} children (seed "
        f"{args.seed}); minimum CPU ms of _write_figure over {args.runs} processes per tree"
    )
    two = len(names) == 2
    print(f"| figure | {' | '.join(names)} |" + (" baseline / this |" if two else ""))
    print("|---" * (len(names) + 1 + two) + "|")
    for stem in [*stems, "total"]:
        times = [sum(best[n].values()) if stem == "total" else best[n][stem] for n in names]
        ratio = [f"{times[1] / times[0]:.2f}"] if two else []
        print(f"| {stem} | " + " | ".join([f"{t * 1000:.0f}" for t in times] + ratio) + " |")
    if args.baseline:
        print("files identical (PDF, SVG, PNG bytes; brief images)" if not found else "")
        for line in found:
            print(line)
        if found:
            sys.exit(1)


if __name__ == "__main__":
    main()
