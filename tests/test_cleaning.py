"""normalize_text / strip_furniture: the clean-text contract, furniture, idempotence."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lawgov as lg
from lawgov.cleaning import normalize_text, strip_furniture

# Furniture lines of the raw samples, listed by reading the files.
SAMPLE_FURNITURE = {
    "003": ["作者 :   来源:巴彦县人民政府   时间:2022/03/31", "分享到:", "关闭窗口",
            "Produced By 大汉网络 大汉版通发布系统"],
    "004": ["长者版 无障碍阅读",
            "当前位置:首页\xa0>\xa0政府信息公开\xa0>\xa0地方部门平台链接\xa0>\xa0乡镇街\xa0>\xa0"
            "东风路街道\xa0>\xa0法定主动公开内容\xa0>\xa0其他主动公开内容\xa0>\xa0法治政府建设年度报告",
            "发表日期:2024-03-19\xa0\xa0\xa0\xa0 文章来源:东风路街道"],
}


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("　　隨著經濟社會不斷發展", "随着经济社会不断发展"),  # tw2s phrase; t2s keeps 隨著
        ("發放宣傳單13,600張", "发放宣传单13,600张"),
        ("发放13，600张", "发放13,600张"),
        ("会议于10：30召开", "会议于10:30召开"),
        ("如下:", "如下："),
        ("2021年,黑龙江省", "2021年，黑龙江省"),
        ("(一)加强领导;(二)完善制度!是否?", "（一）加强领导；（二）完善制度！是否？"),
        ("《纲要(2021-2025年)》", "《纲要（2021-2025年）》"),
        ("持证上岗率达１００％，ＡＰＰ", "持证上岗率达100%，APP"),
        ("12.4宪法日；“3·15”", "12.4宪法日；“3·15”"),
        ("「八五」普法、『法律明白人』", "“八五”普法、‘法律明白人’"),
        ('"八五"普法', "“八五”普法"),
        ("重视程度不够, 法治思维不强", "重视程度不够，法治思维不强"),
        ("法 治 政 府", "法治政府"),
        ("Big  Ant\tStudio 2024", "Big Ant Studio 2024"),
        ("法\u200b治\ufeff政\u00ad府", "法治政府"),
        ("\u2f00\u2f47年", "一日年"),  # Kangxi radicals from PDF text layers
        ("网址:http://www.gov.cn", "网址：http://www.gov.cn"),
        ("一、加强领导\r\n\r\n\u3000\u3000（一）落实责任\n \n\t二、",
         "一、加强领导\n（一）落实责任\n二、"),
        ("\u2002\u2002\u2002一、主要举措\xa0", "一、主要举措"),
        ("", ""),
        ("  \n\u3000\n", ""),
    ],
)
def test_clean_text_policy(raw, clean):
    assert normalize_text(raw) == clean


@pytest.mark.parametrize(
    "line",
    [
        "长者版 无障碍阅读",
        "长者版 | 无障碍 | 繁体版 | English",
        "当前位置：首页 > 政务公开 > 法治政府建设",
        "您现在的位置: 首页 » 信息公开",
        "首页 > 政府信息公开 > 乡镇街",
        "作者 :   来源:巴彦县人民政府   时间:2022/03/31",
        "发表日期:2024-03-19\xa0\xa0\xa0\xa0 文章来源:东风路街道",
        "发布时间：2023-03-05 10:21:00  来源：某某县司法局  浏览次数：128",
        "索引号：11410421MB1234567X/2024-00012  发布机构：宝丰县赵庄镇人民政府",
        "分享到：",
        "分享到: 微信 微博 QQ空间",
        "关闭窗口",
        "【打印本页】【关闭窗口】",
        "【字体：大 中 小】",
        "字号：[大] [中] [小]  打印  关闭",
        "扫一扫在手机打开当前页",
        "上一篇：关于2022年法治政府建设情况的报告",
        "Produced By 大汉网络 大汉版通发布系统",
        "版权所有：黄石市人民政府办公室  鄂ICP备05012345号-1  网站标识码：4202000001",
        "京公网安备 11010502030143号",
        "Copyright © 2024 巴彦县人民政府 All Rights Reserved",
        "主办单位：宝丰县人民政府办公室  技术支持：某某网络公司",
        "建议使用1920*1080分辨率、IE9以上版本浏览器",
    ],
)
def test_furniture_lines_are_dropped(line):
    text = f"东风路街道2023年法治政府建设年度报告\n{line}\n一、主要举措和成效。"
    assert normalize_text(text) == "东风路街道2023年法治政府建设年度报告\n一、主要举措和成效。"


@pytest.mark.parametrize(
    "line",
    [
        "当前位置是我镇法治建设的关键阶段。",  # a sentence, not a breadcrumb
        "分享经验做法，形成可复制可推广的工作机制",
        "加强知识产权保护，维护著作权人版权所有权益。",
        "时间紧、任务重，我镇克服困难完成各项任务。",
        "县委、县政府：",
        "关闭、取缔非法经营场所12家。",
        "（三）加强行政执法监督，提高行政执法水平",
    ],
)
def test_content_lines_that_look_like_furniture_are_kept(line):
    assert normalize_text(line) == line


def test_furniture_metadata_is_captured_before_dropping():
    page = ("当前位置:首页 > 信息公开\n关于2023年法治政府建设情况的报告\n"
            "发布时间：2024年3月5日 09:30  来源：宝丰县赵庄镇人民政府  浏览次数：88\n"
            "2023年度，我镇坚持依法行政。\n【打印本页】【关闭窗口】")
    clean, meta = strip_furniture(page)
    assert clean == "关于2023年法治政府建设情况的报告\n2023年度，我镇坚持依法行政。"
    assert meta["published"] == "2024-03-05"
    assert meta["source_unit"] == "宝丰县赵庄镇人民政府"
    assert meta["furniture"] == [
        "当前位置：首页>信息公开",
        "发布时间：2024年3月5日09:30来源：宝丰县赵庄镇人民政府浏览次数：88",
        "【打印本页】【关闭窗口】",
    ]


def test_author_line_with_empty_author_and_slashed_date():
    _, meta = strip_furniture("作者 :   来源:巴彦县人民政府   时间:2022/03/31")
    assert (meta["published"], meta["source_unit"]) == ("2022-03-31", "巴彦县人民政府")


def test_impossible_date_is_not_published():
    _, meta = strip_furniture("发布日期：2024-02-30\n正文。")
    assert meta["published"] is None


def _raw_lines(path):
    return [line.strip() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


@pytest.mark.parametrize("index", range(5))
def test_every_content_paragraph_of_each_sample_survives(index):
    path = lg.sample_paths()[index]
    furniture = [" ".join(f.split()) for f in SAMPLE_FURNITURE.get(path.name[:3], [])]
    raw_lines = _raw_lines(path)
    content = [line for line in raw_lines if " ".join(line.split()) not in furniture]
    assert len(raw_lines) - len(content) == len(furniture)  # the list above is exact
    clean_lines = normalize_text(path.read_text(encoding="utf-8")).split("\n")
    assert clean_lines == [normalize_text(line) for line in content]


@pytest.mark.parametrize("index", range(5))
def test_samples_meet_the_contract(index):
    clean = normalize_text(lg.sample_paths()[index].read_text(encoding="utf-8"))
    assert normalize_text(clean) == clean
    assert "\n\n" not in clean and clean == clean.strip()
    for forbidden in ("\u3000", "\xa0", "\u2002", ",", ":", ";", "(", ")", "  "):
        # ASCII comma/colon survive only between digits, and these samples have none there
        assert forbidden not in clean, forbidden
    assert not any(line != line.strip() for line in clean.split("\n"))


def test_traditional_sample_becomes_simplified():
    clean = normalize_text(lg.sample_paths()[0].read_text(encoding="utf-8"))
    assert clean.startswith("县委、县政府：\n")
    assert "随着经济社会不断发展" in clean
    assert "《沭阳县2023年法治政府建设工作计划》" in clean
    for traditional in "縣鎮國設隨著們與":
        assert traditional not in clean


@pytest.mark.parametrize(("raw", "converted"), [
    ("隨著經濟發展", True),          # Traditional characters
    ("随着经济发展", False),          # already Simplified
    ("\uf9fe\u2f08民", False),       # compatibility forms folded to 茶人民, not a script change
    ("\uf900", True),                # compatibility 豈 folds to 豈, which is Traditional for 岂
])
def test_strip_furniture_says_whether_the_script_changed(raw, converted):
    clean, meta = strip_furniture(raw)
    assert meta["converted"] is converted
    assert clean == normalize_text(raw)


def test_script_original_ignores_compatibility_forms(tmp_path):
    # Kangxi radicals and compatibility ideographs (PDF text layers) are an encoding
    # matter: the report is Simplified.
    path = tmp_path / "compat.txt"
    path.write_text("\u2f08民政府依法\u2f8f政，\uf9fe话会。", encoding="utf-8")
    row, _ = lg.read_report_file(path)
    assert row["text"] == "人民政府依法行政，茶话会。"
    assert row["script_original"] == "simplified"


def test_furniture_samples_lose_only_their_furniture():
    clean, meta = strip_furniture(lg.sample_paths()[4].read_text(encoding="utf-8"))
    assert clean.split("\n")[0] == "东风路街道2023年法治政府建设年度报告"
    assert meta["published"] == "2024-03-19" and meta["source_unit"] == "东风路街道"
    clean, meta = strip_furniture(lg.sample_paths()[3].read_text(encoding="utf-8"))
    assert clean.split("\n")[:2] == [
        "巴彦县洼兴镇2021年度法治政府建设情况",
        clean.split("\n")[1],
    ] and clean.split("\n")[1].startswith("2021年，黑龙江省深入推进法治政府建设。")
    assert clean.split("\n")[-1].startswith("（三）加强建立健全各项制度。")
    assert meta["published"] == "2022-03-31" and meta["source_unit"] == "巴彦县人民政府"


_TRICKY = st.sampled_from(list(
    " \n\r\t\u3000\xa0\u2002\u200b\x00,:;!?()\"'.%0123456789aZ，：；（）「」『』“”、。·—"
    "隨著乾干國于著發髮台臺裡裏面麵后後乾隆当前位置首页>来源时间发布日期版权所有ICP备分享到"
    "关闭窗口长者版无障碍阅读打印本页字体大中小\u2f00\uf900\uff10\ufe50\ufe59\uff62\ud800"
))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(st.text(), st.text(_TRICKY), st.lists(st.text(_TRICKY)).map("\n".join)))
def test_normalize_never_crashes_and_is_idempotent(text):
    once = normalize_text(text)
    assert isinstance(once, str)
    assert normalize_text(once) == once


def _spaces_reference(text: str) -> str:
    # The rule written out plainly: every run of spaces and newlines becomes one newline if
    # it holds one, else nothing at either end of the text or next to a wide character,
    # else one space.
    import re

    from lawgov.cleaning import _WIDE_RE

    def replace(match):
        if "\n" in match.group():
            return "\n"
        start, end = match.span()
        if start == 0 or end == len(text):
            return ""
        if _WIDE_RE.match(text, start - 1) or _WIDE_RE.match(text, end):
            return ""
        return " "

    return re.sub("[ \n]+", replace, text).strip("\n")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \n a汉,1。", max_size=40))
def test_spaces_follow_the_rule(text):
    from lawgov.cleaning import _spaces

    assert _spaces(text) == _spaces_reference(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("a\n  b", "a\nb"),
    ("Produced  By", "Produced By"),
    ("法治  政府", "法治政府"),
    ("  \n\n 一、\n \n", "一、"),
    ("2024-03-19   10:30", "2024-03-19 10:30"),
])
def test_spaces_examples(text, expected):
    from lawgov.cleaning import _spaces

    assert _spaces(text) == expected
