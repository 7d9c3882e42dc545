"""The disk cache of derived tables: reused across processes, never stale, never fatal."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

import lawgov as lg
from lawgov import _cache, regions, tokenizing


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LAWGOV_CACHE", str(tmp_path / "cache"))
    regions._load_gazetteer.cache_clear()
    tokenizing._filler_compounds.cache_clear()
    yield tmp_path / "cache" / "derived"
    regions._load_gazetteer.cache_clear()
    tokenizing._filler_compounds.cache_clear()


def test_built_once_then_read_from_disk(cache):
    calls = []

    def build():
        calls.append(1)
        return {"value": len(calls)}

    assert _cache.load_or_build("thing", {"a": 1}, build) == {"value": 1}
    assert _cache.load_or_build("thing", {"a": 1}, build) == {"value": 1}
    assert len(calls) == 1
    assert len(list(cache.glob("thing-*.pickle"))) == 1
    # Another key is another entry.
    assert _cache.load_or_build("thing", {"a": 2}, build) == {"value": 2}
    assert len(list(cache.glob("thing-*.pickle"))) == 2


def test_damaged_entry_is_rebuilt(cache):
    _cache.load_or_build("thing", {"a": 1}, lambda: [1, 2, 3])
    (entry,) = cache.glob("thing-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert _cache.load_or_build("thing", {"a": 1}, lambda: [4]) == [4]
    assert _cache.load_or_build("thing", {"a": 1}, lambda: [5]) == [4]


def test_unwritable_cache_only_costs_the_rebuild(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("LAWGOV_CACHE", str(blocker))  # a file: no directory can be made
    assert _cache.load_or_build("thing", {"a": 1}, lambda: "built") == "built"
    assert blocker.read_text() == "x"


def test_cached_gazetteer_equals_a_fresh_parse_and_follows_the_file(cache, tmp_path):
    table = tmp_path / "divisions.txt"
    table.write_text("测试省\t990000\t测试\n\t甲市\t990100\t甲\n\t\t乙县\t990101\t乙\n\t\t\t丙丁镇\n",
                     encoding="utf-8")
    first = regions._load_gazetteer(str(table))
    assert len(list(cache.glob("gazetteer-*.pickle"))) == 1
    regions._load_gazetteer.cache_clear()
    again = regions._load_gazetteer(str(table))
    assert again == first == regions._parse_gazetteer(table, str(table))
    # The table changes: its size and time change the key, so the old entry is not used.
    table.write_text("测试省\t990000\t测试\n\t甲市\t990100\t甲\n\t\t乙县\t990101\t乙\n\t\t\t戊己乡\n",
                     encoding="utf-8")
    os.utime(table, ns=(1, 1))
    regions._load_gazetteer.cache_clear()
    r = lg.resolve_region("戊己乡法治政府建设报告\n我乡……", gazetteer=table)
    assert (r["county"], r["unit"]) == ("乙县", "戊己乡")
    assert len(list(cache.glob("gazetteer-*.pickle"))) == 2


def test_cached_filler_compounds_equal_a_fresh_scan(cache):
    fillers = tuple(sorted(lg.Tokenizer()._filler_words))
    compounds = tokenizing._filler_compounds(fillers)
    assert len(list(cache.glob("filler_compounds-*.pickle"))) == 1
    tokenizing._filler_compounds.cache_clear()
    assert tokenizing._filler_compounds(fillers) == compounds
    dictionary = Path(importlib.util.find_spec("jieba").origin).parent / "dict.txt"
    assert compounds == tokenizing._scan_compounds(dictionary, fillers)
    # Read off jieba's dictionary: 切实落实 is a word there, made of 切实 and 落实.
    assert "切实落实" in compounds
