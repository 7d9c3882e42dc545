"""Topic models and clusters of units, with k chosen by corpus coherence and seed stability.

The research question behind this module: which practices and which shortfalls are common
to all regions, and which are local? The units are usually the items of
:func:`lawgov.split_items` (one shortfall item is one shortfall), represented by a
:class:`lawgov.DocumentTermMatrix`.

* :class:`TopicModel` fits NMF (on TF-IDF) or LDA (on counts) and describes each topic by its
  top terms, its weight in the corpus and its most representative units.
* :func:`select_n_topics` scores each candidate number of topics by coherence computed on the
  corpus itself (NPMI and UMass) and by stability across seeds, and recommends one.
* :func:`cluster_units` gives each unit one cluster (k-means or Ward), choosing k by
  silhouette when not told.
* :func:`topic_prevalence` and :func:`topic_spread` turn unit-level topics or clusters into the
  share of each topic per province (or any group) and the list of topics present in many
  groups ("common") or few ("local").

Every function takes ``part=`` to restrict the units to one part of the reports
(``"shortfalls"``), several parts (``["measures", "plans"]``) or all of them (``None``);
filtering needs the unit table, passed as ``units=``. When it filters the rows of a TF-IDF
matrix, TF-IDF is recomputed from the counts over the selected units (with the matrix's own
``norm``/``smooth_idf``/``sublinear_tf``): with idf from all items, the words that mark a
part (不够, 有待, 不足 in every shortfall) are rare overall, weigh most, and shortfalls would
group by phrasing instead of theme.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from ._units import unit_ids
from .representations import DocumentTermMatrix

__all__: list[str] = [
    "TopicModel",
    "select_n_topics",
    "cluster_units",
    "ClusterResult",
    "topic_prevalence",
    "topic_spread",
    "plot_k_selection",
    "plot_topic_prevalence",
]

PARTS = ("measures", "shortfalls", "duty", "plans", "other", "preamble")
_METHODS = ("nmf", "lda")
_CLUSTER_METHODS = ("kmeans", "agglomerative")
# Röder et al. (2015) add this to joint probabilities so that log(0) never occurs.
NPMI_EPSILON = 1e-12
_QUOTE_CHARS = 60
_UNKNOWN_GROUP = "(unknown)"

PartSelection = str | Sequence[str] | None


# --------------------------------------------------------------------------- helpers


def _check_choice(name: str, value, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(
            f"{name} must be one of {', '.join(repr(a) for a in allowed)}, not {value!r}"
        )


def _normalise_parts(part: PartSelection) -> list[str] | None:
    if part is None:
        return None
    parts = [part] if isinstance(part, str) else list(part)
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise ValueError(
            f"part must be None, one of {', '.join(repr(p) for p in PARTS)} or a list of "
            f"them, not {part!r}"
        )
    return parts


def _ids_in_part(units: pd.DataFrame | None, part: PartSelection) -> pd.Index | None:
    """The unit ids of ``units`` whose part is selected, or None when no filter applies."""
    parts = _normalise_parts(part)
    if parts is None:
        return None
    if units is None:
        raise ValueError(
            f"part={part!r} needs the unit table to know each unit's part: pass units= "
            "(the sections or items table the matrix was built from)"
        )
    if "part" not in units.columns:
        raise ValueError(
            f"part={part!r} needs a 'part' column in units (from split_sections or "
            f"split_items); got columns {list(units.columns)}"
        )
    ids = unit_ids(units)
    return ids[units["part"].isin(parts).to_numpy()]


def _subset_rows(dtm: DocumentTermMatrix, keep: pd.Index, *, drop_empty_terms: bool = True
                 ) -> DocumentTermMatrix:
    """Rows of ``dtm`` whose id is in ``keep`` (in the DTM's order), optionally without the
    terms that then never occur."""
    mask = dtm.row_ids.isin(keep)
    rows = np.flatnonzero(mask)
    matrix = dtm.matrix[rows]
    counts = dtm.counts[rows]
    features = np.asarray(dtm.feature_names)
    if drop_empty_terms:
        cols = np.flatnonzero(np.asarray((counts != 0).sum(axis=0)).ravel()
                              + np.asarray((matrix != 0).sum(axis=0)).ravel())
        matrix, counts, features = matrix[:, cols], counts[:, cols], features[cols]
    return DocumentTermMatrix(
        matrix=sparse.csr_matrix(matrix), counts=sparse.csr_matrix(counts),
        row_ids=dtm.row_ids[rows], feature_names=features,
        weighting=dtm.weighting, params=dict(dtm.params),
    )


def _restrict_dtm(dtm: DocumentTermMatrix, units, part) -> DocumentTermMatrix:
    """The rows of the selected parts; TF-IDF is recomputed over them.

    Inverse document frequencies from all items make the words that merely mark a part
    (不够, 有待 in every shortfall) rare and heavy, so shortfalls would group by phrasing;
    idf over the selected units weighs them down and lets the themes decide.
    """
    keep = _ids_in_part(units, part)
    if keep is None:
        return dtm
    out = _subset_rows(dtm, keep)
    if out.shape[0] == 0:
        raise ValueError(f"no unit of the matrix belongs to part={part!r}")
    if out.weighting != "tfidf":
        return out
    from sklearn.feature_extraction.text import TfidfTransformer

    params = dtm.params
    matrix = TfidfTransformer(
        norm=params.get("norm", "l2"), smooth_idf=params.get("smooth_idf", True),
        sublinear_tf=params.get("sublinear_tf", False),
    ).fit_transform(_own_float(out.counts))
    return DocumentTermMatrix(sparse.csr_matrix(matrix), out.counts, out.row_ids,
                              out.feature_names, weighting="tfidf",
                              params={**params, "tfidf_refit_on_part": part})


def _doc_id_of(unit_id: str) -> str:
    # Section and item ids are f"{doc_id}:s..." / f"{doc_id}:i..."; a report's id is its doc_id.
    return unit_id.rsplit(":", 1)[0] if ":" in unit_id else unit_id


def _quote(text, width: int = _QUOTE_CHARS):
    if text is None or (np.isscalar(text) and pd.isna(text)) or text is pd.NA:
        return pd.NA
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[:width] + "…"


def _unit_lookup(units: pd.DataFrame | None) -> pd.DataFrame | None:
    """doc_id and text of each unit, indexed by unit id."""
    if units is None:
        return None
    ids = unit_ids(units)
    cols = {}
    cols["doc_id"] = (units["doc_id"].astype(str).to_numpy() if "doc_id" in units.columns
                      else [_doc_id_of(i) for i in ids])
    cols["text"] = units["text"].to_numpy() if "text" in units.columns else pd.NA
    return pd.DataFrame(cols, index=ids)


def _example_columns(ids: Sequence[str], lookup: pd.DataFrame | None) -> tuple[list, list]:
    if lookup is None:
        return [_doc_id_of(i) for i in ids], [pd.NA] * len(ids)
    doc_ids, quotes = [], []
    for i in ids:
        if i in lookup.index:
            doc_ids.append(lookup.at[i, "doc_id"])
            quotes.append(_quote(lookup.at[i, "text"]))
        else:
            doc_ids.append(_doc_id_of(i))
            quotes.append(pd.NA)
    return doc_ids, quotes


def _topic_labels(n: int, prefix: str = "T") -> list[str]:
    width = max(2, len(str(n)))
    return [f"{prefix}{i + 1:0{width}d}" for i in range(n)]


def _tfidf(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    from sklearn.feature_extraction.text import TfidfTransformer

    return sparse.csr_matrix(TfidfTransformer().fit_transform(_own_float(counts)))


def _own_float(matrix) -> sparse.csr_matrix:
    """A float CSR copy that shares no array with ``matrix``.

    ``csr_matrix(m, dtype=float)`` copies the data but can share the index arrays, and
    scikit-learn sorts indices in place: the caller's matrix would be scrambled.
    """
    out = sparse.csr_matrix(matrix, dtype=float, copy=True)
    out.indices = out.indices.copy()
    out.indptr = out.indptr.copy()
    out.sort_indices()
    return out


def _top_indices(weights: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` largest positive weights, largest first, ties in column order."""
    order = np.argsort(-weights, kind="stable")[:n]
    return order[weights[order] > 0]


# --------------------------------------------------------------------------- TopicModel


class TopicModel:
    """A topic model of units (NMF or LDA), as a scikit-learn style estimator.

    Parameters are only stored here; they are checked by :meth:`fit`. The estimator follows
    the scikit-learn conventions (``get_params``/``set_params``, ``fit`` returns ``self``,
    learned state ends in ``_``) without importing scikit-learn when lawgov is imported.

    Parameters
    ----------
    method : {"nmf", "lda"}
        ``"nmf"``: non-negative matrix factorisation of the TF-IDF matrix (the DTM's
        ``matrix`` when its weighting is ``"tfidf"``, otherwise TF-IDF computed from its
        counts), Frobenius loss, coordinate descent. ``"lda"``: latent Dirichlet allocation
        (batch variational Bayes) on the raw ``counts``.
    n_topics : int
        Number of topics k (at least 1).
    random_state : int
        Seed of the initialisation. NMF's default NNDSVDa start is deterministic, so the seed
        only matters for LDA and for ``init="random"``.
    max_iter : int or None
        Iteration limit; None means 1000 for NMF and 100 for LDA.
    init : str or None
        NMF initialisation passed to :class:`sklearn.decomposition.NMF` (None: NNDSVDa when
        k <= min(units, terms), else random). Ignored by LDA.
    alpha_W, alpha_H, l1_ratio : float, float or "same", float
        NMF regularisation (scikit-learn's names): ``l1_ratio=1`` with ``alpha_W > 0`` makes
        unit-topic weights sparse. Ignored by LDA.
    doc_topic_prior, topic_word_prior : float or None
        LDA's Dirichlet priors (None: 1/k). Ignored by NMF.
    part : str, list of str or None
        Fit on (and transform) only the units of these parts; needs ``units=`` in
        :meth:`fit` and :meth:`transform`.

    Attributes
    ----------
    components_ : numpy.ndarray, shape (n_topics, n_features)
        Topic-term weights, each row summing to 1.
    feature_names_ : numpy.ndarray
        The terms, one per column of ``components_``.
    topic_labels_ : list of str
        ``"T01"``, ``"T02"``, ...
    doc_topic_ : pandas.DataFrame
        Topic shares of the training units (as :meth:`transform` returns them).
    unit_lengths_ : pandas.Series
        In-vocabulary token count of each training unit (row sums of the matrix when fitted
        on a bare matrix): the weights of :meth:`describe`.
    model_ : sklearn.decomposition.NMF or LatentDirichletAllocation
        The fitted scikit-learn model (its components in the solver's order).
    order_ : numpy.ndarray
        The solver's topic index of each label: topics are numbered by decreasing weight
        in the corpus (see :meth:`describe`), so ``T01`` is the largest.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from scipy import sparse
    >>> import lawgov as lg
    >>> counts = sparse.csr_matrix(np.array([[2, 1, 0, 0], [1, 2, 0, 0],
    ...                                      [0, 0, 2, 1], [0, 0, 1, 2]]))
    >>> dtm = lg.DocumentTermMatrix(counts, counts, pd.Index(["a", "b", "c", "d"],
    ...     name="unit_id"), np.array(["普法", "宣传", "执法", "人员"]))
    >>> model = lg.TopicModel(n_topics=2).fit(dtm)
    >>> shares = model.transform(dtm)
    >>> best = shares.idxmax(axis=1)
    >>> best["a"] == best["b"] != best["c"] == best["d"]
    True
    >>> sorted(model.top_terms(2).groupby("topic")["term"].agg(set).map(sorted).tolist())
    [['人员', '执法'], ['宣传', '普法']]
    """

    def __init__(self, *, method: Literal["nmf", "lda"] = "nmf", n_topics: int = 10,
                 random_state: int = 0, max_iter: int | None = None, init: str | None = None,
                 alpha_W: float = 0.0, alpha_H: float | str = "same", l1_ratio: float = 0.0,
                 doc_topic_prior: float | None = None, topic_word_prior: float | None = None,
                 part: PartSelection = None):
        self.method = method
        self.n_topics = n_topics
        self.random_state = random_state
        self.max_iter = max_iter
        self.init = init
        self.alpha_W = alpha_W
        self.alpha_H = alpha_H
        self.l1_ratio = l1_ratio
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.part = part

    # scikit-learn's estimator protocol, so that sklearn.base.clone and grid searches work.
    @classmethod
    def _get_param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params) -> TopicModel:
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"TopicModel has no parameter {name!r} (valid: {valid})")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {n: p.default for n, p in inspect.signature(type(self).__init__)
                    .parameters.items() if n != "self"}
        shown = [f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults[k]]
        return f"TopicModel({', '.join(shown)})"

    # ------------------------------------------------------------------ input handling

    def _validate(self) -> None:
        _check_choice("method", self.method, _METHODS)
        if isinstance(self.n_topics, bool) or not isinstance(self.n_topics, (int, np.integer)) \
                or self.n_topics < 1:
            raise ValueError(f"n_topics must be a positive integer, not {self.n_topics!r}")
        if self.max_iter is not None and (not isinstance(self.max_iter, (int, np.integer))
                                          or self.max_iter < 1):
            raise ValueError(f"max_iter must be a positive integer or None, not {self.max_iter!r}")
        _normalise_parts(self.part)

    def _input(self, X, *, units, feature_names, row_ids):
        """(matrix the model sees, raw counts or None, row ids, feature names)."""
        if isinstance(X, DocumentTermMatrix):
            dtm = _restrict_dtm(X, units, self.part)
            if self.method == "lda":
                matrix = dtm.counts
            else:
                matrix = dtm.matrix if dtm.weighting == "tfidf" else _tfidf(dtm.counts)
            return _own_float(matrix), dtm.counts, dtm.row_ids, \
                np.asarray(dtm.feature_names)
        if isinstance(X, pd.DataFrame):
            matrix = sparse.csr_matrix(X.to_numpy(dtype=float))
            feature_names = X.columns if feature_names is None else feature_names
            row_ids = X.index if row_ids is None else row_ids
        elif sparse.issparse(X) or isinstance(X, np.ndarray):
            matrix = _own_float(X)
        else:
            raise TypeError(
                "X must be a lawgov.DocumentTermMatrix, a scipy sparse matrix, a numpy array "
                f"or a DataFrame, not {type(X).__name__}"
            )
        n_rows, n_cols = matrix.shape
        if feature_names is None:
            raise ValueError("a bare matrix needs feature_names= (one term per column)")
        feature_names = np.asarray(feature_names, dtype=object)
        if len(feature_names) != n_cols:
            raise ValueError(f"{len(feature_names)} feature_names for {n_cols} columns")
        row_ids = (pd.Index([str(i) for i in range(n_rows)], name="unit_id") if row_ids is None
                   else pd.Index(row_ids, name="unit_id").astype(str))
        if len(row_ids) != n_rows:
            raise ValueError(f"{len(row_ids)} row_ids for {n_rows} rows")
        if matrix.nnz and matrix.data.min() < 0:
            raise ValueError("topic models need a non-negative matrix (counts or TF-IDF)")
        keep = _ids_in_part(units, self.part)
        if keep is not None:
            rows = np.flatnonzero(row_ids.isin(keep))
            matrix, row_ids = matrix[rows], row_ids[rows]
        return matrix, None, row_ids, feature_names

    def _estimator(self):
        if self.method == "nmf":
            from sklearn.decomposition import NMF

            return NMF(n_components=self.n_topics, init=self.init, solver="cd",
                       beta_loss="frobenius", max_iter=self.max_iter or 1000,
                       random_state=self.random_state, alpha_W=self.alpha_W,
                       alpha_H=self.alpha_H, l1_ratio=self.l1_ratio)
        from sklearn.decomposition import LatentDirichletAllocation

        return LatentDirichletAllocation(
            n_components=self.n_topics, learning_method="batch",
            max_iter=self.max_iter or 100, random_state=self.random_state,
            doc_topic_prior=self.doc_topic_prior, topic_word_prior=self.topic_word_prior,
        )

    def _shares(self, weights: np.ndarray, row_ids: pd.Index) -> pd.DataFrame:
        totals = weights.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(totals > 0, weights / np.where(totals > 0, totals, 1.0), np.nan)
        return pd.DataFrame(shares, index=pd.Index(row_ids, name="unit_id"),
                            columns=pd.Index(self.topic_labels_, name="topic"))

    # ------------------------------------------------------------------ estimator API

    def fit(self, X, y=None, *, units: pd.DataFrame | None = None, feature_names=None,
            row_ids=None) -> TopicModel:
        """Fit the model.

        Parameters
        ----------
        X : DocumentTermMatrix, or sparse matrix / ndarray / DataFrame
            Units x terms. A bare matrix is used as given (counts for LDA, TF-IDF for NMF)
            and needs ``feature_names``; a DataFrame supplies them from its columns.
        y : ignored
        units : DataFrame, optional
            The unit table, needed when ``part`` is set.
        feature_names, row_ids : array-like, optional
            Labels of a bare matrix's columns and rows.

        Returns
        -------
        TopicModel
            ``self``, fitted.
        """
        self._validate()
        matrix, counts, ids, names = self._input(X, units=units, feature_names=feature_names,
                                                 row_ids=row_ids)
        n_units, n_terms = matrix.shape
        if n_units == 0 or n_terms == 0 or matrix.nnz == 0:
            raise ValueError(f"cannot fit topics on an empty matrix ({n_units} units x "
                             f"{n_terms} terms with {matrix.nnz} non-zero cells)")
        model = self._estimator()
        weights = model.fit_transform(matrix)
        lengths = np.asarray((counts if counts is not None else matrix).sum(axis=1)).ravel()
        # Topics are numbered by decreasing weight in the corpus (T01 the largest), so labels
        # do not depend on the solver's arbitrary order.
        totals = weights.sum(axis=1, keepdims=True)
        theta = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
        self.order_ = np.argsort(-(theta * lengths[:, None]).sum(axis=0), kind="stable")
        weights = weights[:, self.order_]
        comps = np.asarray(model.components_, dtype=float)[self.order_]
        sums = comps.sum(axis=1, keepdims=True)
        self.model_ = model
        self.components_ = np.divide(comps, sums, out=np.zeros_like(comps), where=sums > 0)
        self.feature_names_ = names
        self.n_features_in_ = n_terms
        self.topic_labels_ = _topic_labels(self.n_topics)
        self.doc_topic_ = self._shares(weights, ids)
        self.unit_lengths_ = pd.Series(lengths, index=pd.Index(ids, name="unit_id"),
                                       name="length")
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise ValueError("this TopicModel is not fitted yet: call fit(dtm) first")

    def transform(self, X, *, units: pd.DataFrame | None = None, feature_names=None,
                  row_ids=None) -> pd.DataFrame:
        """Topic shares of each unit.

        Terms the model did not see are ignored; terms of the model missing from ``X`` count
        as zero.

        Returns
        -------
        pandas.DataFrame
            One row per unit (index ``unit_id``), one float column per topic (``"T01"`` ...,
            columns named ``topic``): the unit's share of each topic, summing to 1 across the
            row. A unit without any weight on any topic (no in-vocabulary term) has NaN in
            every column rather than an invented mixture.
        """
        self._check_fitted()
        matrix, _, ids, names = self._input(X, units=units, feature_names=feature_names,
                                            row_ids=row_ids)
        if not np.array_equal(np.asarray(names, dtype=object),
                              np.asarray(self.feature_names_, dtype=object)):
            target = pd.Index(self.feature_names_).get_indexer(names)
            src = np.flatnonzero(target >= 0)
            move = sparse.csr_matrix((np.ones(len(src)), (np.arange(len(src)), target[src])),
                                     shape=(len(src), self.n_features_in_))
            matrix = sparse.csr_matrix(matrix[:, src] @ move)
        if matrix.shape[0] == 0:
            return self._shares(np.zeros((0, self.n_topics)), ids)
        return self._shares(self.model_.transform(matrix)[:, self.order_], ids)

    def fit_transform(self, X, y=None, **kwargs) -> pd.DataFrame:
        """Fit, then return the training units' topic shares (``doc_topic_``)."""
        return self.fit(X, y, **kwargs).doc_topic_.copy()

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The topic labels, the columns :meth:`transform` produces."""
        self._check_fitted()
        return np.asarray(self.topic_labels_, dtype=object)

    # ------------------------------------------------------------------ description

    def top_terms(self, n: int = 10) -> pd.DataFrame:
        """The highest-weighted terms of each topic, as a tidy table.

        Returns
        -------
        pandas.DataFrame
            One row per (topic, rank), topics in order, terms by decreasing weight:

            - ``topic`` (str): topic label ``"T01"`` ...
            - ``rank`` (int): 1 for the top term.
            - ``term`` (str)
            - ``weight`` (float): the term's share of the topic's term weights (a row of
              ``components_``, summing to 1 over all terms). Terms with zero weight are left
              out, so a topic can have fewer than ``n`` rows.
        """
        self._check_fitted()
        if n < 1:
            raise ValueError(f"n must be at least 1, not {n}")
        rows = []
        for label, weights in zip(self.topic_labels_, self.components_, strict=True):
            for rank, j in enumerate(_top_indices(weights, n), start=1):
                rows.append((label, rank, str(self.feature_names_[j]), float(weights[j])))
        return pd.DataFrame(rows, columns=["topic", "rank", "term", "weight"])

    def describe(self, units: pd.DataFrame | None = None, *, n_terms: int = 10,
                 n_examples: int = 3) -> pd.DataFrame:
        """Each topic with its top terms, its weight in the corpus and representative units.

        Parameters
        ----------
        units : DataFrame, optional
            The unit table the model was fitted on; gives each example its ``doc_id`` and a
            quote. Without it ``doc_id`` is read from the unit id and ``quote`` is NA.
        n_terms : int
            Top terms shown per topic.
        n_examples : int
            Representative units per topic: the training units with the highest share of the
            topic (ties broken by their absolute weight on it, so longer units first).

        Returns
        -------
        pandas.DataFrame
            One row per (topic, example), topics in order:

            - ``topic`` (str)
            - ``weight`` (float): the topic's share of the corpus, i.e. the unit shares
              weighted by each unit's in-vocabulary token count, summed over units, divided
              by all tokens; the weights of all topics sum to 1.
            - ``top_terms`` (str): the top terms joined by "、".
            - ``rank`` (int): 1 for the most representative unit (NA if none has any share).
            - ``unit_id`` (str), ``doc_id`` (str): the example unit and its report.
            - ``share`` (float): the unit's share of the topic.
            - ``quote`` (str): the unit's text, whitespace collapsed, cut to 60 characters
              with "…".

            With ``n_examples=0`` (or a topic no unit has any share of) a topic gets one row
            with NA example columns.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from scipy import sparse
        >>> import lawgov as lg
        >>> counts = sparse.csr_matrix(np.array([[3, 1, 0, 0], [0, 0, 1, 1]]))
        >>> dtm = lg.DocumentTermMatrix(counts, counts, pd.Index(["d1:i1", "d1:i2"],
        ...     name="unit_id"), np.array(["普法", "宣传", "执法", "人员"]))
        >>> items = pd.DataFrame({"unit_id": ["d1:i1", "d1:i2"], "doc_id": ["d1", "d1"],
        ...                       "text": ["普法宣传形式单一。", "执法人员不足。"]})
        >>> model = lg.TopicModel(n_topics=2).fit(dtm)
        >>> table = model.describe(items, n_terms=2, n_examples=1)
        >>> for row in table[["topic", "weight", "top_terms", "quote"]].values.tolist():
        ...     print(*row)
        T01 0.666... 普法、宣传 普法宣传形式单一。
        T02 0.333... 执法、人员 执法人员不足。
        """
        self._check_fitted()
        if n_examples < 0:
            raise ValueError(f"n_examples must be 0 or more, not {n_examples}")
        theta = self.doc_topic_
        valid = theta.notna().all(axis=1)
        lengths = self.unit_lengths_[valid]
        mass = theta[valid].mul(lengths, axis=0).sum(axis=0)
        total = mass.sum()
        weight = mass / total if total > 0 else mass * np.nan
        terms = self.top_terms(n_terms) if n_terms > 0 else pd.DataFrame(
            columns=["topic", "term"])
        joined = terms.groupby("topic", sort=False)["term"].agg("、".join)
        lookup = _unit_lookup(units)
        rows = []
        for label in self.topic_labels_:
            column = theta.loc[valid, label]
            order = pd.DataFrame({"share": column, "mass": column * lengths})
            order = order[order["share"] > 0].sort_values(["share", "mass"], ascending=False,
                                                          kind="stable")
            chosen = list(order.index[:n_examples])
            doc_ids, quotes = _example_columns(chosen, lookup)
            base = (label, float(weight[label]), joined.get(label, ""))
            if not chosen:
                rows.append((*base, pd.NA, pd.NA, pd.NA, np.nan, pd.NA))
            for rank, (uid, did, quote) in enumerate(zip(chosen, doc_ids, quotes, strict=True),
                                                     start=1):
                rows.append((*base, rank, uid, did, float(order.at[uid, "share"]), quote))
        out = pd.DataFrame(rows, columns=["topic", "weight", "top_terms", "rank", "unit_id",
                                          "doc_id", "share", "quote"])
        out["rank"] = out["rank"].astype("Int64")
        return out


# --------------------------------------------------------------------------- coherence


def _incidence(tokens: pd.Series | None, dtm: DocumentTermMatrix) -> sparse.csc_matrix:
    """Binary units x terms matrix: does the term occur in the unit's tokens?

    n-gram features (words joined by a space) count when the words occur consecutively.
    """
    if tokens is None:
        return sparse.csc_matrix((dtm.counts != 0).astype(float))
    if not isinstance(tokens, pd.Series):
        raise TypeError("tokens must be a pandas Series of token lists (from lawgov.tokenize)")
    tokens = tokens.copy()
    tokens.index = tokens.index.astype(str)
    missing = dtm.row_ids.difference(tokens.index)
    if len(missing):
        raise ValueError(
            f"tokens has no entry for {len(missing)} unit(s) of the matrix, e.g. "
            f"{list(missing[:3])}: pass the tokens the matrix was built from"
        )
    vocab = {str(term): j for j, term in enumerate(dtm.feature_names)}
    sizes = sorted({len(str(term).split(" ")) for term in dtm.feature_names} - {1})
    rows, cols = [], []
    for i, uid in enumerate(dtm.row_ids):
        toks = [str(t) for t in tokens.loc[uid]]
        present = set(toks)
        for n in sizes:
            present.update(" ".join(toks[k:k + n]) for k in range(len(toks) - n + 1))
        found = [vocab[t] for t in present if t in vocab]
        rows.extend([i] * len(found))
        cols.extend(found)
    return sparse.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=dtm.shape)


def _coherence(incidence: sparse.csc_matrix, top: np.ndarray) -> tuple[float, float]:
    """(NPMI, UMass) of one topic's top terms (ordered by weight), means over term pairs."""
    if len(top) < 2:
        return np.nan, np.nan
    n_units = incidence.shape[0]
    sub = incidence[:, top]
    co = np.asarray((sub.T @ sub).todense(), dtype=float)
    freq = np.diag(co)
    i, j = np.triu_indices(len(top), k=1)  # i ranks above j
    p_i, p_j, p_ij = freq[i] / n_units, freq[j] / n_units, co[i, j] / n_units
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.log((p_ij + NPMI_EPSILON) / (p_i * p_j)) / -np.log(p_ij + NPMI_EPSILON)
        # Both terms in every unit: perfect co-occurrence, Bouma's NPMI = 1 (the epsilon
        # form would give -1 there).
        npmi = np.where(p_ij >= 1.0, 1.0, npmi)
        npmi = np.where((p_i > 0) & (p_j > 0), npmi, np.nan)
        umass = np.where(freq[i] > 0, np.log((co[i, j] + 1.0) / freq[i]), np.nan)
    return float(np.nanmean(npmi)) if np.isfinite(npmi).any() else np.nan, \
        float(np.nanmean(umass)) if np.isfinite(umass).any() else np.nan


