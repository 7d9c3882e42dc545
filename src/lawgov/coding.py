"""Codebook coding of practices (areas of the 2021-2025 national plan) and shortfall themes.

A codebook (``resources/codebook.yml``, or a researcher's own YAML file) is a hierarchy
branch -> area -> category. Each category fires on a *sentence* of a unit's text when one
of its rules matches and none of its ``exclude`` patterns does:

- ``terms``: plain words, matched as substrings;
- ``patterns``: Python regular expressions;
- ``all_of``: co-occurrence rules. A rule is a list of word lists; it fires when the
  sentence holds at least one word of every list, in any order. ``all_of`` is a list of
  such rules (one rule may also be written on its own).

A sentence ends at 。！？；： (or ASCII ``!?;``) or a line break, so a rule's words must share
one clause of that kind, not just a paragraph; the colon counts because reports introduce
lists with it (还存在一些问题和不足：一是……).

Two branches have fixed meanings. ``practices`` are coded in every part of a report, with
the part kept so an analysis can take the measures part only. ``shortfalls`` are coded in
every sentence of a report's shortfalls part (``context = "shortfalls_part"``) and, flagged
separately (``context = "cue_elsewhere"``), in sentences of other parts that hold a
shortfall cue such as 存在, 仍, 尚, 有待, 不足 (the ``shortfall_cues`` of the codebook): the
"但也存在一些问题" passages that reports tuck into their measures.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd

from ._units import unit_ids

__all__: list[str] = [
    "Codebook",
    "load_codebook",
    "code_units",
    "code_matrix",
    "common_practices",
    "recurring_shortfalls",
]

BRANCHES = ("practices", "shortfalls")
SHORTFALLS_PART = "shortfalls"
# Used when a researcher's codebook has a shortfalls branch but lists no cues of its own;
# these are the cue words of the genre (see shared/DOMAIN.md).
DEFAULT_SHORTFALL_CUES = (
    "存在", "仍", "尚", "有待", "不够", "不足", "欠缺", "薄弱", "短板", "差距", "问题",
)
_CATEGORY_KEYS = ("description", "terms", "patterns", "all_of", "exclude")
_AREA_KEYS = ("description", "categories")
_TOP_KEYS = ("shortfall_cues", *BRANCHES)

# A sentence: text up to and including its terminators and any closing quote or bracket.
_SENTENCE = re.compile(r"[^。！？；：!?;\n]+(?:[。！？；：!?;]+[”’」』）)]*)?|[。！？；：!?;]+")

_CODE_COLUMNS = [
    "doc_id", "unit_id", "part", "branch", "area", "category", "matched", "evidence",
    "start", "end", "in_shortfall_part", "context",
]


class CodebookError(ValueError):
    """A codebook file that does not follow the format (a ``ValueError``)."""


@dataclass(frozen=True)
class CodebookEntry:
    """One category of a codebook with its compiled rules.

    ``all_of`` is a tuple of rules, each a tuple of word groups (tuples of words).
    """

    branch: str
    area: str
    category: str
    description: str
    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    all_of: tuple[tuple[tuple[str, ...], ...], ...] = ()
    exclude: tuple[str, ...] = ()
    area_description: str = ""
    _terms_re: re.Pattern | None = field(default=None, repr=False, compare=False)
    _patterns_re: tuple[re.Pattern, ...] = field(default=(), repr=False, compare=False)
    _groups_re: tuple[tuple[re.Pattern, ...], ...] = field(default=(), repr=False, compare=False)
    _exclude_re: tuple[re.Pattern, ...] = field(default=(), repr=False, compare=False)


def _alternation(words: Iterable[str]) -> re.Pattern:
    # A lookahead finds every occurrence, overlapping ones included; longest words first so
    # that the word reported at a position is the most specific one.
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return re.compile("(?=(" + "|".join(re.escape(w) for w in ordered) + "))")


def _compiled(entry: CodebookEntry) -> CodebookEntry:
    return CodebookEntry(
        branch=entry.branch,
        area=entry.area,
        category=entry.category,
        description=entry.description,
        terms=entry.terms,
        patterns=entry.patterns,
        all_of=entry.all_of,
        exclude=entry.exclude,
        area_description=entry.area_description,
        _terms_re=_alternation(entry.terms) if entry.terms else None,
        _patterns_re=tuple(re.compile(p) for p in entry.patterns),
        _groups_re=tuple(tuple(_alternation(g) for g in rule) for rule in entry.all_of),
        _exclude_re=tuple(re.compile(p) for p in entry.exclude),
    )


@dataclass(frozen=True)
class Codebook:
    """A validated codebook: its categories in file order, and the shortfall cues.

    Build one with :func:`load_codebook`.

    Attributes
    ----------
    entries : tuple of CodebookEntry
        Every category, in the order of the file.
    shortfall_cues : tuple of str
        Words that let a sentence outside the shortfalls part count for shortfall themes.
    source : str
        The file it was read from (``"<shipped>"`` path for the packaged codebook).
    """

    entries: tuple[CodebookEntry, ...]
    shortfall_cues: tuple[str, ...] = DEFAULT_SHORTFALL_CUES
    source: str = ""

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def categories(self) -> list[str]:
        """Category names in codebook order."""
        return [e.category for e in self.entries]

    def select(self, branch: str | None = None) -> list[CodebookEntry]:
        """The entries of one branch (all entries when ``branch`` is None)."""
        return [e for e in self.entries if branch is None or e.branch == branch]

    def to_frame(self) -> pd.DataFrame:
        """Every entry as a table, one row per category, for documentation.

        Returns
        -------
        pandas.DataFrame
            Columns: ``branch`` (str), ``area`` (str), ``area_description`` (str),
            ``category`` (str), ``description`` (str), ``terms`` (str, joined by "、"),
            ``patterns`` (str, joined by "  "), ``all_of`` (str: each rule as its word
            lists joined by " + ", lists shown as "a/b", rules joined by "；"), ``exclude``
            (str), ``n_rules`` (int: terms + patterns + all_of rules).

        Examples
        --------
        >>> table = load_codebook().to_frame()
        >>> sorted(table["branch"].unique())
        ['practices', 'shortfalls']
        >>> table.loc[table["category"] == "发展不平衡", "area"].item()
        '保障与均衡'
        """
        rows = []
        for e in self.entries:
            rows.append(
                {
                    "branch": e.branch,
                    "area": e.area,
                    "area_description": e.area_description,
                    "category": e.category,
                    "description": e.description,
                    "terms": "、".join(e.terms),
                    "patterns": "  ".join(e.patterns),
                    "all_of": "；".join(
                        " + ".join("/".join(group) for group in rule) for rule in e.all_of
                    ),
                    "exclude": "  ".join(e.exclude),
                    "n_rules": len(e.terms) + len(e.patterns) + len(e.all_of),
                }
            )
        return pd.DataFrame(rows, columns=[
            "branch", "area", "area_description", "category", "description", "terms",
            "patterns", "all_of", "exclude", "n_rules",
        ])


# ---------------------------------------------------------------------------------------
# Loading and validation


def _duplicate_checking_loader(source: str):
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct_mapping(loader, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                raise CodebookError(
                    f"{source}: line {key_node.start_mark.line + 1}: key {key!r} appears twice "
                    f"in the same mapping (first at line {seen[key]}); merge the two entries"
                )
            seen[key] = key_node.start_mark.line + 1
        return loader.construct_mapping(node, deep=deep)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return Loader


def _string_list(value, where: str, key: str, *, regex: bool = False) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list):
        raise CodebookError(
            f"{where}: '{key}' must be a list of strings, e.g. {key}: [词一, 词二] "
            f"(got {type(value).__name__})"
        )
    out = []
    for item in value:
        if not isinstance(item, str):
            raise CodebookError(
                f"{where}: '{key}' holds {item!r} of type {type(item).__name__}; every "
                "entry must be a string (quote numbers, e.g. '12345')"
            )
        if not item.strip():
            raise CodebookError(f"{where}: '{key}' holds an empty string")
        if regex:
            try:
                re.compile(item)
            except re.error as exc:
                raise CodebookError(
                    f"{where}: invalid regular expression in '{key}': {item!r} ({exc})"
                ) from None
        out.append(item)
    return tuple(out)


def _all_of_rules(value, where: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    if value is None:
        return ()
    example = "all_of: [[普法, 宣传], [单一, 不够丰富]]"
    if not isinstance(value, list) or not value:
        raise CodebookError(
            f"{where}: 'all_of' must be a non-empty list of rules, e.g. {example}"
        )
    # One rule written on its own is a list of word lists; several rules are a list of those.
    if all(isinstance(g, list) and all(isinstance(w, str) for w in g) for g in value):
        raw_rules = [value]
    else:
        raw_rules = value
    rules = []
    for i, rule in enumerate(raw_rules, start=1):
        if not isinstance(rule, list) or len(rule) < 2:
            raise CodebookError(
                f"{where}: all_of rule {i} must be a list of at least two word lists "
                f"(one word from each must occur in the sentence), e.g. {example}"
            )
        groups = []
        for group in rule:
            if not isinstance(group, list) or not group:
                raise CodebookError(
                    f"{where}: all_of rule {i} holds {group!r}; each element must be a "
                    f"non-empty list of words, e.g. {example}"
                )
            groups.append(_string_list(group, where, f"all_of rule {i}"))
        rules.append(tuple(groups))
    return tuple(rules)


def _parse_codebook(data, source: str) -> Codebook:
    if not isinstance(data, dict):
        raise CodebookError(
            f"{source}: the codebook must be a mapping with the branches {', '.join(BRANCHES)}"
        )
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise CodebookError(
            f"{source}: unknown top-level key(s) {unknown}; allowed: {', '.join(_TOP_KEYS)}"
        )
    if not any(b in data for b in BRANCHES):
        raise CodebookError(f"{source}: the codebook has neither a 'practices' nor a "
                            "'shortfalls' branch")
    cues = _string_list(data.get("shortfall_cues"), source, "shortfall_cues")
    entries: list[CodebookEntry] = []
    first_seen: dict[str, str] = {}
    for branch in BRANCHES:
        if branch not in data:
            continue
        areas = data[branch]
        if not isinstance(areas, dict) or not areas:
            raise CodebookError(f"{source}: branch '{branch}' must be a non-empty mapping of areas")
        for area, area_body in areas.items():
            where_area = f"{source}: {branch} → {area}"
            if not isinstance(area_body, dict):
                raise CodebookError(
                    f"{where_area}: an area must be a mapping with 'description' and 'categories'"
                )
            bad = [k for k in area_body if k not in _AREA_KEYS]
            if bad:
                raise CodebookError(
                    f"{where_area}: unknown key(s) {bad}; an area allows {', '.join(_AREA_KEYS)}"
                )
            area_description = area_body.get("description") or ""
            if not isinstance(area_description, str):
                raise CodebookError(f"{where_area}: 'description' must be a string")
            categories = area_body.get("categories")
            if not isinstance(categories, dict) or not categories:
                raise CodebookError(f"{where_area}: 'categories' must be a non-empty mapping")
            for category, body in categories.items():
                category = str(category)
                where = f"{where_area} → {category}"
                if category in first_seen:
                    raise CodebookError(
                        f"{where}: duplicate category name (already defined at "
                        f"{first_seen[category]}); category names must be unique"
                    )
                first_seen[category] = f"{branch} → {area} → {category}"
                if body is None:
                    raise CodebookError(
                        f"{where}: empty category; give it terms, patterns or all_of"
                    )
                if not isinstance(body, dict):
                    raise CodebookError(
                        f"{where}: a category must be a mapping with keys "
                        f"{', '.join(_CATEGORY_KEYS)}"
                    )
                bad = [k for k in body if k not in _CATEGORY_KEYS]
                if bad:
                    raise CodebookError(
                        f"{where}: unknown key(s) {bad}; a category allows "
                        f"{', '.join(_CATEGORY_KEYS)}"
                    )
                description = body.get("description")
                if not isinstance(description, str) or not description.strip():
                    raise CodebookError(f"{where}: 'description' (one line saying what the "
                                        "category means) is missing or not a string")
                if "\n" in description.strip():
                    raise CodebookError(f"{where}: 'description' must be one line")
                terms = _string_list(body.get("terms"), where, "terms")
                patterns = _string_list(body.get("patterns"), where, "patterns", regex=True)
                all_of = _all_of_rules(body.get("all_of"), where)
                exclude = _string_list(body.get("exclude"), where, "exclude", regex=True)
                if not (terms or patterns or all_of):
                    raise CodebookError(
                        f"{where}: empty category; give it terms, patterns or all_of"
                    )
                entries.append(_compiled(CodebookEntry(
                    branch=branch, area=str(area), category=category,
                    description=description.strip(), terms=terms, patterns=patterns,
                    all_of=all_of, exclude=exclude, area_description=area_description.strip(),
                )))
    return Codebook(entries=tuple(entries), shortfall_cues=cues or DEFAULT_SHORTFALL_CUES,
                    source=source)


def _read_codebook_text(text: str, source: str) -> Codebook:
    import yaml

    try:
        data = yaml.load(text, Loader=_duplicate_checking_loader(source))  # noqa: S506
    except CodebookError:
        raise
    except yaml.YAMLError as exc:
        raise CodebookError(f"{source}: not valid YAML: {exc}") from None
    return _parse_codebook(data, source)


@lru_cache(maxsize=1)
def _shipped_codebook() -> Codebook:
    ref = resources.files("lawgov") / "resources" / "codebook.yml"
    return _read_codebook_text(ref.read_text(encoding="utf-8"), str(ref))


def load_codebook(path: str | os.PathLike | None = None) -> Codebook:
    """Load and validate a codebook: the shipped one, or a researcher's own YAML file.

    The file format is described at the top of ``lawgov/resources/codebook.yml``. The shipped
    codebook codes practices by the nine areas of 《法治政府建设实施纲要（2021－2025年）》
    (61 categories) and 14 recurring shortfall themes.

    Parameters
    ----------
    path : str or path-like, optional
        A YAML codebook. ``None`` loads the shipped one.

    Returns
    -------
    Codebook

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not valid YAML or breaks the format: unknown keys, empty categories,
        invalid regular expressions, values of the wrong type, duplicate category names.
        The message names the file and the branch → area → category concerned.

    Examples
    --------
    >>> codebook = load_codebook()
    >>> len(codebook.select("practices")) >= 40, len(codebook.select("shortfalls")) >= 12
    (True, True)
    >>> codebook.select("shortfalls")[0].category
    '重视与意识不足'
    """
    if path is None:
        return _shipped_codebook()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"codebook file not found: {path}")
    return _read_codebook_text(path.read_text(encoding="utf-8"), str(path))


def _resolve_codebook(codebook) -> Codebook:
    if codebook is None:
        return load_codebook()
    if isinstance(codebook, Codebook):
        return codebook
    if isinstance(codebook, (str, os.PathLike)):
        return load_codebook(codebook)
    raise TypeError(
        f"codebook must be a Codebook, a path to a YAML codebook or None, not "
        f"{type(codebook).__name__}"
    )


# ---------------------------------------------------------------------------------------
# Coding


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, surrounding whitespace excluded."""
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def _hits_by_sentence(regex: re.Pattern, text: str, starts: list[int], ends: list[int],
                      lookahead: bool) -> dict[int, list[str]]:
    """Map sentence index -> matched strings, for a regex searched over the whole text."""
    found: dict[int, list[str]] = {}
    for m in regex.finditer(text):
        if lookahead:
            pos, word = m.start(), m.group(1)
            stop = pos + len(word)
        else:
            pos, stop, word = m.start(), m.end(), m.group(0)
        i = bisect.bisect_right(starts, pos) - 1
        # A match must lie inside one sentence (not across its boundary).
        if i >= 0 and stop <= ends[i] and word:
            found.setdefault(i, []).append(word)
    return found


