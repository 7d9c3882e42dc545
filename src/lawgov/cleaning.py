"""Cleaning report text: script conversion, punctuation and width policy, web-page furniture."""

from __future__ import annotations

__all__: list[str] = []