def _jaccard_match(a: list[set], b: list[set]) -> float:
    from scipy.optimize import linear_sum_assignment

    sim = np.array([[len(x & y) / len(x | y) if x | y else 0.0 for y in b] for x in a])
    r, c = linear_sum_assignment(sim, maximize=True)
    return float(sim[r, c].mean())


def _minmax(values: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    if not finite.any():
        return np.zeros_like(values)
    lo, hi = values[finite].min(), values[finite].max()
    if hi - lo <= 0:
        return np.where(finite, 0.0, np.nan)
    return (values - lo) / (hi - lo)


def _score_k(k, seeds, samples, incidence, method, top_n, max_iter) -> dict:
    """Coherence and stability of the k-topic models of every seed."""
    npmis, umasses, term_sets = [], [], []
    for seed in seeds:
        model = TopicModel(method=method, n_topics=k, random_state=seed,
                           max_iter=max_iter).fit(samples[seed])
        tops = [_top_indices(w, top_n) for w in model.components_]
        scores = np.array([_coherence(incidence, t) for t in tops])
        npmis.append(np.nanmean(scores[:, 0]) if np.isfinite(scores[:, 0]).any() else np.nan)
        umasses.append(np.nanmean(scores[:, 1]) if np.isfinite(scores[:, 1]).any() else np.nan)
        term_sets.append([set(t.tolist()) for t in tops])
    agreement = [_jaccard_match(a, b) for a, b in itertools.combinations(term_sets, 2)]
    return {
        "k": k,
        "npmi": float(np.mean(npmis)), "npmi_sd": float(np.std(npmis)),
        "umass": float(np.mean(umasses)), "umass_sd": float(np.std(umasses)),
        "stability": float(np.mean(agreement)),
    }


_K_RULE = ("recommended k: highest mean of min-max normalised NPMI and stability over the "
           "candidates (ties -> smaller k)")


def select_n_topics(dtm: DocumentTermMatrix, tokens: pd.Series | None = None, *,
                    candidates: Sequence[int] = range(2, 16), seeds: Sequence[int] = (0, 1, 2),
                    method: Literal["nmf", "lda"] = "nmf", top_n: int = 10,
                    sample_fraction: float = 0.8, units: pd.DataFrame | None = None,
                    part: PartSelection = None, max_iter: int | None = None) -> pd.DataFrame:
    r"""Score candidate numbers of topics by coherence and stability, and recommend one.

    For each k and each seed, a :class:`TopicModel` (``random_state=seed``) is fitted on a
    random subsample of ``sample_fraction`` of the units drawn with that seed; its topics are
    then judged by their ``top_n`` terms.

    **Coherence** is computed on the corpus itself (all selected units, not the subsample),
    from document co-occurrence: :math:`p(w)` is the fraction of units whose tokens contain
    *w*, :math:`p(w_i, w_j)` the fraction containing both.

    * NPMI (Bouma 2009; the C_NPMI measure of Röder, Both & Hinneburg 2015, with boolean
      document co-occurrence instead of a sliding window) averages over all pairs of top terms

      .. math:: \mathrm{NPMI}(w_i, w_j) =
         \frac{\log \frac{p(w_i, w_j) + \epsilon}{p(w_i)\,p(w_j)}}
              {-\log\,(p(w_i, w_j) + \epsilon)}, \qquad \epsilon = 10^{-12}

      (Röder et al.'s epsilon; a pair that never co-occurs therefore scores a little above
      -1; a pair present in every unit scores 1, Bouma's limit). Range [-1, 1], higher is
      more coherent.
    * UMass (Mimno, Wallach, Talley, Leenders & McCallum 2011) averages over pairs of top
      terms :math:`w_i` ranked above :math:`w_j`

      .. math:: \mathrm{UMass}(w_j, w_i) = \log \frac{D(w_i, w_j) + 1}{D(w_i)}

      with :math:`D` counting units (Mimno et al. sum over pairs; the mean makes values
      comparable across ``top_n``). At most 0 when pairs always co-occur; more negative is
      less coherent.

    A topic's coherence is the mean over its term pairs, a model's the mean over its topics,
    and the table gives the mean over seeds.

    **Stability** (Greene, O'Callaghan & Cunningham 2014) is the agreement between the
    models of different seeds: for each pair of seeds, topics are matched one-to-one by the
    Hungarian algorithm maximising the Jaccard similarity of their top-``top_n`` term sets,
    and the mean Jaccard of the matched pairs is that pair's agreement; stability is the
    mean over all pairs of seeds (1 = the same topics every time). Greene et al. compare
    subsample models to a full-data reference and average Jaccard over depths; here all
    seed pairs are compared at depth ``top_n``. NMF's default start is deterministic, so its
    variation between seeds comes from the subsamples; LDA also varies by initialisation.

    Parameters
    ----------
    dtm : DocumentTermMatrix
        Units x terms (see :class:`TopicModel` for which matrix each method uses).
    tokens : pandas.Series, optional
        Token lists of the units (from :func:`lawgov.tokenize`), indexed by unit id, for the
        co-occurrence counts. None: use the DTM's counts (a term is present when its count
        is positive).
    candidates : sequence of int
        The k to try, each between 2 and the number of units in a subsample.
    seeds : sequence of int
        At least two distinct seeds.
    method : {"nmf", "lda"}
    top_n : int
        Top terms per topic used for coherence and stability.
    sample_fraction : float
        Share of units in each seed's subsample, in (0, 1]. With 1 and NMF all seeds fit
        the same model and stability is 1 by construction.
    units : DataFrame, optional
        The unit table; needed with ``part``.
    part : str, list of str or None
        Restrict to the units of these parts.
    max_iter : int, optional
        Passed to :class:`TopicModel`.

    Returns
    -------
    pandas.DataFrame
        One row per candidate k, in increasing k:

        - ``k`` (int)
        - ``npmi``, ``npmi_sd`` (float): mean and standard deviation over seeds of the model
          NPMI coherence.
        - ``umass``, ``umass_sd`` (float): the same for UMass coherence.
        - ``stability`` (float): mean best-match Jaccard of top-term sets between seeds.
        - ``score`` (float): mean of the min-max normalised ``npmi`` and ``stability``
          (over the candidates; a constant column normalises to 0).
        - ``recommended`` (bool): True on the recommended k.

        ``table.attrs`` holds ``"recommended_k"`` (int), ``"rule"`` (str, the rule that
        chose it), and ``"method"``, ``"top_n"``, ``"seeds"``, ``"sample_fraction"``,
        ``"n_units"``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from scipy import sparse
    >>> import lawgov as lg
    >>> rows = [[1, 1, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0], [0, 1, 1, 0, 0, 0],
    ...         [0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 1, 1]] * 3
    >>> counts = sparse.csr_matrix(np.array(rows))
    >>> dtm = lg.DocumentTermMatrix(counts, counts,
    ...     pd.Index([f"u{i}" for i in range(18)], name="unit_id"),
    ...     np.array(["普法", "宣传", "培训", "执法", "人员", "经费"]))
    >>> table = lg.select_n_topics(dtm, candidates=[2, 3, 4], top_n=3)
    >>> table.attrs["recommended_k"]
    2
    """
    _check_choice("method", method, _METHODS)
    if not isinstance(dtm, DocumentTermMatrix):
        raise TypeError(f"dtm must be a lawgov.DocumentTermMatrix, not {type(dtm).__name__}")
    candidates = [int(k) for k in candidates]
    seeds = [int(s) for s in seeds]
    if len(set(seeds)) < 2:
        raise ValueError(f"seeds must hold at least two distinct seeds to measure stability, "
                         f"got {seeds!r}")
    if not candidates:
        raise ValueError("candidates is empty: give the numbers of topics to try, "
                         "e.g. range(2, 16)")
    if top_n < 2:
        raise ValueError(f"top_n must be at least 2 (coherence needs pairs), not {top_n}")
    if not 0 < sample_fraction <= 1:
        raise ValueError(f"sample_fraction must be in (0, 1], not {sample_fraction}")
    dtm = _restrict_dtm(dtm, units, part)
    n_units = dtm.shape[0]
    n_sample = max(1, int(round(sample_fraction * n_units)))
    bad = [k for k in candidates if k < 2 or k > min(n_sample, dtm.shape[1])]
    if bad:
        raise ValueError(
            f"candidates {bad} are out of range: each k must be between 2 and "
            f"{min(n_sample, dtm.shape[1])} (units per subsample {n_sample}, terms "
            f"{dtm.shape[1]}); e.g. candidates=range(2, {min(n_sample, dtm.shape[1]) + 1})"
        )
    incidence = _incidence(tokens, dtm)

    samples = {}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        rows = np.sort(rng.choice(n_units, size=n_sample, replace=False))
        samples[seed] = _subset_rows(dtm, dtm.row_ids[rows], drop_empty_terms=False)

    from threadpoolctl import threadpool_limits

    records = []
    # Many small factorisations run several times faster on one BLAS thread than with
    # threads competing for the cores (2.2 s instead of 13 s on the sample corpus).
    with threadpool_limits(limits=1):
        records = [_score_k(k, seeds, samples, incidence, method, top_n, max_iter)
                   for k in sorted(set(candidates))]
    table = pd.DataFrame(records)
    table["score"] = (_minmax(table["npmi"].to_numpy()) +
                      _minmax(table["stability"].to_numpy())) / 2
    score = table["score"].to_numpy()
    best = np.nanmax(score) if np.isfinite(score).any() else np.nan
    # Rows are in increasing k, so the first within rounding of the best is the smaller k.
    chosen = int(np.flatnonzero(np.isclose(score, best, rtol=0, atol=1e-12))[0]) \
        if np.isfinite(best) else 0
    table["recommended"] = np.arange(len(table)) == chosen
    table.attrs.update({
        "recommended_k": int(table.at[chosen, "k"]), "rule": _K_RULE, "method": method,
        "top_n": top_n, "seeds": tuple(seeds), "sample_fraction": sample_fraction,
        "n_units": n_units,
    })
    return table


def plot_k_selection(table: pd.DataFrame):
    """Draw NPMI, UMass and stability against k, marking the recommended k.

    Parameters
    ----------
    table : DataFrame
        The result of :func:`select_n_topics`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd, lawgov as lg
    >>> table = pd.DataFrame({"k": [2, 3, 4], "npmi": [0.1, 0.3, 0.2],
    ...                       "umass": [-1.2, -0.9, -1.0], "stability": [0.5, 0.9, 0.6],
    ...                       "recommended": [False, True, False]})
    >>> family = lg.set_theme()
    >>> fig = lg.plot_k_selection(table)
    >>> [ax.get_title() for ax in fig.axes]
    ['NPMI coherence', 'UMass coherence', 'Stability (Jaccard)']
    """
    needed = {"k", "npmi", "umass", "stability", "recommended"}
    if not needed <= set(table.columns):
        raise ValueError(f"table must come from select_n_topics (columns {sorted(needed)}); "
                         f"got {list(table.columns)}")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharex=True)
    best = table.loc[table["recommended"], "k"]
    panels = (("npmi", "npmi_sd", "NPMI coherence"), ("umass", "umass_sd", "UMass coherence"),
              ("stability", None, "Stability (Jaccard)"))
    for ax, (col, sd, title) in zip(axes, panels, strict=True):
        ax.plot(table["k"], table[col], marker="o")
        if sd in table.columns:
            ax.fill_between(table["k"], table[col] - table[sd], table[col] + table[sd],
                            alpha=0.2)
        for k in best:
            ax.axvline(k, color="C3", linestyle="--", linewidth=1)
        ax.set_title(title)
        ax.set_xlabel("k (number of topics)")
    if len(best):
        fig.suptitle(f"recommended k = {int(best.iloc[0])}", fontsize="medium")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- clustering


