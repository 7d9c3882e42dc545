"""Publishing: display helpers (escaping, summaries) and the end-to-end site build."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import lawgov as lg  # noqa: E402
from lawgov import publishing  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PAGES = [
    "01_corpus_overview", "02_vocabulary_and_keyness", "03_topics_and_clusters",
    "04_indicators", "05_practices_and_shortfalls",
]
# The figures the notebooks draw on the sample corpus, by notebook and question.
SAMPLE_FIGURES = {
    "01_reports_by_province", "01_reports_by_level", "01_reports_by_year", "01_report_lengths",
    "01_part_coverage",
    "02_top_terms_by_province", "02_keyness_by_province", "02_document_similarity",
    "02_originality",
    "03_k_selection", "03_topic_prevalence_by_province_part", "03_shortfall_clusters_by_province",
    "04_indicators_by_reports", "04_quantification_density", "04_quantification_density_by_part",
    "05_practice_areas", "05_shortfall_themes",
}


# --------------------------------------------------------------------------- helpers


class _Links(HTMLParser):
    """Collects href/src of <a>, <link>, <script> and <img> tags."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append((tag, name, value))


def links_of(path: Path) -> list[tuple[str, str, str]]:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.links


def check_site(site: Path) -> None:
    """Every local link resolves, and no script or stylesheet comes from the network."""
    for page in site.glob("*.html"):
        for tag, _, target in links_of(page):
            if tag in ("script", "link"):
                assert not target.startswith(("http://", "https://", "//")), (page.name, target)
            if tag == "img":
                assert target.startswith("data:image/"), (page.name, target[:40])
            if tag == "a" and not target.startswith(("#", "http://", "https://", "mailto:")):
                assert (site / target.split("#")[0]).is_file(), (page.name, target)


# --------------------------------------------------------------------------- unit tests


def test_md_escape_shows_markup_as_text():
    assert lg.md_escape("<script>alert(1)</script>") == (
        "&lt;script&gt;alert\\(1\\)&lt;/script&gt;")
    assert lg.md_escape("**重视程度不够**") == "\\*\\*重视程度不够\\*\\*"
    assert lg.md_escape("a & b") == "a &amp; b"
    # A quote cannot open a new Markdown block (heading, list) on a second line.
    assert lg.md_escape("第一行\n# 第二行") == "第一行 \\# 第二行"
    assert lg.md_escape(2023) == "2023"


def test_show_table_escapes_cuts_and_counts():
    table = pd.DataFrame({"quote": ["<script>alert(1)</script>", "法" * 30, "短"],
                          "n": [1, 2, 3]})
    html = lg.show_table(table, max_rows=2, max_chars=10, caption="<b>说明</b>").data
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;说明&lt;/b&gt;</caption>" in html
    assert "法" * 9 + "…" in html and "法" * 10 not in html
    assert "短" not in html and "1 more rows not shown" in html
    with pytest.raises(ValueError, match="max_rows must be >= 1"):
        lg.show_table(table, max_rows=0)


def test_corpus_summary_counts_by_hand():
    reports = pd.DataFrame({
        "doc_id": ["a", "b", "c", "d"],
        "province": ["江苏省", "河南省", None, "江苏省"],
        "year": pd.array([2023, 2023, 2021, None], dtype="Int64"),
        "unit": ["塘沟镇", "赵庄镇", "某街道", "塘沟镇"],
        "unit_level": ["township", "township", "subdistrict", "township"],
        "region_status": ["resolved", "resolved", "unresolved", "ambiguous"],
        "n_chars": [3603, 3175, 10, 2],
    })
    summary = lg.corpus_summary(reports)
    assert summary == {
        "n_reports": 4, "provinces": ["江苏省", "河南省"], "n_provinces": 2,
        "years": [2021, 2023], "n_year_missing": 1, "n_units": 3,
        "unit_levels": {"township": 3, "subdistrict": 1},
        "n_region_unresolved": 2, "n_chars": 6790,
    }


