"""read_reports: the samples' table, every format and encoding, bad input, the manifest."""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import lawgov as lg
from lawgov.reading import ManifestError, ReportFileError, ReportInputWarning, read_report_file

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from govpage import government_page  # noqa: E402

# The table of issue 2, checked by hand against the texts.
EXPECTED_COLUMNS = ["province", "city", "county", "unit", "unit_level", "year", "published"]
EXPECTED = [
    dict(zip(EXPECTED_COLUMNS, row, strict=False))
    for row in [
        ("江苏省", "宿迁市", "沭阳县", "塘沟镇", "township", 2023, None),
        ("山西省", "阳泉市", "盂县", "上社镇", "township", 2025, None),
        ("河南省", "平顶山市", "宝丰县", "赵庄镇", "township", 2023, None),
        ("黑龙江省", "哈尔滨市", "巴彦县", "洼兴镇", "township", 2021, "2022-03-31"),
        ("湖北省", "黄石市", "大冶市", "东风路街道", "subdistrict", 2023, "2024-03-19"),
    ]
]
TITLES = [None, None, "关于2023年法治政府建设情况的报告", "巴彦县洼兴镇2021年度法治政府建设情况",
          "东风路街道2023年法治政府建设年度报告"]
LABELS = ["塘沟镇 2023", "上社镇 2025", "赵庄镇 2023", "洼兴镇 2021", "东风路街道 2023"]
SOURCE_UNITS = [None, None, None, "巴彦县人民政府", "东风路街道"]
METADATA_COLUMNS = [*EXPECTED_COLUMNS, "title"]


def _value(value):
    return None if value is None or (not isinstance(value, list) and pd.isna(value)) else value


def _metadata(row) -> dict:
    return {column: _value(row[column]) for column in METADATA_COLUMNS}


def _expected(index: int) -> dict:
    return {**EXPECTED[index], "title": TITLES[index]}


# --------------------------------------------------------------------------------------
# the samples


def test_sample_table_matches_the_hand_checked_table(reports):
    got = [{c: _value(row[c]) for c in EXPECTED_COLUMNS} for _, row in reports.iterrows()]
    assert got == EXPECTED
    assert reports["region_status"].tolist() == ["resolved"] * 5
    # Statistical division codes of the five counties (the table has no township codes).
    assert reports["admin_code"].tolist() == ["321322", "140322", "410421", "230126", "420281"]
    assert reports["admin_code_level"].tolist() == ["county"] * 5
    assert reports["year_status"].tolist() == ["resolved"] * 5
    # 001 never names its county: the national table alone decides, and the evidence says so.
    assert "only township of that name" in reports["region_evidence"][1]


def test_sample_titles_labels_and_sources(reports):
    assert [_value(t) for t in reports["title"]] == TITLES
    assert reports["label"].tolist() == LABELS
    assert [_value(s) for s in reports["source_unit"]] == SOURCE_UNITS
    assert reports["script_original"].tolist() == ["traditional"] + ["simplified"] * 4
    assert reports["source_format"].tolist() == ["txt"] * 5
    assert reports["encoding"].tolist() == ["utf-8"] * 5
    assert reports["year"].dtype == "Int64"


def test_sample_metadata_source(reports):
    sources = [json.loads(s) for s in reports["metadata_source"]]
    region = {c: "gazetteer" for c in ("unit", "unit_level", "province", "city", "county",
                                      "admin_code", "admin_code_level")}
    assert sources[0] == {**region, "year": "text"}
    assert sources[2] == {**region, "year": "text", "title": "text"}
    assert sources[3] == {**region, "year": "text", "title": "text", "published": "furniture",
                          "source_unit": "furniture"}


def test_doc_id_is_the_hash_of_the_clean_text(reports):
    for doc_id, text in zip(reports["doc_id"], reports["text"], strict=False):
        assert doc_id == hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
    assert reports["doc_id"].is_unique
    assert lg.read_reports(lg.sample_paths()[3])["doc_id"][0] == reports["doc_id"][3]


def test_text_raw_is_untouched_and_text_is_clean(reports):
    for path, raw, text, n in zip(lg.sample_paths(), reports["text_raw"], reports["text"],
                                  reports["n_chars"], strict=False):
        assert raw == path.read_text(encoding="utf-8")
        assert text == lg.normalize_text(raw)
        assert n == len(text)
    assert "長者版" not in reports["text"][4] and "当前位置" not in reports["text"][4]


