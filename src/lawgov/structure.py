"""Report structure: headings, the five mandated parts, and the enumerated items inside them."""

from __future__ import annotations

__all__: list[str] = []