def test_report_labels_are_unique_and_readable():
    reports = pd.DataFrame({"doc_id": ["aaaaaa11", "bbbbbb22", "cccccc33"],
                            "label": ["塘沟镇 2023", "赵庄镇 2023", "塘沟镇 2023"]})
    labels = lg.report_labels(reports)
    assert labels.to_dict() == {"aaaaaa11": "塘沟镇 2023 (aaaaaa)", "bbbbbb22": "赵庄镇 2023",
                                "cccccc33": "塘沟镇 2023 (cccccc)"}
    assert lg.report_labels(reports.drop(columns="label")).tolist() == list(reports["doc_id"])


def test_metadata_issues_lists_candidates():
    reports = pd.DataFrame({
        "doc_id": ["a", "b", "c"], "label": ["赵庄镇", "塘沟镇 2023", "x"],
        "source_path": ["/raw/a.txt", "/raw/b.txt", None],
        "region_status": ["ambiguous", "resolved", "resolved"],
        "region_candidates": [["河南省/平顶山市/宝丰县/赵庄镇", "山东省/菏泽市/曹县/赵庄镇"],
                              [], []],
        "region_evidence": ["两地同名", "县名", "县名"],
        "year": pd.array([2023, 2023, None], dtype="Int64"),
        "year_candidates": [[], [], [2022, 2023]], "year_evidence": ["", "", "两个年份"],
    })
    issues = lg.metadata_issues(reports)
    assert issues["doc_id"].tolist() == ["a", "c"]
    assert issues.loc[0, "region_candidates"] == (
        "河南省/平顶山市/宝丰县/赵庄镇; 山东省/菏泽市/曹县/赵庄镇")
    assert issues.loc[1, "year_candidates"] == "2022; 2023"
    assert issues["source"].tolist() == ["a.txt", ""]


def test_plot_helpers_draw_chinese_labels():
    lg.set_theme()
    fig = lg.plot_bar(pd.Series({"江苏省": 2, "河南省": 1}), title="报告数")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["江苏省", "河南省"]
    plt.close(fig)
    fig = lg.plot_terms_by_group(pd.DataFrame({"g": ["甲", "乙"], "term": ["普法", "调解"],
                                               "v": [1.0, 2.0]}), group="g", value="v")
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["甲", "乙"]
    plt.close(fig)
    fig = lg.plot_distribution(pd.Series({"a": 3, "b": 5}))
    assert len(fig.axes[0].patches) == 2
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one row"):
        lg.plot_heatmap(pd.DataFrame())
    with pytest.raises(ValueError, match="n and ncols"):
        lg.plot_terms_by_group(pd.DataFrame({"g": [], "term": [], "v": []}), group="g",
                               value="v", n=0)


def test_publish_user_errors(tmp_path):
    with pytest.raises(lg.PublishError, match="corpus folder .*does not exist"):
        lg.publish(tmp_path / "missing", out=tmp_path / "site", notebooks=NOTEBOOKS)
    empty = tmp_path / "no_notebooks"
    empty.mkdir()
    with pytest.raises(lg.PublishError, match="no notebooks"):
        lg.publish(tmp_path, out=tmp_path / "site", notebooks=empty)
    with pytest.raises(ValueError, match="seed must be an integer"):
        lg.publish(tmp_path, seed="1")


def test_cli_reports_errors_without_traceback(tmp_path, capsys):
    code = publishing.cli(["--corpus", str(tmp_path / "missing"), "--out", str(tmp_path / "s")])
    assert code == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "previous site was left unchanged" in err


def test_other_corpora_get_their_own_processed_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert publishing._default_processed(Path("data/raw")) == Path("data/processed")
    own = publishing._default_processed(Path("/somewhere/my reports"))
    assert own.parent == Path("data/processed/corpora") and own.name.startswith("my-reports-")
    assert own != publishing._default_processed(Path("/elsewhere/my reports"))


# --------------------------------------------------------------------------- end to end