@dataclass(frozen=True)
class ClusterResult:
    """The result of :func:`cluster_units`.

    Attributes
    ----------
    labels : pandas.Series
        Cluster of each unit (index ``unit_id``, name ``cluster``, strings ``"C01"`` ...,
        numbered by decreasing size); NA for a unit with an all-zero (or NaN) row, which has
        no direction to cluster by.
    clusters : pandas.DataFrame
        One row per cluster: ``cluster`` (str), ``size`` (int, units), ``share`` (float,
        size / clustered units), ``n_reports`` (int, distinct doc_id), ``top_terms`` (str,
        joined by "、").
    terms : pandas.DataFrame
        One row per (cluster, rank): ``cluster``, ``rank`` (int, 1 = top), ``term`` (str),
        ``weight`` (float, the term's mean weight over the cluster's units, from the DTM
        rows L2-normalised; for a doc-topic input without ``dtm=`` the "terms" are topics
        and the weight their mean share).
    examples : pandas.DataFrame
        Representative units, closest to the cluster centroid: ``cluster``, ``rank``,
        ``unit_id``, ``doc_id``, ``similarity`` (float, cosine to the centroid), ``quote``
        (str, first 60 characters, NA without ``units``).
    silhouette : pandas.DataFrame
        ``k`` (int), ``silhouette`` (float, mean silhouette with cosine distance) for each k
        tried, or for the given k.
    n_clusters : int
    chosen_by : str
        How k was set: the silhouette rule with its range, or "given".
    method : str
    """

    labels: pd.Series
    clusters: pd.DataFrame
    terms: pd.DataFrame
    examples: pd.DataFrame
    silhouette: pd.DataFrame
    n_clusters: int
    chosen_by: str
    method: str


