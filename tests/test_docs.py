"""The documentation: the site builds strictly, documents every public name, and its code runs.

The site is built once per session (about 20 s) into a temporary folder with the same
command as ``make docs``. The tutorial's Python blocks are executed in order in one
namespace, as a reader would run them, in a temporary working folder.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import lawgov

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def _stage_modules() -> list[str]:
    return [
        info.name for info in pkgutil.iter_modules(lawgov.__path__)
        if not info.name.startswith("_")
        and hasattr(importlib.import_module(f"lawgov.{info.name}"), "__all__")
    ]


def _python_blocks(path: Path) -> list[str]:
    return _PYTHON_BLOCK.findall(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    pytest.importorskip("mkdocs", reason="the documentation tools come with the dev extra")
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    problems = [line for line in result.stderr.splitlines()
                if line.startswith(("WARNING", "ERROR")) or "Aborted" in line]
    assert result.returncode == 0, "mkdocs build --strict failed:\n" + "\n".join(
        problems or result.stderr.splitlines()[-30:])
    return out


def test_site_builds_with_every_page(site):
    pages = ["index.html", "tutorial.html", "methods.html", "codebook.html", "indicators.html",
             "data.html", "reproducibility.html", "api/index.html"]
    pages += [f"api/{module}.html" for module in _stage_modules()]
    missing = [page for page in pages if not (site / page).is_file()]
    assert not missing


def test_every_public_name_is_in_the_reference(site):
    homes = {}
    for module in _stage_modules():
        for name in importlib.import_module(f"lawgov.{module}").__all__:
            homes.setdefault(name, module)
    index = (site / "api" / "index.html").read_text(encoding="utf-8")
    undocumented, unlisted = [], []
    for name in lawgov.__all__:
        if name == "__version__":
            assert "__version__" in index and lawgov.__version__ in index
            continue
        module = homes[name]
        page = (site / "api" / f"{module}.html").read_text(encoding="utf-8")
        anchor = f'id="lawgov.{module}.{name}"'
        if anchor not in page:
            undocumented.append(f"lawgov.{module}.{name}")
        if f'href="{module}.html#lawgov.{module}.{name}"' not in index:
            unlisted.append(name)
    assert not undocumented, f"public names without an entry in the API reference: {undocumented}"
    assert not unlisted, f"public names missing from the API index page: {unlisted}"


def test_reference_has_no_raw_sphinx_roles_or_math(site):
    leftovers = []
    for page in (site / "api").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r":(?:func|class|meth|attr|mod|math):`|\.\. math::", text):
            leftovers.append(f"{page.name}: {text[match.start():match.start() + 60]}")
    assert not leftovers


def test_generated_pages_follow_the_shipped_yaml(site):
    codebook = (site / "codebook.html").read_text(encoding="utf-8")
    missing = [e.category for e in lawgov.load_codebook().entries if e.category not in codebook]
    assert not missing
    indicators = (site / "indicators.html").read_text(encoding="utf-8")
    missing = [i.code for i in lawgov.load_indicator_codebook().indicators
               if f"<code>{i.code}</code>" not in indicators]
    assert not missing
    methods = (site / "methods.html").read_text(encoding="utf-8")
    for part in ("measures", "shortfalls", "duty", "plans", "other"):
        assert f"<code>{part}</code>" in methods
    assert "<!-- lawgov:" not in "".join(
        p.read_text(encoding="utf-8") for p in site.rglob("*.html"))


def test_tutorial_code_runs_in_order(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    blocks = _python_blocks(DOCS / "tutorial.md")
    assert len(blocks) >= 10
    namespace: dict = {"__name__": "tutorial"}
    for number, block in enumerate(blocks, start=1):
        exec(compile(block, f"docs/tutorial.md, python block {number}", "exec"), namespace)
    assert len(namespace["reports"]) == 5
    assert (tmp_path / "figures" / "tutorial_k_selection.png").is_file()


def test_readme_and_home_page_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    readme = _python_blocks(ROOT / "README.md")
    home = _python_blocks(DOCS / "index.md")
    assert readme and readme == home, "README and the home page should show the same example"
    assert len(readme[0].strip().splitlines()) <= 10
    namespace: dict = {"__name__": "readme"}
    exec(compile(readme[0], "README.md example", "exec"), namespace)
    assert set(namespace["items"]["part"]) >= {"measures", "shortfalls", "plans"}


def test_readme_first_screen_has_the_two_commands():
    first_screen = "\n".join(
        (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:30])
    assert "make report" in first_screen and "make test" in first_screen
    assert "reports/index.html" in first_screen
    assert "data/raw/manifest.csv" in first_screen


def test_manifest_columns_are_documented():
    from lawgov.reading import MANIFEST_COLUMNS

    data = (DOCS / "data.md").read_text(encoding="utf-8")
    table = data[data.index("## The manifest"):data.index("Example:")]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    undocumented = [c for c in ("file", *MANIFEST_COLUMNS) if f"`{c}`" not in table]
    assert not undocumented, f"manifest columns missing from docs/data.md: {undocumented}"
    unlisted = [c for c in MANIFEST_COLUMNS if not re.search(rf"\b{c}\b", readme)]
    assert not unlisted, f"manifest columns missing from README.md: {unlisted}"


def test_citation_and_changelog_match_the_version():
    import yaml

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert str(citation["version"]) == lawgov.__version__
    assert citation["license"] == "MIT"
    assert citation["title"].startswith("lawgov")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(lawgov.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$",
                     changelog, re.M)


def test_changelog_names_every_public_function_and_class():
    import inspect

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", changelog))
    capabilities = [
        name for name in lawgov.__all__
        if inspect.isfunction(getattr(lawgov, name))
        or (inspect.isclass(getattr(lawgov, name))
            and not issubclass(getattr(lawgov, name), BaseException))
    ]
    missing = [name for name in capabilities if name not in named]
    assert not missing, f"public names the changelog does not mention: {missing}"