def _code_entry(entry: CodebookEntry, text: str, starts, ends) -> dict[int, list[str]]:
    matched: dict[int, list[str]] = {}

    def add(found: dict[int, list[str]]) -> None:
        for i, words in found.items():
            bucket = matched.setdefault(i, [])
            for w in words:
                if w not in bucket:
                    bucket.append(w)

    if entry._terms_re is not None:
        add(_hits_by_sentence(entry._terms_re, text, starts, ends, lookahead=True))
    for pattern in entry._patterns_re:
        add(_hits_by_sentence(pattern, text, starts, ends, lookahead=False))
    for rule in entry._groups_re:
        per_group = [_hits_by_sentence(g, text, starts, ends, lookahead=True) for g in rule]
        common = set(per_group[0])
        for found in per_group[1:]:
            common &= set(found)
        add({i: ["+".join(found[i][0] for found in per_group)] for i in sorted(common)})
    if matched and entry._exclude_re:
        for pattern in entry._exclude_re:
            for i in _hits_by_sentence(pattern, text, starts, ends, lookahead=False):
                matched.pop(i, None)
    return matched


def _as_part_list(part) -> list[str] | None:
    if part is None:
        return None
    if isinstance(part, str):
        return [part]
    if isinstance(part, Iterable) and all(isinstance(p, str) for p in part):
        return list(part)
    raise TypeError(f"part must be a part name, a list of part names or None, not {part!r}")


