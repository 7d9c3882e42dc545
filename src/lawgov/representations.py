"""Document-term matrices (counts, TF-IDF) with their row ids and feature names, and top terms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from ._units import unit_ids

__all__: list[str] = ["DocumentTermMatrix", "build_dtm", "top_terms"]

Weighting = Literal["tfidf", "count", "binary"]
_WEIGHTINGS = ("tfidf", "count", "binary")


@dataclass(frozen=True)
class DocumentTermMatrix:
    """A sparse document-term matrix that travels with its labels.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        The weighted matrix (units x features): raw counts, TF-IDF, or binary,
        as ``weighting`` says.
    counts : scipy.sparse.csr_matrix
        Raw term counts of the same shape; statistics that need frequencies (keyness,
        coherence) use these whatever the weighting.
    row_ids : pandas.Index
        One id per row, named ``unit_id`` (a ``doc_id`` for a reports table).
    feature_names : numpy.ndarray
        One term per column (n-grams joined by a space).
    weighting : str
        ``"tfidf"``, ``"count"`` or ``"binary"``.
    params : dict
        The parameters that built it, for provenance.
    """

    matrix: sparse.csr_matrix
    counts: sparse.csr_matrix
    row_ids: pd.Index
    feature_names: np.ndarray
    weighting: str = "count"
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        n_rows, n_cols = self.matrix.shape
        if self.counts.shape != self.matrix.shape:
            raise ValueError(
                f"counts has shape {self.counts.shape} but matrix has {self.matrix.shape}"
            )
        if len(self.row_ids) != n_rows:
            raise ValueError(f"{len(self.row_ids)} row ids for a matrix with {n_rows} rows")
        if len(self.feature_names) != n_cols:
            raise ValueError(
                f"{len(self.feature_names)} feature names for a matrix with {n_cols} columns"
            )

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def get_feature_names_out(self) -> np.ndarray:
        """The feature names, as scikit-learn transformers name them."""
        return self.feature_names

    def to_frame(self, *, which: str = "matrix") -> pd.DataFrame:
        """A dense labelled DataFrame of ``matrix`` or ``counts`` (for small corpora)."""
        if which not in ("matrix", "counts"):
            raise ValueError(f"which must be 'matrix' or 'counts', not {which!r}")
        data = getattr(self, which)
        return pd.DataFrame(data.toarray(), index=self.row_ids, columns=self.feature_names)


class _Ngrams:
    """Analyzer for scikit-learn vectorizers: n-grams of an already tokenized list.

    A class rather than a closure so that vectorizers holding it can be pickled.
    """

    def __init__(self, min_n: int, max_n: int) -> None:
        self.min_n, self.max_n = min_n, max_n

    def __call__(self, tokens: Sequence[str]) -> list[str]:
        if isinstance(tokens, str):
            raise TypeError(
                "build_dtm expects lists of tokens, not raw strings; run lawgov.tokenize first"
            )
        tokens = list(tokens)
        if self.min_n == self.max_n == 1:
            return tokens
        out = []
        for n in range(self.min_n, self.max_n + 1):
            out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return out


def build_dtm(
    tokens: pd.Series | Sequence[Sequence[str]],
    *,
    weighting: Weighting = "tfidf",
    min_df: int | float = 1,
    max_df: int | float = 1.0,
    ngram_range: tuple[int, int] = (1, 1),
    max_features: int | None = None,
    vocabulary: Sequence[str] | None = None,
    sublinear_tf: bool = False,
    norm: Literal["l1", "l2"] | None = "l2",
    smooth_idf: bool = True,
    hashing: int | None = None,
) -> DocumentTermMatrix:
    """Build a document-term matrix from tokens, with scikit-learn, without re-tokenizing.

    Parameters
    ----------
    tokens : pandas.Series of list of str
        Output of :func:`lawgov.tokenize`: one token list per row, indexed by unit id.
        A plain list of token lists gets row ids ``"0"``, ``"1"``, ...
    weighting : {"tfidf", "count", "binary"}
        What ``matrix`` holds: TF-IDF (scikit-learn's ``TfidfTransformer``: idf =
        ln((1 + n) / (1 + df)) + 1 with ``smooth_idf``, rows scaled to unit ``norm``), raw
        counts, or 1/0 presence. ``counts`` always holds raw counts.
    min_df, max_df : int or float
        Drop terms in fewer than ``min_df`` / more than ``max_df`` rows (a float is a
        share of rows), as in ``CountVectorizer``.
    ngram_range : (int, int)
        Smallest and largest n-gram; n-grams are tokens joined by a space.
    max_features : int, optional
        Keep the most frequent terms only.
    vocabulary : list of str, optional
        Use exactly these features, in this order (e.g. to align two corpora).
    sublinear_tf : bool
        TF-IDF only: use 1 + ln(tf) instead of tf.
    norm : {"l2", "l1"} or None
        TF-IDF only: row normalisation.
    smooth_idf : bool
        TF-IDF only: add one to document frequencies.
    hashing : int, optional
        For vocabularies too big for memory: hash terms into this many columns
        (scikit-learn's ``HashingVectorizer``, no sign flipping), keep the columns that
        occur, and name them ``"#<column>"``. Terms that collide share a column. Only
        ``min_df``/``max_df`` given as integers and shares apply; ``max_features`` and
        ``vocabulary`` cannot be combined with it.

    Returns
    -------
    DocumentTermMatrix
        ``matrix`` (float csr, weighted), ``counts`` (int64 csr), ``row_ids`` (the tokens'
        index, named ``unit_id``), ``feature_names`` (sorted terms), ``weighting`` and
        ``params`` (these arguments).

    Raises
    ------
    ValueError
        For an unknown ``weighting`` or ``norm``, a bad ``ngram_range``, or when no term
        is left (all rows empty, or ``min_df``/``max_df`` remove everything).

    Notes
    -----
    Memory: the token lists (about 90 bytes per token as Python strings in lists: some
    150 MB for 1,000 reports, 15 GB for 100,000), the vocabulary (about 150 bytes per
    term; none with ``hashing``) and the sparse matrices (12 bytes per non-zero entry, for
    ``counts`` and again for ``matrix``). For corpora whose token lists do not fit,
    :func:`lawgov.dtm_from_ingested` streams the tokens written by :func:`lawgov.ingest`
    row group by row group into the same hashed matrix; see ``benchmarks/README.md``.

    Examples
    --------
    >>> tokens = pd.Series([["法治", "政府", "法治"], ["法治", "普法"]],
    ...                    index=pd.Index(["a", "b"], name="unit_id"))
    >>> dtm = build_dtm(tokens, weighting="count")
    >>> dtm.to_frame()
              政府   普法   法治
    unit_id
    a        1.0  0.0  2.0
    b        0.0  1.0  1.0
    >>> build_dtm(tokens, ngram_range=(2, 2), weighting="count").feature_names.tolist()
    ['政府 法治', '法治 政府', '法治 普法']
    """
    from sklearn.feature_extraction.text import (
        CountVectorizer,
        HashingVectorizer,
    )

    if weighting not in _WEIGHTINGS:
        raise ValueError(f"weighting must be one of {_WEIGHTINGS}, not {weighting!r}")
    if norm not in ("l1", "l2", None):
        raise ValueError(f"norm must be 'l1', 'l2' or None, not {norm!r}")
    try:
        min_n, max_n = (int(v) for v in ngram_range)
    except (TypeError, ValueError):
        raise ValueError(f"ngram_range must be a pair of integers, not {ngram_range!r}") from None
    if not 1 <= min_n <= max_n:
        raise ValueError(f"ngram_range must satisfy 1 <= min <= max, not {ngram_range!r}")
    if isinstance(tokens, pd.Series):
        row_ids = pd.Index(tokens.index.astype(str), name="unit_id")
        docs = list(tokens)
    else:
        docs = list(tokens)
        row_ids = pd.Index([str(i) for i in range(len(docs))], name="unit_id")
    analyzer = _Ngrams(min_n, max_n)
    params: dict[str, Any] = {
        "weighting": weighting,
        "min_df": min_df,
        "max_df": max_df,
        "ngram_range": (min_n, max_n),
        "max_features": max_features,
        "vocabulary": None if vocabulary is None else list(vocabulary),
        "sublinear_tf": sublinear_tf,
        "norm": norm,
        "smooth_idf": smooth_idf,
        "hashing": hashing,
    }
    if hashing is not None:
        if max_features is not None or vocabulary is not None:
            raise ValueError("hashing cannot be combined with max_features or vocabulary")
        hasher = HashingVectorizer(
            analyzer=analyzer, n_features=int(hashing), alternate_sign=False, norm=None,
            dtype=np.float64,
        )
        counts = sparse.csr_matrix(hasher.transform(docs), dtype=np.int64)
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        n = counts.shape[0]
        low = min_df if isinstance(min_df, int) else min_df * n
        high = max_df if isinstance(max_df, int) else max_df * n
        keep = np.flatnonzero((df > 0) & (df >= low) & (df <= high))
        if keep.size == 0:
            raise ValueError(
                "no term left: the token lists are empty or min_df/max_df remove every term"
            )
        counts = counts[:, keep].tocsr()
        feature_names = np.array([f"#{i}" for i in keep], dtype=object)
    else:
        vectorizer = CountVectorizer(
            analyzer=analyzer,
            min_df=min_df,
            max_df=max_df,
            max_features=max_features,
            vocabulary=vocabulary,
            dtype=np.int64,
        )
        try:
            counts = vectorizer.fit_transform(docs).tocsr()
        except ValueError as err:
            raise ValueError(
                f"no term left ({err}): the token lists are empty or min_df={min_df!r}/"
                f"max_df={max_df!r} remove every term; lower min_df or raise max_df"
            ) from err
        feature_names = np.asarray(vectorizer.get_feature_names_out(), dtype=object)
    counts.sort_indices()
    matrix = _weighted(counts, weighting, norm=norm, smooth_idf=smooth_idf,
                       sublinear_tf=sublinear_tf)
    return DocumentTermMatrix(
        matrix=matrix,
        counts=counts,
        row_ids=row_ids,
        feature_names=feature_names,
        weighting=weighting,
        params=params,
    )


def _weighted(counts: sparse.csr_matrix, weighting: str, *, norm: str | None = "l2",
              smooth_idf: bool = True, sublinear_tf: bool = False) -> sparse.csr_matrix:
    """The weighted matrix of a count matrix: ``count``, ``binary`` or ``tfidf``."""
    if weighting == "count":
        return sparse.csr_matrix(counts.astype(np.float64))
    if weighting == "binary":
        return sparse.csr_matrix((counts > 0).astype(np.float64))
    from sklearn.feature_extraction.text import TfidfTransformer

    return sparse.csr_matrix(TfidfTransformer(
        norm=norm, use_idf=True, smooth_idf=smooth_idf, sublinear_tf=sublinear_tf
    ).fit_transform(counts))


def _group_labels(
    row_ids: pd.Index, groups: pd.Series | pd.DataFrame, by: str | None
) -> pd.Series:
    """The group of every row of a DTM, as a Series indexed by the row ids (NA if unknown).

    ``groups`` is a Series mapping ids to groups, or a unit table with a column ``by``. Ids
    are matched directly (unit ids with unit ids, doc ids with doc ids); rows of sections
    or items (unit ids ``"<doc_id>:..."``) also match a reports-level mapping through the
    doc id before the colon.
    """
    if isinstance(groups, pd.DataFrame):
        if by is None:
            raise ValueError(
                "groups is a table: name the column that holds the groups with by=..., "
                "e.g. by='province'"
            )
        if by not in groups.columns:
            raise ValueError(
                f"the groups table has no column {by!r} (columns: {list(groups.columns)})"
            )
        mapping = pd.Series(groups[by].to_numpy(), index=unit_ids(groups))
        if "doc_id" in groups.columns and "unit_id" in groups.columns:
            doc_level = groups.drop_duplicates("doc_id")
            by_doc = pd.Series(doc_level[by].to_numpy(), index=doc_level["doc_id"].astype(str))
        else:
            by_doc = mapping
    elif isinstance(groups, pd.Series):
        if by is not None and by != groups.name:
            raise ValueError("by names a column of a groups table; with a Series leave by=None")
        mapping = pd.Series(groups.to_numpy(), index=groups.index.astype(str))
        by_doc = mapping
    else:
        raise TypeError(
            "groups must be a Series mapping row ids to groups or a table with a column "
            f"named by=..., not {type(groups).__name__}"
        )
    if mapping.index.has_duplicates:
        mapping = mapping[~mapping.index.duplicated()]
    if by_doc.index.has_duplicates:
        by_doc = by_doc[~by_doc.index.duplicated()]
    labels = mapping.reindex(row_ids)
    missing = labels.isna().to_numpy()
    if missing.any():
        doc_ids = pd.Index([r.split(":", 1)[0] for r in row_ids[missing]])
        labels.iloc[np.flatnonzero(missing)] = by_doc.reindex(doc_ids).to_numpy()
    labels.index = row_ids
    return labels


def _group_name(groups: pd.Series | pd.DataFrame, by: str | None) -> str:
    if by is not None:
        return by
    if isinstance(groups, pd.Series) and groups.name is not None:
        return str(groups.name)
    return "group"


def top_terms(
    dtm: DocumentTermMatrix,
    n: int = 10,
    *,
    by: str | None = None,
    groups: pd.Series | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The highest-weighted terms of every row, or of every group of rows.

    Parameters
    ----------
    dtm : DocumentTermMatrix
    n : int
        Terms per row or group.
    by : str, optional
        The column of ``groups`` (a table) that holds the groups, e.g. ``"province"``.
    groups : pandas.Series or pandas.DataFrame, optional
        ``None`` ranks terms per row. A Series maps row ids (or doc ids) to groups; a table
        (reports, sections or items) gives them in column ``by``. Rows of sections or items
        find their report's group through their doc id. Rows without a group are left out.

    Returns
    -------
    pandas.DataFrame
        One row per (row or group, rank):

        - ``unit_id`` (str), or the group column named ``by`` (or the Series' name, else
          ``group``): what the terms belong to;
        - ``rank`` (int): 1 for the highest weight;
        - ``term`` (str);
        - ``weight`` (float): the term's value in ``dtm.matrix``; for a group, its mean
          over the group's rows;
        - ``count`` (int): raw occurrences in the row or group;
        - ``n_rows`` (int): rows of the group containing the term (1 per row).

        Ties are broken by term, so the output is deterministic.

    Examples
    --------
    >>> tokens = pd.Series([["法治", "法治", "普法"], ["法治", "复议"], ["复议", "复议"]],
    ...                    index=pd.Index(["a", "b", "c"], name="unit_id"))
    >>> dtm = build_dtm(tokens, weighting="count")
    >>> top_terms(dtm, n=1)
      unit_id  rank term  weight  count  n_rows
    0       a     1   法治     2.0      2       1
    1       b     1   复议     1.0      1       1
    2       c     1   复议     2.0      2       1
    >>> top_terms(dtm, n=1, groups=pd.Series({"a": "东", "b": "东", "c": "西"}, name="region"))
      region  rank term  weight  count  n_rows
    0      东     1   法治     1.5      3       2
    1      西     1   复议     2.0      2       1
    """
    if not isinstance(dtm, DocumentTermMatrix):
        raise TypeError(f"dtm must be a DocumentTermMatrix, not {type(dtm).__name__}")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, not {n!r}")
    if groups is None:
        if by is not None:
            raise ValueError(f"by={by!r} needs groups=<a table with a {by!r} column>")
        key = "unit_id"
        keys = list(dtm.row_ids)
        weight = dtm.matrix.tocsr()
        count = dtm.counts.tocsr()
        present = (count > 0).astype(np.int64).tocsr()
    else:
        key = _group_name(groups, by)
        labels = _group_labels(dtm.row_ids, groups, by)
        known = labels.notna().to_numpy()
        codes, keys = pd.factorize(labels[known], sort=True)
        rows = np.flatnonzero(known)
        indicator = sparse.csr_matrix(
            (np.ones(len(rows)), (codes, rows)), shape=(len(keys), dtm.shape[0])
        )
        sizes = np.asarray(indicator.sum(axis=1)).ravel()
        weight = sparse.csr_matrix(sparse.diags(1.0 / sizes) @ (indicator @ dtm.matrix))
        count = sparse.csr_matrix(indicator @ dtm.counts).astype(np.int64)
        present = sparse.csr_matrix(indicator @ (dtm.counts > 0).astype(np.float64)).astype(
            np.int64
        )
        keys = list(keys)
    records = []
    for i, k in enumerate(keys):
        lo, hi = weight.indptr[i], weight.indptr[i + 1]
        cols, vals = weight.indices[lo:hi], weight.data[lo:hi]
        nonzero = vals != 0
        cols, vals = cols[nonzero], vals[nonzero]
        if cols.size == 0:
            continue
        names = dtm.feature_names[cols]
        order = np.lexsort((names.astype(str), -vals))[:n]
        for rank, j in enumerate(order, start=1):
            col = cols[j]
            records.append(
                (k, rank, dtm.feature_names[col], float(vals[j]), int(count[i, col]),
                 int(present[i, col]))
            )
    return pd.DataFrame(records, columns=[key, "rank", "term", "weight", "count", "n_rows"])
