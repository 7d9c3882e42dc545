"""Publishing: execute the notebooks and export them with an index page into an HTML site.

``lawgov publish`` (and ``make report``) turns a folder of reports into a static site of
findings: it ingests the folder when needed, runs every notebook of ``notebooks/`` in
order in a fresh kernel, exports each to a self-contained HTML page (figures embedded,
no remote script, so the site opens offline), and writes ``index.html`` with a corpus
summary and the provenance of the build. The site is built in a temporary folder next
to the output and swapped in only when every notebook succeeded, so a failing notebook
never leaves a half-written site behind.

The module also holds the few display helpers the notebooks share: :func:`md_escape` and
:func:`show_table` show report text as text (a report containing ``<script>`` cannot
inject markup into a page), and :func:`plot_bar` / :func:`plot_heatmap` draw the overview
figures.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pandas as pd

from ._version import __version__

__all__ = [
    "PublishError",
    "publish",
    "corpus_summary",
    "report_labels",
    "metadata_issues",
    "md_escape",
    "show_table",
    "plot_bar",
    "plot_heatmap",
    "plot_distribution",
    "plot_terms_by_group",
]

SITE_TITLE = "lawgov findings"
DEFAULT_CORPUS = Path("data/raw")
DEFAULT_PROCESSED = Path("data/processed")
# Environment variables through which publish hands its parameters to each notebook's
# parameters cell (a fresh kernel inherits them; nothing is rewritten in the notebook).
ENV_CORPUS, ENV_PROCESSED, ENV_FIGURES, ENV_SEED = (
    "LAWGOV_CORPUS", "LAWGOV_PROCESSED", "LAWGOV_FIGURES", "LAWGOV_SEED",
)
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$>])")
_LOG_MARKERS = ("missing from font", "glyph")


class PublishError(RuntimeError):
    """Publishing failed; the message names the notebook, the cell and the error."""


# ---------------------------------------------------------------------------------------
# display helpers used by the notebooks


def md_escape(text: object) -> str:
    """Escape text so Markdown shows it literally, never as markup or HTML.

    Notebooks write their findings as Markdown built from computed values; any value
    that comes from a report (a label, a term, a quote) goes through this function so
    that ``<script>`` or ``**`` in a report is shown as typed.

    Parameters
    ----------
    text : object
        Any value; it is converted with ``str`` first. Line breaks become spaces so a
        quote cannot start a new Markdown block.

    Returns
    -------
    str
        The text with ``&``, ``<`` and ``>`` as HTML entities and Markdown punctuation
        backslash-escaped.

    Examples
    --------
    >>> md_escape("<script>alert(1)</script>")
    '&lt;script&gt;alert\\\\(1\\\\)&lt;/script&gt;'
    >>> md_escape("**重视程度不够**")
    '\\\\*\\\\*重视程度不够\\\\*\\\\*'
    """
    escaped = html.escape(" ".join(str(text).splitlines()), quote=False)
    # '&' of the entities just written is not a Markdown special, so the order is safe.
    return _MARKDOWN_SPECIALS.sub(r"\\\1", escaped)


def show_table(table: pd.DataFrame | pd.Series, *, caption: str | None = None,
               max_rows: int = 60, max_chars: int = 160, index: bool = False,
               float_format: str = "{:.3g}"):
    """Render a table as escaped HTML for a notebook page.

    Cells are escaped (report text is shown as text), long strings are shortened to
    ``max_chars`` characters with an ellipsis, and at most ``max_rows`` rows are shown
    with a note saying how many were left out.

    Parameters
    ----------
    table : DataFrame or Series
        The table to show; it is not modified.
    caption : str, optional
        A caption above the table (escaped too).
    max_rows : int
        Rows shown at most.
    max_chars : int
        Longest string shown in a cell before it is cut.
    index : bool
        Whether to show the index.
    float_format : str
        Format of float cells.

    Returns
    -------
    IPython.display.HTML
        The object a notebook displays; its ``.data`` is the HTML string.

    Examples
    --------
    >>> import pandas as pd
    >>> shown = show_table(pd.DataFrame({"title": ["<b>塘沟镇</b>"], "n": [3]}))
    >>> "&lt;b&gt;塘沟镇&lt;/b&gt;" in shown.data, "<b>" in shown.data
    (True, False)
    """
    from IPython.display import HTML

    if max_rows < 1 or max_chars < 2:
        raise ValueError(f"max_rows must be >= 1 and max_chars >= 2 (got {max_rows}, {max_chars})")
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    shown = frame.head(max_rows)

    def cut(value):
        if isinstance(value, str) and len(value) > max_chars:
            return value[: max_chars - 1] + "…"
        return value

    shown = shown.map(cut) if len(shown.columns) else shown
    body = shown.to_html(
        escape=True, index=index, border=0, classes="lawgov-table", na_rep="–",
        float_format=float_format.format,
    )
    if caption:
        body = body.replace(">", f"><caption>{html.escape(caption)}</caption>", 1)
    if len(frame) > max_rows:
        body += f"<p><em>{len(frame) - max_rows} more rows not shown.</em></p>"
    return HTML(body)


# ---------------------------------------------------------------------------------------
# overview figures


def plot_bar(values: pd.Series, *, title: str | None = None, xlabel: str | None = None,
             color: str = "#1e5aa8"):
    """Draw a horizontal bar chart of a labelled Series (largest at the top).

    Parameters
    ----------
    values : Series
        Numbers indexed by their labels (e.g. ``reports["province"].value_counts()``).
    title, xlabel : str, optional
        Figure title and axis label.
    color : str
        Bar colour.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> fig = plot_bar(pd.Series({"江苏省": 2, "河南省": 1}), title="报告数")
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['江苏省', '河南省']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib.pyplot as plt

    values = pd.Series(values).dropna()
    labels = [str(label) for label in values.index]
    fig, ax = plt.subplots(figsize=(7, 0.45 * max(len(values), 2) + 1.2))
    ax.barh(range(len(values)), values.to_numpy(dtype=float), color=color)
    ax.set_yticks(range(len(values)), labels)
    ax.invert_yaxis()
    if values.size and (values.to_numpy(dtype=float) % 1 == 0).all():
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if title:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    fig.tight_layout()
    return fig


