"""Resolving where a report comes from: issuing unit, county, city and province.

The gazetteer is the national table of administrative divisions shipped inside the PyPI
package JioNLP (``jionlp/dictionary/china_location.zip``): province, prefecture, county and
township/subdistrict names, with the statistical division codes of the first three levels
(JioNLP ships no township codes, so a township's ``admin_code`` is its county's, and
``admin_code_level`` says so).

Division names are found by scanning the text for the characters a division name ends
with (省 市 区 县 旗 州 盟 镇 乡 道 木) and looking the preceding characters up in a dict,
so resolving a 10 kB report takes well under a millisecond once the gazetteer is loaded.
"""

from __future__ import annotations

import codecs
import importlib.util
import os
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from ._cache import file_key, load_or_build, module_digest

__all__: list[str] = ["resolve_region"]

# Hong Kong, Macao and Taiwan are left out: their rows in the table carry no usable codes,
# they publish no 法治政府建设 reports, and their district names (中山区, 东区) would only
# add false candidates for mainland names.
_EXCLUDED_PROVINCE_CODES = ("71", "81", "82")
_PLACEHOLDERS = ("省直辖行政区划", "市直辖行政区划")
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
# Township-level rows that are not 镇/乡/街道/苏木 (farms, parks, prisons, development
# zones) are not governments that publish these reports, and their generic names
# (开发区, 林场, 社区) are the commonest false hits.
_TOWN_SUFFIXES = ("街道", "镇", "乡", "苏木")
# Real division names that are also everyday words of these reports.
_GENERIC_NAMES = frozenset(
    "社区 街道 城区 郊区 矿区 新区 东区 西区 南区 北区 中区 园区 辖区 市区 县区 开发区 高新区 "
    "工业区 经济开发区 工业园区 市辖区 城关镇 城关街道 乡镇 村镇 城镇 特区".split()
)
# Suffix + next character forming an everyday word (乡镇, 县域, 市场 ...): the name ends
# earlier than the suffix suggests, so the hit is dropped.
_BAD_FOLLOWERS = {
    "乡": "镇村",
    "县": "域级城直区",
    "市": "场级民区县直",
    "区": "域级县直",
    "省": "级直",
    "镇": "级",
}
_END_CHARS = "省市区县旗州盟镇乡道木"
_END_RE = re.compile(f"[{_END_CHARS}]")
_BOOK_RE = re.compile(r"《[^《》\n]{0,80}》")
_HAN_RE = re.compile(r"[\u3400-\u9fff]")
_LEVEL_DEPTH = {"province": 1, "prefecture": 2, "county": 3, "township": 4, "subdistrict": 4}
_SELF_CUES: dict[str, re.Pattern[str]] = {
    "town": re.compile(
        r"我镇|本镇|全镇|我乡|本乡|全乡|我街道|本街道|全街道|街道党工委|街道办事处|"
        r"镇党委|乡党委|镇人民政府|乡人民政府"
    ),
    "county": re.compile(r"我县|本县|我区|本区|我旗|本旗"),
    "city": re.compile(r"我市|本市"),
    "province": re.compile(r"我省|本省"),
}
_HEAD_CHARS = 200


class _Division(NamedTuple):
    """One row of the gazetteer: a division and the chain of divisions above it.

    A named tuple, not a frozen dataclass: the table builds 43,000 of them in every worker
    process, and a frozen dataclass's constructor takes three times as long.
    """

    name: str
    level: str
    province: str
    city: str | None
    county: str | None
    town: str | None
    admin_code: str | None
    admin_code_level: str | None = None

    @property
    def key(self) -> tuple[str | None, ...]:
        return (self.province, self.city, self.county, self.town)[: _LEVEL_DEPTH[self.level]]

    def ancestor_keys(self) -> dict[str, tuple[str | None, ...]]:
        """Keys of the divisions above this one, by their level."""
        full = (self.province, self.city, self.county, self.town)
        keys: dict[str, tuple[str | None, ...]] = {}
        for level, depth in (("province", 1), ("prefecture", 2), ("county", 3)):
            if depth < _LEVEL_DEPTH[self.level] and full[depth - 1] is not None:
                keys[level] = full[:depth]
        return keys

    def chain(self) -> str:
        """``province/city/county/town`` with absent levels left out (a municipality once)."""
        city = None if self.city == self.province else self.city
        return "/".join(p for p in (self.province, city, self.county, self.town) if p)


