"""Tests of report structure: sections, parts, items and part coverage.

The expected values on the sample corpus were read off the five sample reports by hand
(headings, the part each top-level heading names, and the points of each part).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawgov as lg

# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def sample_keys(reports) -> dict[str, str]:
    """'000'..'004' (file name prefix) -> doc_id."""
    pairs = zip(reports["source_path"], reports["doc_id"], strict=True)
    return {Path(path).name[:3]: doc_id for path, doc_id in pairs}


@pytest.fixture(scope="session")
def texts(reports) -> dict[str, str]:
    return dict(zip(reports["doc_id"], reports["text"], strict=True))


@pytest.fixture(scope="session")
def sections(reports) -> pd.DataFrame:
    return lg.split_sections(reports)


@pytest.fixture(scope="session")
def items(sections) -> pd.DataFrame:
    return lg.split_items(sections)


def one(text: str, **columns) -> tuple[pd.DataFrame, pd.DataFrame]:
    reports = pd.DataFrame({"doc_id": ["d"], "text": [text], **columns})
    sections = lg.split_sections(reports)
    return sections, lg.split_items(sections)


def top(sections: pd.DataFrame, doc_id: str) -> list[tuple[str, str]]:
    rows = sections[(sections["doc_id"] == doc_id) & (sections["level"] == 1)]
    return list(zip(rows["marker"], rows["part"], strict=True))


def counts(items: pd.DataFrame, doc_id: str) -> dict[str, int]:
    return items[items["doc_id"] == doc_id].groupby("part").size().to_dict()


# ------------------------------------------------------------------ the sample corpus

# Top-level sections (marker, part) of each sample, read by hand. 000's last row is its
# closing paragraph (法治政府建设工作事关……砥砺前进), which keeps the part before it.
EXPECTED_TOP = {
    "000": [("", "preamble"), ("一、", "measures"), ("二、", "measures"), ("三、", "measures"),
            ("四、", "measures"), ("五、", "shortfalls"), ("六、", "plans"), ("", "plans")],
    "001": [("", "preamble"), ("一、", "measures"), ("二、", "shortfalls"), ("三、", "plans")],
    "002": [("", "preamble"), ("一、", "duty"), ("二、", "measures"), ("三、", "shortfalls"),
            ("四、", "plans")],
    "003": [("", "preamble"), ("一、", "measures"), ("二、", "shortfalls"), ("三、", "plans")],
    "004": [("", "preamble"), ("一、", "measures"), ("二、", "shortfalls"), ("三、", "duty"),
            ("四、", "plans")],
}

# The heading of each mandated part, as written.
EXPECTED_HEADINGS = {
    ("000", "shortfalls"): "存在的困难和问题",
    ("000", "plans"): "下一步法治政府建设工作的改进措施",
    ("001", "measures"): "2025年法治建设主要工作及成效",
    ("001", "shortfalls"): "存在的问题与不足",
    ("001", "plans"): "2026年工作思路与计划",
    ("002", "duty"): "落实党政负责人履行推进法治建设第一责任人情况",
    ("002", "measures"): "主要举措及成效",
    ("002", "shortfalls"): "存在的不足、原因和问题整改情况",
    ("002", "plans"): "下一步计划",
    ("003", "measures"): "推进法治政府建设的主要举措和成效",
    ("003", "shortfalls"): "推进法治政府建设存在的不足和原因",
    ("003", "plans"): "2022年推进法治政府建设的工作举措",
    ("004", "measures"): "2023年推进法治政府建设的主要举措和成效",
    ("004", "shortfalls"): "推进法治政府建设存在的不足和原因",
    ("004", "duty"): "党政主要负责人履行推进法治建设第一责任人职责情况",
    ("004", "plans"): "2024年度推进法治政府建设的主要安排",
}

# Items per part: the part's top-level points, counted by reading. 000's measures are its
# four work-area headings 一 to 四; 001's measures are （一） to （七）.
EXPECTED_ITEMS = {
    "000": {"measures": 4, "shortfalls": 3, "plans": 4},
    "001": {"measures": 7, "shortfalls": 4, "plans": 5},
    "002": {"duty": 3, "measures": 3, "shortfalls": 3, "plans": 3},
    "003": {"measures": 4, "shortfalls": 4, "plans": 3},
    "004": {"measures": 4, "shortfalls": 3, "duty": 3, "plans": 4},
}

# The opening words of every shortfall item, in reading order.
EXPECTED_SHORTFALLS = {
    "000": ["法治建设工作发展不平衡", "少数村（社区）在学法用法", "普法工作面广量大"],
    "001": ["基层执法能力有待提升", "普法宣传实效性有待增强", "法治与数字技术融合不足",
            "村级法治建设发展不均衡"],
    "002": ["法治理念未普遍树立", "依法决策仍存在短板", "执法规范化亟待强化"],
    "003": ["学习贯彻习近平总书记", "全面施行“一把手”负总责", "在行政决策方面",
            "持续推进法治环境建设"],
    "004": ["个别社干部对法治工作重视不够", "法治宣传力度有待加强", "执法部门处置问题"],
}


@pytest.mark.parametrize("key", sorted(EXPECTED_TOP))
def test_top_level_parts_of_samples(sections, sample_keys, key):
    assert top(sections, sample_keys[key]) == EXPECTED_TOP[key]


@pytest.mark.parametrize("key, part", sorted(EXPECTED_HEADINGS))
def test_part_headings_of_samples(sections, sample_keys, key, part):
    rows = sections[(sections["doc_id"] == sample_keys[key]) & (sections["level"] == 1)
                    & (sections["part"] == part) & (sections["heading"] != "")]
    assert rows["heading"].tolist()[-1] == EXPECTED_HEADINGS[(key, part)]


def test_measures_of_000_are_its_first_four_headings(sections, sample_keys):
    rows = sections[(sections["doc_id"] == sample_keys["000"]) & (sections["level"] == 1)
                    & (sections["part"] == "measures")]
    assert rows["heading"].tolist() == [
        "切实加强组织领导", "深入开展法治宣传教育，增强全民法治观念",
        "深化依法治理，增强依法执政能力", "法治建设工作扎实开展",
    ]
    assert rows["part_evidence"].str.contains("work-area heading").all()


def test_duty_absent_as_a_part_in_001_although_named_in_a_subsection(sections, sample_keys):
    rows = sections[sections["doc_id"] == sample_keys["001"]]
    assert "duty" not in set(rows["part"])
    named = rows[rows["heading"] == "严格落实第一责任人职责"]
    assert named["part"].tolist() == ["measures"] and named["level"].tolist() == [3]


@pytest.mark.parametrize("key", sorted(EXPECTED_ITEMS))
def test_item_counts_of_samples(items, sample_keys, key):
    assert counts(items, sample_keys[key]) == EXPECTED_ITEMS[key]


@pytest.mark.parametrize("key", sorted(EXPECTED_SHORTFALLS))
def test_shortfall_items_of_samples(items, sample_keys, key):
    rows = items[(items["doc_id"] == sample_keys[key]) & (items["part"] == "shortfalls")]
    assert rows["item_no"].tolist() == list(range(1, len(EXPECTED_SHORTFALLS[key]) + 1))
    for text, opening in zip(rows["text"], EXPECTED_SHORTFALLS[key], strict=True):
        assert text.startswith(opening)


def test_004_shortfalls_in_one_paragraph_with_an_unmarked_last_point(items, sample_keys):
    rows = items[(items["doc_id"] == sample_keys["004"]) & (items["part"] == "shortfalls")]
    assert rows["marker"].tolist() == ["一是", "二是", ""]
    assert rows["kind"].tolist() == ["inline", "inline", "unmarked"]
    assert rows["text"].tolist()[1] == "法治宣传力度有待加强，宣传精细化水平需进一步提高"
    # The lead-in (……还存在一些问题和不足：) is not an item.
    assert not rows["text"].str.contains("在法治政府建设的实践和探索中").any()


def test_003_style_switch_4_after_san_is_a_fourth_shortfall(sections, sample_keys):
    rows = sections[(sections["doc_id"] == sample_keys["003"]) & (sections["part"] == "shortfalls")
                    & (sections["level"] == 2)]
    assert rows["marker"].tolist() == ["（一）", "（二）", "（三）", "4、"]
    assert rows["flags"].tolist()[-1] == "style_switch"


def test_001_numbering_gaps_are_flagged_not_nested(sections, sample_keys):
    rows = sections[(sections["doc_id"] == sample_keys["001"]) & (sections["parent_id"] == "1.5")]
    assert rows["number"].tolist() == [1, 3, 4]
    assert rows["level"].tolist() == [3, 3, 3]
    assert rows["flags"].tolist() == ["", "numbering_gap", ""]


def test_002_run_in_headings(sections, sample_keys):
    rows = sections[(sections["doc_id"] == sample_keys["002"]) & (sections["parent_id"] == "1")]
    assert rows["heading"].tolist() == [
        "高度重视，全面加强法治建设组织领导", "抓实抓细，深入贯彻法治建设决策部署",
        "以身作则，严格执行重大行政决策制度",
    ]
    assert rows["run_in"].all()


def test_003_plans_by_next_year(sections, sample_keys):
    row = sections[(sections["doc_id"] == sample_keys["003"]) & (sections["marker"] == "三、")]
    assert row["part"].item() == "plans"
    assert "2022年" in row["part_evidence"].item()


def test_000_closing_paragraph(sections, items, sample_keys, texts):
    doc_id = sample_keys["000"]
    last = sections[(sections["doc_id"] == doc_id) & (sections["level"] == 1)].iloc[-1]
    assert last["flags"] == "closing" and last["part"] == "plans"
    assert last["text"].startswith("法治政府建设工作事关全社会")
    assert last["end"] == len(texts[doc_id])
    plans = items[(items["doc_id"] == doc_id) & (items["part"] == "plans")]
    assert not plans["text"].str.contains("事关全社会").any()


def test_part_evidence_records_deciding_words(sections, sample_keys):
    level1 = sections[sections["level"] == 1].set_index(["doc_id", "marker"])["part_evidence"]
    assert "存在的困难" in level1[(sample_keys["000"], "五、")]
    assert "下一步" in level1[(sample_keys["000"], "六、")]
    assert "第一责任人" in level1[(sample_keys["002"], "一、")]
    assert "存在的不足" in level1[(sample_keys["002"], "三、")]
    assert "安排" in level1[(sample_keys["004"], "四、")]


# ------------------------------------------------------------------------- invariants


def test_offsets_index_the_clean_text(sections, items, texts):
    for row in sections.itertuples():
        assert texts[row.doc_id][row.start:row.end] == row.text
        assert row.n_chars == row.end - row.start
    for row in items.itertuples():
        assert texts[row.doc_id][row.start:row.end] == row.text
        assert row.n_chars == len(row.text) > 0


def assert_tiles(sections: pd.DataFrame, texts: dict[str, str]) -> None:
    """Top-level sections tile each text; each parent's children tile its tail."""
    for doc_id, rows in sections.groupby("doc_id"):
        level1 = rows[rows["parent_id"].isna()].sort_values("start")
        assert level1["start"].iloc[0] == 0
        assert level1["end"].iloc[-1] == len(texts[doc_id])
        assert (level1["start"].iloc[1:].to_numpy() == level1["end"].iloc[:-1].to_numpy()).all()
        assert "".join(level1["text"]) == texts[doc_id]
        for parent, kids in rows[rows["parent_id"].notna()].groupby("parent_id"):
            mother = rows[rows["section_id"] == parent].iloc[0]
            kids = kids.sort_values("start")
            assert mother["start"] < kids["start"].iloc[0]
            assert kids["end"].iloc[-1] == mother["end"]
            assert (kids["start"].iloc[1:].to_numpy() == kids["end"].iloc[:-1].to_numpy()).all()