def _l2_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def _cluster_once(space: np.ndarray, k: int, method: str, random_state: int) -> np.ndarray:
    if method == "kmeans":
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=k, n_init=10, random_state=random_state).fit_predict(space)
    from sklearn.cluster import AgglomerativeClustering

    return AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(space)


def cluster_units(X, *, method: Literal["kmeans", "agglomerative"] = "kmeans",
                  n_clusters: int | None = None, k_range: Sequence[int] = range(2, 11),
                  random_state: int = 0, units: pd.DataFrame | None = None,
                  part: PartSelection = None, dtm: DocumentTermMatrix | None = None,
                  n_terms: int = 10, n_examples: int = 3) -> ClusterResult:
    """Give each unit one cluster, in TF-IDF space or topic space.

    Rows are L2-normalised first, so Euclidean k-means and Ward clustering follow cosine
    similarity (spherical k-means in effect). With ``n_clusters=None`` every k in
    ``k_range`` (between 2 and units - 1) is tried and the k with the highest mean
    silhouette (cosine distance) is chosen, ties going to the smaller k; the result says so
    in ``chosen_by`` and keeps the whole silhouette table.

    Parameters
    ----------
    X : DocumentTermMatrix or DataFrame
        A DTM (its ``matrix``, best TF-IDF) or a unit x topic DataFrame from
        :meth:`TopicModel.transform` (rows that are all NaN are left unclustered).
    method : {"kmeans", "agglomerative"}
        k-means (``n_init=10``, seeded) or agglomerative clustering with Ward linkage.
    n_clusters : int or None
        The number of clusters, or None to choose it by silhouette.
    k_range : sequence of int
        The k tried when ``n_clusters`` is None (those above units - 1 or above the number
        of distinct rows are skipped).
    random_state : int
        Seed of k-means.
    units : DataFrame, optional
        The unit table: filters by ``part`` and gives examples their doc_id and quote.
    part : str, list of str or None
        Restrict to the units of these parts (needs ``units``).
    dtm : DocumentTermMatrix, optional
        Where top terms come from when ``X`` is a doc-topic table (default: ``X`` itself
        when it is a DTM).
    n_terms, n_examples : int
        Top terms and representative units per cluster.

    Returns
    -------
    ClusterResult
        ``labels``, ``clusters``, ``terms``, ``examples``, ``silhouette``, ``n_clusters``,
        ``chosen_by``, ``method`` (columns documented on :class:`ClusterResult`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from scipy import sparse
    >>> import lawgov as lg
    >>> rows = np.array([[2, 1, 0, 0], [1, 2, 0, 0], [1, 1, 0, 0],
    ...                  [0, 0, 2, 1], [0, 0, 1, 2], [0, 0, 1, 1]])
    >>> dtm = lg.DocumentTermMatrix(sparse.csr_matrix(rows), sparse.csr_matrix(rows),
    ...     pd.Index(list("abcdef"), name="unit_id"), np.array(["普法", "宣传", "执法", "人员"]))
    >>> result = lg.cluster_units(dtm, k_range=range(2, 5))
    >>> result.n_clusters, result.labels.tolist()
    (2, ['C01', 'C01', 'C01', 'C02', 'C02', 'C02'])
    >>> result.chosen_by
    'silhouette (cosine): highest mean silhouette over k = 2..4, ties -> smaller k'
    """
    _check_choice("method", method, _CLUSTER_METHODS)
    if isinstance(X, DocumentTermMatrix):
        source = _restrict_dtm(X, units, part)
        ids = source.row_ids
        space = source.matrix.toarray().astype(float)
        term_dtm = _restrict_dtm(dtm, units, part) if dtm is not None else source
    elif isinstance(X, pd.DataFrame):
        keep = _ids_in_part(units, part)
        frame = X if keep is None else X[X.index.astype(str).isin(keep)]
        ids = pd.Index(frame.index.astype(str), name="unit_id")
        space = frame.to_numpy(dtype=float)
        term_dtm = _restrict_dtm(dtm, units, part) if dtm is not None else None
        if term_dtm is None:
            term_dtm = DocumentTermMatrix(
                sparse.csr_matrix(np.nan_to_num(space)), sparse.csr_matrix(np.nan_to_num(space)),
                ids, np.asarray(frame.columns.astype(str), dtype=object), weighting="topics")
    else:
        raise TypeError("X must be a lawgov.DocumentTermMatrix or a unit x topic DataFrame, "
                        f"not {type(X).__name__}")
    if n_clusters is not None and (isinstance(n_clusters, bool) or n_clusters < 1):
        raise ValueError(f"n_clusters must be a positive integer or None, not {n_clusters!r}")

    space = np.nan_to_num(space, nan=0.0)
    usable = np.linalg.norm(space, axis=1) > 0
    space = _l2_rows(space[usable])
    used_ids = ids[usable]
    n = len(used_ids)
    if n < 2:
        raise ValueError(f"need at least 2 units with non-zero rows to cluster, got {n}")

    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    # Small problems: threads cost more than they give (k-means over k = 2..10 on the
    # sample corpus takes 0.3 s on one thread, 4 s with threads competing for two cores).
    with threadpool_limits(limits=1):
        return _cluster(space, ids, usable, method, n_clusters, k_range, random_state,
                        silhouette_score, term_dtm, units, n_terms, n_examples)