@dataclass(frozen=True)
class _Gazetteer:
    """Lookup tables over the national division table."""

    by_name: dict[str, tuple[_Division, ...]]
    by_alias: dict[str, tuple[_Division, ...]]
    # Name lengths, longest first, by the last ``suffix`` characters of the names: two when
    # every name has two or more. Most suffix characters in a report (市场, 地区, 渠道) end
    # no name, which the last two characters tell at once.
    lengths_by_suffix: dict[str, tuple[int, ...]]
    suffix: int
    source: str


def _default_gazetteer_path() -> Path:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the national division table comes from the package jionlp, which is not "
            "installed: run `pip install jionlp==1.5.31`, or pass gazetteer=PATH to a table "
            "in the same format"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "dictionary" / "china_location.zip"


# A line above village level: at most three tabs, then something else. The pattern starts
# with the line break, so re skips from line to line without Python seeing the 650,000
# village lines (0.28 s -> 0.12 s for the shipped table).
_UPPER_LINE_RE = re.compile(rb"\n(\t{0,3}[^\t\n][^\n]*)")


def _upper_lines(handle, block: int = 1 << 20) -> Iterator[str]:
    rest = b"\n"
    first = True
    while True:
        data = handle.read(block)
        if first:
            data = data.removeprefix(codecs.BOM_UTF8)
            first = False
        if not data:
            break
        data = rest + data
        cut = data.rfind(b"\n")
        for match in _UPPER_LINE_RE.finditer(data, 0, cut):
            yield match.group(1).decode("utf-8").rstrip("\r")
        rest = data[cut:]
    for match in _UPPER_LINE_RE.finditer(rest + b"\n"):
        yield match.group(1).decode("utf-8").rstrip("\r")


def _table_lines(path: Path) -> Iterator[str]:
    """The table's lines above village level, streamed: holding 12 MB of text at once
    would cost ~100 MB."""
    if not path.is_file():
        raise FileNotFoundError(
            f"gazetteer file {str(path)!r} does not exist: pass the path of a division table "
            "(a .txt or a .zip holding one .txt, in JioNLP's china_location format)"
        )
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith(".txt")]
            if len(names) != 1:
                raise ValueError(
                    f"gazetteer archive {str(path)!r} must hold exactly one .txt table, "
                    f"found {names}"
                )
            with archive.open(names[0]) as handle:
                yield from _upper_lines(handle)
    else:
        with path.open("rb") as handle:
            yield from _upper_lines(handle)


def _town_level(name: str) -> str | None:
    if name.endswith("街道"):
        return "subdistrict"
    if name.endswith(("镇", "乡", "苏木")):
        return "township"
    return None


@lru_cache(maxsize=4)
def _load_gazetteer(path: str | None = None) -> _Gazetteer:
    """The division table, parsed once per process and per path.

    The parse is also kept in lawgov's disk cache (:mod:`lawgov._cache`), keyed by the
    table file and this module's code: a new process loads it in 0.1 s instead of 0.3 s.
    """
    table = _default_gazetteer_path() if path is None else Path(path)
    source = f"jionlp {table.name}" if path is None else str(path)
    try:
        key = {**file_key(table), "source": source, "code": module_digest(__file__)}
    except OSError:
        return _parse_gazetteer(table, source)  # raises the error that names the file
    return load_or_build("gazetteer", key, lambda: _parse_gazetteer(table, source))


