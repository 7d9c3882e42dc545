"""Document-term matrices (counts, TF-IDF) with their row ids and feature names, and top terms."""

from __future__ import annotations

__all__: list[str] = []