def test_load_sample_reports_returns_a_fresh_copy():
    first = lg.load_sample_reports()
    first.loc[0, "unit"] = "changed"
    assert lg.load_sample_reports()["unit"][0] == "塘沟镇"


def test_folder_input_is_read_in_name_order(tmp_path):
    for path in lg.sample_paths()[:2]:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    reports = lg.read_reports(tmp_path)
    assert reports["unit"].tolist() == ["塘沟镇", "上社镇"]


# --------------------------------------------------------------------------------------
# the same reports in other encodings, scripts and formats


def _page(index: int, reports) -> str:
    lines = reports["text"][index].split("\n")
    title = TITLES[index]
    paragraphs = lines[1:] if title and lines[0] == title else lines
    return government_page(paragraphs, title=title, published=EXPECTED[index]["published"],
                           source=SOURCE_UNITS[index])


def _docx(index: int, reports, path: Path) -> None:
    import docx

    document = docx.Document()
    lines = reports["text"][index].split("\n")
    for line in lines[:-2]:
        document.add_paragraph(line)
    # the last two paragraphs in a table, as some units lay out their signature block
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = lines[-2], lines[-1]
    document.save(path)


def _pdf(index: int, reports, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    lg.configure_fonts(prefer="packaged")
    rows = 42
    # a web page printed to PDF: the raw lines, furniture included, wrapped at 76 half-widths
    wrapped = []
    for line in (line.strip() for line in reports["text_raw"][index].split("\n")):
        while line:
            width, cut = 0, 0
            while cut < len(line) and width + (1 if line[cut].isascii() else 2) <= 76:
                width += 1 if line[cut].isascii() else 2
                cut += 1
            wrapped.append(line[:cut])
            line = line[cut:]
    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(path) as pdf:
        for number, start in enumerate(range(0, len(wrapped), rows), start=1):
            fig = plt.figure(figsize=(8.27, 11.69))
            for j, line in enumerate(wrapped[start:start + rows]):
                fig.text(0.08, 0.95 - j * 0.021, line, fontsize=11)
            fig.text(0.5, 0.03, f"- {number} -", ha="center")  # page number
            pdf.savefig(fig)
            plt.close(fig)


# (sample, variant): how to write it; expected encoding / format
VARIANTS = {
    **{(i, "gb18030"): ("txt", "gb18030") for i in range(5)},
    **{(i, "traditional"): ("txt", "utf-8") for i in range(5)},
    **{(i, "html"): ("html", "utf-8") for i in range(5)},
    (0, "big5"): ("txt", "big5"),
    (1, "utf-16"): ("txt", "utf-16"),
    (2, "utf-8-sig"): ("txt", "utf-8-sig"),
    (4, "html-gbk"): ("html", "gb18030"),
    (2, "docx"): ("docx", None),
    (3, "pdf"): ("pdf", None),
}


@pytest.fixture(scope="session")
def variant_files(tmp_path_factory, reports):
    import opencc

    folder = tmp_path_factory.mktemp("variants")
    s2tw = opencc.OpenCC("s2tw")
    files = {}
    for (index, kind) in VARIANTS:
        raw = lg.sample_paths()[index].read_text(encoding="utf-8")
        suffixes = {"html": ".html", "html-gbk": ".htm", "docx": ".docx", "pdf": ".pdf"}
        suffix = suffixes.get(kind, ".txt")
        path = folder / f"{index}_{kind}{suffix}"
        if kind in {"gb18030", "big5", "utf-16", "utf-8-sig"}:
            path.write_bytes(raw.encode(kind))
        elif kind == "traditional":
            path.write_text(s2tw.convert(raw), encoding="utf-8")
        elif kind == "html":
            path.write_text(_page(index, reports), encoding="utf-8")
        elif kind == "html-gbk":
            path.write_bytes(_page(index, reports).replace("charset=utf-8", "charset=gb2312")
                             .encode("gb18030"))
        elif kind == "docx":
            _docx(index, reports, path)
        else:
            _pdf(index, reports, path)
        files[index, kind] = path
    return files


@pytest.mark.parametrize(("index", "kind"), list(VARIANTS))
def test_variant_gives_the_same_report(index, kind, variant_files, reports):
    row, record = read_report_file(variant_files[index, kind])
    assert record["status"] == "ok", record["reason"]
    assert row["text"] == reports["text"][index]
    assert row["doc_id"] == reports["doc_id"][index]
    assert _metadata(row) == _expected(index)
    assert (row["source_format"], row["encoding"]) == VARIANTS[index, kind]
    if kind in {"html", "html-gbk"}:
        assert row["source_unit"] == SOURCE_UNITS[index]
        for furniture in ("无障碍", "当前位置", "ICP", "分享到", "打印本页", "浏览次数",
                          "主办单位"):
            assert furniture not in row["text"]


def test_script_original_of_converted_reports(variant_files):
    row, _ = read_report_file(variant_files[3, "traditional"])
    assert row["script_original"] == "traditional"
    row, _ = read_report_file(variant_files[3, "gb18030"])
    assert row["script_original"] == "simplified"


def test_mixed_script(tmp_path):
    simplified = lg.sample_paths()[1].read_text(encoding="utf-8")
    traditional = lg.sample_paths()[0].read_text(encoding="utf-8")
    path = tmp_path / "mixed.txt"
    path.write_text(simplified[:3000] + "\n" + traditional[:3000], encoding="utf-8")
    row, _ = read_report_file(path)
    assert row["script_original"] == "mixed"


def test_html_metadata_from_cms_meta_tags(tmp_path):
    body = "".join(f"<p>{line}</p>" for line in lg.load_sample_reports()["text"][4].split("\n")[1:])
    page = ("<html><head><meta name='ArticleTitle' content='东风路街道2023年法治政府建设年度报告'>"
            "<meta name='PubDate' content='2024-03-19 10:21'>"
            "<meta name='ContentSource' content='东风路街道办事处'></head>"
            f"<body><div class='main'>{body}</div></body></html>")
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    row, _ = read_report_file(path)
    assert row["title"] == "东风路街道2023年法治政府建设年度报告"
    assert (row["published"], row["source_unit"]) == ("2024-03-19", "东风路街道办事处")
    assert json.loads(row["metadata_source"])["published"] == "furniture"


# --------------------------------------------------------------------------------------
# bad input never stops the batch


BAD = {
    "empty.txt": (b"", "skipped", "is empty"),
    "blank.txt": (b"  \r\n\r\n \t", "skipped", "is empty"),
    "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "error", "PNG image"),
    "nul.txt": (b"abc\x00\x01\x02\x00" * 50, "error", "binary data"),
    "garbage.txt": (bytes(range(0x80, 0x100)) * 40, "error", "cannot be decoded as Chinese"),
    "frames.html": (("<html><head><title>某县人民政府</title></head><body><div class='nav'>"
                    "<a>首页</a><a>政务公开</a></div><iframe src='a.html'></iframe>"
                    "</body></html>").encode(), "error", "no main text"),
    "table.xlsx": (b"PK\x03\x04 not really", "skipped", "unsupported file type '.xlsx'"),
    "old.doc": (b"\xd0\xcf\x11\xe0" + bytes(100), "skipped", "save it as .docx"),
    "broken.docx": (b"PK\x03\x04 truncated", "error", "cannot be opened as a Word .docx"),
    "broken.pdf": (b"%PDF-1.4\n garbage", "error", "cannot be read as a PDF"),
    "furniture.txt": ("长者版 无障碍阅读\n关闭窗口\n".encode(), "skipped", "no Chinese text"),
}


@pytest.fixture()
def messy_folder(tmp_path):
    for path in lg.sample_paths()[:2]:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "copy_of_000.txt").write_bytes(lg.sample_paths()[0].read_bytes())
    (tmp_path / "big.txt").write_bytes(lg.sample_paths()[2].read_bytes() * 3)
    for name, (data, _, _) in BAD.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01")
    return tmp_path