def plot_heatmap(table: pd.DataFrame, *, title: str | None = None, fmt: str = ".2g",
                 cmap: str = "Blues", vmin: float | None = None, vmax: float | None = None,
                 annot: bool | None = None, cbar_label: str | None = None):
    """Draw a labelled heatmap of a numeric table (rows × columns as in the table).

    Parameters
    ----------
    table : DataFrame
        Numeric cells; the index labels the rows and the columns label the columns.
    title : str, optional
        Figure title.
    fmt : str
        Format of the cell annotations.
    cmap : str
        Matplotlib colour map.
    vmin, vmax : float, optional
        Colour scale limits (default: the data range).
    annot : bool, optional
        Write the value in each cell; by default only when the table has at most
        400 cells.
    cbar_label : str, optional
        Label of the colour bar.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> fig = plot_heatmap(pd.DataFrame([[1.0, 0.2], [0.2, 1.0]],
    ...                                 index=["塘沟镇", "赵庄镇"], columns=["塘沟镇", "赵庄镇"]))
    >>> len(fig.axes)  # the heatmap and its colour bar
    2
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if table.empty:
        raise ValueError("plot_heatmap needs a table with at least one row and one column")
    data = table.astype(float)
    n_rows, n_cols = data.shape
    fig, ax = plt.subplots(figsize=(min(2.5 + 0.7 * n_cols, 16), min(1.8 + 0.45 * n_rows, 20)))
    sns.heatmap(
        data, ax=ax, cmap=cmap, vmin=vmin, vmax=vmax, linewidths=0.5, linecolor="white",
        annot=(n_rows * n_cols <= 400) if annot is None else annot, fmt=fmt,
        cbar_kws={"label": cbar_label} if cbar_label else None,
    )
    ax.set_xlabel(str(data.columns.name or ""))
    ax.set_ylabel(str(data.index.name or ""))
    ax.tick_params(axis="x", labelrotation=45)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.tick_params(axis="y", labelrotation=0)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_distribution(values: pd.Series, *, title: str | None = None,
                      xlabel: str | None = None, max_bars: int = 40, bins: int = 30):
    """One bar per labelled value when there are few, a histogram when there are many.

    Report lengths or shares of a five-report sample read best as labelled bars; the
    same notebook run on a thousand reports needs a histogram.

    Parameters
    ----------
    values : Series
        Numbers indexed by their labels (e.g. report lengths by report label).
    title, xlabel : str, optional
        Figure title and value-axis label.
    max_bars : int
        Most values drawn as labelled bars (sorted, largest at the top).
    bins : int
        Histogram bins when there are more values.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> fig = plot_distribution(pd.Series(range(100)), max_bars=10)
    >>> len(fig.axes[0].patches)  # a histogram of 30 bins
    30
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib.pyplot as plt

    values = pd.Series(values).dropna()
    if len(values) <= max_bars:
        return plot_bar(values.sort_values(ascending=False), title=title, xlabel=xlabel)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(values.to_numpy(dtype=float), bins=bins, color="#1e5aa8")
    ax.set_ylabel("reports")
    if xlabel:
        ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_terms_by_group(table: pd.DataFrame, *, group: str, value: str, term: str = "term",
                        n: int = 10, title: str | None = None, ncols: int = 3,
                        xlabel: str | None = None):
    """Small multiples: the first ``n`` terms of every group as horizontal bars.

    Parameters
    ----------
    table : DataFrame
        Long table with one row per group and term, already in the order to show
        (e.g. :func:`lawgov.top_terms` by province, or keyness results stacked with a
        group column).
    group, value, term : str
        Columns holding the group, the bar length and the term.
    n : int
        Terms shown per group.
    title : str, optional
        Figure title.
    ncols : int
        Panels per row.
    xlabel : str, optional
        Label of every value axis (default: ``value``).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"province": ["江苏省", "江苏省", "河南省"],
    ...                       "term": ["普法", "调解", "复议"], "weight": [0.5, 0.2, 0.4]})
    >>> fig = plot_terms_by_group(table, group="province", value="weight")
    >>> [ax.get_title() for ax in fig.axes if ax.get_visible()]
    ['江苏省', '河南省']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib.pyplot as plt

    if n < 1 or ncols < 1:
        raise ValueError(f"n and ncols must be at least 1 (got n={n}, ncols={ncols})")
    groups = list(dict.fromkeys(table[group].tolist()))
    if not groups:
        raise ValueError("plot_terms_by_group needs a table with at least one row")
    ncols = min(ncols, len(groups))
    nrows = -(-len(groups) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, (0.28 * n + 0.9) * nrows),
                             squeeze=False)
    for ax, name in zip(axes.flat, groups, strict=False):
        rows = table[table[group] == name].head(n)
        ax.barh(range(len(rows)), rows[value].to_numpy(dtype=float), color="#1e5aa8")
        ax.set_yticks(range(len(rows)), [str(t) for t in rows[term]])
        ax.invert_yaxis()
        ax.set_title(str(name))
        ax.set_xlabel(xlabel if xlabel is not None else value)
    for ax in axes.flat[len(groups):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------
# corpus summary and provenance


def corpus_summary(reports: pd.DataFrame) -> dict:
    """Summarise a reports table in the numbers the index page and notebook 01 show.

    Parameters
    ----------
    reports : DataFrame
        The reports table (one row per report) with at least ``doc_id``; the columns
        ``province``, ``year``, ``unit``, ``unit_level``, ``region_status`` and
        ``n_chars`` are used when present.

    Returns
    -------
    dict
        ``n_reports`` (int): rows; ``provinces`` (list[str]): distinct provinces, sorted,
        missing ones left out; ``n_provinces`` (int); ``years`` (list[int]): distinct
        years reported on, sorted; ``n_year_missing`` (int): reports without a year;
        ``n_units`` (int): distinct issuing units (missing ones left out);
        ``unit_levels`` (dict[str, int]): reports per unit level, most frequent first;
        ``n_region_unresolved`` (int): reports whose ``region_status`` is not
        ``"resolved"``; ``n_chars`` (int): total characters of clean text.

    Examples
    --------
    >>> import pandas as pd
    >>> reports = pd.DataFrame({
    ...     "doc_id": ["a", "b", "c"], "province": ["江苏省", None, "江苏省"],
    ...     "year": pd.array([2023, 2021, None], dtype="Int64"),
    ...     "unit": ["塘沟镇", "赵庄镇", "塘沟镇"],
    ...     "unit_level": ["township", "township", "township"],
    ...     "region_status": ["resolved", "ambiguous", "resolved"],
    ...     "n_chars": [100, 50, 20]})
    >>> s = corpus_summary(reports)
    >>> s["n_reports"], s["provinces"], s["years"], s["n_year_missing"], s["n_units"]
    (3, ['江苏省'], [2021, 2023], 1, 2)
    >>> s["unit_levels"], s["n_region_unresolved"], s["n_chars"]
    ({'township': 3}, 1, 170)
    """
    def distinct(column: str) -> list:
        if column not in reports.columns:
            return []
        return sorted(reports[column].dropna().unique().tolist())

    provinces = [str(p) for p in distinct("province")]
    years = [int(y) for y in distinct("year")]
    levels = (reports["unit_level"].dropna().astype(str).value_counts()
              if "unit_level" in reports.columns else pd.Series(dtype=int))
    status = reports.get("region_status")
    return {
        "n_reports": int(len(reports)),
        "provinces": provinces,
        "n_provinces": len(provinces),
        "years": years,
        "n_year_missing": int(reports["year"].isna().sum()) if "year" in reports.columns
        else int(len(reports)),
        "n_units": len(distinct("unit")),
        "unit_levels": {str(k): int(v) for k, v in levels.items()},
        "n_region_unresolved": int((status != "resolved").sum()) if status is not None
        else int(len(reports)),
        "n_chars": int(reports["n_chars"].sum()) if "n_chars" in reports.columns else 0,
    }


def report_labels(reports: pd.DataFrame) -> pd.Series:
    """One readable, unique label per report, for table rows and figure axes.

    The ``label`` column ("塘沟镇 2023") is not unique when a corpus holds two reports of
    one unit and year, or reports whose unit is unknown; those get the first six
    characters of their ``doc_id`` appended so that no two rows of a figure merge.

    Parameters
    ----------
    reports : DataFrame
        A reports table with ``doc_id``, and ``label`` when available.

    Returns
    -------
    Series
        Labels (str) indexed by ``doc_id``, named ``label``, in the order of ``reports``.

    Examples
    --------
    >>> import pandas as pd
    >>> reports = pd.DataFrame({"doc_id": ["a1b2c3d4", "e5f6a7b8", "c9d0e1f2"],
    ...                         "label": ["塘沟镇 2023", "塘沟镇 2023", None]})
    >>> report_labels(reports).tolist()
    ['塘沟镇 2023 (a1b2c3)', '塘沟镇 2023 (e5f6a7)', 'c9d0e1f2']
    """
    ids = reports["doc_id"].astype(str)
    if "label" in reports.columns:
        labels = reports["label"].astype("string").fillna(ids).astype(str)
    else:
        labels = ids.copy()
    labels = labels.where(labels.str.strip() != "", ids)
    repeated = labels.duplicated(keep=False)
    labels = labels.where(~repeated, labels + " (" + ids.str[:6] + ")")
    return pd.Series(labels.to_numpy(), index=pd.Index(ids.to_numpy(), name="doc_id"),
                     name="label")


def _joined(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return value
    return "; ".join(str(v) for v in value)


def metadata_issues(reports: pd.DataFrame) -> pd.DataFrame:
    """The reports whose region or year could not be settled, with the candidates.

    Parameters
    ----------
    reports : DataFrame
        The reports table (:func:`lawgov.read_reports`).

    Returns
    -------
    DataFrame
        One row per report whose ``region_status`` is not ``"resolved"`` or whose
        ``year`` is missing, in the order of ``reports``:

        - ``doc_id`` (str); ``label`` (str): see :func:`report_labels`;
        - ``source`` (str): file name of ``source_path``;
        - ``region_status`` (str): ``ambiguous`` or ``unresolved`` (or ``resolved``
          when only the year is the problem);
        - ``region_candidates`` (str): the candidate chains, joined by ``"; "``;
        - ``region_evidence`` (str): why the region was or was not settled;
        - ``year`` (Int64): the year if known;
        - ``year_candidates`` (str): conflicting years, joined by ``"; "``;
        - ``year_evidence`` (str).

    Examples
    --------
    >>> import pandas as pd
    >>> reports = pd.DataFrame({
    ...     "doc_id": ["a", "b"], "label": ["赵庄镇", "塘沟镇 2023"],
    ...     "source_path": ["raw/x.txt", "raw/y.txt"],
    ...     "region_status": ["ambiguous", "resolved"],
    ...     "region_candidates": [["河南省/平顶山市/宝丰县/赵庄镇",
    ...                            "山东省/菏泽市/曹县/赵庄镇"], []],
    ...     "region_evidence": ["名称重复", "县名"],
    ...     "year": pd.array([None, 2023], dtype="Int64"),
    ...     "year_candidates": [[2022, 2023], []], "year_evidence": ["", "标题"]})
    >>> issues = metadata_issues(reports)
    >>> issues[["label", "source", "region_status", "year_candidates"]].iloc[0].tolist()
    ['赵庄镇', 'x.txt', 'ambiguous', '2022; 2023']
    >>> issues.loc[0, "region_candidates"]
    '河南省/平顶山市/宝丰县/赵庄镇; 山东省/菏泽市/曹县/赵庄镇'
    """
    def column(name: str, default=None) -> pd.Series:
        if name in reports.columns:
            return reports[name]
        return pd.Series([default] * len(reports), index=reports.index)

    status = column("region_status", "unresolved").fillna("unresolved").astype(str)
    year = column("year").astype("Int64")
    keep = ((status != "resolved") | year.isna()).to_numpy()
    table = pd.DataFrame({
        "doc_id": reports["doc_id"].astype(str).to_numpy(),
        "label": report_labels(reports).to_numpy(),
        "source": [Path(str(p)).name if p is not None and not pd.isna(p) else ""
                   for p in column("source_path")],
        "region_status": status.to_numpy(),
        "region_candidates": [_joined(v) for v in column("region_candidates")],
        "region_evidence": [_joined(v) for v in column("region_evidence")],
        "year": year.to_numpy(),
        "year_candidates": [_joined(v) for v in column("year_candidates")],
        "year_evidence": [_joined(v) for v in column("year_evidence")],
    })
    return table[keep].reset_index(drop=True)


def _file_hashes(corpus: Path) -> dict[str, str]:
    """SHA-256 of every regular file under ``corpus`` (hidden files skipped), by relative path."""
    hashes = {}
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        relative = path.relative_to(corpus)
        if any(part.startswith(".") for part in relative.parts):
            continue
        hashes[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def _combined_hash(hashes: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name, value in sorted(hashes.items()):
        digest.update(f"{name}\0{value}\n".encode())
    return digest.hexdigest()


def _default_processed(corpus: Path) -> Path:
    """Where a corpus is ingested when no processed folder is given.

    data/raw goes to data/processed; any other folder to its own subfolder of
    data/processed/corpora, keyed by its absolute path, so two corpora never share
    (and overwrite) one reports table.
    """
    if corpus.resolve() == DEFAULT_CORPUS.resolve():
        return DEFAULT_PROCESSED
    key = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:10]
    slug = re.sub(r"[^0-9A-Za-z_-]+", "-", corpus.resolve().name).strip("-") or "corpus"
    return DEFAULT_PROCESSED / "corpora" / f"{slug}-{key}"


def _ingest(corpus: Path, processed: Path, log) -> None:
    """Bring ``processed`` up to date with ``corpus``.

    :func:`lawgov.ingest` reads only the inputs that changed since its last run into that
    folder (by content hash, manifest row, version and parameters), so calling it every
    time costs little and never publishes a stale table.
    """
    from .ingest import ingest

    log(f"ingesting {corpus} into {processed}")
    try:
        result = ingest(corpus, out=processed, progress=False)
    except (OSError, ValueError) as error:
        raise PublishError(f"ingesting {corpus} failed: {error}") from error
    log(f"{result.n_reports} reports ({result.n_read} read, {result.n_reused} unchanged)")
    if result.n_reports == 0:
        raise PublishError(f"no report could be read from {corpus}; see "
                           f"{processed / 'ingest_log.csv'} for why each file was skipped")


# ---------------------------------------------------------------------------------------
# executing and exporting notebooks


@dataclass(frozen=True)
class _Page:
    stem: str
    title: str
    question: str
    seconds: float
    figures: tuple[str, ...]


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _title_and_question(nb, stem: str) -> tuple[str, str]:
    """The page title and research question from the notebook's first Markdown cell."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        title, paragraphs = stem, []
        for block in re.split(r"\n\s*\n", cell.source.strip()):
            if block.startswith("#") and title == stem:
                title = block.lstrip("#").strip()
            elif block.strip():
                paragraphs.append(" ".join(block.split()))
        question = re.sub(r"[*_`]", "", paragraphs[0]) if paragraphs else ""
        return title, question
    return stem, ""


