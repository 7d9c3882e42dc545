"""OpenCC tw2s on the lines that can change: the same result as converting everything."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lawgov as lg
from lawgov import _tw2s


def whole(text: str, passes: int = 4) -> tuple[str, bool]:
    # What cleaning did before: convert the whole text, to the fixed point.
    changed = False
    for _ in range(passes):
        converted = _tw2s.converter().convert(text)
        if converted == text:
            break
        text, changed = converted, True
    return text, changed


def test_shipped_triggers_match_the_installed_dictionaries():
    fields = _tw2s._read_resource()
    assert fields["digest"] == _tw2s.dictionary_digest(), (
        "OpenCC's dictionaries changed: run "
        "python -c 'from lawgov._tw2s import write_triggers; write_triggers()'"
    )
    assert fields["triggers"] == _tw2s.generate_triggers()
    assert _tw2s.trigger_pattern() is not None


@pytest.mark.parametrize("char", list("隨著縣乾覆沈藉秘"))
def test_characters_that_convert_somewhere_are_triggers(char):
    # 隨縣: characters; 著乾: ambiguous, phrase-dependent; 覆沈藉: only inside phrases
    # (反覆 → 反复, 沈默 → 沉默, 藉口 → 借口); 秘 → 祕 in the first step, and 祕 is in phrases
    # of the second.
    assert char in _tw2s._read_resource()["triggers"]


@pytest.mark.parametrize("char", list("才群吃核人的法治"))
def test_simplified_characters_are_not_triggers(char):
    # 才群吃核: the first step writes 纔羣喫覈, the second writes them straight back.
    assert char not in _tw2s._read_resource()["triggers"]


@pytest.mark.parametrize(("text", "expected"), [
    ("依法行政\n隨著經濟發展", ("依法行政\n随着经济发展", True)),
    ("全覆盖\n反覆思量", ("全覆盖\n反复思量", True)),
    ("人才\n群众\n核查", ("人才\n群众\n核查", False)),
    ("全覆盖", ("全覆盖", False)),
    ("", ("", False)),
    ("\n乾隆\n", ("\n乾隆\n", False)),
    ("乾燥\n\n", ("干燥\n\n", True)),
])
def test_to_simplified(text, expected):
    assert _tw2s.to_simplified(text) == expected
    assert whole(text) == expected


# Words whose conversion depends on a phrase or a round trip, with plain text around them.
_PIECES = [
    "反覆", "沈默", "藉口", "隨著", "乾隆", "乾燥", "秘密", "祕書", "人才", "纔能", "群众", "羣",
    "吃饭", "喫", "核查", "覈實", "全覆盖", "依法行政", "的", "了", "\n", "\n\n", "。", "，", " ",
    "𠀀", "著", "覆", "乾", "才", "隨", "縣",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_line_by_line_equals_whole_text(text):
    assert _tw2s.to_simplified(text) == whole(text)
    assert _tw2s.to_simplified(text, passes=1) == whole(text, passes=1)


def test_sample_reports_convert_the_same():
    texts = [p.read_text(encoding="utf-8") for p in lg.sample_paths()]
    fast = [_tw2s.to_simplified(t) for t in texts]
    assert fast == [whole(t) for t in texts]
    # The first sample is Traditional; the others are Simplified.
    assert [changed for _, changed in fast] == [True, False, False, False, False]


def test_without_a_matching_trigger_file_every_line_is_converted(monkeypatch):
    monkeypatch.setattr(_tw2s, "dictionary_digest", lambda config=_tw2s.CONFIG: "0" * 64)
    _tw2s.trigger_pattern.cache_clear()
    try:
        assert _tw2s.trigger_pattern() is None
        assert _tw2s.to_simplified("人才\n隨著") == ("人才\n随着", True)
    finally:
        _tw2s.trigger_pattern.cache_clear()


def test_passes_are_counted_as_for_the_whole_text():
    # OpenCC turns 麽 into 么 and a lone 么 into 幺: one pass stops halfway, the fixed point
    # goes on. Reading's decoding score uses one pass, cleaning the fixed point.
    assert _tw2s.to_simplified("麽", passes=1) == ("么", True)
    assert _tw2s.to_simplified("麽") == ("幺", True)
    assert _tw2s.to_simplified("人才\n麽", passes=1) == ("人才\n么", True)