def small_corpus(sample_dir: Path, folder: Path) -> Path:
    """Three reports built from sample paragraphs, one carrying <script> markup."""
    texts = {p.name[:3]: p.read_text(encoding="utf-8") for p in sample_dir.glob("*.txt")}
    folder.mkdir(parents=True)
    lines = texts["002"].splitlines()
    (folder / "a.txt").write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")
    markup = texts["004"].replace(
        "东风路街道2023年法治政府建设年度报告",
        "东风路街道2023年法治政府建设年度报告<script>alert(1)</script>", 1)
    (folder / "b.txt").write_text(markup.replace("一是", "一是<script>alert(2)</script>", 1),
                                  encoding="utf-8")
    (folder / "c.txt").write_text(texts["000"], encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory, sample_dir):
    root = tmp_path_factory.mktemp("publish")
    corpus = root / "raw"
    shutil.copytree(sample_dir, corpus)
    with pytest.MonkeyPatch.context() as patch:
        # The notebook kernels inherit the environment: their token cache stays in the test.
        patch.setenv("LAWGOV_CACHE", str(root / "cache"))
        index = lg.publish(corpus, processed=root / "processed", out=root / "site",
                           figures=root / "figures", notebooks=NOTEBOOKS, progress=False)
    return root, index


@pytest.mark.slow
def test_publish_sample_corpus(sample_site):
    root, index = sample_site
    site = root / "site"
    assert index == site / "index.html" and index.is_file()
    assert sorted(p.stem for p in site.glob("*.html")) == sorted(PAGES + ["index"])
    hrefs = [target for tag, _, target in links_of(index) if tag == "a"]
    assert [h for h in hrefs if re.fullmatch(r"0\d_\w+\.html", h)] == [f"{p}.html" for p in PAGES]
    check_site(site)
    html = index.read_text(encoding="utf-8")
    assert "Reports</th><td>5</td>" in html and f"lawgov {lg.__version__}" in html
    for name in ("江苏省", "河南省", "黑龙江省", "湖北省", "山西省", "build.log"):
        assert name in html
    # Every figure exists in both formats, in figures/ and in the site.
    for folder in (root / "figures", site / "figures"):
        stems = {p.stem for p in folder.glob("*.png")}
        assert stems == {p.stem for p in folder.glob("*.svg")} == SAMPLE_FIGURES
        assert all(p.stat().st_size > 2000 for p in folder.iterdir())
    # Notebooks stay as committed: publish executes copies.
    for page in PAGES:
        committed = nbformat.read(NOTEBOOKS / f"{page}.ipynb", as_version=4)
        assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code")
        executed = nbformat.read(site / "notebooks" / f"{page}.ipynb", as_version=4)
        assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")


@pytest.mark.slow
def test_build_log_has_no_missing_glyphs(sample_site):
    root, _ = sample_site
    log = (root / "site" / "build.log").read_text(encoding="utf-8")
    for page in PAGES:
        assert f"== {page}.ipynb" in log
    bad = [line for line in log.splitlines()
           if "missing from font" in line.lower() or "glyph" in line.lower()]
    assert bad == []


@pytest.mark.slow
def test_failing_notebook_keeps_previous_site(tmp_path, sample_dir, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    v4 = nbformat.v4
    nbformat.write(v4.new_notebook(cells=[v4.new_markdown_cell("# Fine\n\nA page."),
                                          v4.new_code_cell("print('ok')")]),
                   notebooks / "01_fine.ipynb")
    broken = [v4.new_markdown_cell("# Broken"), v4.new_code_cell("x = 1"),
              v4.new_code_cell("raise RuntimeError('planted failure')")]
    nbformat.write(v4.new_notebook(cells=broken), notebooks / "02_broken.ipynb")
    site, figures = tmp_path / "site", tmp_path / "figures"
    site.mkdir()
    (site / "index.html").write_text("previous site", encoding="utf-8")
    figures.mkdir()
    (figures / "01_old.png").write_bytes(b"old figure")
    code = publishing.cli([
        "--corpus", str(small_corpus(sample_dir, tmp_path / "raw")),
        "--processed", str(tmp_path / "processed"), "--out", str(site),
        "--figures", str(figures), "--notebooks", str(notebooks),
    ])
    err = capsys.readouterr().err
    assert code == 1
    assert re.search(r"notebook 02_broken\.ipynb failed in cell 2 "
                     r"\(.raise RuntimeError\(.planted failure.\).\): "
                     r"RuntimeError: planted failure", err), err
    assert "[1/2] 01_fine.ipynb done" in err
    assert (site / "index.html").read_text(encoding="utf-8") == "previous site"
    assert sorted(p.name for p in site.iterdir()) == ["index.html"]
    assert (figures / "01_old.png").read_bytes() == b"old figure"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []
