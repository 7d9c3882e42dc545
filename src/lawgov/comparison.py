"""Comparing documents and groups: keyness statistics, similarity, and text reuse between reports."""

from __future__ import annotations

__all__: list[str] = []