def _kernel_dir(where: Path) -> Path:
    """A kernelspec 'python3' that runs the interpreter publish itself runs on.

    The 'python3' spec found on the Jupyter path may start whatever 'python' is first on
    PATH, which outside an activated venv is not the one with lawgov installed.
    """
    spec = where / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (lawgov publish)",
        "language": "python",
    }), encoding="utf-8")
    return where


def _execute(path: Path, *, kernel_dir: Path, env: dict[str, str], timeout: int,
             kernel_log: Path):
    """Execute one notebook; return it executed, or raise PublishError naming the cell.

    What the kernel process itself writes to stdout/stderr (outside any cell's output)
    goes to ``kernel_log``.
    """
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    class _Client(NotebookClient):
        current_index = -1

        async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
            self.current_index = cell_index
            return await super().async_execute_cell(cell, cell_index, *args, **kwargs)

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises several unrelated types for a bad file
        raise PublishError(f"notebook {path.name} cannot be read: {error}") from error
    specs = KernelSpecManager(kernel_dirs=[str(kernel_dir)], ensure_native_kernel=False)
    # IPC sockets on POSIX: no TCP port is opened, and the kernel has no reason to warn
    # about unencrypted TCP traffic in the build log.
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=specs,
                            transport="ipc" if os.name == "posix" else "tcp",
                            connection_file=str(kernel_dir / f"{path.stem}.json"))
    client = _Client(nb, km=manager, timeout=timeout, kernel_name="python3",
                     resources={"metadata": {"path": str(path.parent)}})
    try:
        with open(kernel_log, "wb") as sink:
            client.execute(env=env, stdout=sink, stderr=sink)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        index = client.current_index
        cell = nb.cells[index] if 0 <= index < len(nb.cells) else None
        where = f"cell {index}" + (f" ({_first_line(cell.source)!r})" if cell is not None else "")
        if isinstance(error, CellExecutionError):
            what = f"{error.ename}: {error.evalue}"
        elif isinstance(error, CellTimeoutError):
            what = f"timed out after {timeout} s"
        else:
            what = f"the kernel died ({error})"
        raise PublishError(f"notebook {path.name} failed in {where}: {what}") from error
    return nb


