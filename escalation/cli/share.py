"""``escalation share design.toml --la LA01 --out pack/``: one authority's share pack for the hub.

Runs inside one local authority: reads its case histories, runs the registered design and
writes ``pack/<la>.zip`` holding only aggregate, disclosure-controlled statistics (see
``docs/federated.md``). Nothing record-level leaves: the pack is checked before it is
written.

The folder is written through :class:`~escalation.report.outputs.OutputFolder`, as every
command's: it must be new, empty, or one ``escalation share`` wrote before (then the packs
of other authorities shared there are kept, and listed again in ``manifest.json``); the
design file and the data folder may not be or lie inside it; and a pack that would replace
a file escalation did not write, or another command's file, is refused before the analysis
runs.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from escalation.cli import SUMMARIES
from escalation.cli._compute import add_compute_options, compute_from
from escalation.cli._output import add_output_arguments, output_folder
from escalation.cli._progress import add_quiet_option, shows_progress
from escalation.cli._study import add_study_arguments, load_study, study_inputs
from escalation.design.registration import design_sha256
from escalation.errors import DesignError
from escalation.federated.pack import build_share_pack, pack_name, write_share_pack
from escalation.report.outputs import OutputFolderError
from escalation.results import data_hash

if TYPE_CHECKING:
    from escalation.data.history import CaseHistory
    from escalation.report.outputs import OutputFolder

__all__ = ["PACK_INPUTS", "register", "run"]

#: The manifest's record of each pack's input hash, by file name (``share`` refuses to
#: replace a pack of other data without ``--overwrite``).
PACK_INPUTS: Final = "pack_inputs"


def register(subparsers: Any) -> None:
    """Add the ``share`` sub-command."""
    parser = subparsers.add_parser(
        "share",
        help=SUMMARIES["share"],
        description=(
            "Read the study design and this authority's case histories, run the analysis and "
            "write DIR/<la>.zip: effect estimates with standard errors and bootstrap "
            "summaries, Cox likelihood profiles, risk-set tables on coarsened time, covariate "
            "summaries, the design hash and the package version. Every count is at least the "
            "disclosure threshold; no identifier or record-level field is included. DIR "
            "keeps the packs of other authorities shared there before."
        ),
    )
    add_study_arguments(parser, "the registered study design (TOML)")
    add_output_arguments(parser)
    parser.add_argument(
        "--la",
        help="the authority's code, which names the pack (needed when the data have no la "
        "column, or hold several authorities)",
    )
    parser.add_argument("--bootstrap", type=int, help="replicates (overrides the design)")
    parser.add_argument("--seed", type=int, help="seed (overrides the design)")
    add_compute_options(parser)
    add_quiet_option(parser)
    parser.set_defaults(func=run)


def _still_here(folder: OutputFolder, recorded: dict[str, str]) -> dict[str, str]:
    """Return the recorded input hashes of the packs the folder will hold, by name."""
    return {
        name: digest
        for name, digest in sorted(recorded.items())
        if (folder.staging / name).is_file() or (folder.path / name).is_file()
    }


def _refuse_a_file_name(out: str) -> None:
    """Refuse ``--out NAME.zip``: the output is a folder, the pack is named by its authority."""
    target = Path(out)
    if target.suffix == ".zip" and not target.is_dir():
        raise OutputFolderError(
            f"--out {out} names a file: --out is the folder the pack is written to, as "
            "DIR/<la>.zip. Choose a folder (e.g. --out pack/)."
        )


def _require_a_code(history: CaseHistory, la: str | None) -> None:
    """Refuse data with no ``la`` column and no ``--la``: the pack's name would be no code."""
    if la is None and "la" not in history.children.columns:
        raise DesignError(
            "table 'children' has no la column, so the data do not say which local "
            "authority they are: name it with --la CODE (the pack is written as CODE.zip; "
            "each authority sharing into one folder needs its own code)"
        )


