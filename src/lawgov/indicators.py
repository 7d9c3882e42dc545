"""Numeric indicators: every reported quantity with its value, unit, qualifier and subject.

Reports quantify their work in prose: 发放宣传单13600张, 网格员69名, 召开党委会20余次,
法治宣传资料2万余份, 持证上岗率达100%, 国家级1个、省级2个、市级3个. This module finds each
such quantity, reads its number, measure word and qualifier, names what it counts, and maps
it to a canonical indicator of the indicator codebook (``resources/indicators.yml``) so that
reports and regions can be compared.

How a quantity is recognised
----------------------------
One compiled regular expression scans the text (it starts with the set of characters a
quantity can start with, so the engine skips between candidates in C). A quantity is a
number directly followed by a measure word (次, 场次, 份, 张, 条, 名, 人次, 个, 件, 起, 宗, 项,
万元 ... or ``%``):

- the number is written in Arabic digits (``13600``, ``13,600``, ``1.2``), optionally with a
  multiplier (``2万`` = 20000, ``1.5亿``), or in Chinese numerals (两, 十, 二十, 一百二十,
  read with cn2an), or as 百余/千余/万余; ``百分之七十`` is 70 %;
- qualifiers: 余, 多, 超, 超过, 逾, 以上, 至少, 不少于 → ``more_than``; 约, 大约, 左右 →
  ``about``; 近, 将近, 接近 → ``nearly``; 不足, 不到, 以下, 以内 → ``less_than``; a range such as
  ``1—2个`` or ``三至五次`` → ``range`` (``value`` is the low end, ``value_max`` the high end);
- 万 or 亿 written before 元 belongs to the currency unit: ``50万元`` is 50 in ``万元``;
- a lone 一 is a count of one (``每半年召开一次…会议``); such frequencies, introduced by
  每季度/每月/每年…, are flagged in ``per``.

What is *not* a quantity: a number without a measure word (years 2023年, dates 12月 3月15日,
festival dates 12.4 3·15, plan periods 2021-2025, document numbers 〔2023〕5号, list markers
一是 1. （一）, hotline numbers 12345, ages 60岁, times 10:30); a number glued to a digit,
letter or date separator (``2022/03/31``, ``1+5+N``, ``5G``); an ordinal or rank (第一议题,
第3次, 前两名); a Chinese numeral that is part of a word (统一, 唯一, 之一, 进一步, 十四五, 八五);
a measure word that starts an adjective (一次性, 一体化); and the slogans and names listed
under ``not_quantities`` in the codebook (两个维护, 四个亲自, 三项制度, 一支队伍管执法,
一条龙, 五位一体, 一村一警, the indefinite 一批 ...), each tried where the number starts.

How the subject is found
------------------------
The subject is the noun phrase the quantity counts, taken from the quantity's own clause
(the text after the last ，。；：！？ or line break, and after the previous quantity):

1. *After* the quantity (``对2起民事应诉案件``, ``讲2次法律专题讲座``, ``14个村``): the words
   following the measure word up to punctuation, a numeral, or a verb. Used for nominal
   measure words (个, 名, 起 ...) whenever such words follow, and for event measure words
   (次, 场 ...) when the text before the quantity ends in a verb (``每季度听取一次…汇报``).
2. Otherwise *before* the quantity (``发放宣传单13600张``, ``召开党委会20余次``,
   ``持证上岗率达100%``): the clause up to the number, cut after its last verb that is not
   its final word (so ``开展法治建设调研3次`` gives 法治建设调研 and ``法治培训10余次``
   keeps 培训), with ``A、B等C`` reduced to its head C and leading prepositions and trailing
   达/共/累计 removed. Percentages always take this subject, uncut (the rate named before
   them may hold a verb: 调解成功率).
3. A quantity that follows another with nothing but 、，和 between them (``公开政务信息310余次、
   920余条``) shares its subject; one whose subject is only a level (``其中，国家级1个，省级2个``)
   keeps that level as subject and takes the indicator of the quantity it breaks down, and is
   flagged ``breakdown`` (a part of a total already counted) when ``其中`` introduces it.

The ``indicator`` is the first codebook indicator whose units include the quantity's unit
and whose terms or patterns match the subject.
"""

from __future__ import annotations

import bisect
import functools
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from ._units import unit_ids

__all__: list[str] = [
    "Indicator",
    "IndicatorCodebook",
    "Quantity",
    "load_indicator_codebook",
    "parse_quantity",
    "extract_indicators",
    "compare_indicators",
    "quantification_density",
]

QUALIFIERS = ("exact", "more_than", "about", "nearly", "less_than", "range")

# ---------------------------------------------------------------------------------------
# The scanning expression

_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_CHARS = _CN_DIGITS + "十百千万亿"
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
# An Arabic number may not continue a date, time, code or formula (2022/03/31, 10:30,
# 1+5+N, 5G, 第3号) nor follow a rank word (前3名).
_ARABIC_LEFT = r"(?<![\dA-Za-z_+×*#.第前])(?<!\d[,:/·\-—–~～])"
# A Chinese numeral may not be part of a word (统一, 唯一, 之一, 逐一, 万一, 第一, 数十, 这两).
_CHINESE_LEFT = rf"(?<![{_CN_CHARS}第统唯之同逐单专每某这那任几数前])"


def _number(tag: str, *, guarded: bool = True) -> str:
    arabic_left, chinese_left = (_ARABIC_LEFT, _CHINESE_LEFT) if guarded else ("", "")
    return (
        rf"(?:{arabic_left}(?P<{tag}a>{_ARABIC})(?P<{tag}m>万亿|亿|万|千|百)?"
        rf"|{chinese_left}(?P<{tag}c>[{_CN_DIGITS}十][{_CN_CHARS}]*)"
        rf"|{chinese_left}(?P<{tag}b>[百千万])(?=[余多]))"
    )