def _take_stderr(nb) -> list[str]:
    """Remove stderr streams from the executed notebook and return them as log lines.

    Warnings and library chatter (jieba's dictionary loading, font messages) belong in
    the build log, where a test checks them, not in the published findings.
    """
    lines = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines += [f"  cell {index}: {line}" for line in output.get("text", "").splitlines()
                          if line.strip()]
            else:
                kept.append(output)
        cell.outputs = kept
    return lines


def _exporter():
    from nbconvert import HTMLExporter

    templates = resources.files("lawgov") / "resources" / "site" / "templates"
    return HTMLExporter(
        template_name="lawgov_page",
        extra_template_basedirs=[str(templates)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        theme="light",
    )


def _read_site_resource(name: str) -> str:
    return (resources.files("lawgov") / "resources" / "site" / name).read_text(encoding="utf-8")


def _render_index(context: dict) -> str:
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_read_site_resource("index.html.j2")).render(**context)


def _sync_figures(built: Path, figures: Path, stems: list[str]) -> None:
    """Copy the figures of this build into ``figures``, dropping the stale ones.

    A figure file in ``figures`` that a notebook of this build would have written (its
    name starts with the notebook's number) but did not write this time is removed, so
    the folder never mixes figures of two builds; other files are left alone.
    """
    figures.mkdir(parents=True, exist_ok=True)
    new = {p.name for p in built.iterdir() if p.is_file()}
    prefixes = tuple(stem.split("_", 1)[0] + "_" for stem in stems)
    for path in figures.iterdir():
        if (path.is_file() and path.suffix in (".png", ".svg") and path.name.startswith(prefixes)
                and path.name not in new):
            path.unlink()
    for name in sorted(new):
        shutil.copy2(built / name, figures / name)


