"""Resolving when a report is about: the year reported on, and the publication date.

A 法治政府建设年度报告 reports on one year and is published early in the next. The year
is read, in order of strength, from

1. the title and opening: 2023年度法治政府建设…, 关于2023年…的报告, 现就2023年…,
   a first paragraph opening with 2025年，…, a heading 一、2023年…主要举措和成效;
2. the plans for the next year: 三、2026年工作思路与计划, 2024年，我镇将… (minus one);
3. the publication date (minus one): the ``published`` argument, a 发布日期/时间 line or a
   signature date at the end.

Years inside 《》 (cited plans), plan periods (2021-2025, 2021—2025年), document numbers
(〔2023〕5号) and full dates never count as the report year. When signals of the first two
kinds disagree, the year is left unresolved and the candidates are listed.
"""

from __future__ import annotations

import re

__all__: list[str] = ["resolve_year"]

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_FULLWIDTH_DIGIT_RE = re.compile("[０-９]")
_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")
_CN_YEAR = re.compile(r"二[〇○零][〇○零一二三四五六七八九]{2}(?=年)")
_YEAR = r"(20\d{2})"
# Spans blanked before looking for report years; each keeps its length so offsets hold.
_MASKS = (
    re.compile(r"《[^《》\n]{0,80}》"),
    re.compile(r"20\d{2}\s*(?:年\s*)?[-—–－~～至到]+\s*20\d{2}(?:\s*年度?)?"),
    re.compile(r"[〔\[【(（]\s*20\d{2}\s*[〕\]】)）]"),
    re.compile(r"20\d{2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}"),
    re.compile(r"20\d{2}年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"),
)
_REPORT_WORDS = re.compile(r"法治|依法行政|报告|总结|情况")
_MEASURE_WORDS = re.compile(r"成效|主要工作|工作开展|开展情况|完成情况|工作总结|工作情况|主要做法")
_PLAN_WORDS = re.compile(r"计划|安排|思路|打算|要点|举措|重点工作|工作目标")
_OPENING_PATTERNS = (
    re.compile(rf"^{_YEAR}年度?(?![\d月])"),
    re.compile(rf"现[就将把对][^。；\n]{{0,12}}?{_YEAR}年"),
    re.compile(
        rf"{_YEAR}年度?[^，。；\n]{{0,12}}?(?:法治政府建设|法治建设|依法行政)[^，。；\n]{{0,10}}?(?:情况|总结|报告)"
    ),
)
_HEADING_PREFIX = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．])\s*"
)
_LINE_YEAR = re.compile(rf"{_YEAR}年度?(?![\d月])")
_SENTENCE_END = re.compile("[。；]")
_PLAN_SENTENCE = re.compile(rf"^{_YEAR}年度?[，,]?[^。；\n]{{0,20}}?将")
_PUBLISHED_LINE = re.compile(
    rf"(?:发布|发表|更新|成文)?(?:日期|时间)\s*[:：]\s*{_YEAR}\s*[-/.年]\s*(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})"
)
_SIGNATURE_DATE = re.compile(rf"^\s*{_YEAR}\s*年\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日\s*$")
_HEAD_LINE_MAX = 60
_HEADING_MAX = 50


def _is_paragraph(line: str) -> bool:
    """A line of running text, as opposed to a title, heading or furniture line."""
    return "。" in line or len(re.findall(r"[，,；;]", line)) >= 2


def _prepare(text: str) -> str:
    # Clean text has ASCII digits already; a regex scan is ten times cheaper than translate.
    if _FULLWIDTH_DIGIT_RE.search(text):
        text = text.translate(_FULLWIDTH_DIGITS)
    return _CN_YEAR.sub(lambda m: m.group().translate(_CN_DIGITS), text)


def _mask(text: str) -> str:
    for pattern in _MASKS:
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return text


def _quote(line: str, limit: int = 40) -> str:
    line = line.strip()
    return f"“{line if len(line) <= limit else line[:limit] + '…'}”"


def _published_year(text: str, published: str | None) -> tuple[int, str] | None:
    if published is not None:
        match = re.search(_YEAR, str(published))
        if match is None:
            raise ValueError(
                f"published={published!r} holds no year: pass a date such as '2024-03-19' or None"
            )
        return int(match.group(1)), f"published {published}"
    match = _PUBLISHED_LINE.search(text[:600])
    if match:
        return int(match.group(1)), f"publication date line {_quote(match.group())}"
    lines = [line for line in text.splitlines() if line.strip()]
    for line in lines[-3:]:
        match = _SIGNATURE_DATE.match(line)
        if match:
            return int(match.group(1)), f"signature date {_quote(line)}"
    return None