# Longest first; a look-ahead keeps a measure word from being the first character of a
# longer word (条例, 期间, 个体, 处理, 名单, 项目 ...).
_UNITS = (
    "个百分点", "人次", "场次", "户次", "件次", "课时", "小时", "平方米", "公里",
    "个(?![体别性])", "名(?![单称录义额片])", "人(?![民大员口])", "位(?![置于列居])",
    "次(?![数要])", "场(?![所地景])", "期(?![间限满末初中内刊])", "份(?!额)", "张(?!贴)",
    "条(?![例件款])", "件", "起(?![草来到诉])", "宗(?![教旨])", "户(?![籍外口])",
    "家(?![庭长属乡园])", "所(?![有在属以])", "项(?!目)", "处(?![理置罚分于在])",
    "支(?![持部付出撑])", "轮", "批(?![准复示评办次])", "篇", "册", "本(?![地级次单身职着])",
    "天", "元(?![旦月素])", "幅", "块", "座", "台", "辆", "套", "部(?![门署分])", "间",
    "堂", "节(?![日约点能])", "例", "卷", "类(?![似型别])", "种(?![子类植])", "倍", "亩",
    "米", "%", "％",
)
_UNIT_RE = "(?:" + "|".join(_UNITS) + ")"
_PRE_QUALIFIER = (
    "(?:大约|约|将近|接近|(?<![最附邻靠])近|超过|超|逾|至少|不少于|不低于|不足|不到|少于|低于)"
)
_QUANTITY = (
    rf"(?P<pre>{_PRE_QUALIFIER})?"
    rf"(?:{_number('n1')}(?:\s*(?P<sep>[-—–~～至到])\s*{_number('n2', guarded=False)})?"
    rf"(?P<post>[余多])?(?P<mult2>万|亿)?(?P<unit>{_UNIT_RE})(?![性化式])"
    r"(?P<post2>以上|左右|以下|以内|许)?"
    rf"|百分之(?P<pct>{_ARABIC}|[{_CN_DIGITS}十][{_CN_CHARS}]*|百))"
)

# Every quantity starts with one of these characters. Consuming one and then asserting the
# whole quantity behind it lets the regex engine jump between candidate characters in C
# (a pattern that starts with a character set gets a fast prefix search); the quantity's
# span is the ``quantity`` group.
_FIRST = rf"[\d{_CN_CHARS}大约将接近超逾至不少低]"
_SCANNER = re.compile(rf"{_FIRST}(?<=(?=(?P<quantity>{_QUANTITY})).)")

_PRE_QUALIFIERS = {
    "大约": "about", "约": "about", "将近": "nearly", "接近": "nearly", "近": "nearly",
    "超过": "more_than", "超": "more_than", "逾": "more_than", "至少": "more_than",
    "不少于": "more_than", "不低于": "more_than", "不足": "less_than", "不到": "less_than",
    "少于": "less_than", "低于": "less_than",
}
_POST_QUALIFIERS = {
    "余": "more_than", "多": "more_than", "以上": "more_than", "左右": "about", "许": "about",
    "以下": "less_than", "以内": "less_than",
}
_MULTIPLIERS = {"百": 100.0, "千": 1e3, "万": 1e4, "亿": 1e8, "万亿": 1e12}
_RATE_UNITS = frozenset({"%", "个百分点", "倍"})
# Measure words of events (counted occurrences) rather than of things: a noun after them
# is the subject only when the text before the number ends in a verb.
_EVENT_UNITS = frozenset({
    "次", "场", "场次", "期", "轮", "批", "人次", "户次", "件次", "课时", "小时", "天", "堂", "节",
})

# ---------------------------------------------------------------------------------------
# Subject rules

_CLAUSE_DELIMITERS = frozenset("，。；：！？\n（）()【】;!?:")
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_WINDOW = 40
_MAX_SUBJECT = 18
# Verbs that introduce what is counted (开展, 发放, 召开 ...): a subject never ends in one.
_ACTION_VERBS = (
    "开展 召开 组织 举办 举行 发放 悬挂 张贴 提供 培养 设置 设立 处理 整治 劝阻 排查 收集 化解 "
    "公开 发布 参与 集中 创成 创建 实现 完善 健全 建立 建成 制定 出台 印发 聘请 聘任 充实 处置 "
    "办理 受理 接待 出具 提出 签订 明确 形成 提升 提高 推动 推进 覆盖 达到 涉及 帮助 挽回 领学 "
    "传达 听取 进行 参加 走访 慰问 惠及 成功 打造 新增 增加 配备 配齐 录入 上报 报送 完成 办结 "
    "回复 答复 整改 督促 落实 开设 培育 吸纳 投入 安排 接受 解答 查处 评查 选聘 选派 邀请 走进 "
    "构建 确保 保持 解决 研究 排查出 存在 累计 共计 合计 总计 "
    "(?<![宣演听主])讲(?![座话解述授师堂课]) (?<![建假开增架预])设(?![施备计置立])"
).split()
# Verbs that reports also use as nouns for what is counted (法治培训10余次, 谈判5次): they
# end a clause's subject rather than start it.
_NOMINAL_VERBS = "培训 讨论 谈判 调研 研讨 宣讲 调解 督查 检查 审查 审核 学习(?!近平)".split()
# A verb followed by a noun suffix is part of a noun (创建率, 调解员, 培训班).
_VERB_RE = re.compile(
    "(?:" + "|".join(sorted(_ACTION_VERBS + _NOMINAL_VERBS, key=len, reverse=True)) + ")"
    "(?![率员班室站者师])"
)
_ENDS_WITH_ACTION = re.compile("(?:" + "|".join(_ACTION_VERBS) + ")$")
_FROM_AMONG = re.compile(r"([^从]+)中$")
# After the quantity a subject stops at punctuation, a numeral, a verb or a conjunction.
_POST_STOP = re.compile(
    "[^\\u4e00-\\u9fff]|[" + _CN_CHARS + "]|和|与|及|并|的|" + _VERB_RE.pattern
)
_LEADING = re.compile(
    r"^(?:其中|先后|全年|年内|当年|共计|累计|合计|总计|共|已|均|各|的|对|为|向|在|与|从|将|把|了|和|及|、|\s)+"
)
_TRAILING = re.compile(r"(?:达到|达|共计|累计|合计|总计|共|计|约|有|了|的|、|\s)+$")
_EDGE_MARKS = "“”\"'‘’《》〈〉「」『』〔〕[]"
_HEAD_SPLIT = re.compile(r"(?<![平同对相])等(?![级次])")
_SPLIT_POINTS = re.compile(r"[的和及与、]")
_LEVEL_ONLY = re.compile(r"^(?:其中)?(?:国家|中央|部|省|自治区|市|州|县|区|镇|乡|街道|村|社区)级?$")
_ENUMERATION_GAP = re.compile(r"^[、，,和及与以及\s]*$")
# 每季度听取一次汇报: a frequency, not a total of the year.
_PER = re.compile(r"每(?:个|一个)?(?:半年|年度|年|季度|季|月|周|星期|天|日|双周|两周|旬)")


