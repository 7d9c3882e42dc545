"""The notebooks as committed: no outputs, a research question, a parameters cell, nothing
specific to the sample corpus. They are executed end to end by tests/test_publishing.py."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

import lawgov as lg

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = [
    "01_corpus_overview", "02_vocabulary_and_keyness", "03_topics_and_clusters",
    "04_indicators", "05_practices_and_shortfalls",
]


def test_the_five_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name
        assert "execution" not in cell.metadata, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_opens_with_question_and_parameters(path):
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "**Question:**" in first.source
    parameters = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    for name in ("LAWGOV_CORPUS", "LAWGOV_PROCESSED", "LAWGOV_FIGURES", "LAWGOV_SEED"):
        assert name in parameters[0].source
    # Findings come last, written from computed values.
    assert nb.cells[-2].cell_type == "markdown" and "Findings" in nb.cells[-2].source
    assert "Markdown(" in nb.cells[-1].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_nothing_specific_to_the_sample_corpus(path):
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    reports = lg.load_sample_reports()
    names = set(reports["unit"].dropna()) | set(reports["province"].dropna()) | set(
        reports["county"].dropna()) | set(reports["doc_id"])
    assert [name for name in names if name in code] == []
    assert "samples" not in code and "load_sample_reports" not in code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_figures_are_named_after_the_notebook(path):
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    names = re.findall(r"save_figure\(fig, \"([^\"]+)\"", code)
    assert names and all(n.startswith(path.stem[:3]) for n in names)
    assert code.count("save_figure(") == len(names)
    assert all("directory=FIGURES" in line for line in code.splitlines() if "save_figure(" in line)
