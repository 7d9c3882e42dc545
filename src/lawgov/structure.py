"""Report structure: headings, the five mandated parts, and the enumerated items inside them.

A report is cut at its numbered headings into a tree of sections. Each top-level section is
assigned one of the parts the 2019 supervision rules require (measures, shortfalls, duty,
plans, other) by the words of its heading, and its subsections inherit it; the text before
the first heading is the ``preamble``. Inside each part the enumerated points (subsections,
一是/二是 runs, ①②, (1)(2), or plain paragraphs) become *items*, the unit of analysis of the
later stages.

Decisions a reader of the tables should know:

* Headings are numbered paragraphs: 一、 (or 一. / 一．), （一） and (一), 1. / 1、 / 1．,
  (1), ①, 第一部分. The level of a heading is its depth in the report's outline, not its
  marker style: styles are stacked in the order the report uses them. A number that
  continues the numbering of an outer level in another style (a 4、 after （三）) is a
  sibling of that level (flag ``style_switch``); a skipped or restarted number is flagged.
* 一是/二是 and ①② inside a paragraph are enumerations, not headings: they split items, never
  sections.
* Offsets index the report's clean ``text``. A section runs from the start of its heading
  line to the start of the next heading at the same or a higher level, newline included, so
  the top-level sections (preamble and closing included) tile the text exactly:
  nothing is lost.
* A closing paragraph or signature after the last part (法治政府建设工作事关……继续砥砺前进)
  becomes a top-level section of its own flagged ``closing``, keeping the part of the
  section before it, and never an item.
* A report without any heading is one ``other`` section with ``structure_status`` =
  ``"no_headings"``.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections import Counter
from pathlib import Path
from typing import Literal

import pandas as pd

__all__: list[str] = ["split_sections", "split_items", "part_coverage"]

PARTS = ("measures", "shortfalls", "duty", "plans", "other", "preamble")
_MERGEABLE = ("measures", "shortfalls", "plans")

_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九", start=0)}
_CN = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# A heading is a paragraph opening with a numbering marker. Indentation before the marker
# is tolerated (clean text has none, raw text may). Sentences opening with a number are not
# headings: 1.5万 / 1、2月 / 2023年 / 12345热线 fail the (?!...) guards.
_HEADING = re.compile(
    rf"""^[ \t\u3000]*(?:
      (?P<part>第(?P<n_part>[{_CN}]{{1,3}})(?:部分|章|节)[、：:，,.．]?)
    | (?P<cn_paren>[（(](?P<n_cn_paren>[{_CN}]{{1,3}})[）)])
    | (?P<arabic_paren>[（(](?P<n_arabic_paren>\d{{1,2}})[）)])
    | (?P<cn>(?P<n_cn>[{_CN}]{{1,3}})[、．.](?![{_CN}]))
    | (?P<arabic>(?P<n_arabic>\d{{1,2}})(?:[、．]|\.(?!\d))(?![\d年月日号]))
    | (?P<circled>(?P<n_circled>[{_CIRCLED}]))
    )[ \t\u3000]*""",
    re.X | re.M,
)
# The run-in title of a heading ends at the first sentence end.
_SENTENCE_END = re.compile(r"[。；;！!？?]")

# Enumerations inside a paragraph. 一是 must open a clause; later numbers may follow any
# character (004 writes 72余次二是 without punctuation) except those that make the numeral
# part of a word (统一是, 唯一是, 之一是, 第二是).
_ENUM_FAMILIES = {
    "shi": re.compile(rf"(?<![第统唯之同单万十{_CN}])(?P<n>[{_CN}]{{1,2}})是"),
    "circled": re.compile(rf"(?P<n>[{_CIRCLED}])"),
    "paren": re.compile(r"[（(](?P<n>\d{1,2})[）)]"),
    "cn_paren": re.compile(rf"[（(](?P<n>[{_CN}]{{1,3}})[）)]"),
}
_CLAUSE_OPEN = set("。；;：:，,！!？?\n）)") | {""}
_SEMICOLON = re.compile(r"[；;]")
_TRAILING = " \t\u3000\n；;，,、"
_LEADING = " \t\u3000\n"
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?=年)")

_SECTION_COLUMNS = [
    "doc_id", "unit_id", "section_id", "parent_id", "level", "marker", "marker_type", "number",
    "heading", "run_in", "part", "part_evidence", "text", "start", "end", "n_chars", "flags",
    "structure_status",
]
_ITEM_COLUMNS = [
    "doc_id", "unit_id", "part", "section_id", "item_id", "item_no", "kind", "marker",
    "heading", "text", "start", "end", "n_chars",
]


# --------------------------------------------------------------------------- vocabulary


@functools.lru_cache(maxsize=8)
def _load_vocabulary(path: str | None) -> dict:
    import yaml

    if path is None:
        source = importlib.resources.files("lawgov").joinpath("resources", "parts.yml")
        raw = yaml.safe_load(source.read_text("utf-8"))
        where = "the shipped parts.yml"
    else:
        file = Path(path)
        if not file.is_file():
            raise ValueError(
                f"vocabulary file {path!r} does not exist; pass the path of a YAML file laid "
                "out like lawgov/resources/parts.yml, or None for the shipped one"
            )
        raw = yaml.safe_load(file.read_text("utf-8"))
        where = str(path)
    try:
        parts = raw["parts"]
        required = ("other", "duty", "shortfalls", "plans", "measures")
        missing = [p for p in required if p not in parts]
        if missing:
            raise KeyError(missing)
        compiled = {
            part: re.compile("|".join(f"(?:{p})" for p in parts[part])) for part in parts
        }
        vocabulary = {
            "parts": compiled,
            "action": re.compile(raw["future_year"]["action"]),
            "result": re.compile(raw["future_year"]["result"]),
            # MULTILINE: these are matched at a paragraph start inside the report text.
            "plan_openers": re.compile(raw["plan_openers"], re.M),
            "closing_opening": re.compile(raw["closing"]["opening"]),
            "closing_rhetoric": re.compile(raw["closing"]["rhetoric"]),
            "closing_max_chars": int(raw["closing"]["max_chars"]),
            "signature": re.compile(raw["closing"]["signature"]),
        }
    except (KeyError, TypeError) as error:
        raise ValueError(
            f"vocabulary {where} lacks {error}: it needs 'parts' (other, duty, shortfalls, "
            "plans, measures), 'future_year' (action, result), 'plan_openers' and 'closing' "
            "(opening, rhetoric, max_chars, signature), as in lawgov/resources/parts.yml"
        ) from None
    except re.error as error:
        raise ValueError(f"vocabulary {where} has an invalid regular expression: {error}") from None
    return vocabulary


# --------------------------------------------------------------------------- headings


def _number(style: str, written: str) -> int:
    if style in ("arabic", "arabic_paren"):
        return int(written)
    if style == "circled":
        return _CIRCLED.index(written) + 1
    # Chinese numerals up to 99: 十, 十二, 二十, 二十三.
    if "十" in written:
        tens, _, units = written.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + _CN_DIGITS.get(units, 0)
    return _CN_DIGITS.get(written, 0)


_INLINE_CAPABLE = ("cn_paren", "arabic_paren", "circled")


def _cn_numeral(number: int) -> str:
    digits = "零一二三四五六七八九"
    tens, units = divmod(number, 10)
    if not tens:
        return digits[units]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[units] if units else "")


def _successors(style: str, number: int) -> tuple[str, ...]:
    """How the next marker of a style is written (both bracket widths)."""
    if style == "circled":
        return (_CIRCLED[number],) if number < len(_CIRCLED) else ()
    written = _cn_numeral(number + 1) if style == "cn_paren" else str(number + 1)
    return (f"（{written}）", f"({written})")


class _Node:
    __slots__ = (
        "start", "end", "style", "number", "marker", "heading", "run_in", "line_end",
        "children", "parent", "flags", "part", "evidence", "section_id",
    )

    def __init__(self, start, style, number, marker, heading, run_in, line_end):
        self.start = start
        self.end = start
        self.style = style
        self.number = number
        self.marker = marker
        self.heading = heading
        self.run_in = run_in
        self.line_end = line_end
        self.children: list[_Node] = []
        self.parent: _Node | None = None
        self.flags: list[str] = []
        self.part = ""
        self.evidence = ""
        self.section_id = ""


def _heading_nodes(text: str) -> list[_Node]:
    nodes = []
    # One scan of the whole text: only paragraphs opening with a marker reach Python.
    for match in _HEADING.finditer(text):
        start = match.start()
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        body_start = match.end()
        if body_start >= end:
            continue  # a marker with nothing after it
        # The style groups are the outermost of the alternation, so the last one closed
        # names the style.
        style = match.lastgroup
        number = _number(style, match.group(f"n_{style}"))
        if number == 0:
            continue
        # （一）甲。（二）乙。 / ①甲；②乙 in one paragraph is an enumeration, not a heading.
        if style in _INLINE_CAPABLE and any(
            text.find(successor, body_start, end) >= 0
            for successor in _successors(style, number)
        ):
            continue
        stop = _SENTENCE_END.search(text, body_start, end)
        title_end = stop.start() if stop else end
        run_in = bool(stop) and bool(text[stop.end():end].strip())
        nodes.append(
            _Node(start, style, number, match.group(style), text[body_start:title_end].strip(),
                  run_in, end)
        )
    return nodes


def _build_tree(nodes: list[_Node]) -> list[_Node]:
    """Nest headings by marker style; returns the top-level nodes."""
    roots: list[_Node] = []
    stack: list[_Node] = []
    for node in nodes:
        depth = next((d for d, open_ in enumerate(stack) if open_.style == node.style), None)
        if depth is not None:
            previous = stack[depth].number
            if node.number <= previous:
                node.flags.append("numbering_restart")
            elif node.number > previous + 1:
                node.flags.append("numbering_gap")
        elif node.number == 1 or not stack:
            depth = len(stack)
            if node.number != 1:
                node.flags.append("numbering_gap")
        else:
            continuing = [d for d, open_ in enumerate(stack) if open_.number == node.number - 1]
            if continuing:
                depth = continuing[-1]
                node.flags.append("style_switch")
            else:
                depth = len(stack)
                node.flags.append("numbering_gap")
        del stack[depth:]
        if stack:
            node.parent = stack[-1]
            stack[-1].children.append(node)
        else:
            roots.append(node)
        stack.append(node)
    return roots


def _set_ends(siblings: list[_Node], end: int) -> None:
    for index, node in enumerate(siblings):
        node.end = siblings[index + 1].start if index + 1 < len(siblings) else end
        _set_ends(node.children, node.end)


# --------------------------------------------------------------------------- parts


def _part_matches(heading: str, vocabulary: dict) -> dict[str, list[tuple[int, int, str]]]:
    found = {}
    for part, pattern in vocabulary["parts"].items():
        spans = [(m.start(), m.end(), m.group()) for m in pattern.finditer(heading) if m.group()]
        if spans:
            found[part] = spans
    # A match inside another part's longer match does not count (措施 inside 改进措施).
    for part in list(found):
        kept = [
            (s, e, w) for s, e, w in found[part]
            if not any(
                other != part and os <= s and e <= oe and (oe - os) > (e - s)
                for other, spans in found.items() for os, oe, _ in spans
            )
        ]
        if kept:
            found[part] = kept
        else:
            del found[part]
    return found


def _classify(heading: str, vocabulary: dict, year: int | None) -> tuple[list[str], str]:
    """Parts named by a top-level heading, in the order they are named, and the evidence."""
    found = _part_matches(heading, vocabulary)
    for part in ("other", "duty"):
        if part in found:
            return [part], "+".join(w for _, _, w in found[part])
    if year is not None and "plans" not in found:
        later = [y for y in _YEAR.findall(heading) if int(y) > year]
        action = vocabulary["action"].search(heading)
        if later and action and not vocabulary["result"].search(heading):
            measures = found.pop("measures", None)
            s, e, word = (
                measures[-1] if measures else (action.start(), action.end(), action.group())
            )
            found["plans"] = [(s, e, f"{later[0]}年 (after the report year {year}) + {word}")]
    named = sorted(
        (p for p in _MERGEABLE if p in found), key=lambda p: min(s for s, _, _ in found[p])
    )
    evidence = " | ".join("+".join(w for _, _, w in found[p]) for p in named)
    return named, evidence


def _reference_year(year, text: str, first_heading: int) -> int | None:
    if year is not None and not pd.isna(year):
        return int(year)
    # The year most named before the first heading, else in the whole report.
    years = Counter(int(y) for y in _YEAR.findall(text, 0, first_heading))
    if not years:
        years = Counter(int(y) for y in _YEAR.findall(text))
    if not years:
        return None
    return max(years.items(), key=lambda kv: (kv[1], -kv[0]))[0]


def _inherit(node: _Node, part: str, evidence: str) -> None:
    for child in node.children:
        child.part = part
        child.evidence = evidence
        _inherit(child, part, evidence)


def _assign_parts(roots: list[_Node], vocabulary: dict, year: int | None, text: str) -> bool:
    """Set part and evidence on every node; return whether any heading named a part."""
    recognised = False
    seen_later_part = False
    for root in roots:
        named, evidence = _classify(root.heading, vocabulary, year)
        if named:
            recognised = True
            root.part, root.evidence = named[0], evidence
        elif not seen_later_part:
            root.part = "measures"
            root.evidence = "work-area heading before any shortfalls or plans part"
        else:
            root.part = "other"
            root.evidence = "heading naming no part, after the shortfalls or plans part"
        if set(named) & {"shortfalls", "plans", "other"}:
            seen_later_part = True
        inherited = f"inherited from {root.section_id}: {root.evidence}"
        if len(named) > 1:
            root.flags.append("merged_part")
            _split_merged(root, named, vocabulary, text)
            for child in root.children:
                _inherit(child, child.part, f"inherited from {child.section_id}: {child.evidence}")
        else:
            _inherit(root, root.part, inherited)
    return recognised


def _split_merged(root: _Node, named: list[str], vocabulary: dict, text: str) -> None:
    """Give the children of a merged heading (存在的问题及下一步打算) their own parts."""
    if root.children:
        current = 0
        previous = None
        for child in root.children:
            found = [p for p in named if p in _part_matches(child.heading, vocabulary)]
            if found:
                current = named.index(found[0])
                child.part = found[0]
                child.evidence = f"merged heading, own heading names {found[0]}"
            else:
                restarts = previous is not None and child.number <= previous.number
                if restarts and current + 1 < len(named):
                    current += 1
                    child.evidence = "merged heading, numbering restarts: next named part"
                else:
                    child.evidence = f"merged heading, continues {named[current]}"
                child.part = named[current]
            previous = child
        return
    # No inner headings: cut at the first paragraph that opens like a plan.
    body_start = text.find("\n", root.start, root.end)
    if body_start < 0 or "plans" not in named:
        return
    position = body_start + 1
    first_body = position
    while position < root.end:
        line_end = text.find("\n", position, root.end)
        line_end = root.end if line_end < 0 else line_end
        if position > first_body and vocabulary["plan_openers"].match(text, position, line_end):
            before = [p for p in named if p != "plans"][0]
            pieces = [(first_body, position, before), (position, root.end, "plans")]
            for number, (start, end, part) in enumerate(pieces, start=1):
                child = _Node(start, "", number, "", "", False, start)
                child.end = end
                child.parent = root
                child.part = part
                child.evidence = f"merged heading, split at a paragraph opening a plan ({part})"
                child.flags.append("merged_split")
                root.children.append(child)
            return
        position = line_end + 1


# --------------------------------------------------------------------------- closing


def _closing_start(text: str, roots: list[_Node], vocabulary: dict) -> int | None:
    """Start of a closing paragraph / signature after the last part, if any."""
    deepest = roots[-1]
    while deepest.children:
        deepest = deepest.children[-1]
    floor = deepest.line_end  # the closing lies after the last heading's paragraph
    start = None
    line_end = len(text)
    while line_end > floor:
        line_start = text.rfind("\n", floor, line_end) + 1
        paragraph = text[line_start:line_end]
        if start is None or start == line_end + 1:
            if vocabulary["signature"].match(paragraph.strip()):
                start = line_start
                line_end = line_start - 1
                continue
        # The closing must follow some body text of the last section, so that a section
        # whose only paragraph is rhetorical is not emptied.
        has_body_before = deepest.run_in or line_start > floor + 1
        is_closing = vocabulary["closing_opening"].match(paragraph) or (
            len(paragraph) <= vocabulary["closing_max_chars"]
            and vocabulary["closing_rhetoric"].search(paragraph)
        )
        if has_body_before and is_closing:
            start = line_start
        break
    return start


# --------------------------------------------------------------------------- sections


def _walk(nodes: list[_Node]):
    for node in nodes:
        yield node
        yield from _walk(node.children)


def _number_ids(nodes: list[_Node], prefix: str) -> None:
    for position, node in enumerate(nodes, start=1):
        node.section_id = f"{prefix}{position}"
        _number_ids(node.children, f"{node.section_id}.")


def _structure(doc_id: str, text: str, year, vocabulary: dict, out: list[tuple]) -> None:
    nodes = _heading_nodes(text)
    rows: list[tuple] = []
    if not nodes:
        status = "empty" if not text.strip() else "no_headings"
        evidence = "no heading in the report" if status == "no_headings" else "empty report"
        rows.append(("1", None, 1, "", "", None, "", False, "other", evidence, 0, len(text),
                     status))
        _emit(doc_id, text, rows, status, out)
        return
    roots = _build_tree(nodes)
    _set_ends(roots, len(text))
    closing = _closing_start(text, roots, vocabulary)
    if closing is not None:
        for node in _walk(roots):
            if node.end > closing:
                node.end = closing
    _number_ids(roots, "")
    reference = _reference_year(year, text, roots[0].start)
    recognised = _assign_parts(roots, vocabulary, reference, text)
    _number_ids(roots, "")
    status = "ok" if recognised else "unrecognised_parts"
    if roots[0].start > 0:
        rows.append(("0", None, 1, "", "", None, "", False, "preamble",
                     "text before the first heading", 0, roots[0].start, ""))
    for node in _walk(roots):
        parent = node.parent.section_id if node.parent is not None else None
        rows.append((
            node.section_id, parent, node.section_id.count(".") + 1, node.marker, node.style,
            node.number if node.style else None, node.heading, node.run_in, node.part,
            node.evidence, node.start, node.end, ",".join(node.flags),
        ))
    if closing is not None:
        last = roots[-1]
        rows.append((
            str(len(roots) + 1), None, 1, "", "", None, "", False, last.part,
            f"closing after the last part, keeps the part of section {last.section_id}",
            closing, len(text), "closing",
        ))
    _emit(doc_id, text, rows, status, out)


def _emit(doc_id: str, text: str, rows: list[tuple], status: str, out: list[tuple]) -> None:
    for (section_id, parent, level, marker, style, number, heading, run_in, part, evidence,
         start, end, flags) in rows:
        out.append((
            doc_id, f"{doc_id}:s{section_id}", section_id, parent, level, marker, style, number,
            heading, run_in, part, evidence, text[start:end], start, end, end - start, flags,
            status,
        ))


def _check_reports(reports) -> None:
    if not isinstance(reports, pd.DataFrame):
        raise TypeError(
            f"reports must be a pandas DataFrame (the table of lawgov.read_reports), "
            f"not {type(reports).__name__}"
        )
    missing = [c for c in ("doc_id", "text") if c not in reports.columns]
    if missing:
        raise ValueError(
            f"reports lacks column(s) {missing}; pass the table of lawgov.read_reports() or "
            "lawgov.load_sample_reports(), or any table with 'doc_id' and clean 'text'"
        )
    if reports["doc_id"].duplicated().any():
        duplicated = reports.loc[reports["doc_id"].duplicated(), "doc_id"].iloc[0]
        raise ValueError(
            f"reports has duplicate doc_id {duplicated!r}; each report needs its own id"
        )


def split_sections(reports: pd.DataFrame, *, vocabulary: str | Path | None = None) -> pd.DataFrame:
    """Cut each report into sections at its headings and assign each section a part.

    Parameters
    ----------
    reports : pandas.DataFrame
        The reports table (:func:`lawgov.read_reports`); needs ``doc_id`` and clean ``text``;
        ``year`` (the report year), when present, tells plans headings naming the next year
        (2022年…工作举措 in a 2021 report) from measures headings.
    vocabulary : str or Path, optional
        A YAML file of part heading words laid out like ``lawgov/resources/parts.yml``
        (the default).

    Returns
    -------
    pandas.DataFrame
        One row per section at every level, in reading order per report:

        - ``doc_id`` (str): the report.
        - ``unit_id`` (str): ``f"{doc_id}:s{section_id}"``, unique in the table.
        - ``section_id`` (str): path of positions in the outline, ``"2"``, ``"2.1"``;
          ``"0"`` is the preamble, and a closing section takes the next top-level number.
        - ``parent_id`` (str or missing): ``section_id`` of the enclosing section.
        - ``level`` (int): depth in the outline, 1 for top level (preamble and closing too).
        - ``marker`` (str): the numbering as written (一、 / （一） / (一) / 1. / 1、 / ①),
          ``""`` for preamble, closing and unheaded text.
        - ``marker_type`` (str): ``cn`` (一、), ``cn_paren`` (（一）), ``arabic`` (1.),
          ``arabic_paren`` ((1)), ``circled`` (①), ``part`` (第一部分) or ``""``.
        - ``number`` (Int64): the number written in the marker.
        - ``heading`` (str): the title after the marker, up to the first 。；！？ of its
          paragraph (a run-in title) or the end of the paragraph.
        - ``run_in`` (bool): body text follows the title in the heading's paragraph.
        - ``part`` (str): ``measures``, ``shortfalls``, ``duty``, ``plans``, ``other`` or
          ``preamble``, decided by the top-level heading and inherited by subsections.
        - ``part_evidence`` (str): the heading words that decided it (``存在的困难``), or the
          rule used (``work-area heading before any shortfalls or plans part``,
          ``inherited from 5: …``). Parts of a merged heading are separated by `` | ``.
        - ``text`` (str): ``report_text[start:end]``.
        - ``start``, ``end`` (int): offsets into the report's clean text; a section spans
          its subsections, and top-level sections tile the whole text.
        - ``n_chars`` (int): ``end - start``.
        - ``flags`` (str): comma-separated: ``numbering_gap``, ``numbering_restart``,
          ``style_switch`` (a number continuing an outer level in another style),
          ``merged_part`` (a heading naming two parts), ``merged_split`` (an unheaded piece
          of a merged part), ``closing`` (text after the last part).
        - ``structure_status`` (str): per report, ``ok``, ``unrecognised_parts`` (headings
          but none names a part), ``no_headings`` (the whole text is one ``other`` section)
          or ``empty``.

    Examples
    --------
    >>> import lawgov as lg
    >>> reports = lg.load_sample_reports()
    >>> sections = lg.split_sections(reports)
    >>> doc_id = reports.loc[reports["unit"] == "东风路街道", "doc_id"].item()
    >>> top = sections[(sections["level"] == 1) & (sections["doc_id"] == doc_id)]
    >>> for row in top.itertuples():
    ...     print(row.section_id, row.part, row.marker + row.heading or "-")
    0 preamble -
    1 measures 一、2023年推进法治政府建设的主要举措和成效
    2 shortfalls 二、推进法治政府建设存在的不足和原因
    3 duty 三、党政主要负责人履行推进法治建设第一责任人职责情况
    4 plans 四、2024年度推进法治政府建设的主要安排
    """
    _check_reports(reports)
    vocab = _load_vocabulary(None if vocabulary is None else str(vocabulary))
    out: list[tuple] = []
    years = reports["year"] if "year" in reports.columns else [None] * len(reports)
    for doc_id, text, year in zip(reports["doc_id"], reports["text"], years, strict=True):
        text = "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)
        _structure(str(doc_id), text, year, vocab, out)
    columns = list(zip(*out, strict=True)) if out else [[] for _ in _SECTION_COLUMNS]
    frame = pd.DataFrame(dict(zip(_SECTION_COLUMNS, columns, strict=True)))
    frame["level"] = frame["level"].astype("int64")
    frame["number"] = frame["number"].astype("Int64")
    frame["run_in"] = frame["run_in"].astype(bool)
    for column in ("start", "end", "n_chars"):
        frame[column] = frame[column].astype("int64")
    return frame


# --------------------------------------------------------------------------- items


def _flags(value) -> set[str]:
    return set(value.split(",")) if isinstance(value, str) and value else set()


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of text[start:end] without surrounding blanks and trailing separators."""
    while start < end and text[start] in _LEADING:
        start += 1
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    return start, end


