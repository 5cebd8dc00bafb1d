"""Partitioned case histories: writing, opening lazily, and validating partition by partition."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pytest

from escalation.data.dataset import (
    is_partitioned,
    open_case_history_dataset,
    write_case_history_dataset,
)
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.data.stream import validate_case_history_dataset
from escalation.errors import DataValidationError


@pytest.fixture(scope="module")
def history():  # type: ignore[no-untyped-def]
    return simulate_local_authority(1500, seed=4, config=SimulationConfig(notes=True)).history


def sorted_rows(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def test_hash_partitions_keep_each_child_whole(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dataset = write_case_history_dataset(history, tmp_path / "d", buckets=5)
    assert is_partitioned(tmp_path / "d") and not is_partitioned(tmp_path)
    assert dataset.key == "bucket" and dataset.partitions == ("0", "1", "2", "3", "4")
    assert dataset.tables == ("children", "episodes", "notes")
    seen: list[str] = []
    parts = {}
    for partition, part in dataset:
        kids = set(part.children["child_id"])
        assert set(part.episodes["child_id"]) <= kids and set(part.notes["child_id"]) <= kids
        seen += list(kids)
        parts[partition] = part
    assert sorted(seen) == sorted(history.children["child_id"])
    everything = pd.concat([p.episodes for p in parts.values()])
    keys = ["child_id", "start", "kind"]
    # Contract text comes back Arrow-backed (validation types it); the values are the same.
    assert isinstance(everything["child_id"].dtype, pd.ArrowDtype)
    pd.testing.assert_frame_equal(
        sorted_rows(everything.astype({"child_id": "string", "factors": "string"}), keys),
        sorted_rows(history.episodes, keys),
        check_exact=True,
    )
    counts = dataset.count_rows()
    assert counts[["children", "episodes", "notes"]].sum().tolist() == [
        len(history.children),
        len(history.episodes),
        len(history.notes),
    ]
    lazy = dataset.scan("episodes").count_rows()
    assert lazy == len(history.episodes)


def test_authority_partitions_add_the_authority_column(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    children = history.children.assign(
        authority=np.where(history.children.index % 2 == 0, "LA001", "LA002")
    )
    dataset = write_case_history_dataset(
        history.with_tables(children=children), tmp_path / "d", by="authority"
    )
    assert dataset.partitions == ("LA001", "LA002")
    part = dataset.read("LA002")
    assert set(part.children["authority"]) == {"LA002"}
    assert json.loads((tmp_path / "d" / "case_history.json").read_text())["partition_key"] == (
        "authority"
    )


def test_bad_layouts_are_explained(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "d"
    write_case_history_dataset(history, root, buckets=2)
    (root / "episodes" / "bucket=1").rename(root / "episodes" / "oops")
    with pytest.raises(DataValidationError) as error:
        open_case_history_dataset(root)
    text = str(error.value)
    assert "named key=value" in text and "bucket=1 is missing from episodes/" in text
    (root / "episodes" / "oops").rename(root / "episodes" / "bucket=1")
    (root / "case_history.json").unlink()
    with pytest.raises(DataValidationError, match="no valid extract date"):
        open_case_history_dataset(root)
    assert open_case_history_dataset(root, extract_date="2024-03-31").extract_date_source == "given"
    with pytest.raises(FileExistsError):
        write_case_history_dataset(history, root)


def test_streaming_validation_locates_problems_and_cross_partition_duplicates(
    history,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    dataset = write_case_history_dataset(history, tmp_path / "d", buckets=3)
    assert validate_case_history_dataset(dataset).valid
    # Break one episode date in bucket 2 and copy one child of bucket 0 into bucket 1.
    episodes_file = tmp_path / "d" / "episodes" / "bucket=2" / "part-0.parquet"
    episodes = pd.read_parquet(episodes_file)
    episodes["start"] = episodes["start"].astype("string")
    episodes.loc[3, "start"] = "2020-02-30"
    episodes.to_parquet(episodes_file, index=False)
    kids0 = pd.read_parquet(tmp_path / "d" / "children" / "bucket=0" / "part-0.parquet")
    kids1_file = tmp_path / "d" / "children" / "bucket=1" / "part-0.parquet"
    kids1 = pd.read_parquet(kids1_file)
    pd.concat([kids1, kids0.iloc[[7]]], ignore_index=True).to_parquet(kids1_file, index=False)

    report = validate_case_history_dataset(dataset)
    assert not report.valid
    described = [p.describe() for p in report.exclusions.problems]
    assert any(
        d.startswith("table 'episodes (bucket=2)', row 5, column 'start', value '2020-02-30'")
        for d in described
    )
    duplicate = [d for d in described if "also appears in partition bucket=" in d]
    assert len(duplicate) == 1 and "table 'children (bucket=1)'" in duplicate[0]
    assert kids0["child_id"].iloc[7] not in " ".join(described)  # never the identifier
    rows = report.rows.set_index("bucket")
    assert rows.loc["2", "episodes_read"] == rows.loc["2", "episodes_kept"] + 1


def test_arrow_text_validates_to_the_same_history(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from escalation.data.dataset import _read_folder
    from escalation.data.validate import validate_case_history

    dataset = write_case_history_dataset(history, tmp_path / "d", buckets=2)
    arrow = dataset.read("1")
    plain = arrow.with_tables(
        **{
            table: _read_folder(dataset.folder(table, "1"))  # as pandas wrote them
            for table in ("children", "episodes", "notes")
        }
    )
    assert not isinstance(plain.episodes["child_id"].dtype, pd.ArrowDtype)
    a, b = validate_case_history(arrow), validate_case_history(plain)
    for table in ("children", "episodes", "notes"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))


def test_partitioning_problems_give_the_spreadsheet_row(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the second child (row 3 of children.csv: the header is row 1) has no partition value;
    # the message gave its 0-based position, "row 1"
    authority = np.where(history.children.index % 2 == 0, "LA001", "LA002").astype(object)
    authority[1] = None
    children = history.children.assign(authority=authority)
    with pytest.raises(DataValidationError) as error:
        write_case_history_dataset(
            history.with_tables(children=children), tmp_path / "d", by="authority"
        )
    assert "table 'children', row 3, column 'authority'" in str(error.value)
    # the second episode's child is not in the children table: row 3 of episodes.csv
    orphan = history.children["child_id"].iloc[0]
    gone = history.episodes["child_id"] == orphan
    episodes = pd.concat([history.episodes[~gone].iloc[:1], history.episodes[gone].iloc[:1]])
    episodes = pd.concat([episodes, history.episodes[~gone].iloc[1:]], ignore_index=True)
    children = history.children[history.children["child_id"] != orphan]
    with pytest.raises(DataValidationError) as error:
        write_case_history_dataset(
            history.with_tables(children=children, episodes=episodes), tmp_path / "e"
        )
    message = str(error.value)
    assert "table 'episodes', row 3, column 'child_id', value <withheld: personal data>" in message
    assert str(orphan) not in message


def test_rows_find_their_child_as_validation_finds_it(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # a trailing space or a whole-number float: validation strips and reads the identifier,
    # so the writer must put the row in its child's partition (10 notes were dropped, the
    # episode refused as having no child)
    notes = history.notes.astype({"child_id": object})
    notes.loc[:9, "child_id"] = notes.loc[:9, "child_id"] + " "
    episodes = history.episodes.astype({"child_id": object})
    episodes.loc[0, "child_id"] = episodes.loc[0, "child_id"] + "  "
    padded = history.with_tables(notes=notes, episodes=episodes)
    dataset = write_case_history_dataset(padded, tmp_path / "d", buckets=3)
    counts = dataset.count_rows()[["children", "episodes", "notes"]].sum().tolist()
    assert counts == [len(history.children), len(history.episodes), len(history.notes)]
    for _, part in dataset:
        kids = set(part.children["child_id"])
        assert {str(c).strip() for c in part.notes["child_id"]} <= kids
    assert validate_case_history_dataset(dataset).valid


def test_a_note_without_a_child_is_refused_not_dropped(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the note of an unknown child was written to no partition, without a word
    orphan = history.notes.iloc[[0]].assign(child_id="C9999999")
    notes = pd.concat([history.notes.iloc[:4], orphan, history.notes.iloc[4:]], ignore_index=True)
    with pytest.raises(DataValidationError) as error:
        write_case_history_dataset(history.with_tables(notes=notes), tmp_path / "d", buckets=3)
    message = str(error.value)
    assert "1 problem found" in message
    assert (
        "table 'notes', row 6, column 'child_id', value <withheld: personal data>: "
        "no child with this child_id in the children table"
    ) in message
    assert "C9999999" not in message
    assert not (tmp_path / "d" / "children").exists()


@pytest.mark.parametrize("bad", ["North/East", "North\\East", ".hidden", "_North"])
def test_partition_values_that_cannot_name_a_folder_are_refused(
    history,  # type: ignore[no-untyped-def]
    bad: str,
    tmp_path: Path,
) -> None:
    # 'North/East' wrote children/region=North/East/: the reader saw partition 'North' and
    # half the children; '.x' and '_x' folders are skipped by every reader
    region = np.where(history.children.index % 2 == 0, "South", "North").astype(object)
    region[4] = bad
    children = history.children.assign(region=region)
    with pytest.raises(DataValidationError) as error:
        write_case_history_dataset(
            history.with_tables(children=children), tmp_path / "d", by="region"
        )
    message = str(error.value)
    assert "1 problem found" in message
    assert "table 'children', row 6, column 'region', value <not shown:" in message
    assert "a partition value names a folder" in message
    assert bad not in message  # free text is described, as every message describes it
    assert not (tmp_path / "d" / "children").exists()


@pytest.mark.parametrize("value", ["North=East", "North%20East"])
def test_a_partition_value_reads_back_as_written(
    history,  # type: ignore[no-untyped-def]
    value: str,
    tmp_path: Path,
) -> None:
    # '=' (Hive's key=value separator) names the folder region=North=East, which pyarrow
    # splits at the first '=': read back whole. '%' was read back URL-decoded by scan():
    # 'North%20East' scanned as 'North East', and a filter on the value found no rows
    region = np.where(history.children.index % 2 == 0, "South", "North").astype(object)
    region[4] = value
    children = history.children.assign(region=region)
    write_case_history_dataset(history.with_tables(children=children), tmp_path / "d", by="region")
    dataset = open_case_history_dataset(tmp_path / "d")
    assert dataset.partitions == tuple(sorted(["North", "South", value]))
    assert dataset.read(value).children["child_id"].tolist() == [children["child_id"].iloc[4]]
    scanned = dataset.scan("children").to_table(columns=["child_id", "region"])
    assert sorted(set(scanned.column("region").to_pylist())) == sorted(["North", "South", value])
    chosen = dataset.scan("children").to_table(filter=pc.field("region") == value)
    assert chosen.column("child_id").to_pylist() == [children["child_id"].iloc[4]]


def test_a_personal_column_is_no_partition_key(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataValidationError, match="column 'child_id': personal data"):
        write_case_history_dataset(history, tmp_path / "d", by="child_id")
    assert not (tmp_path / "d").exists()


def _break_bucket(root: Path, table: str, how: str) -> None:
    file = root / table / "bucket=2" / "part-0.parquet"
    frame = pd.read_parquet(file)
    if how == "no column":
        frame.drop(columns=["kind"]).to_parquet(file, index=False)
    elif how == "no rows":
        frame.iloc[:0].to_parquet(file, index=False)
    else:
        file.unlink()  # the folder is left empty


@pytest.mark.parametrize(
    ("table", "how", "expected"),
    [
        ("episodes", "no column", "table 'episodes (bucket=2)', column 'kind': required column"),
        ("children", "no rows", "table 'children (bucket=2)': table has no rows"),
        ("children", "empty folder", "table 'children (bucket=2)', column 'child_id': required"),
    ],
)
def test_a_partition_without_a_column_or_rows_is_reported_not_a_crash(
    history,  # type: ignore[no-untyped-def]
    table: str,
    how: str,
    expected: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # lenient validation raises on a structural problem: validation of the dataset (and
    # `escalation validate`) failed with AssertionError in stream._check
    from escalation.cli import main

    dataset = write_case_history_dataset(history, tmp_path / "d", buckets=3)
    _break_bucket(tmp_path / "d", table, how)
    report = validate_case_history_dataset(dataset)
    assert not report.valid
    assert any(p.describe().startswith(expected) for p in report.exclusions.problems)
    rows = report.rows.set_index("bucket")
    assert rows.loc["2", ["children_kept", "episodes_kept", "notes_kept"]].tolist() == [0, 0, 0]
    assert rows.loc["1", "children_kept"] == rows.loc["1", "children_read"] > 0
    assert main(["validate", str(tmp_path / "d"), "--workers", "1"]) == 1
    captured = capsys.readouterr()
    assert expected in captured.out and "AssertionError" not in captured.out + captured.err


def test_a_child_in_two_partitions_is_named_at_its_row_as_read(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the row came from the children left after lenient exclusion (one row too high per
    # child excluded above it) and the identifier was shown as '<empty>'
    dataset = write_case_history_dataset(history, tmp_path / "d", buckets=2)
    first = pd.read_parquet(tmp_path / "d" / "children" / "bucket=0" / "part-0.parquet")
    file = tmp_path / "d" / "children" / "bucket=1" / "part-0.parquet"
    kids = pd.read_parquet(file)
    kids.loc[5, "child_id"] = first.loc[0, "child_id"] + " "  # validation strips it
    kids.loc[1, "birth_date"] = None  # row 3 is excluded
    kids.to_parquet(file, index=False)
    described = [p.describe() for p in validate_case_history_dataset(dataset).exclusions.problems]
    duplicate = [d for d in described if "also appears" in d]
    assert duplicate == [
        "table 'children (bucket=1)', row 7, column 'child_id', value <withheld: personal data>: "
        "child_id also appears in partition bucket=0 (row 2): all of a child's rows must be in "
        "one partition"
    ]


def test_files_of_a_partition_with_clashing_types_are_located(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # a partition written in two files, dates as dates in one and as text in the other (as
    # a CSV export writes them): a bare ArrowTypeError naming no table, partition or file
    from escalation.design import default_design
    from escalation.timeline.partitioned import build_spell_dataset

    dataset = write_case_history_dataset(history, tmp_path / "d", buckets=2)
    folder = tmp_path / "d" / "episodes" / "bucket=1"
    episodes = pd.read_parquet(folder / "part-0.parquet")
    assert pd.api.types.is_datetime64_any_dtype(episodes["start"])
    half = len(episodes) // 2
    episodes.iloc[:half].to_parquet(folder / "part-0.parquet", index=False)
    text = episodes.iloc[half:].assign(start=lambda f: f["start"].dt.strftime("%Y-%m-%d"))
    text.to_parquet(folder / "part-1.parquet", index=False)
    expected = (
        "table 'episodes (bucket=1)', column 'start': part-1.parquet stores string where "
        "part-0.parquet stores timestamp[ns]: every file of a partition must store a column "
        "with one type"
    )
    report = validate_case_history_dataset(dataset)
    described = [p.describe() for p in report.exclusions.problems]
    assert [d for d in described if "stores" in d] == [
        expected + " (write the partition's files alike, e.g. dates as dates in each)"
    ]
    assert report.rows.set_index("bucket").loc["1", "episodes_kept"] == 0
    with pytest.raises(DataValidationError) as error:
        build_spell_dataset(dataset, default_design(), tmp_path / "out")
    assert expected in str(error.value)


def _failing_write_table(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """Make pyarrow's Parquet writer fail half-way (half a file, then a full disk) in ``where``."""
    import pyarrow.parquet as pq

    real = pq.write_table

    def half_then_full(table, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if where not in str(path):
            return real(table, path, *args, **kwargs)
        Path(path).write_bytes(b"PAR1 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", half_then_full)


def test_a_failed_partition_write_leaves_the_file_there_as_it_was(  # type: ignore[no-untyped-def]
    history, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """write_partition over an existing partition that fails half-way (a full disk) leaves
    the partition's file unchanged and no temporary file beside it (one was left behind)."""
    from escalation.data.dataset import write_partition

    write_partition(tmp_path, "bucket", "0", history)
    folder = tmp_path / "episodes" / "bucket=0"
    before = (folder / "part-0.parquet").read_bytes()
    _failing_write_table(monkeypatch, "/episodes/")
    with pytest.raises(OSError, match="No space left"):
        write_partition(tmp_path, "bucket", "0", history)
    assert (folder / "part-0.parquet").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["part-0.parquet"]


def test_a_failed_truth_write_of_the_national_simulator_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An authority whose truth file fails half-way leaves the truth file there as it was
    (here: the one written before) and no temporary file beside it (one was left behind)."""
    from escalation.data.simulator import national

    national.simulate_national(60, tmp_path / "eng", authorities=1, seed=2)
    folder = tmp_path / "eng" / "truth" / "authority=LA001"
    before = (folder / "part-0.parquet").read_bytes()
    _failing_write_table(monkeypatch, "/truth/")
    job = national._Job(tmp_path / "eng", SimulationConfig(notes=False), 2)
    with pytest.raises(OSError, match="No space left"):
        national._simulate_authority((0, "LA001", 60), job)
    assert (folder / "part-0.parquet").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["part-0.parquet"]


def _two_files(folder: Path) -> pd.DataFrame:
    """Split a partition folder's one file in two (rows 0-99 and the rest); return the rows."""
    frame = pd.read_parquet(folder / "part-0.parquet")
    frame.iloc[:100].to_parquet(folder / "part-0.parquet", index=False)
    frame.iloc[100:].to_parquet(folder / "part-1.parquet", index=False)
    return frame


def test_a_column_one_file_of_a_partition_lacks_is_named_with_the_file(
    history,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    # the files were put together with the column empty in the rows of the file without
    # it: 'required date is empty' once per row of part-1.parquet, naming neither the file
    # nor the missing column (and an optional column was read as empty, silently)
    from escalation.design import default_design
    from escalation.timeline.partitioned import build_spell_dataset

    dataset = write_case_history_dataset(history, tmp_path / "d", buckets=2)
    folder = tmp_path / "d" / "episodes" / "bucket=1"
    frame = _two_files(folder)
    frame.iloc[100:].drop(columns=["start", "reason"]).to_parquet(
        folder / "part-1.parquet", index=False
    )
    expected = [
        f"table 'episodes (bucket=1)', column '{column}': part-1.parquet lacks the column that "
        "part-0.parquet stores: every file of a partition must have the same columns (write "
        "the partition's files alike)"
        for column in ("start", "reason")
    ]
    report = validate_case_history_dataset(dataset)
    assert [p.describe() for p in report.exclusions.problems] == expected
    with pytest.raises(DataValidationError) as error:
        build_spell_dataset(dataset, default_design(), tmp_path / "out")
    assert [p.describe() for p in error.value.problems] == expected


@pytest.mark.parametrize("damage", ["empty", "cut short", "not parquet"])
@pytest.mark.parametrize("file", ["part-0.parquet", "part-1.parquet"])
def test_a_file_that_is_not_parquet_is_named_not_a_crash(
    history,  # type: ignore[no-untyped-def]
    damage: str,
    file: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # an empty (0-byte) or truncated file raised pyarrow's bare ArrowInvalid ('Parquet file
    # size is 0 bytes', naming no table, partition or file) from validation and the build
    from escalation.cli import main
    from escalation.design import default_design
    from escalation.timeline.partitioned import build_spell_dataset

    dataset = write_case_history_dataset(history, tmp_path / "d", buckets=2)
    folder = tmp_path / "d" / "episodes" / "bucket=1"
    _two_files(folder)
    whole = (folder / file).read_bytes()
    broken = {"empty": b"", "cut short": whole[: len(whole) // 2], "not parquet": b"a,b\n1,2\n"}
    (folder / file).write_bytes(broken[damage])
    report = validate_case_history_dataset(dataset)
    described = [p.describe() for p in report.exclusions.problems]
    assert len(described) == 1
    assert described[0].startswith(
        f"table 'episodes (bucket=1)': {file} is not a readable Parquet file ("
    )
    assert str(folder) not in described[0]
    rows = report.rows.set_index("bucket")
    assert rows.loc["1", ["children_kept", "episodes_kept"]].tolist() == [0, 0]
    assert rows.loc["0", "episodes_kept"] == rows.loc["0", "episodes_read"] > 0
    with pytest.raises(DataValidationError) as error:
        build_spell_dataset(dataset, default_design(), tmp_path / "out")
    assert [p.describe() for p in error.value.problems] == described
    assert main(["validate", str(tmp_path / "d"), "--workers", "1"]) == 1
    captured = capsys.readouterr()
    assert described[0] in captured.out and "Traceback" not in captured.out + captured.err


def test_a_row_of_a_partition_in_several_files_is_named_by_its_file(
    history,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    # a row was counted over the partition's files put together ('row 107' for the 6th
    # data row of part-1.parquet), naming no file: a user opening part-1.parquet found
    # another record there
    from escalation.design import default_design
    from escalation.timeline.partitioned import build_spell_dataset

    dataset = write_case_history_dataset(history, tmp_path / "d", buckets=2)
    folder = tmp_path / "d" / "episodes" / "bucket=1"
    frame = _two_files(folder)
    early = frame.iloc[:100].astype({"start": "string"})
    late = frame.iloc[100:].astype({"start": "string"}).reset_index(drop=True)
    early.loc[3, "start"] = "2021-02-30"
    late.loc[5, "start"] = "2020-13-01"
    early.to_parquet(folder / "part-0.parquet", index=False)
    late.to_parquet(folder / "part-1.parquet", index=False)
    expected = [
        "table 'episodes (bucket=1, part-0.parquet)', row 5, column 'start', value "
        "'2021-02-30': not a valid date (use YYYY-MM-DD)",
        "table 'episodes (bucket=1, part-1.parquet)', row 7, column 'start', value "
        "'2020-13-01': not a valid date (use YYYY-MM-DD)",
    ]
    described = [p.describe() for p in validate_case_history_dataset(dataset).exclusions.problems]
    assert [d for d in described if "not a valid date" in d] == [
        f"{e} [episode excluded]" for e in expected
    ]
    with pytest.raises(DataValidationError) as error:
        build_spell_dataset(dataset, default_design(), tmp_path / "out")
    assert [p.describe() for p in error.value.problems] == expected


def test_a_child_in_two_partitions_of_several_files_is_named_by_its_file(
    history,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    # the rows were counted over each partition's files put together (row 107 and row 5
    # below), naming no file
    from escalation.design import default_design
    from escalation.timeline.partitioned import build_spell_dataset

    dataset = write_case_history_dataset(history, tmp_path / "d", buckets=2)
    first = _two_files(tmp_path / "d" / "children" / "bucket=0")
    folder = tmp_path / "d" / "children" / "bucket=1"
    _two_files(folder)
    late = pd.read_parquet(folder / "part-1.parquet")
    late.loc[5, "child_id"] = first.loc[3, "child_id"]
    late.to_parquet(folder / "part-1.parquet", index=False)
    expected = (
        "table 'children (bucket=1, part-1.parquet)', row 7, column 'child_id', value "
        "<withheld: personal data>: child_id also appears in partition bucket=0 "
        "(part-0.parquet, row 5): all of a child's rows must be in one partition"
    )
    described = [p.describe() for p in validate_case_history_dataset(dataset).exclusions.problems]
    assert [d for d in described if "also appears" in d] == [expected]
    with pytest.raises(DataValidationError) as error:
        build_spell_dataset(dataset, default_design(), tmp_path / "out")
    built = [p.describe() for p in error.value.problems]  # and the renamed child's episodes
    assert [d for d in built if "also appears" in d] == [expected]


def test_a_partitioned_folder_given_for_one_case_history_is_named_as_such(
    history,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    # `escalation estimate` (or run) given a national dataset said 'file not found:
    # expected children.csv or children.parquet', though the children were there
    from escalation import read_case_history

    write_case_history_dataset(history, tmp_path / "d", buckets=2)
    with pytest.raises(DataValidationError) as error:
        read_case_history(tmp_path / "d")
    described = [p.describe() for p in error.value.problems]
    assert described == [
        f"table '{table}': {table}/ is a folder: this is a partitioned case history, which "
        "`escalation validate` and `escalation build` read partition by partition "
        f"(docs/scaling.md); this step reads one {table}.csv or {table}.parquet"
        for table in ("children", "episodes")
    ]


def test_a_partition_written_as_csv_is_named_as_such(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # a partition folder holding part-0.csv (no Parquet) read as a table with no columns:
    # "required column is missing; the table has no columns" three times, and "no rows"
    dataset = write_case_history_dataset(history, tmp_path / "d", buckets=2)
    folder = tmp_path / "d" / "episodes" / "bucket=1"
    pd.read_parquet(folder / "part-0.parquet").to_csv(folder / "part-0.csv", index=False)
    (folder / "part-0.parquet").unlink()
    (folder / "_SUCCESS").write_text("")  # as Spark writes it: not a data file
    described = [p.describe() for p in validate_case_history_dataset(dataset).exclusions.problems]
    assert described == [
        "table 'episodes (bucket=1)': the partition folder holds no .parquet file (it holds "
        "part-0.csv): every partition of a partitioned case history is Parquet"
    ]