def _empty_codes() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in _CODE_COLUMNS})
    frame["start"] = frame["start"].astype("int64")
    frame["end"] = frame["end"].astype("int64")
    frame["in_shortfall_part"] = frame["in_shortfall_part"].astype(bool)
    return frame


def code_units(
    units: pd.DataFrame,
    codebook: Codebook | str | os.PathLike | None = None,
    *,
    part: str | Sequence[str] | None = None,
    branch: Literal["practices", "shortfalls"] | None = None,
) -> pd.DataFrame:
    """Code the sentences of a unit table against a codebook.

    Every sentence of every unit is tested against every category (see the module
    docstring for the rule types). Practices are coded everywhere. Shortfall themes are
    coded in every sentence of a unit whose part is ``"shortfalls"``, and elsewhere only in
    sentences holding one of the codebook's ``shortfall_cues``; ``context`` tells the two
    apart so analyses can keep them separate.

    Parameters
    ----------
    units : pandas.DataFrame
        A reports, sections or items table (needs ``doc_id`` and ``text``; ``unit_id`` and
        ``part`` are used when present). Without a ``part`` column no unit is a shortfalls
        part, so shortfall themes come only from cue sentences.
    codebook : Codebook, path or None
        ``None`` uses the shipped codebook.
    part : str or list of str, optional
        Code only units of these parts (needs a ``part`` column).
    branch : {"practices", "shortfalls"}, optional
        Code only this branch.

    Returns
    -------
    pandas.DataFrame
        One row per sentence and category that fired, in unit order, then sentence order,
        then codebook order. Columns:

        - ``doc_id`` (str): the report.
        - ``unit_id`` (str): the unit (the ``doc_id`` for a reports table).
        - ``part`` (str): the unit's part; missing (NaN) when the table has no ``part``.
        - ``branch`` (str): ``"practices"`` or ``"shortfalls"``.
        - ``area`` (str), ``category`` (str): the codebook entry.
        - ``matched`` (str): what fired, joined by ", ": terms, the text a pattern
          matched, and for an all_of rule its words joined by "+" (``普法+单一``).
        - ``evidence`` (str): the sentence.
        - ``start``, ``end`` (int): the sentence's offsets in the unit's text (end
          exclusive), so ``text[start:end] == evidence``.
        - ``in_shortfall_part`` (bool): the unit belongs to the shortfalls part.
        - ``context`` (str): for shortfall themes ``"shortfalls_part"`` or
          ``"cue_elsewhere"``; missing (NaN) for practices.

    Raises
    ------
    ValueError
        If ``units`` lacks ``doc_id`` or ``text``, if ``part`` is given but the table has no
        ``part`` column, or if ``branch`` is not one of the allowed values.

    Examples
    --------
    >>> import pandas as pd
    >>> items = pd.DataFrame({
    ...     "doc_id": ["d1", "d1"], "unit_id": ["d1:i1", "d1:i2"],
    ...     "part": ["measures", "shortfalls"],
    ...     "text": ["全面落实行政执法“三项制度”。但普法形式仍较单一。",
    ...              "一是专业人员不足，人员流动性大。"],
    ... })
    >>> codes = code_units(items)
    >>> for row in codes[["unit_id", "category", "matched", "context"]].itertuples(index=False):
    ...     print(*row)
    d1:i1 三项制度 三项制度 nan
    d1:i1 普法实效不足 普法+单一 cue_elsewhere
    d1:i2 人员力量不足 专业人员不足, 人员流动性大, 人员+不足 shortfalls_part
    >>> codes.loc[1, "evidence"], int(codes.loc[1, "start"]), int(codes.loc[1, "end"])
    ('但普法形式仍较单一。', 15, 25)
    """
    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"units must be a pandas DataFrame, not {type(units).__name__}")
    for column in ("doc_id", "text"):
        if column not in units.columns:
            raise ValueError(
                f"units needs a '{column}' column (a reports, sections or items table); "
                f"got columns {list(units.columns)}"
            )
    if branch is not None and branch not in BRANCHES:
        raise ValueError(f"branch must be one of {', '.join(BRANCHES)} or None, not {branch!r}")
    parts_wanted = _as_part_list(part)
    has_part = "part" in units.columns
    if parts_wanted is not None and not has_part:
        raise ValueError(
            "part= filters by the 'part' column, which this table lacks; pass a sections or "
            "items table (lawgov.split_sections / lawgov.split_items) or leave part=None"
        )
    book = _resolve_codebook(codebook)
    entries = book.select(branch)
    cue_re = _alternation(book.shortfall_cues) if book.shortfall_cues else None

    ids = unit_ids(units)
    rows: list[dict] = []
    for uid, doc_id, text, unit_part in zip(
        ids,
        units["doc_id"].astype(str),
        units["text"],
        units["part"] if has_part else [None] * len(units),
        strict=True,
    ):
        unit_part = None if unit_part is None or pd.isna(unit_part) else str(unit_part)
        if parts_wanted is not None and unit_part not in parts_wanted:
            continue
        if not isinstance(text, str) or not text:
            continue
        spans = _sentences(text)
        if not spans:
            continue
        starts = [s for s, _ in spans]
        ends = [e for _, e in spans]
        in_shortfalls = unit_part == SHORTFALLS_PART
        with_cue: set[int] = set()
        if not in_shortfalls and cue_re is not None:
            with_cue = set(_hits_by_sentence(cue_re, text, starts, ends, lookahead=True))
        unit_rows = []
        for order, entry in enumerate(entries):
            for i, matched in _code_entry(entry, text, starts, ends).items():
                if entry.branch == "shortfalls":
                    if in_shortfalls:
                        context = "shortfalls_part"
                    elif i in with_cue:
                        context = "cue_elsewhere"
                    else:
                        continue
                else:
                    context = None
                # A word inside another matched word at an overlapping position adds
                # nothing (法治意识不强 already says 意识不强).
                matched = [w for w in matched if not any(w != o and w in o for o in matched)]
                start, end = spans[i]
                unit_rows.append((i, order, {
                    "doc_id": doc_id, "unit_id": uid, "part": unit_part,
                    "branch": entry.branch, "area": entry.area, "category": entry.category,
                    "matched": ", ".join(matched), "evidence": text[start:end],
                    "start": start, "end": end, "in_shortfall_part": in_shortfalls,
                    "context": context,
                }))
        unit_rows.sort(key=lambda r: (r[0], r[1]))
        rows.extend(r[2] for r in unit_rows)
    if not rows:
        return _empty_codes()
    codes = pd.DataFrame(rows, columns=_CODE_COLUMNS)
    codes["start"] = codes["start"].astype("int64")
    codes["end"] = codes["end"].astype("int64")
    codes["in_shortfall_part"] = codes["in_shortfall_part"].astype(bool)
    return codes