def test_nothing_is_lost_in_any_sample(sections, texts):
    assert_tiles(sections, texts)
    assert set(sections["doc_id"]) == set(texts)


def test_no_web_page_furniture_in_any_section(sections):
    # 作者 only as a byline: 工作者 is ordinary prose.
    for furniture in ("分享到", "关闭窗口", "大汉", "Produced", "当前位置", "无障碍", "长者版",
                      "发表日期", "文章来源", r"作者\s*[:：]", r"来源\s*[:：]"):
        assert not sections["text"].str.contains(furniture, regex=True).any(), furniture


def test_ids_and_columns(sections, items):
    assert sections["unit_id"].is_unique and items["unit_id"].is_unique
    assert (sections["unit_id"] == sections["doc_id"] + ":s" + sections["section_id"]).all()
    assert (items["unit_id"] == items["doc_id"] + ":i" + items["item_id"]).all()
    for column in ("doc_id", "unit_id", "section_id", "level", "marker", "heading", "part",
                   "part_evidence", "text", "start", "end", "n_chars", "parent_id", "flags",
                   "structure_status"):
        assert column in sections.columns
    assert list(items.columns[:3]) == ["doc_id", "unit_id", "part"]
    for column in ("section_id", "item_id", "marker", "text", "start", "end", "n_chars"):
        assert column in items.columns
    assert set(sections["part"]) <= set(lg.structure.PARTS)
    assert set(sections["structure_status"]) == {"ok"}


def test_items_of_a_table_filtered_to_one_part(sections, items):
    shortfalls = sections[sections["part"] == "shortfalls"]
    expected = items[items["part"] == "shortfalls"].reset_index(drop=True)
    pd.testing.assert_frame_equal(lg.split_items(shortfalls), expected)


def test_inputs_are_not_mutated(reports):
    before = reports.copy()
    sections = lg.split_sections(reports)
    sections_before = sections.copy()
    lg.part_coverage(sections, lg.split_items(sections))
    pd.testing.assert_frame_equal(reports, before)
    pd.testing.assert_frame_equal(sections, sections_before)


# ---------------------------------------------------------------------- part coverage


def test_part_coverage_of_samples(sections, items, sample_keys, texts):
    coverage = lg.part_coverage(sections, items)
    assert len(coverage) == 5 * 6
    indexed = coverage.set_index(["doc_id", "part"])
    for key, expected in EXPECTED_ITEMS.items():
        doc_id = sample_keys[key]
        for part in ("measures", "shortfalls", "duty", "plans", "other"):
            row = indexed.loc[(doc_id, part)]
            assert row["present"] == (part in expected), (key, part)
            assert row["n_items"] == expected.get(part, 0), (key, part)
        assert indexed.loc[(doc_id, "preamble"), "present"]
        assert coverage[coverage["doc_id"] == doc_id]["n_chars"].sum() == len(texts[doc_id])
        assert coverage[coverage["doc_id"] == doc_id]["share"].sum() == pytest.approx(1.0)
    # 004's shortfalls part: 二、…存在的不足和原因 up to 三、, characters counted by hand
    # from the clean text (heading line 18 + newline, one paragraph of 157 + newline).
    shortfalls = indexed.loc[(sample_keys["004"], "shortfalls")]
    assert shortfalls["n_chars"] == 177
    assert shortfalls["headings"] == "推进法治政府建设存在的不足和原因"


def test_part_coverage_computes_items_and_wide_layout(sections, sample_keys):
    wide = lg.part_coverage(sections, layout="wide")
    assert list(wide.index) == list(dict.fromkeys(sections["doc_id"]))
    row = wide.loc[sample_keys["002"]]
    assert row["duty_present"] and row["duty_n_items"] == 3
    assert not row["other_present"] and row["other_share"] == 0.0
    assert wide.filter(like="_share").sum(axis=1).round(9).eq(1).all()


# ------------------------------------------------------------ heading styles, inline


def test_half_width_brackets_mixed_arabic_styles_and_run_in_headings():
    text = ("前言。\n一、主要工作及成效\n(一)高度重视，全面加强。我镇把法治建设列入议程。\n"
            "1、第一点内容\n2.第二点内容\n(二)第二项\n二、存在的问题\n"
            "一是学法不深；二是执法不严；三是经费不足。\n三、下一步打算\n1.加强学习。\n2.强化执法。")
    sections, items = one(text)
    assert sections["section_id"].tolist() == ["0", "1", "1.1", "1.1.1", "1.1.2", "1.2", "2", "3",
                                               "3.1", "3.2"]
    assert sections["marker"].tolist() == ["", "一、", "(一)", "1、", "2.", "(二)", "二、", "三、",
                                           "1.", "2."]
    assert sections["part"].tolist() == ["preamble"] + ["measures"] * 5 + ["shortfalls"] + \
        ["plans"] * 3
    run_in = sections.set_index("section_id").loc["1.1"]
    assert run_in["heading"] == "高度重视，全面加强" and run_in["run_in"]
    assert items.groupby("part").size().to_dict() == {"measures": 2, "shortfalls": 3, "plans": 2}
    assert items[items["part"] == "shortfalls"]["text"].tolist() == ["学法不深", "执法不严",
                                                                     "经费不足。"]
    assert_tiles(sections, {"d": text})