def test_bad_input_is_logged_and_warned_and_the_rest_is_read(messy_folder):
    with pytest.warns(ReportInputWarning) as caught:
        reports, log = lg.read_reports(messy_folder, max_bytes=20_000, return_log=True)
    assert reports["unit"].tolist() == ["塘沟镇", "上社镇"]
    log = log.set_index("file")
    assert set(log.index) == {*BAD, "000_b816ced689e912ab.txt", "001_b15026bdeddbedce.txt",
                              "copy_of_000.txt", "big.txt"}
    for name, (_, status, reason) in BAD.items():
        assert log.loc[name, "status"] == status, name
        assert reason in log.loc[name, "reason"], (name, log.loc[name, "reason"])
    assert log.loc["copy_of_000.txt", "status"] == "duplicate"
    assert "same clean text as 000_b816ced689e912ab.txt" in log.loc["copy_of_000.txt", "reason"]
    assert log.loc["copy_of_000.txt", "doc_id"] == reports["doc_id"][0]
    assert log.loc["big.txt", "status"] == "skipped"
    assert "over the limit of 20,000" in log.loc["big.txt", "reason"]
    assert "--max-bytes" in log.loc["big.txt", "reason"]
    assert log.loc["000_b816ced689e912ab.txt", "status"] == "ok"
    assert len(log.loc["000_b816ced689e912ab.txt", "input_sha256"]) == 64
    messages = [str(w.message) for w in caught]
    assert len(messages) == len(BAD) + 2
    assert any(m.startswith("empty.txt skipped: is empty; delete it") for m in messages)