def _enumeration(body: str, offset: int) -> list[tuple[int, int, int]]:
    """(marker start, content start, number) of the first 一是/①/(1) run of 2+ points."""
    best: list[tuple[int, int, int]] = []
    for family, pattern in _ENUM_FAMILIES.items():
        run: list[tuple[int, int, int]] = []
        for match in pattern.finditer(body):
            written = match.group("n")
            number = (_CIRCLED.index(written) + 1 if family == "circled"
                      else int(written) if family == "paren" else _number("cn", written))
            expected = len(run) + 1
            if number != expected:
                continue
            if number == 1 and family == "shi":
                before = body[match.start() - 1] if match.start() > 0 else ""
                if before not in _CLAUSE_OPEN:
                    continue
            run.append((match.start() + offset, match.end() + offset, number))
        if len(run) >= 2 and (not best or run[0][0] < best[0][0]):
            best = run
    return best


def _inline_points(text: str, body: int, end: int) -> list[tuple[str, str, int, int]]:
    """(kind, marker, start, end) of the enumerated points of text[body:end]."""
    run = _enumeration(text[body:end], body)
    if run:
        points = []
        bounds = [s for s, _, _ in run[1:]] + [end]
        for (marker_start, content_start, _), stop in zip(run, bounds, strict=True):
            points.append(("inline", text[marker_start:content_start], content_start, stop))
        # A semicolon list whose last point lacks its marker (一是…；二是…；执法部门…): split
        # the last point at its semicolons, but only when no earlier point holds a
        # semicolon of its own, which would make semicolons clause breaks, not point breaks.
        separated = all(
            _SEMICOLON.fullmatch(text[max(0, s - 8):s].rstrip(_LEADING)[-1:] or "x")
            for s, _, _ in run[1:]
        )
        internal = any(
            _SEMICOLON.search(text, a, _strip(text, a, b)[1]) for _, _, a, b in points[:-1]
        )
        if separated and not internal:
            kind, marker, last_start, last_end = points.pop()
            paragraph_end = text.find("\n", last_start, last_end)
            paragraph_end = last_end if paragraph_end < 0 else paragraph_end
            cuts = [m.end() for m in _SEMICOLON.finditer(text, last_start, paragraph_end)]
            cuts = [c for c in cuts if text[c:paragraph_end].strip()]
            pieces = list(zip([last_start] + cuts, cuts + [last_end], strict=True))
            points.append((kind, marker, *pieces[0]))
            points.extend(("unmarked", "", a, b) for a, b in pieces[1:])
        return points
    # No enumeration: each body paragraph is a point, lead-ins ending in a colon excepted.
    points = []
    position = body
    while position < end:
        line_end = text.find("\n", position, end)
        line_end = end if line_end < 0 else line_end
        a, b = _strip(text, position, line_end)
        if b > a and text[b - 1] not in "：:":
            points.append(("paragraph", "", a, b))
        position = line_end + 1
    return points


