"""Keyword in context: every hit of a word or phrase with its report, part and offsets."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._units import unit_ids

__all__ = ["kwic"]


def _token_offsets(text: str, tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Offsets of each token in ``text``; tokens are substrings of the text, in order.

    Tokens dropped by the tokenizer are simply skipped over. A token that cannot be found
    (tokens not made from this text) raises ``ValueError``.
    """
    out, pos = [], 0
    for token in tokens:
        at = text.find(token, pos)
        if at < 0:
            raise ValueError(
                f"token {token!r} does not occur in the unit's text after offset {pos}; "
                "pass the tokens made from this table (lawgov.tokenize(table))"
            )
        out.append((at, at + len(token)))
        pos = at + len(token)
    return out


def kwic(
    table: pd.DataFrame,
    pattern: str | Sequence[str],
    *,
    window: int | None = None,
    regex: bool = False,
    tokens: pd.Series | None = None,
) -> pd.DataFrame:
    """Keyword in context: every occurrence of a word or phrase, with what surrounds it.

    Two modes:

    - characters (``tokens=None``): ``pattern`` is searched in the raw text, as a literal
      string, or as a regular expression with ``regex=True``; ``window`` counts
      characters (default 20);
    - tokens (``tokens=`` the output of :func:`lawgov.tokenize` for this table):
      ``pattern`` is a token, or a phrase of several tokens given as a list or as a string
      with spaces (``"重大行政决策 程序"``); with ``regex=True`` each element is a regular
      expression a whole token must match. ``window`` counts tokens (default 5) and
      ``left``/``right`` are tokens joined by spaces.

    Parameters
    ----------
    table : pandas.DataFrame
        A reports, sections or items table (``doc_id``, ``text``; optional ``unit_id``,
        ``part``, ``start``).
    pattern : str or list of str
        What to look for.
    window : int, optional
        Context on each side, in characters or tokens.
    regex : bool
        Treat ``pattern`` as regular expression(s).
    tokens : pandas.Series, optional
        Token lists aligned with ``table`` (same ids), to search tokens instead of characters.

    Returns
    -------
    pandas.DataFrame
        One row per hit, in table order then text order:

        - ``doc_id`` (str): the report;
        - ``unit_id`` (str): the section or item (the doc id for a reports table);
        - ``part`` (str): the report part, when ``table`` has a ``part`` column;
        - ``left`` (str), ``match`` (str), ``right`` (str): context, hit, context;
        - ``start``, ``end`` (int): offsets of the hit in the report's clean text (the
          unit's ``start`` is added for sections and items), so that
          ``report.text[start:end]`` is the hit (in token mode, from the first matched
          token's first character to the last one's last).

    Raises
    ------
    ValueError
        For an empty pattern, an invalid regular expression, a table without ``text``,
        or tokens that do not belong to the table.

    Examples
    --------
    >>> reports = pd.DataFrame({"doc_id": ["a"],
    ...                         "text": ["严格落实重大行政决策程序，开展合法性审查。"]})
    >>> kwic(reports, "合法性审查", window=4)
      doc_id unit_id  left  match right  start  end
    0      a       a  序，开展  合法性审查     。     15   20
    >>> tokens = pd.Series([["严格", "落实", "重大行政决策程序", "开展", "合法性审查"]],
    ...                    index=["a"])
    >>> kwic(reports, "开展 合法性审查", tokens=tokens, window=2)
      doc_id unit_id            left       match right  start  end
    0      a       a  落实 重大行政决策程序  开展 合法性审查           13   20
    """
    if "text" not in table.columns:
        raise ValueError(
            f"kwic needs a 'text' column (columns: {list(table.columns)}); pass a reports, "
            "sections or items table"
        )
    ids = unit_ids(table)
    docs = table["doc_id"].astype(str).to_numpy() if "doc_id" in table.columns else ids
    texts = ["" if pd.isna(t) else str(t) for t in table["text"]]
    has_units = "unit_id" in table.columns and "start" in table.columns
    bases = [int(s) for s in table["start"]] if has_units else [0] * len(texts)
    parts = table["part"].to_numpy() if "part" in table.columns else None

    if isinstance(pattern, str):
        elements = pattern.split() if tokens is not None else [pattern]
    else:
        elements = [str(p) for p in pattern]
    if not elements or any(p == "" for p in elements):
        raise ValueError("pattern must be a non-empty string or list of non-empty strings")

    records: list[tuple] = []
    if tokens is None:
        window = 20 if window is None else window
        if window < 0:
            raise ValueError(f"window must be non-negative, not {window}")
        source = "|".join(f"(?:{p})" if regex else re.escape(p) for p in elements)
        try:
            compiled = re.compile(source)
        except re.error as err:
            raise ValueError(f"invalid regular expression {pattern!r}: {err}") from err
        for row, text in enumerate(texts):
            for m in compiled.finditer(text):
                if m.end() == m.start():
                    continue
                s, e = m.span()
                records.append(
                    (row, text[max(0, s - window) : s], m.group(), text[e : e + window],
                     bases[row] + s, bases[row] + e)
                )
    else:
        window = 5 if window is None else window
        if window < 0:
            raise ValueError(f"window must be non-negative, not {window}")
        if not isinstance(tokens, pd.Series):
            raise TypeError("tokens must be the Series returned by lawgov.tokenize(table)")
        token_ids = pd.Index(tokens.index.astype(str))
        if len(tokens) != len(table) or not token_ids.equals(pd.Index(ids.astype(str))):
            raise ValueError(
                "tokens are not aligned with the table: pass lawgov.tokenize(table) for this "
                "same table (same rows, same order)"
            )
        try:
            matchers = [re.compile(p) if regex else None for p in elements]
        except re.error as err:
            raise ValueError(f"invalid regular expression {pattern!r}: {err}") from err
        k = len(elements)
        for row, (text, toks) in enumerate(zip(texts, tokens, strict=True)):
            toks = list(toks)
            offsets = None
            for i in range(len(toks) - k + 1):
                window_toks = toks[i : i + k]
                if regex:
                    hit = all(m.fullmatch(t) for m, t in zip(matchers, window_toks, strict=True))
                else:
                    hit = window_toks == elements
                if not hit:
                    continue
                if offsets is None:
                    offsets = _token_offsets(text, toks)
                records.append(
                    (row, " ".join(toks[max(0, i - window) : i]), " ".join(window_toks),
                     " ".join(toks[i + k : i + k + window]),
                     bases[row] + offsets[i][0], bases[row] + offsets[i + k - 1][1])
                )
    rows = np.array([r[0] for r in records], dtype=np.int64)
    out = pd.DataFrame(
        {
            "doc_id": pd.Series(np.asarray(docs)[rows], dtype=object),
            "unit_id": pd.Series(np.asarray(ids)[rows], dtype=object),
        }
    )
    if parts is not None:
        out["part"] = parts[rows]
    out["left"] = [r[1] for r in records]
    out["match"] = [r[2] for r in records]
    out["right"] = [r[3] for r in records]
    out["start"] = np.array([r[4] for r in records], dtype=np.int64)
    out["end"] = np.array([r[5] for r in records], dtype=np.int64)
    return out
