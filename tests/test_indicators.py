"""Tests of lawgov.indicators: one hand-written case per rule, expected values worked out by hand.

The sample reports are scored against the hand-labelled gold in test_indicators_gold.py.
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawgov as lg
from lawgov.indicators import (
    IndicatorCodebook,
    compare_indicators,
    extract_indicators,
    load_indicator_codebook,
    parse_quantity,
    quantification_density,
)


def extract(text: str) -> pd.DataFrame:
    return extract_indicators(pd.DataFrame({"doc_id": ["d"], "text": [text]}))


def only(text: str):
    found = extract(text)
    assert len(found) == 1, found[["raw", "value", "unit"]]
    return found.iloc[0]


# ---------------------------------------------------------------------------------------
# Numbers, multipliers, units and qualifiers


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier"),
    [
        ("发放宣传单13600张", 13600, "张", "exact"),
        ("发放资料13,600份", 13600, "份", "exact"),
        ("召开党委会20余次", 20, "次", "more_than"),
        ("法治宣传资料2万余份", 20000, "份", "more_than"),
        ("服务群众1.2万人次", 12000, "人次", "exact"),
        ("组织培训十余次", 10, "次", "more_than"),
        ("开展督查两次", 2, "次", "exact"),
        ("配备调解员二十名", 20, "名", "exact"),
        ("建成一百二十个网格", 120, "个", "exact"),
        ("覆盖10余万人", 100000, "人", "more_than"),
        ("培训百余人", 100, "人", "more_than"),
        ("发放千余份", 1000, "份", "more_than"),
        ("约50人参加", 50, "人", "about"),
        ("参加50人左右", 50, "人", "about"),
        ("大约50人", 50, "人", "about"),
        ("近300份", 300, "份", "nearly"),
        ("将近300份", 300, "份", "nearly"),
        ("接近300份", 300, "份", "nearly"),
        ("超2000人", 2000, "人", "more_than"),
        ("超过300人", 300, "人", "more_than"),
        ("逾200人", 200, "人", "more_than"),
        ("受众300人以上", 300, "人", "more_than"),
        ("法律咨询72多次", 72, "次", "more_than"),
        ("不足10人", 10, "人", "less_than"),
        ("投入经费50万元", 50, "万元", "exact"),
        ("总投资1.5亿元", 1.5, "亿元", "exact"),
        ("奖励3000元", 3000, "元", "exact"),
        ("投入五十万元", 50, "万元", "exact"),
        ("提高5个百分点", 5, "个百分点", "exact"),
        ("办结率达百分之七十", 70, "%", "exact"),
        ("持证上岗率达100%", 100, "%", "exact"),
        ("覆盖率达99.5％", 99.5, "%", "exact"),
        ("办理案件8宗", 8, "宗", "exact"),
        ("累计24小时", 24, "小时", "exact"),
        ("培训3课时", 3, "课时", "exact"),
        ("举办讲座3场次", 3, "场次", "exact"),
        ("化解纠纷12起", 12, "起", "exact"),
    ],
)
def test_numbers_units_and_qualifiers(text, value, unit, qualifier):
    row = only(text)
    assert math.isclose(row.value, value)
    assert (row.unit, row.qualifier) == (unit, qualifier)
    assert math.isnan(row.value_max)


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("打造1—2个示范点", 1, 2, "个"),
        ("开展三至五次", 3, 5, "次"),
        ("培训10~20人", 10, 20, "人"),
        ("投入1-2万元", 1, 2, "万元"),
        ("覆盖1-2万人", 10000, 20000, "人"),
    ],
)
def test_ranges(text, low, high, unit):
    row = only(text)
    assert (row.value, row.value_max, row.unit, row.qualifier) == (low, high, unit, "range")


def test_raw_and_offsets_point_at_the_span():
    text = "悬挂宣传横幅68条，发放宣传单13600张，约50人参加。"
    found = extract(text)
    assert found["raw"].tolist() == ["68条", "13600张", "约50人"]
    # 悬挂宣传横幅 is 6 characters; ，发放宣传单 takes the text to 15; 13600张 ends at 21.
    assert found[["start", "end"]].values.tolist() == [[6, 9], [15, 21], [22, 26]]
    spans = zip(found["start"], found["end"], found["raw"], strict=True)
    assert all(text[s:e] == raw for s, e, raw in spans)
    assert found["doc_start"].tolist() == [6, 15, 22]


# ---------------------------------------------------------------------------------------
# Not quantities


@pytest.mark.parametrize(
    "text",
    [
        # years and dates
        "2023年", "2023年度", "12月", "3月15日", "每年“12.4”全国宪法宣传日", "“3·15”消费者权益日",
        "“5·12”防灾减灾日", "时间:2022/03/31", "发表日期：2024-03-19", "3.15", "二〇二三年",
        # plan periods and document numbers
        "实施方案(2021-2025)", "《纲要（2021—2025年）》", "〔2023〕5号", "第3号", "十四五期间",
        # list markers
        "一是加强领导", "1.加强法治建设", "（一）强化组织", "第一，", "4、持续推进",
        # names containing numerals
        "12345热线", "12345民呼必应", "“八五”普法", "八五普法", "三项制度", "第一议题", "一窗受理",
        "按照“1+5+N”的模式", "一站式", "一网统管", "两个维护", "三会一课", "四个亲自", "五个方面",
        "从以下5个方面着手", "一支队伍管执法", "一条龙服务", "五位一体", "一村一警",
        "一社区一法律顾问", "一对一指导", "最多跑一次", "一件事一次办", "三重一大",
        "省五星规范化司法所",
        # ordinal and set phrases
        "一次性告知", "一把手", "一体化", "一线工作者", "第一责任人", "第3次会议", "第二批",
        "保持乡镇前两名", "前3名", "集中清理一批", "千家万户", "我们一起努力", "统一部署",
        "唯一一个", "进一步", "之一", "这两个月", "数十次", "几十人",
        # phone numbers, times, versions, codes, ages
        "电话0371-12345678", "13812345678", "10:30", "上午9点", "2.0版", "5G基站", "G20",
        "60岁以上老人", "周二周五学习日", "7×24小时",
    ],
)
def test_not_quantities(text):
    assert extract(text).empty


def test_an_age_does_not_hide_the_count_after_it():
    row = only("为60岁以上老人开展讲座3场")
    assert (row.value, row.unit) == (3, "场")


def test_one_as_a_count_of_events():
    row = only("每季度听取一次法治建设工作情况汇报")
    assert (row.value, row.unit, row.per) == (1, "次", "每季度")
    assert row.subject == "法治建设工作情况汇报"


def test_a_case_counted_with_yiqi():
    assert only("办理一起案件").value == 1


# ---------------------------------------------------------------------------------------
# Subjects, enumerations, breakdowns


@pytest.mark.parametrize(
    ("text", "subject", "indicator"),
    [
        ("发放宣传单13600张", "宣传单", "materials_distributed"),
        ("悬挂宣传横幅68条", "宣传横幅", "banners"),
        ("网格员69名", "网格员", "grid_workers"),
        ("先后召开党委会20余次", "党委会", "party_committee_meetings"),
        ("法律顾问为街道提供法律咨询72余次", "法律咨询", "legal_consultations"),
        ("持证上岗率达100%", "持证上岗率", "certified_enforcement_rate"),
        ("调解成功率达98%", "调解成功率", "mediation_success_rate"),
        # the subject follows a nominal measure word
        ("对2起民事应诉案件提供法律意见", "民事应诉案件", "litigation_cases"),
        ("培养村级法律明白人120名", "村级法律明白人", "legal_literates"),
        ("受理行政复议案件3件", "行政复议案件", "reconsideration_cases"),
        # ... or an event measure word after a verb
        ("为中小学生讲2次法律专题讲座", "法律专题讲座", "trainings"),
        # the last verb that is not the final word opens the subject
        ("开展法治建设调研3次", "法治建设调研", ""),
        ("组织全镇党员干部法治培训10余次", "全镇党员干部法治培训", "trainings"),
        # A、B等C: the head C
        ("开展法律服务进企业、进校园、进村等活动6次", "活动", "publicity_events"),
        ("排查出在法治建设中存在的突出问题9条", "突出问题", "problems_rectified"),
        ("处理12345热线工单100余件", "12345热线工单", "hotline_orders"),
        ("审查规范性文件5件", "规范性文件", "normative_documents_reviewed"),
        ("投入普法经费3万元", "普法经费", "funding"),
        # a pool named with 从……中 before a verb taking the number
        ("从优秀退休社区干部中聘请4人", "优秀退休社区干部", ""),
    ],
)
def test_subjects_and_indicators(text, subject, indicator):
    row = only(text)
    assert (row.subject, row.indicator) == (subject, indicator)


def test_enumeration_gives_one_row_each_with_its_subject():
    found = extract("已创成县级民主法治示范村22个，其中，国家级1个，省级2个，市级3个。")
    assert found["value"].tolist() == [22, 1, 2, 3]
    assert found["subject"].tolist() == ["县级民主法治示范村", "国家级", "省级", "市级"]
    assert found["indicator"].tolist() == ["model_villages"] * 4
    assert found["breakdown"].tolist() == [False, True, True, True]


def test_enumeration_with_enumeration_comma():
    found = extract("国家级1个、省级2个、市级3个。")
    assert found["subject"].tolist() == ["国家级", "省级", "市级"]
    assert found["value"].tolist() == [1, 2, 3]
    assert not found["breakdown"].any()


def test_a_bare_second_quantity_shares_the_subject():
    found = extract("公开政务信息310余次、920余条。")
    assert found["subject"].tolist() == ["政务信息", "政务信息"]
    assert found["unit"].tolist() == ["次", "条"]
    assert found["indicator"].tolist() == ["information_disclosures"] * 2


def test_sentence_is_the_one_holding_the_quantity():
    found = extract("第一句没有数字。发放宣传单500张；悬挂横幅8条。")
    assert found["sentence"].tolist() == ["发放宣传单500张；", "悬挂横幅8条。"]


def test_half_width_punctuation_is_tolerated():
    found = extract("悬挂宣传横幅68条,发放宣传单13600张,提供法律服务16人次.")
    assert found["subject"].tolist() == ["宣传横幅", "宣传单", "法律服务"]


# ---------------------------------------------------------------------------------------
# Unit tables


def test_sections_keep_part_ids_and_report_offsets():
    sections = pd.DataFrame({
        "doc_id": ["d", "d"], "unit_id": ["d:s1", "d:s2"], "section_id": ["1", "2"],
        "part": ["measures", "plans"],
        "text": ["一、成效\n调解纠纷12起。", "二、计划\n打造1—2个示范点。"],
        "start": [0, 14],
    })
    found = extract_indicators(sections)
    assert found["unit_id"].tolist() == ["d:s1", "d:s2"]
    assert found["part"].tolist() == ["measures", "plans"]
    assert found["section_id"].tolist() == ["1", "2"]
    # 一、成效\n调解纠纷 is 9 characters, 二、计划\n打造 7; the second section starts at 14.
    assert found["start"].tolist() == [9, 7]
    assert found["doc_start"].tolist() == [9, 21]


def test_unit_table_without_offsets_has_missing_doc_offsets():
    items = pd.DataFrame({"doc_id": ["d"], "unit_id": ["d:i1"], "text": ["调解纠纷12起。"]})
    assert extract_indicators(items)["doc_start"].isna().all()


def test_empty_or_missing_text_gives_no_rows():
    found = extract_indicators(pd.DataFrame({"doc_id": ["a", "b"], "text": ["", None]}))
    assert found.empty
    assert {"doc_id", "value", "unit", "qualifier", "subject", "indicator"} <= set(found.columns)


def test_input_is_not_modified():
    reports = pd.DataFrame({"doc_id": ["d"], "text": ["调解纠纷12起。"]})
    before = reports.copy()
    extract_indicators(reports)
    pd.testing.assert_frame_equal(reports, before)


def test_table_without_text_is_refused():
    with pytest.raises(ValueError, match="'doc_id' and 'text' columns"):
        extract_indicators(pd.DataFrame({"doc_id": ["d"]}))


# ---------------------------------------------------------------------------------------
# parse_quantity


def test_parse_quantity():
    assert parse_quantity("2万余份") == (20000.0, None, "份", "more_than", "2万余份")
    assert parse_quantity("约50万元").unit == "万元"
    assert parse_quantity("两个维护") is None
    assert parse_quantity("发放宣传单") is None


# ---------------------------------------------------------------------------------------
# The codebook


def test_shipped_codebook_has_the_required_indicators():
    codebook = load_indicator_codebook()
    assert len(codebook.indicators) >= 20
    required = {
        "publicity_events", "materials_distributed", "banners", "legal_consultations",
        "trainings", "study_sessions", "party_committee_meetings", "legal_adviser_reviews",
        "disputes_mediated", "mediation_success_rate", "grid_cells", "grid_workers",
        "legal_literates", "model_villages", "certified_enforcement_rate",
        "reconsideration_cases", "litigation_cases", "hotline_orders",
        "information_disclosures", "normative_documents_reviewed", "major_decisions_reviewed",
    }
    assert required <= set(codebook.codes)
    frame = codebook.to_frame()
    assert (frame["label_zh"] != "").all() and (frame["label_en"] != "").all()
    assert (frame["units"].str.len() > 0).all()


def _write(tmp_path, body: str):
    path = tmp_path / "mine.yml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_researchers_pass_their_own_codebook(tmp_path):
    path = _write(tmp_path, """
        indicators:
          - code: lectures
            label_zh: 讲座
            label_en: Lectures
            description: any lecture
            units: [场, 次]
            terms: [讲座]
    """)
    codebook = load_indicator_codebook(path)
    assert isinstance(codebook, IndicatorCodebook)
    text = "开展法治讲座3场，悬挂横幅5条。坚持两个维护。"
    units = pd.DataFrame({"doc_id": ["d"], "text": [text]})
    found = extract_indicators(units, codebook=path)
    assert found["indicator"].tolist() == ["lectures", ""]
    # no not_quantities in the file: the shipped list still applies (两个维护 stays out)
    assert len(found) == 2


def test_own_not_quantities_replace_the_shipped_list(tmp_path):
    path = _write(tmp_path, """
        indicators:
          - code: x
            units: [个]
            terms: [网格]
        not_quantities: ['三个网格']
    """)
    found = extract_indicators(
        pd.DataFrame({"doc_id": ["d"], "text": ["建成三个网格。两个维护。"]}), codebook=path)
    assert found["raw"].tolist() == ["两个"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("indicators: [\n", "not valid YAML"),
        ("- a\n- b\n", "must be a mapping with an 'indicators' list"),
        ("indicators: []\n", "'indicators' must be a non-empty list"),
        ("indicators: [{code: x, units: [个], terms: [a]}]\nextra: 1\n", "unknown top-level keys"),
        ("indicators: [{code: Bad-Code, units: [个], terms: [a]}]\n", "must be snake_case"),
        ("indicators: [{code: x, terms: [a]}]\n", "'units' must list at least one"),
        ("indicators: [{code: x, units: [个]}]\n", "give 'terms' or 'patterns'"),
        ("indicators: [{code: x, units: [个], patterns: ['(']}]\n", "invalid regular expression"),
        ("indicators: [{code: x, units: [个], terms: [a]}, {code: x, units: [个], terms: [b]}]\n",
         "duplicate code"),
        ("indicators: [{code: x, units: [个], terms: [a], colour: red}]\n", "unknown keys"),
        ("indicators: [{code: x, units: [个], terms: [a]}]\nnot_quantities: ['[']\n",
         "invalid regular expression"),
    ],
)
def test_codebook_errors_name_the_file_and_problem(tmp_path, body, message):
    path = tmp_path / "bad.yml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as error:
        load_indicator_codebook(path)
    assert "bad.yml" in str(error.value)


def test_missing_codebook_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="indicator codebook not found"):
        load_indicator_codebook(tmp_path / "nope.yml")


def test_codebook_of_the_wrong_type():
    with pytest.raises(TypeError, match="codebook must be an IndicatorCodebook"):
        extract_indicators(pd.DataFrame({"doc_id": ["d"], "text": ["x"]}), codebook=3)


# ---------------------------------------------------------------------------------------
# compare_indicators


@pytest.fixture()
def two_provinces():
    reports = pd.DataFrame({
        "doc_id": ["a", "b", "c"],
        "province": ["河南省", "河南省", None],
        "text": ["先后召开党委会20余次，召开党委会3次。发放宣传单500张。",
                 "召开党委会4次。持证上岗率达100%。",
                 "召开党委会6次。"],
    })
    return reports, extract_indicators(reports)


def test_compare_keeps_qualifiers_and_counts_reports(two_provinces):
    reports, found = two_provinces
    table = compare_indicators(found, reports)
    meetings = table[table["indicator"] == "party_committee_meetings"].set_index("province")
    # report a: 20余 + 3 = 23余; report b: 4; the group median of 23 and 4 is 13.5.
    assert meetings.loc["河南省", "display"] == "23余次; 4次"
    assert meetings.loc["河南省", "n_reports"] == 2
    assert meetings.loc["河南省", "n_mentions"] == 3
    assert meetings.loc["河南省", "value"] == 13.5
    assert meetings.loc["河南省", "qualifier"] == "more_than"
    assert meetings.loc["(unknown)", "display"] == "6次"


def test_compare_wide(two_provinces):
    reports, found = two_provinces
    extra = pd.DataFrame({"doc_id": ["z"], "province": ["黑龙江省"], "text": ["没有数字。"]})
    wide = compare_indicators(found, pd.concat([reports, extra]), shape="wide")
    assert list(wide.columns) == ["(unknown)", "河南省", "黑龙江省"]
    assert (wide["黑龙江省"] == "").all()
    assert wide.loc[("materials_distributed", "发放宣传资料", "张"), "河南省"] == "500张"
    assert wide.loc[("materials_distributed", "发放宣传资料", "张"), "(unknown)"] == ""


def test_compare_leaves_out_breakdowns_frequencies_and_plans():
    reports = pd.DataFrame({"doc_id": ["a"], "province": ["p"]})
    sections = pd.DataFrame({
        "doc_id": ["a", "a"], "unit_id": ["a:s1", "a:s2"], "part": ["measures", "plans"],
        "text": ["已创成民主法治示范村22个，其中，国家级1个。每季度召开党委会一次。",
                 "创建民主法治示范村5个。"],
    })
    table = compare_indicators(extract_indicators(sections), reports)
    assert table[["indicator", "display"]].values.tolist() == [["model_villages", "22个"]]


def test_compare_errors(two_provinces):
    reports, found = two_provinces
    with pytest.raises(ValueError, match="by='region' is not a column"):
        compare_indicators(found, reports, by="region")
    with pytest.raises(ValueError, match="shape must be 'long' or 'wide'"):
        compare_indicators(found, reports, shape="tall")
    with pytest.raises(ValueError, match="pass the output of extract_indicators"):
        compare_indicators(found.drop(columns="qualifier"), reports)


# ---------------------------------------------------------------------------------------
# quantification_density


def test_density_per_report_and_part():
    text = "一、成效\n调解纠纷12起，发放宣传单500张。\n二、计划\n开展培训3次，发放资料200份。"
    # section 1 "一、成效\n调解纠纷12起，发放宣传单500张。\n" is 5 + 8 + 11 = 24 characters,
    # section 2 "二、计划\n开展培训3次，发放资料200份。" 5 + 7 + 9 = 21; section 1.1 is nested in
    # section 1 and must not count twice. Densities: 4/45, 2/24 and 2/21 per 1,000.
    sections = pd.DataFrame({
        "doc_id": ["d", "d", "d"], "unit_id": ["d:s1", "d:s1.1", "d:s2"],
        "part": ["measures", "measures", "plans"], "start": [0, 5, 24], "end": [24, 24, 45],
    })
    sections["text"] = [text[s:e] for s, e in zip(sections["start"], sections["end"], strict=True)]
    reports = pd.DataFrame({"doc_id": ["d", "e"], "text": [text, "没有数字。"]})
    for found in (extract_indicators(sections), extract_indicators(reports)):
        table = quantification_density(found, sections)
        assert table[["part", "n_chars", "n_quantities"]].values.tolist() == [
            ["all", 45, 4], ["measures", 24, 2], ["plans", 21, 2]]
        assert table["density"].round(3).tolist() == [88.889, 83.333, 95.238]
    overall = quantification_density(extract_indicators(reports), reports)
    assert overall[["doc_id", "part", "n_chars", "n_quantities"]].values.tolist() == [
        ["d", "all", 45, 4], ["e", "all", 5, 0]]
    assert overall["density"].tolist()[1] == 0.0


def test_density_errors():
    with pytest.raises(ValueError, match="'doc_id' and 'text' columns as units"):
        quantification_density(extract("调解纠纷12起"), pd.DataFrame({"doc_id": ["d"]}))
    units = pd.DataFrame({"doc_id": ["d"], "part": ["measures"], "text": ["调解纠纷12起"]})
    found = extract("调解纠纷12起").drop(columns=["doc_start"])
    with pytest.raises(ValueError, match="needs the quantities' part"):
        quantification_density(found, units)


# ---------------------------------------------------------------------------------------
# The sample corpus and robustness


def test_sections_and_reports_find_the_same_quantities(reports):
    from_reports = extract_indicators(reports)
    from_sections = extract_indicators(lg.split_sections(reports))
    once = from_sections.drop_duplicates(["doc_id", "doc_start"])
    key = ["doc_id", "doc_start", "value", "unit"]
    assert sorted(map(tuple, once[key].astype(str).values)) == sorted(
        map(tuple, from_reports[key].astype(str).values))


def test_public_names_are_reexported():
    for name in ("extract_indicators", "compare_indicators", "quantification_density",
                 "load_indicator_codebook", "parse_quantity"):
        assert getattr(lg, name) is getattr(lg.indicators, name)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("0123456789一二两十百千万余多约近超%％个次人名件.,-—、，。第年月日其中级")
                                + ["发放", "宣传单", "网格员", "每季度"]), max_size=40).map("".join)
       | st.text(max_size=60))
def test_never_crashes_and_spans_are_exact(text):
    found = extract(text)
    for row in found.itertuples():
        assert text[row.start:row.end] == row.raw
        assert row.qualifier in lg.indicators.QUALIFIERS
        assert row.value >= 0
