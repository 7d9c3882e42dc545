"""Tokenizing Chinese government prose with a domain lexicon, on an owned jieba or rjieba segmenter."""

from __future__ import annotations

__all__: list[str] = []
