"""Tests of keyword in context."""

from __future__ import annotations

import pandas as pd
import pytest

import lawgov as lg


def test_characters_mode_offsets_point_into_the_report(reports):
    hits = lg.kwic(reports, "法律明白人", window=6)
    assert hits.columns.tolist() == ["doc_id", "unit_id", "left", "match", "right", "start", "end"]
    assert len(hits) == sum(t.count("法律明白人") for t in reports["text"])
    texts = reports.set_index("doc_id")["text"]
    for row in hits.itertuples():
        text = texts[row.doc_id]
        assert text[row.start : row.end] == "法律明白人"
        assert text[row.start - len(row.left) : row.start] == row.left
        assert text[row.end : row.end + len(row.right)] == row.right
        assert len(row.left) <= 6 and len(row.right) <= 6


def test_hand_example_and_window_at_text_edges():
    table = pd.DataFrame({"doc_id": ["a"], "text": ["述法。开展述职述法活动"]})
    hits = lg.kwic(table, "述法", window=3)
    assert hits[["left", "match", "right", "start", "end"]].values.tolist() == [
        ["", "述法", "。开展", 0, 2],
        ["展述职", "述法", "活动", 7, 9],
    ]


def test_regex_and_several_patterns():
    table = pd.DataFrame({"doc_id": ["a"], "text": ["召开党委会20余次，开展培训10余次"]})
    hits = lg.kwic(table, r"\d+余次", regex=True, window=2)
    assert hits["match"].tolist() == ["20余次", "10余次"]
    assert hits[["start", "end"]].values.tolist() == [[5, 9], [14, 18]]
    both = lg.kwic(table, ["党委会", "培训"], window=0)
    assert both["match"].tolist() == ["党委会", "培训"]
    # A literal pattern is not a regular expression.
    assert lg.kwic(table, "20余次|培训").empty


def test_items_table_gives_report_offsets_and_part():
    report = "一、主要举措\n开展行政复议。\n二、存在问题\n行政复议案件少。"
    items = pd.DataFrame({
        "doc_id": ["d", "d"],
        "unit_id": ["d:i1", "d:i2"],
        "part": ["measures", "shortfalls"],
        "text": ["开展行政复议。", "行政复议案件少。"],
        "start": [7, 22],
    })
    assert report[7:14] == items.text[0] and report[22:30] == items.text[1]
    hits = lg.kwic(items, "行政复议")
    assert hits.columns.tolist() == [
        "doc_id", "unit_id", "part", "left", "match", "right", "start", "end"
    ]
    assert hits[["unit_id", "part", "start", "end"]].values.tolist() == [
        ["d:i1", "measures", 9, 13], ["d:i2", "shortfalls", 22, 26]
    ]
    assert all(report[s:e] == "行政复议" for s, e in zip(hits.start, hits.end, strict=True))


def test_token_mode_words_and_phrases(reports):
    tokens = lg.tokenize(reports, cache_dir=False)
    hits = lg.kwic(reports, "法律顾问", tokens=tokens, window=3)
    assert len(hits) == sum(toks.count("法律顾问") for toks in tokens)
    texts = reports.set_index("doc_id")["text"]
    assert all(
        texts[r.doc_id][r.start : r.end] == "法律顾问" for r in hits.itertuples()
    )
    assert all(len(r.left.split()) <= 3 for r in hits.itertuples())
    phrase = lg.kwic(reports, "法律顾问 作用", tokens=tokens)
    assert len(phrase) == 4
    for r in phrase.itertuples():
        assert texts[r.doc_id][r.start : r.end].startswith("法律顾问")
        assert texts[r.doc_id][r.start : r.end].endswith("作用")
    listed = lg.kwic(reports, ["法律顾问", "作用"], tokens=tokens)
    assert listed.equals(phrase)
    regex = lg.kwic(reports, "行政(复议|应诉)", tokens=tokens, regex=True)
    assert set(regex["match"]) <= {"行政复议", "行政应诉"} and len(regex) >= 2


def test_kwic_errors(reports):
    tokens = lg.tokenize(reports, cache_dir=False)
    with pytest.raises(ValueError, match="non-empty"):
        lg.kwic(reports, "")
    with pytest.raises(ValueError, match="invalid regular expression"):
        lg.kwic(reports, "(", regex=True)
    with pytest.raises(ValueError, match="needs a 'text' column"):
        lg.kwic(reports[["doc_id"]], "法治")
    with pytest.raises(ValueError, match="not aligned"):
        lg.kwic(reports, "法治", tokens=tokens.iloc[:2])
    with pytest.raises(ValueError, match="window must be non-negative"):
        lg.kwic(reports, "法治", window=-1)
    with pytest.raises(TypeError, match="tokens must be the Series"):
        lg.kwic(reports, "法治", tokens=list(tokens))
    wrong = pd.Series([["不在", "文中"]] * len(reports), index=tokens.index)
    with pytest.raises(ValueError, match="does not occur"):
        lg.kwic(reports, "不在", tokens=wrong)


def test_items_from_split_items(reports):
    items = lg.split_items(lg.split_sections(reports))
    hits = lg.kwic(items, "法律明白人", window=5)
    assert "part" in hits.columns and set(hits.part) <= set(items.part)
    texts = reports.set_index("doc_id")["text"]
    assert all(texts[r.doc_id][r.start : r.end] == "法律明白人" for r in hits.itertuples())
