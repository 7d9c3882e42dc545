"""Keyword in context: every hit of a word or phrase with its report, part and offsets."""

from __future__ import annotations

__all__: list[str] = []
