"""Comparing documents and groups: keyness statistics, similarity, and text reuse between reports.

- :func:`keyness`: which terms one group (a province, a year ...) uses more or less than
  the rest, with chi-squared, log-likelihood (G2) or the log-odds ratio with an informative
  Dirichlet prior, and the log ratio as effect size;
- :func:`similarity`: cosine similarity of the rows of a document-term matrix;
- :func:`find_reuse`: passages shared between different reports, exact or near-identical,
  with offsets into both reports' clean text, found by clause hashing and MinHash/LSH
  (no all-pairs comparison);
- :func:`originality`: each report's share of text found elsewhere in the corpus.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from ._units import unit_ids
from .representations import DocumentTermMatrix, _group_labels

__all__ = ["keyness", "similarity", "find_reuse", "originality"]

Measure = Literal["chi2", "g2", "logodds"]
_MEASURES = ("chi2", "g2", "logodds")


# -- keyness ---------------------------------------------------------------------------------


def _chi2(a, b, c, d, correction: bool) -> np.ndarray:
    n = a + b + c + d
    diff = np.abs(a * d - b * c)
    if correction:
        diff = np.clip(diff - n / 2.0, 0.0, None)
    denom = (a + b) * (c + d) * (a + c) * (b + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = n * diff**2 / denom
    return np.where(denom > 0, out, 0.0)


def _g2(a, b, c, d) -> np.ndarray:
    n = a + b + c + d
    total = np.zeros_like(a, dtype=np.float64)
    cells = ((a, a + b, a + c), (b, a + b, b + d), (c, c + d, a + c), (d, c + d, b + d))
    for obs, row, col in cells:
        expected = row * col / n
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(obs > 0, obs * np.log(obs / expected), 0.0)
        total += term
    return 2.0 * total


def keyness(
    dtm: DocumentTermMatrix,
    groups: pd.Series | pd.DataFrame,
    target: object,
    *,
    by: str | None = None,
    reference: object | None = None,
    measure: Measure = "chi2",
    correction: bool = False,
    smoothing: float = 0.5,
    prior_scale: float = 1.0,
    min_count: int = 1,
) -> pd.DataFrame:
    """Terms over- and under-used by one group of rows against the others.

    Frequencies come from ``dtm.counts`` (raw counts) whatever the DTM's weighting.

    Parameters
    ----------
    dtm : DocumentTermMatrix
    groups : pandas.Series or pandas.DataFrame
        The group of every row: a Series mapping row ids (or doc ids) to groups, or a
        table (reports, sections, items) with the groups in column ``by``. Rows of sections
        or items find their report's group through their doc id. Rows without a group
        are left out of both sides.
    target : object
        The group to describe, e.g. ``"河南省"``.
    by : str, optional
        The column of ``groups`` holding the groups, e.g. ``"province"``.
    reference : object, optional
        Compare against this group only; by default against all other groups.
    measure : {"chi2", "g2", "logodds"}
        ``"chi2"``: Pearson's chi-squared of the 2x2 table (term vs. other terms, target
        vs. reference), 1 degree of freedom, without Yates' continuity correction unless
        ``correction=True``. ``"g2"``: the log-likelihood ratio (Dunning 1993),
        2 * sum(O * ln(O / E)). ``"logodds"``: the log-odds ratio with an informative
        Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' words"), as a z-score;
        the prior of each term is ``prior_scale`` times its count in target + reference.
    correction : bool
        chi2 only: apply Yates' continuity correction.
    smoothing : float
        Added to both frequencies of the log ratio, so that terms absent from one side
        get a finite effect size (Hardie's "Log Ratio" with 0.5 for zero).
    prior_scale : float
        logodds only: strength of the prior relative to the observed counts.
    min_count : int
        Leave out terms with fewer occurrences in target and reference together.

    Returns
    -------
    pandas.DataFrame
        One row per term, sorted by ``statistic`` (most over-used by the target first):

        - ``term`` (str);
        - ``target_freq``, ``reference_freq`` (int): occurrences in each side;
        - ``target_total``, ``reference_total`` (int): all tokens of each side;
        - ``statistic`` (float): chi2 or G2, signed: positive when the term's relative
          frequency is higher in the target, negative when lower (as quanteda reports
          it); for logodds the z-score, which has that sign already;
        - ``p_value`` (float): from the chi-squared distribution with 1 df for chi2 and
          G2, from the standard normal (two-sided) for logodds;
        - ``log_ratio`` (float): log2 of the ratio of relative frequencies,
          log2(((t + s) / T) / ((r + s) / R)) with s = ``smoothing``;
        - ``direction`` (str): ``"target"`` if over-used by the target, ``"reference"``
          if under-used, ``"none"`` if equal.

    Raises
    ------
    ValueError
        For an unknown measure, or when the target or reference has no rows.

    Examples
    --------
    >>> tokens = pd.Series([["复议", "复议", "普法"], ["普法", "调解"], ["普法", "调解"]],
    ...                    index=["a", "b", "c"])
    >>> from lawgov.representations import build_dtm
    >>> dtm = build_dtm(tokens, weighting="count")
    >>> groups = pd.Series({"a": "东", "b": "西", "c": "西"})
    >>> keyness(dtm, groups, "东")[["term", "target_freq", "reference_freq", "direction"]]
      term  target_freq  reference_freq  direction
    0   复议            2               0     target
    1   普法            1               2  reference
    2   调解            0               2  reference
    """
    from scipy import stats

    if not isinstance(dtm, DocumentTermMatrix):
        raise TypeError(f"dtm must be a DocumentTermMatrix, not {type(dtm).__name__}")
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {_MEASURES}, not {measure!r}")
    labels = _group_labels(dtm.row_ids, groups, by)
    is_target = (labels == target).fillna(False).to_numpy(dtype=bool)
    if reference is None:
        is_reference = (labels.notna() & (labels != target)).fillna(False).to_numpy(dtype=bool)
    else:
        is_reference = (labels == reference).fillna(False).to_numpy(dtype=bool)
    present = sorted(labels.dropna().astype(str).unique())
    if not is_target.any():
        raise ValueError(f"no row belongs to target {target!r}; groups present: {present}")
    if not is_reference.any():
        what = "other group" if reference is None else f"row of reference {reference!r}"
        raise ValueError(f"no {what} to compare {target!r} with; groups present: {present}")
    counts = sparse.csr_matrix(dtm.counts)
    t = np.asarray(counts[is_target].sum(axis=0)).ravel().astype(np.float64)
    r = np.asarray(counts[is_reference].sum(axis=0)).ravel().astype(np.float64)
    keep = (t + r) >= max(min_count, 1)
    terms, t, r = dtm.feature_names[keep], t[keep], r[keep]
    t_total, r_total = float(counts[is_target].sum()), float(counts[is_reference].sum())
    a, b = t, r
    c, d = t_total - t, r_total - r
    over = a / t_total - b / r_total
    sign = np.sign(over)
    if measure == "chi2":
        stat = _chi2(a, b, c, d, correction)
        p_value = stats.chi2.sf(stat, 1)
        stat = sign * stat
    elif measure == "g2":
        stat = _g2(a, b, c, d)
        p_value = stats.chi2.sf(stat, 1)
        stat = sign * stat
    else:
        alpha = prior_scale * (a + b)
        alpha0 = alpha.sum()
        delta = np.log((a + alpha) / (t_total + alpha0 - a - alpha)) - np.log(
            (b + alpha) / (r_total + alpha0 - b - alpha)
        )
        stat = delta / np.sqrt(1.0 / (a + alpha) + 1.0 / (b + alpha))
        p_value = 2.0 * stats.norm.sf(np.abs(stat))
    log_ratio = np.log2(((a + smoothing) / t_total) / ((b + smoothing) / r_total))
    out = pd.DataFrame(
        {
            "term": terms,
            "target_freq": a.astype(np.int64),
            "reference_freq": b.astype(np.int64),
            "target_total": np.int64(t_total),
            "reference_total": np.int64(r_total),
            "statistic": stat,
            "p_value": p_value,
            "log_ratio": log_ratio,
            "direction": np.where(sign > 0, "target", np.where(sign < 0, "reference", "none")),
        }
    )
    out = out.sort_values(["statistic", "term"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


# -- similarity ------------------------------------------------------------------------------


def similarity(
    dtm: DocumentTermMatrix,
    *,
    labels: pd.Series | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Cosine similarity between the rows of a document-term matrix.

    Parameters
    ----------
    dtm : DocumentTermMatrix
        Its ``matrix`` (TF-IDF, counts or binary, as built) is compared.
    labels : pandas.Series or pandas.DataFrame, optional
        Readable names for the rows: a Series mapping row ids (or doc ids) to names, or a
        reports table, whose ``label`` column is used (e.g. "塘沟镇 2023"). Rows without a
        name keep their id.

    Returns
    -------
    pandas.DataFrame
        Square, symmetric, 1.0 on the diagonal for non-empty rows; index and columns
        are the row ids (or labels), named ``unit_id``.

    Examples
    --------
    >>> from lawgov.representations import build_dtm
    >>> tokens = pd.Series([["法治", "政府"], ["法治", "政府"], ["调解"]], index=["a", "b", "c"])
    >>> similarity(build_dtm(tokens, weighting="count")).round(3)
    unit_id    a    b    c
    unit_id
    a        1.0  1.0  0.0
    b        1.0  1.0  0.0
    c        0.0  0.0  1.0
    """
    from sklearn.metrics.pairwise import cosine_similarity

    if not isinstance(dtm, DocumentTermMatrix):
        raise TypeError(f"dtm must be a DocumentTermMatrix, not {type(dtm).__name__}")
    sim = cosine_similarity(dtm.matrix)
    names = dtm.row_ids
    if labels is not None:
        by = "label" if isinstance(labels, pd.DataFrame) else None
        mapped = _group_labels(dtm.row_ids, labels, by)
        names = pd.Index(
            [str(m) if pd.notna(m) else r for r, m in zip(dtm.row_ids, mapped, strict=True)],
            name="unit_id",
        )
    return pd.DataFrame(sim, index=names.copy(), columns=names.copy())


# -- text reuse ------------------------------------------------------------------------------

# A clause ends at sentence or clause punctuation (full- or half-width) or a line break.
_CLAUSE_END = re.compile(r"[，,、。；;：:！!？?\n]")
_SPACE = re.compile(r"\s+")
# An enumeration marker opening a clause ("（一）", "(2)", "3.", "④") is numbering, not text:
# left out, a copied clause matches whatever number it has in the other report.
_MARKER = re.compile(r"\s*(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.．](?!\d)|[①-⑳])")
_PRIME = (1 << 31) - 1


class _Clauses:
    """Clauses of all units: text key, offsets in the report, and the unit they belong to."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.start: list[int] = []
        self.end: list[int] = []
        self.unit: list[int] = []

    def add(self, text: str, base: int, unit: int) -> None:
        pos = 0
        for m in list(_CLAUSE_END.finditer(text)) + [None]:
            stop = len(text) if m is None else m.start()
            marker = _MARKER.match(text, pos, stop)
            if marker:
                pos = marker.end()
            piece = text[pos:stop]
            key = _SPACE.sub("", piece)
            if key:
                lead = len(piece) - len(piece.lstrip())
                if m is None or m.group() == "\n":
                    end = pos + len(piece.rstrip())
                else:
                    # The clause keeps its closing punctuation, so a copied paragraph is
                    # found whole, up to and including its final 。
                    end = stop + 1
                self.keys.append(key)
                self.start.append(base + pos + lead)
                self.end.append(base + end)
                self.unit.append(unit)
            pos = stop + 1


def _shingle_codes(keys: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of every character k-shingle of every key, and the key each belongs to.

    A shingle's code is its code points read as a number in base 2^21 modulo 2^31 - 1,
    computed for all keys at once; keys shorter than ``k`` are one shingle of their own.
    """
    lengths = np.fromiter((len(key) for key in keys), dtype=np.int64, count=len(keys))
    padded = [key if len(key) >= k else key + "\0" * (k - len(key)) for key in keys]
    lengths = np.maximum(lengths, k)
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    n_shingles = lengths - k + 1
    owner = np.repeat(np.arange(len(keys)), n_shingles)
    first = np.repeat(starts, n_shingles) + (
        np.arange(n_shingles.sum()) - np.repeat(np.cumsum(n_shingles) - n_shingles, n_shingles)
    )
    x = np.zeros(len(first), dtype=np.uint64)
    base, prime = np.uint64(1 << 21), np.uint64(_PRIME)
    for j in range(k):
        x = (x * base + codes[first + j]) % prime
    return x, owner


def _minhash(keys: list[str], k: int, num_perm: int, random_state: int) -> np.ndarray:
    """MinHash signatures (len(keys) x num_perm) of the character k-shingles of each key."""
    rng = np.random.default_rng(random_state)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    x, owner = _shingle_codes(keys, k)
    sig = np.empty((len(keys), num_perm), dtype=np.uint64)
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    # Chunks of about a million shingle-permutation values keep memory flat.
    step = max(1, 1_000_000 // num_perm)
    for lo in range(0, len(starts), step):
        s0 = starts[lo]
        s1 = starts[lo + step] if lo + step < len(starts) else len(x)
        # Multiply-shift hashing (wrapping 64-bit arithmetic, high bits kept): a universal
        # family like (a x + b) mod p, without the slow modulo.
        values = (a[:, None] * x[None, s0:s1] + b[:, None]) >> np.uint64(32)
        local = starts[lo : lo + step] - s0
        sig[owner[starts[lo : lo + step]]] = np.minimum.reduceat(values, local, axis=1).T
    return sig


def _lsh_candidates(sig: np.ndarray, bands: int) -> set[tuple[int, int]]:
    """Pairs of rows whose signatures agree on all values of at least one band."""
    rows = sig.shape[1] // bands
    candidates: set[tuple[int, int]] = set()
    for band in range(bands):
        block = sig[:, band * rows : (band + 1) * rows]
        # One 64-bit number per band (wrapping arithmetic); a collision only adds a
        # candidate, which the exact Jaccard check then rejects.
        h = np.zeros(len(sig), dtype=np.uint64)
        for c in range(rows):
            h = h * np.uint64(0x9E3779B97F4A7C15) + block[:, c]
        order = np.argsort(h, kind="stable")
        sorted_h = h[order]
        same = np.flatnonzero(sorted_h[1:] == sorted_h[:-1])
        if same.size == 0:
            continue
        # Runs of equal hashes: each run is one bucket with two members or more.
        run_starts = same[np.r_[True, same[1:] != same[:-1] + 1]]
        for begin in run_starts:
            end = begin + 1
            while end < len(sorted_h) and sorted_h[end] == sorted_h[begin]:
                end += 1
            members = sorted(order[begin:end].tolist())
            for x in range(len(members)):
                for y in members[x + 1 :]:
                    candidates.add((members[x], y))
    return candidates


def _shingles(key: str, k: int) -> set[str]:
    return {key[j : j + k] for j in range(max(len(key) - k + 1, 1))}


def find_reuse(
    units: pd.DataFrame,
    *,
    min_chars: int = 12,
    threshold: float = 0.7,
    near: bool = True,
    shingle_size: int = 3,
    num_perm: int = 64,
    bands: int = 16,
    random_state: int = 0,
) -> pd.DataFrame:
    """Passages shared between different reports, exact or near-identical.

    Each unit's text is cut into clauses at ，、。；：！？ (full- or half-width) and line
    breaks. Clauses of at least ``min_chars`` characters are matched across reports:
    identical clauses (ignoring whitespace) through a hash table; near-identical ones
    through MinHash signatures of their character shingles and locality-sensitive
    hashing, confirmed by the exact Jaccard similarity of the shingle sets. Nothing is
    compared pair by pair, so the cost grows with the number of clauses, plus the number
    of pairs actually found. Matched clauses that follow each other in both reports,
    together with identical clauses between them (of any length), are joined into one
    passage.

    Parameters
    ----------
    units : pandas.DataFrame
        A reports, sections or items table (``doc_id``, ``text``; sections and items
        also ``unit_id`` and ``start``, the offset of the unit in its report's clean
        text). Passages are only looked for between different ``doc_id``.
    min_chars : int
        Shortest clause (without whitespace and its final punctuation) that can start a
        match. Shorter clauses ("一是", "加强组织领导") are too common to mean reuse.
    threshold : float
        Smallest Jaccard similarity of shingle sets for a near-identical clause pair.
    near : bool
        Look for near-identical clauses too; ``False`` finds exact ones only.
    shingle_size : int
        Characters per shingle.
    num_perm, bands : int
        MinHash permutations, and LSH bands they are split into (``num_perm`` must be a
        multiple of ``bands``). The defaults (64, 16) make pairs with Jaccard 0.7
        candidates with probability 0.99.
    random_state : int
        Seed of the MinHash permutations.

    Returns
    -------
    pandas.DataFrame
        One row per shared passage and pair of reports (a passage found in k reports
        gives k * (k - 1) / 2 rows), sorted by ``doc_id_a``, ``start_a``, ``doc_id_b``,
        ``start_b``:

        - ``doc_id_a``, ``doc_id_b`` (str): the two reports, ``doc_id_a < doc_id_b``;
        - ``unit_id_a``, ``unit_id_b`` (str): the units holding the passage starts;
        - ``text_a``, ``text_b`` (str): the passage in each report;
        - ``start_a``, ``end_a``, ``start_b``, ``end_b`` (int): offsets into each report's
          clean text, ``text_a == report_a.text[start_a:end_a]``;
        - ``n_chars`` (int): length of ``text_a``;
        - ``n_clauses`` (int): clauses joined into the passage;
        - ``score`` (float): 1.0 for identical passages, else the length-weighted mean
          Jaccard similarity of its clauses;
        - ``kind`` (str): ``"exact"`` if the texts are equal ignoring whitespace, else
          ``"near"``.

    Raises
    ------
    ValueError
        For a table without ``doc_id``/``text``, or bad parameter values.

    Examples
    --------
    >>> reports = pd.DataFrame({
    ...     "doc_id": ["a", "b"],
    ...     "text": ["我镇坚持以习近平新时代中国特色社会主义思想为指导，狠抓落实。",
    ...              "今年，街道坚持以习近平新时代中国特色社会主义思想为指导，成效明显。"]})
    >>> reuse = find_reuse(reports)
    >>> reuse[["doc_id_a", "doc_id_b", "start_a", "end_a", "start_b", "end_b", "kind"]]
      doc_id_a doc_id_b  start_a  end_a  start_b  end_b   kind
    0        a        b        0     25        3     28   near
    >>> reuse.loc[0, "text_b"]
    '街道坚持以习近平新时代中国特色社会主义思想为指导，'
    """
    for column in ("doc_id", "text"):
        if column not in units.columns:
            raise ValueError(
                f"find_reuse needs a '{column}' column (columns: {list(units.columns)}); "
                "pass a reports, sections or items table"
            )
    if min_chars < 1:
        raise ValueError(f"min_chars must be at least 1, not {min_chars!r}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], not {threshold!r}")
    if shingle_size < 1:
        raise ValueError(f"shingle_size must be at least 1, not {shingle_size!r}")
    if bands < 1 or num_perm % bands:
        raise ValueError(f"num_perm ({num_perm}) must be a positive multiple of bands ({bands})")
    has_units = "unit_id" in units.columns
    if has_units and "start" not in units.columns:
        raise ValueError(
            "a sections or items table needs its 'start' column (offset of each unit in its "
            "report) to give offsets into the reports"
        )
    ids = list(unit_ids(units))
    docs = units["doc_id"].astype(str).tolist()
    texts = ["" if pd.isna(t) else str(t) for t in units["text"]]
    bases = [int(s) for s in units["start"]] if has_units else [0] * len(texts)

    clauses = _Clauses()
    for u, text in enumerate(texts):
        clauses.add(text, bases[u], u)
    keys, unit_of = clauses.keys, np.asarray(clauses.unit, dtype=np.int64)
    doc_of = [docs[u] for u in clauses.unit]

    # Group long clauses by their key: identical clauses are exact matches.
    occurrences: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        if len(key) >= min_chars:
            occurrences[key].append(i)
    unique = list(occurrences)
    seeds: dict[tuple[int, int], float] = {}

    def add_pairs(first: list[int], second: list[int], score: float) -> None:
        for i in first:
            for j in second:
                if doc_of[i] == doc_of[j]:
                    continue
                pair = (i, j) if (doc_of[i], i) < (doc_of[j], j) else (j, i)
                if seeds.get(pair, -1.0) < score:
                    seeds[pair] = score

    for key in unique:
        occ = occurrences[key]
        if len({doc_of[i] for i in occ}) > 1:
            for x in range(len(occ)):
                add_pairs([occ[x]], occ[x + 1 :], 1.0)

    if near and len(unique) > 1:
        sig = _minhash(unique, shingle_size, num_perm, random_state)
        candidates = _lsh_candidates(sig, bands)
        shingle_sets: dict[int, set[str]] = {}
        for u, v in sorted(candidates):
            su = shingle_sets.setdefault(u, _shingles(unique[u], shingle_size))
            sv = shingle_sets.setdefault(v, _shingles(unique[v], shingle_size))
            jaccard = len(su & sv) / len(su | sv)
            if jaccard >= threshold:
                add_pairs(occurrences[unique[u]], occurrences[unique[v]], jaccard)

    return _passages(seeds, clauses, unit_of, docs, ids, texts, bases)


def _passages(seeds, clauses, unit_of, docs, ids, texts, bases) -> pd.DataFrame:
    keys, starts, ends = clauses.keys, clauses.start, clauses.end
    n = len(keys)

    def linked(i: int, j: int, step: int) -> bool:
        """Whether (i + step, j + step) continues the passage of (i, j)."""
        i2, j2 = i + step, j + step
        if not (0 <= i2 < n and 0 <= j2 < n):
            return False
        if unit_of[i2] != unit_of[i] or unit_of[j2] != unit_of[j]:
            return False
        return (i2, j2) in seeds or keys[i2] == keys[j2]

    def report_slice(i: int, s: int, e: int) -> str:
        u = unit_of[i]
        return texts[u][s - bases[u] : e - bases[u]]

    done: set[tuple[int, int]] = set()
    records = []
    for i, j in sorted(seeds):
        if (i, j) in done:
            continue
        while linked(i, j, -1):
            i, j = i - 1, j - 1
        run = [(i, j)]
        while linked(*run[-1], 1):
            run.append((run[-1][0] + 1, run[-1][1] + 1))
        done.update(run)
        (i0, j0), (i1, j1) = run[0], run[-1]
        sa, ea, sb, eb = starts[i0], ends[i1], starts[j0], ends[j1]
        text_a, text_b = report_slice(i0, sa, ea), report_slice(j0, sb, eb)
        if text_a and text_b and text_a[-1] != text_b[-1]:
            # Different closing punctuation (，vs 。) is not part of what was shared.
            if _CLAUSE_END.match(text_a[-1]):
                ea, text_a = ea - 1, text_a[:-1]
            if _CLAUSE_END.match(text_b[-1]):
                eb, text_b = eb - 1, text_b[:-1]
        weights = np.array([len(keys[x]) for x, _ in run], dtype=np.float64)
        scores = np.array([seeds.get(p, 1.0) for p in run])
        exact = _SPACE.sub("", text_a) == _SPACE.sub("", text_b)
        records.append(
            {
                "doc_id_a": docs[unit_of[i0]],
                "doc_id_b": docs[unit_of[j0]],
                "unit_id_a": ids[unit_of[i0]],
                "unit_id_b": ids[unit_of[j0]],
                "text_a": text_a,
                "text_b": text_b,
                "start_a": sa,
                "end_a": ea,
                "start_b": sb,
                "end_b": eb,
                "n_chars": len(text_a),
                "n_clauses": len(run),
                "score": 1.0 if exact else float((weights * scores).sum() / weights.sum()),
                "kind": "exact" if exact else "near",
            }
        )
    columns = [
        "doc_id_a", "doc_id_b", "unit_id_a", "unit_id_b", "text_a", "text_b", "start_a",
        "end_a", "start_b", "end_b", "n_chars", "n_clauses", "score", "kind",
    ]
    out = pd.DataFrame.from_records(records, columns=columns)
    for column in ("start_a", "end_a", "start_b", "end_b", "n_chars", "n_clauses"):
        out[column] = out[column].astype(np.int64)
    out["score"] = out["score"].astype(np.float64)
    out = out.sort_values(["doc_id_a", "start_a", "doc_id_b", "start_b"], kind="stable")
    return out.reset_index(drop=True)


def _union_length(intervals: list[tuple[int, int]]) -> int:
    total, cur_s, cur_e = 0, None, None
    for s, e in sorted(intervals):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total


def originality(reuse: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Each report's share of text found in other reports.

    Parameters
    ----------
    reuse : pandas.DataFrame
        Output of :func:`find_reuse` (on the reports or on their sections or items).
    reports : pandas.DataFrame
        The reports table (``doc_id``, ``text``; ``label`` is carried over if present).

    Returns
    -------
    pandas.DataFrame
        One row per report, in the order of ``reports``:

        - ``doc_id`` (str); ``label`` (str) if ``reports`` has it;
        - ``n_chars`` (int): length of the clean text;
        - ``reused_chars`` (int): characters covered by at least one passage shared with
          another report (overlapping passages counted once);
        - ``reused_share`` (float): ``reused_chars / n_chars`` (0 for an empty text);
        - ``originality`` (float): ``1 - reused_share``;
        - ``n_partners`` (int): other reports sharing at least one passage with it.

    Examples
    --------
    >>> reports = pd.DataFrame({"doc_id": ["a", "b"], "text": ["x" * 40, "y" * 20]})
    >>> reuse = pd.DataFrame({"doc_id_a": ["a"], "doc_id_b": ["b"], "start_a": [0],
    ...                       "end_a": [10], "start_b": [5], "end_b": [15]})
    >>> originality(reuse, reports)
      doc_id  n_chars  reused_chars  reused_share  originality  n_partners
    0      a       40            10          0.25         0.75           1
    1      b       20            10          0.50         0.50           1
    """
    needed = ("doc_id_a", "doc_id_b", "start_a", "end_a", "start_b", "end_b")
    missing = [c for c in needed if c not in reuse.columns]
    if missing:
        raise ValueError(f"reuse lacks columns {missing}; pass the output of find_reuse")
    for column in ("doc_id", "text"):
        if column not in reports.columns:
            raise ValueError(
                f"reports needs a '{column}' column (columns: {list(reports.columns)}); pass "
                "the reports table"
            )
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    partners: dict[str, set[str]] = defaultdict(set)
    for a, b, sa, ea, sb, eb in reuse[list(needed)].itertuples(index=False):
        a, b = str(a), str(b)
        spans[a].append((int(sa), int(ea)))
        spans[b].append((int(sb), int(eb)))
        partners[a].add(b)
        partners[b].add(a)
    records = []
    for doc_id, text in zip(reports["doc_id"].astype(str), reports["text"], strict=True):
        n_chars = 0 if pd.isna(text) else len(str(text))
        reused = min(_union_length(spans.get(doc_id, [])), n_chars)
        share = reused / n_chars if n_chars else 0.0
        records.append((doc_id, n_chars, reused, share, 1.0 - share, len(partners.get(doc_id, ()))))
    out = pd.DataFrame(
        records,
        columns=["doc_id", "n_chars", "reused_chars", "reused_share", "originality", "n_partners"],
    )
    if "label" in reports.columns:
        out.insert(1, "label", reports["label"].to_numpy())
    return out
