"""The benchmark corpus generator: deterministic, never in data/raw, made of real sections."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import lawgov as lg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.fixture(scope="module")
def synth():
    import synth

    return synth


@pytest.fixture(scope="module")
def source(synth):
    return synth.load_source()


def test_same_seed_same_bytes_other_seed_other_corpus(synth, source, tmp_path):
    a = synth.generate_corpus(6, tmp_path / "a", seed=1, source=source)
    b = synth.generate_corpus(6, tmp_path / "b", seed=1, source=source)
    c = synth.generate_corpus(6, tmp_path / "c", seed=2, source=source)
    assert [p.name for p in a] == [p.name for p in b]
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


def test_never_writes_into_data_raw(synth, source):
    with pytest.raises(ValueError, match="never be written into data/raw"):
        synth.generate_corpus(1, ROOT / "data" / "raw", source=source)


def test_reports_resample_real_sentences_for_real_places(synth, source, tmp_path):
    paths = synth.generate_corpus(8, tmp_path, seed=0, source=source)
    reports = lg.read_reports(paths)
    assert len(reports) == 8
    # Numbers are redrawn and places renamed: compare sentences with digits and the
    # samples' place names blanked out.
    samples = lg.load_sample_reports()
    names = {n for column in ("unit", "county", "city", "province") for n in samples[column]
             if n} | {n for column in ("unit", "county", "city", "province")
                      for n in reports[column] if n}
    blank = re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True))
                       + r"|\d+")
    known = {blank.sub("#", s) for text in samples["text"] for s in re.findall(r"[^。；\n]+[。；]",
                                                                             text)}
    for text in reports["text"]:
        sentences = [blank.sub("#", s) for s in re.findall(r"[^。；\n]+[。；]", text)]
        assert sum(s in known for s in sentences) / len(sentences) > 0.6
    places = {(p.province, p.unit) for p in synth.real_places()}
    resolved = reports[reports["region_status"] == "resolved"]
    assert len(resolved) >= 6
    assert all((r.province, r.unit) in places for r in resolved.itertuples())
    assert reports["year"].between(2019, 2025).all()
    # the mandated parts are found in the resampled reports, as in the samples
    parts = lg.split_sections(reports).groupby("doc_id")["part"].apply(set)
    assert parts.map(lambda p: "measures" in p).all()
    assert parts.map(lambda p: "plans" in p).sum() >= 6


def test_speed_up_is_paired_run_by_run(tmp_path):
    import run

    measured = [  # run, kind, step, seconds
        (1, "baseline", "tokenize", 95.0), (1, "baseline", "total", 100.0),
        (1, "ingest_cold", "ingest_cold", 20.0),
        (2, "baseline", "total", 180.0), (2, "ingest_cold", "ingest_cold", 30.0),
        (3, "ingest_cold", "ingest_cold", 25.0),
    ]
    rows = [{"size": 10, "run": r, "kind": kind, "step": step, "seconds": seconds,
             "chars": 1000, "peak_mb": 1.0} for r, kind, step, seconds in measured]
    import pandas as pd

    # 100 / 20 and 180 / 30; run 3 has no baseline and is not paired.
    assert run._paired_speedups(pd.DataFrame(rows)) == [5.0, 6.0]
    out = tmp_path / "results.md"
    run.write_report(rows, {"cores": 2}, {}, out)
    text = out.read_text(encoding="utf-8")
    assert "run by run" in text and "5.0×, 6.0×; median 5.5×" in text
    # The median-based pair: median baseline total 140 s / median cold ingest 25 s.
    assert "| full ingest (cold) vs whole baseline | 25.00 | 140.00 | 5.6× |" in text