def split_items(sections: pd.DataFrame) -> pd.DataFrame:
    """Cut each part of each report into its enumerated points (items).

    The items of a part are its top-level points: when a part spans several top-level
    sections (塘沟镇's 一 to 四), each of them; when it is one section with subsections, each
    subsection; otherwise the 一是/二是, ①② or (1)(2) points of its text, even in one
    paragraph separated by semicolons and even when the last point lacks its marker; with no
    enumeration at all, each body paragraph (lead-ins ending in a colon excepted). Lead text
    before the first point, the preamble and the closing are not items.

    Parameters
    ----------
    sections : pandas.DataFrame
        The table of :func:`split_sections`.

    Returns
    -------
    pandas.DataFrame
        One row per item, in reading order:

        - ``doc_id`` (str): the report.
        - ``unit_id`` (str): ``f"{doc_id}:i{item_id}"``, unique in the table.
        - ``part`` (str): the part the item belongs to.
        - ``section_id`` (str): the section the item is or lies in.
        - ``item_id`` (str): the section id for an item that is a section; ``"{section_id}-{k}"``
          for the k-th point inside a section.
        - ``item_no`` (int): position of the item within its report's part, from 1.
        - ``kind`` (str): ``section``, ``inline`` (an enumerated point), ``unmarked`` (a last
          point without marker, after a semicolon) or ``paragraph``.
        - ``marker`` (str): the marker as written (（一）, 1., 一是, ①), ``""`` if none.
        - ``heading`` (str): the section heading, or the point's first clause up to 。；.
        - ``text`` (str): the item's text without its marker and trailing separators.
        - ``start``, ``end`` (int): offsets into the report's clean text.
        - ``n_chars`` (int): ``end - start``.

    Examples
    --------
    >>> import lawgov as lg
    >>> reports = lg.load_sample_reports()
    >>> items = lg.split_items(lg.split_sections(reports))
    >>> doc_id = reports.loc[reports["unit"] == "东风路街道", "doc_id"].item()
    >>> shortfalls = items[(items["doc_id"] == doc_id) & (items["part"] == "shortfalls")]
    >>> for row in shortfalls.itertuples():
    ...     print(row.item_no, row.marker or "-", row.heading)
    1 一是 个别社干部对法治工作重视不够，法治思维和法律意识还不强
    2 二是 法治宣传力度有待加强，宣传精细化水平需进一步提高
    3 - 执法部门处置问题习惯于简单化、粗线条化，一定程度存在执法不严、管理不到位、处罚不到痛点的现象
    """
    missing = [
        c for c in ("doc_id", "section_id", "parent_id", "level", "part", "text", "start",
                    "end", "flags", "heading", "marker")
        if c not in sections.columns
    ]
    if missing:
        raise ValueError(
            f"sections lacks column(s) {missing}; pass the table of lawgov.split_sections()"
        )
    out: dict[str, list] = {column: [] for column in _ITEM_COLUMNS}
    for doc_id, records in _records_by_report(sections, _SECTION_COLUMNS).items():
        _items_of_report(str(doc_id), records, out)
    frame = pd.DataFrame(out, columns=_ITEM_COLUMNS)
    for column in ("item_no", "start", "end", "n_chars"):
        frame[column] = frame[column].astype("int64")
    return frame


