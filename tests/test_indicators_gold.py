"""The extractor against the hand-labelled quantities of the five sample reports.

``tests/gold/indicators_gold.csv`` was labelled by reading the reports (see its header).
A predicted quantity is correct when its span overlaps a gold span of the same report and
its value, unit and qualifier (and the high end of a range) equal the gold ones. Precision
and recall must both reach 0.95; subjects are scored separately, leniently (one contains
the other), because the subject of a quantity is a judgement call.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import lawgov as lg

GOLD = Path(__file__).parent / "gold" / "indicators_gold.csv"
# Width and quote differences between the gold contexts and the clean text do not matter
# for locating a passage; the table maps one character to one, so offsets are kept.
_LOOSE = str.maketrans({"“": '"', "”": '"', "，": ",", "：": ":", "；": ";", "（": "(", "）": ")",
                        "！": "!", "？": "?"})


def _doc_of(path: str) -> str:
    return Path(path).name[:3]


def _gold_spans(gold: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    texts = {_doc_of(path): (doc_id, text)
             for path, doc_id, text in zip(reports["source_path"], reports["doc_id"],
                                           reports["text"], strict=True)}
    rows = []
    for row in gold.itertuples(index=False):
        doc_id, text = texts[row.doc]
        loose = text.translate(_LOOSE)
        context = row.context.translate(_LOOSE)
        assert loose.count(context) == 1, f"gold context {row.context!r} not unique in {row.doc}"
        at = loose.index(context)
        offset = context.index(row.raw.translate(_LOOSE))
        rows.append({**row._asdict(), "doc_id": doc_id, "start": at + offset,
                     "end": at + offset + len(row.raw)})
    return pd.DataFrame(rows)


def _same(gold_row, predicted_row) -> bool:
    if not (gold_row.unit == predicted_row.unit and gold_row.qualifier == predicted_row.qualifier
            and math.isclose(gold_row.value, predicted_row.value)):
        return False
    if isinstance(gold_row.value_max, float) and not math.isnan(gold_row.value_max):
        return math.isclose(gold_row.value_max, predicted_row.value_max)
    return True


def score(gold: pd.DataFrame, predicted: pd.DataFrame) -> dict:
    """Precision, recall, subject agreement, and the misses and false hits."""
    matched_gold, matched_predicted, subject_agree = set(), set(), 0
    for g in gold.itertuples():
        candidates = predicted[(predicted["doc_id"] == g.doc_id) & (predicted["start"] < g.end)
                               & (predicted["end"] > g.start)]
        for p in candidates.itertuples():
            if p.Index not in matched_predicted and _same(g, p):
                matched_gold.add(g.Index)
                matched_predicted.add(p.Index)
                if p.subject and (g.subject in p.subject or p.subject in g.subject):
                    subject_agree += 1
                break
    n_true = len(matched_gold)
    return {
        "precision": n_true / len(predicted) if len(predicted) else 1.0,
        "recall": n_true / len(gold) if len(gold) else 1.0,
        "subject_agreement": subject_agree / n_true if n_true else 0.0,
        "misses": gold.drop(index=list(matched_gold)),
        "false_hits": predicted.drop(index=list(matched_predicted)),
    }


@pytest.fixture(scope="module")
def result(reports):
    gold = _gold_spans(pd.read_csv(GOLD, comment="#", dtype={"doc": str}), reports)
    predicted = lg.extract_indicators(reports)
    return score(gold, predicted)


def test_gold_is_complete():
    gold = pd.read_csv(GOLD, comment="#", dtype={"doc": str})
    assert set(gold["doc"]) == {"000", "001", "002", "004"}  # 003 states no quantity
    assert len(gold) == 57
    assert set(gold["qualifier"]) <= set(lg.indicators.QUALIFIERS)


def test_precision_and_recall_on_the_samples(result):
    misses = result["misses"][["doc", "raw", "context"]].to_string()
    false_hits = result["false_hits"][["doc_id", "raw", "sentence"]].to_string()
    assert result["recall"] >= 0.95, f"misses:\n{misses}"
    assert result["precision"] >= 0.95, f"false hits:\n{false_hits}"


def test_subjects_mostly_agree_with_the_gold(result):
    assert result["subject_agreement"] >= 0.8