def test_errors_raise_stops_at_the_first_bad_file(messy_folder):
    with pytest.raises(ReportFileError, match=r"big\.txt: is 27,915 bytes, over the limit"):
        lg.read_reports(messy_folder, max_bytes=20_000, errors="raise")


def test_errors_ignore_is_silent(messy_folder):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reports = lg.read_reports(messy_folder, errors="ignore")
    assert len(reports) == 3


def test_bad_options_and_sources(tmp_path):
    with pytest.raises(ValueError, match="errors must be one of 'warn', 'raise', 'ignore'"):
        lg.read_reports(lg.sample_paths()[0], errors="skip")
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        lg.read_reports(tmp_path / "nowhere")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for sub in ("a", "b"):
        (tmp_path / sub / "r.txt").write_bytes(lg.sample_paths()[0].read_bytes())
    with pytest.raises(ValueError, match="share the file name"):
        lg.read_reports([tmp_path / "a" / "r.txt", tmp_path / "b" / "r.txt"])


def test_undecodable_file_names_the_fix(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(bytes(range(0x80, 0x100)) * 40)
    _, record = read_report_file(path)
    assert "save it as UTF-8" in record["reason"] and "manifest" in record["reason"]


def test_scanned_pdf_asks_for_ocr(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1], [0, 1])  # drawing only, like a scan: no text layer
    fig.savefig(tmp_path / "scan.pdf")
    plt.close(fig)
    _, record = read_report_file(tmp_path / "scan.pdf")
    assert record["status"] == "error"
    assert "without a text layer" in record["reason"] and "ocrmypdf" in record["reason"]


# --------------------------------------------------------------------------------------
# manifest


@pytest.fixture()
def two_reports(tmp_path):
    for path in lg.sample_paths()[1:3]:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    return tmp_path


def test_manifest_overrides_and_is_recorded(two_reports):
    (two_reports / "manifest.csv").write_text(
        "file,title,published,county,unit\n"
        "001_b15026bdeddbedce.txt,上社镇2025年法治政府建设工作报告,2026/01/15,盂县,上社镇\n"
        "002_778d263dd7ed8752.txt,,,,\n",
        encoding="utf-8",
    )
    reports = lg.read_reports(two_reports)
    first = reports.iloc[0]
    assert first["title"] == "上社镇2025年法治政府建设工作报告"
    assert first["published"] == "2026-01-15"
    assert first["region_evidence"] == "manifest: unit=上社镇, county=盂县"
    sources = json.loads(first["metadata_source"])
    assert sources["title"] == sources["published"] == sources["county"] == "manifest"
    assert sources["province"] == "gazetteer"
    assert first["label"] == "上社镇 2025"
    # empty cells override nothing
    assert reports.iloc[1]["title"] == "关于2023年法治政府建设情况的报告"
    assert "manifest" not in reports.iloc[1]["metadata_source"]


