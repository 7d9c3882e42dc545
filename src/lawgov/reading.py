"""Reading report files of any common format and encoding into one table (one row per report).

Formats: ``.txt`` in any common encoding (detected, never assumed), ``.html``/``.htm`` saved
from government sites (main text extracted), ``.docx`` and ``.pdf`` with a text layer. File
names carry no meaning: metadata comes from the text, from page furniture, from the national
gazetteer (through :func:`lawgov.resolve_region`) or from an optional manifest.

The work on one file is a pure function, :func:`read_report_file` (path + manifest row +
options -> row dict + log record), so a corpus can be read file by file, in chunks, or on a
cluster (``dask.bag.from_sequence(paths).map(read_report_file, ...)``); only the duplicate
check (:func:`deduplicate`) looks across files.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
import operator
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd

from ._tw2s import converter as _converter
from ._tw2s import to_simplified
from .cleaning import strip_furniture

__all__ = [
    "read_reports",
    "load_sample_reports",
    "sample_paths",
    "read_report_file",
    "read_manifest",
    "deduplicate",
    "ManifestError",
    "ReportFileError",
    "ReportInputWarning",
    "SUPPORTED_FORMATS",
    "DEFAULT_MAX_BYTES",
]

SUPPORTED_FORMATS: dict[str, str] = {
    ".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".shtml": "html",
    ".xhtml": "html", ".docx": "docx", ".pdf": "pdf",
}
"""File suffix -> ``source_format``."""

DEFAULT_MAX_BYTES = 50_000_000
"""Files larger than this (50 MB) are skipped: no annual report is that long as text."""

REGION_COLUMNS = ("unit", "unit_level", "province", "city", "county", "admin_code",
                  "admin_code_level", "region_status", "region_candidates", "region_evidence")
YEAR_COLUMNS = ("year", "year_evidence", "year_status", "year_candidates")
MANIFEST_COLUMNS = ("title", "unit", "unit_level", "province", "city", "county", "admin_code",
                    "admin_code_level", "region_status", "year", "published", "source_unit",
                    "label", "encoding")
"""Columns a manifest may set besides its key column ``file``."""

COLUMNS = (
    "doc_id", "label", "title", *REGION_COLUMNS, *YEAR_COLUMNS, "published", "source_unit",
    "metadata_source", "source_path", "source_format", "encoding", "script_original",
    "n_chars", "text_raw", "text",
)
LOG_COLUMNS = ("file", "source_path", "status", "reason", "doc_id", "input_sha256", "n_bytes")
_UNIT_LEVELS = ("province", "prefecture", "county", "township", "subdistrict")
_REGION_STATUSES = ("resolved", "ambiguous", "unresolved")
_ERRORS = ("warn", "raise", "ignore")


class ReportInputWarning(UserWarning):
    """An input file was skipped, is a duplicate, or could not be read."""


class ReportFileError(ValueError):
    """One input file cannot become a report row.

    ``status`` is ``"skipped"`` (nothing to read: empty, too large, unsupported format) or
    ``"error"`` (something to read that could not be read); ``reason`` says what and what to
    do.
    """

    def __init__(self, path: str | Path, status: Literal["skipped", "error"], reason: str):
        self.path = Path(path)
        self.status = status
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class ManifestError(ValueError):
    """The manifest CSV has unknown columns, duplicate keys, bad values or names missing files."""


# --------------------------------------------------------------------------------------
# decoding text files

# The ~400 most frequent Simplified characters of modern Chinese plus the report vocabulary;
# real text has ~40 % of its characters here, bytes decoded with the wrong codec ~2 %.
_COMMON = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能"
    "下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量"
    "都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各"
    "重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想"
    "已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较"
    "将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规"
    "热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花"
    "带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许"
    "步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技"
    "备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯"
    "院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞镇村"
    "街督执推宣普依纠纷群众领导责落训培"
)
# Every common character is a Han character (a test holds this).
_COMMON_RUNS_RE = re.compile(f"[{''.join(sorted(_COMMON))}]+")
_HAN_RUNS_RE = re.compile("[\u4e00-\u9fff]+")
_WIDE_PUNCT_RUNS_RE = re.compile("[\u3000-\u303f\uff00-\uffef“”‘’—…·]+")
_ASCII_OR_SPACE_RE = re.compile(r"[\x00-\x7f\s]+")
_MAGIC = (
    (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a zip archive (.docx/.xlsx/.zip)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.doc/.xls/.wps)"),
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"{\\rtf", "an RTF document"), (b"\x1f\x8b", "a gzip archive"), (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7z archive"), (b"\x7fELF", "a program"), (b"MZ", "a Windows program"),
)
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_SAVE_AS_UTF8 = "open it in a text editor and save it as UTF-8"


def _chinese_score(text: str) -> float:
    """How much the non-ASCII characters look like Chinese text, from 0 to 1.

    A common character scores 1, another Han character 0.3, CJK punctuation 0.5, anything
    else 0: text decoded with the right codec scores ~0.5, with a wrong one ~0.1.
    """
    # Counted with regular expressions, not character by character in Python: a GB18030
    # file took 3 ms here, more than the rest of its reading.
    sample = _ASCII_OR_SPACE_RE.sub("", text[:8000])[:4000]
    if not sample:
        return 0.0
    sample = to_simplified(sample, passes=1)[0]

    def count(runs: re.Pattern) -> int:
        # Deleting the runs makes one string; findall would make one per character.
        return len(sample) - len(runs.sub("", sample))

    common = count(_COMMON_RUNS_RE)
    other_han = count(_HAN_RUNS_RE) - common
    punctuation = count(_WIDE_PUNCT_RUNS_RE)
    return (common + 0.3 * other_han + 0.5 * punctuation) / len(sample)


def _has_han(text: str, n: int) -> bool:
    """Whether ``text`` holds at least ``n`` Han characters (counting stops at ``n``)."""
    return sum(1 for _ in itertools.islice(_HAN_RE.finditer(text), n)) == n


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    return bool(sample) and len(_CONTROL_RE.findall(sample)) > 0.01 * len(sample)


def _decode(data: bytes, path: Path, *, encoding: str | None = None) -> tuple[str, str]:
    """Decode the bytes of a text file; returns (text, encoding name)."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (LookupError, UnicodeDecodeError) as exc:
            raise ReportFileError(path, "error", f"the manifest says encoding {encoding!r} but "
                                  f"the bytes do not decode with it ({exc}); fix or clear the "
                                  "manifest's encoding cell") from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                raise ReportFileError(path, "error", f"starts with a {name} byte-order mark "
                                      f"but is not valid {name}; {_SAVE_AS_UTF8}") from None
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise ReportFileError(path, "error", f"is {what}, not text; give it the right "
                                  "file extension or convert it to .txt")
    head = data[:4096]
    if b"\x00" in head:
        # UTF-16 saved without a byte-order mark: every other byte of ASCII is NUL.
        for name in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(name)
            except UnicodeDecodeError:
                continue
            if not _looks_binary(text) and _chinese_score(text) >= 0.25:
                return text, name
        raise ReportFileError(path, "error", "is binary data (NUL bytes), not text; give it "
                              "the right file extension or convert it to .txt")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_binary(text):
            raise ReportFileError(path, "error", "is binary data (control characters), not "
                                  "text; give it the right file extension or convert it to .txt")
        return text, "utf-8"
    # Most non-UTF-8 reports are GB text: when GB18030 reads them as clearly Chinese, the
    # detector (a few milliseconds a file) has nothing to add.
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        if not _looks_binary(text) and _chinese_score(text) >= 0.5:
            return text, "gb18030"
    candidates = ["gb18030", "big5"]
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding not in candidates:
        candidates.insert(0, best.encoding)
    scored = []
    for name in candidates:
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if not _looks_binary(text):
            scored.append((_chinese_score(text), name, text))
    if scored:
        score, name, text = max(scored, key=lambda item: item[0])
        if score >= 0.25:
            return text, name
    raise ReportFileError(path, "error", "cannot be decoded as Chinese text in any common "
                          "encoding (tried UTF-8, UTF-16, GB18030/GBK, Big5 and a detector); "
                          f"{_SAVE_AS_UTF8}, or name its encoding in the manifest")