def _swap_in(build: Path, out: Path) -> None:
    """Replace ``out`` by ``build`` with two renames on one file system."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}-old-{os.getpid()}-{time.time_ns()}")
        os.replace(out, old)
    os.replace(build, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def publish(corpus: str | Path = DEFAULT_CORPUS, *, processed: str | Path | None = None,
            out: str | Path = "reports", figures: str | Path = "figures",
            notebooks: str | Path = "notebooks", seed: int = 0, timeout: int = 600,
            progress: bool = True) -> Path:
    """Execute the notebooks on a corpus and publish the findings as an HTML site.

    Steps: ingest ``corpus`` into ``processed`` (:func:`lawgov.ingest` re-reads only the
    files that changed); run every ``notebooks/NN_*.ipynb`` in name order, each in a fresh
    kernel of the running interpreter, with the parameters in the environment variables
    ``LAWGOV_CORPUS``, ``LAWGOV_PROCESSED``, ``LAWGOV_FIGURES`` and ``LAWGOV_SEED``;
    export each to ``out/NN_*.html`` (figures embedded, no remote script or stylesheet);
    write ``out/index.html``, ``out/build.log`` (everything the notebooks wrote to stderr,
    warnings included), ``out/manifest.json`` and the executed notebooks; copy the
    figures (PNG and SVG) to ``figures`` and ``out/figures``.

    The site is built in a temporary folder beside ``out`` and renamed into place at the
    end, so if a notebook fails the previous site (and ``figures``) stay as they were.

    Parameters
    ----------
    corpus : path
        Folder of report files.
    processed : path, optional
        Folder of the ingested tables. Default: ``data/processed`` for ``data/raw``, and
        ``data/processed/corpora/<name>-<key>`` for any other corpus folder, so results
        of two corpora never mix.
    out : path
        Folder of the site (replaced as a whole).
    figures : path
        Folder the figures are copied to.
    notebooks : path
        Folder of the notebooks to run (``*.ipynb``, run in name order).
    seed : int
        Random seed the notebooks pass to every random step.
    timeout : int
        Seconds a single cell may run.
    progress : bool
        Print one line per step to stderr.

    Returns
    -------
    Path
        The path of ``index.html``.

    Raises
    ------
    PublishError
        When the corpus or notebooks folder is missing or empty, or a notebook fails
        (the message names the notebook, the cell and the error).
    """
    started = time.monotonic()
    corpus, out, figures, notebooks = Path(corpus), Path(out), Path(figures), Path(notebooks)
    processed = _default_processed(corpus) if processed is None else Path(processed)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer, not {seed!r}")

    def log(message: str) -> None:
        if progress:
            print(f"lawgov publish: {message}", file=sys.stderr, flush=True)

    if not corpus.is_dir():
        raise PublishError(f"corpus folder {corpus} does not exist; pass --corpus DIR with "
                           "the report files (txt, docx, pdf, html)")
    paths = sorted(notebooks.glob("*.ipynb")) if notebooks.is_dir() else []
    if not paths:
        raise PublishError(f"no notebooks (*.ipynb) in {notebooks}; pass --notebooks DIR or run "
                           "from the project folder")
    hashes = _file_hashes(corpus)
    if not hashes:
        raise PublishError(f"corpus folder {corpus} has no files")
    _ingest(corpus, processed, log)
    from .ingest import read_ingested

    reports = read_ingested(processed)

    out_abs = out.resolve()
    out_abs.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{out_abs.name}-build-", dir=out_abs.parent))
    try:
        build.chmod(0o755)
        built_figures = build / "figures"
        built_figures.mkdir()
        (build / "notebooks").mkdir()
        env = {
            **os.environ,
            ENV_CORPUS: str(corpus.resolve()),
            ENV_PROCESSED: str(processed.resolve()),
            ENV_FIGURES: str(built_figures),
            ENV_SEED: str(seed),
            # Same set/dict iteration order in every run: the outputs are reproducible.
            "PYTHONHASHSEED": "0",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        }
        generated = datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M %Z")
        build_log = [f"lawgov {__version__} publish, {generated}",
                     f"corpus {corpus.resolve()} ({len(hashes)} files, "
                     f"sha256 {_combined_hash(hashes)})", f"processed {processed.resolve()}",
                     f"seed {seed}", ""]
        executed, pages = [], []
        with tempfile.TemporaryDirectory(prefix="lawgov-kernel-") as kernels:
            kernel_dir = _kernel_dir(Path(kernels))
            for number, path in enumerate(paths, start=1):
                log(f"[{number}/{len(paths)}] running {path.name}")
                before = set(built_figures.iterdir())
                tick = time.monotonic()
                kernel_log = Path(kernels) / f"{path.stem}.log"
                nb = _execute(path, kernel_dir=kernel_dir, env=env, timeout=timeout,
                              kernel_log=kernel_log)
                seconds = time.monotonic() - tick
                stderr = _take_stderr(nb) + [
                    f"  kernel: {line}" for line in
                    kernel_log.read_text(encoding="utf-8", errors="replace").splitlines()
                    if line.strip()]
                made = sorted(p.name for p in set(built_figures.iterdir()) - before)
                build_log += [f"== {path.name}: {seconds:.1f} s, {len(made)} figure files",
                              *stderr, ""]
                title, question = _title_and_question(nb, path.stem)
                executed.append((path, nb))
                pages.append(_Page(path.stem, title, question, seconds, tuple(made)))
                log(f"[{number}/{len(paths)}] {path.name} done in {seconds:.1f} s "
                    f"({len(made)} figure files)")

        import nbformat

        exporter = _exporter()
        css = _read_site_resource("site.css")
        for i, ((path, nb), page) in enumerate(zip(executed, pages, strict=True)):
            neighbour = {
                key: {"href": f"{p.stem}.html", "title": p.title} if p is not None else None
                for key, p in (("lawgov_previous", pages[i - 1] if i > 0 else None),
                               ("lawgov_next", pages[i + 1] if i + 1 < len(pages) else None))
            }
            body, _ = exporter.from_notebook_node(nb, resources={
                "metadata": {"name": page.title},
                "lawgov_css": css, "lawgov_site_title": SITE_TITLE,
                "lawgov_generated": generated, "lawgov_version": __version__,
                "lawgov_corpus": str(corpus), "lawgov_seed": seed,
                "lawgov_notebook_href": f"notebooks/{path.name}", **neighbour,
            })
            (build / f"{page.stem}.html").write_text(body, encoding="utf-8")
            nbformat.write(nb, build / "notebooks" / path.name)

        figure_stems = sorted({Path(name).stem for page in pages for name in page.figures})
        context = {
            "title": SITE_TITLE, "version": __version__, "generated": generated,
            "summary": corpus_summary(reports), "corpus": str(corpus.resolve()),
            "processed": str(processed.resolve()), "seed": seed,
            "corpus_hash": _combined_hash(hashes), "input_hashes": hashes, "css": css,
            "pages": [{
                "href": f"{page.stem}.html", "title": page.title, "question": page.question,
                "figures": [{"name": stem, "png": f"figures/{stem}.png",
                             "svg": f"figures/{stem}.svg"}
                            for stem in figure_stems
                            if f"{stem}.png" in page.figures and f"{stem}.svg" in page.figures],
            } for page in pages],
        }
        (build / "index.html").write_text(_render_index(context), encoding="utf-8")
        build_log.append(f"total {time.monotonic() - started:.1f} s")
        (build / "build.log").write_text("\n".join(build_log) + "\n", encoding="utf-8")
        (build / "manifest.json").write_text(json.dumps({
            "lawgov_version": __version__, "generated": generated,
            "corpus": str(corpus.resolve()), "processed": str(processed.resolve()),
            "seed": seed, "input_hashes": hashes, "corpus_hash": _combined_hash(hashes),
            "pages": [{"page": f"{p.stem}.html", "title": p.title, "seconds": round(p.seconds, 1),
                       "figures": list(p.figures)} for p in pages],
        }, ensure_ascii=False, indent=1), encoding="utf-8")
        glyph_lines = [line for line in build_log
                       if any(marker in line.lower() for marker in _LOG_MARKERS)]
        if glyph_lines:
            log(f"warning: {len(glyph_lines)} font warnings in build.log "
                "(Chinese may show as boxes)")
        _sync_figures(built_figures, figures, [p.stem for p in paths])
        _swap_in(build, out_abs)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    log(f"site written to {out / 'index.html'} in {time.monotonic() - started:.1f} s")
    return out / "index.html"


def cli(argv: list[str] | None = None) -> int:
    """``lawgov publish``: run the notebooks on a corpus and write the HTML site."""
    parser = argparse.ArgumentParser(
        prog="lawgov publish",
        description="Execute the notebooks on a corpus of reports and publish the findings "
                    "as an HTML site that opens offline.",
    )
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS),
                        help="folder of report files (default: %(default)s)")
    parser.add_argument("--processed", default=None,
                        help="folder of the ingested tables (default: data/processed for "
                             "data/raw, a separate subfolder of data/processed/corpora "
                             "for any other corpus)")
    parser.add_argument("--out", default="reports", help="site folder (default: %(default)s)")
    parser.add_argument("--figures", default="figures",
                        help="folder for PNG and SVG figures (default: %(default)s)")
    parser.add_argument("--notebooks", default="notebooks",
                        help="folder of the notebooks to run (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds a notebook cell may run (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    try:
        publish(args.corpus, processed=args.processed, out=args.out, figures=args.figures,
                notebooks=args.notebooks, seed=args.seed, timeout=args.timeout,
                progress=not args.quiet)
    except PublishError as error:
        print(f"lawgov publish: error: {error}", file=sys.stderr)
        print("lawgov publish: the previous site was left unchanged", file=sys.stderr)
        return 1
    return 0
