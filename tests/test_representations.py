"""Tests of document-term matrices and top terms."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import lawgov as lg


@pytest.fixture()
def tokens():
    return pd.Series([["x", "x", "y"], ["x", "z"]], index=pd.Index(["a", "b"], name="unit_id"))


def test_tfidf_known_answer(tokens):
    dtm = lg.build_dtm(tokens)
    # By hand: n = 2 rows; df(x) = 2, df(y) = df(z) = 1; smoothed idf = ln((1 + n) / (1 + df)) + 1
    idf_x, idf_y = math.log(3 / 3) + 1, math.log(3 / 2) + 1  # 1.0 and 1.405465
    row_a = np.array([2 * idf_x, 1 * idf_y, 0.0])
    row_b = np.array([1 * idf_x, 0.0, 1 * idf_y])
    row_a, row_b = row_a / np.linalg.norm(row_a), row_b / np.linalg.norm(row_b)
    assert dtm.feature_names.tolist() == ["x", "y", "z"]
    np.testing.assert_allclose(dtm.matrix.toarray(), [row_a, row_b], rtol=1e-12)
    np.testing.assert_allclose(row_a, [0.818180, 0.574962, 0.0], atol=1e-6)
    assert dtm.counts.toarray().tolist() == [[2, 1, 0], [1, 0, 1]]
    assert dtm.row_ids.tolist() == ["a", "b"] and dtm.row_ids.name == "unit_id"
    assert dtm.weighting == "tfidf" and dtm.params["ngram_range"] == (1, 1)
    assert sparse.isspmatrix_csr(dtm.matrix) or isinstance(dtm.matrix, sparse.csr_matrix)


def test_sublinear_and_norm(tokens):
    dtm = lg.build_dtm(tokens, sublinear_tf=True, norm=None)
    # 1 + ln(2) for the two x of row a, idf(x) = 1
    assert dtm.matrix[0, 0] == pytest.approx(1 + math.log(2))


def test_count_and_binary(tokens):
    assert lg.build_dtm(tokens, weighting="count").matrix.toarray().tolist() == [
        [2, 1, 0], [1, 0, 1]
    ]
    binary = lg.build_dtm(tokens, weighting="binary")
    assert binary.matrix.toarray().tolist() == [[1, 1, 0], [1, 0, 1]]
    assert binary.counts.toarray().tolist() == [[2, 1, 0], [1, 0, 1]]


def test_ngrams_and_filters(tokens):
    dtm = lg.build_dtm(tokens, weighting="count", ngram_range=(1, 2))
    assert dtm.feature_names.tolist() == ["x", "x x", "x y", "x z", "y", "z"]
    assert lg.build_dtm(tokens, weighting="count", min_df=2).feature_names.tolist() == ["x"]
    assert lg.build_dtm(tokens, weighting="count", max_df=1).feature_names.tolist() == ["y", "z"]
    assert lg.build_dtm(tokens, weighting="count", max_features=1).feature_names.tolist() == ["x"]
    fixed = lg.build_dtm(tokens, weighting="count", vocabulary=["z", "x"])
    assert fixed.feature_names.tolist() == ["z", "x"]
    assert fixed.counts.toarray().tolist() == [[0, 2], [1, 1]]


def test_plain_lists_get_positional_ids():
    dtm = lg.build_dtm([["法治"], ["普法"]], weighting="count")
    assert dtm.row_ids.tolist() == ["0", "1"]


def test_hashing_keeps_counts(tokens):
    dtm = lg.build_dtm(tokens, weighting="count", hashing=2**18)
    assert dtm.shape == (2, 3)
    assert all(name.startswith("#") for name in dtm.feature_names)
    assert sorted(dtm.counts.toarray().sum(axis=0).tolist()) == [1, 1, 3]
    assert lg.build_dtm(tokens, weighting="count", hashing=2**18, min_df=2).shape == (2, 1)


def test_build_dtm_on_the_samples(reports):
    tokens = lg.tokenize(reports, cache_dir=False)
    dtm = lg.build_dtm(tokens, min_df=2)
    assert dtm.shape[0] == 5
    assert dtm.row_ids.tolist() == reports["doc_id"].tolist()
    assert "法律顾问" in set(dtm.feature_names)
    assert dtm.counts.sum() == sum(
        sum(1 for t in toks if t in set(dtm.feature_names)) for toks in tokens
    )


def test_build_dtm_errors(tokens):
    with pytest.raises(ValueError, match="weighting must be one of"):
        lg.build_dtm(tokens, weighting="bm25")
    with pytest.raises(ValueError, match="norm must be"):
        lg.build_dtm(tokens, norm="max")
    with pytest.raises(ValueError, match="ngram_range must satisfy"):
        lg.build_dtm(tokens, ngram_range=(2, 1))
    with pytest.raises(ValueError, match="pair of integers"):
        lg.build_dtm(tokens, ngram_range=3)
    with pytest.raises(ValueError, match="no term left"):
        lg.build_dtm(pd.Series([[], []], index=["a", "b"]))
    with pytest.raises(ValueError, match="no term left"):
        lg.build_dtm(tokens, hashing=1024, min_df=3)
    with pytest.raises(ValueError, match="hashing cannot"):
        lg.build_dtm(tokens, hashing=1024, max_features=2)
    with pytest.raises(TypeError, match="run lawgov.tokenize first"):
        lg.build_dtm(pd.Series(["法治 政府"], index=["a"]))


def test_top_terms_per_row_and_ties():
    tokens = pd.Series([["b", "a", "c", "c"], ["d"]], index=["r1", "r2"])
    dtm = lg.build_dtm(tokens, weighting="count")
    top = lg.top_terms(dtm, n=2)
    assert top.columns.tolist() == ["unit_id", "rank", "term", "weight", "count", "n_rows"]
    # c (2) first, then the tie a/b broken alphabetically
    assert top[top.unit_id == "r1"]["term"].tolist() == ["c", "a"]
    assert top[top.unit_id == "r2"][["term", "weight", "count"]].values.tolist() == [["d", 1.0, 1]]


def test_top_terms_by_group_of_a_reports_table(reports):
    tokens = lg.tokenize(reports, cache_dir=False)
    dtm = lg.build_dtm(tokens)
    top = lg.top_terms(dtm, n=3, by="province", groups=reports)
    assert top.columns[0] == "province"
    assert sorted(top["province"].unique()) == sorted(reports["province"].unique())
    assert (top.groupby("province").size() == 3).all()


def test_groups_for_items_come_from_their_report():
    # Rows of items ("<doc_id>:i<n>") find their group in a reports-level mapping.
    tokens = pd.Series([["x", "y"], ["x"], ["z"]], index=["d1:i1", "d1:i2", "d2:i1"])
    dtm = lg.build_dtm(tokens, weighting="count")
    reports = pd.DataFrame({"doc_id": ["d1", "d2"], "province": ["甲", "乙"], "text": ["", ""]})
    top = lg.top_terms(dtm, n=5, by="province", groups=reports)
    jia = top[top.province == "甲"].set_index("term")
    # group weight is the mean over its two rows: x (1 + 1) / 2, y (1 + 0) / 2
    assert jia.loc["x", "weight"] == 1.0 and jia.loc["y", "weight"] == 0.5
    assert jia.loc["x", "count"] == 2 and jia.loc["x", "n_rows"] == 2
    items = pd.DataFrame({"doc_id": ["d1", "d1", "d2"], "unit_id": ["d1:i1", "d1:i2", "d2:i1"],
                          "part": ["measures", "plans", "measures"], "text": ["", "", ""]})
    by_part = lg.top_terms(dtm, n=1, by="part", groups=items)
    assert by_part.set_index("part")["term"].to_dict() == {"measures": "x", "plans": "x"}
    series = lg.top_terms(dtm, n=1, groups=pd.Series({"d1": "甲"}))
    assert series["group"].tolist() == ["甲"]


def test_top_terms_errors(tokens):
    dtm = lg.build_dtm(tokens)
    with pytest.raises(ValueError, match="n must be a positive integer"):
        lg.top_terms(dtm, n=0)
    with pytest.raises(ValueError, match="needs groups"):
        lg.top_terms(dtm, by="province")
    with pytest.raises(ValueError, match="name the column"):
        lg.top_terms(dtm, groups=pd.DataFrame({"doc_id": ["a"], "province": ["甲"]}))
    with pytest.raises(ValueError, match="no column 'region'"):
        lg.top_terms(dtm, by="region", groups=pd.DataFrame({"doc_id": ["a"], "province": ["甲"]}))
    with pytest.raises(TypeError, match="groups must be a Series"):
        lg.top_terms(dtm, groups={"a": "甲"})
    with pytest.raises(TypeError, match="DocumentTermMatrix"):
        lg.top_terms(tokens)


def test_document_term_matrix_checks_shapes(tokens):
    dtm = lg.build_dtm(tokens)
    with pytest.raises(ValueError, match="row ids"):
        lg.DocumentTermMatrix(dtm.matrix, dtm.counts, dtm.row_ids[:1], dtm.feature_names)
    frame = dtm.to_frame(which="counts")
    assert frame.loc["a", "x"] == 2
