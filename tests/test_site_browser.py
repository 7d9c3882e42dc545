"""The site published from a researcher's own corpus (`lawgov publish --corpus`), in Chromium.

The corpus here is not the sample folder: three reports rebuilt from sample paragraphs, one of
them carrying ``<script>`` markup in its title and body, which every page must show as text.
The browser checks need Debian's ``chromium`` (``.ci/run`` installs it with fonts-noto-cjk);
without it they are skipped, the publishing checks still run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from test_publishing import PAGES, check_site, small_corpus

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not installed (Debian: apt-get install chromium fonts-noto-cjk; "
           ".ci/run does this)")


@pytest.fixture(scope="module")
def other_site(tmp_path_factory, sample_dir):
    """Publish a small non-sample corpus through the command line, from an empty folder."""
    work = tmp_path_factory.mktemp("other")
    corpus = small_corpus(sample_dir, work / "my_reports")
    run = subprocess.run(
        [sys.executable, "-m", "lawgov.cli", "publish", "--corpus", str(corpus),
         "--out", "site", "--figures", "figures", "--notebooks", str(ROOT / "notebooks"),
         "--seed", "3"],
        cwd=work, capture_output=True, text=True, timeout=600,
        env={**os.environ, "LAWGOV_CACHE": str(work / "cache")},
    )
    return work, run


@pytest.mark.slow
def test_publish_other_corpus(other_site):
    work, run = other_site
    assert run.returncode == 0, run.stderr[-3000:]
    for number, page in enumerate(PAGES, start=1):
        assert f"[{number}/5] {page}.ipynb done" in run.stderr
    site = work / "site"
    check_site(site)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Reports</th><td>3</td>" in index and "Seed</th><td>3</td>" in index
    assert "黑龙江省" not in index  # a province of the samples that this corpus lacks
    # Ingested into its own folder, not the sample corpus' data/processed.
    processed = list((work / "data" / "processed" / "corpora").glob("my_reports-*"))
    assert len(processed) == 1 and (processed[0] / "reports.parquet").is_file()
    assert not (work / "data" / "processed" / "reports.parquet").exists()
    assert {p.suffix for p in (work / "figures").iterdir()} == {".png", ".svg"}


@pytest.mark.slow
def test_report_markup_is_shown_as_text(other_site):
    work, run = other_site
    assert run.returncode == 0, run.stderr[-3000:]
    pages = {p.stem: p.read_text(encoding="utf-8") for p in (work / "site").glob("*.html")}
    for name, html in pages.items():
        assert not re.search(r"<script[^>]*>\s*alert", html, re.I), name
        assert "<script" not in html.lower(), name  # the pages need no script at all
    assert "&lt;script&gt;alert" in pages["01_corpus_overview"]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120,
    )


def screenshot(url: str, png: Path, profile: Path, height: int = 2000) -> np.ndarray:
    import matplotlib.image

    run = chromium(f"--screenshot={png}", f"--window-size=1280,{height}", url, profile=profile)
    assert png.is_file(), run.stderr[-2000:]
    return matplotlib.image.imread(png)[..., :3]


@pytest.mark.slow
@needs_chromium
def test_pages_render_in_chromium(other_site, tmp_path):
    work, run = other_site
    assert run.returncode == 0, run.stderr[-3000:]
    for name in ["index", *PAGES]:
        page = work / "site" / f"{name}.html"
        pixels = screenshot(page.as_uri(), tmp_path / f"{name}.png", tmp_path / "profile")
        ink = (pixels.mean(axis=2) < 0.85).mean()
        assert (tmp_path / f"{name}.png").stat().st_size > 20_000, name
        assert 0.005 < ink < 0.9, (name, ink)  # neither blank nor a solid block


@pytest.mark.slow
@needs_chromium
def test_figures_load_in_chromium(other_site, tmp_path):
    work, run = other_site
    assert run.returncode == 0, run.stderr[-3000:]
    for name in PAGES:
        page = work / "site" / f"{name}.html"
        dom = chromium("--dump-dom", "--virtual-time-budget=3000", page.as_uri(),
                       profile=tmp_path / "profile").stdout
        images = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", dom)
        assert images, name
        assert all(src.startswith("data:image/png;base64,") for src in images), name
        assert all(len(src) > 5000 for src in images), name


@needs_chromium
def test_chinese_text_renders_not_tofu(tmp_path):
    """Two different Chinese strings look different; as missing-glyph boxes they would not."""
    css = (Path(__file__).resolve().parents[1] / "src" / "lawgov" / "resources" / "site"
           / "site.css").read_text(encoding="utf-8")
    shots = []
    for i, text in enumerate(["法治政府建设", "依法行政考核"]):
        page = tmp_path / f"cjk{i}.html"
        page.write_text(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{css}</style></head>"
            f"<body class='lawgov-index'><p style='font-size:72px'>{text}</p></body></html>",
            encoding="utf-8")
        shots.append(screenshot(page.as_uri(), tmp_path / f"cjk{i}.png", tmp_path / "profile",
                                height=400))
    assert all((s.mean(axis=2) < 0.5).mean() > 0.002 for s in shots)
    assert np.abs(shots[0] - shots[1]).mean() > 0.002