def test_numbers_and_dates_opening_a_sentence_are_not_headings():
    text = ("一、工作开展情况\n2023年，我镇召开会议3次。\n12345热线受理工单100件。\n"
            "1.5万份宣传资料已发放。\n12.4宪法日开展活动。\n1、2月份开展排查。\n一、二年级开展法治课。\n"
            "统一是目标，之一是重点。")
    sections, items = one(text)
    assert sections["marker"].tolist() == ["一、"]
    # No enumeration (统一是, 之一是 are words), so each paragraph is an item.
    assert items["kind"].tolist() == ["paragraph"] * 7
    assert items["text"].tolist()[0] == "2023年，我镇召开会议3次。"


def test_yishi_inside_a_sentence_is_not_a_heading():
    text = "一、主要举措\n我镇坚持两手抓，一是抓学习，二是抓落实。\n二、存在的问题\n一是学法不深。"
    sections, items = one(text)
    assert sections["marker"].tolist() == ["一、", "二、"]
    measures = items[items["part"] == "measures"]
    assert measures["marker"].tolist() == ["一是", "二是"]
    assert measures["text"].tolist() == ["抓学习", "抓落实。"]
    # A single 一是 is no enumeration: the paragraph is the item.
    assert items[items["part"] == "shortfalls"]["kind"].tolist() == ["paragraph"]


def test_indented_top_heading_and_style_switch_and_restart():
    text = ("   一、主要举措\n（一）甲。\n（二）乙。\n（三）丙。\n4、丁。\n"
            "二、存在的问题\n1.不足甲。\n2.不足乙。\n1.不足丙。")
    sections, items = one(text)
    rows = sections.set_index("section_id")
    assert rows.loc["1", "start"] == 0 and rows.loc["1", "marker"] == "一、"
    assert rows.loc["1.4", "marker"] == "4、" and rows.loc["1.4", "flags"] == "style_switch"
    assert rows.loc["2.3", "flags"] == "numbering_restart"
    assert items.groupby("part").size().to_dict() == {"measures": 4, "shortfalls": 3}
    assert_tiles(sections, {"d": text})


def test_semicolon_list_keeps_points_with_inner_semicolons_whole():
    # 一是 already holds a semicolon of its own: semicolons are clause breaks here, so the
    # last point is not split.
    text = "二、存在的问题\n一是学法不深；形式单一；二是执法不严；程序不规范。"
    _, items = one(text)
    assert items["text"].tolist() == ["学法不深；形式单一", "执法不严；程序不规范。"]