# --------------------------------------------------------------------------------------
# formats

_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
_BLOCK_TAGS = ("p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
               "section", "article", "header", "footer", "table", "ul", "ol", "dd", "dt", "pre",
               "blockquote", "span")
_NOISE_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "svg", "form",
               "select", "button", "input", "textarea")


def _decode_html(data: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    if not encoding:
        declared = _META_CHARSET_RE.search(data[:4096])
        if declared:
            name = declared.group(1).decode("ascii").lower()
            # Pages that declare gb2312/gbk routinely use characters only GB18030 has.
            name = "gb18030" if name in {"gb2312", "gbk", "gb18030", "x-gbk"} else name
            try:
                return data.decode(name), name
            except (LookupError, UnicodeDecodeError):
                pass
    return _decode(data, path, encoding=encoding)


def _block_text(element) -> str:
    """Text of an lxml element with a newline at each block boundary."""
    parts: list[str] = []

    def walk(node):
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in _NOISE_TAGS:
            if node.tail:
                parts.append(node.tail)
            return
        block = tag in _BLOCK_TAGS and tag != "span"
        if block:
            parts.append("\n")
        if node.text and tag:
            parts.append(node.text)
        for child in node:
            walk(child)
        if block:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    walk(element)
    return "".join(parts)


def _largest_block(tree) -> str:
    """Fallback main text: the element whose paragraph children hold the most text."""
    scores: dict = {}
    for node in tree.iter("p", "div", "td", "section", "article"):
        parent = node.getparent()
        if parent is None:
            continue
        own = "".join(node.xpath("text()")).strip()
        if len(own) >= 10:
            scores[parent] = scores.get(parent, 0) + len(own)
    if not scores:
        return ""
    return _block_text(max(scores, key=scores.get))


def _html_text(html: str, path: Path) -> tuple[str, dict]:
    import trafilatura
    from lxml import html as lxml_html

    html = _XML_DECLARATION_RE.sub("", html, count=1)
    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, TypeError) as exc:
        raise ReportFileError(path, "error", f"is not readable HTML ({exc}); save the page "
                              "again from the browser or copy its text into a .txt file") from None
    page: dict = {"title": None, "published": None, "source_unit": None}
    named = {(el.get("name") or "").lower(): (el.get("content") or "").strip()
             for el in tree.iter("meta")}
    # Chinese government sites follow the national site standard's meta tags.
    page["title"] = named.get("articletitle") or None
    page["published"] = (named.get("pubdate") or named.get("firstpublishedtime") or None)
    page["source_unit"] = named.get("contentsource") or None
    if not page["title"]:
        heading = next((el for el in tree.iter("h1") if el.text_content().strip()), None)
        if heading is not None:
            page["title"] = " ".join(heading.text_content().split())
    _, furniture = strip_furniture(_block_text(tree))
    for key in ("published", "source_unit"):
        page[key] = furniture[key] or page[key]
    if page["published"]:
        from .cleaning import _iso_date

        page["published"] = _iso_date(page["published"])
    text = trafilatura.extract(html, include_comments=False, include_tables=True,
                               favor_recall=True, deduplicate=False) or ""
    if not _has_han(text, 50):
        text = _largest_block(tree)
    if not _has_han(text, 20):
        raise ReportFileError(path, "error", "is a web page with no main text (an index page, "
                              "a frame, or a page drawn by scripts); save the article page "
                              "itself, or copy its text into a .txt file")
    if page["title"]:
        head = [line.strip() for line in text.strip().split("\n")[:3]]
        if "".join(page["title"].split()) not in ("".join(line.split()) for line in head):
            text = page["title"] + "\n" + text
    return text, page