def _parse_gazetteer(table: Path, source: str) -> _Gazetteer:
    """Parse a division table.

    The table is indented with tabs: province, prefecture, county, township, village
    (villages are skipped). Province, prefecture and county rows are
    ``name<TAB>code<TAB>short name[/other short name]``.
    """
    by_name: dict[str, list[_Division]] = defaultdict(list)
    by_alias: dict[str, list[_Division]] = defaultdict(list)
    province = city = county = None
    province_code = ""
    skip = False

    def add(division: _Division, names: list[str], aliases: list[str]) -> None:
        for name in dict.fromkeys(names):
            by_name[name].append(division)
        for alias in dict.fromkeys(aliases):
            if len(alias) >= 2 and alias not in names:
                by_alias[alias].append(division)

    for line in _table_lines(table):
        if line.startswith("\t\t\t\t"):
            continue
        line = line.rstrip("\r\n")
        depth = len(line) - len(line.lstrip("\t"))
        if depth >= 4:
            continue
        fields = line.strip().split("\t")
        name = fields[0]
        if not name:
            continue
        code = fields[1] if len(fields) > 1 else None
        aliases = fields[2].split("/") if len(fields) > 2 else []
        if depth == 0:
            province, city, county = name, None, None
            city_code = parent_code = parent_level = None
            province_code = code or ""
            skip = province_code.startswith(_EXCLUDED_PROVINCE_CODES)
            if not skip:
                add(_Division(name, "province", name, None, None, None, code, "province"),
                    [name], aliases)
            continue
        if skip:
            continue
        if depth == 1:
            county = None
            if name in _PLACEHOLDERS:
                city = None
            elif name == province:
                city = name
            else:
                city = name
                add(
                    _Division(name, "prefecture", province, name, None, None, code, "prefecture"),
                    [name], aliases,
                )
            # Towns listed directly under a prefecture (东莞市, 中山市) carry its code.
            city_code = parent_code = code
            parent_level = "prefecture"
        elif depth == 2:
            if name in _PLACEHOLDERS:
                county = None
                parent_code, parent_level = city_code, "prefecture"
            else:
                county = name
                add(_Division(name, "county", province, city, name, None, code, "county"),
                    [name], aliases)
                parent_code, parent_level = code, "county"
        else:
            parent = county or city or ""
            bare = (
                name[len(parent) :]
                if parent and name.startswith(parent) and len(name) > len(parent) + 1
                else name
            )
            level = _town_level(bare)
            if level is None:
                continue
            # 济源市下冶镇 is indexed as written and as 下冶镇, the way reports name it.
            # The table has no township codes: a town carries the code of the county (or
            # county-level city) it belongs to, and says so in admin_code_level.
            add(_Division(bare, level, province, city, county, bare, parent_code, parent_level),
                [bare, name], [])

    suffix = 2 if all(len(name) >= 2 for name in by_name) else 1
    lengths: dict[str, set[int]] = defaultdict(set)
    for name in by_name:
        lengths[name[-suffix:]].add(len(name))
    return _Gazetteer(
        by_name={k: tuple(v) for k, v in by_name.items()},
        by_alias={k: tuple(v) for k, v in by_alias.items()},
        lengths_by_suffix={k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()},
        suffix=suffix,
        source=source,
    )


@dataclass(frozen=True)
class _Mention:
    name: str
    start: int
    end: int
    divisions: tuple[_Division, ...]
    in_book: bool
    in_head: bool


def _book_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _BOOK_RE.finditer(text)]


def _find_mentions(text: str, gaz: _Gazetteer, head_end: int) -> list[_Mention]:
    """Every division name in ``text``, longest name at each end position."""
    books = _book_spans(text)
    found: list[_Mention] = []
    lengths_by_suffix, suffix = gaz.lengths_by_suffix, gaz.suffix
    for match in _END_RE.finditer(text):
        end = match.end()
        lengths = lengths_by_suffix.get(text[end - suffix : end]) if end >= suffix else None
        if lengths is None:
            continue
        char = match.group()
        after = text[end : end + 1]
        for length in lengths:
            start = end - length
            if start < 0:
                continue
            name = text[start:end]
            divisions = gaz.by_name.get(name)
            if divisions is None:
                continue
            if name in _GENERIC_NAMES or (after and after in _BAD_FOLLOWERS.get(char, "")):
                break
            # A one-character stem (盂县, 叶县) hides inside ordinary words (完成县级,
            # 振兴县域): it counts only at a word boundary or right after another name.
            if length == 2 and start > 0 and _HAN_RE.match(text[start - 1]):
                if not (found and found[-1].end == start):
                    break
            found.append(
                _Mention(
                    name,
                    start,
                    end,
                    divisions,
                    any(a < start and end < b for a, b in books),
                    start < head_end,
                )
            )
            break
    return found