# ---------------------------------------------------------------------------------------
# Comparison across groups of reports


def _check_codes(codes: pd.DataFrame) -> None:
    missing = [c for c in ("doc_id", "branch", "category") if c not in codes.columns]
    if missing:
        raise ValueError(f"codes lacks column(s) {missing}; pass the output of code_units")


def _report_groups(reports: pd.DataFrame, by: str) -> pd.DataFrame:
    """doc_id, group and n_chars of each report that has a group."""
    if "doc_id" not in reports.columns:
        raise ValueError("reports needs a 'doc_id' column (the reports table)")
    if by not in reports.columns:
        raise ValueError(
            f"by={by!r} is not a column of reports; choose one of {list(reports.columns)} "
            "(e.g. 'province', 'city', 'unit_level', 'year', 'doc_id')"
        )
    if "n_chars" in reports.columns:
        n_chars = reports["n_chars"]
    elif "text" in reports.columns:
        n_chars = reports["text"].fillna("").str.len()
    else:
        n_chars = pd.Series(float("nan"), index=reports.index)
    table = pd.DataFrame({
        "doc_id": reports["doc_id"].astype(str).to_numpy(),
        "group": reports[by].to_numpy(),
        "n_chars": pd.to_numeric(n_chars).to_numpy(),
    })
    # Reports whose group is unknown (e.g. an unresolved province) belong to no group.
    return table[table["group"].notna()].reset_index(drop=True)


