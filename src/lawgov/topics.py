"""Topic models and clustering of units, with the number of topics chosen by coherence and stability."""

from __future__ import annotations

__all__: list[str] = []
