"""Resolving where a report comes from: province, city, county and issuing unit, from a national gazetteer."""

from __future__ import annotations

__all__: list[str] = []