def _filter_codes(codes, *, branch, part, cue_elsewhere) -> pd.DataFrame:
    keep = pd.Series(True, index=codes.index)
    if branch is not None:
        if branch not in BRANCHES:
            raise ValueError(f"branch must be one of {', '.join(BRANCHES)} or None, not {branch!r}")
        keep &= codes["branch"] == branch
    parts = _as_part_list(part)
    if parts is not None:
        if "part" not in codes.columns:
            raise ValueError("part= needs a 'part' column in codes")
        keep &= codes["part"].isin(parts)
    if not cue_elsewhere and "context" in codes.columns:
        keep &= codes["context"].ne("cue_elsewhere") | codes["context"].isna()
    return codes[keep]


def _category_order(codes: pd.DataFrame, codebook, branch) -> list[str]:
    if codebook is not None:
        return [e.category for e in _resolve_codebook(codebook).select(branch)]
    return list(dict.fromkeys(codes["category"]))


def code_matrix(
    codes: pd.DataFrame,
    reports: pd.DataFrame,
    *,
    by: str = "province",
    normalize: Literal["count", "per10k", "binary"] = "count",
    branch: Literal["practices", "shortfalls"] | None = None,
    part: str | Sequence[str] | None = None,
    cue_elsewhere: bool = False,
    codebook: Codebook | str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Tabulate codes by group of reports: a group × category table.

    Parameters
    ----------
    codes : pandas.DataFrame
        Output of :func:`code_units`.
    reports : pandas.DataFrame
        The reports table (``doc_id``, the ``by`` column, and ``n_chars`` or ``text``).
        Reports whose ``by`` value is missing are left out.
    by : str
        Column of ``reports`` that defines the groups (``"province"``, ``"city"``,
        ``"year"``, ``"doc_id"`` for one row per report ...).
    normalize : {"count", "per10k", "binary"}
        ``"count"``: number of coded sentences; ``"per10k"``: that count per 10,000
        characters of the group's reports (sum of ``n_chars``); ``"binary"``: 1 if the
        category occurs in the group, else 0.
    branch : {"practices", "shortfalls"}, optional
        Keep one branch only.
    part : str or list of str, optional
        Keep codes from these parts only (e.g. ``"measures"``).
    cue_elsewhere : bool
        Whether shortfall codes found outside the shortfalls part (``context ==
        "cue_elsewhere"``) count. Default False: only the shortfalls part counts.
    codebook : Codebook or path, optional
        When given, columns follow the codebook's order and include categories that never
        occur (all zero); otherwise columns are the categories present, in order of first
        appearance.

    Returns
    -------
    pandas.DataFrame
        Index: the groups (sorted, named after ``by``), every group that has a report,
        coded or not. Columns: one per category (int for count and binary, float for
        per10k), column index named ``category``.

    Examples
    --------
    >>> import pandas as pd
    >>> reports = pd.DataFrame({"doc_id": ["a", "b"], "province": ["河南省", "湖北省"],
    ...                         "n_chars": [5000, 20000]})
    >>> codes = pd.DataFrame({"doc_id": ["a", "a", "b"], "branch": ["practices"] * 3,
    ...                       "category": ["信访", "信访", "枫桥经验"], "context": [None] * 3})
    >>> code_matrix(codes, reports, normalize="per10k")
    category   信访  枫桥经验
    province
    河南省       4.0   0.0
    湖北省       0.0   0.5
    """
    allowed = ("count", "per10k", "binary")
    if normalize not in allowed:
        raise ValueError(f"normalize must be one of {', '.join(allowed)}, not {normalize!r}")
    _check_codes(codes)
    groups = _report_groups(reports, by)
    kept = _filter_codes(codes, branch=branch, part=part, cue_elsewhere=cue_elsewhere)
    columns = _category_order(kept, codebook, branch)
    joined = kept.merge(groups[["doc_id", "group"]], on="doc_id", how="inner")
    group_index = pd.Index(sorted(groups["group"].unique()), name=by)
    counts = (
        pd.crosstab(joined["group"], joined["category"])
        if len(joined) else pd.DataFrame()
    )
    counts = counts.reindex(index=group_index, columns=columns, fill_value=0).astype("int64")
    counts.columns.name = "category"
    if normalize == "binary":
        return (counts > 0).astype("int64")
    if normalize == "per10k":
        if groups["n_chars"].isna().any():
            raise ValueError("normalize='per10k' needs the length of every report: give "
                             "reports an 'n_chars' or a 'text' column")
        chars = groups.groupby("group")["n_chars"].sum().reindex(group_index)
        return (counts * 10_000).div(chars.to_numpy(), axis=0)
    return counts


def _group_presence(codes, reports, by, branch, part, cue_elsewhere):
    _check_codes(codes)
    groups = _report_groups(reports, by)
    kept = _filter_codes(codes, branch=branch, part=part, cue_elsewhere=cue_elsewhere)
    joined = kept.merge(groups[["doc_id", "group"]], on="doc_id", how="inner")
    return groups, joined


def common_practices(
    codes: pd.DataFrame,
    reports: pd.DataFrame,
    *,
    by: str = "province",
    min_share: float = 0.8,
    part: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Practice categories that all or most groups of reports mention.

    Parameters
    ----------
    codes : pandas.DataFrame
        Output of :func:`code_units`.
    reports : pandas.DataFrame
        The reports table (``doc_id`` and the ``by`` column); reports whose group is
        missing are left out.
    by : str
        Column of ``reports`` that defines the groups.
    min_share : float
        Keep categories found in at least this share of the groups (0 < min_share <= 1;
        1.0 means every group).
    part : str or list of str, optional
        Count codes from these parts only; ``"measures"`` keeps what reports say they did,
        leaving out plans and shortfalls. Default: every part.

    Returns
    -------
    pandas.DataFrame
        One row per category, most widespread first (ties in order of first appearance
        in ``codes``). Columns: ``area`` (str), ``category`` (str), ``n_groups`` (int:
        groups that mention it), ``n_total`` (int: groups with a report), ``share``
        (float: n_groups / n_total), ``groups`` (list of str, sorted).

    Examples
    --------
    >>> import pandas as pd
    >>> reports = pd.DataFrame({"doc_id": ["a", "b", "c"],
    ...                         "province": ["河南省", "湖北省", "江苏省"]})
    >>> codes = pd.DataFrame({
    ...     "doc_id": ["a", "b", "c", "a"], "branch": ["practices"] * 4,
    ...     "area": ["矛盾纠纷化解"] * 3 + ["行政执法"],
    ...     "category": ["信访", "信访", "信访", "持证上岗"], "part": ["measures"] * 4})
    >>> common_practices(codes, reports, min_share=0.6)
           area category  n_groups  n_total  share             groups
    0  矛盾纠纷化解       信访         3        3    1.0  [江苏省, 河南省, 湖北省]
    """
    if not 0 < min_share <= 1:
        raise ValueError(f"min_share must be in (0, 1], not {min_share!r}")
    groups, joined = _group_presence(codes, reports, by, "practices", part, False)
    n_total = int(groups["group"].nunique())
    return _presence_table(joined, n_total, lambda n: n_total and n / n_total >= min_share)


def _presence_table(joined: pd.DataFrame, n_total: int, keep) -> pd.DataFrame:
    columns = ["area", "category", "n_groups", "n_total", "share", "groups"]
    rows = []
    for order, (category, sub) in enumerate(joined.groupby("category", sort=False)):
        names = sorted(str(g) for g in sub["group"].unique())
        if not keep(len(names)):
            continue
        rows.append({
            "area": sub["area"].iloc[0] if "area" in sub.columns else None,
            "category": category, "n_groups": len(names), "n_total": n_total,
            "share": len(names) / n_total, "groups": names, "_order": order,
        })
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(rows).sort_values(["n_groups", "_order"], ascending=[False, True])
    return table[columns].reset_index(drop=True)


def recurring_shortfalls(
    codes: pd.DataFrame,
    reports: pd.DataFrame,
    *,
    by: str = "province",
    min_groups: int = 2,
    cue_elsewhere: bool = False,
) -> pd.DataFrame:
    """Shortfall themes that recur in at least ``min_groups`` groups, with one quote per group.

    Parameters
    ----------
    codes : pandas.DataFrame
        Output of :func:`code_units`.
    reports : pandas.DataFrame
        The reports table (``doc_id`` and the ``by`` column); reports whose group is
        missing are left out.
    by : str
        Column of ``reports`` that defines the groups.
    min_groups : int
        Keep themes found in at least this many groups (>= 1).
    cue_elsewhere : bool
        Whether shortfall sentences found outside the shortfalls part count. Default False.

    Returns
    -------
    pandas.DataFrame
        Long format, one row per theme and group where it occurs; themes found in most
        groups first, then in order of first appearance in ``codes``, groups sorted.
        Columns: ``area`` (str), ``category`` (str: the theme), ``n_groups`` (int),
        ``n_total`` (int: groups with a report), ``share`` (float), ``group`` (the group's
        value), ``doc_id`` (str) and ``unit_id`` (str) of the quote, ``quote`` (str: the
        first coded sentence of the group, in codes order, shortfalls part before cue
        sentences), ``matched`` (str: what fired in it).

    Examples
    --------
    >>> import pandas as pd
    >>> reports = pd.DataFrame({"doc_id": ["a", "b"], "province": ["河南省", "湖北省"]})
    >>> codes = pd.DataFrame({
    ...     "doc_id": ["a", "b", "b"], "unit_id": ["a:i1", "b:i1", "b:i2"],
    ...     "branch": ["shortfalls"] * 3, "area": ["保障与均衡"] * 3,
    ...     "category": ["经费保障不足"] * 3, "context": ["shortfalls_part"] * 3,
    ...     "evidence": ["经费保障不足。", "资金紧张。", "经费有限。"],
    ...     "matched": ["经费保障不足", "资金+紧张", "经费+有限"]})
    >>> recurring_shortfalls(codes, reports)[["category", "n_groups", "group", "quote"]]
      category  n_groups group    quote
    0   经费保障不足         2   河南省  经费保障不足。
    1   经费保障不足         2   湖北省    资金紧张。
    """
    if isinstance(min_groups, bool) or not isinstance(min_groups, int) or min_groups < 1:
        raise ValueError(f"min_groups must be a positive integer, not {min_groups!r}")
    for column in ("evidence",):
        if column not in codes.columns:
            raise ValueError(f"codes lacks column {column!r}; pass the output of code_units")
    groups, joined = _group_presence(codes, reports, by, "shortfalls", None, cue_elsewhere)
    n_total = int(groups["group"].nunique())
    columns = ["area", "category", "n_groups", "n_total", "share", "group", "doc_id",
               "unit_id", "quote", "matched"]
    summary = _presence_table(joined, n_total, lambda n: n >= min_groups)
    if summary.empty:
        return pd.DataFrame(columns=columns)
    joined = joined.reset_index(drop=True)
    # Quotes from the shortfalls part are preferred; the stable sort keeps codes order.
    rank = (joined["context"].eq("cue_elsewhere").astype(int)
            if "context" in joined.columns else pd.Series(0, index=joined.index))
    joined = joined.assign(_rank=rank.to_numpy()).sort_values("_rank", kind="stable")
    rows = []
    for record in summary.itertuples(index=False):
        sub = joined[joined["category"] == record.category]
        first = sub.drop_duplicates("group")
        for quote in sorted(first.itertuples(index=False), key=lambda r: str(r.group)):
            rows.append({
                "area": record.area, "category": record.category,
                "n_groups": record.n_groups, "n_total": record.n_total,
                "share": record.share, "group": quote.group, "doc_id": quote.doc_id,
                "unit_id": getattr(quote, "unit_id", quote.doc_id),
                "quote": quote.evidence, "matched": getattr(quote, "matched", None),
            })
    return pd.DataFrame(rows, columns=columns)
