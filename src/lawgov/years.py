"""Resolving when a report is about: the year reported on, and the publication date."""

from __future__ import annotations

__all__: list[str] = []