class Quantity(NamedTuple):
    """One quantity read from a span of text (see :func:`parse_quantity`)."""

    value: float
    value_max: float | None
    unit: str
    qualifier: str
    raw: str


@dataclass(frozen=True)
class Indicator:
    """A canonical indicator of the indicator codebook.

    Attributes
    ----------
    code, label_zh, label_en, description : str
        Identifier (snake_case) and labels.
    units : tuple of str
        Measure words the indicator is counted in.
    terms, patterns, exclude : tuple of str
        A quantity's subject must contain a term or match a pattern, and match no
        ``exclude`` pattern.
    """

    code: str
    label_zh: str
    label_en: str
    description: str
    units: tuple[str, ...]
    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    _include: re.Pattern = field(init=False, repr=False, compare=False)
    _exclude: re.Pattern | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        include = [re.escape(term) for term in self.terms] + list(self.patterns)
        object.__setattr__(self, "_include", re.compile("|".join(include)))
        object.__setattr__(
            self, "_exclude", re.compile("|".join(self.exclude)) if self.exclude else None
        )

    def matches(self, subject: str, unit: str) -> bool:
        """Whether a quantity with this subject and unit measures this indicator."""
        return (
            unit in self.units
            and self._include.search(subject) is not None
            and (self._exclude is None or self._exclude.search(subject) is None)
        )


