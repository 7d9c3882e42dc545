"""Persisting a corpus: raw files into Parquet tables, streamed chunk by chunk, with provenance.

``lawgov ingest data/raw --out data/processed`` (or :func:`ingest`) runs the per-report
stages (read + clean + resolve region and year, :func:`lawgov.split_sections`,
:func:`lawgov.split_items`, :func:`lawgov.tokenize` of the items,
:func:`lawgov.extract_indicators` of the items) and writes:

* ``reports.parquet``: the reports table of :func:`lawgov.read_reports`
  (read it with :func:`read_ingested`);
* ``sections.parquet``, ``items.parquet``: the sections and items tables
  (:func:`read_table`);
* ``tokens.parquet``: the tokens of every item, stored compactly as one row per item with
  ``doc_id``, ``unit_id``, ``n_tokens`` and ``tokens``, the tokens joined by one space
  (the tokenizer drops whitespace, so no token contains a space); :func:`read_tokens`
  gives back the Series of lists of :func:`lawgov.tokenize`;
* ``indicators.parquet``: the quantities of :func:`lawgov.extract_indicators`;
* ``reports.json``: the provenance manifest (lawgov version, SHA-256 of every input file,
  parameters including the tokenizer configuration, Python and package versions, the hash
  of every table);
* ``ingest_log.csv``: one row per input file with its status (ok / duplicate / skipped /
  error), the reason and what to do, the doc_id and the input's hash.

Streaming. The inputs (sorted by path) are cut into chunks of ``chunk_size`` files; each
chunk goes through every stage in one worker call (:func:`ingest_chunk`) and comes back as
one Arrow table per stage, which is appended to that stage's Parquet file as one row group
(``pyarrow.parquet.ParquetWriter``). Only a few chunks are in flight at once, so memory
depends on ``chunk_size`` and ``workers``, not on the size of the corpus: nothing holds the
whole corpus' raw text, clean text or token lists. All writes go to temporary files in the
output folder that replace the previous files at the end (``os.replace``), the manifest
last, so an interrupted run leaves the previous outputs usable.

Reuse. An input whose bytes, manifest row, lawgov version and parameters are unchanged since
the last run is not processed again: its rows are copied from the previous Parquet files
(the row groups holding its ``doc_id``). When every input is unchanged and sits in the same
chunk as before, the tables are left as they are and only the log and manifest are written.
An input whose size and modification time are those in the last log keeps its recorded
hash without being read (as make and git decide); ``reuse=False`` (``--no-reuse``)
processes every input again. A duplicate (same clean text as an earlier input) is always
read again, since whether it still is one depends on the inputs before it.

Engines. ``engine="local"`` runs the chunks in a process pool of ``workers`` processes
(in this process when ``workers=1`` or there is a single chunk). ``engine="dask"`` submits
the same :func:`ingest_chunk` calls to a ``dask.distributed`` cluster: the scheduler at
``scheduler`` (``"tcp://host:8786"``) or, with none, a ``LocalCluster`` of ``workers``
single-threaded processes started for the run. To use an existing cluster, start a scheduler
(``dask scheduler``) and workers (``dask worker tcp://host:8786``) on machines that have
lawgov installed (same version: the manifest records this machine's) and can read the
input files at the same paths (a shared or network file system); then run
``lawgov ingest /shared/raw --out /shared/processed --engine dask --scheduler
tcp://host:8786``. The workers only read inputs and return tables; this process writes the
Parquet files, so the output folder needs to be reachable from here only. Both engines
write identical tables, row for row.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import pickle
import sys
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from . import reading
from ._provenance import atomic_path, sha256_file, sha256_json, write_manifest
from ._version import __version__
from .reading import DEFAULT_MAX_BYTES, ReportInputWarning, read_report_file

__all__ = ["ingest", "read_ingested", "read_table", "read_tokens", "dtm_from_ingested",
           "process_chunk",
           "ingest_chunk", "IngestResult", "IngestError"]

STAGES = ("reports", "sections", "items", "tokens", "indicators")
"""The stages :func:`ingest` can run, each writing ``<stage>.parquet``."""
_NEEDS = {"reports": (), "sections": ("reports",), "items": ("sections",),
          "tokens": ("items",), "indicators": ("items",)}
REPORTS_FILE = "reports.parquet"
MANIFEST_FILE = "reports.json"
LOG_FILE = "ingest_log.csv"
_LIST_COLUMNS = {"region_candidates": "string", "year_candidates": "int64"}
_LOG_COLUMNS = (*reading.LOG_COLUMNS, "input_key", "mtime_ns")
Engine = Literal["local", "dask"]
_ENGINES = ("local", "dask")
_OBJECTS_KEY = "lawgov.object_columns"


def _file(stage: str) -> str:
    return f"{stage}.parquet"


class IngestError(RuntimeError):
    """``strict=True`` and some inputs were skipped, duplicates or errors."""


@dataclass(frozen=True)
class IngestResult:
    """What an ingest run wrote and did.

    ``log`` has one row per input: ``file``, ``source_path``, ``status`` (ok / duplicate /
    skipped / error), ``reason``, ``doc_id``, ``input_sha256``, ``n_bytes``, ``input_key``
    (hash of the input's bytes, manifest row, lawgov version and parameters, the reuse key),
    ``mtime_ns`` (the input's modification time: with the same size, its hash is not
    computed again on the next run).
    ``paths`` maps each stage to its Parquet file; ``seconds`` is the wall time of the run.
    """

    reports_path: Path
    manifest_path: Path
    log_path: Path
    log: pd.DataFrame
    n_reports: int
    n_read: int
    n_reused: int
    paths: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def problems(self) -> pd.DataFrame:
        """The log rows of inputs that did not become a report row of their own."""
        return self.log[self.log["status"] != "ok"]


# --------------------------------------------------------------------------------------
# the per-chunk work


def process_chunk(tasks: Sequence[tuple[str, str, dict | None]], *,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> list[tuple[dict | None, dict]]:
    """Read a chunk of inputs: ``[(path, key, manifest_row), ...] -> [(row, record), ...]``.

    Pure and picklable: the reading step of :func:`ingest_chunk`.
    """
    return [read_report_file(path, overrides=overrides, max_bytes=max_bytes, key=key)
            for path, key, overrides in tasks]


def _sha256_or_empty(path) -> str:
    # For an input the worker did not hash (too large to read, or unreadable).
    try:
        return sha256_file(path)
    except OSError:
        return ""


@functools.lru_cache(maxsize=4)
def _tokenizer_from(state: bytes | None):
    # Keyed by the pickled tokenizer: a worker builds its segmenter (about 0.1 s) once per
    # configuration, not once per chunk of 100 reports; None is the default tokenizer.
    from .tokenizing import Tokenizer

    return pickle.loads(state) if state else Tokenizer()


def _arrow(frame: pd.DataFrame):
    """An Arrow table whose types depend on the columns' dtypes only, not on their values.

    Chunks are written to one Parquet file, so every chunk must give the same schema, also
    when a column happens to be all missing in a chunk.
    """
    import numpy as np
    import pyarrow as pa

    fields, arrays, objects = [], [], []
    for column in frame.columns:
        values = frame[column]
        dtype = values.dtype
        if column in _LIST_COLUMNS:
            kind = pa.list_(getattr(pa, _LIST_COLUMNS[column])())
            array = pa.array([list(v) if isinstance(v, (list, tuple)) else []
                              for v in values], type=kind)
        elif isinstance(dtype, pd.BooleanDtype) or (
                isinstance(dtype, np.dtype) and dtype.kind == "b"):
            array = pa.array(values, type=pa.bool_(), from_pandas=True)
        elif isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "iu":
            array = pa.array(values, type=pa.int64(), from_pandas=True)
        elif isinstance(dtype, np.dtype) and dtype.kind in "iu":
            array = pa.array(values.to_numpy(), type=pa.int64())
        elif isinstance(dtype, np.dtype) and dtype.kind == "f":
            array = pa.array(values.to_numpy(), type=pa.float64(), from_pandas=True)
        elif isinstance(dtype, pd.StringDtype):
            array = pa.array(values.array, type=pa.string(), from_pandas=True)
            if not isinstance(array, pa.StringArray):
                array = array.cast(pa.string())
        else:
            if dtype is np.dtype(object):
                objects.append(str(column))
            array = pa.array([None if v is None or (isinstance(v, float) and v != v) else str(v)
                              for v in values], type=pa.string())
        fields.append(pa.field(str(column), array.type))
        arrays.append(array)
    # Which columns were object dtype (missing values None, not NaN), so the readers can
    # give back the table the stage returned.
    metadata = {_OBJECTS_KEY: json.dumps(objects)}
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=metadata))


def _restore(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    metadata = pq.read_schema(path).metadata or {}
    for column in json.loads(metadata.get(_OBJECTS_KEY.encode(), b"[]")):
        if column in table.columns:
            values = table[column].astype(object)
            table[column] = values.where(values.notna(), None)
    return table


def _join_tokens(tokens: pd.Series, units: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "doc_id": units["doc_id"].astype(str).to_numpy(),
        "unit_id": tokens.index.astype(str).to_numpy(),
        "n_tokens": [len(t) for t in tokens],
        "tokens": [" ".join(t) for t in tokens],
    })


def ingest_chunk(tasks: Sequence[tuple[str, str, dict | None]], *,
                 max_bytes: int = DEFAULT_MAX_BYTES, stages: Sequence[str] = STAGES,
                 tokenizer: bytes | None = None) -> dict[str, Any]:
    """Run every stage on a chunk of inputs; the unit of work of :func:`ingest`.

    Pure and picklable, so it runs the same in this process, in a process pool or on a Dask
    worker.

    Parameters
    ----------
    tasks : sequence of (path, key, manifest_row)
        The inputs: file path, its name in the log, its manifest row (or None).
    max_bytes : int
        Files larger than this are skipped.
    stages : sequence of str
        Stages to run, from :data:`STAGES`.
    tokenizer : bytes, optional
        The pickled :class:`lawgov.Tokenizer` for the tokens stage (default: ``Tokenizer()``).

    Returns
    -------
    dict
        ``records``: one log record per task, in order (duplicates within the chunk marked);
        ``tables``: ``{stage: pyarrow.Table}`` for each stage, rows in input order.
    """
    from .indicators import extract_indicators
    from .structure import split_items, split_sections
    from .tokenizing import tokenize

    results = process_chunk(tasks, max_bytes=max_bytes)
    rows, records = reading.deduplicate([r for r, _ in results], [r for _, r in results])
    reports = reading._frame(rows)
    tables = {"reports": _arrow(reports)}
    del rows, results
    if "sections" in stages:
        sections = split_sections(reports)
        tables["sections"] = _arrow(sections)
        reports = None
        if "items" in stages:
            items = split_items(sections)
            tables["items"] = _arrow(items)
            sections = None
            if "tokens" in stages:
                tok = _tokenizer_from(tokenizer)
                tokens = tokenize(items, tok, n_jobs=1, cache_dir=False, progress=False)
                tables["tokens"] = _arrow(_join_tokens(tokens, items))
                del tokens
            if "indicators" in stages:
                tables["indicators"] = _arrow(extract_indicators(items))
    return {"records": records, "tables": tables}


# --------------------------------------------------------------------------------------
# reading the outputs


def _table_path(out: str | Path, stage: str) -> Path:
    path = Path(out)
    path = path / _file(stage) if path.is_dir() or not path.suffix else path
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; run `lawgov ingest` (or make data) first"
                                + ("" if stage == "reports" else
                                   f" with the {stage!r} stage"))
    return path


def _filters(doc_ids: Iterable[str] | None):
    return None if doc_ids is None else [("doc_id", "in", list(doc_ids))]


def read_ingested(out: str | Path = "data/processed", *,
                  doc_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Read the reports table written by :func:`ingest` (same columns as ``read_reports``).

    Parameters
    ----------
    out : str or Path
        The output folder of the ingest run, or the ``reports.parquet`` file itself.
    doc_ids : iterable of str, optional
        Read only these reports.

    Returns
    -------
    pandas.DataFrame
        The reports table; list columns hold Python lists, ``year`` is Int64.
    """
    path = _table_path(out, "reports")
    reports = _restore(pd.read_parquet(path, filters=_filters(doc_ids)), path)
    for column in _LIST_COLUMNS:
        if column in reports.columns:
            reports[column] = [list(v) if v is not None else [] for v in reports[column]]
    if "year" in reports.columns:
        reports["year"] = reports["year"].astype("Int64")
    return reports


def read_table(out: str | Path = "data/processed", stage: str = "sections", *,
               doc_ids: Iterable[str] | None = None,
               columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read one table written by :func:`ingest`: ``sections``, ``items``, ``indicators`` ...

    Parameters
    ----------
    out : str or Path
        The output folder of the ingest run.
    stage : str
        One of :data:`STAGES`; ``"reports"`` gives :func:`read_ingested`.
    doc_ids : iterable of str, optional
        Read only the rows of these reports.
    columns : sequence of str, optional
        Read only these columns.

    Returns
    -------
    pandas.DataFrame
        The table as the stage's function returns it (its docstring lists the columns);
        integer columns that may be missing are Int64.

    Examples
    --------
    >>> import tempfile
    >>> import lawgov as lg
    >>> out = tempfile.mkdtemp()
    >>> _ = ingest(lg.sample_paths()[3], out=out, stages=("reports", "sections", "items"))
    >>> items = read_table(out, "items")
    >>> items["unit_id"].is_unique, list(items.columns[:3])
    (True, ['doc_id', 'unit_id', 'part'])
    """
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    if stage == "reports" and columns is None:
        return read_ingested(out, doc_ids=doc_ids)
    path = _table_path(out, stage)
    table = _restore(pd.read_parquet(path, columns=None if columns is None else list(columns),
                                     filters=_filters(doc_ids)), path)
    for column in ("number", "doc_start", "doc_end", "year"):
        if column in table.columns:
            table[column] = table[column].astype("Int64")
    return table


def read_tokens(out: str | Path = "data/processed", *,
                doc_ids: Iterable[str] | None = None) -> pd.Series:
    """The tokens written by :func:`ingest`, as :func:`lawgov.tokenize` returns them.

    ``tokens.parquet`` holds one row per item: ``doc_id`` (str), ``unit_id`` (str),
    ``n_tokens`` (int) and ``tokens`` (str, the tokens joined by one space). This expands
    the joined strings back into lists.

    Parameters
    ----------
    out : str or Path
        The output folder of the ingest run.
    doc_ids : iterable of str, optional
        Read only the tokens of these reports.

    Returns
    -------
    pandas.Series
        Named ``tokens``: one ``list[str]`` per item, indexed by ``unit_id``.

    Examples
    --------
    >>> import tempfile
    >>> import lawgov as lg
    >>> out = tempfile.mkdtemp()
    >>> _ = ingest(lg.sample_paths()[3], out=out)
    >>> tokens = read_tokens(out)
    >>> items = read_table(out, "items")
    >>> tokens.equals(lg.tokenize(items, cache_dir=False))
    True
    """
    table = pd.read_parquet(_table_path(out, "tokens"), columns=["unit_id", "tokens"],
                            filters=_filters(doc_ids))
    return pd.Series([t.split(" ") if t else [] for t in table["tokens"]],
                     index=pd.Index(table["unit_id"].astype(str), name="unit_id"),
                     name="tokens", dtype=object)


_DTM_WEIGHTINGS = ("tfidf", "count", "binary")
_DTM_BY = ("items", "reports")


def dtm_from_ingested(out: str | Path = "data/processed", *, hashing: int = 2 ** 20,
                      weighting: Literal["tfidf", "count", "binary"] = "tfidf",
                      by: Literal["items", "reports"] = "items", min_df: int = 1):
    """A hashed document-term matrix streamed from ``tokens.parquet``, for corpora too big
    to hold as token lists.

    :func:`lawgov.build_dtm` needs every token list in memory (about 90 bytes per token in
    Python: some 15 GB for 100,000 reports) and a vocabulary dictionary. This reads the
    tokens one row group at a time and hashes each token into one of ``hashing`` columns
    (scikit-learn's ``HashingVectorizer``: stateless, no vocabulary), so memory holds only
    the sparse counts (12 bytes per distinct term of each row, about 400 MB of counts for
    100,000 reports by item) and one row group of text. The result is what
    ``build_dtm(read_tokens(out), hashing=hashing, weighting=weighting, min_df=min_df)``
    gives; columns are named ``"#<column>"`` and terms that collide share one.

    Parameters
    ----------
    out : str or Path
        The output folder of :func:`ingest` (with the tokens stage).
    hashing : int
        Number of hashed columns (2**20 keeps collisions rare for a vocabulary of some
        100,000 terms).
    weighting : {"tfidf", "count", "binary"}
        As in :func:`lawgov.build_dtm` (TF-IDF with smoothed idf and l2-normalised rows).
    by : {"items", "reports"}
        One row per item (ids ``unit_id``), or the items of each report summed (ids
        ``doc_id``, in the order of ``reports.parquet``).
    min_df : int
        Drop columns occurring in fewer rows.

    Returns
    -------
    lawgov.DocumentTermMatrix

    Examples
    --------
    >>> import tempfile
    >>> import lawgov as lg
    >>> out = tempfile.mkdtemp()
    >>> _ = ingest(lg.sample_paths()[:2], out=out, workers=1)
    >>> dtm = dtm_from_ingested(out, weighting="count")
    >>> ref = lg.build_dtm(read_tokens(out), hashing=2 ** 20, weighting="count")
    >>> (dtm.counts != ref.counts).nnz, list(dtm.row_ids) == list(ref.row_ids)
    (0, True)
    >>> dtm_from_ingested(out, by="reports").shape[0]
    2
    """
    import numpy as np
    import pyarrow.parquet as pq
    from scipy import sparse
    from sklearn.feature_extraction.text import HashingVectorizer

    from .representations import DocumentTermMatrix, _weighted

    if weighting not in _DTM_WEIGHTINGS:
        raise ValueError(f"weighting must be one of {', '.join(_DTM_WEIGHTINGS)}, not "
                         f"{weighting!r}")
    if by not in _DTM_BY:
        raise ValueError(f"by must be one of {', '.join(_DTM_BY)}, not {by!r}")
    source = pq.ParquetFile(_table_path(out, "tokens"))
    hasher = HashingVectorizer(analyzer=_split_tokens, n_features=int(hashing),
                               alternate_sign=False, norm=None, dtype=np.float64)
    blocks, unit_ids, doc_ids = [], [], []
    for index in range(source.num_row_groups):
        group = source.read_row_group(index, columns=["doc_id", "unit_id", "tokens"])
        blocks.append(sparse.csr_matrix(hasher.transform(group.column("tokens").to_pylist()),
                                        dtype=np.int64))
        unit_ids += group.column("unit_id").to_pylist()
        doc_ids += group.column("doc_id").to_pylist()
        del group
    counts = (sparse.vstack(blocks).tocsr() if blocks
              else sparse.csr_matrix((0, int(hashing)), dtype=np.int64))
    del blocks
    if by == "reports":
        order = read_table(out, "reports", columns=["doc_id"])["doc_id"].tolist()
        row_of = {d: i for i, d in enumerate(order)}
        rows = np.array([row_of[d] for d in doc_ids], dtype=np.int64)
        summing = sparse.csr_matrix((np.ones(len(rows), dtype=np.int64),
                                     (rows, np.arange(len(rows)))),
                                    shape=(len(order), len(rows)))
        counts, ids = (summing @ counts).tocsr(), order
    else:
        ids = unit_ids
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    keep = np.flatnonzero((df > 0) & (df >= min_df))
    if keep.size == 0:
        raise ValueError("no term left: the token lists are empty or min_df removes every term")
    counts = counts[:, keep].tocsr()
    counts.sort_indices()
    return DocumentTermMatrix(
        matrix=_weighted(counts, weighting), counts=counts,
        row_ids=pd.Index(ids, name="unit_id"),
        feature_names=np.array([f"#{i}" for i in keep], dtype=object), weighting=weighting,
        params={"weighting": weighting, "hashing": int(hashing), "by": by, "min_df": min_df,
                "source": str(_table_path(out, "tokens"))},
    )


def _split_tokens(joined: str) -> list[str]:
    return joined.split(" ") if joined else []


# --------------------------------------------------------------------------------------
# the previous run


def _stat(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns]


@dataclass
class _Previous:
    """What the last run left, when it can be trusted."""

    records: dict  # (input_key, file) -> log record
    outputs: dict  # file name -> sha256, as recorded
    files: dict  # stage -> Path of the previous table
    row_group: dict  # "reports" -> {doc_id: row group}
    chunks: list  # the doc_ids of each row group, as written


def _previous(out: Path, version: str, params_hash: str, stages: Sequence[str]) -> _Previous:
    empty = _Previous({}, {}, {}, {}, [])
    manifest, log = out / MANIFEST_FILE, out / LOG_FILE
    files = {stage: out / _file(stage) for stage in stages}
    if not (manifest.is_file() and log.is_file() and all(p.is_file() for p in files.values())):
        return empty
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
        outputs, stats = previous.get("outputs", {}), previous.get("output_stats", {})
        if (previous.get("lawgov_version") != version
                or previous.get("params_sha256") != params_hash):
            return empty
        for path in files.values():
            # Size and modification time as recorded: the same file, no need to hash it
            # again (hashing gigabytes would cost more than the rest of a cached run).
            if stats.get(path.name) != _stat(path) and outputs.get(path.name) != sha256_file(path):
                return empty
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(files["reports"])
        chunks = [meta.read_row_group(i, columns=["doc_id"]).column(0).to_pylist()
                  for i in range(meta.num_row_groups)]
        row_group = {"reports": {d: i for i, ids in enumerate(chunks) for d in ids}}
        records = pd.read_csv(log, dtype=str, keep_default_na=False).to_dict("records")
    except (OSError, ValueError, KeyError):
        return empty
    # Keyed by file too: two files with the same bytes share an input key.
    return _Previous({(r["input_key"], r["file"]): r for r in records if r.get("input_key")},
                     outputs, files,
                     row_group, chunks)


class _RowGroups:
    """Row groups of the previous tables, read on demand; the last few kept decoded."""

    def __init__(self, previous: _Previous, keep: int = 3):
        import pyarrow.parquet as pq

        self.files = {stage: pq.ParquetFile(path) for stage, path in previous.files.items()}
        self.where = dict(previous.row_group)
        self.cache: OrderedDict = OrderedDict()
        self.keep = keep

    def _group(self, stage: str, index: int):
        key = (stage, index)
        if key not in self.cache:
            self.cache[key] = self.files[stage].read_row_group(index)
            while len(self.cache) > self.keep * len(self.files):
                self.cache.popitem(last=False)
        return self.cache[key]

    def rows(self, stage: str, doc_ids: list[str]):
        """The previous rows of these reports (in the previous file's order)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if stage not in self.where:
            # Which row group holds each report, from the doc_id column alone.
            source, where = self.files[stage], {}
            for index in range(source.num_row_groups):
                column = source.read_row_group(index, columns=["doc_id"]).column(0)
                where.update(dict.fromkeys(column.unique().to_pylist(), index))
            self.where[stage] = where
        groups = sorted({self.where[stage][d] for d in doc_ids if d in self.where[stage]})
        parts = []
        for index in groups:
            group = self._group(stage, index)
            parts.append(group.filter(pc.is_in(group.column("doc_id"),
                                               value_set=pa.array(doc_ids, pa.string()))))
        return parts


# --------------------------------------------------------------------------------------
# running chunks


def _progress(total: int, progress: bool | None):
    from tqdm.auto import tqdm

    enabled = (sys.stderr.isatty() and total >= 50) if progress is None else progress
    return tqdm(total=total, unit="file", desc="ingest", disable=not enabled)


def _packed_chunk(tasks, **kwargs) -> bytes:
    # The pool pickles results with protocol 4, which copies every Arrow buffer into a
    # bytes object and back; protocol 5 hands the buffers over as they are. A chunk's
    # tables cross to the parent in a quarter of the time (0.24 -> 0.06 ms a report).
    return pickle.dumps(ingest_chunk(tasks, **kwargs), protocol=5)


def _run_chunks(jobs: list[list], kwargs: dict, *, engine: str, workers: int,
                scheduler: str | None) -> Iterator[dict | None]:
    """Yield ``ingest_chunk(job, **kwargs)`` for every job, in order (None for empty jobs)."""
    busy = [job for job in jobs if job]
    if engine == "local" and (workers == 1 or len(busy) <= 1):
        for job in jobs:
            yield ingest_chunk(job, **kwargs) if job else None
        return
    if engine == "local":
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            for packed in _windowed(lambda job: pool.submit(_packed_chunk, job, **kwargs),
                                    jobs, 2 * workers):
                yield None if packed is None else pickle.loads(packed)
        return
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client:
            n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
            yield from _windowed(
                lambda job: client.submit(ingest_chunk, job, pure=False, **kwargs), jobs,
                2 * n_workers)
    finally:
        if cluster is not None:
            cluster.close()


def _windowed(submit, jobs: list, window: int) -> Iterator[dict | None]:
    pending: list = []
    position = 0

    def fill():
        nonlocal position
        while position < len(jobs) and sum(f is not None for f in pending) < window:
            job = jobs[position]
            pending.append(submit(job) if job else None)
            position += 1

    fill()
    while pending:
        future = pending.pop(0)
        result = future.result() if future is not None else None
        fill()
        yield result


# --------------------------------------------------------------------------------------
# the run


class _Writers:
    """One ParquetWriter per stage, writing to temporary files swapped in by :meth:`commit`."""

    def __init__(self, out: Path, stages: Sequence[str]):
        self.out, self.stages = out, stages
        self.writers: dict = {}
        self.schemas: dict = {}
        self.empty: dict = {}
        self.tmp = {stage: out / f".{_file(stage)}.{os.getpid()}.tmp" for stage in stages}

    def write(self, stage: str, table) -> None:
        import pyarrow.parquet as pq

        if table.num_rows == 0:
            # Not written: an empty chunk's columns may lack the types of a full one.
            self.empty.setdefault(stage, table)
            return
        schema = self.schemas.setdefault(stage, table.schema)
        if table.schema != schema:
            table = table.select(schema.names).cast(schema)
        if stage not in self.writers:
            self.out.mkdir(parents=True, exist_ok=True)
            # zstd level 1 without dictionary pages: a quarter of the CPU of the default
            # (snappy with dictionaries, which long unique texts defeat) and a fifth of
            # the size on the benchmark corpus.
            self.writers[stage] = pq.ParquetWriter(self.tmp[stage], schema,
                                                   compression="zstd", compression_level=1,
                                                   use_dictionary=False)
        self.writers[stage].write_table(table, row_group_size=max(1, table.num_rows))

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()

    def commit(self) -> dict[str, Path]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.close()
        paths = {}
        for stage in self.stages:
            path = self.out / _file(stage)
            if stage not in self.writers:
                self.out.mkdir(parents=True, exist_ok=True)
                nothing = pa.table({"doc_id": pa.array([], pa.string())})
                pq.write_table(self.empty.get(stage, nothing), self.tmp[stage])
            os.replace(self.tmp[stage], path)
            paths[stage] = path
        return paths

    def abort(self) -> None:
        self.close()
        for path in self.tmp.values():
            if path.exists():
                path.unlink()


def _order(table, position: dict[str, int]):
    """Rows sorted by their report's input position (stable: a report's rows keep order)."""
    ids = table.column("doc_id").to_pylist()
    order = sorted(range(len(ids)), key=lambda i: position[ids[i]])
    return table if order == list(range(len(ids))) else table.take(order)


def ingest(
    raw_dir: str | Path = "data/raw",
    *,
    out: str | Path = "data/processed",
    manifest: str | Path | None | bool = None,
    strict: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    reuse: bool = True,
    stages: Sequence[str] = STAGES,
    tokenizer=None,
    engine: Engine = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    chunk_size: int = 100,
    progress: bool | None = None,
) -> IngestResult:
    """Run the per-report stages on every report in ``raw_dir`` and stream the tables to Parquet.

    Parameters
    ----------
    raw_dir : str or Path
        Folder of report files (read recursively), a file, as for :func:`lawgov.read_reports`.
    out : str or Path
        Output folder for ``<stage>.parquet``, ``reports.json`` and ``ingest_log.csv``.
    manifest : str, Path, None or False
        Metadata manifest CSV; default ``<raw_dir>/manifest.csv`` when present; False
        ignores it.
    strict : bool
        Raise :class:`IngestError` (after writing the outputs) when any input was skipped,
        is a duplicate or could not be read.
    max_bytes : int
        Files larger than this are skipped.
    reuse : bool
        Take unchanged inputs' rows from the previous run instead of processing them again.
    stages : sequence of str
        Which tables to write, from ``reports``, ``sections``, ``items``, ``tokens`` (of
        the items), ``indicators`` (of the items); a stage needs the ones before it
        (``tokens`` needs ``items``, which needs ``sections``). Default: all.
    tokenizer : lawgov.Tokenizer, optional
        The tokenizer of the tokens stage; default ``Tokenizer()`` (rjieba, the shipped
        lexicon, stopwords and filler dropped). Its configuration is part of the parameters.
    engine : {"local", "dask"}
        ``"local"``: a process pool of ``workers`` processes on this machine. ``"dask"``:
        a ``dask.distributed`` cluster (see the module docstring).
    scheduler : str, optional
        Address of the Dask scheduler (``"tcp://host:8786"``); default: a LocalCluster
        started for this run. Only with ``engine="dask"``.
    workers : int, optional
        Worker processes (local pool, or the LocalCluster's); default ``os.cpu_count()``.
    chunk_size : int
        Files per unit of work and per Parquet row group. Memory grows with
        ``chunk_size * workers`` (a few MB per report in flight).
    progress : bool, optional
        Show a progress bar; default: when stderr is a terminal and there are 50+ files.

    Returns
    -------
    IngestResult
        Paths written, the log, and how many inputs were read or reused.

    Raises
    ------
    lawgov.ManifestError
        The manifest is malformed (nothing is written).
    IngestError
        ``strict=True`` and some inputs did not become report rows.

    Examples
    --------
    >>> import tempfile
    >>> import lawgov as lg
    >>> samples, out = lg.sample_paths()[0].parent, tempfile.mkdtemp()
    >>> result = ingest(samples, out=out, workers=1)
    >>> result.n_reports, result.n_read, sorted(p.name for p in Path(out).iterdir())
    ... # doctest: +NORMALIZE_WHITESPACE
    (5, 5, ['indicators.parquet', 'ingest_log.csv', 'items.parquet', 'reports.json',
            'reports.parquet', 'sections.parquet', 'tokens.parquet'])
    >>> ingest(samples, out=out, workers=1).n_reused
    5
    """
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1 or chunk_size < 1:
        raise ValueError(f"workers and chunk_size must be at least 1 (got {workers}, {chunk_size})")
    if max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive number of bytes, got {max_bytes}")
    if engine not in _ENGINES:
        raise ValueError(f"engine must be one of {', '.join(_ENGINES)}, not {engine!r}")
    if scheduler is not None and engine != "dask":
        raise ValueError("scheduler is the address of a Dask scheduler; pass engine='dask' too")
    if isinstance(stages, str):
        stages = (stages,)
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise ValueError(f"unknown stage(s) {', '.join(map(repr, unknown))}; stages are "
                         f"{', '.join(STAGES)}")
    stages = tuple(s for s in STAGES if s in stages or s == "reports")
    for stage in stages:
        missing = [n for n in _NEEDS[stage] if n not in stages]
        if missing:
            raise ValueError(f"stage {stage!r} needs {', '.join(missing)}; add it to stages")
    tokenizer_state = None
    params: dict[str, Any] = {"max_bytes": max_bytes}
    if stages != ("reports",):
        params["stages"] = list(stages)
    if "tokens" in stages:
        from .tokenizing import Tokenizer

        tokenizer = Tokenizer() if tokenizer is None else tokenizer
        if not isinstance(tokenizer, Tokenizer):
            raise TypeError(f"tokenizer must be a lawgov.Tokenizer, not {type(tokenizer).__name__}")
        params["tokenizer"] = tokenizer.config
        tokenizer_state = pickle.dumps(tokenizer)

    started = time.perf_counter()
    out = Path(out)
    inputs, folder = reading._collect(raw_dir)
    overrides = reading._manifest_for(None if manifest is True else manifest, folder,
                                      [key for _, key in inputs])
    params_hash = sha256_json(params)
    previous = (_previous(out, __version__, params_hash, stages) if reuse
                else _Previous({}, {}, {}, {}, []))

    # Which inputs are reused, chunk by chunk.
    hashes, keys, mtimes = {}, [], []
    reused: dict[int, dict] = {}  # input index -> previous log record
    last_seen = {file: r for (_, file), r in previous.records.items()}
    for index, (path, key) in enumerate(inputs):
        seen_before = last_seen.get(key)
        if seen_before is None:
            # Nothing under this name to reuse: the worker that reads the file hashes the
            # bytes it read, so a cold run reads each input once, not twice (hashing 10,000
            # inputs here first took about 1 s before any worker started).
            try:
                mtimes.append(str(os.stat(path).st_mtime_ns))
            except OSError:
                mtimes.append("")
            hashes[key] = None
            keys.append(None)
            continue
        try:
            info = os.stat(path)
            mtimes.append(str(info.st_mtime_ns))
            # Same size and modification time as last run: the recorded hash is taken
            # instead of reading the file again (as make and git do); reading every input
            # was two thirds of a cached run over 100,000 files.
            if (seen_before and seen_before.get("input_sha256")
                    and seen_before.get("mtime_ns") == mtimes[-1]
                    and seen_before.get("n_bytes") == str(info.st_size)):
                digest = seen_before["input_sha256"]
            else:
                digest = sha256_file(path)
        except OSError:
            digest = ""
            if len(mtimes) == index:
                mtimes.append("")
        hashes[key] = digest
        input_key = sha256_json([digest, overrides.get(key), __version__, params_hash])
        keys.append(input_key)
        old = previous.records.get((input_key, key)) if digest else None
        if old and old["status"] in {"ok", "skipped", "error"}:
            if old["status"] != "ok" or old["doc_id"] in previous.row_group.get("reports", {}):
                reused[index] = old
    chunks = [list(range(i, min(i + chunk_size, len(inputs))))
              for i in range(0, len(inputs), chunk_size)]
    jobs = [[(str(inputs[i][0]), inputs[i][1], overrides.get(inputs[i][1]))
             for i in chunk if i not in reused] for chunk in chunks]
    n_read = sum(len(job) for job in jobs)

    kept_chunks = [[reused[i]["doc_id"] for i in chunk if reused[i]["status"] == "ok"]
                   for chunk in chunks] if n_read == 0 else None
    unchanged = (n_read == 0 and previous.chunks == [c for c in kept_chunks or [] if c]
                 and len({d for c in kept_chunks for d in c}) == sum(map(len, kept_chunks)))

    records: list[dict] = []
    n_reports = 0
    writers = None if unchanged else _Writers(out, stages)
    groups = _RowGroups(previous) if previous.files and not unchanged else None
    seen: set[str] = set()
    first_file: dict[str, str] = {}
    try:
        with _progress(len(inputs), progress) as bar:
            kwargs = {"max_bytes": max_bytes, "stages": stages, "tokenizer": tokenizer_state}
            results = (iter([None] * len(jobs)) if n_read == 0 else
                       _run_chunks(jobs, kwargs, engine=engine, workers=workers,
                                   scheduler=scheduler))
            for chunk, result in zip(chunks, results, strict=True):
                fresh = iter(result["records"] if result else [])
                chunk_records, position, old_ids, new_ids = [], {}, [], []
                dropped = False  # a fresh report repeats one of an earlier chunk
                for index in chunk:
                    if index in reused:
                        old = reused[index]
                        record = {c: old.get(c) or None for c in reading.LOG_COLUMNS}
                        record.update(source_path=str(inputs[index][0]),
                                      reason=old.get("reason", ""))
                        record["n_bytes"] = (int(float(old["n_bytes"])) if old.get("n_bytes")
                                             else None)
                        source = old_ids
                    else:
                        record = dict(next(fresh))
                        source = new_ids
                        if keys[index] is None:
                            key = inputs[index][1]
                            digest = record.get("input_sha256") or _sha256_or_empty(
                                inputs[index][0])
                            hashes[key] = digest
                            keys[index] = sha256_json([digest, overrides.get(key),
                                                       __version__, params_hash])
                    doc_id = record.get("doc_id")
                    if record["status"] == "ok":
                        if doc_id in seen:
                            dropped = dropped or source is new_ids
                            record.update(status="duplicate",
                                          reason=f"same clean text as {first_file[doc_id]}; "
                                                 "delete one of the two files")
                        else:
                            seen.add(doc_id)
                            first_file[doc_id] = record["file"]
                            position[doc_id] = len(position)
                            source.append(doc_id)
                    record["input_key"] = keys[index]
                    record["mtime_ns"] = mtimes[index]
                    chunk_records.append(record)
                records.extend(chunk_records)
                n_reports += len(position)
                bar.update(len(chunk))
                if writers is None:
                    continue
                import pyarrow as pa
                import pyarrow.compute as pc

                for stage in stages:
                    parts = groups.rows(stage, old_ids) if old_ids else []
                    if result is not None:
                        table = result["tables"][stage]
                        if dropped:
                            table = table.filter(pc.is_in(table.column("doc_id"),
                                                          value_set=pa.array(new_ids, pa.string())))
                        parts.append(table)
                    # An empty table may lack the types of a full one: left out.
                    parts = [p for p in parts if p.num_rows]
                    if not parts:
                        continue
                    schema = writers.schemas.get(stage) or parts[0].schema
                    parts = [p.select(schema.names).cast(schema) if p.schema != schema else p
                             for p in parts]
                    table = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
                    writers.write(stage, _order(table, position) if old_ids and new_ids
                                  else table)
                del result
        paths = writers.commit() if writers else {s: out / _file(s) for s in stages}
    except BaseException:
        if writers is not None:
            writers.abort()
        raise

    log = pd.DataFrame(records, columns=list(_LOG_COLUMNS))
    log["n_bytes"] = log["n_bytes"].astype("Int64")
    log_path, manifest_path = out / LOG_FILE, out / MANIFEST_FILE
    with atomic_path(log_path) as tmp:
        log.to_csv(tmp, index=False, encoding="utf-8")
    counts = log["status"].value_counts().to_dict()
    outputs = {p.name: previous.outputs.get(p.name) if unchanged else sha256_file(p)
               for p in paths.values()}
    outputs[LOG_FILE] = sha256_file(log_path)
    seconds = round(time.perf_counter() - started, 3)
    write_manifest(
        manifest_path,
        # The hashes go in through extra: write_manifest would check each of 100,000
        # values for being a hash or a path (a stat call each).
        inputs={},
        params=params,
        extra={
            "source": str(raw_dir),
            "manifest": None if not overrides else str(manifest or Path(raw_dir) / "manifest.csv"),
            "inputs": hashes,
            "outputs": outputs,
            "output_stats": {p.name: _stat(p) for p in paths.values()},
            "engine": engine,
            "counts": {"inputs": len(inputs), "reports": n_reports, "read": n_read,
                       "reused": len(inputs) - n_read, **counts},
            "seconds": seconds,
        },
    )
    result = IngestResult(out / REPORTS_FILE, manifest_path, log_path, log, n_reports, n_read,
                          len(inputs) - n_read, paths, seconds)
    problems = result.problems
    for record in problems.to_dict("records"):
        warnings.warn(f"{record['file']} {record['status']}: {record['reason']}",
                      ReportInputWarning, stacklevel=2)
    if strict and len(problems):
        raise IngestError(f"{len(problems)} of {len(inputs)} input(s) were not ingested "
                          f"({', '.join(f'{n} {s}' for s, n in counts.items() if s != 'ok')}); "
                          f"see {log_path}")
    return result


def cli(argv: Sequence[str] | None = None) -> int:
    """``lawgov ingest [RAW_DIR] [--out DIR] [--engine local|dask] [--scheduler ADDR] ...``."""
    parser = argparse.ArgumentParser(
        prog="lawgov ingest",
        description="Read, clean and resolve the reports in RAW_DIR, split them into sections "
                    "and items, tokenize the items and extract their indicators, streaming "
                    "each table to OUT/<stage>.parquet, with a provenance manifest "
                    "(reports.json) and a log of every input (ingest_log.csv). Unchanged "
                    "inputs are taken from the previous run.",
    )
    parser.add_argument("raw_dir", nargs="?", default="data/raw",
                        help="folder of report files (default: data/raw)")
    parser.add_argument("--manifest", type=Path, default=None,
                        help="metadata CSV keyed by 'file' "
                             "(default: RAW_DIR/manifest.csv if present)")
    parser.add_argument("--no-manifest", action="store_true", help="ignore RAW_DIR/manifest.csv")
    parser.add_argument("--out", type=Path, default=Path("data/processed"),
                        help="output folder (default: data/processed)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 if any input was skipped, a duplicate or an error")
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                        help=f"skip files larger than this (default: {DEFAULT_MAX_BYTES})")
    parser.add_argument("--workers", type=int, default=None,
                        help="parallel processes (default: the number of CPUs)")
    parser.add_argument("--chunk-size", type=int, default=100,
                        help="files per unit of work and per Parquet row group (default: 100)")
    parser.add_argument("--stages", nargs="+", default=list(STAGES), choices=STAGES,
                        metavar="STAGE", help=f"tables to write (default: {' '.join(STAGES)})")
    parser.add_argument("--engine", choices=_ENGINES, default="local",
                        help="local process pool, or a dask.distributed cluster (default: local)")
    parser.add_argument("--scheduler", default=None,
                        help="address of the Dask scheduler, e.g. tcp://host:8786 (with "
                             "--engine dask; default: a local cluster of --workers processes)")
    parser.add_argument("--no-reuse", action="store_true", help="read every input again")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    args = parser.parse_args(argv)
    manifest = False if args.no_manifest else args.manifest
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReportInputWarning)
        try:
            result = ingest(args.raw_dir, out=args.out, manifest=manifest, strict=False,
                            max_bytes=args.max_bytes, reuse=not args.no_reuse,
                            workers=args.workers, chunk_size=args.chunk_size,
                            stages=args.stages, engine=args.engine, scheduler=args.scheduler)
        except (reading.ManifestError, FileNotFoundError, ValueError) as exc:
            print(f"lawgov ingest: {exc}", file=sys.stderr)
            return 2
    problems = [str(w.message) for w in caught if issubclass(w.category, ReportInputWarning)]
    for message in problems[:20]:
        print(f"  {message}", file=sys.stderr)
    if len(problems) > 20:
        print(f"  ... and {len(problems) - 20} more; see {result.log_path}", file=sys.stderr)
    if not args.quiet:
        counts = result.log["status"].value_counts().to_dict()
        print(f"lawgov ingest: {result.n_reports} reports from {len(result.log)} input(s) in "
              f"{time.perf_counter() - started:.1f} s ({result.n_read} read, {result.n_reused} "
              f"reused; " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + ")")
        for path in (*result.paths.values(), result.manifest_path, result.log_path):
            print(f"  {path}")
    if args.strict and problems:
        print(f"lawgov ingest: --strict: {len(problems)} input(s) not ingested; see "
              f"{result.log_path}", file=sys.stderr)
        return 1
    return 0
