"""Provenance of processed artefacts: file hashes, atomic writes and the JSON manifest.

Every artefact in ``data/processed/`` gets a small JSON manifest beside it saying what
made it: lawgov version, input file hashes, parameters, Python and package versions.
Writes are atomic (a temporary file in the same folder, then ``os.replace``), so an
interrupted run leaves the previous artefact or the new one, never half of one.

Typical use by a stage::

    with atomic_path(out / "topics.parquet") as tmp:
        table.to_parquet(tmp)
    write_manifest(out / "topics.json", inputs={"reports.parquet": out / "reports.parquet"},
                   params={"n_topics": 12, "random_state": 0})
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import platform
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from importlib import metadata
from pathlib import Path

from ._version import __version__

__all__: list[str] = []  # private helpers, imported by the stages that write artefacts

PACKAGES = ("pandas", "numpy", "pyarrow", "scipy", "scikit-learn", "jieba", "rjieba", "opencc",
            "jionlp", "cn2an", "trafilatura", "charset-normalizer", "python-docx", "pypdf")
"""Packages whose versions every manifest records."""


def sha256_file(path: str | os.PathLike, *, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_json(value) -> str:
    """Hex SHA-256 of a JSON-serialisable value (keys sorted), e.g. a parameter dict."""
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    On an exception the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write(path: str | os.PathLike, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write text or bytes to ``path`` atomically; returns the path."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding=encoding)
        else:
            tmp.write_bytes(data)
    return Path(path)


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """Installed version of each package (None when not installed)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def write_manifest(
    path: str | os.PathLike,
    *,
    inputs: Mapping[str, str | os.PathLike] | Iterable[str | os.PathLike] = (),
    params: Mapping | None = None,
    extra: Mapping | None = None,
) -> dict:
    """Write the JSON provenance manifest of an artefact, atomically; returns its content.

    Parameters
    ----------
    path : path
        Where to write the manifest (e.g. ``data/processed/reports.json``).
    inputs : mapping or iterable
        The inputs: ``{name: path}`` (hashed here), ``{name: "<64 hex sha256>"}`` (already
        hashed), or an iterable of paths (named by file name).
    params : mapping, optional
        The parameters that shaped the artefact (seeds included); must be JSON-serialisable.
    extra : mapping, optional
        Further top-level entries (counts, artefact hashes, dictionary hashes ...).

    Returns
    -------
    dict
        ``lawgov_version``, ``created`` (UTC, ISO 8601), ``python``, ``platform``,
        ``packages`` ({name: version}), ``params``, ``params_sha256``, ``inputs``
        ({name: sha256}), then ``extra``'s entries.
    """
    if not isinstance(inputs, Mapping):
        inputs = {Path(p).name: p for p in inputs}
    hashes = {}
    for name, value in inputs.items():
        text = str(value)
        is_hash = len(text) == 64 and all(c in "0123456789abcdef" for c in text)
        hashes[str(name)] = text if is_hash and not Path(text).exists() else sha256_file(value)
    params = dict(params or {})
    content = {
        "lawgov_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "params": params,
        "params_sha256": sha256_json(params),
        "inputs": hashes,
        **dict(extra or {}),
    }
    atomic_write(path, json.dumps(content, ensure_ascii=False, indent=1, default=str) + "\n")
    return content
