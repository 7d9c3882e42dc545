"""Tests of resolve_year: the sample corpus (checked by hand) and one inline case per rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawgov as lg

# (year, published as read by hand from the page furniture)
EXPECTED = {"000": 2023, "001": 2025, "002": 2023, "003": 2021, "004": 2023}
PUBLISHED = {"003": "2022-03-31", "004": "2024-03-19"}


@pytest.fixture(scope="session")
def clean_samples(sample_paths) -> dict[str, str]:
    return {p.name[:3]: lg.normalize_text(p.read_text(encoding="utf-8")) for p in sample_paths}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_samples_give_the_hand_checked_year(clean_samples, key):
    r = lg.resolve_year(clean_samples[key], published=PUBLISHED.get(key))
    assert (r["year"], r["year_status"], r["year_candidates"]) == (EXPECTED[key], "resolved", [])


def test_sample_evidence(clean_samples):
    # 000 names its year only in the second sentence; the 2023 of the cited county plan
    # and the 2021-2025 of the national plan do not count.
    assert "现就2023年塘沟镇" in lg.resolve_year(clean_samples["000"])["year_evidence"]
    ev = lg.resolve_year(clean_samples["001"])["year_evidence"]
    assert "2025年，上社镇" in ev and "2026年工作思路与计划" in ev
    # 003 was published in 2022 and reports on 2021.
    ev = lg.resolve_year(clean_samples["003"], published="2022-03-31")["year_evidence"]
    assert "巴彦县洼兴镇2021年度法治政府建设情况" in ev


def test_raw_web_page_copies(sample_paths):
    raw = {p.name[:3]: p.read_text(encoding="utf-8") for p in sample_paths}
    assert lg.resolve_year(raw["003"])["year"] == 2021
    assert lg.resolve_year(raw["004"])["year"] == 2023


@pytest.mark.parametrize(
    ("text", "year", "quoted"),
    [
        ("东风路街道2023年度法治政府建设工作总结\n……", 2023, "2023年度法治政府建设工作总结"),
        ("关于2022年法治政府建设情况的报告\n……", 2022, "关于2022年"),
        (
            "县委、县政府：\n结合实际，现就2021年本镇法治政府建设工作总结如下：\n……",
            2021,
            "现就2021年",
        ),
        (
            "2025年，上社镇在县委、县政府的坚强领导下，扎实推进法治建设。\n……",
            2025,
            "2025年，上社镇",
        ),
        (
            "法治政府建设报告\n一、2024年推进法治政府建设的主要举措和成效\n……",
            2024,
            "主要举措和成效",
        ),
        ("二〇二三年度法治政府建设情况报告\n……", 2023, "2023年度"),
        ("２０２２年度法治政府建设情况报告\n……", 2022, "2022年度"),
    ],
)
def test_year_from_title_or_opening(text, year, quoted):
    r = lg.resolve_year(text)
    assert (r["year"], r["year_status"]) == (year, "resolved")
    assert quoted in r["year_evidence"]


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("法治政府建设情况\n一、主要举措\n……\n三、2026年工作思路与计划\n……", 2025),
        ("法治政府建设情况\n一、主要工作\n……\n四、2024年度推进法治政府建设的主要安排\n……", 2023),
        ("法治政府建设情况\n一、主要工作\n……\n2022年，我镇将进一步加强依法行政工作。", 2021),
    ],
)
def test_year_from_next_year_plans(text, year):
    r = lg.resolve_year(text)
    assert (r["year"], r["year_status"]) == (year, "resolved")
    assert f"→ {year}" in r["year_evidence"]


def test_year_from_publication_date_minus_one():
    r = lg.resolve_year("法治政府建设情况报告\n我镇坚持依法行政。", published="2022-03-31")
    assert (r["year"], r["year_status"]) == (2021, "resolved")
    assert "published 2022-03-31" in r["year_evidence"]


def test_year_from_date_line_or_signature_when_no_published_given():
    r = lg.resolve_year("法治政府建设情况报告\n发布日期：2024-03-19\n我镇坚持依法行政。")
    assert r["year"] == 2023 and "发布日期：2024-03-19" in r["year_evidence"]
    r = lg.resolve_year("法治政府建设情况报告\n我镇坚持依法行政。\n某某镇人民政府\n2023年1月20日")
    assert r["year"] == 2022 and "signature date" in r["year_evidence"]


def test_opening_beats_publication_date():
    r = lg.resolve_year("巴彦县洼兴镇2021年度法治政府建设情况\n……", published="2023-05-01")
    assert r["year"] == 2021


@pytest.mark.parametrize(
    "text",
    [
        # plan periods, cited plans, document numbers and full dates are not the report year
        "法治政府建设情况报告\n根据《法治政府建设实施纲要（2021-2025年）》和《某县2023年工作计划》（某政〔2023〕5号），于2023年3月8日召开会议，推进2021—2025年规划。",
        "关于落实《法治政府建设实施纲要（2021－2025年）》的情况报告\n我镇……",
    ],
)
def test_years_that_are_not_the_report_year_are_ignored(text):
    r = lg.resolve_year(text)
    assert (r["year"], r["year_status"], r["year_candidates"]) == (None, "unresolved", [])


def test_title_and_opening_in_conflict_are_left_unresolved():
    r = lg.resolve_year("2022年度法治政府建设报告\n2023年，我镇坚持依法行政。")
    assert (r["year"], r["year_status"], r["year_candidates"]) == (None, "unresolved", [2022, 2023])
    assert r["year_evidence"].startswith("conflicting years")


def test_title_and_plans_in_conflict_are_left_unresolved():
    r = lg.resolve_year("2022年度法治政府建设报告\n一、主要工作\n……\n三、2025年工作计划\n……")
    assert (r["year_status"], r["year_candidates"]) == ("unresolved", [2022, 2024])


def test_plan_target_year_inside_a_sentence_is_not_a_plan_heading():
    r = lg.resolve_year(
        "2023年度法治政府建设报告\n……\n三、下一步计划\n到2025年，我镇将基本建成法治政府。"
    )
    assert (r["year"], r["year_status"]) == (2023, "resolved")


def test_title_argument_is_read():
    assert (
        lg.resolve_year("我镇坚持依法行政。", title="关于2023年法治政府建设情况的报告")["year"]
        == 2023
    )


def test_nothing_to_go_on():
    r = lg.resolve_year("我镇坚持依法行政。")
    assert (r["year"], r["year_status"], r["year_candidates"]) == (None, "unresolved", [])


def test_bad_published_value_names_the_fix():
    with pytest.raises(ValueError, match="published='March' holds no year"):
        lg.resolve_year("报告", published="March")


def test_text_must_be_str():
    with pytest.raises(TypeError, match="text must be a str"):
        lg.resolve_year(b"2023")


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("2023年度〇二一（）《》-—〔〕\n，。现就将计划安排成效报告一、"),
        max_size=60,
    )
)
def test_never_crashes_on_year_like_noise(text):
    r = lg.resolve_year(text)
    assert r["year_status"] in ("resolved", "unresolved")
    assert (r["year"] is not None) == (r["year_status"] == "resolved")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_never_crashes_on_arbitrary_unicode(text):
    assert lg.resolve_year(text)["year_status"] in ("resolved", "unresolved")
