"""Reading report files of any common format and encoding into one table (one row per report)."""

from __future__ import annotations

__all__: list[str] = []
