"""Tests of keyness, similarity, text reuse and originality."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import lawgov as lg


@pytest.fixture()
def table_dtm():
    """One 2x2 table: the target has w 10 times in 100 tokens, the reference 5 in 200."""
    tokens = pd.Series(
        [["w"] * 10 + ["o"] * 90, ["w"] * 5 + ["o"] * 95, ["o"] * 100],
        index=["t1", "r1", "r2"],
    )
    groups = pd.Series({"t1": "target", "r1": "rest", "r2": "rest"})
    return lg.build_dtm(tokens, weighting="tfidf"), groups


def test_keyness_chi2_known_answer(table_dtm):
    dtm, groups = table_dtm
    out = lg.keyness(dtm, groups, "target", measure="chi2").set_index("term")
    # By hand: a=10, b=5, c=90, d=195, N=300
    # chi2 = N (ad - bc)^2 / ((a+b)(c+d)(a+c)(b+d)) = 300 * 1500^2 / (15 * 285 * 100 * 200)
    #      = 675,000,000 / 85,500,000 = 7.894737 (no continuity correction)
    w = out.loc["w"]
    assert (w.target_freq, w.reference_freq, w.target_total, w.reference_total) == (10, 5, 100, 200)
    assert w.statistic == pytest.approx(7.894737, abs=1e-6)
    assert w.p_value == pytest.approx(math.erfc(math.sqrt(7.894737 / 2)), rel=1e-5)
    # log ratio with 0.5 added to both frequencies: log2((10.5 / 100) / (5.5 / 200)) = 1.932886
    assert w.log_ratio == pytest.approx(1.932886, abs=1e-6)
    assert w.direction == "target"
    # The other term of the same table has the same chi2 with the opposite sign.
    assert out.loc["o"].statistic == pytest.approx(-7.894737, abs=1e-6)
    assert out.loc["o"].direction == "reference"
    assert out.index.tolist() == ["w", "o"]


def test_keyness_chi2_with_yates(table_dtm):
    dtm, groups = table_dtm
    out = lg.keyness(dtm, groups, "target", measure="chi2", correction=True).set_index("term")
    # (|ad - bc| - N/2)^2 = (1500 - 150)^2 = 1,822,500; 300 * 1,822,500 / 85,500,000 = 6.394737
    assert out.loc["w"].statistic == pytest.approx(6.394737, abs=1e-6)


def test_keyness_g2_known_answer(table_dtm):
    dtm, groups = table_dtm
    out = lg.keyness(dtm, groups, "target", measure="g2").set_index("term")
    # Expected: E_a = 15*100/300 = 5, E_b = 10, E_c = 285*100/300 = 95, E_d = 190
    # G2 = 2 (10 ln 2 + 5 ln 0.5 + 90 ln(90/95) + 195 ln(195/190))
    #    = 2 (6.9314718 - 3.4657359 - 4.8660499 + 5.0652198) = 7.329812
    assert out.loc["w"].statistic == pytest.approx(7.329812, abs=1e-5)
    assert out.loc["w"].p_value == pytest.approx(math.erfc(math.sqrt(7.329812 / 2)), rel=1e-5)


def test_keyness_logodds_known_answer(table_dtm):
    dtm, groups = table_dtm
    out = lg.keyness(dtm, groups, "target", measure="logodds").set_index("term")
    # Prior = counts of target + reference: alpha_w = 15, alpha_0 = 300.
    # delta = ln(25 / (100 + 300 - 25)) - ln(20 / (200 + 300 - 20)) = ln(25/375) - ln(20/480)
    #       = ln(1.6) = 0.470004; var = 1/25 + 1/20 = 0.09; z = 0.470004 / 0.3 = 1.566679
    assert out.loc["w"].statistic == pytest.approx(1.566679, abs=1e-6)
    assert out.loc["w"].p_value == pytest.approx(math.erfc(1.566679 / math.sqrt(2)), rel=1e-5)


def test_keyness_reference_group_and_min_count():
    tokens = pd.Series([["a", "b"], ["a"], ["c", "c"]], index=["x", "y", "z"])
    dtm = lg.build_dtm(tokens, weighting="count")
    groups = pd.Series({"x": "甲", "y": "乙", "z": "丙"})
    out = lg.keyness(dtm, groups, "甲", reference="乙")
    assert set(out.term) == {"a", "b"}  # c occurs in neither side
    assert out.reference_total.iloc[0] == 1
    # a: 1 + 1 = 2 occurrences, b: 1, c: 0 + 2
    assert lg.keyness(dtm, groups, "甲", min_count=2).term.tolist() == ["a", "c"]


def test_keyness_of_each_province_on_the_samples(reports):
    tokens = lg.tokenize(reports, lg.Tokenizer(min_len=2), cache_dir=False)
    dtm = lg.build_dtm(tokens, weighting="count")
    for province in reports["province"].dropna().unique():
        out = lg.keyness(dtm, reports, province, by="province", measure="g2")
        top = out.head(10)
        assert (top.direction == "target").all()
        assert (top.statistic > 0).all() and top.p_value.between(0, 1).all()
    henan = lg.keyness(dtm, reports, "河南省", by="province", measure="g2").head(15)
    assert "魔术" in set(henan.term)  # 赵庄镇's magic-town festivals


def test_keyness_errors(table_dtm):
    dtm, groups = table_dtm
    with pytest.raises(ValueError, match="measure must be one of"):
        lg.keyness(dtm, groups, "target", measure="tfidf")
    with pytest.raises(ValueError, match="no row belongs to target '北京'"):
        lg.keyness(dtm, groups, "北京")
    with pytest.raises(ValueError, match="no other group"):
        lg.keyness(dtm, pd.Series({"t1": "target"}), "target")
    with pytest.raises(TypeError, match="DocumentTermMatrix"):
        lg.keyness(groups, groups, "target")


def test_similarity_known_answer(reports):
    tokens = pd.Series([["a", "b"], ["a"], ["c"]], index=["x", "y", "z"])
    sim = lg.similarity(lg.build_dtm(tokens, weighting="count"))
    # cos((1,1,0), (1,0,0)) = 1 / sqrt(2)
    assert sim.loc["x", "y"] == pytest.approx(1 / math.sqrt(2))
    assert sim.loc["x", "z"] == 0.0 and sim.loc["y", "y"] == pytest.approx(1.0)
    labelled = lg.similarity(
        lg.build_dtm(tokens, weighting="count"), labels=pd.Series({"x": "塘沟镇 2023"})
    )
    assert labelled.index.tolist() == ["塘沟镇 2023", "y", "z"]
    dtm = lg.build_dtm(lg.tokenize(reports, cache_dir=False))
    sim = lg.similarity(dtm, labels=reports)
    assert sim.index.tolist() == reports["label"].tolist()
    np.testing.assert_allclose(np.diag(sim), 1.0)
    np.testing.assert_allclose(sim.to_numpy(), sim.to_numpy().T)
    with pytest.raises(TypeError, match="DocumentTermMatrix"):
        lg.similarity(sim)


def _plant(reports: pd.DataFrame, source: int, target: int) -> tuple[pd.DataFrame, str, int]:
    """Copy the first long paragraph of one report into another, between two paragraphs."""
    paragraph = next(p for p in reports["text"].iloc[source].split("\n") if len(p) > 150)
    text = reports["text"].iloc[target]
    at = text.index("\n", len(text) // 2) + 1
    planted = reports.copy()
    planted.loc[planted.index[target], "text"] = text[:at] + paragraph + "\n" + text[at:]
    return planted, paragraph, at


def test_find_reuse_finds_a_planted_paragraph_with_exact_offsets(reports):
    planted, paragraph, at = _plant(reports, source=0, target=2)
    reuse = lg.find_reuse(planted)
    src_id, dst_id = reports["doc_id"].iloc[0], reports["doc_id"].iloc[2]
    src_start = reports["text"].iloc[0].index(paragraph)
    pair = reuse[(reuse[["doc_id_a", "doc_id_b"]].apply(set, axis=1) == {src_id, dst_id})]
    whole = pair[pair.n_chars == len(paragraph)]
    assert len(whole) == 1
    row = whole.iloc[0]
    offsets = {row.doc_id_a: (row.start_a, row.end_a), row.doc_id_b: (row.start_b, row.end_b)}
    assert offsets[src_id] == (src_start, src_start + len(paragraph))
    assert offsets[dst_id] == (at, at + len(paragraph))
    assert row.kind == "exact" and row.score == 1.0 and row.text_a == paragraph
    assert row.n_clauses > 5


def test_find_reuse_finds_the_template_phrases_of_the_samples(reports):
    reuse = lg.find_reuse(reports)
    labels = reports.set_index("doc_id")["label"]
    found = {
        (frozenset({labels[a], labels[b]}), text.rstrip("，。"))
        for a, b, text in reuse[["doc_id_a", "doc_id_b", "text_a"]].itertuples(index=False)
    }
    assert (frozenset({"上社镇 2025", "东风路街道 2023"}),
            "坚持以习近平新时代中国特色社会主义思想为指导") in found
    assert (frozenset({"上社镇 2025", "赵庄镇 2023"}), "坚持和发展新时代“枫桥经验”") in found
    for row in reuse.itertuples():
        text_a = reports.set_index("doc_id").loc[row.doc_id_a, "text"]
        text_b = reports.set_index("doc_id").loc[row.doc_id_b, "text"]
        assert text_a[row.start_a : row.end_a] == row.text_a
        assert text_b[row.start_b : row.end_b] == row.text_b
        assert row.doc_id_a < row.doc_id_b
    assert reuse.columns.tolist() == [
        "doc_id_a", "doc_id_b", "unit_id_a", "unit_id_b", "text_a", "text_b", "start_a",
        "end_a", "start_b", "end_b", "n_chars", "n_clauses", "score", "kind",
    ]


def test_find_reuse_near_matches_and_switch():
    units = pd.DataFrame({
        "doc_id": ["a", "b", "c"],
        "text": ["全面推行行政执法公示制度执法全过程记录制度。",
                 "全面推行行政执法公示制度和执法全过程记录制度。",
                 "全面推行行政执法公示制度执法全过程记录制度。"],
    })
    reuse = lg.find_reuse(units)
    assert set(zip(reuse.doc_id_a, reuse.doc_id_b, reuse.kind, strict=True)) == {
        ("a", "b", "near"), ("a", "c", "exact"), ("b", "c", "near")
    }
    near = reuse[reuse.kind == "near"].iloc[0]
    # a has 21 characters, 19 3-shingles; inserting 和 removes 制度执 and 度执法 and adds
    # 制度和, 度和执, 和执法: 17 shared of 22 in all.
    assert near.score == pytest.approx(17 / 22)
    assert set(lg.find_reuse(units, near=False).kind) == {"exact"}
    assert lg.find_reuse(units, threshold=0.9).kind.tolist() == ["exact"]


def test_find_reuse_on_items_gives_report_offsets(reports):
    rows = []
    for doc_id, text in zip(reports["doc_id"], reports["text"], strict=True):
        pos = 0
        for n, para in enumerate(text.split("\n")):
            rows.append({"doc_id": doc_id, "unit_id": f"{doc_id}:i{n}", "text": para,
                         "start": pos, "end": pos + len(para)})
            pos += len(para) + 1
    items = pd.DataFrame(rows)
    by_items = lg.find_reuse(items)
    by_reports = lg.find_reuse(reports)
    cols = ["doc_id_a", "doc_id_b", "start_a", "end_a", "start_b", "end_b"]
    assert by_items[cols].equals(by_reports[cols])
    assert all(":i" in u for u in by_items.unit_id_a)


def test_find_reuse_on_many_reports_pairs_only_shared_paragraphs(reports):
    # 300 synthetic reports made of the samples' paragraphs in shuffled order: every pair
    # found must really share the passage it reports (speed is measured by make bench).
    rng = np.random.default_rng(0)
    paragraphs = [p for t in reports["text"] for p in t.split("\n") if len(p) > 30]
    texts = ["\n".join(rng.choice(paragraphs, size=12)) for _ in range(300)]
    big = pd.DataFrame({"doc_id": [f"r{i:04d}" for i in range(300)], "text": texts})
    reuse = lg.find_reuse(big)
    assert len(reuse) > 0
    by_id = dict(zip(big["doc_id"], big["text"], strict=True))
    exact = reuse[reuse["kind"] == "exact"].head(200)
    assert len(exact) > 0
    for row in exact.itertuples():
        passage_a = by_id[row.doc_id_a][row.start_a:row.end_a]
        assert passage_a == by_id[row.doc_id_b][row.start_b:row.end_b]


def test_find_reuse_errors(reports):
    with pytest.raises(ValueError, match="needs a 'text' column"):
        lg.find_reuse(reports[["doc_id"]])
    with pytest.raises(ValueError, match="threshold"):
        lg.find_reuse(reports, threshold=0)
    with pytest.raises(ValueError, match="min_chars"):
        lg.find_reuse(reports, min_chars=0)
    with pytest.raises(ValueError, match="multiple of bands"):
        lg.find_reuse(reports, num_perm=10, bands=3)
    with pytest.raises(ValueError, match="shingle_size"):
        lg.find_reuse(reports, shingle_size=0)
    with pytest.raises(ValueError, match="'start' column"):
        lg.find_reuse(pd.DataFrame({"doc_id": ["a"], "unit_id": ["a:i1"], "text": ["x"]}))


def test_originality(reports):
    planted, paragraph, _ = _plant(reports, source=0, target=2)
    reuse = lg.find_reuse(planted)
    orig = lg.originality(reuse, planted).set_index("doc_id")
    assert orig.columns.tolist() == [
        "label", "n_chars", "reused_chars", "reused_share", "originality", "n_partners"
    ]
    target = orig.loc[reports["doc_id"].iloc[2]]
    assert target.n_chars == len(planted["text"].iloc[2])
    assert target.reused_chars >= len(paragraph)
    assert target.originality == pytest.approx(1 - target.reused_chars / target.n_chars)
    # Overlapping passages count once: two pairs over the same span of report "a".
    reuse = pd.DataFrame({"doc_id_a": ["a", "a"], "doc_id_b": ["b", "c"], "start_a": [0, 5],
                          "end_a": [10, 12], "start_b": [0, 0], "end_b": [4, 4]})
    small = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "text": ["x" * 20, "y" * 8, "z" * 4, ""]})
    out = lg.originality(reuse, small).set_index("doc_id")
    assert out.loc["a", "reused_chars"] == 12 and out.loc["a", "n_partners"] == 2
    assert out.loc["c", "reused_share"] == 1.0 and out.loc["d", "reused_share"] == 0.0
    with pytest.raises(ValueError, match="pass the output of find_reuse"):
        lg.originality(reuse.drop(columns="end_b"), small)
    with pytest.raises(ValueError, match="reports needs a 'text' column"):
        lg.originality(reuse, small[["doc_id"]])


def test_find_reuse_ignores_enumeration_markers():
    units = pd.DataFrame({
        "doc_id": ["a", "b"],
        "text": ["（一）严格落实行政执法三项制度。", "总结：\n2.严格落实行政执法三项制度。"],
    })
    row = lg.find_reuse(units).iloc[0]
    # the passage starts after the marker: offset 3 in a ("（一）"), 4 + 2 = 6 in b
    assert (row.start_a, row.end_a, row.start_b, row.end_b) == (3, 16, 6, 19)
    assert row.text_a == row.text_b == "严格落实行政执法三项制度。" and row.kind == "exact"


def test_find_reuse_on_split_items_points_into_the_reports(reports):
    items = lg.split_items(lg.split_sections(reports))
    reuse = lg.find_reuse(items)
    texts = reports.set_index("doc_id")["text"]
    assert len(reuse) >= 2
    for row in reuse.itertuples():
        assert texts[row.doc_id_a][row.start_a : row.end_a] == row.text_a
        assert texts[row.doc_id_b][row.start_b : row.end_b] == row.text_b
