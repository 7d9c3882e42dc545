"""Tests of the tokenizer, its resources, and corpus tokenization with cache and workers."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

import lawgov as lg
from lawgov import tokenizing

# The terms the issue names; each must come out whole wherever it occurs in the samples.
ISSUE_TERMS = [
    "法治政府", "第一责任人", "重大行政决策", "合法性审查", "合法性审核", "行政执法三项制度",
    "综合行政执法", "枫桥经验", "法律明白人", "民主法治示范村", "八五普法", "谁执法谁普法",
    "放管服", "公共法律服务", "行政复议", "行政应诉", "规范性文件", "备案审查", "权责清单",
    "营商环境", "政务公开", "述法", "法律顾问", "人民调解", "矛盾纠纷", "案卷评查",
    "执法全过程记录", "重大执法决定法制审核", "持证上岗", "数字法治政府", "宪法宣传周",
    "民法典宣传月",
]


@pytest.fixture(scope="session")
def tokenizers():
    return {b: lg.Tokenizer(backend=b) for b in ("rjieba", "jieba")}


def _uncovered(text: str, spans, term: str) -> list[int]:
    """Offsets where ``term`` occurs in ``text`` without one token covering it."""
    missed, at = [], text.find(term)
    while at >= 0:
        if not any(s <= at and e >= at + len(term) for _, s, e in spans):
            missed.append(at)
        at = text.find(term, at + 1)
    return missed


@pytest.mark.parametrize("backend", ["rjieba", "jieba"])
def test_domain_terms_are_single_tokens_on_the_samples(reports, tokenizers, backend):
    tok = tokenizers[backend]
    lexicon_terms = list(lg.load_lexicon()["word"])
    found, kept = set(), set()
    for text in reports["text"]:
        spans = tok.spans(text, filtered=False)
        for term in ISSUE_TERMS + lexicon_terms:
            assert _uncovered(text, spans, term) == [], (backend, term)
            if term in text:
                found.add(term)
        kept.update(t for t, _, _ in spans)
    # Most of the named terms occur in the five samples, and as tokens of their own.
    assert len(found & set(ISSUE_TERMS)) >= 20
    assert {"法律明白人", "枫桥经验", "放管服", "谁执法谁普法", "民法典宣传月", "持证上岗",
            "民主法治示范村", "合法性审查", "述职述法"} <= kept


def test_backends_give_the_same_tokens_on_the_samples(reports, tokenizers):
    for text in reports["text"]:
        assert tokenizers["rjieba"].cut(text) == tokenizers["jieba"].cut(text)


def test_cut_pieces_rebuild_the_text(reports, tokenizers):
    text = reports["text"].iloc[0]
    assert "".join(tokenizers["rjieba"].cut(text)) == text
    assert all(text[s:e] == t for t, s, e in tokenizers["rjieba"].spans(text))


@pytest.mark.parametrize("backend", ["rjieba", "jieba"])
def test_two_tokenizers_with_different_lexicons_side_by_side(backend):
    bare = lg.Tokenizer(backend=backend, lexicon=False, stopwords=False, filler=False)
    local = lg.Tokenizer(backend=backend, lexicon=["塘沟镇 2000", "法治塘沟 2000"],
                         stopwords=False, filler=False)
    assert "塘沟镇" in local("建设法治塘沟，塘沟镇")
    assert "塘沟镇" not in bare("建设法治塘沟，塘沟镇")
    # Using one again after the other still gives its own tokens.
    assert "法治塘沟" in local("建设法治塘沟")
    assert "法治塘沟" not in bare("建设法治塘沟")


def test_jieba_global_default_is_untouched():
    import jieba

    lg.Tokenizer(backend="jieba")("推进重大行政决策")
    if jieba.dt.initialized:
        assert "重大行政决策" not in jieba.dt.FREQ
    assert "重大行政决策" not in jieba.dt.user_word_tag_tab


def test_stopwords_and_filler_can_be_toggled():
    text = "我镇进一步加强法治建设的组织领导"
    assert lg.Tokenizer()(text) == ["镇", "加强", "法治建设", "组织", "领导"]
    assert lg.Tokenizer(filler=False)(text) == ["镇", "进一步", "加强", "法治建设", "组织", "领导"]
    assert lg.Tokenizer(stopwords=False)(text) == ["我", "镇", "加强", "法治建设", "的", "组织",
                                                   "领导"]
    assert lg.Tokenizer(stopwords=["组织"], filler=["加强"])(text) == [
        "我", "镇", "进一步", "法治建设", "的", "领导"
    ]


def test_filler_phrases_of_the_base_dictionary_are_split():
    # 切实落实 is one word in jieba's dictionary; the filler adverb is split off.
    assert lg.Tokenizer()("切实落实") == ["落实"]
    assert lg.Tokenizer(filler=False)("切实落实") == ["切实", "落实"]
    assert lg.Tokenizer(filler=False, split_filler=False)("切实落实") == ["切实落实"]
    assert lg.Tokenizer(backend="jieba", filler=False)("认真落实") == ["认真", "落实"]


def test_numbers_punctuation_and_length_filters():
    # Both backends cut "70%" into "70" and "%".
    text = "悬挂横幅68条，创建率达70%。"
    assert lg.Tokenizer()(text) == ["悬挂", "横幅", "创建", "率", "达"]
    assert lg.Tokenizer(keep_numbers=True)(text) == ["悬挂", "横幅", "68", "创建", "率", "达", "70"]
    assert lg.Tokenizer(keep_punct=True)(text) == [
        "悬挂", "横幅", "，", "创建", "率", "达", "%", "。"
    ]
    assert lg.Tokenizer(stopwords=False, min_len=2)("开展法治讲座3次") == ["开展", "法治讲座"]
    assert lg.Tokenizer(stopwords=False)("开展法治讲座十余次") == ["开展", "法治讲座"]
    assert lg.Tokenizer(stopwords=False, keep_numbers=True)("开展法治讲座十余次") == [
        "开展", "法治讲座", "十余次"
    ]
    # "20余次" is cut into "20" and "余次": the remnant goes with the number, but words
    # that merely start with 余 stay.
    assert lg.Tokenizer()("召开党委会20余次，悬挂横幅300余条，余额") == [
        "召开", "党委会", "悬挂", "横幅", "余额"
    ]
    assert lg.Tokenizer(keep_numbers=True)("召开党委会20余次") == ["召开", "党委会", "20", "余次"]


def test_lexicon_file_is_real_and_well_formed():
    lexicon = lg.load_lexicon()
    assert len(lexicon) >= 300
    assert lexicon["word"].is_unique
    assert set(ISSUE_TERMS) <= set(lexicon["word"])
    assert (lexicon["freq"] >= 1000).all()
    header = (tokenizing._resource_text("lexicon.txt")).splitlines()[:12]
    assert any("法治政府建设实施纲要" in line for line in header)


def test_stopword_lists_are_separate():
    general, filler = set(lg.load_stopwords()), set(lg.load_stopwords(kind="filler"))
    assert {"的", "和", "在"} <= general
    assert {"进一步", "切实", "不断", "扎实", "深入", "全面", "大力", "积极"} <= filler
    assert not general & filler
    # Negations and the policy verbs carry meaning for this research.
    assert not {"不", "未", "不够", "不足"} & general
    assert not {"加强", "落实", "推进", "完善"} & filler


def test_user_files(tmp_path):
    lex = tmp_path / "lex.txt"
    lex.write_text("# my terms\n法治塘沟 2000 n\n忠厚塘沟\n", encoding="utf-8")
    table = lg.load_lexicon(lex)
    assert table["word"].tolist() == ["法治塘沟", "忠厚塘沟"]
    assert table["freq"].tolist()[0] == 2000 and pd.isna(table["freq"].tolist()[1])
    assert table["tag"].tolist() == ["n", None]
    stop = tmp_path / "stop.txt"
    stop.write_text("建设\n", encoding="utf-8")
    for backend in ("rjieba", "jieba"):
        tok = lg.Tokenizer(backend=backend, lexicon=lex, stopwords=stop, filler=False)
        assert tok("建设法治塘沟、忠厚塘沟") == ["法治塘沟", "忠厚塘沟"]


def test_errors_name_the_option(tmp_path):
    with pytest.raises(ValueError, match="backend must be one of"):
        lg.Tokenizer(backend="thulac")
    with pytest.raises(ValueError, match="min_len"):
        lg.Tokenizer(min_len=0)
    with pytest.raises(FileNotFoundError, match="lexicon file"):
        lg.Tokenizer(lexicon=tmp_path / "missing.txt")
    with pytest.raises(FileNotFoundError, match="stopwords file"):
        lg.Tokenizer(stopwords=tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("法治塘沟 many\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.txt: entry 1 .* non-negative integer"):
        lg.load_lexicon(bad)
    with pytest.raises(ValueError, match="kind must be one of"):
        lg.load_stopwords(kind="verbs")
    with pytest.raises(TypeError, match="stopwords must be"):
        lg.Tokenizer(stopwords=3)
    with pytest.raises(TypeError, match="lexicon must be"):
        lg.Tokenizer(lexicon=3.5)
    with pytest.raises(TypeError, match="expected a str"):
        lg.Tokenizer().cut(None)


def test_config_hash_follows_the_configuration(tmp_path):
    assert lg.Tokenizer().config_hash == lg.Tokenizer().config_hash
    assert lg.Tokenizer().config_hash != lg.Tokenizer(backend="jieba").config_hash
    assert lg.Tokenizer().config_hash != lg.Tokenizer(filler=False).config_hash
    lex = tmp_path / "lex.txt"
    lex.write_text("法治塘沟 2000\n", encoding="utf-8")
    first = lg.Tokenizer(lexicon=lex).config_hash
    lex.write_text("# a comment changes nothing\n法治塘沟 2000\n", encoding="utf-8")
    assert lg.Tokenizer(lexicon=lex).config_hash == first
    lex.write_text("法治塘沟 3000\n", encoding="utf-8")
    assert lg.Tokenizer(lexicon=lex).config_hash != first
    params = lg.Tokenizer(hmm=True).get_params()
    assert params["hmm"] is True and params["backend"] == "rjieba"
    assert "Tokenizer(backend='rjieba'" in repr(lg.Tokenizer())


def test_pickling_drops_the_segmenter_and_rebuilds_it():
    tok = lg.Tokenizer()
    before = tok("严格落实行政执法三项制度")
    assert tok._segmenter is not None
    copy = pickle.loads(pickle.dumps(tok))
    assert copy._segmenter is None
    assert copy("严格落实行政执法三项制度") == before
    assert copy.config_hash == tok.config_hash


def test_tokenize_returns_the_contract_series(reports, tmp_path):
    tokens = lg.tokenize(reports, cache_dir=tmp_path)
    assert tokens.name == "tokens" and tokens.index.name == "unit_id"
    assert tokens.index.tolist() == reports["doc_id"].tolist()
    tok = lg.Tokenizer()
    assert tokens.iloc[2] == tok(reports["text"].iloc[2])
    series = lg.tokenize(pd.Series(["深化放管服改革"], index=["x"]), cache_dir=False)
    assert series.to_dict() == {"x": ["深化", "放管服改革"]}


def test_tokenize_reads_the_cache(reports, tmp_path, monkeypatch):
    tok = lg.Tokenizer()
    first = lg.tokenize(reports, tok, cache_dir=tmp_path)
    assert list((tmp_path / "tokens").glob(f"{tok.config_hash}.v*.sqlite"))

    def refuse(self, text):
        raise AssertionError("tokenized again instead of reading the cache")

    monkeypatch.setattr(lg.Tokenizer, "__call__", refuse)
    second = lg.tokenize(reports, tok, cache_dir=tmp_path)
    assert second.equals(first)


def test_tokenize_default_cache_dir_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LAWGOV_CACHE", str(tmp_path / "c"))
    assert lg.default_cache_dir() == tmp_path / "c"
    lg.tokenize(pd.Series(["深化放管服改革"], index=["x"]))
    assert list((tmp_path / "c" / "tokens").glob("*.sqlite"))
    monkeypatch.delenv("LAWGOV_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert lg.default_cache_dir() == tmp_path / "xdg" / "lawgov"


def test_tokenize_in_worker_processes_matches_serial(reports):
    table = pd.concat([reports] * 3, ignore_index=True)
    table["doc_id"] = [f"d{i}" for i in range(len(table))]
    serial = lg.tokenize(table, cache_dir=False)
    parallel = lg.tokenize(table, n_jobs=2, chunk_size=2, cache_dir=False, progress=False)
    assert parallel.equals(serial)
    jieba_parallel = lg.tokenize(
        table, lg.Tokenizer(backend="jieba"), n_jobs=2, chunk_size=4, cache_dir=False
    )
    assert jieba_parallel.equals(serial)


def test_tokenize_errors(reports):
    with pytest.raises(ValueError, match="no 'text' column"):
        lg.tokenize(reports[["doc_id"]], cache_dir=False)
    with pytest.raises(ValueError, match="n_jobs"):
        lg.tokenize(reports, n_jobs=0, cache_dir=False)
    with pytest.raises(ValueError, match="chunk_size"):
        lg.tokenize(reports, chunk_size=0, cache_dir=False)
    with pytest.raises(TypeError, match="lawgov.Tokenizer"):
        lg.tokenize(reports, tokenizer="jieba", cache_dir=False)
    with pytest.raises(TypeError, match="DataFrame or Series"):
        lg.tokenize(["text"], cache_dir=False)


@pytest.mark.parametrize(
    "tokens", [[], ["法治"], ["法治", "政府"], ["a\x1fb", "c"], [""], ["", "a"]]
)
def test_cache_encoding_round_trips(tokens):
    assert tokenizing._decode_tokens(tokenizing._encode_tokens(tokens)) == tokens
