"""Cleaning report text: script conversion, punctuation and width policy, web-page furniture.

The clean-text contract every later stage relies on:

* Simplified Chinese (OpenCC ``tw2s``: Taiwan-standard Traditional to Simplified, which also
  converts phrase-level variants such as 隨著 -> 随着 that plain ``t2s`` leaves alone);
* Chinese punctuation full-width （ ） ， ： ； ！ ？ 、 。 “ ”; digits, Latin letters, ``%``
  and ``.`` half-width (ASCII); a comma or colon between two digits is ASCII (13,600, 10:30);
* one paragraph per line, lines separated by exactly one ``\\n``; no indentation, no
  ideographic or other exotic spaces, no zero-width or control characters; a space survives
  only between two non-Chinese characters (``Produced By``, ``2024-03-19 10:30``);
* no government web-page furniture (accessibility links, breadcrumbs, author/source/date
  lines, share and print buttons, CMS vendor, copyright and ICP footers). The publication
  date and source named in that furniture are returned as metadata by
  :func:`strip_furniture` before the lines are dropped.

Cleaning is idempotent (``normalize_text(normalize_text(x)) == normalize_text(x)``) because
every step is a fixed point on its own output and furniture is recognised line by line,
from the line's content alone.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import unicodedata

from ._tw2s import to_simplified

__all__ = ["normalize_text", "strip_furniture"]


# --------------------------------------------------------------------------------------
# characters


@functools.lru_cache(maxsize=1)
def _char_table() -> dict[int, str | None]:
    """The per-character part of the policy, as one ``str.translate`` table."""
    table: dict[int, str | None] = {}
    # Controls and invisible formatting characters carry no text; OpenCC would also
    # truncate a string at NUL.
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        table[code] = None
    for code in (0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x00AD, 0x180E,
                 *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFFFE, 0xFFFF):
        table[code] = None
    for code in range(0xD800, 0xE000):  # lone surrogates cannot be encoded
        table[code] = None
    # Line and paragraph separators become newlines, every other space a plain space.
    for code in (0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029):
        table[code] = "\n"
    for code in (0x09, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000):
        table[code] = " "
    # Full-width ASCII to ASCII; the Chinese punctuation among them is re-widened below.
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0)
    # Compatibility forms: Kangxi radicals and compatibility ideographs (common in PDF
    # text layers), small and vertical punctuation forms, half-width CJK punctuation.
    for start, stop in ((0x2E80, 0x2FE0), (0xF900, 0xFB00), (0xFE10, 0xFE20),
                        (0xFE30, 0xFE70), (0xFF5F, 0xFF66), (0x2F800, 0x2FA20)):
        for code in range(start, stop):
            folded = unicodedata.normalize("NFKC", chr(code))
            if len(folded) == 1 and folded != chr(code):
                table[code] = table.get(ord(folded), folded) if folded.isascii() else folded
    table.update({
        ord("「"): "“", ord("」"): "”", ord("『"): "‘", ord("』"): "’",
        ord("〝"): "“", ord("〞"): "”", ord("﹁"): "“", ord("﹂"): "”",
        ord("﹃"): "‘", ord("﹄"): "’", 0xFF62: "“", 0xFF63: "”", 0xFF61: "。", 0xFF64: "、",
        0xFF65: "·", ord("･"): "·",
    })
    # Chinese punctuation that is always full-width (comma and colon depend on context).
    wide = {";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
    for code, value in list(table.items()):
        if value in wide:
            table[code] = wide[value]
    for narrow, full in wide.items():
        table[ord(narrow)] = full
    # Full-width comma and colon stay unless between digits (see _DIGIT_COMMA_RE).
    table[ord("，")], table[ord("：")] = "，", "："
    return {code: value for code, value in table.items() if value != chr(code)}


@functools.lru_cache(maxsize=1)
def _char_pattern() -> re.Pattern:
    """A character class matching exactly the characters ``_char_table`` changes.

    ``re.sub`` over this class touches only the few characters that change, where
    ``str.translate`` would look up every character of the text.
    """
    codes = sorted(_char_table())
    ranges, start = [], codes[0]
    for previous, code in zip(codes, codes[1:] + [None], strict=False):
        if code != previous + 1:
            ranges.append((start, previous))
            start = code
    body = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                   for a, b in ranges)
    return re.compile(f"[{body}]")


def _translate(text: str) -> str:
    table = _char_table()
    return _char_pattern().sub(lambda match: table[ord(match.group())] or "", text)


# Characters next to which a space is dropped: Han, kana, CJK and full-width punctuation,
# curly quotes, dashes, ellipsis, plus the ASCII marks that become full-width Chinese ones.
_WIDE = (
    "\u2e80-\u2fff\u3001-\u303f\u3040-\u9fff\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe6f"
    "\uff00-\uffef\U00020000-\U0003134f\u2018\u2019\u201c\u201d\u2014\u2026\u00b7,:\""
)
_WIDE_RE = re.compile(f"[{_WIDE}]")
_SPACE_RUN_RE = re.compile(" [ \n]*")
_NEWLINES_RE = re.compile("\n\n+")
# Each pattern starts with its literal mark so that re scans for it quickly.
_COMMA_RE = re.compile(r",(?:(?<!\d,)|(?!\d))")
_COLON_RE = re.compile(r":(?:(?<!\d:)(?!//)|(?<=\d:)(?!\d|//))")
# The mark first and the digit before it checked behind: re then skips straight to each
# '，' (a leading look-behind made it test every position, 8× slower).
_DIGIT_COMMA_RE = re.compile(r"，(?<=\d，)(?=\d)")
_DIGIT_COLON_RE = re.compile(r"：(?<=\d：)(?=\d)")
_QUOTES_RE = re.compile(r'"([^"\n]*)"')


def _spaces(text: str) -> str:
    """Collapse whitespace runs: newline runs to one newline, spaces to one space between
    two narrow characters and to nothing next to a wide one or a line break."""
    if " " in text:
        # The pattern starts at a space, so re skips to each one: most reports have none,
        # and newline runs need no Python callback (a callback per paragraph cost 0.07 ms).
        def replace(match: re.Match) -> str:
            if "\n" in match.group():
                return "\n"
            start, end = match.span()
            if start == 0 or end == len(text) or text[start - 1] == "\n":
                return ""
            if _WIDE_RE.match(text, start - 1) or _WIDE_RE.match(text, end):
                return ""
            return " "

        text = _SPACE_RUN_RE.sub(replace, text)
    return _NEWLINES_RE.sub("\n", text).strip("\n")


def _canonical(text: str) -> tuple[str, bool]:
    """Script, width, punctuation and spacing policy (no furniture handling).

    Returns the text and whether the script conversion changed any character.
    """
    text = _translate(text.replace("\r\n", "\n"))
    # Spaces go before punctuation is widened, so that '1 , 2' and '1,2' end up alike.
    text = _spaces(text)
    # Only the marks change, and the digits around them decide, so one pass per mark is the
    # same as one pass for both.
    text = _DIGIT_COLON_RE.sub(":", _DIGIT_COMMA_RE.sub(",", text))
    if "," in text:
        text = _COMMA_RE.sub("，", text)
    if ":" in text:
        text = _COLON_RE.sub("：", text)
    if '"' in text:
        text = _QUOTES_RE.sub(r"“\1”", text).replace('"', "“")
    # To the fixed point (a phrase conversion can create a new convertible phrase), so that
    # cleaning stays idempotent; only the lines that can change are converted.
    return to_simplified(text)


# --------------------------------------------------------------------------------------
# web-page furniture (recognised on canonical text: colons are '：', no spaces between Han)

_META_LABELS = sorted(
    """作者 文章作者 来源 文章来源 信息来源 稿件来源 内容来源 来源单位 发布来源 发布机构 发布单位
    发布部门 发文机关 发文单位 发文字号 文号 索引号 主题分类 信息分类 分类 体裁分类 公开方式
    公开范围 公开时限 有效性 责任编辑 编辑 审核 审核人 校对 撰稿 供稿 摄影 发布人 时间 发布时间
    发表时间 发表日期 发布日期 日期 更新时间 更新日期 成文日期 生成日期 浏览次数 浏览量 阅读次数
    阅读量 阅读 点击数 点击量 点击率 访问量 访问次数 字号 字体 所属机构 信息提供""".split(),
    key=len, reverse=True,
)
_SOURCE_LABELS = ("来源", "文章来源", "信息来源", "稿件来源", "内容来源", "来源单位",
                  "发布来源", "发布机构", "发布单位", "发布部门", "发文机关", "发文单位",
                  "所属机构", "信息提供")
_DATE_LABELS = ("发布日期", "发表日期", "发布时间", "发表时间", "时间", "日期", "成文日期",
                "生成日期", "更新时间", "更新日期")
_LABELS = "|".join(_META_LABELS)
_PAIR_RE = re.compile(f"({_LABELS})[：:](.*?)(?=(?:{_LABELS})[：:]|【|\\[|$)")

_NAV_TOKENS = (
    "长者版|长者模式|关怀版|关怀模式|适老版|适老化|无障碍阅读|无障碍浏览|无障碍|读屏专用|"
    "繁体版|繁体|简体版|简体|English|ENGLISH|EN|手机版|移动版|网站地图|智能问答|个人登录|"
    "法人登录|登录|注册|首页|邮箱|设为首页|加入收藏|联系我们|关于本站|网站声明"
)
_BUTTONS = (
    "打印本页|打印此页|打印文章|打印页面|打印|关闭窗口|关闭本页|关闭页面|关闭|收藏本页|收藏|"
    "返回顶部|回到顶部|返回首页|返回列表|返回|保存本页|保存|分享|我要纠错|纠错|视力保护色|"
    "扫一扫在手机打开当前页|扫一扫在手机上查看当前页面|扫一扫|(?:字体|字号)：?(?:[【\\[]?[大中小][】\\]]?)+"
)
_FURNITURE_RE = re.compile(
    "|".join(
        f"(?:{pattern})"
        for pattern in (
            # accessibility and site navigation links
            f"^(?:(?:{_NAV_TOKENS})[|｜/· ]*)+$",
            # breadcrumbs: 当前位置：首页>政府信息公开>...
            "^(?:当前位置|您的位置|您现在的位置|你现在的位置|你的位置|所在位置|当前页面)"
            "[：:]?[^。\\n]{0,200}$",
            "^首页(?:>|＞|»|›|&gt;)[^。\\n]{0,200}$",
            # author / source / date / view-count lines
            f"^【?(?:{_LABELS})[：:](?=.{{0,100}}$)[^。\\n]*$",
            # print / close / share buttons and font-size switches
            f"^(?:[【\\[]?(?:{_BUTTONS})[】\\]]?[|｜/· ]*)+$",
            "^分享(?:到)?(?:[：:][^。\\n]{0,60})?$",
            "^(?:上一篇|下一篇|上一条|下一条)[：:][^\\n]{0,100}$",
            # CMS vendor, copyright and registration footers
            "^(?=[^。\\n]{0,150}$).*(?:ICP备|ICP证|公网安备|网站标识码|版权所有|Copyright|COPYRIGHT|"
            "copyright|©|Produced ?By|Powered ?By|建议使用.{0,20}浏览器).*$",
            "^(?:主办|承办|协办|技术支持|维护|网站维护|运维)(?:单位)?[：:][^。\\n]{0,150}$",
        )
    ),
    re.MULTILINE,
)
_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def _iso_date(value: str) -> str | None:
    match = _DATE_RE.search(value)
    if not match:
        return None
    try:
        return _dt.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return None


def _line_metadata(line: str, meta: dict[str, str | None]) -> None:
    for label, value in _PAIR_RE.findall(line):
        value = value.strip(" |｜/")
        if not value:
            continue
        if label in _DATE_LABELS and meta["published"] is None:
            meta["published"] = _iso_date(value)
        elif label in _SOURCE_LABELS and meta["source_unit"] is None:
            meta["source_unit"] = value.strip("【】[]（）")


def strip_furniture(text: str) -> tuple[str, dict]:
    """Clean text and return the metadata found in the web-page furniture it dropped.

    Applies the clean-text policy of :func:`normalize_text`, then drops every line that is
    web-page furniture, after reading the publication date and source from it.

    Parameters
    ----------
    text : str
        Raw report text (any script, spacing and punctuation).

    Returns
    -------
    clean : str
        The clean text, identical to ``normalize_text(text)``.
    meta : dict
        ``published`` (str or None): ISO date ``yyyy-mm-dd`` from the first date/time line
        (发表日期：, 发布时间：, 时间： ...); ``source_unit`` (str or None): the body named by a
        source line (来源：, 文章来源：, 发布机构： ...); ``furniture`` (list of str): the dropped
        lines, in order; ``converted`` (bool): whether the script conversion (OpenCC
        ``tw2s``) changed any character, that is whether the text had Traditional characters.

    Examples
    --------
    >>> page = '''长者版 无障碍阅读
    ... 当前位置:首页 > 乡镇街 > 东风路街道
    ... 东风路街道2023年法治政府建设年度报告
    ... 发表日期:2024-03-19    文章来源:东风路街道
    ... 2023年,街道坚持依法行政。
    ... 分享到:
    ... 关闭窗口
    ... Produced By 大汉网络 大汉版通发布系统'''
    >>> clean, meta = strip_furniture(page)
    >>> print(clean)
    东风路街道2023年法治政府建设年度报告
    2023年，街道坚持依法行政。
    >>> meta["published"], meta["source_unit"]
    ('2024-03-19', '东风路街道')
    """
    text, converted = _canonical(text)
    meta: dict = {"published": None, "source_unit": None, "furniture": [],
                  "converted": converted}
    if not text:
        return text, meta
    spans = []
    for match in _FURNITURE_RE.finditer(text):
        if not match.group():
            continue
        line = match.group()
        meta["furniture"].append(line)
        if "：" in line or ":" in line:
            _line_metadata(line, meta)
        spans.append(match.span())
    if not spans:
        return text, meta
    kept, position = [], 0
    for start, end in spans:
        kept.append(text[position:start])
        position = end
    kept.append(text[position:])
    clean = "\n".join(line for line in "".join(kept).split("\n") if line)
    return clean, meta


def normalize_text(text: str) -> str:
    """Return the clean text of a report, following lawgov's clean-text contract.

    Traditional characters become Simplified (OpenCC ``tw2s``); Chinese punctuation becomes
    full-width, digits and Latin letters half-width, except that a comma or colon between two
    digits stays ASCII; indentation, ideographic spaces, zero-width and control characters
    go; paragraphs are kept, one per line; web-page furniture lines are dropped (use
    :func:`strip_furniture` to also get the date and source they name). Idempotent.

    Parameters
    ----------
    text : str
        Raw text in any script, width and spacing.

    Returns
    -------
    str
        Clean text; paragraphs separated by exactly one ``\\n``, no leading or trailing
        whitespace.

    Examples
    --------
    >>> normalize_text("　　隨著經濟發展,發放宣傳單13,600張(2021-2025年)：")
    '随着经济发展，发放宣传单13,600张（2021-2025年）：'
    >>> normalize_text("一、加强领导\\n\\n\\n   二、会议于10:30召开; 完成率１００％.")
    '一、加强领导\\n二、会议于10:30召开；完成率100%.'
    >>> normalize_text(normalize_text("「八五」普法 , 法治 政府")) == "“八五”普法，法治政府"
    True
    """
    return strip_furniture(text)[0]
