"""Publishing: execute the notebooks and export them with an index page into an HTML site."""

from __future__ import annotations

__all__: list[str] = []