@dataclass(frozen=True)
class IndicatorCodebook:
    """Canonical indicators and the phrases that are not quantities.

    Attributes
    ----------
    indicators : tuple of Indicator
        In priority order: a quantity gets the first indicator that matches it.
    not_quantities : tuple of str
        Regular expressions of names and slogans that contain a numeral and a measure word.
    source : str
        Where the codebook was read from.
    """

    indicators: tuple[Indicator, ...]
    not_quantities: tuple[str, ...]
    source: str = "lawgov/resources/indicators.yml"
    _skip: re.Pattern | None = field(init=False, repr=False, compare=False)
    _by_unit: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        skip = "|".join(f"(?:{pattern})" for pattern in self.not_quantities)
        object.__setattr__(self, "_skip", re.compile(skip) if skip else None)
        by_unit: dict[str, list[Indicator]] = {}
        for indicator in self.indicators:
            for unit in indicator.units:
                by_unit.setdefault(unit, []).append(indicator)
        object.__setattr__(self, "_by_unit", {u: tuple(i) for u, i in by_unit.items()})

    def is_not_quantity(self, text: str, position: int) -> bool:
        """Whether a ``not_quantities`` phrase starts at ``position`` of ``text``."""
        return self._skip is not None and self._skip.match(text, position) is not None

    @property
    def codes(self) -> list[str]:
        return [indicator.code for indicator in self.indicators]

    def match(self, subject: str, unit: str) -> str:
        """The code of the first indicator matching ``subject`` and ``unit``, or ``""``."""
        for indicator in self._by_unit.get(unit, ()):
            if indicator.matches(subject, unit):
                return indicator.code
        return ""

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: code, label_zh, label_en, description, units, terms."""
        return pd.DataFrame(
            {
                "code": self.codes,
                "label_zh": [i.label_zh for i in self.indicators],
                "label_en": [i.label_en for i in self.indicators],
                "description": [i.description for i in self.indicators],
                "units": [list(i.units) for i in self.indicators],
                "terms": [list(i.terms) + list(i.patterns) for i in self.indicators],
            }
        )


# ---------------------------------------------------------------------------------------
# Loading the codebook

_INDICATOR_KEYS = ("code", "label_zh", "label_en", "description", "units", "terms", "patterns",
                   "exclude")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _string_list(value, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, int, float)):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise ValueError(f"{where}: '{key}' must be a list of strings")
    return tuple(str(v) for v in value)


def _check_regex(pattern: str, where: str) -> None:
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValueError(f"{where}: invalid regular expression {pattern!r}: {error}") from None


def _parse_codebook(text: str, source: str, default_not_quantities: tuple[str, ...] | None):
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"indicator codebook {source} is not valid YAML: {error}") from None
    if not isinstance(data, dict) or "indicators" not in data:
        raise ValueError(
            f"indicator codebook {source} must be a mapping with an 'indicators' list "
            "(see the header of lawgov/resources/indicators.yml for the format)"
        )
    unknown = set(data) - {"indicators", "not_quantities"}
    if unknown:
        raise ValueError(
            f"indicator codebook {source}: unknown top-level keys {sorted(unknown)}; "
            "allowed are 'indicators' and 'not_quantities'"
        )
    entries = data["indicators"]
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"indicator codebook {source}: 'indicators' must be a non-empty list")
    indicators, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        where = f"indicator codebook {source}, indicator #{number}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: must be a mapping with keys {list(_INDICATOR_KEYS)}")
        code = entry.get("code")
        if not isinstance(code, str) or not _CODE.match(code):
            raise ValueError(f"{where}: 'code' must be snake_case text (got {code!r})")
        where = f"indicator codebook {source}, indicator {code!r}"
        if code in seen:
            raise ValueError(f"{where}: duplicate code; every code must be unique")
        seen.add(code)
        unknown = set(entry) - set(_INDICATOR_KEYS)
        if unknown:
            raise ValueError(
                f"{where}: unknown keys {sorted(unknown)}; allowed are {list(_INDICATOR_KEYS)}"
            )
        units = _string_list(entry.get("units"), where, "units")
        if not units:
            raise ValueError(
                f"{where}: 'units' must list at least one measure word (e.g. [次, 场])"
            )
        terms = _string_list(entry.get("terms"), where, "terms")
        patterns = _string_list(entry.get("patterns"), where, "patterns")
        exclude = _string_list(entry.get("exclude"), where, "exclude")
        if not terms and not patterns:
            raise ValueError(f"{where}: give 'terms' or 'patterns' to recognise its subject")
        if any(not term for term in terms):
            raise ValueError(f"{where}: 'terms' holds an empty string")
        for pattern in patterns + exclude:
            _check_regex(pattern, where)
        labels = {}
        for key in ("label_zh", "label_en", "description"):
            value = entry.get(key, "")
            if not isinstance(value, str):
                raise ValueError(f"{where}: '{key}' must be text")
            labels[key] = value
        indicators.append(
            Indicator(code=code, units=units, terms=terms, patterns=patterns, exclude=exclude,
                      **labels)
        )
    if "not_quantities" in data:
        not_quantities = _string_list(data["not_quantities"], f"indicator codebook {source}",
                                      "not_quantities")
        for pattern in not_quantities:
            _check_regex(pattern, f"indicator codebook {source}, not_quantities")
    else:
        not_quantities = default_not_quantities or ()
    return IndicatorCodebook(tuple(indicators), not_quantities, source)


@functools.lru_cache(maxsize=8)
def _read_codebook(path: str | None, mtime_ns: int) -> IndicatorCodebook:
    shipped_text = (resources.files("lawgov") / "resources" / "indicators.yml").read_text(
        encoding="utf-8"
    )
    shipped = _parse_codebook(shipped_text, "lawgov/resources/indicators.yml", None)
    if path is None:
        return shipped
    text = Path(path).read_text(encoding="utf-8")
    return _parse_codebook(text, path, shipped.not_quantities)


def load_indicator_codebook(path: str | os.PathLike | None = None) -> IndicatorCodebook:
    """Load and validate an indicator codebook: the shipped one, or a researcher's own file.

    The YAML format is described at the top of ``lawgov/resources/indicators.yml``. A file
    without ``not_quantities`` keeps the shipped list of names and slogans that are not
    quantities.

    Parameters
    ----------
    path : str or path-like, optional
        A YAML indicator codebook. ``None`` loads the shipped one.

    Returns
    -------
    IndicatorCodebook

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not valid YAML or breaks the format (missing or duplicate codes,
        indicators without units or terms, unknown keys, invalid regular expressions). The
        message names the file and the indicator.

    Examples
    --------
    >>> codebook = load_indicator_codebook()
    >>> len(codebook.indicators) >= 20
    True
    >>> codebook.match("发放宣传单", "张"), codebook.match("宣传横幅", "条")
    ('materials_distributed', 'banners')
    """
    if path is None:
        return _read_codebook(None, 0)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"indicator codebook not found: {path}")
    return _read_codebook(str(path.resolve()), path.stat().st_mtime_ns)


def _resolve_codebook(codebook) -> IndicatorCodebook:
    if codebook is None:
        return load_indicator_codebook()
    if isinstance(codebook, IndicatorCodebook):
        return codebook
    if isinstance(codebook, (str, os.PathLike)):
        return load_indicator_codebook(codebook)
    raise TypeError(
        "codebook must be an IndicatorCodebook, a path to a YAML indicator codebook or None, "
        f"not {type(codebook).__name__}"
    )


# ---------------------------------------------------------------------------------------
# Reading one quantity


def _chinese_value(numeral: str) -> float | None:
    import cn2an

    if numeral == "百":
        return 100.0
    try:
        return float(cn2an.cn2an(numeral.replace("两", "二").replace("〇", "零"), "strict"))
    except (ValueError, KeyError, IndexError):
        # Not a well-formed cardinal: digit strings (八五, 二〇二三) and plan names (十四五).
        return None


def _read_number(match: re.Match, tag: str) -> tuple[float | None, str | None]:
    """(value, multiplier written after it) of number ``tag`` of a scanner match."""
    arabic = match.group(tag + "a")
    if arabic is not None:
        value = float(arabic.replace(",", ""))
        multiplier = match.group(tag + "m")
        return value * _MULTIPLIERS[multiplier] if multiplier else value, multiplier
    chinese = match.group(tag + "c")
    if chinese is not None:
        value = _chinese_value(chinese)
        if value is not None and chinese[-1] in "万亿":
            return value, chinese[-1]
        return value, None
    bare = match.group(tag + "b")
    if bare is not None:
        return _MULTIPLIERS[bare], None
    return None, None


def _number_start(match: re.Match) -> int:
    """Where the number of a scanner match starts (after a qualifier such as 约)."""
    pre = match.group("pre")
    return match.start() + (len(pre) if pre else 0)


def _read_quantity(match: re.Match) -> Quantity | None:
    raw = match.group("quantity")
    pct = match.group("pct")
    if pct is not None:
        value = float(pct) if pct[0].isdigit() else _chinese_value(pct)
        if value is None:
            return None
        pre = match.group("pre")
        return Quantity(value, None, "%", _PRE_QUALIFIERS.get(pre, "exact"), raw)
    low, low_mult = _read_number(match, "n1")
    if low is None:
        return None
    high = None
    if match.group("sep"):
        high, high_mult = _read_number(match, "n2")
        if high is None:
            return None
        if high_mult and not low_mult:
            # 1-2万 means 1万 to 2万.
            low *= _MULTIPLIERS.get(high_mult, 1.0)
            low_mult = high_mult
    unit = match.group("unit")
    unit = "%" if unit == "％" else unit
    multiplier = low_mult
    mult2 = match.group("mult2")
    if mult2:
        # 10余万人: the multiplier written after the qualifier applies to the number.
        low *= _MULTIPLIERS[mult2]
        high = high * _MULTIPLIERS[mult2] if high is not None else None
        multiplier = mult2
    if unit == "元" and multiplier in ("万", "亿"):
        # 50万元 is reported, and compared, in 万元.
        scale = _MULTIPLIERS[multiplier]
        low /= scale
        high = high / scale if high is not None else None
        unit = multiplier + "元"
    if high is not None:
        if high <= low:
            return None
        qualifier = "range"
    elif match.group("pre"):
        qualifier = _PRE_QUALIFIERS[match.group("pre")]
    elif match.group("post"):
        qualifier = _POST_QUALIFIERS[match.group("post")]
    elif match.group("post2"):
        qualifier = _POST_QUALIFIERS[match.group("post2")]
    else:
        qualifier = "exact"
    return Quantity(low, high, unit, qualifier, raw)


def parse_quantity(text: str, *, codebook: IndicatorCodebook | str | os.PathLike | None = None
                   ) -> Quantity | None:
    """Read the quantity a short span starts with, or ``None`` if it does not start with one.

    Parameters
    ----------
    text : str
        A span such as ``"2万余份"`` or ``"百分之七十"``; text after the quantity is ignored.
    codebook : IndicatorCodebook or path, optional
        Supplies the ``not_quantities`` phrases; the shipped codebook by default.

    Returns
    -------
    Quantity or None
        ``value`` (float, the low end for a range), ``value_max`` (high end of a range, else
        None), ``unit``, ``qualifier`` (one of exact, more_than, about, nearly, less_than,
        range) and ``raw`` (the matched span).

    Examples
    --------
    >>> parse_quantity("2万余份")
    Quantity(value=20000.0, value_max=None, unit='份', qualifier='more_than', raw='2万余份')
    >>> parse_quantity("十余次").value, parse_quantity("约50万元").unit
    (10.0, '万元')
    >>> parse_quantity("1—2个").value_max, parse_quantity("百分之七十").value
    (2.0, 70.0)
    >>> parse_quantity("2023年") is None, parse_quantity("三项制度") is None
    (True, True)
    """
    match = _SCANNER.match(text)
    if match is None or _resolve_codebook(codebook).is_not_quantity(text, _number_start(match)):
        return None
    return _read_quantity(match)


# ---------------------------------------------------------------------------------------
# Subjects


def _clean_subject(text: str) -> str:
    parts = _HEAD_SPLIT.split(text)
    if len(parts) > 1 and parts[-1].strip():
        # A、B等C: C names what is counted, A and B are examples of it.
        text = parts[-1]
    text = _TRAILING.sub("", _LEADING.sub("", text.strip(_EDGE_MARKS + " ")))
    text = text.strip(_EDGE_MARKS + "、 ")
    if text.count("“") != text.count("”") or text.count('"') % 2:
        text = text.replace("“", "").replace("”", "").replace('"', "")
    while len(text) > _MAX_SUBJECT:
        cuts = [point.end() for point in _SPLIT_POINTS.finditer(text)]
        if not cuts or cuts[-1] >= len(text):
            text = text[-_MAX_SUBJECT:]
            break
        text = text[cuts[-1]:]
    return text


def _pre_subject(window: str) -> tuple[str, bool]:
    """Subject from the clause before a number, and whether that clause ends in a verb."""
    cut = 0
    for verb in _VERB_RE.finditer(window):
        if verb.end() < len(window):
            cut = verb.end()
    subject = _clean_subject(window[cut:])
    return subject, _ENDS_WITH_ACTION.search(subject) is not None


def _post_subject(text: str, end: int) -> str:
    tail = text[end:end + _MAX_SUBJECT]
    stop = _POST_STOP.search(tail)
    return tail[: stop.start()] if stop else tail


def _clause_start(text: str, position: int, floor: int) -> int:
    lowest = max(floor, position - _WINDOW)
    for index in range(position - 1, lowest - 1, -1):
        char = text[index]
        if char in _CLAUSE_DELIMITERS:
            return index + 1
        if char == "," and not (text[index - 1 : index].isdigit()
                                and text[index + 1 : index + 2].isdigit()):
            return index + 1
    return lowest


# ---------------------------------------------------------------------------------------
# Scanning a text


def _scan(text: str, codebook: IndicatorCodebook, matched: dict | None = None) -> list[dict]:
    """Every quantity of one text, with subject, indicator and sentence.

    ``matched`` memoises indicator look-ups by (subject, unit) within one call of
    :func:`extract_indicators`; subjects recur across reports.
    """
    if matched is None:
        matched = {}
    found = []
    reached = 0
    for match in _SCANNER.finditer(text):
        if match.start() < reached or codebook.is_not_quantity(text, _number_start(match)):
            continue
        quantity = _read_quantity(match)
        if quantity is not None:
            found.append((match, quantity))
            reached = match.end("quantity")
    if not found:
        return []
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    rows: list[dict] = []
    previous = None
    for match, quantity in found:
        start, end = match.span("quantity")
        after = bisect.bisect_left(ends, start)
        sentence_start = ends[after - 1] if after else 0
        sentence_end = ends[after] if after < len(ends) else len(text)
        same_sentence = previous is not None and previous["_sentence_start"] == sentence_start
        floor = previous["end"] if same_sentence else sentence_start
        window = text[_clause_start(text, start, floor):start]
        unit = quantity.unit
        if unit in _RATE_UNITS:
            # A rate is named by a compound that may hold verbs (调解成功率, 持证上岗率).
            pre, pre_is_verb = _clean_subject(window), False
        else:
            pre, pre_is_verb = _pre_subject(window)
        post = "" if unit in _RATE_UNITS else _post_subject(text, end)
        if post and (not pre or pre_is_verb or unit not in _EVENT_UNITS):
            subject = post
        elif pre_is_verb:
            # 从优秀退休社区干部中聘请4人: the verb's object is the number; what remains
            # before the verb names the pool the people come from.
            subject = _ENDS_WITH_ACTION.sub("", pre)
            among = _FROM_AMONG.search(subject)
            subject = _clean_subject(among.group(1) if among else subject)
        else:
            subject = pre
        indicator = ""
        if subject:
            indicator = matched.get((subject, unit))
            if indicator is None:
                indicator = matched[(subject, unit)] = codebook.match(subject, unit)
        per = _PER.search(window)
        breakdown = False
        if same_sentence:
            gap = text[previous["end"]:start]
            if not subject and not post and _ENUMERATION_GAP.match(gap):
                subject, indicator = previous["subject"], previous["indicator"]
            elif _LEVEL_ONLY.match(subject) and not indicator:
                indicator = codebook.match(previous["subject"], unit) or previous["indicator"]
                breakdown = previous["breakdown"] or "其中" in gap
        row = {
            "value": quantity.value,
            "value_max": quantity.value_max,
            "unit": unit,
            "qualifier": quantity.qualifier,
            "subject": subject,
            "indicator": indicator,
            "breakdown": breakdown,
            "per": per.group(0) if per else "",
            "raw": quantity.raw,
            "sentence": text[sentence_start:sentence_end].strip(),
            "start": start,
            "end": end,
            "_sentence_start": sentence_start,
        }
        rows.append(row)
        previous = row
    return rows


_COLUMNS = ("value", "value_max", "unit", "qualifier", "subject", "indicator", "breakdown",
            "per", "raw", "sentence", "start", "end")


def extract_indicators(
    table: pd.DataFrame, *, codebook: IndicatorCodebook | str | os.PathLike | None = None
) -> pd.DataFrame:
    """Every quantity stated in a reports, sections or items table, one row per quantity.

    The rules (what counts as a quantity, qualifiers, subjects, enumerations) are described
    in the module docstring of :mod:`lawgov.indicators`.

    Parameters
    ----------
    table : pandas.DataFrame
        A unit table with ``doc_id`` and ``text`` (clean text; half-width punctuation is
        tolerated). ``part``, ``section_id`` and ``item_id`` are carried over when present;
        a ``start`` column (offsets of the units in the report) gives ``doc_start``.
    codebook : IndicatorCodebook or path, optional
        The indicator codebook (see :func:`load_indicator_codebook`); the shipped one by
        default.

    Returns
    -------
    pandas.DataFrame
        One row per quantity, in text order:

        - ``doc_id`` (str): the report.
        - ``unit_id`` (str): the unit (the ``doc_id`` for a reports table).
        - ``part`` / ``section_id`` / ``item_id`` (str): copied from the unit, when present.
        - ``value`` (float): the number (low end of a range); 2万余 is 20000.0.
        - ``value_max`` (float): high end of a range, else NaN.
        - ``unit`` (str): measure word or ``%`` (次, 场次, 名, 个, 件, 万元 ...).
        - ``qualifier`` (str): exact, more_than, about, nearly, less_than or range.
        - ``subject`` (str): what is counted (宣传单, 网格员, 党委会 ...); may be empty.
        - ``indicator`` (str): code of the canonical indicator, or ``""``.
        - ``breakdown`` (bool): the quantity is a part of a total stated just before it
          (其中，国家级1个…), so sums should leave it out.
        - ``per`` (str): the period of a frequency (``每季度`` in 每季度听取一次汇报), else ``""``.
        - ``raw`` (str): the matched span, qualifiers included (``2万余份``).
        - ``sentence`` (str): the sentence holding it.
        - ``start``, ``end`` (int): offsets of ``raw`` in the unit's text.
        - ``doc_start``, ``doc_end`` (Int64): offsets in the report's clean text, when the
          unit table has ``start`` (or is the reports table); else missing. A section spans
          its subsections, so a sections table repeats a quantity once per nesting level;
          these offsets identify it.

    Raises
    ------
    ValueError
        If the table has no ``doc_id`` or no ``text`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"doc_id": ["d1"], "text": [
    ...     "悬挂宣传横幅68条，发放宣传单13600张。先后召开党委会20余次。"]})
    >>> found = extract_indicators(units)
    >>> found[["value", "unit", "qualifier", "subject", "indicator"]]
         value unit  qualifier subject                 indicator
    0     68.0    条      exact    宣传横幅                   banners
    1  13600.0    张      exact     宣传单     materials_distributed
    2     20.0    次  more_than     党委会  party_committee_meetings
    >>> found.raw[2], int(found.start[2]), int(found.end[2])
    ('20余次', 29, 33)
    """
    if "text" not in table.columns or "doc_id" not in table.columns:
        raise ValueError(
            "extract_indicators expects a reports, sections or items table with 'doc_id' "
            f"and 'text' columns (got {list(table.columns)})"
        )
    codebook = _resolve_codebook(codebook)
    ids = unit_ids(table).tolist()
    carried = [name for name in ("part", "section_id", "item_id") if name in table.columns]
    is_reports = "unit_id" not in table.columns
    starts = table["start"].tolist() if "start" in table.columns else None
    columns: dict[str, list] = {name: [] for name in
                                ("doc_id", "unit_id", *carried, *_COLUMNS, "doc_start", "doc_end")}
    carried_values = {name: table[name].tolist() for name in carried}
    matched: dict[tuple[str, str], str] = {}
    pairs = zip(table["doc_id"].tolist(), table["text"].tolist(), strict=True)
    for position, (doc_id, text) in enumerate(pairs):
        if not isinstance(text, str) or not text:
            continue
        offset = None
        if starts is not None and not pd.isna(starts[position]):
            offset = int(starts[position])
        elif is_reports:
            offset = 0
        for row in _scan(text, codebook, matched):
            columns["doc_id"].append(str(doc_id))
            columns["unit_id"].append(ids[position])
            for name in carried:
                columns[name].append(carried_values[name][position])
            for name in _COLUMNS:
                columns[name].append(row[name])
            columns["doc_start"].append(None if offset is None else offset + row["start"])
            columns["doc_end"].append(None if offset is None else offset + row["end"])
    frame = pd.DataFrame(columns)
    frame["value"] = frame["value"].astype("float64")
    frame["value_max"] = pd.to_numeric(frame["value_max"], errors="coerce").astype("float64")
    frame["breakdown"] = frame["breakdown"].astype(bool)
    for name in ("start", "end"):
        frame[name] = frame[name].astype("int64")
    for name in ("doc_start", "doc_end"):
        frame[name] = pd.array(frame[name].tolist(), dtype="Int64")
    for name in ("doc_id", "unit_id", "unit", "qualifier", "subject", "indicator", "per", "raw",
                 "sentence"):
        frame[name] = frame[name].astype(object)
    return frame


# ---------------------------------------------------------------------------------------
# Comparing and summarising


def _format_number(value: float) -> str:
    if value >= 10000 and value % 1000 == 0:
        # 20000余份 reads as reports write it: 2万余份.
        return _format_number(value / 10000) + "万"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _display(value: float, value_max: float | None, unit: str, qualifier: str) -> str:
    """A quantity as a report would write it: 20余次, 约50人, 近100%, 1–2个."""
    number = _format_number(value)
    if qualifier == "range" and value_max is not None and not pd.isna(value_max):
        return f"{number}–{_format_number(value_max)}{unit}"
    if qualifier == "more_than":
        return f"{number}{unit}以上" if unit in _RATE_UNITS else f"{number}余{unit}"
    prefix = {"about": "约", "nearly": "近", "less_than": "不足"}.get(qualifier, "")
    return f"{prefix}{number}{unit}"


def _combine_qualifiers(qualifiers) -> str:
    """The qualifier of a sum: a sum with one lower bound is a lower bound, and so on."""
    kinds = set(qualifiers) - {"exact"}
    if not kinds:
        return "exact"
    if len(kinds) == 1:
        return kinds.pop()
    return "about"


def compare_indicators(
    indicators: pd.DataFrame,
    reports: pd.DataFrame,
    *,
    by: str = "province",
    exclude_parts: tuple[str, ...] = ("plans",),
    shape: Literal["long", "wide"] = "long",
    codebook: IndicatorCodebook | str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Compare canonical indicators across groups of reports, qualifiers kept visible.

    Within a report the quantities of one indicator and unit are added up (a percentage is
    averaged), leaving out ``breakdown`` rows and frequencies (``per``); the sum of ``20余次``
    and ``3次`` is ``23余次``.
    A quantity repeated by nested sections (same ``doc_start``) is counted once.
    Within a group every contributing report is listed, so no qualifier is hidden.

    Parameters
    ----------
    indicators : pandas.DataFrame
        Output of :func:`extract_indicators`.
    reports : pandas.DataFrame
        The reports table, for the grouping column.
    by : str, default "province"
        Column of ``reports`` to group by (``province``, ``city``, ``unit_level``, ``year``,
        ``label``, ``doc_id`` ...). Reports with a missing value form the group
        ``"(unknown)"``.
    exclude_parts : tuple of str, default ("plans",)
        Parts whose quantities are left out when ``indicators`` has a ``part`` column: the
        plans part states targets, not results.
    shape : {"long", "wide"}, default "long"
        ``"long"``: one row per indicator, unit and group. ``"wide"``: indicators as rows,
        groups as columns, each cell the ``display`` text.
    codebook : IndicatorCodebook or path, optional
        For the labels and the order of indicators; the shipped codebook by default.

    Returns
    -------
    pandas.DataFrame
        Long shape, one row per indicator, unit and group:

        - ``indicator`` (str), ``label_zh`` (str), ``label_en`` (str), ``unit`` (str).
        - ``<by>``: the group.
        - ``n_reports`` (int): reports of the group that state the indicator.
        - ``n_mentions`` (int): quantities added up for it.
        - ``value`` (float): median over those reports of their per-report total.
        - ``qualifier`` (str): exact, more_than, about, nearly, less_than or range, the
          qualifier of the totals (``about`` when they differ).
        - ``display`` (str): each report's total as written (``20余次``), joined by ``; ``.

        Wide shape: index (``indicator``, ``label_zh``, ``unit``), one column per group of
        ``reports`` (also groups that state no indicator), cells from ``display`` (empty
        where a group does not report the indicator).

    Raises
    ------
    ValueError
        If ``by`` is not a column of ``reports``, ``shape`` is unknown, or ``indicators``
        lacks the columns of :func:`extract_indicators`.

    Examples
    --------
    >>> import pandas as pd
    >>> reports = pd.DataFrame({"doc_id": ["a", "b"], "province": ["河南省", "湖北省"], "text": [
    ...     "先后召开党委会20余次，召开党委会3次。", "召开党工委会3次。"]})
    >>> table = compare_indicators(extract_indicators(reports), reports)
    >>> table[["indicator", "province", "n_reports", "value", "display"]]
                      indicator province  n_reports  value display
    0  party_committee_meetings      河南省          1   23.0    23余次
    1  party_committee_meetings      湖北省          1    3.0      3次
    """
    if shape not in ("long", "wide"):
        raise ValueError(f"shape must be 'long' or 'wide', not {shape!r}")
    if by not in reports.columns:
        raise ValueError(
            f"by={by!r} is not a column of the reports table; choose one of "
            f"{[c for c in reports.columns if c not in ('text', 'text_raw')]}"
        )
    needed = {"doc_id", "indicator", "unit", "value", "qualifier", "breakdown"}
    missing = needed - set(indicators.columns)
    if missing:
        raise ValueError(
            f"indicators lacks columns {sorted(missing)}; pass the output of extract_indicators"
        )
    codebook = _resolve_codebook(codebook)
    rows = _once_per_report(indicators)
    rows = rows[(rows["indicator"] != "") & ~rows["breakdown"].astype(bool)]
    if "per" in rows.columns:
        rows = rows[rows["per"].fillna("") == ""]
    if "part" in rows.columns and exclude_parts:
        rows = rows[~rows["part"].isin(list(exclude_parts))]
    groups = reports[["doc_id", by]].drop_duplicates("doc_id") if by != "doc_id" else (
        reports[["doc_id"]].drop_duplicates().assign(**{"_group": reports["doc_id"]})
    )
    group_column = by if by != "doc_id" else "_group"
    groups = groups.assign(_group_value=groups[group_column].astype(object).where(
        groups[group_column].notna(), "(unknown)").astype(str))
    rows = rows.merge(groups[["doc_id", "_group_value"]], on="doc_id", how="inner")

    per_report = []
    for (code, unit, group, doc_id), chunk in rows.groupby(
        ["indicator", "unit", "_group_value", "doc_id"], sort=False
    ):
        values = chunk["value"].to_numpy(dtype=float)
        value_max = chunk["value_max"] if "value_max" in chunk.columns else None
        if unit in _RATE_UNITS:
            total, total_max = float(values.mean()), None
        else:
            total = float(values.sum())
            total_max = None
            if value_max is not None and value_max.notna().any():
                total_max = float(value_max.fillna(chunk["value"]).sum())
        qualifier = _combine_qualifiers(chunk["qualifier"])
        per_report.append({
            "indicator": code, "unit": unit, "_group_value": group, "doc_id": doc_id,
            "value": total, "qualifier": qualifier, "n_mentions": len(chunk),
            "display": _display(total, total_max, unit, qualifier),
        })
    per_report = pd.DataFrame(per_report, columns=[
        "indicator", "unit", "_group_value", "doc_id", "value", "qualifier", "n_mentions",
        "display"])

    order = {code: rank for rank, code in enumerate(codebook.codes)}
    labels = {i.code: (i.label_zh, i.label_en) for i in codebook.indicators}
    out = []
    for (code, unit, group), chunk in per_report.groupby(
        ["indicator", "unit", "_group_value"], sort=False
    ):
        chunk = chunk.sort_values("value", ascending=False, kind="stable")
        out.append({
            "indicator": code,
            "label_zh": labels.get(code, ("", ""))[0],
            "label_en": labels.get(code, ("", ""))[1],
            "unit": unit,
            by: group,
            "n_reports": int(chunk["doc_id"].nunique()),
            "n_mentions": int(chunk["n_mentions"].sum()),
            "value": float(np.median(chunk["value"])),
            "qualifier": _combine_qualifiers(chunk["qualifier"]),
            "display": "; ".join(chunk["display"]),
            "_order": order.get(code, len(order)),
        })
    columns = ["indicator", "label_zh", "label_en", "unit", by, "n_reports", "n_mentions",
               "value", "qualifier", "display"]
    table = pd.DataFrame(out, columns=columns + ["_order"])
    table = table.sort_values(["_order", "unit", by], kind="stable").drop(columns="_order")
    table = table.reset_index(drop=True)
    if shape == "long":
        return table
    wide = table.pivot(index=["indicator", "label_zh", "unit"], columns=by, values="display")
    wide = wide.reindex(
        sorted(wide.index, key=lambda key: (order.get(key[0], len(order)), key[2]))
    )
    # A group that reports none of the indicators is a finding too: keep its column.
    wide = wide.reindex(columns=sorted(set(groups["_group_value"])))
    wide.columns.name = by
    return wide.astype(object).fillna("")


def _outermost(units: pd.DataFrame) -> pd.DataFrame:
    """The units not nested in another (a section spans its subsections), in table order."""
    if not {"start", "end"} <= set(units.columns) or units.empty:
        return units
    ordered = units.sort_values(["doc_id", "start", "end"], ascending=[True, True, False],
                                kind="stable")
    reach = ordered.groupby("doc_id", sort=False)["end"].cummax()
    before = reach.groupby(ordered["doc_id"], sort=False).shift(fill_value=-1)
    keep = ordered.index[ordered["start"].to_numpy() >= before.to_numpy()]
    return units.loc[units.index.isin(keep)]


def _once_per_report(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per quantity of a report: nested sections repeat their subsections' ones."""
    if "doc_start" not in indicators.columns or indicators["doc_start"].isna().all():
        return indicators
    located = indicators["doc_start"].notna()
    duplicated = indicators.duplicated(["doc_id", "doc_start", "doc_end"]) & located
    return indicators.loc[~duplicated]


def _part_of_rows(indicators: pd.DataFrame, units: pd.DataFrame) -> pd.Series:
    """The part of each quantity: its own ``part``, or the unit holding its report offset."""
    if "part" in indicators.columns:
        return indicators["part"]
    if not {"start", "end"} <= set(units.columns) or "doc_start" not in indicators.columns:
        raise ValueError(
            "quantification_density(by_part=True) needs the quantities' part: extract them "
            "from a sections or items table, or keep their doc_start offsets and pass units "
            "with start/end offsets"
        )
    parts = pd.Series(pd.NA, index=indicators.index, dtype=object)
    for doc_id, chunk in units.sort_values("start").groupby("doc_id", sort=False):
        mask = indicators["doc_id"] == doc_id
        if not mask.any():
            continue
        positions = indicators.loc[mask, "doc_start"].astype("float64").to_numpy()
        starts = chunk["start"].to_numpy(dtype=float)
        ends = chunk["end"].to_numpy(dtype=float)
        slot = np.searchsorted(starts, positions, side="right") - 1
        inside = (slot >= 0) & (positions < ends[np.clip(slot, 0, None)])
        found = np.where(inside, chunk["part"].to_numpy(dtype=object)[np.clip(slot, 0, None)],
                         pd.NA)
        parts.loc[mask] = found
    return parts


def quantification_density(
    indicators: pd.DataFrame, units: pd.DataFrame, *, by_part: bool = True
) -> pd.DataFrame:
    """How concrete each report is: quantities stated per 1,000 characters.

    Parameters
    ----------
    indicators : pandas.DataFrame
        Output of :func:`extract_indicators` (from any unit table).
    units : pandas.DataFrame
        The reports, sections or items table whose characters are counted. Reports with no
        quantity get a density of 0. Units nested in another (subsections, by their
        ``start``/``end``) are not counted twice, nor are quantities repeated by them (same
        ``doc_start``).
    by_part : bool, default True
        Also give one row per report and part, when ``units`` has a ``part`` column.
        The quantities' parts come from their own ``part`` column or, for quantities
        extracted from whole reports, from the unit whose ``start``–``end`` holds their
        ``doc_start``.

    Returns
    -------
    pandas.DataFrame
        One row per report (``part == "all"``) and, with ``by_part``, per report and part:

        - ``doc_id`` (str): the report.
        - ``part`` (str): ``"all"`` or the part (measures, shortfalls, duty, plans ...).
        - ``n_chars`` (int): characters of the report's (or part's) units.
        - ``n_quantities`` (int): quantities stated in them.
        - ``density`` (float): quantities per 1,000 characters.

    Raises
    ------
    ValueError
        If ``units`` has no ``doc_id`` or ``text``, or ``by_part`` needs parts the
        quantities cannot be given.

    Examples
    --------
    >>> import pandas as pd
    >>> texts = ["发放宣传单500张。" * 25, "无数字。"]
    >>> reports = pd.DataFrame({"doc_id": ["a", "b"], "text": texts})
    >>> quantification_density(extract_indicators(reports), reports)
      doc_id part  n_chars  n_quantities  density
    0      a  all      250            25    100.0
    1      b  all        4             0      0.0
    """
    if "doc_id" not in units.columns or "text" not in units.columns:
        raise ValueError(
            "quantification_density expects a reports, sections or items table with 'doc_id' "
            f"and 'text' columns as units (got {list(units.columns)})"
        )
    units = _outermost(units)
    lengths = units["text"].fillna("").astype(str).str.len()
    frame = pd.DataFrame({"doc_id": units["doc_id"].astype(str), "n_chars": lengths})
    counted = _once_per_report(indicators.assign(doc_id=indicators["doc_id"].astype(str)))
    doc_order = list(dict.fromkeys(frame["doc_id"]))

    def summarise(chars: pd.DataFrame, quantities: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        totals = chars.groupby(keys, sort=False)["n_chars"].sum().rename("n_chars")
        counts = quantities.groupby(keys, sort=False).size().rename("n_quantities")
        table = totals.to_frame().join(counts, how="left").reset_index()
        table["n_quantities"] = table["n_quantities"].fillna(0).astype("int64")
        table["n_chars"] = table["n_chars"].astype("int64")
        table["density"] = np.where(
            table["n_chars"] > 0, 1000.0 * table["n_quantities"] / table["n_chars"].clip(lower=1),
            0.0)
        return table

    overall = summarise(frame, counted, ["doc_id"]).assign(part="all")
    pieces = [overall]
    if by_part and "part" in units.columns:
        frame = frame.assign(part=units["part"].astype(object).fillna("other").to_numpy())
        counted = counted.assign(part=_part_of_rows(counted, units).astype(object).to_numpy())
        pieces.append(summarise(frame, counted, ["doc_id", "part"]))
    table = pd.concat(pieces, ignore_index=True)
    table["_doc"] = table["doc_id"].map({d: i for i, d in enumerate(doc_order)})
    table["_all"] = table["part"] != "all"
    table = table.sort_values(["_doc", "_all"], kind="stable").drop(columns=["_doc", "_all"])
    return table[["doc_id", "part", "n_chars", "n_quantities", "density"]].reset_index(drop=True)
