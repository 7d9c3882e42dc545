"""Document-term matrices (counts, TF-IDF) with their row ids and feature names, and top terms."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

__all__: list[str] = ["DocumentTermMatrix"]


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