def test_manifest_can_be_disabled_or_given_explicitly(two_reports, tmp_path_factory):
    (two_reports / "manifest.csv").write_text("file,year\n001_b15026bdeddbedce.txt,2024\n")
    assert lg.read_reports(two_reports, manifest=False)["year"].tolist() == [2025, 2023]
    other = tmp_path_factory.mktemp("elsewhere") / "meta.csv"
    other.write_text("file,label,year\n002_778d263dd7ed8752.txt,赵庄 23,2022\n",
                     encoding="gb18030")
    reports = lg.read_reports(two_reports, manifest=other)
    assert reports["year"].tolist() == [2025, 2022]
    assert reports["label"].tolist() == ["上社镇 2025", "赵庄 23"]
    assert reports["year_evidence"][1] == "manifest: year=2022"


def test_manifest_encoding_forces_the_decoding(tmp_path):
    raw = lg.sample_paths()[2].read_text(encoding="utf-8")
    (tmp_path / "r.txt").write_bytes(raw.encode("gb18030"))
    (tmp_path / "manifest.csv").write_text("file,encoding\nr.txt,gbk\n")
    reports = lg.read_reports(tmp_path)
    assert reports["encoding"].tolist() == ["gbk"]
    (tmp_path / "manifest.csv").write_text("file,encoding\nr.txt,utf-8\n")
    _, log = lg.read_reports(tmp_path, errors="ignore", return_log=True)
    assert "manifest says encoding 'utf-8'" in log["reason"][0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("file,county,colour\nx.txt,a,b\n", r"unknown column\(s\) colour; allowed columns: file, "
                                            r"title, unit, unit_level"),
        ("name,county\nx.txt,a\n", r"no 'file' column .* allowed columns: file, title"),
        ("file,county\n001_b15026bdeddbedce.txt,a\n001_b15026bdeddbedce.txt,b\n",
         "listed more than once: 001_b15026bdeddbedce.txt"),
        ("file,county\nmissing.txt,a\n", "not among the inputs: missing.txt"),
        ("file,year\n001_b15026bdeddbedce.txt,23\n", "year '23' is not a year like 2023"),
        ("file,published\n001_b15026bdeddbedce.txt,soon\n", "'soon' is not a date"),
        ("file,unit_level\n001_b15026bdeddbedce.txt,town\n",
         "unit_level 'town' is not one of province, prefecture, county, township, subdistrict"),
        ("", "cannot be read as CSV"),
    ],
)
def test_manifest_errors(two_reports, content, message):
    (two_reports / "manifest.csv").write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        lg.read_reports(two_reports)


def test_utf16_without_byte_order_mark(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(lg.sample_paths()[2].read_text(encoding="utf-8").encode("utf-16-le"))
    row, _ = read_report_file(path)
    assert row["encoding"] == "utf-16-le" and row["unit"] == "赵庄镇"


def test_largest_block_fallback_takes_the_article():
    from lxml import html

    from lawgov.reading import _largest_block

    page = html.fromstring(
        "<html><body><div id='nav'><p>首页</p><p>政务公开</p></div>"
        "<div id='main'><p>一、落实党政主要负责人第一责任人职责情况。</p>"
        "<p>二、推进依法行政，严格规范公正文明执法。</p></div>"
        "<div id='foot'><p>版权所有：某某县人民政府办公室</p></div></body></html>")
    assert lg.normalize_text(_largest_block(page)) == (
        "一、落实党政主要负责人第一责任人职责情况。\n二、推进依法行政，严格规范公正文明执法。")


@pytest.mark.parametrize(("text", "score"), [
    ("的的的", 1.0),            # common characters
    ("丶丶", 0.3),              # Han characters outside the common list
    ("。，", 0.5),              # CJK punctuation
    ("éü", 0.0),                # anything else
    ("的 丶\n。é abc", 0.45),    # (1 + 0.3 + 0.5 + 0) / 4: ASCII and spaces are not counted
    ("隨著", 0.65),             # counted after tw2s as 随着: 随 other Han, 着 common
    ("abc \n", 0.0),
])
def test_chinese_score(text, score):
    from lawgov.reading import _COMMON, _chinese_score

    assert _chinese_score(text) == pytest.approx(score)
    # The score counts common characters among the Han ones.
    assert all("\u4e00" <= ch <= "\u9fff" for ch in _COMMON)


def test_has_han_counts_up_to_the_threshold():
    from lawgov.reading import _has_han

    assert _has_han("依法行政abc", 4)
    assert not _has_han("依法行abc", 4)
    assert _has_han("", 0)
    assert not _has_han("abc ，。", 1)     # punctuation is not Han