def _cluster(space, ids, usable, method, n_clusters, k_range, random_state, silhouette_score,
             term_dtm, units, n_terms, n_examples) -> ClusterResult:
    used_ids = ids[usable]
    n = len(used_ids)

    def silhouette(labels: np.ndarray) -> float:
        n_labels = len(np.unique(labels))
        if not 2 <= n_labels <= n - 1:
            return np.nan
        return float(silhouette_score(space, labels, metric="cosine"))

    if n_clusters is None:
        # More clusters than distinct rows would only split identical units.
        n_distinct = len(np.unique(np.round(space, 12), axis=0))
        ks = sorted({int(k) for k in k_range if 2 <= int(k) <= min(n - 1, n_distinct)})
        if not ks:
            raise ValueError(
                f"no k in k_range={list(k_range)} lies between 2 and {min(n - 1, n_distinct)} "
                f"(units - 1, and distinct rows); pass a smaller k_range or n_clusters="
            )
        runs = {k: _cluster_once(space, k, method, random_state) for k in ks}
        sil = pd.DataFrame({"k": ks, "silhouette": [silhouette(runs[k]) for k in ks]})
        values = sil["silhouette"].to_numpy()
        if not np.isfinite(values).any():
            raise ValueError("silhouette is undefined for every k tried (identical rows?); "
                             "pass n_clusters=")
        best = np.nanmax(values)
        k = int(sil["k"].to_numpy()[np.flatnonzero(np.isclose(values, best, rtol=0,
                                                              atol=1e-12))[0]])
        raw = runs[k]
        chosen_by = (f"silhouette (cosine): highest mean silhouette over k = "
                     f"{ks[0]}..{ks[-1]}, ties -> smaller k")
    else:
        k = int(n_clusters)
        if k > n:
            raise ValueError(f"n_clusters={k} exceeds the {n} units with non-zero rows")
        raw = _cluster_once(space, k, method, random_state)
        sil = pd.DataFrame({"k": [k], "silhouette": [silhouette(raw)]})
        chosen_by = "given"

    # Number clusters by decreasing size (ties: first unit first) so labels do not depend
    # on the algorithm's arbitrary numbering.
    found = pd.Series(raw)
    order = sorted(found.unique(), key=lambda c: (-(found == c).sum(), int(np.argmax(raw == c))))
    names = dict(zip(order, _topic_labels(len(order), prefix="C"), strict=True))
    label_values = np.array([names[c] for c in raw], dtype=object)
    labels = pd.Series(pd.NA, index=pd.Index(ids, name="unit_id"), name="cluster",
                       dtype="string")
    labels[used_ids] = label_values

    # Top terms from the term source, rows L2-normalised like the clustering space.
    positions = term_dtm.row_ids.get_indexer(used_ids)
    if (positions < 0).any():
        raise ValueError("dtm= lacks some units of X: pass the DTM the topics were fitted on")
    term_rows = term_dtm.matrix[positions].toarray().astype(float)
    term_rows = _l2_rows(term_rows)
    lookup = _unit_lookup(units)
    doc_of = pd.Series([_doc_id_of(i) for i in used_ids], index=used_ids) if lookup is None \
        else pd.Series([lookup.at[i, "doc_id"] if i in lookup.index else _doc_id_of(i)
                        for i in used_ids], index=used_ids)
    cluster_rows, term_records, example_records = [], [], []
    for name in _topic_labels(len(order), prefix="C"):
        members = np.flatnonzero(label_values == name)
        mean_terms = term_rows[members].mean(axis=0)
        top = _top_indices(mean_terms, n_terms)
        top_names = [str(term_dtm.feature_names[j]) for j in top]
        term_records.extend((name, r, t, float(mean_terms[j]))
                            for r, (t, j) in enumerate(zip(top_names, top, strict=True), 1))
        centroid = _l2_rows(space[members].mean(axis=0, keepdims=True))[0]
        sims = space[members] @ centroid
        best_members = members[np.argsort(-sims, kind="stable")[:n_examples]]
        chosen = list(used_ids[best_members])
        doc_ids, quotes = _example_columns(chosen, lookup)
        example_records.extend(
            (name, r, uid, did, float(space[m] @ centroid), q)
            for r, (uid, did, q, m) in enumerate(zip(chosen, doc_ids, quotes, best_members,
                                                     strict=True), 1))
        cluster_rows.append((name, len(members), len(members) / n,
                             int(doc_of.iloc[members].nunique()), "、".join(top_names)))
    return ClusterResult(
        labels=labels,
        clusters=pd.DataFrame(cluster_rows, columns=["cluster", "size", "share", "n_reports",
                                                     "top_terms"]),
        terms=pd.DataFrame(term_records, columns=["cluster", "rank", "term", "weight"]),
        examples=pd.DataFrame(example_records, columns=["cluster", "rank", "unit_id", "doc_id",
                                                        "similarity", "quote"]),
        silhouette=sil,
        n_clusters=k,
        chosen_by=chosen_by,
        method=method,
    )


