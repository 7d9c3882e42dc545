"""A disk cache for what lawgov derives from other packages' files.

Every process that resolves regions parses JionLP's division table (0.3 s) and every
tokenizer scans jieba's dictionary for compounds of filler words (0.3 s). Both results
depend only on those files and on lawgov's code, so they are kept as pickles under
``<cache dir>/derived/`` (the cache directory of :func:`lawgov.default_cache_dir`, as for
tokens), the way jieba keeps its parsed dictionary. The key of an entry holds the source
file's path, size and modification time, the SHA-256 of the lawgov module that derives it,
and the Python version, so a changed file or a changed parser never meets an old entry.
Delete the directory to clear it; an unwritable or damaged cache only costs the rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# Bumped when the layout of the entries changes.
_FORMAT = 1


@lru_cache(maxsize=16)
def module_digest(path: str) -> str:
    """SHA-256 of a source file (the lawgov module that derives an entry)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def file_key(path: str | os.PathLike) -> dict[str, Any]:
    """What identifies a source file's contents cheaply: path, size, modification time."""
    stat = os.stat(path)
    return {"path": os.path.abspath(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def entry_path(name: str, key: dict[str, Any]) -> Path:
    from .tokenizing import default_cache_dir

    payload = {"format": _FORMAT, "python": list(sys.version_info[:2]), **key}
    digest = hashlib.sha256(
        json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()[:32]
    return default_cache_dir() / "derived" / f"{name}-{digest}.pickle"


def load_or_build(name: str, key: dict[str, Any], build: Callable[[], T]) -> T:
    """The cached value for ``key``, or ``build()`` stored for the next process."""
    path = entry_path(name, key)
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except Exception:  # noqa: BLE001 - missing or damaged: built and (over)written
        pass
    value = build()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        # Atomic: processes building the same entry at once each write their own file.
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
    return value
