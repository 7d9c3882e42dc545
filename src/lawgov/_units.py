"""Identifiers of analysis units shared by every stage.

A *unit table* is any table with a ``doc_id`` and a ``text`` column: the reports table
(one row per report), the sections table or the items table. Each row is identified by
``unit_id`` when the table has that column (sections and items do), otherwise by
``doc_id`` (the reports table).
"""

from __future__ import annotations

import pandas as pd


def unit_ids(table: pd.DataFrame) -> pd.Index:
    """Return the identifiers of the rows of a unit table, as an ``Index`` named ``unit_id``.

    Raises ``ValueError`` if the table has neither a ``unit_id`` nor a ``doc_id`` column.
    """
    if "unit_id" in table.columns:
        ids = table["unit_id"]
    elif "doc_id" in table.columns:
        ids = table["doc_id"]
    else:
        raise ValueError(
            "expected a reports, sections or items table with a 'doc_id' column "
            f"(got columns {list(table.columns)})"
        )
    return pd.Index(ids.astype(str), name="unit_id")
