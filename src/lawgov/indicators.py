"""Numeric indicators: every reported quantity with its value, unit, qualifier and subject."""

from __future__ import annotations

__all__: list[str] = []
