import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import sparse  # noqa: E402

import lawgov as lg  # noqa: E402
from lawgov import topics  # noqa: E402

# Three disjoint vocabularies: units drawn from one of them must separate into three topics.
VOCABS = {
    "A": [f"普法{i}" for i in range(12)],
    "B": [f"执法{i}" for i in range(12)],
    "C": [f"经费{i}" for i in range(12)],
}
PARTS = ["measures", "shortfalls"]
# Word frequencies within a vocabulary fall with rank, as in real text, so that a topic's
# top terms are well defined.
ZIPF = 1 / np.arange(1, 13) / (1 / np.arange(1, 13)).sum()


def make_dtm(tokens: pd.Series) -> lg.DocumentTermMatrix:
    """A DTM built directly with scikit-learn, so these tests need no other lawgov stage."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    vec = CountVectorizer(analyzer=lambda toks: toks)
    counts = sparse.csr_matrix(vec.fit_transform(tokens.tolist()))
    tfidf = sparse.csr_matrix(TfidfTransformer().fit_transform(counts))
    return lg.DocumentTermMatrix(tfidf, counts, pd.Index(tokens.index, name="unit_id"),
                                 vec.get_feature_names_out(), weighting="tfidf")


def planted(n_per_topic=20, vocabs=VOCABS, seed=7):
    """Units (table), tokens and DTM of units each drawn from one vocabulary."""
    rng = np.random.default_rng(seed)
    rows, toks = [], {}
    for name, vocab in vocabs.items():
        for i in range(n_per_topic):
            doc = f"doc{i % 4}"
            uid = f"{doc}:i{name}{i}"
            words = list(rng.choice(vocab, size=int(rng.integers(6, 11)), p=ZIPF))
            toks[uid] = words
            rows.append({"unit_id": uid, "doc_id": doc, "part": PARTS[i % 2],
                         "text": "".join(words), "n_chars": len("".join(words)),
                         "planted": name})
    units = pd.DataFrame(rows)
    tokens = pd.Series(toks, name="tokens").rename_axis("unit_id")
    return units, tokens, make_dtm(tokens)


@pytest.fixture(scope="module")
def data():
    return planted()


# ------------------------------------------------------------------ TopicModel


@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_same_data_and_seed_give_identical_results(data, method):
    _, _, dtm = data
    a = lg.TopicModel(method=method, n_topics=3, random_state=5).fit(dtm)
    b = lg.TopicModel(method=method, n_topics=3, random_state=5).fit(dtm)
    np.testing.assert_array_equal(a.components_, b.components_)
    pd.testing.assert_frame_equal(a.transform(dtm), b.transform(dtm))
    pd.testing.assert_frame_equal(a.describe(), b.describe())


@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_planted_topics_separate(data, method):
    units, _, dtm = data
    model = lg.TopicModel(method=method, n_topics=3, random_state=0).fit(dtm)
    best = model.transform(dtm).idxmax(axis=1)
    planted_of = units.set_index("unit_id")["planted"]
    # Each planted vocabulary maps to exactly one topic, and different ones to different.
    mapping = pd.crosstab(planted_of.loc[best.index], best)
    assert (mapping > 0).sum(axis=1).tolist() == [1, 1, 1]
    assert (mapping > 0).sum(axis=0).tolist() == [1, 1, 1]
    # And each topic's top terms come from one vocabulary.
    for _, terms in model.top_terms(5).groupby("topic")["term"]:
        assert len({t[:2] for t in terms}) == 1


def test_transform_shape_labels_and_row_sums(data):
    _, _, dtm = data
    model = lg.TopicModel(n_topics=4).fit(dtm)
    shares = model.transform(dtm)
    assert shares.shape == (dtm.shape[0], 4)
    assert list(shares.columns) == ["T01", "T02", "T03", "T04"]
    assert shares.columns.name == "topic" and shares.index.name == "unit_id"
    assert list(shares.index) == list(dtm.row_ids)
    np.testing.assert_allclose(shares.dropna().sum(axis=1), 1.0)
    assert model.components_.shape == (4, dtm.shape[1])
    np.testing.assert_allclose(model.components_.sum(axis=1), 1.0)
    assert list(model.get_feature_names_out()) == ["T01", "T02", "T03", "T04"]


def test_topics_numbered_by_decreasing_corpus_weight():
    _, few, _ = planted(n_per_topic=10, vocabs={"A": VOCABS["A"]})
    _, many, _ = planted(n_per_topic=30, vocabs={"B": VOCABS["B"]})
    model = lg.TopicModel(n_topics=2).fit(make_dtm(pd.concat([few, many])))
    # Vocabulary B has three times the units of A, so it is T01.
    assert set(model.top_terms(3).query("topic == 'T01'")["term"].str[:2]) == {"执法"}
    weights = model.describe(n_examples=1).drop_duplicates("topic")["weight"].tolist()
    assert weights[0] > weights[1]
    assert sum(weights) == pytest.approx(1.0)


def test_fitting_leaves_the_matrix_untouched(data):
    _, _, dtm = data
    counts, matrix = dtm.counts.copy(), dtm.matrix.copy()
    for method in ("nmf", "lda"):
        lg.TopicModel(method=method, n_topics=3).fit(dtm)
    assert (dtm.counts != counts).nnz == 0 and (dtm.matrix != matrix).nnz == 0
    np.testing.assert_array_equal(dtm.counts.indices, counts.indices)


def test_unit_without_terms_gets_nan_row(data):
    _, _, dtm = data
    model = lg.TopicModel(n_topics=3).fit(dtm)
    empty = sparse.csr_matrix((1, dtm.shape[1]))
    shares = model.transform(empty, feature_names=dtm.feature_names, row_ids=["blank"])
    assert shares.loc["blank"].isna().all()


def test_transform_aligns_vocabularies_by_term(data):
    _, _, dtm = data
    model = lg.TopicModel(n_topics=3).fit(dtm)
    # Columns reversed plus an unknown term: same shares as the original order.
    names = list(dtm.feature_names[::-1]) + ["未见词"]
    matrix = sparse.hstack([dtm.matrix[:, ::-1], sparse.csr_matrix((dtm.shape[0], 1))])
    shuffled = model.transform(sparse.csr_matrix(matrix), feature_names=names,
                               row_ids=dtm.row_ids)
    pd.testing.assert_frame_equal(shuffled, model.transform(dtm), check_exact=False)


def test_fit_on_one_part(data):
    units, _, dtm = data
    model = lg.TopicModel(n_topics=3, part="shortfalls").fit(dtm, units=units)
    expected = units.loc[units["part"] == "shortfalls", "unit_id"].tolist()
    assert list(model.doc_topic_.index) == expected
    assert len(model.transform(dtm, units=units)) == len(expected)
    both = lg.TopicModel(n_topics=3, part=["shortfalls", "measures"]).fit(dtm, units=units)
    assert len(both.doc_topic_) == len(units)


def test_part_selection_recomputes_tfidf_over_the_selected_units(data):
    units, tokens, dtm = data
    ids = units.loc[units["part"] == "shortfalls", "unit_id"]
    own = make_dtm(tokens[ids])
    selected = lg.TopicModel(n_topics=3, part="shortfalls").fit(dtm, units=units)
    alone = lg.TopicModel(n_topics=3).fit(own)
    np.testing.assert_array_equal(selected.feature_names_, own.feature_names)
    np.testing.assert_allclose(selected.components_, alone.components_)
    a = lg.cluster_units(dtm, units=units, part="shortfalls", n_clusters=3)
    b = lg.cluster_units(own, n_clusters=3)
    pd.testing.assert_series_equal(a.labels, b.labels)


def test_describe_gives_terms_weight_and_quoted_examples(data):
    units, _, dtm = data
    long_text = units.assign(text=units["text"] + "，" + "很长的说明" * 30)
    model = lg.TopicModel(n_topics=3).fit(dtm)
    table = model.describe(long_text, n_terms=4, n_examples=2)
    assert list(table.columns) == ["topic", "weight", "top_terms", "rank", "unit_id",
                                   "doc_id", "share", "quote"]
    assert len(table) == 6
    assert table.drop_duplicates("topic")["weight"].sum() == pytest.approx(1.0)
    assert table["top_terms"].str.count("、").eq(3).all()
    planted_of = units.set_index("unit_id")["planted"]
    for _, rows in table.groupby("topic"):
        assert planted_of.loc[rows["unit_id"]].nunique() == 1
    assert (table["doc_id"] == table["unit_id"].str.split(":").str[0]).all()
    assert table["quote"].str.len().eq(61).all() and table["quote"].str.endswith("…").all()
    assert model.describe(n_examples=1)["quote"].isna().all()


def test_topic_model_is_a_scikit_learn_estimator(data):
    from sklearn.base import clone

    model = lg.TopicModel(method="lda", n_topics=4, random_state=3)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "components_")
    assert "n_topics=4" in repr(model)
    assert model.fit(data[2]) is model


def test_topic_model_user_errors(data):
    units, _, dtm = data
    with pytest.raises(ValueError, match="method must be one of 'nmf', 'lda'"):
        lg.TopicModel(method="lsa").fit(dtm)
    with pytest.raises(ValueError, match="n_topics must be a positive integer"):
        lg.TopicModel(n_topics=0).fit(dtm)
    with pytest.raises(ValueError, match="max_iter must be"):
        lg.TopicModel(max_iter=0).fit(dtm)
    with pytest.raises(ValueError, match="part=.* needs the unit table"):
        lg.TopicModel(part="shortfalls").fit(dtm)
    with pytest.raises(ValueError, match="part must be None, one of"):
        lg.TopicModel(part="shortfall").fit(dtm, units=units)
    with pytest.raises(ValueError, match="needs a 'part' column"):
        lg.TopicModel(part="shortfalls").fit(dtm, units=units.drop(columns="part"))
    with pytest.raises(ValueError, match="not fitted yet"):
        lg.TopicModel().transform(dtm)
    with pytest.raises(ValueError, match="needs feature_names"):
        lg.TopicModel().fit(dtm.counts)
    with pytest.raises(ValueError, match="non-negative"):
        lg.TopicModel(n_topics=2).fit(-dtm.counts, feature_names=dtm.feature_names)
    with pytest.raises(TypeError, match="DocumentTermMatrix"):
        lg.TopicModel().fit("text")
    with pytest.raises(ValueError, match="no parameter 'k'"):
        lg.TopicModel().set_params(k=3)


# ------------------------------------------------------------------ coherence, k selection


def toy_incidence(feature_names, docs):
    tokens = pd.Series(docs, index=[f"d{i}" for i in range(len(docs))])
    counts = sparse.csr_matrix((len(docs), len(feature_names)))
    dtm = lg.DocumentTermMatrix(counts, counts, pd.Index(tokens.index, name="unit_id"),
                                np.array(feature_names))
    return topics._incidence(tokens, dtm)


def test_npmi_and_umass_match_hand_computation():
    # d0: a b c | d1: a b | d2: a c | d3: b d   (N = 4)
    # D(a)=3 D(b)=3 D(c)=2 D(d)=1; D(a,b)=2 D(a,c)=2 D(b,c)=1 D(c,d)=0
    inc = toy_incidence(["a", "b", "c", "d"],
                        [["a", "b", "c"], ["a", "b"], ["a", "c", "c"], ["b", "d"]])
    eps = 1e-12
    npmi_ab = math.log((0.5 + eps) / (0.75 * 0.75)) / -math.log(0.5 + eps)   # -0.169925
    npmi_ac = math.log((0.5 + eps) / (0.75 * 0.5)) / -math.log(0.5 + eps)    # 0.415037
    npmi_bc = math.log((0.25 + eps) / (0.75 * 0.5)) / -math.log(0.25 + eps)  # -0.292481
    assert npmi_ab == pytest.approx(-0.169925, abs=1e-6)
    assert npmi_ac == pytest.approx(0.415037, abs=1e-6)
    assert npmi_bc == pytest.approx(-0.292481, abs=1e-6)
    # UMass, pairs (higher, lower) in the order a, b, c: log((D(a,b)+1)/D(a)) = log(3/3),
    # log((D(a,c)+1)/D(a)) = log(3/3), log((D(b,c)+1)/D(b)) = log(2/3)
    umass = (0 + 0 + math.log(2 / 3)) / 3
    npmi, um = topics._coherence(inc, np.array([0, 1, 2]))
    assert npmi == pytest.approx((-0.169925 + 0.415037 - 0.292481) / 3, abs=1e-6)
    assert um == pytest.approx(umass) and um == pytest.approx(-0.135155, abs=1e-6)
    # Never co-occurring: log(eps / (0.5 * 0.25)) / -log(eps) = -0.924743, Röder's epsilon.
    npmi, um = topics._coherence(inc, np.array([2, 3]))
    assert npmi == pytest.approx(-0.924743, abs=1e-6)
    assert um == pytest.approx(math.log(1 / 2))
    # Order matters for UMass only: d first gives log((0 + 1) / D(d)) = log(1) = 0.
    npmi_rev, um_rev = topics._coherence(inc, np.array([3, 2]))
    assert npmi_rev == pytest.approx(npmi) and um_rev == 0.0


def test_npmi_of_terms_in_every_unit_is_one_and_ngrams_are_found():
    inc = toy_incidence(["a", "b", "法治 建设"],
                        [["a", "b", "法治", "建设"], ["b", "a"], ["建设", "法治", "a", "b"]])
    npmi, um = topics._coherence(inc, np.array([0, 1]))
    assert npmi == 1.0 and um == pytest.approx(math.log(4 / 3))
    assert inc[:, 2].toarray().ravel().tolist() == [1.0, 0.0, 0.0]


def test_select_n_topics_returns_planted_k(data):
    units, tokens, dtm = data
    table = lg.select_n_topics(dtm, tokens, candidates=range(2, 7), top_n=5)
    assert table.attrs["recommended_k"] == 3
    assert table.loc[table["recommended"], "k"].tolist() == [3]
    assert list(table.columns) == ["k", "npmi", "npmi_sd", "umass", "umass_sd", "stability",
                                   "score", "recommended"]
    assert table["k"].tolist() == [2, 3, 4, 5, 6]
    assert "highest mean of min-max normalised NPMI and stability" in table.attrs["rule"]
    assert "smaller k" in table.attrs["rule"]
    by_k = table.set_index("k")
    # Two topics merge two vocabularies, differently from seed to seed: unstable. More than
    # three split a vocabulary: less coherent.
    assert by_k.loc[3, "stability"] > by_k.loc[2, "stability"] + 0.1
    assert (by_k.loc[3, "npmi"] > by_k.loc[[4, 5, 6], "npmi"]).all()
    assert table["score"].between(0, 1).all()


def test_select_n_topics_is_deterministic_and_filters_parts(data):
    units, tokens, dtm = data
    a = lg.select_n_topics(dtm, tokens, candidates=[2, 3], units=units, part="shortfalls",
                           top_n=5)
    b = lg.select_n_topics(dtm, tokens, candidates=[2, 3], units=units, part="shortfalls",
                           top_n=5)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["n_units"] == (units["part"] == "shortfalls").sum()


def test_select_n_topics_with_lda_and_without_tokens(data):
    _, _, dtm = data
    table = lg.select_n_topics(dtm, candidates=[2, 3, 4], method="lda", top_n=5, max_iter=40)
    assert table.attrs["method"] == "lda"
    # LDA needs more text than 60 short units to find the planted k; merging two
    # vocabularies (k=2) must still look incoherent.
    assert table.set_index("k")["npmi"].idxmin() == 2
    assert table.attrs["recommended_k"] in (3, 4)


def test_select_n_topics_user_errors(data):
    units, tokens, dtm = data
    with pytest.raises(ValueError, match="at least two distinct seeds"):
        lg.select_n_topics(dtm, tokens, seeds=(1, 1))
    with pytest.raises(ValueError, match=r"candidates \[1, 99\] are out of range"):
        lg.select_n_topics(dtm, tokens, candidates=[1, 3, 99])
    with pytest.raises(ValueError, match="candidates is empty"):
        lg.select_n_topics(dtm, tokens, candidates=[])
    with pytest.raises(ValueError, match="top_n must be at least 2"):
        lg.select_n_topics(dtm, tokens, top_n=1)
    with pytest.raises(ValueError, match="sample_fraction must be in"):
        lg.select_n_topics(dtm, tokens, sample_fraction=0)
    with pytest.raises(ValueError, match="tokens has no entry for 1 unit"):
        lg.select_n_topics(dtm, tokens.iloc[1:], candidates=[2])
    with pytest.raises(ValueError, match="method must be one of"):
        lg.select_n_topics(dtm, tokens, method="hdp")


def test_plot_k_selection_returns_figure(data):
    _, tokens, dtm = data
    table = lg.select_n_topics(dtm, tokens, candidates=[2, 3], top_n=4)
    lg.set_theme(prefer="packaged")
    fig = lg.plot_k_selection(table)
    assert isinstance(fig, matplotlib.figure.Figure) and len(fig.axes) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="must come from select_n_topics"):
        lg.plot_k_selection(table.drop(columns="stability"))


# ------------------------------------------------------------------ clustering


@pytest.mark.parametrize("method", ["kmeans", "agglomerative"])
def test_cluster_units_recovers_planted_clusters_and_k(data, method):
    units, _, dtm = data
    result = lg.cluster_units(dtm, method=method, units=units, k_range=range(2, 8))
    assert result.n_clusters == 3
    assert result.chosen_by.startswith("silhouette (cosine)") and "2..7" in result.chosen_by
    assert result.silhouette["k"].tolist() == list(range(2, 8))
    sil = result.silhouette.set_index("k")["silhouette"]
    assert sil.idxmax() == 3
    planted_of = units.set_index("unit_id")["planted"]
    table = pd.crosstab(planted_of.loc[result.labels.index], result.labels)
    assert ((table > 0).sum(axis=1) == 1).all() and ((table > 0).sum(axis=0) == 1).all()
    assert result.clusters["size"].tolist() == [20, 20, 20]
    assert result.clusters["n_reports"].tolist() == [4, 4, 4]
    for _, terms in result.terms.groupby("cluster")["term"]:
        assert len({t[:2] for t in terms}) == 1
    examples = result.examples
    assert list(examples.columns) == ["cluster", "rank", "unit_id", "doc_id", "similarity",
                                      "quote"]
    assert examples.groupby("cluster").size().tolist() == [3, 3, 3]
    assert examples["quote"].notna().all()
    assert examples.groupby("cluster")["similarity"].apply(
        lambda s: s.is_monotonic_decreasing).all()


def test_cluster_units_is_deterministic_and_respects_given_k(data):
    units, _, dtm = data
    a = lg.cluster_units(dtm, n_clusters=4, random_state=1)
    b = lg.cluster_units(dtm, n_clusters=4, random_state=1)
    pd.testing.assert_series_equal(a.labels, b.labels)
    assert a.n_clusters == 4 and a.chosen_by == "given" and len(a.silhouette) == 1
    # Clusters are numbered by decreasing size.
    assert a.clusters["size"].is_monotonic_decreasing


def test_cluster_units_on_topics_with_terms_from_dtm(data):
    units, _, dtm = data
    theta = lg.TopicModel(n_topics=3).fit(dtm).transform(dtm)
    theta.iloc[0] = np.nan
    result = lg.cluster_units(theta, dtm=dtm, units=units, part="shortfalls",
                              k_range=range(2, 6))
    assert result.n_clusters == 3
    assert result.labels.isna().sum() == (1 if units["part"].iloc[0] == "shortfalls" else 0)
    assert len(result.labels) == (units["part"] == "shortfalls").sum()
    for _, terms in result.terms.groupby("cluster")["term"]:
        assert len({t[:2] for t in terms}) == 1
    # Without dtm= the "terms" are the topics themselves.
    plain = lg.cluster_units(theta, n_clusters=3)
    assert set(plain.terms["term"]) <= {"T01", "T02", "T03"}


def test_cluster_units_user_errors(data):
    units, _, dtm = data
    with pytest.raises(ValueError, match="method must be one of 'kmeans', 'agglomerative'"):
        lg.cluster_units(dtm, method="dbscan")
    with pytest.raises(ValueError, match="no k in k_range"):
        lg.cluster_units(dtm, k_range=[500])
    with pytest.raises(ValueError, match="n_clusters must be a positive integer"):
        lg.cluster_units(dtm, n_clusters=0)
    with pytest.raises(ValueError, match="part=.* needs the unit table"):
        lg.cluster_units(dtm, part="shortfalls")
    with pytest.raises(TypeError, match="DocumentTermMatrix or a unit x topic DataFrame"):
        lg.cluster_units([[1, 0]])


# ------------------------------------------------------------------ prevalence and spread


@pytest.fixture()
def small():
    theta = pd.DataFrame({"T01": [0.8, 0.0, 1.0, 0.5, 0.3, np.nan],
                          "T02": [0.2, 1.0, 0.0, 0.5, 0.7, np.nan]},
                         index=["r1:i1", "r1:i2", "r2:i1", "r3:i1", "r1:i3", "r2:i2"])
    items = pd.DataFrame({
        "unit_id": ["r1:i1", "r1:i2", "r2:i1", "r3:i1", "r1:i3", "r2:i2"],
        "doc_id": ["r1", "r1", "r2", "r3", "r1", "r2"],
        "part": ["shortfalls", "shortfalls", "shortfalls", "shortfalls", "plans",
                 "shortfalls"],
        "n_chars": [100, 300, 50, 10, 1000, 40],
    })
    reports = pd.DataFrame({"doc_id": ["r1", "r2", "r3"],
                            "province": ["江苏省", "河南省", None]})
    return theta, items, reports


def test_prevalence_is_weighted_by_unit_length(small):
    theta, items, reports = small
    prev = lg.topic_prevalence(theta, items, reports, by="province", part="shortfalls")
    assert list(prev.columns) == ["province", "topic", "share", "n_units", "n_chars"]
    got = prev.set_index(["province", "topic"])["share"]
    # 江苏省: r1:i1 (100 chars, 0.8/0.2) and r1:i2 (300, 0/1); r1:i3 is a plan, left out.
    assert got[("江苏省", "T01")] == pytest.approx(80 / 400)   # (100*0.8 + 300*0) / 400
    assert got[("江苏省", "T02")] == pytest.approx(320 / 400)  # (100*0.2 + 300*1) / 400
    # 河南省: r2:i1 only (r2:i2 has no topic mixture).
    assert got[("河南省", "T01")] == 1.0 and got[("河南省", "T02")] == 0.0
    assert got[("(unknown)", "T01")] == 0.5
    counts = prev.drop_duplicates("province").set_index("province")
    assert counts["n_units"].to_dict() == {"(unknown)": 1, "江苏省": 2, "河南省": 1}
    assert counts.loc["江苏省", "n_chars"] == 400
    # All parts, grouped by part as well: the plan item forms its own group.
    both = lg.topic_prevalence(theta, items, reports, by=("province", "part"))
    plan = both.query("part == 'plans'").set_index("topic")["share"]
    assert plan.to_dict() == pytest.approx({"T01": 0.3, "T02": 0.7})
    overall = lg.topic_prevalence(theta, items, by=())
    # (80 + 0 + 50 + 5 + 300) / (100 + 300 + 50 + 10 + 1000) = 435 / 1460
    assert overall.set_index("topic").loc["T01", "share"] == pytest.approx(435 / 1460)


def test_prevalence_of_clusters(small):
    _, items, reports = small
    labels = pd.Series(["C01", "C02", "C01", "C02", "C01", pd.NA],
                       index=items["unit_id"], name="cluster", dtype="string")
    prev = lg.topic_prevalence(labels, items, reports, by="province", part="shortfalls")
    got = prev.set_index(["province", "topic"])["share"]
    assert got[("江苏省", "C01")] == pytest.approx(100 / 400)
    assert got[("江苏省", "C02")] == pytest.approx(300 / 400)
    assert got[("河南省", "C01")] == 1.0


def test_prevalence_user_errors(small):
    theta, items, reports = small
    with pytest.raises(ValueError, match=r"grouping column\(s\) \['city'\]"):
        lg.topic_prevalence(theta, items, reports, by="city")
    with pytest.raises(ValueError, match="share no unit id"):
        lg.topic_prevalence(theta.rename(index=lambda i: "x" + i), items, by=())
    with pytest.raises(ValueError, match="'n_chars' or a 'text' column"):
        lg.topic_prevalence(theta, items.drop(columns="n_chars"), by=())
    with pytest.raises(TypeError, match="doc_topic must be"):
        lg.topic_prevalence([1, 2], items)


def test_spread_counts_groups_above_threshold():
    prev = pd.DataFrame({
        "province": ["江苏省", "河南省", "湖北省", "黑龙江省"] * 3,
        "topic": ["T01"] * 4 + ["T02"] * 4 + ["T03"] * 4,
        "share": [0.50, 0.40, 0.20, 0.45,
                  0.10, 0.50, 0.10, 0.05,
                  0.40, 0.10, 0.20, 0.50],
    })
    spread = lg.topic_spread(prev, threshold=0.3).set_index("topic")
    assert spread["n_groups"].to_dict() == {"T01": 3, "T02": 1, "T03": 2}
    assert spread["n_groups_total"].eq(4).all()
    # common_at 0.5 of 4 groups: 2 or more.
    assert spread["label"].to_dict() == {"T01": "common", "T02": "local", "T03": "common"}
    assert spread.loc["T01", "groups"] == "江苏省、河南省、黑龙江省"
    assert spread.loc["T02", "max_share"] == 0.5
    strict = lg.topic_spread(prev, threshold=0.3, common_at=1.0).set_index("topic")
    assert strict["label"].tolist() == ["local", "local", "local"]
    none = lg.topic_spread(prev, threshold=0.9).set_index("topic")
    assert none["label"].eq("absent").all()
    # Strictly above: T02 reaches 0.5 in 河南省 only; threshold 0 counts any share.
    assert lg.topic_spread(prev, threshold=0.5).set_index("topic").loc["T02", "n_groups"] == 0
    assert lg.topic_spread(prev, threshold=0)["n_groups"].eq(4).all()
    # Default threshold: 1 / 3 topics.
    default = lg.topic_spread(prev).set_index("topic")
    assert default["threshold"].eq(1 / 3).all()
    assert default["n_groups"].to_dict() == {"T01": 3, "T02": 1, "T03": 2}


def test_spread_within_parts():
    prev = pd.DataFrame({
        "province": ["江苏省", "河南省"] * 4,
        "part": ["measures"] * 4 + ["shortfalls"] * 4,
        "topic": ["T01", "T01", "T02", "T02"] * 2,
        "share": [0.9, 0.8, 0.1, 0.2, 0.1, 0.7, 0.9, 0.3],
    })
    spread = lg.topic_spread(prev, threshold=0.5)
    assert list(spread.columns[:2]) == ["part", "topic"]
    got = spread.set_index(["part", "topic"])["label"].to_dict()
    assert got == {("measures", "T01"): "common", ("measures", "T02"): "absent",
                   ("shortfalls", "T01"): "local", ("shortfalls", "T02"): "local"}
    only = lg.topic_spread(prev, threshold=0.5, part="shortfalls")
    assert only["part"].eq("shortfalls").all() and len(only) == 2
    with pytest.raises(ValueError, match="prevalence needs columns"):
        lg.topic_spread(prev, by="city")
    with pytest.raises(ValueError, match="common_at must be in"):
        lg.topic_spread(prev, common_at=0)
    with pytest.raises(ValueError, match="needs a 'part' column"):
        lg.topic_spread(prev.drop(columns="part"), part="shortfalls")


def test_plot_topic_prevalence_returns_heatmap(small):
    theta, items, reports = small
    prev = lg.topic_prevalence(theta, items, reports)
    lg.set_theme(prefer="packaged")
    fig = lg.plot_topic_prevalence(prev, part="shortfalls")
    assert isinstance(fig, matplotlib.figure.Figure)
    assert len(fig.axes[0].get_yticklabels()) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="must come from topic_prevalence"):
        lg.plot_topic_prevalence(prev.drop(columns="share"))


# ------------------------------------------------------------------ the sample corpus

@pytest.fixture(scope="module")
def sample(reports):
    items = lg.split_items(lg.split_sections(reports))
    tokens = lg.tokenize(items, cache_dir=False)
    return items, tokens, lg.build_dtm(tokens, weighting="tfidf")


def test_sample_shortfalls_cluster_into_recurring_themes(sample, reports):
    items, _, dtm = sample
    result = lg.cluster_units(dtm, units=items, part="shortfalls")
    shortfalls = items[items["part"] == "shortfalls"]
    assert result.labels.index.tolist() == shortfalls["unit_id"].tolist()
    assert result.chosen_by.startswith("silhouette")

    def cluster_of(snippet):
        hits = shortfalls.loc[shortfalls["text"].str.contains(snippet, regex=False), "unit_id"]
        assert len(hits) == 1, snippet
        return result.labels[hits.iloc[0]]

    # Themes read off tests/gold/shortfalls_gold.csv (hand coding of the same items).
    enforcement = {cluster_of(s) for s in ("基层执法能力有待提升", "执法规范化亟待强化",
                                           "执法部门处置问题习惯于简单化")}
    publicity = {cluster_of(s) for s in ("普法宣传实效性有待增强", "法治宣传力度有待加强",
                                         "专职普法工作人员较少")}
    awareness = {cluster_of(s) for s in ("个别单位对法治工作重视程度不够", "法治理念未普遍树立",
                                         "个别社干部对法治工作重视不够")}
    assert len(enforcement) == len(publicity) == len(awareness) == 1
    assert len(enforcement | publicity | awareness) == 3
    # Low awareness of the rule of law is the shortfall every province reports.
    prevalence = lg.topic_prevalence(result.labels, items, reports, by="province",
                                     part="shortfalls")
    spread = lg.topic_spread(prevalence).set_index("topic")
    assert spread.loc[awareness.pop(), "label"] == "common"


def test_sample_topics_are_chosen_and_described(sample, reports):
    items, tokens, dtm = sample
    table = lg.select_n_topics(dtm, tokens, candidates=range(2, 7))
    assert table["stability"].between(0, 1).all() and table["npmi"].between(-1, 1).all()
    k = table.attrs["recommended_k"]
    assert 2 <= k <= 6
    model = lg.TopicModel(n_topics=k).fit(dtm)
    description = model.describe(items, n_examples=2)
    assert description["doc_id"].isin(reports["doc_id"]).all()
    assert description["quote"].str.len().between(1, 61).all()
    prevalence = lg.topic_prevalence(model.transform(dtm), items, reports)
    assert set(prevalence["province"]) == set(reports["province"])
    sums = prevalence.groupby(["province", "part"])["share"].sum()
    np.testing.assert_allclose(sums, 1.0)