def test_circled_and_parenthesised_arabic_enumerations():
    _, items = one("二、存在的问题\n①学法不深；②执法不严。")
    assert items["marker"].tolist() == ["①", "②"]
    sections, items = one("二、存在的问题\n（1）学法不深。（2）执法不严。（3）经费不足。")
    assert items["marker"].tolist() == ["（1）", "（2）", "（3）"]
    assert len(sections) == 1
    sections, items = one("二、存在的问题\n(一)学法不深；(二)执法不严。")
    assert items["text"].tolist() == ["学法不深", "执法不严。"] and len(sections) == 1
    # On paragraphs of their own, ① and （1） are headings.
    sections, items = one("二、存在的问题\n①学法不深\n内容。\n②执法不严\n内容。")
    assert sections["marker"].tolist() == ["二、", "①", "②"]
    assert items["heading"].tolist() == ["学法不深", "执法不严"]


def test_report_without_headings_is_one_flagged_other_section():
    text = "我镇全年开展普法活动。\n存在的问题：一是学法不深；二是执法不严；经费保障不足。"
    sections, items = one(text)
    assert len(sections) == 1
    row = sections.iloc[0]
    assert (row["part"], row["structure_status"], row["text"]) == ("other", "no_headings", text)
    assert items["text"].tolist() == ["学法不深", "执法不严", "经费保障不足。"]
    assert items["kind"].tolist() == ["inline", "inline", "unmarked"]
    coverage = lg.part_coverage(sections)
    assert coverage.set_index("part").loc["other", "structure_status"] == "no_headings"


def test_empty_report_is_kept():
    sections, items = one("")
    assert sections["structure_status"].tolist() == ["empty"]
    assert len(items) == 0


def test_headings_naming_no_part():
    sections, _ = one("一、加强领导\n内容。\n二、深化普法\n内容。")
    assert sections["part"].tolist() == ["measures", "measures"]
    assert set(sections["structure_status"]) == {"unrecognised_parts"}


def test_merged_part_split_by_inner_headings():
    text = ("一、主要工作\n做了工作。\n二、存在的问题及下一步打算\n（一）存在的问题\n"
            "1.学法不深。\n2.执法不严。\n（二）下一步打算\n1.加强学习。\n2.强化执法。\n3.保障经费。")
    sections, items = one(text)
    rows = sections.set_index("section_id")
    assert rows.loc["2", "flags"] == "merged_part"
    assert rows.loc["2", "part_evidence"] == "存在的问题 | 下一步+打算"
    assert rows.loc["2.1", "part"] == "shortfalls" and rows.loc["2.2", "part"] == "plans"
    assert rows.loc["2.2.3", "part"] == "plans"
    assert items.groupby("part").size().to_dict() == {"measures": 1, "shortfalls": 2, "plans": 3}
    coverage = lg.part_coverage(sections, items).set_index("part")
    assert coverage.loc["plans", "headings"] == "下一步打算"


def test_merged_part_split_by_restarted_numbering():
    text = ("二、存在问题和下步打算\n1.学法不深。\n2.执法不严。\n"
            "1.加强学习。\n2.强化执法。\n3.保障经费。")
    sections, items = one(text)
    assert sections["part"].tolist() == ["shortfalls", "shortfalls", "shortfalls", "plans",
                                         "plans", "plans"]
    assert items.groupby("part").size().to_dict() == {"shortfalls": 2, "plans": 3}


def test_merged_part_without_inner_headings_split_at_a_plan_opener():
    text = "二、存在的问题及下一步计划\n我镇仍存在不足：一是甲；二是乙。\n下一步，我镇将加强学习。"
    sections, items = one(text)
    pieces = sections[sections["parent_id"] == "1"]
    assert pieces["part"].tolist() == ["shortfalls", "plans"]
    assert pieces["flags"].tolist() == ["merged_split", "merged_split"]
    assert pieces["text"].tolist()[1] == "下一步，我镇将加强学习。"
    assert items["part"].tolist() == ["shortfalls", "shortfalls", "plans"]
    assert_tiles(sections, {"d": text})


def test_duty_other_and_closing_with_signature():
    text = ("一、主要举措\n内容。\n二、党政主要负责人履行推进法治建设第一责任人职责情况\n内容。\n"
            "三、其他需要报告的情况\n无。\n总之，我镇将砥砺前进。\n某某镇人民政府\n2024年3月1日")
    sections, items = one(text)
    assert top(sections, "d") == [("一、", "measures"), ("二、", "duty"), ("三、", "other"),
                                  ("", "other")]
    closing = sections.iloc[-1]
    assert closing["flags"] == "closing"
    assert closing["text"] == "总之，我镇将砥砺前进。\n某某镇人民政府\n2024年3月1日"
    assert items["text"].tolist() == ["内容。", "内容。", "无。"]