def _report_text(records: list[dict]) -> str:
    """The report's text rebuilt from its sections (newlines fill spans a filter removed)."""
    pieces, position = [], 0
    for record in sorted(records, key=lambda r: (r["start"], -r["end"])):
        if record["end"] <= position:
            continue
        if record["start"] >= position:
            pieces.append("\n" * (record["start"] - position))
            pieces.append(record["text"])
        else:
            pieces.append(record["text"][position - record["start"]:])
        position = record["end"]
    return "".join(pieces)


def _parent(record: dict) -> str | None:
    parent = record["parent_id"]
    return None if parent is None or pd.isna(parent) else str(parent)


def _records_by_report(sections: pd.DataFrame, columns: list[str]) -> dict[str, list[dict]]:
    """Rows of a sections table as dicts, grouped by report in first-seen order."""
    columns = [c for c in columns if c in sections.columns]
    # Column lists are much faster than DataFrame.to_dict on Arrow-backed strings.
    values = [sections[c].to_numpy(dtype=object) for c in columns]
    grouped: dict[str, list[dict]] = {}
    for row in zip(*values, strict=True):
        record = dict(zip(columns, row, strict=True))
        grouped.setdefault(record["doc_id"], []).append(record)
    return grouped


def _items_of_report(doc_id: str, records: list[dict], out: dict[str, list]) -> None:
    text = _report_text(records)
    children: dict[str | None, list[dict]] = {}
    for record in records:
        children.setdefault(_parent(record), []).append(record)
    # The sections that carry a part: top-level sections, and the pieces of merged headings.
    roots: list[dict] = []
    for record in records:
        if _parent(record) is not None and record["level"] != 1:
            continue
        flags = _flags(record["flags"])
        if record["part"] == "preamble" or "closing" in flags:
            continue
        if "merged_part" in flags and children.get(record["section_id"]):
            roots.extend(children[record["section_id"]])
        else:
            roots.append(record)
    groups: list[list[dict]] = []
    for record in roots:
        previous = groups[-1][-1] if groups else None
        if previous is not None and previous["part"] == record["part"] \
                and _parent(previous) == _parent(record):
            groups[-1].append(record)
        else:
            groups.append([record])
    numbering: Counter = Counter()
    for group in groups:
        if len(group) > 1:
            points = group
        else:
            points = children.get(group[0]["section_id"], [])
        if points:
            for record in points:
                a, b = _strip(text, _body_start(text, record), record["end"])
                _add_item(out, doc_id, record, record["section_id"], "section",
                          record["marker"], record["heading"], text, a, b, numbering)
            continue
        record = group[0]
        body = _body_start(text, record, after_title=True)
        for k, (kind, marker, a, b) in enumerate(
                _inline_points(text, body, record["end"]), start=1):
            a, b = _strip(text, a, b)
            if b <= a:
                continue
            stop = _SENTENCE_END.search(text, a, b)
            _add_item(out, doc_id, record, f"{record['section_id']}-{k}", kind, marker,
                      text[a:stop.start() if stop else b], text, a, b, numbering)