# --------------------------------------------------------------------------- prevalence


def _as_shares(doc_topic) -> pd.DataFrame:
    """Unit x topic shares; a Series of cluster labels becomes one-hot rows."""
    if isinstance(doc_topic, pd.Series):
        labels = doc_topic.dropna().astype(str)
        names = sorted(labels.unique())
        shares = pd.DataFrame(
            (labels.to_numpy()[:, None] == np.array(names)[None, :]).astype(float),
            index=labels.index, columns=names)
    elif isinstance(doc_topic, pd.DataFrame):
        shares = doc_topic.dropna(how="all").astype(float)
    else:
        raise TypeError("doc_topic must be a unit x topic DataFrame (TopicModel.transform) or "
                        "a Series of cluster labels (cluster_units(...).labels), not "
                        f"{type(doc_topic).__name__}")
    shares.index = pd.Index(shares.index.astype(str), name="unit_id")
    shares.columns = pd.Index([str(c) for c in shares.columns], name="topic")
    return shares


def topic_prevalence(doc_topic, units: pd.DataFrame, reports: pd.DataFrame | None = None, *,
                     by: str | Sequence[str] = ("province", "part"),
                     part: PartSelection = None) -> pd.DataFrame:
    r"""Share of each topic (or cluster) per group of units, weighted by unit length.

    For a group G of units u with lengths :math:`n_u` (characters) and topic shares
    :math:`\theta_{ut}`, the share of topic t is
    :math:`\sum_{u \in G} n_u \theta_{ut} / \sum_{u \in G} n_u`: the fraction of the group's
    text that is about t. For clusters, :math:`\theta_{ut}` is 1 for the unit's cluster, so
    the share is the fraction of the group's characters in that cluster.

    Parameters
    ----------
    doc_topic : DataFrame or Series
        Unit x topic shares (:meth:`TopicModel.transform`; all-NaN rows are skipped) or
        cluster labels (``cluster_units(...).labels``; NA skipped).
    units : DataFrame
        The unit table (sections or items): ``doc_id``, ``part``, ``n_chars`` (or ``text``
        to measure it) and any grouping column.
    reports : DataFrame, optional
        The reports table, joined on ``doc_id`` for grouping columns the units lack
        (``province``, ``city``, ``unit_level``, ``year`` ...).
    by : str or sequence of str
        Grouping columns; ``()`` gives one row per topic for all units together. Missing
        group values (an unresolved province) become ``"(unknown)"``.
    part : str, list of str or None
        Only units of these parts.

    Returns
    -------
    pandas.DataFrame
        One row per (group, topic), groups sorted:

        - one column per ``by`` entry (str or as in the source table)
        - ``topic`` (str): topic or cluster label
        - ``share`` (float): the length-weighted share above; sums to 1 over topics within
          a group
        - ``n_units`` (int): units in the group with a topic mixture
        - ``n_chars`` (int): their total length

    Examples
    --------
    >>> import pandas as pd, lawgov as lg
    >>> theta = pd.DataFrame({"T01": [1.0, 0.0], "T02": [0.0, 1.0]},
    ...                      index=["d1:i1", "d1:i2"])
    >>> items = pd.DataFrame({"unit_id": ["d1:i1", "d1:i2"], "doc_id": ["d1", "d1"],
    ...                       "part": ["shortfalls"] * 2, "n_chars": [30, 10]})
    >>> lg.topic_prevalence(theta, items, by="part")[["topic", "share"]].values.tolist()
    [['T01', 0.75], ['T02', 0.25]]
    """
    shares = _as_shares(doc_topic)
    by = [by] if isinstance(by, str) else list(by)
    if not isinstance(units, pd.DataFrame) or "doc_id" not in units.columns:
        raise ValueError("units must be the unit table (with a 'doc_id' column) of doc_topic")
    table = units.copy()
    table.index = unit_ids(units)
    if "n_chars" not in table.columns:
        if "text" not in table.columns:
            raise ValueError("units needs an 'n_chars' or a 'text' column to weight by length")
        table["n_chars"] = table["text"].astype(str).str.len()
    keep = _ids_in_part(units, part)
    if keep is not None:
        table = table[table.index.isin(keep)]
    if reports is not None:
        extra = [c for c in by if c not in table.columns and c in reports.columns]
        if extra:
            info = reports.drop_duplicates("doc_id").set_index("doc_id")[extra]
            info.index = info.index.astype(str)
            table = table.assign(**{c: table["doc_id"].astype(str).map(info[c]) for c in extra})
    missing = [c for c in by if c not in table.columns]
    if missing:
        have = sorted(set(table.columns) | (set(reports.columns) if reports is not None
                                            else set()))
        raise ValueError(f"grouping column(s) {missing} are in neither units nor reports "
                         f"(available: {have})")
    common = shares.index.intersection(table.index)
    if len(common) == 0:
        raise ValueError("doc_topic and units share no unit id: pass the unit table the "
                         "topics or clusters were computed on")
    shares = shares.loc[common]
    table = table.loc[common]
    weights = table["n_chars"].astype(float).to_numpy()
    topics = list(shares.columns)
    frame = pd.DataFrame(shares.to_numpy() * weights[:, None], columns=topics, index=common)
    frame["_n_chars"] = weights
    frame["_n_units"] = 1
    group_cols = []
    for col in by:
        values = table[col].astype(object).where(table[col].notna(), _UNKNOWN_GROUP)
        frame[col] = values.to_numpy()
        group_cols.append(col)
    if not group_cols:
        frame["_all"] = "all"
        group_cols = ["_all"]
    sums = frame.groupby(group_cols, sort=True, dropna=False).sum(numeric_only=True)
    long = sums[topics].div(sums["_n_chars"].where(sums["_n_chars"] > 0), axis=0)
    long.columns = pd.Index(topics, name="topic")
    out = long.stack(future_stack=True).rename("share").reset_index()
    meta = sums[["_n_units", "_n_chars"]].reset_index()
    out = out.merge(meta, on=group_cols, how="left").rename(
        columns={"_n_units": "n_units", "_n_chars": "n_chars"})
    out["n_units"] = out["n_units"].astype(int)
    out["n_chars"] = out["n_chars"].round().astype(int)
    if group_cols == ["_all"]:
        out = out.drop(columns="_all")
    return out[[*by, "topic", "share", "n_units", "n_chars"]]