def resolve_year(text: str, *, title: str | None = None, published: str | None = None) -> dict:
    """Find the year a report reports on.

    Parameters
    ----------
    text : str
        Report text, clean (:func:`lawgov.normalize_text`) or raw.
    title : str, optional
        Report title when it is known apart from the text.
    published : str, optional
        Publication date (e.g. ``"2024-03-19"``) taken from page furniture or a manifest.
        Used only when neither the opening nor the plans give the year.

    Returns
    -------
    dict
        ``year`` (int or None): the year reported on.
        ``year_evidence`` (str): the lines that decided it, quoted, or why none did.
        ``year_status`` (str): ``"resolved"`` or ``"unresolved"``.
        ``year_candidates`` (list[int]): the conflicting years when unresolved because
        signals disagree; empty otherwise.

    Raises
    ------
    ValueError
        If ``published`` is given but holds no year.

    Examples
    --------
    >>> resolve_year("东风路街道2023年法治政府建设年度报告\\n2023年在市委的领导下……")["year"]
    2023
    >>> r = resolve_year("法治政府建设情况\\n一、主要举措\\n……\\n三、2026年工作思路与计划\\n……")
    >>> r["year"], r["year_status"]
    (2025, 'resolved')
    >>> resolve_year("法治政府建设情况报告\\n……", published="2022-03-31")["year"]
    2021
    >>> r = resolve_year("2022年度法治政府建设报告\\n2023年，我镇坚持依法行政。")
    >>> r["year"], r["year_status"], r["year_candidates"]
    (None, 'unresolved', [2022, 2023])
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    prepared = _prepare(f"{title}\n{text}" if title else text)
    masked = _mask(prepared)
    pairs = zip(masked.split("\n"), prepared.split("\n"), strict=True)
    lines = [(m, p) for m, p in pairs if p.strip()]

    # Title and short heading lines before the first paragraph, then that paragraph.
    head: list[tuple[str, str]] = []
    opening: tuple[str, str] | None = None
    n_before = 0
    for masked_line, line in lines[:8]:
        if _HEADING_PREFIX.match(line):
            break
        n_before += 1
        if _is_paragraph(line):
            opening = (masked_line, line)
            break
        # Long lines without sentence punctuation are breadcrumbs and other furniture.
        if len(line.strip()) <= _HEAD_LINE_MAX:
            head.append((masked_line, line))

    direct: list[tuple[int, str]] = []
    for masked_line, line in head:
        if _REPORT_WORDS.search(line):
            direct += [(int(y), f"title {_quote(line)}") for y in re.findall(_YEAR, masked_line)]
    if opening is not None:
        masked_line, line = opening
        seen: set[int] = set()
        for pattern in _OPENING_PATTERNS:
            for match in pattern.finditer(masked_line.strip()):
                if int(match.group(1)) in seen:
                    continue
                seen.add(int(match.group(1)))
                sentence = line.strip()[max(0, match.start() - 8) : match.end() + 8]
                direct.append((int(match.group(1)), f"opening {_quote(sentence)}"))

    plans: list[tuple[int, str]] = []
    body = lines[n_before:]
    for masked_line, line in body:
        # Only a line holding "20" can open with a year; most lines are done here.
        if "20" not in masked_line:
            continue
        stripped = _HEADING_PREFIX.sub("", masked_line.strip())
        match = _LINE_YEAR.match(stripped)
        if match is None:
            continue
        is_heading = len(line.strip()) <= _HEADING_MAX and not _SENTENCE_END.search(line)
        year = int(match.group(1))
        if is_heading and _MEASURE_WORDS.search(stripped):
            direct.append((year, f"heading {_quote(line)}"))
        elif (is_heading and _PLAN_WORDS.search(stripped)) or _PLAN_SENTENCE.match(stripped):
            plans.append((year - 1, f"plans {_quote(line)} → {year - 1}"))

    years = {y for y, _ in direct} | {y for y, _ in plans}
    signals = direct + plans
    evidence = "; ".join(dict.fromkeys(e for _, e in signals[:4]))
    if len(years) == 1:
        year = years.pop()
        return {
            "year": year,
            "year_evidence": evidence,
            "year_status": "resolved",
            "year_candidates": [],
        }
    if len(years) > 1:
        return {
            "year": None,
            "year_evidence": "conflicting years: "
            + "; ".join(dict.fromkeys(f"{e} ({y})" for y, e in signals[:6])),
            "year_status": "unresolved",
            "year_candidates": sorted(years),
        }
    found = _published_year(prepared, published)
    if found is not None:
        year, source = found
        return {
            "year": year - 1,
            "year_evidence": (
                f"no year in the title, opening or plans; {source}, and reports are published "
                f"early in the year after the one they report on → {year - 1}"
            ),
            "year_status": "resolved",
            "year_candidates": [],
        }
    return {
        "year": None,
        "year_evidence": "no year in the title, opening or plans, and no publication date",
        "year_status": "unresolved",
        "year_candidates": [],
    }
