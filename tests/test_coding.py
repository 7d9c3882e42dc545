"""Tests of lawgov.coding: codebook validation, the rule types, the comparison tables, and
agreement of the coder with the hand coding of the sample reports' shortfall items."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import lawgov as lg
from lawgov.coding import load_codebook

GOLD = Path(__file__).parent / "gold" / "shortfalls_gold.csv"

SMALL_CODEBOOK = """\
shortfall_cues: [存在, 不足]
practices:
  调解与热线:
    description: 调解与热线 / mediation and hotline
    categories:
      人民调解:
        description: 人民调解 / people's mediation
        terms: [人民调解, 调解员]
      热线:
        description: 热线 / hotline
        patterns: ['\\d{5}热线']
        exclude: ['停用']
shortfalls:
  保障:
    description: 保障 / resources
    categories:
      经费不足:
        description: 经费不足 / lack of funds
        all_of:
          - [[经费, 资金], [不足, 紧张]]
          - [[财力], [有限]]
      普法单一:
        description: 普法形式单一 / formulaic publicity
        all_of: [[普法, 宣传], [单一, 不够丰富]]
"""


def write(tmp_path: Path, text: str, name: str = "codebook.yml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture()
def small(tmp_path):
    return load_codebook(write(tmp_path, SMALL_CODEBOOK))


def units(*rows):
    """A small items table from (unit_id, part, text) tuples, all of report d1."""
    return pd.DataFrame(
        [{"doc_id": "d1", "unit_id": u, "part": p, "text": t} for u, p, t in rows]
    )


# --------------------------------------------------------------------------------------
# The shipped codebook


def test_shipped_codebook_covers_the_plan_and_the_themes():
    book = load_codebook()
    table = book.to_frame()
    practices = table[table["branch"] == "practices"]
    shortfalls = table[table["branch"] == "shortfalls"]
    assert practices["area"].nunique() == 9
    assert len(practices) >= 40
    assert len(shortfalls) >= 12
    assert len(table) == len(book) == table["category"].nunique()
    assert table["description"].str.len().gt(0).all()
    assert table["n_rules"].gt(0).all()
    for expected in ["三项制度", "持证上岗", "综合行政执法", "执法监督", "人民调解", "枫桥经验",
                     "信访", "行政复议", "公共法律服务", "八五普法", "谁执法谁普法", "宪法宣传",
                     "民法典宣传", "法律明白人", "法治副校长", "决策合法性审查", "法律顾问",
                     "集体讨论决定", "公众参与", "风险评估", "重大行政决策目录"]:
        assert expected in set(practices["category"]), expected


def test_shipped_codebook_is_cached_and_same_object():
    assert load_codebook() is load_codebook()


def test_shipped_codebook_header_names_its_sources():
    from importlib import resources

    head = (resources.files("lawgov") / "resources" / "codebook.yml").read_text("utf-8")[:2000]
    assert head.startswith("#")
    for source in ["法治政府建设实施纲要", "法治政府建设与责任落实督察工作规定", "八五"]:
        assert source in head


# --------------------------------------------------------------------------------------
# Validation errors


def test_small_codebook_parses(small):
    assert small.categories == ["人民调解", "热线", "经费不足", "普法单一"]
    assert small.shortfall_cues == ("存在", "不足")
    by_name = {e.category: e for e in small.entries}
    # The one-rule shorthand and the list of rules give the same structure.
    assert by_name["普法单一"].all_of == ((("普法", "宣传"), ("单一", "不够丰富")),)
    assert by_name["经费不足"].all_of == (
        (("经费", "资金"), ("不足", "紧张")), (("财力",), ("有限",)),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("""\
         practices:
           A:
             categories:
               c1: {description: d, term: [x]}
         """, r"codebook\.yml: practices → A → c1: unknown key\(s\) \['term'\]"),
        ("""\
         practises:
           A: {categories: {c1: {description: d, terms: [x]}}}
         """, r"unknown top-level key\(s\) \['practises'\]"),
        ("""\
         practices:
           A:
             colour: red
             categories: {c1: {description: d, terms: [x]}}
         """, r"practices → A: unknown key\(s\) \['colour'\]"),
        ("""\
         practices:
           A:
             categories:
               c1:
         """, r"practices → A → c1: empty category"),
        ("""\
         practices:
           A:
             categories:
               c1: {description: d, terms: []}
         """, r"practices → A → c1: empty category"),
        ("""\
         practices:
           A: {description: d, categories: {}}
         """, r"practices → A: 'categories' must be a non-empty mapping"),
        ("""\
         shortfalls:
           A:
             categories:
               c1: {description: d, patterns: ['(不足']}
         """, r"shortfalls → A → c1: invalid regular expression in 'patterns': '\(不足'"),
        ("""\
         shortfalls:
           A:
             categories:
               c1: {description: d, terms: [x], exclude: ['[a-']}
         """, r"c1: invalid regular expression in 'exclude'"),
        ("""\
         practices:
           A:
             categories:
               c1: {description: d, terms: 热线}
         """, r"c1: 'terms' must be a list of strings"),
        ("""\
         practices:
           A:
             categories:
               c1: {description: d, terms: [12345]}
         """, r"c1: 'terms' holds 12345 of type int.*quote numbers"),
        ("""\
         practices:
           A:
             categories:
               c1: {terms: [x]}
         """, r"c1: 'description' .* is missing"),
        ("""\
         practices:
           A:
             categories:
               c1: {description: d, all_of: [[普法, 宣传]]}
         """, r"c1: all_of rule 1 must be a list of at least two word lists"),
        ("""\
         practices:
           A:
             categories:
               c1: {description: d, all_of: [[[普法], 宣传]]}
         """, r"c1: all_of rule 1 holds '宣传'; each element must be a non-empty list"),
        ("""\
         practices:
           A:
             categories:
               c1: {description: d, terms: [x]}
           B:
             categories:
               c1: {description: d, terms: [y]}
         """, r"practices → B → c1: duplicate category name \(already defined at "
             r"practices → A → c1\)"),
        ("""\
         practices:
           A:
             categories:
               c1: {description: d, terms: [x]}
               c1: {description: d, terms: [y]}
         """, r"line 5: key 'c1' appears twice in the same mapping \(first at line 4\)"),
        ("""\
         practices: [a, b
         """, r"codebook\.yml: not valid YAML"),
        ("""\
         shortfall_cues: [存在]
         """, r"neither a 'practices' nor a 'shortfalls' branch"),
        ("""\
         shortfall_cues: 存在
         practices:
           A: {categories: {c1: {description: d, terms: [x]}}}
         """, r"'shortfall_cues' must be a list of strings"),
    ],
)
def test_codebook_validation_errors(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=message):
        load_codebook(path)


def test_codebook_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="codebook file not found: .*nope.yml"):
        load_codebook(tmp_path / "nope.yml")


def test_codebook_wrong_argument_type():
    with pytest.raises(TypeError, match="codebook must be a Codebook, a path"):
        lg.code_units(units(("u", "measures", "人民调解。")), codebook=3)


# --------------------------------------------------------------------------------------
# Rule types and coding


def test_terms_rule_reports_every_term_of_the_sentence(small):
    codes = lg.code_units(units(("u1", "measures", "开展人民调解，选聘调解员10名。")), small)
    assert codes[["category", "matched", "evidence"]].values.tolist() == [
        ["人民调解", "人民调解, 调解员", "开展人民调解，选聘调解员10名。"],
    ]
    assert codes.loc[0, "branch"] == "practices"
    assert codes.loc[0, "area"] == "调解与热线"
    assert pd.isna(codes.loc[0, "context"])


def test_regex_rule_and_exclude(small):
    text = "开通12345热线。1234热线不算。12345热线已停用。"
    codes = lg.code_units(units(("u1", "measures", text)), small)
    # The second sentence has four digits only; the third is excluded by '停用'.
    assert codes[["category", "matched", "start", "end"]].values.tolist() == [
        ["热线", "12345热线", 0, 10],
    ]


def test_all_of_needs_one_word_of_each_list_in_the_same_sentence(small):
    text = "经费紧张。经费有保障，工作不足。资金有保障。\n人员不足；资金不足。财力有限。"
    codes = lg.code_units(units(("u1", "shortfalls", text)), small)
    # Sentences: 经费紧张。(0-5) 经费有保障，工作不足。(5-16: 经费 + 不足, fires)
    # 资金有保障。(16-22: no deficiency word) 人员不足；(23-28: no subject)
    # 资金不足。(28-33) 财力有限。(33-38: second rule)
    assert codes[["category", "matched", "start", "end"]].values.tolist() == [
        ["经费不足", "经费+紧张", 0, 5],
        ["经费不足", "经费+不足", 5, 16],
        ["经费不足", "资金+不足", 28, 33],
        ["经费不足", "财力+有限", 33, 38],
    ]
    for row in codes.itertuples():
        assert text[row.start:row.end] == row.evidence


def test_all_of_does_not_reach_across_sentences(small):
    codes = lg.code_units(units(("u1", "shortfalls", "普法活动很多。形式单一。")), small)
    assert codes.empty


def test_shortfall_themes_are_flagged_by_context(small):
    table = units(
        ("u1", "shortfalls", "普法形式单一。"),
        ("u2", "measures", "普法形式单一。但仍存在经费不足。经费紧张。"),
        ("u3", "plans", "宣传形式单一的问题要解决。"),
    )
    codes = lg.code_units(table, small)
    assert codes[["unit_id", "category", "context", "in_shortfall_part"]].values.tolist() == [
        ["u1", "普法单一", "shortfalls_part", True],
        # Outside the shortfalls part only sentences holding a cue (存在, 不足) count:
        # "普法形式单一。" and "经费紧张。" of u2 and the sentence of u3 hold none.
        ["u2", "经费不足", "cue_elsewhere", False],
    ]
    assert codes["part"].tolist() == ["shortfalls", "measures"]


def test_reports_table_without_part_uses_cues_only(small):
    reports = pd.DataFrame({"doc_id": ["r1"], "text": ["推进人民调解。经费紧张。仍存在经费不足。"]})
    codes = lg.code_units(reports, small)
    assert codes[["unit_id", "category", "context"]].fillna("-").values.tolist() == [
        ["r1", "人民调解", "-"],
        ["r1", "经费不足", "cue_elsewhere"],
    ]
    assert codes["part"].isna().all()
    assert not codes["in_shortfall_part"].any()


def test_part_and_branch_filters(small):
    table = units(
        ("u1", "shortfalls", "人民调解力量不足，经费紧张。"), ("u2", "measures", "人民调解。")
    )
    assert lg.code_units(table, small, part="measures")["unit_id"].tolist() == ["u2"]
    assert lg.code_units(table, small, part=["shortfalls"])["category"].tolist() == [
        "人民调解", "经费不足",
    ]
    assert lg.code_units(table, small, branch="shortfalls")["category"].tolist() == ["经费不足"]


def test_code_units_errors(small):
    with pytest.raises(ValueError, match="units needs a 'text' column"):
        lg.code_units(pd.DataFrame({"doc_id": ["a"]}), small)
    with pytest.raises(ValueError, match="part= filters by the 'part' column"):
        lg.code_units(pd.DataFrame({"doc_id": ["a"], "text": ["x"]}), small, part="measures")
    with pytest.raises(ValueError, match="branch must be one of practices, shortfalls"):
        lg.code_units(units(("u", "measures", "x")), small, branch="practice")


def test_code_units_empty_result_has_the_columns(small):
    codes = lg.code_units(units(("u", "measures", "无关内容。")), small)
    assert codes.empty
    assert list(codes.columns) == [
        "doc_id", "unit_id", "part", "branch", "area", "category", "matched", "evidence",
        "start", "end", "in_shortfall_part", "context",
    ]


def test_sentences_end_at_semicolons_colons_and_line_breaks(small):
    text = "存在问题：经费\n不足；宣传；单一"
    codes = lg.code_units(units(("u1", "shortfalls", text)), small)
    assert codes.empty


def test_shipped_codebook_on_typical_shortfall_phrases():
    table = units(
        ("u1", "shortfalls", "个别单位对法治工作重视程度不够。"),
        ("u2", "shortfalls", "普法形式单一，针对性不强。"),
        ("u3", "shortfalls", "专业人员不足，人员流动性大。"),
        ("u4", "shortfalls", "经费保障不足。"),
        ("u5", "shortfalls", "依法决策机制不健全。"),
        ("u6", "shortfalls", "数字技术运用不足。"),
        ("u7", "measures", "全面落实行政执法“三项制度”，执法人员持证上岗率达100%。"),
    )
    codes = lg.code_units(table)
    got = codes.groupby("unit_id")["category"].apply(list).to_dict()
    assert got == {
        "u1": ["重视与意识不足"],
        "u2": ["普法实效不足"],
        "u3": ["人员力量不足"],
        "u4": ["经费保障不足"],
        "u5": ["决策程序不健全"],
        "u6": ["数字技术运用不足"],
        "u7": ["三项制度", "持证上岗"],
    }


# --------------------------------------------------------------------------------------
# Comparison tables, on inline data with hand-computed expectations


@pytest.fixture()
def groups_reports():
    return pd.DataFrame({
        "doc_id": ["a", "b", "c", "d", "e"],
        "province": ["河南省", "河南省", "湖北省", None, "江苏省"],
        "n_chars": [4000, 6000, 5000, 1000, 2000],
    })


@pytest.fixture()
def practice_codes():
    rows = [
        ("a", "practices", "纠纷", "信访", "measures", None),
        ("a", "practices", "纠纷", "信访", "measures", None),
        ("a", "practices", "纠纷", "人民调解", "plans", None),
        ("b", "practices", "纠纷", "信访", "measures", None),
        ("c", "practices", "纠纷", "人民调解", "measures", None),
        ("c", "shortfalls", "保障", "经费保障不足", "shortfalls", "shortfalls_part"),
        ("c", "shortfalls", "保障", "经费保障不足", "measures", "cue_elsewhere"),
        ("d", "practices", "纠纷", "信访", "measures", None),
    ]
    return pd.DataFrame(rows, columns=["doc_id", "branch", "area", "category", "part", "context"])


def test_code_matrix_counts_rates_and_binary(practice_codes, groups_reports):
    # Groups sort by code point: 江 (U+6C5F) < 河 (U+6CB3) < 湖 (U+6E56). Report d has no
    # province and is left out; 江苏省 has a report but no codes and stays as a zero row.
    count = lg.code_matrix(practice_codes, groups_reports)
    assert count.index.tolist() == ["江苏省", "河南省", "湖北省"]
    assert count.index.name == "province"
    assert count.columns.tolist() == ["信访", "人民调解", "经费保障不足"]
    assert count.values.tolist() == [[0, 0, 0], [3, 1, 0], [0, 1, 1]]

    # 河南省: 4000 + 6000 = 10,000 characters; 湖北省 5000; 江苏省 2000.
    rate = lg.code_matrix(practice_codes, groups_reports, normalize="per10k")
    assert rate.values.tolist() == [[0.0, 0.0, 0.0], [3.0, 1.0, 0.0], [0.0, 2.0, 2.0]]

    binary = lg.code_matrix(practice_codes, groups_reports, normalize="binary")
    assert binary.values.tolist() == [[0, 0, 0], [1, 1, 0], [0, 1, 1]]

    with_cues = lg.code_matrix(practice_codes, groups_reports, cue_elsewhere=True)
    assert with_cues.loc["湖北省", "经费保障不足"] == 2

    measures = lg.code_matrix(practice_codes, groups_reports, branch="practices", part="measures")
    assert measures.columns.tolist() == ["信访", "人民调解"]
    assert measures.values.tolist() == [[0, 0], [3, 0], [0, 1]]


def test_code_matrix_follows_codebook_order(practice_codes, groups_reports, small):
    codes = practice_codes.replace({"信访": "热线"})
    table = lg.code_matrix(codes, groups_reports, branch="practices", codebook=small)
    assert table.columns.tolist() == ["人民调解", "热线"]
    assert table.values.tolist() == [[0, 0], [1, 3], [1, 0]]


def test_code_matrix_by_report(practice_codes, groups_reports):
    table = lg.code_matrix(practice_codes, groups_reports, by="doc_id", branch="practices")
    assert table.index.tolist() == ["a", "b", "c", "d", "e"]
    assert table.values.tolist() == [[2, 1], [1, 0], [0, 1], [1, 0], [0, 0]]


def test_code_matrix_errors(practice_codes, groups_reports):
    with pytest.raises(ValueError, match="normalize must be one of count, per10k, binary"):
        lg.code_matrix(practice_codes, groups_reports, normalize="share")
    with pytest.raises(ValueError, match="by='region' is not a column of reports"):
        lg.code_matrix(practice_codes, groups_reports, by="region")
    with pytest.raises(ValueError, match="normalize='per10k' needs the length"):
        lg.code_matrix(practice_codes, groups_reports.drop(columns="n_chars"), normalize="per10k")
    with pytest.raises(ValueError, match=r"codes lacks column\(s\) \['category'\]"):
        lg.code_matrix(practice_codes.drop(columns="category"), groups_reports)


def test_common_practices(practice_codes, groups_reports):
    # Three groups (d has no province). 人民调解: 河南省 and 湖北省 = 2/3; 信访: 河南省 = 1/3.
    table = lg.common_practices(practice_codes, groups_reports, min_share=0.6)
    assert table.to_dict("records") == [{
        "area": "纠纷", "category": "人民调解", "n_groups": 2, "n_total": 3,
        "share": pytest.approx(2 / 3), "groups": ["河南省", "湖北省"],
    }]
    wide = lg.common_practices(practice_codes, groups_reports, min_share=0.3)
    assert wide["category"].tolist() == ["人民调解", "信访"]
    assert wide["n_groups"].tolist() == [2, 1]
    assert lg.common_practices(practice_codes, groups_reports, min_share=1.0).empty
    # In the measures part only, 人民调解 is left with 湖北省 (河南省's is in the plans).
    measures = lg.common_practices(practice_codes, groups_reports, min_share=0.3, part="measures")
    assert measures[["category", "n_groups"]].values.tolist() == [["信访", 1], ["人民调解", 1]]
    with pytest.raises(ValueError, match=r"min_share must be in \(0, 1\]"):
        lg.common_practices(practice_codes, groups_reports, min_share=0)


@pytest.fixture()
def shortfall_codes():
    rows = [
        ("c", "c:i9", "cue_elsewhere", "经费保障不足", "但仍存在经费不足问题。"),
        ("c", "c:i1", "shortfalls_part", "经费保障不足", "经费保障不足。"),
        ("a", "a:i1", "shortfalls_part", "经费保障不足", "资金紧张。"),
        ("b", "b:i1", "shortfalls_part", "经费保障不足", "经费有限。"),
        ("a", "a:i2", "shortfalls_part", "发展不平衡", "发展不平衡。"),
        ("e", "e:i5", "cue_elsewhere", "发展不平衡", "仍存在发展不平衡。"),
        ("a", "a:i3", None, "信访", "信访工作有短板。"),
    ]
    codes = pd.DataFrame(rows, columns=["doc_id", "unit_id", "context", "category", "evidence"])
    codes["branch"] = ["shortfalls"] * 6 + ["practices"]
    codes["area"] = ["保障"] * 6 + ["纠纷"]
    codes["matched"] = "x"
    return codes


def test_recurring_shortfalls(shortfall_codes, groups_reports):
    table = lg.recurring_shortfalls(shortfall_codes, groups_reports)
    # 经费保障不足 occurs in 河南省 (a, b) and 湖北省 (c); 发展不平衡 only in 河南省 once the
    # cue sentence of 江苏省 is left out. One quote per group: the first in codes order,
    # sentences of the shortfalls part first.
    columns = ["category", "n_groups", "n_total", "group", "unit_id", "quote"]
    assert table[columns].values.tolist() == [
        ["经费保障不足", 2, 3, "河南省", "a:i1", "资金紧张。"],
        ["经费保障不足", 2, 3, "湖北省", "c:i1", "经费保障不足。"],
    ]
    with_cues = lg.recurring_shortfalls(shortfall_codes, groups_reports, cue_elsewhere=True)
    assert with_cues[["category", "group", "quote"]].values.tolist() == [
        ["经费保障不足", "河南省", "资金紧张。"],
        ["经费保障不足", "湖北省", "经费保障不足。"],
        ["发展不平衡", "江苏省", "仍存在发展不平衡。"],
        ["发展不平衡", "河南省", "发展不平衡。"],
    ]
    assert lg.recurring_shortfalls(shortfall_codes, groups_reports, min_groups=3).empty
    one = lg.recurring_shortfalls(shortfall_codes, groups_reports, min_groups=1)
    assert one["category"].tolist() == ["经费保障不足", "经费保障不足", "发展不平衡"]
    with pytest.raises(ValueError, match="min_groups must be a positive integer"):
        lg.recurring_shortfalls(shortfall_codes, groups_reports, min_groups=0)


# --------------------------------------------------------------------------------------
# Agreement with the hand coding


def cohen_kappa(a, b) -> float:
    """Cohen's kappa of two equally long label sequences."""
    a, b = list(a), list(b)
    if len(a) != len(b) or not a:
        raise ValueError("two non-empty sequences of equal length are needed")
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    labels = set(a) | set(b)
    expected = sum((a.count(k) / n) * (b.count(k) / n) for k in labels)
    if expected == 1:
        return 1.0 if observed == 1 else 0.0
    return (observed - expected) / (1 - expected)


def test_cohen_kappa_known_answers():
    # 50 items: both yes 20, first only 5, second only 10, both no 15.
    # p_o = 35/50 = 0.7; p_e = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.2/0.5 = 0.4.
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    # Perfect disagreement on a balanced pair: p_o = 0, p_e = 0.5, kappa = -1.
    assert cohen_kappa([1, 0], [0, 1]) == pytest.approx(-1.0)
    assert cohen_kappa([0, 0, 1], [0, 0, 1]) == pytest.approx(1.0)
    # Three labels (x, y, z: 2, 2, 2 and 3, 3, 0): p_o = 4/6;
    # p_e = (2/6)(3/6) + (2/6)(3/6) + (2/6)(0/6) = 12/36 = 1/3;
    # kappa = (2/3 - 1/3) / (2/3) = 0.5.
    assert cohen_kappa("xxyyzz", "xxyyxy") == pytest.approx(0.5)


def read_gold() -> pd.DataFrame:
    gold = pd.read_csv(GOLD, comment="#", dtype=str, keep_default_na=False)
    gold["themes"] = gold["themes"].map(lambda s: frozenset(t for t in s.split(";") if t))
    return gold


def test_gold_file_is_well_formed():
    gold = read_gold()
    themes = set(load_codebook().to_frame().query("branch == 'shortfalls'")["category"])
    assert gold.groupby("report").size().to_dict() == {
        "000": 3, "001": 4, "002": 3, "003": 4, "004": 3,
    }
    assert set().union(*gold["themes"]) <= themes
    assert gold["snippet"].is_unique


@pytest.fixture(scope="session")
def sample_shortfall_items(reports):
    items = lg.split_items(lg.split_sections(reports))
    prefix = {
        row.doc_id: Path(row.source_path).name[:3]
        for row in reports.itertuples()
    }
    items = items[items["part"] == "shortfalls"].copy()
    items["report"] = items["doc_id"].map(prefix)
    return items.reset_index(drop=True)


def agreement_table(items: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """One row per shortfall item holding a gold snippet: hand and coded theme sets.

    Items of the structure stage are the units; when one item holds several gold items'
    snippets its hand themes are their union.
    """
    rows = []
    for item in items.itertuples():
        inside = gold[(gold["report"] == item.report)
                      & gold["snippet"].map(lambda s, t=item.text: s in t)]
        if inside.empty:
            continue
        rows.append({"report": item.report, "unit_id": item.unit_id, "text": item.text,
                     "gold_items": ",".join(inside["item"]),
                     "hand": frozenset().union(*inside["themes"])})
    table = pd.DataFrame(rows)
    codes = lg.code_units(items[items["unit_id"].isin(table["unit_id"])], branch="shortfalls")
    coded = codes.groupby("unit_id")["category"].agg(frozenset)
    table["coded"] = table["unit_id"].map(coded).map(
        lambda s: s if isinstance(s, frozenset) else frozenset())
    return table


def test_coder_agrees_with_hand_coding(sample_shortfall_items):
    gold = read_gold()
    table = agreement_table(sample_shortfall_items, gold)
    found = set(",".join(table["gold_items"]).split(",")) if len(table) else set()
    assert len(table) and sum(len(g.split(",")) for g in table["gold_items"]) == len(gold), (
        "some gold snippets are in no shortfalls item of the structure stage: "
        f"{sorted(set(gold['report'] + '-' + gold['item']) - found)}"
    )
    themes = [e.category for e in load_codebook().select("shortfalls")]
    # Unit of agreement: item x theme, present or absent.
    hand = [t in row.hand for row in table.itertuples() for t in themes]
    coded = [t in row.coded for row in table.itertuples() for t in themes]
    accuracy = sum(h == c for h, c in zip(hand, coded, strict=True)) / len(hand)
    kappa = cohen_kappa(hand, coded)
    disagreements = [
        (row.unit_id, sorted(row.hand - row.coded), sorted(row.coded - row.hand))
        for row in table.itertuples() if row.hand != row.coded
    ]
    assert accuracy >= 0.8 and kappa >= 0.8, (accuracy, kappa, disagreements)
    assert not math.isnan(kappa)