def test_rhetoric_in_the_only_paragraph_of_the_last_section_is_not_a_closing():
    sections, _ = one("一、下一步计划\n1.加强学习\n我镇将砥砺前进。")
    assert "closing" not in set(sections["flags"])


def test_future_year_heading_is_plans_with_or_without_year_column():
    text = "一、2021年工作回顾\n做了工作。\n二、2022年工作举措\n1.加强学习。"
    for columns in ({}, {"year": [2021]}):
        sections, _ = one(text, **columns)
        assert top(sections, "d") == [("一、", "measures"), ("二、", "plans")]
    # In a 2022 report the same heading reports measures.
    sections, _ = one(text, year=[2022])
    assert top(sections, "d")[1] == ("二、", "measures")


# ------------------------------------------------------------------------ user errors


def test_user_errors(tmp_path):
    with pytest.raises(ValueError, match="lacks column.*'text'"):
        lg.split_sections(pd.DataFrame({"doc_id": ["a"]}))
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        lg.split_sections(["一、主要工作"])
    with pytest.raises(ValueError, match="duplicate doc_id 'a'"):
        lg.split_sections(pd.DataFrame({"doc_id": ["a", "a"], "text": ["x", "y"]}))
    with pytest.raises(ValueError, match="does not exist"):
        lg.split_sections(pd.DataFrame({"doc_id": ["a"], "text": ["x"]}),
                          vocabulary=tmp_path / "missing.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("parts:\n  measures: [成效]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lacks .*other.*as in lawgov/resources/parts.yml"):
        lg.split_sections(pd.DataFrame({"doc_id": ["a"], "text": ["x"]}), vocabulary=broken)
    with pytest.raises(ValueError, match="sections lacks column"):
        lg.split_items(pd.DataFrame({"doc_id": ["a"], "text": ["x"]}))
    with pytest.raises(ValueError, match="sections lacks column"):
        lg.part_coverage(pd.DataFrame({"doc_id": ["a"]}))
    sections, _ = one("一、主要工作\n内容。")
    with pytest.raises(ValueError, match="layout must be 'long' or 'wide'"):
        lg.part_coverage(sections, layout="tall")


def test_custom_vocabulary(tmp_path):
    import importlib.resources

    shipped = importlib.resources.files("lawgov").joinpath("resources", "parts.yml")
    custom = tmp_path / "parts.yml"
    words = shipped.read_text("utf-8").replace("    - 短板\n", "    - 短板\n    - 弱项\n")
    custom.write_text(words, encoding="utf-8")
    reports = pd.DataFrame({"doc_id": ["a"], "text": ["一、主要成效\n内容。\n二、弱项\n内容。"]})
    # Shipped words: 弱项 names no part, so before any shortfalls part it is a work area.
    assert lg.split_sections(reports)["part"].tolist() == ["measures", "measures"]
    assert lg.split_sections(reports, vocabulary=custom)["part"].tolist() == ["measures",
                                                                              "shortfalls"]


# --------------------------------------------------------------- robustness and speed


@settings(max_examples=150, deadline=None)
@given(st.lists(
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(["一、存在的问题", "（一）甲。乙", "(二)丙", "1.丁", "4、戊",
                         "一是甲；二是乙；丙", "   二、下一步计划", "①甲②乙", "总之，砥砺前进。",
                         "某某镇人民政府"]),
    ),
    max_size=12,
))
def test_any_text_is_tiled_and_itemised(paragraphs):
    text = "\n".join(paragraphs)
    sections, items = one(text)
    assert_tiles(sections, {"d": text})
    for row in items.itertuples():
        assert text[row.start:row.end] == row.text
    coverage = lg.part_coverage(sections, items)
    assert coverage["n_chars"].sum() == len(text)
