"""lawgov ingest: Parquet, JSON manifest and log; reuse of unchanged inputs; strict mode."""

from __future__ import annotations

import hashlib
import json
import shutil

import pandas as pd
import pytest

import lawgov as lg
from lawgov import _provenance
from lawgov.ingest import IngestError, cli, read_ingested
from lawgov.reading import ReportInputWarning


@pytest.fixture()
def raw(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    for path in lg.sample_paths():
        shutil.copy(path, folder / path.name)
    return folder


def test_ingest_writes_parquet_manifest_and_log(raw, tmp_path, reports):
    out = tmp_path / "processed"
    result = lg.ingest(raw, out=out)
    assert (result.n_reports, result.n_read, result.n_reused) == (5, 5, 0)
    stored = read_ingested(out)
    pd.testing.assert_frame_equal(stored.drop(columns="source_path"),
                                  reports.drop(columns="source_path"), check_dtype=False)
    assert stored["region_candidates"].tolist() == [[]] * 5
    assert stored["year"].dtype == "Int64"

    manifest = json.loads((out / "reports.json").read_text(encoding="utf-8"))
    assert manifest["lawgov_version"] == lg.__version__
    assert manifest["params"]["max_bytes"] == lg.DEFAULT_MAX_BYTES
    first = lg.sample_paths()[0]
    assert manifest["inputs"][first.name] == hashlib.sha256(first.read_bytes()).hexdigest()
    parquet_hash = _provenance.sha256_file(out / "reports.parquet")
    assert manifest["outputs"]["reports.parquet"] == parquet_hash
    assert manifest["counts"]["reports"] == 5 and manifest["counts"]["ok"] == 5
    assert manifest["packages"]["opencc"] and manifest["python"].startswith("3.")

    log = pd.read_csv(out / "ingest_log.csv", dtype=str, keep_default_na=False)
    assert log["status"].tolist() == ["ok"] * 5
    assert log["doc_id"].tolist() == reports["doc_id"].tolist()
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_unchanged_inputs_are_reused_and_changed_ones_read_again(raw, tmp_path):
    out = tmp_path / "processed"
    lg.ingest(raw, out=out)
    again = lg.ingest(raw, out=out)
    assert (again.n_read, again.n_reused) == (0, 5)
    # change one file, add a manifest row for another: exactly those two are read again
    path = raw / "001_b15026bdeddbedce.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n上社镇人民政府\n", encoding="utf-8")
    (raw / "manifest.csv").write_text("file,published\n002_778d263dd7ed8752.txt,2024-02-01\n")
    third = lg.ingest(raw, out=out)
    assert (third.n_read, third.n_reused) == (2, 3)
    stored = read_ingested(out)
    assert stored["published"][2] == "2024-02-01"
    assert stored["text"][1].endswith("\n上社镇人民政府")
    # other parameters: nothing is reused
    assert lg.ingest(raw, out=out, max_bytes=10**6).n_read == 5


def test_a_tampered_parquet_is_not_trusted(raw, tmp_path):
    out = tmp_path / "processed"
    lg.ingest(raw, out=out)
    table = pd.read_parquet(out / "reports.parquet")
    table.loc[0, "unit"] = "某某镇"
    table.to_parquet(out / "reports.parquet")
    result = lg.ingest(raw, out=out)
    assert result.n_read == 5
    assert read_ingested(out)["unit"][0] == "塘沟镇"


def test_bad_inputs_are_logged_and_strict_fails(raw, tmp_path):
    (raw / "empty.txt").write_bytes(b"")
    (raw / "copy.txt").write_bytes(lg.sample_paths()[4].read_bytes())
    out = tmp_path / "processed"
    with pytest.warns(ReportInputWarning) as caught:
        result = lg.ingest(raw, out=out)
    assert sorted(str(w.message) for w in caught) == [
        "copy.txt duplicate: same clean text as 004_d02edc01b7dc47ed.txt; delete one of the "
        "two files",
        "empty.txt skipped: is empty; delete it or put the report's text in it",
    ]
    assert result.n_reports == 5
    statuses = dict(zip(result.log["file"], result.log["status"], strict=False))
    assert statuses["empty.txt"] == "skipped" and statuses["copy.txt"] == "duplicate"
    assert set(result.problems["file"]) == {"empty.txt", "copy.txt"}
    with pytest.warns(ReportInputWarning), pytest.raises(
            IngestError, match=r"2 of 7 input\(s\) were not ingested .*ingest_log.csv"):
        lg.ingest(raw, out=out, strict=True)
    # the outputs were still written
    assert len(pd.read_csv(out / "ingest_log.csv")) == 7


