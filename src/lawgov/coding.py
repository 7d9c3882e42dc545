"""Codebook coding of practices (areas of the 2021-2025 national plan) and shortfall themes."""

from __future__ import annotations

__all__: list[str] = []