def _alias_chain(text: str, mention: _Mention, gaz: _Gazetteer) -> list[tuple[str, int, _Division]]:
    """Short names written straight before a mention (湖北黄石大冶东风路街道, 宝丰赵庄镇)."""
    out: list[tuple[str, int, _Division]] = []
    pos = mention.start
    while pos >= 2:
        hit = None
        for length in (4, 3, 2):
            if pos - length < 0:
                continue
            alias = text[pos - length : pos]
            divisions = gaz.by_alias.get(alias) or gaz.by_name.get(alias)
            if divisions:
                hit = (alias, pos - length, divisions)
                break
        if hit is None:
            break
        out += [(hit[0], hit[1], d) for d in hit[2]]
        pos = hit[1]
    return out


def _snippet(text: str, start: int, end: int, width: int = 10) -> str:
    """The words around a mention, or the whole 《》 title it stands in."""
    for match in _BOOK_RE.finditer(text, max(0, start - 80), min(len(text), end + 80)):
        if match.start() < start and end < match.end():
            return match.group()
    left = max(0, start - width)
    right = min(len(text), end + width)
    return text[left:right].replace("\n", " ")


def _self_level(text: str) -> tuple[str | None, str]:
    """The level a report speaks as (我镇 -> town), from first-person cues."""
    for level in ("town", "county", "city", "province"):
        hits = _SELF_CUES[level].findall(text)
        if hits:
            # Counter keeps first-seen order among ties, so the evidence is reproducible.
            top, count = Counter(hits).most_common(1)[0]
            return level, f"{top}×{count}"
    return None, ""


def _level_group(division: _Division) -> str:
    if division.level in ("township", "subdistrict"):
        return "town"
    if division.level == "county":
        return "county-city" if division.name.endswith("市") else "county"
    return "city" if division.level == "prefecture" else "province"


_SELF_TO_GROUPS = {
    "town": ("town",),
    "county": ("county",),
    "city": ("city", "county-city"),
    "province": ("province",),
}


def _empty(evidence: str) -> dict:
    return {
        "unit": None,
        "unit_level": None,
        "province": None,
        "city": None,
        "county": None,
        "admin_code": None,
        "admin_code_level": None,
        "region_status": "unresolved",
        "region_candidates": [],
        "region_evidence": evidence,
    }