def topic_spread(prevalence: pd.DataFrame, *, by: str = "province",
                 threshold: float | None = None, common_at: float = 0.5,
                 part: PartSelection = None) -> pd.DataFrame:
    """In how many groups each topic or cluster is present: common versus local.

    A topic is *present* in a group when its share there (from :func:`topic_prevalence`) is
    above ``threshold`` (``threshold=0``: wherever it has any share, e.g. any unit of the
    cluster). It is **common** when present in at least ``common_at`` of the
    groups (and in at least two), **local** when present in fewer but at least one, and
    **absent** otherwise. Other grouping columns of the prevalence table (``part``) are kept:
    the spread is computed within each of their values, so measures and shortfalls get their
    own lists.

    Parameters
    ----------
    prevalence : DataFrame
        The result of :func:`topic_prevalence` (works for cluster prevalence too).
    by : str
        The grouping column whose groups are counted (a province, a city, a report ...).
    threshold : float or None
        Presence threshold on ``share``; None means 1 / number of topics, the share every
        topic would have if all were equally prevalent.
    common_at : float
        Fraction of groups, in (0, 1], from which a topic is common.
    part : str, list of str or None
        Only rows of these parts (needs a ``part`` column).

    Returns
    -------
    pandas.DataFrame
        One row per (other grouping columns..., topic):

        - the other grouping columns, if any
        - ``topic`` (str)
        - ``n_groups`` (int): groups where the topic is present
        - ``n_groups_total`` (int): groups in the table (within the other columns' value)
        - ``groups`` (str): the groups where it is present, sorted, joined by "、"
        - ``max_share`` (float): its highest share in any group
        - ``label`` (str): "common", "local" or "absent"
        - ``threshold`` (float): the threshold used

    Examples
    --------
    >>> import pandas as pd, lawgov as lg
    >>> prev = pd.DataFrame({"province": ["江苏省"] * 2 + ["河南省"] * 2 + ["湖北省"] * 2,
    ...                      "topic": ["T01", "T02"] * 3,
    ...                      "share": [0.6, 0.4, 0.7, 0.3, 0.2, 0.8]})
    >>> lg.topic_spread(prev)[["topic", "n_groups", "label"]].values.tolist()
    [['T01', 2, 'common'], ['T02', 1, 'local']]
    """
    needed = {by, "topic", "share"}
    if not needed <= set(prevalence.columns):
        raise ValueError(f"prevalence needs columns {sorted(needed)} (from topic_prevalence "
                         f"with '{by}' in by=); got {list(prevalence.columns)}")
    if not 0 < common_at <= 1:
        raise ValueError(f"common_at must be in (0, 1], not {common_at}")
    table = prevalence
    parts = _normalise_parts(part)
    if parts is not None:
        if "part" not in table.columns:
            raise ValueError(f"part={part!r} needs a 'part' column in prevalence "
                             "(topic_prevalence(..., by=(..., 'part')))")
        table = table[table["part"].isin(parts)]
    others = [c for c in table.columns
              if c not in {by, "topic", "share", "n_units", "n_chars"}]
    if threshold is None:
        threshold = 1.0 / max(1, table["topic"].nunique())
    rows = []
    grouped = table.groupby(others, sort=True, dropna=False) if others else [((), table)]
    for key, chunk in grouped:
        key = key if isinstance(key, tuple) else (key,)
        total = chunk[by].nunique()
        for topic, sub in chunk.groupby("topic", sort=True):
            present = sorted(str(g) for g in sub.loc[sub["share"] > threshold, by].unique())
            n = len(present)
            if n == 0:
                label = "absent"
            elif n >= 2 and n >= common_at * total:
                label = "common"
            else:
                label = "local"
            rows.append((*key, topic, n, int(total), "、".join(present),
                         float(sub["share"].max()), label, float(threshold)))
    return pd.DataFrame(rows, columns=[*others, "topic", "n_groups", "n_groups_total",
                                       "groups", "max_share", "label", "threshold"])