def _recorded_inputs(folder: OutputFolder) -> dict[str, str]:
    """Return the input hash of each pack an earlier ``escalation share`` wrote in the folder.

    Read from the folder's ``manifest.json`` (:data:`PACK_INPUTS`; a manifest written before
    it was recorded gives its own pack's ``input_hash``). Empty for a new folder.
    """
    manifest = folder.path / "manifest.json"
    if not manifest.is_file():
        return {}
    try:
        record = json.loads(manifest.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    if not isinstance(record, dict):
        return {}
    recorded = record.get(PACK_INPUTS)
    if isinstance(recorded, dict):
        return {str(k): str(v) for k, v in recorded.items()}
    pack, digest = record.get("pack"), record.get("input_hash")
    return {str(pack): str(digest)} if pack and digest else {}


def _hash_before_s28(history: CaseHistory) -> str:
    """Return the input hash ``share`` recorded before it recorded ``history.digest()``.

    That hash (of the children and episodes only, in their row order) is still read as
    "the same data" in a folder of packs written by an earlier version, so that a rerun
    there replaces the authority's own pack without ``--overwrite``.
    """
    return data_hash(history.children, history.episodes)


def _refuse_other_data(
    folder: OutputFolder,
    name: str,
    digest: str,
    recorded: dict[str, str],
    earlier_rule: str | None = None,
) -> None:
    """Refuse to replace a pack made from other data (another input hash), unless told.

    ``earlier_rule`` is these data's hash by the rule an earlier version recorded
    (:func:`_hash_before_s28`): a pack recorded with it is of the same data.
    """
    earlier = recorded.get(name)
    if earlier is None or earlier in (digest, earlier_rule) or folder.overwrite:
        return
    if not (folder.path / name).is_file():
        return
    raise OutputFolderError(
        f"output folder {folder.path} holds {name}, shared from other data (input hash "
        f"{earlier[:12]}, these data {digest[:12]}): another authority's pack, or this "
        "authority's from an earlier extract. Give this authority its own code with --la, "
        "choose another output folder, or pass --overwrite to replace that pack."
    )


def run(args: argparse.Namespace) -> int:
    """Build the pack and write it into the output folder; return 0 on success."""
    _refuse_a_file_name(args.out)
    with output_folder(args, inputs=study_inputs(args), keep=("*.zip",)) as folder:
        design, history = load_study(args)
        _require_a_code(history, args.la)
        name = pack_name(history, args.la)
        # the manifest's input_hash, as every command's: the history's content with its
        # notes and extract date (CaseHistory.digest), so a pack and a run of the same
        # data record one hash
        digest = history.digest()
        recorded = _recorded_inputs(folder)
        _refuse_other_data(folder, name, digest, recorded, _hash_before_s28(history))
        folder.claim([name])  # before the analysis: a clash is refused with no work done
        with compute_from(args, design):
            pack = build_share_pack(
                history,
                design,
                authority=args.la,
                bootstrap=args.bootstrap,
                seed=args.seed,
                progress=shows_progress(args),
            )
        write_share_pack(pack, folder.staging / name)
        folder.commit(
            command=folder.command,
            design=design,
            design_file=args.design,
            input_hash=digest,
            seeds={"share": pack.manifest.get("seed")},
            extra={
                "authority": pack.authority,
                "pack": name,
                # each pack's data, so that a pack of other data is not replaced unasked
                PACK_INPUTS: _still_here(folder, {**recorded, name: digest}),
                "pack_design_sha256": pack.design_hash,
                # The rules the pack was made under (its design's), as every manifest.
                "disclosure": pack.rules.to_dict(),
            },
        )
    withheld = pack.tables["disclosure"]
    print(f"Authority      {pack.authority}")
    # Two hashes: the design's, as ``register`` and every manifest give it; and the pack's,
    # without [data] and [compute] (which differ between authorities), which the hub
    # compares. One line "Design SHA-256" with the pack's seemed another design.
    print(
        f"Design SHA-256 {design_sha256(design)} (the design as run, as manifest.json records "
        "it; escalation register gives the same for an unchanged design file)"
    )
    print(
        f"Pack design hash {pack.design_hash} (without [data] and [compute]: what the hub "
        "compares across authorities' packs)"
    )
    print(f"Disclosure     {len(withheld)} item(s) withheld, folded or coarsened (disclosure.csv)")
    print(f"Wrote {folder.final(folder.staging / name)}")
    return 0