def resolve_region(
    text: str, *, title: str | None = None, gazetteer: str | os.PathLike | None = None
) -> dict:
    """Find the issuing unit of a report and its province → city → county chain.

    Division names are found anywhere in the title and text (heading, first lines, body,
    names of plans cited in 《》, signature). The issuing unit is the division the report
    speaks as: first-person cues (我镇, 我街道, 街道党工委, 我县, 我市) give its level, and
    among the names of that level the one in the title or first 200 characters, then the
    most frequent, is the unit. Names inside 《》 never become the unit (they are plans of
    other bodies) but do corroborate. Without a cue, the deepest division named in the
    title or opening lines is the unit.

    A unit name found in several places of the national table is resolved only when the
    text names one of its parent divisions (county, city or province), in full or as a
    short name written straight before it (宝丰赵庄镇); otherwise the result is
    ``"ambiguous"`` with every candidate chain listed. A name that is unique in the table
    resolves on its own and the evidence says so. Nothing is guessed.

    Parameters
    ----------
    text : str
        Report text, best the clean text of :func:`lawgov.normalize_text`. Raw text with
        page furniture and half-width punctuation works too, but Traditional script must be
        converted first (the table is in Simplified script).
    title : str, optional
        Report title when it is known apart from the text.
    gazetteer : str or path-like, optional
        A division table in JioNLP's ``china_location`` format (.txt, or .zip holding one
        .txt). Default: the table shipped in the installed jionlp package. Loaded once per
        process: about 0.3 s, 0.1 s from lawgov's disk cache (``<cache>/derived/``).

    Returns
    -------
    dict
        ``unit`` (str or None): issuing unit, e.g. 塘沟镇, 东风路街道, 宝丰县.
        ``unit_level`` (str or None): province, prefecture, county, township (镇, 乡, 苏木)
        or subdistrict (街道).
        ``province``, ``city``, ``county`` (str or None): the chain above the unit, filled
        as far as it is certain (for an ambiguous unit, the part all candidates share).
        ``city`` of a municipality's district is the municipality (北京市); ``city`` of a
        county-level city directly under its province (仙桃市) is None.
        ``admin_code`` (str or None): statistical division code of the deepest resolved
        division that has one. The table has codes for provinces, prefectures and counties
        only, so a township or subdistrict gets the code of its county.
        ``admin_code_level`` (str or None): the level that ``admin_code`` identifies
        (province, prefecture or county); it differs from ``unit_level`` for townships.
        ``region_status`` (str): resolved, ambiguous or unresolved.
        ``region_candidates`` (list[str]): candidate chains such as
        ``"河南省/平顶山市/宝丰县/赵庄镇"``, empty unless ambiguous.
        ``region_evidence`` (str): the text that decided it, or why nothing could be.

    Examples
    --------
    >>> r = resolve_region("宝丰县赵庄镇人民政府\\n关于2023年法治政府建设情况的报告\\n我镇……")
    >>> r["unit"], r["county"], r["city"], r["province"], r["region_status"]
    ('赵庄镇', '宝丰县', '平顶山市', '河南省', 'resolved')
    >>> r = resolve_region("赵庄镇2023年法治政府建设年度报告\\n我镇……")
    >>> r["region_status"], "河南省/平顶山市/宝丰县/赵庄镇" in r["region_candidates"]
    ('ambiguous', True)
    >>> resolve_region("关于2023年法治政府建设情况的报告")["region_status"]
    'unresolved'
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    gaz = _load_gazetteer(None if gazetteer is None else os.fspath(gazetteer))
    full = f"{title}\n{text}" if title else text
    head_end = (len(title) + 1 if title else 0) + _HEAD_CHARS
    mentions = _find_mentions(full, gaz, head_end)
    if not mentions:
        return _empty("no division name of the national table found in the text")

    self_level, cue = _self_level(full)
    free = [m for m in mentions if not m.in_book]
    if self_level is not None:
        groups = _SELF_TO_GROUPS[self_level]
        pool = [m for m in free if any(_level_group(d) in groups for d in m.divisions)]
        how = f"the report speaks as {cue}"
        if not pool:
            return _empty(f"{how} but names no division of that level outside 《》 titles")
    else:
        pool = [m for m in free if m.in_head]
        if not pool:
            return _empty(
                "no division named in the title or opening lines, and no first-person cue "
                "(我镇, 我县 ...) says which of the names in the body is the issuing unit"
            )
        deepest = max(max(_LEVEL_DEPTH[d.level] for d in m.divisions) for m in pool)
        pool = [m for m in pool if max(_LEVEL_DEPTH[d.level] for d in m.divisions) == deepest]
        groups = tuple(
            {_level_group(d) for m in pool for d in m.divisions if _LEVEL_DEPTH[d.level] == deepest}
        )
        how = "deepest division named in the opening lines"

    # The title and first line name the issuing unit far more often than any later line.
    first_line_end = full.find("\n", (len(title) + 1) if title else 0)
    first_line_end = len(full) if first_line_end < 0 else first_line_end
    scores: dict[str, int] = defaultdict(int)
    for m in pool:
        scores[m.name] += 1 + 5 * m.in_head + 10 * (m.start < first_line_end)
    best = max(scores.values())
    names = sorted(n for n, s in scores.items() if s == best)
    unit_mentions = [m for m in pool if m.name in names]
    candidates = list(
        dict.fromkeys(d for m in unit_mentions for d in m.divisions if _level_group(d) in groups)
    )
    where = "title/opening lines" if any(m.in_head for m in unit_mentions) else "text"
    first = unit_mentions[0]
    unit_quote = f"“{_snippet(full, first.start, first.end)}”"

    # Corroboration: parent divisions named anywhere (also inside 《》), or short names
    # written straight before the unit.
    named: dict[tuple[str | None, ...], tuple[str, int, int]] = {}
    for m in mentions:
        for d in m.divisions:
            if d.level in ("province", "prefecture", "county"):
                named.setdefault(d.key, (m.name, m.start, m.end))
    for m in unit_mentions:
        for alias, pos, d in _alias_chain(full, m, gaz):
            if d.level in ("province", "prefecture", "county"):
                named.setdefault(d.key, (alias, pos, pos + len(alias)))

    def support(d: _Division) -> tuple[int, int, list[tuple[str, int, int]]]:
        hits = [(_LEVEL_DEPTH[lv], named[k]) for lv, k in d.ancestor_keys().items() if k in named]
        deepest = max((depth for depth, _ in hits), default=0)
        return deepest, len(hits), [h for _, h in sorted(hits, reverse=True)]

    supported = {d: support(d) for d in candidates}
    top = max((s[:2] for s in supported.values()), default=(0, 0))
    winners = [d for d in candidates if supported[d][:2] == top] if top > (0, 0) else candidates

    conflicts = [
        (other.name, other.start, other.end)
        for m in unit_mentions
        for other in mentions
        if other.end == m.start
        and len(winners) == 1
        and top == (0, 0)
        and not any(o.key in winners[0].ancestor_keys().values() for o in other.divisions)
    ]
    if len(names) == 1 and len(winners) == 1 and not conflicts:
        d = winners[0]
        if top > (0, 0):
            quotes = "; ".join(
                f"{name} named: “{_snippet(full, s, e)}”" for name, s, e in supported[d][2][:2]
            )
            evidence = f"unit {d.name} from the {where} {unit_quote} ({how}); {quotes}"
        else:
            evidence = (
                f"unit {d.name} from the {where} {unit_quote} ({how}); the text names no "
                f"parent division, but {d.name} is the only {d.level} of that name in the "
                f"national division table ({gaz.source})"
            )
        return {
            "unit": d.name,
            "unit_level": d.level,
            "province": d.province,
            "city": d.city,
            "county": d.county,
            "admin_code": d.admin_code,
            "admin_code_level": d.admin_code_level if d.admin_code else None,
            "region_status": "resolved",
            "region_candidates": [],
            "region_evidence": evidence,
        }

    shared = {
        field: (vals.pop() if len(vals := {getattr(d, field) for d in winners}) == 1 else None)
        for field in ("province", "city", "county")
    }
    levels = {d.level for d in winners}
    if conflicts:
        name, s, e = conflicts[0]
        reason = (
            f"the text puts it under {name} (“{_snippet(full, s, e)}”) but the national "
            f"table has {names[0]} only at {winners[0].chain()}"
        )
    elif len(names) > 1:
        reason = f"{' and '.join(names)} are named equally often ({how})"
    elif top > (0, 0):
        reason = (
            f"{len(candidates)} divisions named {names[0]} in the national table; the parent "
            f"divisions named in the text fit {len(winners)} of them equally"
        )
    else:
        reason = (
            f"{len(candidates)} divisions named {names[0]} in the national table and the text "
            "names none of their counties, cities or provinces"
        )
    return {
        "unit": names[0] if len(names) == 1 else None,
        "unit_level": levels.pop() if len(levels) == 1 else None,
        **shared,
        "admin_code": None,
        "admin_code_level": None,
        "region_status": "ambiguous",
        "region_candidates": sorted(d.chain() for d in winners),
        "region_evidence": f"unit from the {where} {unit_quote}; {reason}",
    }