def _body_start(text: str, record: dict, *, after_title: bool = False) -> int:
    """Where a section's text begins after its marker (or after its run-in title)."""
    start = record["start"]
    if not record["marker"]:
        return start
    marker_at = text.find(record["marker"], start)
    position = marker_at + len(record["marker"])
    if not after_title:
        return position
    line_end = text.find("\n", position, record["end"])
    line_end = record["end"] if line_end < 0 else line_end
    stop = _SENTENCE_END.search(text, position, line_end)
    return stop.end() if stop else line_end


def _add_item(out, doc_id, record, item_id, kind, marker, heading, text, start, end, numbering):
    numbering[record["part"]] += 1
    out["doc_id"].append(doc_id)
    out["unit_id"].append(f"{doc_id}:i{item_id}")
    out["part"].append(record["part"])
    out["section_id"].append(record["section_id"])
    out["item_id"].append(item_id)
    out["item_no"].append(numbering[record["part"]])
    out["kind"].append(kind)
    out["marker"].append(marker)
    out["heading"].append(heading)
    out["text"].append(text[start:end])
    out["start"].append(start)
    out["end"].append(end)
    out["n_chars"].append(end - start)


# --------------------------------------------------------------------------- coverage


def part_coverage(
    sections: pd.DataFrame,
    items: pd.DataFrame | None = None,
    *,
    layout: Literal["long", "wide"] = "long",
) -> pd.DataFrame:
    """Which parts each report has, how long they are, and how many items they hold.

    Parameters
    ----------
    sections : pandas.DataFrame
        The table of :func:`split_sections`.
    items : pandas.DataFrame, optional
        The table of :func:`split_items`; computed from ``sections`` when not given.
    layout : {"long", "wide"}
        ``"long"``: one row per report and part. ``"wide"``: one row per report, columns
        ``{part}_present``, ``{part}_share``, ``{part}_n_items``.

    Returns
    -------
    pandas.DataFrame
        Long layout, one row per report x part (all six parts, in the order measures,
        shortfalls, duty, plans, other, preamble):

        - ``doc_id`` (str): the report.
        - ``part`` (str): the part.
        - ``present`` (bool): the report has text in that part.
        - ``n_chars`` (int): characters of the report's text in that part (each character
          counted once, in its innermost section).
        - ``share`` (float): ``n_chars`` over the report's length; the six shares of a
          report sum to 1.
        - ``n_sections`` (int): top-level sections (or, for a merged heading, its pieces)
          in that part.
        - ``n_items`` (int): items of that part (:func:`split_items`).
        - ``headings`` (str): the headings of those sections, joined by `` / ``.
        - ``part_evidence`` (str): the words that decided the part, joined by `` / ``.
        - ``structure_status`` (str): the report's status from :func:`split_sections`.

        The wide layout is indexed by ``doc_id``.

    Examples
    --------
    >>> import lawgov as lg
    >>> reports = lg.load_sample_reports()
    >>> coverage = lg.part_coverage(lg.split_sections(reports), layout="wide")
    >>> coverage.index = reports.set_index("doc_id").loc[coverage.index, "unit"].to_numpy()
    >>> print(coverage[["shortfalls_n_items", "duty_present", "plans_n_items"]].to_string())
           shortfalls_n_items  duty_present  plans_n_items
    塘沟镇                     3         False              4
    上社镇                     4         False              5
    赵庄镇                     3          True              3
    洼兴镇                     4         False              3
    东风路街道                   3          True              4
    """
    if layout not in ("long", "wide"):
        raise ValueError(f"layout must be 'long' or 'wide', not {layout!r}")
    missing = [c for c in ("doc_id", "section_id", "parent_id", "level", "part", "start", "end",
                           "flags", "heading", "part_evidence") if c not in sections.columns]
    if missing:
        raise ValueError(
            f"sections lacks column(s) {missing}; pass the table of lawgov.split_sections()"
        )
    if items is None:
        items = split_items(sections)
    item_counts = items.groupby(["doc_id", "part"]).size().to_dict()
    rows = []
    needed = ["doc_id", "section_id", "parent_id", "level", "part", "start", "end", "flags",
              "heading", "part_evidence", "structure_status"]
    for doc_id, records in _records_by_report(sections, needed).items():
        by_id = {r["section_id"]: r for r in records}
        children_chars: Counter = Counter()
        has_child = set()
        for record in records:
            if _parent(record) is not None:
                children_chars[_parent(record)] += record["end"] - record["start"]
                has_child.add(_parent(record))
        # Each character counts once, in the innermost section holding it.
        chars: Counter = Counter()
        for record in records:
            own = record["end"] - record["start"] - children_chars[record["section_id"]]
            chars[record["part"]] += own
        length = sum(r["end"] - r["start"] for r in records if _parent(r) is None)
        heads: dict[str, list[str]] = {}
        evidence: dict[str, list[str]] = {}
        for record in records:
            flags = _flags(record["flags"])
            parent = by_id.get(_parent(record)) if _parent(record) is not None else None
            carries = (
                (parent is None and "closing" not in flags
                 and not ("merged_part" in flags and record["section_id"] in has_child))
                or (parent is not None and "merged_part" in _flags(parent["flags"]))
            )
            if carries:
                heads.setdefault(record["part"], []).append(record["heading"])
                evidence.setdefault(record["part"], []).append(record["part_evidence"])
        status = records[0].get("structure_status", "")
        for part in PARTS:
            n_chars = int(chars.get(part, 0))
            rows.append({
                "doc_id": doc_id,
                "part": part,
                "present": n_chars > 0,
                "n_chars": n_chars,
                "share": n_chars / length if length else 0.0,
                "n_sections": len(heads.get(part, [])),
                "n_items": int(item_counts.get((doc_id, part), 0)),
                "headings": " / ".join(h for h in heads.get(part, []) if h),
                "part_evidence": " / ".join(evidence.get(part, [])),
                "structure_status": status,
            })
    long = pd.DataFrame(rows, columns=[
        "doc_id", "part", "present", "n_chars", "share", "n_sections", "n_items", "headings",
        "part_evidence", "structure_status",
    ])
    if layout == "long":
        return long
    wide = long.pivot(index="doc_id", columns="part", values=["present", "share", "n_items"])
    fields = ["present", "share", "n_items"]
    wide = wide.reindex(columns=pd.MultiIndex.from_product([fields, PARTS]))
    wide.columns = [f"{part}_{field}" for field, part in wide.columns]
    wide = wide[[f"{p}_{f}" for p in PARTS for f in ("present", "share", "n_items")]]
    wide = wide.reindex(long["doc_id"].drop_duplicates())
    for part in PARTS:
        wide[f"{part}_present"] = wide[f"{part}_present"].astype(bool)
        wide[f"{part}_share"] = wide[f"{part}_share"].astype(float)
        wide[f"{part}_n_items"] = wide[f"{part}_n_items"].astype("int64")
    return wide
