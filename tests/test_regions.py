"""Tests of resolve_region: the sample corpus (checked by hand) and small inline reports.

Expected chains and codes were read by hand from the national division table in jionlp
(dictionary/china_location.zip), e.g. ``grep -P '^\\t\\t\\t赵庄镇' china_location.txt``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawgov as lg
from lawgov.regions import _load_gazetteer

EXPECTED = {
    "000": ("江苏省", "宿迁市", "沭阳县", "塘沟镇", "township"),
    "001": ("山西省", "阳泉市", "盂县", "上社镇", "township"),
    "002": ("河南省", "平顶山市", "宝丰县", "赵庄镇", "township"),
    "003": ("黑龙江省", "哈尔滨市", "巴彦县", "洼兴镇", "township"),
    "004": ("湖北省", "黄石市", "大冶市", "东风路街道", "subdistrict"),
}

ZHAOZHUANG = [
    "安徽省/宿州市/萧县/赵庄镇",
    "江苏省/徐州市/丰县/赵庄镇",
    "河北省/保定市/望都县/赵庄镇",
    "河南省/平顶山市/宝丰县/赵庄镇",
    "陕西省/渭南市/澄城县/赵庄镇",
]


@pytest.fixture(scope="session")
def clean_samples(sample_paths) -> dict[str, str]:
    return {p.name[:3]: lg.normalize_text(p.read_text(encoding="utf-8")) for p in sample_paths}


@pytest.fixture(scope="session")
def sample_regions(clean_samples) -> dict[str, dict]:
    return {key: lg.resolve_region(text) for key, text in clean_samples.items()}


# Statistical division codes (GB/T 2260) of the samples' counties, looked up by hand.
COUNTY_CODES = {"000": "321322", "001": "140322", "002": "410421", "003": "230126",
                "004": "420281"}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_samples_resolve_to_the_hand_checked_chain(sample_regions, key):
    r = sample_regions[key]
    assert (r["province"], r["city"], r["county"], r["unit"], r["unit_level"]) == EXPECTED[key]
    assert r["region_status"] == "resolved"
    assert r["region_candidates"] == []
    # The table ships no township codes: a township carries its county's code.
    assert r["admin_code"] == COUNTY_CODES[key]
    assert r["admin_code_level"] == "county"


def test_sample_evidence_quotes_what_decided(sample_regions):
    # 000 names its county only in the title of the county plan it cites.
    assert "《沭阳县2023年法治政府建设工作计划》" in sample_regions["000"]["region_evidence"]
    # 001 never names its county: the table alone decides, and the evidence says so.
    assert (
        "only township of that name in the national division table"
        in (sample_regions["001"]["region_evidence"])
    )
    assert "宝丰县赵庄镇" in sample_regions["002"]["region_evidence"]
    assert "巴彦县洼兴镇" in sample_regions["003"]["region_evidence"]
    # 东风路街道 exists in 9 places; 004 cites the plan of 大冶市, which settles it.
    assert "《大冶市法治政府建设实施方案（2021-2025）》" in sample_regions["004"]["region_evidence"]


def test_raw_text_with_page_furniture_resolves_too(sample_paths):
    raw = {p.name[:3]: p.read_text(encoding="utf-8") for p in sample_paths}
    for key in ("002", "003", "004"):
        r = lg.resolve_region(raw[key])
        assert (r["province"], r["city"], r["county"], r["unit"], r["unit_level"]) == EXPECTED[key]


def test_shared_township_name_alone_is_ambiguous():
    r = lg.resolve_region("赵庄镇2023年法治政府建设年度报告\n2023年，我镇坚持依法行政。")
    assert r["region_status"] == "ambiguous"
    assert r["region_candidates"] == ZHAOZHUANG
    assert r["unit"] == "赵庄镇" and r["unit_level"] == "township"
    assert (r["province"], r["city"], r["county"], r["admin_code"]) == (None, None, None, None)
    assert "names none of their counties" in r["region_evidence"]


def test_shared_township_name_with_its_county_named_resolves():
    r = lg.resolve_region(
        "赵庄镇2023年法治政府建设年度报告\n2023年，在宝丰县委、县政府的领导下，我镇坚持依法行政。"
    )
    assert r["region_status"] == "resolved"
    assert (r["province"], r["city"], r["county"], r["unit"]) == (
        "河南省",
        "平顶山市",
        "宝丰县",
        "赵庄镇",
    )
    assert "宝丰县委" in r["region_evidence"]


def test_province_named_narrows_to_the_one_candidate_in_it():
    # Of the five 赵庄镇, only one lies in 河南省.
    r = lg.resolve_region("赵庄镇2023年法治政府建设年度报告\n我镇认真落实河南省法治政府建设要求。")
    assert (r["region_status"], r["county"]) == ("resolved", "宝丰县")


def test_short_county_name_written_before_the_township_corroborates():
    r = lg.resolve_region("宝丰赵庄镇2023年法治政府建设年度报告\n我镇坚持依法行政。")
    assert (r["region_status"], r["county"]) == ("resolved", "宝丰县")


def test_shared_subdistrict_name_alone_is_ambiguous_with_all_nine():
    r = lg.resolve_region("东风路街道2023年法治政府建设年度报告\n我街道坚持依法行政。")
    assert r["region_status"] == "ambiguous"
    assert r["unit_level"] == "subdistrict"
    assert len(r["region_candidates"]) == 9
    assert "湖北省/黄石市/大冶市/东风路街道" in r["region_candidates"]
    assert "河南省/郑州市/金水区/东风路街道" in r["region_candidates"]


def test_county_level_report():
    r = lg.resolve_region(
        "沭阳县人民政府关于2022年法治政府建设情况的报告\n2022年，我县深入推进依法行政，全县各乡镇……"
    )
    assert r == {
        "unit": "沭阳县",
        "unit_level": "county",
        "province": "江苏省",
        "city": "宿迁市",
        "county": "沭阳县",
        "admin_code": "321322",
        "admin_code_level": "county",
        "region_status": "resolved",
        "region_candidates": [],
        "region_evidence": r["region_evidence"],
    }
    assert "only county of that name" in r["region_evidence"]


def test_city_level_report_is_not_taken_over_by_a_county_it_mentions():
    r = lg.resolve_region(
        "黄石市2022年法治政府建设年度报告\n2022年，我市坚持依法行政，大冶市、阳新县……"
    )
    assert (r["unit"], r["unit_level"], r["province"], r["city"], r["county"]) == (
        "黄石市",
        "prefecture",
        "湖北省",
        "黄石市",
        None,
    )
    assert r["admin_code"] == "420200"


def test_municipal_district_and_its_namesake():
    r = lg.resolve_region("北京市朝阳区2023年法治政府建设情况报告\n我区坚持依法行政。")
    assert (r["province"], r["city"], r["county"], r["admin_code"]) == (
        "北京市",
        "北京市",
        "朝阳区",
        "110105",
    )
    r = lg.resolve_region("朝阳区2023年法治政府建设情况报告\n我区坚持依法行政。")
    assert r["region_status"] == "ambiguous"
    assert r["region_candidates"] == ["北京市/朝阳区", "吉林省/长春市/朝阳区"]


def test_report_naming_no_place_is_unresolved():
    r = lg.resolve_region("关于2023年法治政府建设情况的报告\n2023年，我镇坚持依法行政。")
    assert r["region_status"] == "unresolved"
    assert r["unit"] is None and r["region_candidates"] == []


@pytest.mark.parametrize(
    "text",
    [
        "社区",
        "辖区",
        "高新区",
        "城区",
        "园区",
        "城市",
        "超市",
        "全县",
        "本镇",
        "全镇",
        "乡镇",
        "村镇",
        "社区、辖区、高新区工作扎实",
        "完成县级任务，振兴县域经济",
        "各区和县直部门",
    ],
)
def test_everyday_words_ending_like_division_names_do_not_resolve(text):
    assert lg.resolve_region(text)["region_status"] == "unresolved"


def test_township_speaking_report_without_its_name_is_unresolved():
    r = lg.resolve_region("法治政府建设年度报告\n在县委、县政府领导下，我镇坚持依法行政。沭阳县……")
    assert r["region_status"] == "unresolved"
    assert "names no division of that level" in r["region_evidence"]


def test_unique_township_placed_under_another_county_is_not_forced():
    r = lg.resolve_region("宝丰县上社镇2023年法治政府建设年度报告\n我镇坚持依法行政。")
    assert r["region_status"] == "ambiguous"
    assert r["region_candidates"] == ["山西省/阳泉市/盂县/上社镇"]
    assert "宝丰县" in r["region_evidence"]


def test_title_argument_is_searched():
    r = lg.resolve_region("我镇坚持依法行政。", title="宝丰县赵庄镇2023年法治政府建设情况")
    assert (r["region_status"], r["unit"], r["county"]) == ("resolved", "赵庄镇", "宝丰县")


def test_own_gazetteer_file(tmp_path):
    table = tmp_path / "divisions.txt"
    table.write_text(
        "测试省\t990000\t测试\n\t甲市\t990100\t甲\n\t\t乙县\t990101\t乙\n\t\t\t丙丁镇\n\t\t\t\t某村\n",
        encoding="utf-8",
    )
    r = lg.resolve_region("丙丁镇法治政府建设报告\n我镇……", gazetteer=table)
    assert (r["province"], r["city"], r["county"], r["unit"]) == (
        "测试省",
        "甲市",
        "乙县",
        "丙丁镇",
    )
    assert "only township of that name" in r["region_evidence"]


def test_missing_gazetteer_file_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"gazetteer file .*nope\.txt.* does not exist"):
        lg.resolve_region("赵庄镇", gazetteer=tmp_path / "nope.txt")


def test_gazetteer_archive_must_hold_one_table(tmp_path):
    import zipfile

    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "x")
        z.writestr("b.txt", "y")
    with pytest.raises(ValueError, match="exactly one .txt"):
        lg.resolve_region("赵庄镇", gazetteer=archive)


def test_text_must_be_str():
    with pytest.raises(TypeError, match="text must be a str"):
        lg.resolve_region(None)


def test_gazetteer_is_loaded_once_and_complete():
    gaz = _load_gazetteer()
    assert _load_gazetteer() is gaz
    assert len(gaz.by_name["上社镇"]) == 1
    assert len(gaz.by_name["赵庄镇"]) == 5
    assert "台北市" not in gaz.by_name


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("省市区县镇乡街道宝丰赵庄东风路大冶《》\n，。我全社12"),
        max_size=60,
    )
)
def test_never_crashes_on_division_like_noise(text):
    r = lg.resolve_region(text)
    assert r["region_status"] in ("resolved", "ambiguous", "unresolved")
    assert (r["region_status"] == "resolved") == (
        r["region_candidates"] == [] and r["unit"] is not None
    )


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_never_crashes_on_arbitrary_unicode(text):
    assert lg.resolve_region(text)["region_status"] in ("resolved", "ambiguous", "unresolved")


def test_town_directly_under_a_prefecture_carries_the_prefecture_code():
    # 东莞市 has no counties: its towns sit directly under it (code 441900, GB/T 2260).
    r = lg.resolve_region("东莞市虎门镇2022年法治政府建设年度报告\n2022年，我镇深入推进依法行政。")
    assert (r["unit"], r["city"], r["county"]) == ("虎门镇", "东莞市", None)
    assert (r["admin_code"], r["admin_code_level"]) == ("441900", "prefecture")


def test_mentions_found_by_two_character_endings_equal_those_by_last_character():
    # The index by the names' last two characters only skips ends that no name has; a
    # table with a one-character name falls back to the last character. Both find the same.
    import dataclasses
    from collections import defaultdict

    from lawgov import regions

    gaz = regions._load_gazetteer(None)
    assert gaz.suffix == 2
    lengths = defaultdict(set)
    for name in gaz.by_name:
        lengths[name[-1]].add(len(name))
    by_last = dataclasses.replace(
        gaz, suffix=1,
        lengths_by_suffix={k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()})
    names = []
    for path in lg.sample_paths():
        text = lg.normalize_text(path.read_text(encoding="utf-8"))
        found = regions._find_mentions(text, gaz, 200)
        assert found == regions._find_mentions(text, by_last, 200)
        names.append([m.name for m in found])
    # Read off the samples (positions found with str.find): 沭阳县 at 47 and 410, 塘沟镇 at
    # 129; 巴彦县 0 and 42, 洼兴镇 3 and 45, 黑龙江省 27; 东风路街道 0 and 1673, 大冶市 500.
    assert names[0] == ["沭阳县", "塘沟镇", "沭阳县"]
    assert names[3] == ["巴彦县", "洼兴镇", "黑龙江省", "巴彦县", "洼兴镇"]
    assert names[4] == ["东风路街道", "大冶市", "东风路街道"]


def test_own_gazetteer_with_bom_crlf_villages_and_no_final_newline(tmp_path):
    # Saved by a Windows editor: byte-order mark, CRLF, villages (four tabs) skipped, and
    # the last line without a line break still read.
    table = tmp_path / "divisions.txt"
    rows = ["测试省\t990000\t测试", "\t甲市\t990100\t甲", "\t\t乙县\t990101\t乙",
            "\t\t\t丙丁镇", "\t\t\t\t某村", "\t\t\t\t\t某组", "\t\t丁县\t990102\t丁",
            "\t\t\t戊己乡"]
    table.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode("utf-8"))
    from lawgov import regions

    assert list(regions._table_lines(table)) == [r for r in rows if not r.startswith("\t" * 4)]
    r = lg.resolve_region("戊己乡法治政府建设报告\n我乡……", gazetteer=table)
    chain = (r["province"], r["city"], r["county"], r["unit"])
    assert chain == ("测试省", "甲市", "丁县", "戊己乡")