def _docx_text(data: bytes, path: Path) -> str:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types on bad packages
        raise ReportFileError(path, "error", f"cannot be opened as a Word .docx file ({exc}); "
                              "open it in Word or WPS and save it again as .docx") from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:  # merged cells repeat
                        seen.add(id(cell._tc))
                        lines.append(cell.text)
        else:
            lines.append(block.text)
    return "\n".join(lines)


_PAGE_NUMBER_RE = re.compile(
    r"^\s*(?:[-—–－]\s*\d+\s*[-—–－]|第\s*\d+\s*页(?:\s*[，,/]?\s*共\s*\d+\s*页)?"
    r"|\d+\s*/\s*\d+|\d{1,3})\s*$"
)
_SENTENCE_END = tuple("。！？；：”!?;:")


def _width(line: str) -> int:
    """Printed width of a line in half-width units (Chinese characters count two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def _reflow(pages: list[str]) -> list[str]:
    """Join the lines a PDF wrapped inside one paragraph, across pages; drop page numbers."""
    lines = [line.strip() for page in pages for line in page.split("\n")]
    lines = [line for line in lines if line and not _PAGE_NUMBER_RE.match(line)]
    if not lines:
        return []
    widths = [_width(line) for line in lines]
    full = sorted(widths)[int(0.9 * (len(widths) - 1))]
    paragraphs = [lines[0]]
    for previous, width, line in zip(lines, widths, lines[1:], strict=False):
        wrapped = width >= 0.85 * full and full >= 30 and not previous.endswith(_SENTENCE_END)
        if wrapped:
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
    return paragraphs


def _pdf_text(data: bytes, path: Path) -> str:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            reader.decrypt("")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ReportFileError(path, "error", f"cannot be read as a PDF ({exc}); open it in a "
                              "PDF reader and save or print it to a new PDF") from None
    text = "\n".join(_reflow(pages))
    if not _has_han(text, 20):
        raise ReportFileError(path, "error", "is a PDF without a text layer (a scan); run OCR "
                              "on it first (e.g. `ocrmypdf -l chi_sim in.pdf out.pdf`) and "
                              "read the OCR'd PDF")
    return text


# --------------------------------------------------------------------------------------
# metadata found in the text

_ENUMERATOR_RE = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．])"
)
_TITLE_TOPIC_RE = re.compile(r"法治|依法行政|法制")
_TITLE_KIND_RE = re.compile(r"报告|总结|情况|汇报|要点|工作")
_UNIT_LINE_RE = re.compile(
    r"^[\u4e00-\u9fff]{2,30}(?:人民政府|办事处|街道|镇|乡|委员会|党委|党工委|管委会|政府)$")


def _find_title(text: str) -> str | None:
    """Return the title line of a clean report text, or None when it has no title line."""
    for line in text.split("\n", 6)[:6]:
        if (6 <= len(line) <= 60 and "。" not in line and not line.endswith("：")
                and not _ENUMERATOR_RE.match(line) and _TITLE_TOPIC_RE.search(line)
                and _TITLE_KIND_RE.search(line)):
            return line
        if len(line) > 60 or "。" in line or _ENUMERATOR_RE.match(line):
            return None  # the body has started
    return None


def _script_of(text: str) -> str:
    """simplified / traditional / mixed, from how many characters each conversion changes."""
    def changed(config: str) -> int:
        converted = _converter(config).convert(text)
        if converted == text:  # the common case, decided without a loop over characters
            return 0
        if len(converted) == len(text):
            return sum(map(operator.ne, text, converted))
        return sum(abs(text.count(ch) - converted.count(ch)) for ch in set(converted)) // 2

    traditional = changed("tw2s")
    if not traditional:
        return "simplified"
    simplified = changed("s2tw")
    share = traditional / (traditional + simplified)
    return "traditional" if share >= 0.8 else "simplified" if share <= 0.2 else "mixed"


# --------------------------------------------------------------------------------------
# one file


def _resolve(text: str, title: str | None, published: str | None) -> tuple[dict, dict]:
    from .regions import resolve_region
    from .years import resolve_year

    return (resolve_region(text, title=title),
            resolve_year(text, title=title, published=published))


def _label(row: Mapping) -> str:
    unit, year = row.get("unit"), row.get("year")
    if unit and year is not None and not pd.isna(year):
        return f"{unit} {int(year)}"
    return unit or row.get("title") or row["doc_id"]


def _apply_overrides(row: dict, overrides: Mapping, sources: dict) -> None:
    for column, value in overrides.items():
        if column == "encoding" or value is None:
            continue
        row[column] = value
        sources[column] = "manifest"
    region_given = [c for c in REGION_COLUMNS if c in overrides and c != "region_status"]
    if region_given:
        row["region_evidence"] = "manifest: " + ", ".join(
            f"{c}={overrides[c]}" for c in region_given)
        if "region_status" not in overrides:
            row["region_status"] = "resolved"
    if "year" in overrides:
        row["year_evidence"] = f"manifest: year={overrides['year']}"
        row["year_status"] = "resolved"


def read_report_file(
    path: str | Path,
    *,
    overrides: Mapping | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    key: str | None = None,
) -> tuple[dict | None, dict]:
    """Read one report file: the per-file step of :func:`read_reports`, a pure function.

    Never raises for bad input: a file that cannot become a report gives ``row=None`` and a
    log record saying why. It does not look at other files, so it can run in any order, in
    chunks or on a cluster; :func:`deduplicate` then compares the rows.

    Parameters
    ----------
    path : str or Path
        The file.
    overrides : mapping, optional
        The file's manifest row (column -> value); values replace inferred metadata.
    max_bytes : int
        Files larger than this are skipped.
    key : str, optional
        Name of the file in the log and the manifest (default: the file name).

    Returns
    -------
    row : dict or None
        One report row with the columns documented in :func:`read_reports`.
    record : dict
        The log record: ``file``, ``source_path``, ``status`` ("ok" / "skipped" / "error"),
        ``reason``, ``doc_id``, ``input_sha256``, ``n_bytes``.

    Examples
    --------
    >>> row, record = read_report_file(sample_paths()[3])
    >>> record["status"], row["title"], row["published"], row["encoding"]
    ('ok', '巴彦县洼兴镇2021年度法治政府建设情况', '2022-03-31', 'utf-8')
    """
    path = Path(path)
    record = {"file": key or path.name, "source_path": str(path), "status": "ok", "reason": "",
              "doc_id": None, "input_sha256": None, "n_bytes": None}
    try:
        row = _read_file(path, dict(overrides or {}), max_bytes, record)
    except ReportFileError as exc:
        record.update(status=exc.status, reason=exc.reason)
        return None, record
    record["doc_id"] = row["doc_id"]
    return row, record


def _read_file(path: Path, overrides: dict, max_bytes: int, record: dict) -> dict:
    suffix = path.suffix.lower()
    source_format = SUPPORTED_FORMATS.get(suffix)
    if source_format is None:
        hint = ("open it in Word or WPS and save it as .docx" if suffix in {".doc", ".wps", ".rtf"}
                else "convert it to .txt, .html, .docx or .pdf")
        raise ReportFileError(path, "skipped", f"unsupported file type {suffix or '(none)'!r}; "
                              f"{hint}")
    try:
        n_bytes = path.stat().st_size
        record["n_bytes"] = n_bytes
        if n_bytes > max_bytes:
            raise ReportFileError(path, "skipped", f"is {n_bytes:,} bytes, over the limit of "
                                  f"{max_bytes:,}; raise max_bytes (--max-bytes) if it really is "
                                  "one report")
        data = path.read_bytes()
    except OSError as exc:
        raise ReportFileError(path, "error", f"cannot be read ({exc.strerror}); check that it "
                              "exists and is readable") from None
    record["input_sha256"] = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise ReportFileError(path, "skipped", "is empty; delete it or put the report's text in it")
    forced = overrides.get("encoding")
    page: dict = {}
    encoding: str | None = None
    if source_format == "txt":
        text_raw, encoding = _decode(data, path, encoding=forced)
    elif source_format == "html":
        html, encoding = _decode_html(data, path, forced)
        text_raw, page = _html_text(html, path)
    elif source_format == "docx":
        text_raw = _docx_text(data, path)
    else:
        text_raw = _pdf_text(data, path)
    return _build_row(text_raw, page, overrides, source_path=str(path),
                      source_format=source_format, encoding=encoding)


def _build_row(text_raw: str, page: dict, overrides: dict, **columns) -> dict:
    path = Path(columns["source_path"])
    text, furniture = strip_furniture(text_raw)
    if not _HAN_RE.search(text):
        raise ReportFileError(path, "skipped", "has no Chinese text once cleaned (only page "
                              "furniture, whitespace or other languages); check the file")
    sources: dict[str, str] = {}
    title = _find_title(text)
    if title:
        sources["title"] = "text"
    elif page.get("title"):
        title = strip_furniture(page["title"])[0] or None
        sources["title"] = "furniture"
    meta = {}
    for column in ("published", "source_unit"):
        meta[column] = furniture[column] or page.get(column)
        if meta[column]:
            sources[column] = "furniture"
    # A title or date the researcher gives is also what the resolvers should read.
    if overrides.get("title"):
        title, sources["title"] = overrides["title"], "manifest"
    if overrides.get("published"):
        meta["published"], sources["published"] = overrides["published"], "manifest"
    # A title that is a line of the text is already there for the resolvers to see.
    outside = title if title and title not in text.split("\n", 6)[:6] else None
    region, year = _resolve(text, outside, meta["published"])
    row = {"doc_id": hashlib.sha1(text.encode("utf-8")).hexdigest()[:16], "title": title}
    row.update({column: region.get(column) for column in REGION_COLUMNS})
    row.update({column: year.get(column) for column in YEAR_COLUMNS})
    for column in ("unit", "unit_level", "province", "city", "county", "admin_code",
                   "admin_code_level"):
        if row[column]:
            sources[column] = "gazetteer"
    if row["year"] is not None:
        from_date = str(row.get("year_evidence") or "").startswith("published")
        sources["year"] = sources.get("published", "text") if from_date else "text"
    row.update(meta)
    row.update(columns)
    # Cleaning already ran tw2s: a text it left unchanged has no Traditional characters, and
    # a second OpenCC pass over it (about 4 % of a report's ingest) would find none.
    script = _script_of(text_raw) if furniture["converted"] else "simplified"
    row.update(script_original=script, n_chars=len(text), text_raw=text_raw, text=text)
    _apply_overrides(row, overrides, sources)
    if "label" not in overrides:
        row["label"] = _label(row)
    row["metadata_source"] = json.dumps(sources, ensure_ascii=False, sort_keys=True)
    return row


# --------------------------------------------------------------------------------------
# many files


def read_manifest(path: str | Path, *, files: Iterable[str] | None = None) -> dict[str, dict]:
    """Read a metadata manifest: a CSV keyed by ``file`` whose other columns override inference.

    Parameters
    ----------
    path : str or Path
        The CSV file (any common encoding, e.g. saved from Excel as GBK). Empty cells mean
        "no override".
    files : iterable of str, optional
        The input keys (file names, or paths relative to the source folder) the manifest may
        name; a row naming any other file is an error.

    Returns
    -------
    dict
        file -> {column: value} for the non-empty cells. ``year`` becomes an int and
        ``published`` an ISO date string.

    Raises
    ------
    ManifestError
        Unknown columns, no ``file`` column, duplicate or missing files, bad values; the
        message lists the allowed columns.
    """
    from .cleaning import _iso_date

    path = Path(path)
    allowed = "file, " + ", ".join(MANIFEST_COLUMNS)
    try:
        text, _ = _decode(path.read_bytes(), path)
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (OSError, ReportFileError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ManifestError(f"manifest {path}: cannot be read as CSV ({exc}); it needs a header "
                            f"row with the column 'file' and any of: {allowed}") from None
    table.columns = [str(column).strip() for column in table.columns]
    if "file" not in table.columns:
        raise ManifestError(f"manifest {path}: no 'file' column (the input file name each row "
                            f"describes); allowed columns: {allowed}")
    unknown = [c for c in table.columns if c != "file" and c not in MANIFEST_COLUMNS]
    if unknown:
        raise ManifestError(f"manifest {path}: unknown column(s) {', '.join(unknown)}; allowed "
                            f"columns: {allowed}")
    keys = table["file"].str.strip()
    duplicated = sorted(set(keys[keys.duplicated()]))
    if duplicated:
        raise ManifestError(f"manifest {path}: file(s) listed more than once: "
                            f"{', '.join(duplicated)}; keep one row per file")
    if files is not None:
        known = set(files)
        missing = [key for key in keys if key not in known]
        if missing:
            raise ManifestError(f"manifest {path}: row(s) name files that are not among the "
                                f"inputs: {', '.join(missing)}; fix the names or delete the rows")
    result: dict[str, dict] = {}
    for line, (key, row) in enumerate(zip(keys, table.to_dict("records"), strict=False), start=2):
        values = {c: v.strip() for c, v in row.items() if c != "file" and v.strip()}
        where = f"manifest {path}, line {line} ({key})"
        if "year" in values:
            if not re.fullmatch(r"(19|20)\d\d", values["year"]):
                raise ManifestError(f"{where}: year {values['year']!r} is not a year like 2023")
            values["year"] = int(values["year"])
        if "published" in values:
            iso = _iso_date(values["published"])
            if iso is None:
                raise ManifestError(f"{where}: published {values['published']!r} is not a date "
                                    "like 2024-03-19")
            values["published"] = iso
        for column, choices in (("unit_level", _UNIT_LEVELS),
                                ("region_status", _REGION_STATUSES)):
            if column in values and values[column] not in choices:
                raise ManifestError(f"{where}: {column} {values[column]!r} is not one of "
                                    f"{', '.join(choices)}")
        result[key] = values
    return result


def _collect(source) -> tuple[list[tuple[Path, str]], Path | None]:
    """Inputs as (path, key) and the folder whose manifest.csv is the default manifest."""
    if isinstance(source, (str, Path)):
        source = Path(source)
        if source.is_dir():
            # os.walk, not Path.rglob: a folder of 100,000 reports is listed in a tenth of
            # the time. Hidden files and folders are left out, as is the manifest.
            files = []
            for folder, subfolders, names in os.walk(source, followlinks=True):
                subfolders[:] = [d for d in subfolders if not d.startswith(".")]
                prefix = Path(folder).relative_to(source).as_posix()
                prefix = "" if prefix == "." else prefix + "/"
                for name in names:
                    key = prefix + name
                    if name.startswith(".") or key == "manifest.csv":
                        continue
                    path = Path(folder, name)
                    if os.path.isfile(path):
                        files.append((path, key))
            files.sort(key=lambda item: item[0].parts)
            return files, source
        if source.is_file():
            return [(source, source.name)], None
        raise FileNotFoundError(f"{source}: no such file or folder; pass a folder of reports, "
                                "a report file or a list of files")
    inputs: list[tuple[Path, str]] = []
    for item in source:
        inputs.extend(_collect(item)[0] if Path(item).is_dir() else [(Path(item), Path(item).name)])
    keys = [key for _, key in inputs]
    clash = sorted({key for key in keys if keys.count(key) > 1})
    if clash:
        raise ValueError(f"several inputs share the file name(s) {', '.join(clash)}; the "
                         "manifest and the log key files by name, so rename them or pass "
                         "their folder instead")
    return inputs, None


def deduplicate(rows: list[dict | None], records: list[dict]) -> tuple[list[dict], list[dict]]:
    """Drop rows whose clean text repeats an earlier row's; mark their records ``duplicate``.

    ``rows[i]`` and ``records[i]`` belong to the same input; the first input (in the given
    order) keeps its row. Returns the kept rows and new records.
    """
    first: dict[str, str] = {}
    kept, out = [], []
    for row, record in zip(rows, records, strict=False):
        record = dict(record)
        if row is not None:
            original = first.setdefault(row["doc_id"], record["file"])
            if original != record["file"]:
                record.update(status="duplicate", reason=f"same clean text as {original}; "
                              "delete one of the two files")
            else:
                kept.append(row)
        out.append(record)
    return kept, out


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["year"] = frame["year"].astype("Int64")
    frame["n_chars"] = frame["n_chars"].astype("int64")
    return frame.reset_index(drop=True)


def _log_frame(records: list[dict]) -> pd.DataFrame:
    log = pd.DataFrame(records, columns=list(LOG_COLUMNS))
    log["n_bytes"] = log["n_bytes"].astype("Int64")
    return log


def _report_problems(records: list[dict], errors: str) -> None:
    for record in records:
        if record["status"] == "ok":
            continue
        message = f"{record['file']} {record['status']}: {record['reason']}"
        if errors == "raise":
            raise ReportFileError(record["source_path"], record["status"], record["reason"])
        if errors == "warn":
            warnings.warn(message, ReportInputWarning, stacklevel=3)


def _manifest_for(manifest, folder: Path | None, keys: list[str]) -> dict[str, dict]:
    if manifest is False:
        return {}
    if manifest is None:
        if folder is None or not (folder / "manifest.csv").is_file():
            return {}
        manifest = folder / "manifest.csv"
    return read_manifest(manifest, files=keys)


def read_reports(
    source: str | Path | Iterable[str | Path],
    *,
    manifest: str | Path | None | Literal[False] = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    errors: Literal["warn", "raise", "ignore"] = "warn",
    return_log: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Read report files into the reports table: one row per report, clean text and metadata.

    Parameters
    ----------
    source : str, Path or iterable of them
        A folder (read recursively; hidden files and ``manifest.csv`` are left out), one
        file, or a list of files. Formats by suffix: .txt (encoding detected), .html/.htm,
        .docx, .pdf (needs a text layer).
    manifest : str, Path, None or False
        CSV keyed by ``file`` (path relative to the folder, or file name for lists) with any
        of the columns in ``MANIFEST_COLUMNS``; non-empty cells override inference
        (``encoding`` forces the decoding). Default: ``<folder>/manifest.csv`` when
        ``source`` is a folder that has one; ``False`` ignores it.
    max_bytes : int
        Files larger than this are skipped.
    errors : {"warn", "raise", "ignore"}
        What to do about an input that is skipped, is a duplicate or cannot be read: warn
        (:class:`ReportInputWarning`, naming the file and the fix) and go on; raise
        :class:`ReportFileError` at the first one; or only record it in the log.
    return_log : bool
        Also return the log of every input.

    Returns
    -------
    reports : pandas.DataFrame
        One row per distinct report, in input order:

        - ``doc_id`` (str): first 16 hex digits of the SHA-1 of the clean text (stable).
        - ``label`` (str): short readable name, "unit year" (e.g. "塘沟镇 2023"), else the
          unit, the title or the doc_id.
        - ``title`` (str or None): the heading line near the top, None when there is none.
        - ``unit``, ``unit_level``, ``province``, ``city``, ``county``, ``admin_code``,
          ``admin_code_level``, ``region_status``, ``region_candidates``,
          ``region_evidence``: where the report comes from, see :func:`lawgov.resolve_region`.
        - ``year`` (Int64), ``year_evidence``, ``year_status``, ``year_candidates``: the year
          reported on, see :func:`lawgov.resolve_year`.
        - ``published`` (str or None): publication date, ISO ``yyyy-mm-dd``, from page
          furniture or the manifest.
        - ``source_unit`` (str or None): the publishing body named by a source line (来源：).
        - ``metadata_source`` (str): JSON object {column: origin} for every metadata value
          that is set; origin is "text" (found in the report text), "furniture" (web-page
          furniture: date/source lines, HTML meta tags and headings), "gazetteer" (completed
          from the national division table on evidence in the text) or "manifest".
        - ``source_path`` (str), ``source_format`` (txt / html / docx / pdf),
          ``encoding`` (str or None: the detected text encoding; None for docx and pdf).
        - ``script_original`` (str): simplified / traditional / mixed, of the raw text.
        - ``n_chars`` (int): length of ``text``.
        - ``text_raw`` (str): the decoded text, untouched (for HTML, docx and PDF: the text
          extracted from the file).
        - ``text`` (str): the clean text (:func:`lawgov.normalize_text`).
    log : pandas.DataFrame
        Only with ``return_log=True``: one row per input, columns ``file``, ``source_path``,
        ``status`` (ok / duplicate / skipped / error), ``reason``, ``doc_id``,
        ``input_sha256``, ``n_bytes``.

    Raises
    ------
    ManifestError
        The manifest is malformed (raised whatever ``errors`` says: it affects every file).
    ReportFileError
        With ``errors="raise"``, for the first input that is not ok.

    Examples
    --------
    >>> reports = read_reports(sample_paths()[2:4])
    >>> reports["title"].tolist()
    ['关于2023年法治政府建设情况的报告', '巴彦县洼兴镇2021年度法治政府建设情况']
    >>> reports["province"].tolist(), reports["published"].tolist()
    (['河南省', '黑龙江省'], [nan, '2022-03-31'])
    """
    if errors not in _ERRORS:
        raise ValueError(f"errors must be one of {', '.join(map(repr, _ERRORS))}, got {errors!r}")
    inputs, folder = _collect(source)
    overrides = _manifest_for(manifest, folder, [key for _, key in inputs])
    rows, records = [], []
    for path, key in inputs:
        row, record = read_report_file(path, overrides=overrides.get(key), max_bytes=max_bytes,
                                       key=key)
        rows.append(row)
        records.append(record)
    kept, records = deduplicate(rows, records)
    _report_problems(records, errors)
    reports = _frame(kept)
    return (reports, _log_frame(records)) if return_log else reports


def sample_paths() -> list[Path]:
    """Paths of the five sample reports shipped with lawgov (plain UTF-8 text).

    Examples
    --------
    >>> [path.name[:3] for path in sample_paths()]
    ['000', '001', '002', '003', '004']
    """
    folder = resources.files("lawgov") / "resources" / "samples"
    return sorted(Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".txt"))


@functools.lru_cache(maxsize=1)
def _sample_reports() -> pd.DataFrame:
    return read_reports(sample_paths(), errors="raise")


def load_sample_reports() -> pd.DataFrame:
    """The reports table of the five shipped sample reports (see :func:`read_reports`).

    Returns a fresh copy each time; the files are read once per process.

    Examples
    --------
    >>> reports = load_sample_reports()
    >>> len(reports), reports["script_original"].tolist()
    (5, ['traditional', 'simplified', 'simplified', 'simplified', 'simplified'])
    """
    return _sample_reports().copy(deep=True)
