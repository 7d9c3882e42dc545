"""Persisting a corpus: ingest raw files into Parquet with a provenance manifest and a log of every input."""

from __future__ import annotations

__all__: list[str] = []
