"""Persisting a corpus: raw files into Parquet, with a provenance manifest and a log of every input.

``lawgov ingest data/raw --out data/processed`` (or :func:`ingest`) writes three files:

* ``reports.parquet``: the reports table of :func:`lawgov.read_reports`;
* ``reports.json``: its provenance manifest (lawgov version, SHA-256 of every input file,
  parameters, Python and package versions, hash of the Parquet file);
* ``ingest_log.csv``: one row per input file with its status (ok / duplicate / skipped /
  error), the reason and what to do, the doc_id and the input's hash.

An input whose bytes, manifest row, lawgov version and parameters are unchanged since the
last run is not read again: its row is taken from the previous ``reports.parquet``. All
writes are atomic (temporary file in the same folder, then ``os.replace``), the manifest
last, so an interrupted run leaves the previous outputs usable.

Scaling seam. The per-file work is :func:`lawgov.read_report_file` (path + manifest row +
options -> row dict + log record), a pure function; :func:`process_chunk` maps it over a
chunk of tasks; only :func:`lawgov.deduplicate` looks across files. To run on a cluster,
map ``process_chunk`` over chunks with ``dask.bag`` (or any executor), write each chunk's
rows with ``pyarrow.parquet.ParquetWriter`` as it arrives, and deduplicate on the
``doc_id`` column afterwards; :func:`ingest` does the same in-process (``workers=1``) or
with a process pool (``workers>1``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import reading
from ._provenance import atomic_path, sha256_file, sha256_json, write_manifest
from ._version import __version__
from .reading import DEFAULT_MAX_BYTES, ReportInputWarning, read_report_file

__all__ = ["ingest", "read_ingested", "process_chunk", "IngestResult", "IngestError"]

REPORTS_FILE = "reports.parquet"
MANIFEST_FILE = "reports.json"
LOG_FILE = "ingest_log.csv"
_LIST_COLUMNS = {"region_candidates": "string", "year_candidates": "int64"}
_LOG_COLUMNS = (*reading.LOG_COLUMNS, "input_key")


class IngestError(RuntimeError):
    """``strict=True`` and some inputs were skipped, duplicates or errors."""


@dataclass(frozen=True)
class IngestResult:
    """What an ingest run wrote and did.

    ``log`` has one row per input: ``file``, ``source_path``, ``status`` (ok / duplicate /
    skipped / error), ``reason``, ``doc_id``, ``input_sha256``, ``n_bytes``, ``input_key``
    (hash of the input's bytes, manifest row, lawgov version and parameters, the reuse key).
    """

    reports_path: Path
    manifest_path: Path
    log_path: Path
    log: pd.DataFrame
    n_reports: int
    n_read: int
    n_reused: int

    @property
    def problems(self) -> pd.DataFrame:
        """The log rows of inputs that did not become a report row of their own."""
        return self.log[self.log["status"] != "ok"]


def process_chunk(tasks: Sequence[tuple[str, str, dict | None]], *,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> list[tuple[dict | None, dict]]:
    """Read a chunk of inputs: ``[(path, key, manifest_row), ...] -> [(row, record), ...]``.

    Pure and picklable, the unit of work to hand to a process pool or a Dask bag.
    """
    return [read_report_file(path, overrides=overrides, max_bytes=max_bytes, key=key)
            for path, key, overrides in tasks]


def _to_arrow(reports: pd.DataFrame):
    import pyarrow as pa

    table = pa.Table.from_pandas(reports, preserve_index=False)
    for column, kind in _LIST_COLUMNS.items():
        if column in table.column_names:
            values = [list(v) if v is not None else [] for v in reports[column]]
            index = table.column_names.index(column)
            field = pa.field(column, pa.list_(getattr(pa, kind)()))
            table = table.set_column(index, field, pa.array(values, type=field.type))
    return table


def read_ingested(out: str | Path = "data/processed") -> pd.DataFrame:
    """Read the reports table written by :func:`ingest` (same columns as ``read_reports``).

    Parameters
    ----------
    out : str or Path
        The output folder of the ingest run, or the ``reports.parquet`` file itself.

    Returns
    -------
    pandas.DataFrame
        The reports table; list columns hold Python lists, ``year`` is Int64.
    """
    path = Path(out)
    path = path / REPORTS_FILE if path.is_dir() else path
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist; run `lawgov ingest` (or make data) first")
    reports = pd.read_parquet(path)
    for column in _LIST_COLUMNS:
        if column in reports.columns:
            reports[column] = [list(v) if v is not None else [] for v in reports[column]]
    if "year" in reports.columns:
        reports["year"] = reports["year"].astype("Int64")
    return reports


def _previous(out: Path, version: str, params_hash: str) -> tuple[dict, dict]:
    """Rows and log records of the last run, by input key, when they can be trusted."""
    manifest, reports, log = out / MANIFEST_FILE, out / REPORTS_FILE, out / LOG_FILE
    if not (manifest.is_file() and reports.is_file() and log.is_file()):
        return {}, {}
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
        if (previous.get("lawgov_version") != version
                or previous.get("params_sha256") != params_hash
                or previous.get("outputs", {}).get(REPORTS_FILE) != sha256_file(reports)):
            return {}, {}
        rows = {row["doc_id"]: row for row in read_ingested(reports).to_dict("records")}
        records = pd.read_csv(log, dtype=str, keep_default_na=False).to_dict("records")
    except (OSError, ValueError, KeyError):
        return {}, {}
    return rows, {r["input_key"]: r for r in records if r.get("input_key")}


def _progress(total: int, progress: bool | None):
    from tqdm.auto import tqdm

    enabled = (sys.stderr.isatty() and total >= 50) if progress is None else progress
    return tqdm(total=total, unit="file", desc="ingest", disable=not enabled)


def ingest(
    raw_dir: str | Path = "data/raw",
    *,
    out: str | Path = "data/processed",
    manifest: str | Path | None | bool = None,
    strict: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    reuse: bool = True,
    workers: int = 1,
    chunk_size: int = 200,
    progress: bool | None = None,
) -> IngestResult:
    """Read, clean and resolve every report in ``raw_dir`` and persist the table.

    Parameters
    ----------
    raw_dir : str or Path
        Folder of report files (read recursively), a file, as for :func:`lawgov.read_reports`.
    out : str or Path
        Output folder for ``reports.parquet``, ``reports.json`` and ``ingest_log.csv``.
    manifest : str, Path, None or False
        Metadata manifest CSV; default ``<raw_dir>/manifest.csv`` when present; False
        ignores it.
    strict : bool
        Raise :class:`IngestError` (after writing the outputs) when any input was skipped,
        is a duplicate or could not be read.
    max_bytes : int
        Files larger than this are skipped.
    reuse : bool
        Take unchanged inputs' rows from the previous run instead of reading them again.
    workers : int
        Processes reading files in parallel (1: in this process).
    chunk_size : int
        Files per unit of work.
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
    >>> result = ingest(samples, out=out)
    >>> result.n_reports, result.n_read, sorted(p.name for p in Path(out).iterdir())
    (5, 5, ['ingest_log.csv', 'reports.json', 'reports.parquet'])
    >>> ingest(samples, out=out).n_reused
    5
    """
    if workers < 1 or chunk_size < 1:
        raise ValueError(f"workers and chunk_size must be at least 1 (got {workers}, {chunk_size})")
    if max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive number of bytes, got {max_bytes}")
    started = time.perf_counter()
    out = Path(out)
    inputs, folder = reading._collect(raw_dir)
    overrides = reading._manifest_for(None if manifest is True else manifest, folder,
                                      [key for _, key in inputs])
    params = {"max_bytes": max_bytes}
    params_hash = sha256_json(params)
    old_rows, old_records = _previous(out, __version__, params_hash) if reuse else ({}, {})

    results: list[tuple[dict | None, dict] | None] = []
    keys, tasks, hashes = [], [], {}
    for index, (path, key) in enumerate(inputs):
        try:
            digest = sha256_file(path)
        except OSError:
            digest = ""
        hashes[key] = digest
        input_key = sha256_json([digest, overrides.get(key), __version__, params_hash])
        keys.append(input_key)
        old = old_records.get(input_key) if digest else None
        if old and old["file"] == key and old["status"] in {"ok", "skipped", "error"}:
            row = old_rows.get(old["doc_id"]) if old["status"] == "ok" else None
            if old["status"] != "ok" or row is not None:
                record = {c: old.get(c) or None for c in reading.LOG_COLUMNS}
                record.update(source_path=str(path), reason=old.get("reason", ""))
                record["n_bytes"] = int(float(old["n_bytes"])) if old.get("n_bytes") else None
                results.append((dict(row, source_path=str(path)) if row else None, record))
                continue
        results.append(None)
        tasks.append((index, (str(path), key, overrides.get(key))))

    chunks = [tasks[i:i + chunk_size] for i in range(0, len(tasks), chunk_size)]
    with _progress(len(tasks), progress) as bar:
        if workers == 1 or len(chunks) <= 1:
            done = ((chunk, process_chunk([t for _, t in chunk], max_bytes=max_bytes))
                    for chunk in chunks)
            for chunk, chunk_results in done:
                for (index, _), result in zip(chunk, chunk_results, strict=False):
                    results[index] = result
                bar.update(len(chunk))
        else:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(process_chunk, [t for _, t in chunk],
                                       max_bytes=max_bytes): chunk for chunk in chunks}
                for future in futures:
                    chunk = futures[future]
                    for (index, _), result in zip(chunk, future.result(), strict=False):
                        results[index] = result
                    bar.update(len(chunk))

    rows, records = reading.deduplicate([r[0] for r in results], [r[1] for r in results])
    for record, input_key in zip(records, keys, strict=False):
        record["input_key"] = input_key
    reports = reading._frame(rows)
    log = pd.DataFrame(records, columns=list(_LOG_COLUMNS))
    log["n_bytes"] = log["n_bytes"].astype("Int64")

    reports_path, log_path, manifest_path = out / REPORTS_FILE, out / LOG_FILE, out / MANIFEST_FILE
    import pyarrow.parquet as pq

    with atomic_path(reports_path) as tmp:
        pq.write_table(_to_arrow(reports), tmp)
    with atomic_path(log_path) as tmp:
        log.to_csv(tmp, index=False, encoding="utf-8")
    counts = log["status"].value_counts().to_dict()
    write_manifest(
        manifest_path,
        inputs=hashes,
        params=params,
        extra={
            "source": str(raw_dir),
            "manifest": None if not overrides else str(manifest or Path(raw_dir) / "manifest.csv"),
            "outputs": {REPORTS_FILE: sha256_file(reports_path), LOG_FILE: sha256_file(log_path)},
            "counts": {"inputs": len(inputs), "reports": len(reports), "read": len(tasks),
                       "reused": len(inputs) - len(tasks), **counts},
            "seconds": round(time.perf_counter() - started, 3),
        },
    )
    result = IngestResult(reports_path, manifest_path, log_path, log, len(reports), len(tasks),
                          len(inputs) - len(tasks))
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
    """``lawgov ingest [RAW_DIR] [--manifest F] [--out DIR] [--strict] [--max-bytes N]``."""
    parser = argparse.ArgumentParser(
        prog="lawgov ingest",
        description="Read, clean and resolve the reports in RAW_DIR into OUT/reports.parquet, "
                    "with a provenance manifest (reports.json) and a log of every input "
                    "(ingest_log.csv). Unchanged inputs are taken from the previous run.",
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
    parser.add_argument("--workers", type=int, default=1, help="parallel processes (default: 1)")
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
                            workers=args.workers)
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
        print(f"  {result.reports_path}\n  {result.manifest_path}\n  {result.log_path}")
    if args.strict and problems:
        print(f"lawgov ingest: --strict: {len(problems)} input(s) not ingested; see "
              f"{result.log_path}", file=sys.stderr)
        return 1
    return 0