def plot_topic_prevalence(prevalence: pd.DataFrame, *, part: PartSelection = None,
                          annot: bool = True, cmap: str = "Blues"):
    """Draw a prevalence table as a heatmap: groups as rows, topics as columns.

    Parameters
    ----------
    prevalence : DataFrame
        The result of :func:`topic_prevalence`; every column other than ``topic``,
        ``share``, ``n_units`` and ``n_chars`` is a grouping column (combined into one row
        label, e.g. "江苏省 · shortfalls").
    part : str, list of str or None
        Only rows of these parts.
    annot : bool
        Write the shares in the cells.
    cmap : str
        A matplotlib colour map.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd, lawgov as lg
    >>> prev = pd.DataFrame({"province": ["江苏省", "江苏省", "河南省", "河南省"],
    ...                      "topic": ["T01", "T02"] * 2, "share": [0.7, 0.3, 0.4, 0.6]})
    >>> family = lg.set_theme()
    >>> fig = lg.plot_topic_prevalence(prev)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['江苏省', '河南省']
    """
    if not {"topic", "share"} <= set(prevalence.columns):
        raise ValueError("prevalence must come from topic_prevalence (columns 'topic', "
                         f"'share'); got {list(prevalence.columns)}")
    table = prevalence
    parts = _normalise_parts(part)
    if parts is not None:
        if "part" not in table.columns:
            raise ValueError(f"part={part!r} needs a 'part' column in prevalence")
        table = table[table["part"].isin(parts)]
    groups = [c for c in table.columns if c not in {"topic", "share", "n_units", "n_chars"}]
    import matplotlib.pyplot as plt
    import seaborn as sns

    row = (table[groups].astype(str).agg(" · ".join, axis=1) if groups
           else pd.Series("all", index=table.index))
    grid = table.assign(_row=row.to_numpy()).pivot_table(
        index="_row", columns="topic", values="share", aggfunc="first", sort=True)
    grid.index.name = " · ".join(groups) if groups else ""
    width = max(4.0, 0.6 * grid.shape[1] + 2.5)
    height = max(2.5, 0.45 * grid.shape[0] + 1.5)
    fig, ax = plt.subplots(figsize=(width, height))
    sns.heatmap(grid, annot=annot, fmt=".2f", cmap=cmap, vmin=0, ax=ax,
                cbar_kws={"label": "share (length-weighted)"})
    ax.set_xlabel("topic")
    fig.tight_layout()
    return fig