def test_cli(raw, tmp_path, capsys):
    out = tmp_path / "processed"
    assert cli([str(raw), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "5 reports from 5 input(s)" in printed and "5 read, 0 reused" in printed
    assert cli([str(raw), "--out", str(out), "--strict"]) == 0
    assert "0 read, 5 reused" in capsys.readouterr().out

    (raw / "notes.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert cli([str(raw), "--out", str(out)]) == 0
    assert "notes.xls skipped: unsupported file type '.xls'" in capsys.readouterr().err
    assert cli([str(raw), "--out", str(out), "--strict", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "--strict: 1 input(s) not ingested" in captured.err

    assert cli([str(raw), "--out", str(out), "--max-bytes", "6000", "--no-reuse"]) == 0
    err = capsys.readouterr().err
    assert "over the limit of 6,000" in err and err.count("skipped") == 5  # 4 samples + xls

    (raw / "manifest.csv").write_text("file,colour\nx.txt,red\n")
    assert cli([str(raw), "--out", str(out)]) == 2
    assert "unknown column(s) colour; allowed columns: file," in capsys.readouterr().err
    assert cli([str(raw), "--out", str(out), "--no-manifest", "--quiet"]) == 0
    assert cli([str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_dispatcher_runs_ingest(raw, tmp_path):
    from lawgov.cli import main

    assert main(["ingest", str(raw), "--out", str(tmp_path / "p"), "--quiet"]) == 0
    assert (tmp_path / "p" / "reports.parquet").is_file()


def test_workers_give_the_same_table(raw, tmp_path):
    one = lg.ingest(raw, out=tmp_path / "a", chunk_size=2)
    two = lg.ingest(raw, out=tmp_path / "b", chunk_size=2, workers=2)
    pd.testing.assert_frame_equal(read_ingested(one.reports_path), read_ingested(two.reports_path))


def test_option_errors(raw, tmp_path):
    with pytest.raises(ValueError, match="workers and chunk_size must be at least 1"):
        lg.ingest(raw, out=tmp_path, workers=0)
    with pytest.raises(ValueError, match="max_bytes must be a positive number"):
        lg.ingest(raw, out=tmp_path, max_bytes=0)
    with pytest.raises(FileNotFoundError, match="run `lawgov ingest`"):
        read_ingested(tmp_path / "empty")


def test_atomic_path_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "a.txt"
    _provenance.atomic_write(target, "old")
    with pytest.raises(RuntimeError), _provenance.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_write_manifest(tmp_path):
    data = tmp_path / "in.txt"
    data.write_bytes(b"abc")
    content = _provenance.write_manifest(
        tmp_path / "m.json", inputs={"in.txt": data, "other": "0" * 64},
        params={"seed": 1}, extra={"n": 3})
    assert content["inputs"] == {
        # sha256("abc"), a published test vector
        "in.txt": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "other": "0" * 64,
    }
    assert content["params"] == {"seed": 1} and content["n"] == 3
    assert json.loads((tmp_path / "m.json").read_text()) == content


def test_a_worker_builds_its_segmenter_once_per_tokenizer(monkeypatch):
    # Building the segmenter costs about 0.1 s, 1 ms a report if it were done per chunk.
    import pickle
    import sys

    from lawgov.tokenizing import Tokenizer

    ingest_module = sys.modules["lawgov.ingest"]
    ingest_module._tokenizer_from.cache_clear()
    built = []
    original = Tokenizer._build_segmenter
    monkeypatch.setattr(Tokenizer, "_build_segmenter",
                        lambda self: built.append(self.min_len) or original(self))
    tasks = [(str(path), path.name, None) for path in lg.sample_paths()]
    custom = pickle.dumps(Tokenizer(min_len=2))
    for chunk in (tasks[:2], tasks[2:4], tasks[4:]):
        for state in (None, custom):
            result = ingest_module.ingest_chunk(chunk, tokenizer=state)
            assert result["tables"]["tokens"].num_rows > 0
    assert sorted(built) == [1, 2]
    ingest_module._tokenizer_from.cache_clear()


def test_inputs_the_workers_do_not_read_are_still_hashed_and_reused(raw, tmp_path):
    # A cold run leaves hashing to the worker that reads each file; a file skipped for its
    # size is never read there, so the run hashes it itself.
    big = raw / "big.txt"
    big.write_text("法治政府建设" * 2000, encoding="utf-8")
    out = tmp_path / "processed"
    with pytest.warns(ReportInputWarning, match="big.txt skipped"):
        first = lg.ingest(raw, out=out, max_bytes=20_000)
    log = first.log.set_index("file")
    assert log.loc["big.txt", "status"] == "skipped"
    manifest = json.loads((out / "reports.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["big.txt"] == hashlib.sha256(big.read_bytes()).hexdigest()
    assert all(len(h) == 64 for h in manifest["inputs"].values())
    with pytest.warns(ReportInputWarning, match="big.txt skipped"):
        again = lg.ingest(raw, out=out, max_bytes=20_000)
    assert (again.n_read, again.n_reused) == (0, 6)
    assert again.log["input_key"].tolist() == first.log["input_key"].tolist()
