"""lawgov ingest on a dask.distributed cluster writes the local engine's tables, row for row;
a re-run that reuses some inputs writes the tables of a cold run."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import lawgov as lg
from lawgov.ingest import STAGES, read_table, read_tokens

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    import synth

    folder = tmp_path_factory.mktemp("raw")
    for path in lg.sample_paths():
        shutil.copy(path, folder / path.name)
    synth.generate_corpus(7, folder / "synthetic", seed=3)
    return folder


def _same_tables(a: Path, b: Path) -> None:
    for stage in STAGES:
        left, right = pq.read_table(a / f"{stage}.parquet"), pq.read_table(b / f"{stage}.parquet")
        assert left.num_rows > 0, stage
        assert left.schema.names == right.schema.names, stage
        differ = [n for n in left.schema.names if not left[n].equals(right[n])]
        assert not differ, f"{stage}.parquet: columns {differ} differ"


@pytest.fixture(scope="module")
def local(raw, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    result = lg.ingest(raw, out=out, workers=2, chunk_size=3)
    assert (result.n_reports, result.n_read) == (12, 12)
    return out


def test_dask_engine_writes_the_local_tables(raw, local, tmp_path):
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        result = lg.ingest(raw, out=tmp_path, engine="dask", scheduler=cluster.scheduler_address,
                           chunk_size=3)
    assert (result.n_reports, result.n_read, result.n_reused) == (12, 12, 0)
    _same_tables(local, tmp_path)
    assert (local / "ingest_log.csv").read_text() == (tmp_path / "ingest_log.csv").read_text()


def test_the_cli_starts_a_local_cluster(raw, local, tmp_path):
    from lawgov.ingest import cli

    assert cli([str(raw), "--out", str(tmp_path), "--engine", "dask", "--workers", "2",
                "--chunk-size", "3", "--quiet"]) == 0
    _same_tables(local, tmp_path)


def test_one_process_writes_the_same_tables(raw, local, tmp_path):
    lg.ingest(raw, out=tmp_path, workers=1, chunk_size=5)  # other chunks, same rows
    for stage in STAGES:
        assert pq.read_table(local / f"{stage}.parquet").equals(
            pq.read_table(tmp_path / f"{stage}.parquet"))


def test_reuse_gives_the_tables_of_a_cold_run(raw, tmp_path):
    folder = tmp_path / "raw"
    shutil.copytree(raw, folder)
    out = tmp_path / "out"
    lg.ingest(folder, out=out, workers=1, chunk_size=4)
    # one input changed, one added in the middle (chunks shift), one removed
    changed = folder / "synthetic" / "synth_000002.txt"
    changed.write_bytes(changed.read_bytes().replace("法治".encode(), "法制".encode(), 1)
                        if changed.is_file() else b"")
    shutil.copy(lg.sample_paths()[1], folder / "synthetic" / "synth_000003b.txt")
    next(folder.glob("synthetic/synth_000005.*")).unlink()
    with pytest.warns(lg.ReportInputWarning, match="synth_000003b.txt duplicate"):
        again = lg.ingest(folder, out=out, workers=1, chunk_size=4)
    assert again.n_read == 2 and again.n_reused == 10
    # the copied sample repeats 001 and is logged as its duplicate
    assert again.log.set_index("file").loc["synthetic/synth_000003b.txt", "status"] == "duplicate"
    with pytest.warns(lg.ReportInputWarning, match="duplicate"):
        cold = lg.ingest(folder, out=tmp_path / "cold", workers=1, chunk_size=4, reuse=False)
    assert cold.n_read == 12
    _same_tables(tmp_path / "cold", out)
    with pytest.warns(lg.ReportInputWarning, match="duplicate"):
        unchanged = lg.ingest(folder, out=out, workers=1, chunk_size=4)
    # a duplicate is read again (whether it still is one depends on the files before it)
    assert (unchanged.n_read, unchanged.n_reused) == (1, 11)
    _same_tables(tmp_path / "cold", out)


def test_tables_follow_the_data_contracts(local):
    reports = read_table(local, "reports")
    sections, items = read_table(local, "sections"), read_table(local, "items")
    assert reports["doc_id"].is_unique and sections["unit_id"].is_unique
    assert set(items["doc_id"]) <= set(reports["doc_id"])
    assert all(u.startswith(f"{d}:i") for u, d in zip(items["unit_id"], items["doc_id"],
                                                       strict=True))
    tokens = read_tokens(local)
    assert tokens.index.tolist() == items["unit_id"].tolist()
    assert tokens.equals(lg.tokenize(items, cache_dir=False))
    one = reports["doc_id"][0]
    assert set(read_tokens(local, doc_ids=[one]).index) == set(
        items.loc[items["doc_id"] == one, "unit_id"])
    indicators = read_table(local, "indicators")
    pd_expected = lg.extract_indicators(items)
    assert indicators.reset_index(drop=True).equals(pd_expected.reset_index(drop=True))


def test_option_errors(raw, tmp_path):
    with pytest.raises(ValueError, match="engine must be one of local, dask"):
        lg.ingest(raw, out=tmp_path, engine="spark")
    with pytest.raises(ValueError, match="pass engine='dask' too"):
        lg.ingest(raw, out=tmp_path, scheduler="tcp://localhost:8786")
    with pytest.raises(ValueError, match="unknown stage.*'topics'"):
        lg.ingest(raw, out=tmp_path, stages=("reports", "topics"))
    with pytest.raises(ValueError, match="stage 'tokens' needs items"):
        lg.ingest(raw, out=tmp_path, stages=("reports", "sections", "tokens"))
    with pytest.raises(ValueError, match="stage must be one of"):
        read_table(tmp_path, "words")
    with pytest.raises(FileNotFoundError, match="with the 'tokens' stage"):
        read_tokens(tmp_path / "nothing")


def test_an_input_with_a_new_modification_time_is_hashed_again(tmp_path):
    import os

    folder = tmp_path / "raw"
    folder.mkdir()
    for path in lg.sample_paths()[:2]:
        shutil.copy(path, folder / path.name)
    out = tmp_path / "out"
    lg.ingest(folder, out=out, workers=1)
    target = folder / lg.sample_paths()[1].name
    data = target.read_bytes()
    # same size, other bytes: only the modification time tells
    target.write_bytes(data.replace("法治".encode(), "法制".encode(), 1))
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    again = lg.ingest(folder, out=out, workers=1)
    assert (again.n_read, again.n_reused) == (1, 1)
    assert "法制" in read_table(out, "reports")["text"][1]
    log = pd.read_csv(out / "ingest_log.csv", dtype=str, keep_default_na=False)
    assert log["mtime_ns"].tolist() == [str((folder / p.name).stat().st_mtime_ns)
                                        for p in lg.sample_paths()[:2]]
