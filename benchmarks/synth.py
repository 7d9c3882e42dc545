"""Synthetic corpora for benchmarks, resampled from the real sample reports.

Each synthetic report takes a real township (or subdistrict) from the national division
table shipped in jionlp, a year between 2019 and 2025, and a title in one of the styles
real reports use; its body is a resampling of real sections of the five sample reports:
a preamble, then for each mandated part a section of that part drawn from a random
sample report, its enumerated items resampled with replacement. Place names of the
source report are replaced by the synthetic report's own, so region resolution has
real work to do. Most files are UTF-8 text; some are GB18030 text or saved web pages,
as in a real collection.

To keep the corpus as varied as a real one (a tokenizer or extractor that memoises repeated
texts must not look faster than it would on real reports), every item is rebuilt: its
sentences are mixed with sentences of other items of the same part, and its numbers are
redrawn. Reports have 3 to 6 parts of sections, several measures sections, as the samples do.

Deterministic: the same ``n`` and ``seed`` give byte-identical files. Synthetic files
go to a folder of their own (default ``benchmarks/corpora/``), never to ``data/raw/``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import html
import io
import random
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

import lawgov as lg

TITLE_STYLES = (
    "{county}{unit}{year}年法治政府建设年度报告",
    "关于{year}年法治政府建设情况的报告",
    "{unit}{year}年度法治政府建设工作总结",
    "{county}{unit}{year}年度法治政府建设情况",
    "{unit}关于{year}年度法治建设工作情况的报告",
)
PART_ORDER = ("duty", "measures", "shortfalls", "plans", "other")
FORMATS = (("txt-utf8", 0.85), ("txt-gb18030", 0.08), ("html", 0.07))
VERSION = 2
"""Bumped whenever the generator's output changes (cached corpora are keyed by it)."""


@dataclass(frozen=True)
class Place:
    province: str
    city: str
    county: str
    unit: str
    year: int = 0  # the year reported on, for the places of the sample reports


@lru_cache(maxsize=1)
def real_places() -> tuple[Place, ...]:
    """Every township and subdistrict in jionlp's national division table."""
    with contextlib.redirect_stdout(io.StringIO()):  # jionlp prints a banner on import
        import jionlp  # noqa: F401  (the package data lives beside the module)

    zpath = resources.files("jionlp") / "dictionary" / "china_location.zip"
    with zipfile.ZipFile(io.BytesIO(zpath.read_bytes())) as zf:
        lines = zf.read("china_location.txt").decode("utf-8").splitlines()
    places, chain = [], ["", "", "", ""]
    for line in lines:
        depth = len(line) - len(line.lstrip("\t"))
        if depth > 3 or not line.strip():
            continue
        chain[depth] = line.strip().split("\t")[0]
        if depth == 3 and chain[3].endswith(("镇", "乡", "街道")):
            places.append(Place(*chain))
    return tuple(places)


@dataclass(frozen=True)
class Source:
    """The resampling material: sections and items of the sample reports, by part."""

    preambles: tuple  # (text, original Place)
    sections: dict  # part -> tuple of (heading, tuple of item texts, original Place)
    sentences: dict  # part -> tuple of (sentence, original Place)


def load_source(sample_dir: Path | None = None) -> Source:
    reports = lg.read_reports(sample_dir) if sample_dir else lg.load_sample_reports()
    sections = lg.split_sections(reports)
    items = lg.split_items(sections)
    place_of = {
        r.doc_id: Place(r.province or "", r.city or "", r.county or "", r.unit or "",
                        int(r.year) if pd.notna(r.year) else 0)
        for r in reports.itertuples()
    }
    preambles = tuple(
        (s.text, place_of[s.doc_id]) for s in sections.itertuples()
        if s.part == "preamble" and len(s.text) > 40
    )
    by_part: dict[str, list] = {}
    top = sections[sections["level"] == 1]
    for sec in top.itertuples():
        if sec.part in ("preamble",):
            continue
        inside = items[(items["doc_id"] == sec.doc_id)
                       & (items["section_id"].astype(str).str.split(".").str[0]
                          == str(sec.section_id))]
        texts = tuple(inside["text"]) or (sec.text,)
        by_part.setdefault(sec.part, []).append((sec.heading, texts, place_of[sec.doc_id]))
    sentences = {
        part: tuple((sentence, origin) for _, texts, origin in options for text in texts
                    for sentence in _SENTENCE_RE.findall(text.split("\n", 1)[-1]))
        for part, options in by_part.items()
    }
    return Source(preambles, {k: tuple(v) for k, v in by_part.items()}, sentences)


_SENTENCE_RE = re.compile(r"[^。；！？\n]+[。；！？]")
_NUMBER_RE = re.compile(r"(?<![\d.])\d+(?![\d.])")
_NUMERALS = "一二三四五六七八九十"
_MARKER_RE = re.compile(rf"^(?:[（(][{_NUMERALS}\d]+[）)]|[{_NUMERALS}\d]+[、.．])")


def _numbers(rng: random.Random, text: str) -> str:
    def redraw(match: re.Match) -> str:
        value = int(match.group())
        if 1949 <= value <= 2030 or value == 0:  # years stay years
            return match.group()
        return str(rng.randint(max(1, value // 2), value * 2))

    return _NUMBER_RE.sub(redraw, text)


def _item(rng: random.Random, text: str, part: str, source: Source, place: Place) -> str:
    """A resampled item: its own sentences mixed with sentences of the same part."""
    head, _, body = text.partition("\n")
    own = _SENTENCE_RE.findall(body or head)
    pool = source.sentences.get(part) or ()
    out = []
    for sentence in own or [body or head]:
        if pool and rng.random() < 0.5:
            other, origin = rng.choice(pool)
            out.append(_relabel(other, origin, place))
        else:
            out.append(sentence)
    if pool and rng.random() < 0.5:
        other, origin = rng.choice(pool)
        out.insert(rng.randrange(len(out) + 1), _relabel(other, origin, place))
    body = "".join(out)
    return _numbers(rng, f"{head}\n{body}" if body and head != body and "\n" in text else body)


_YEAR_RE = re.compile(r"(?<![\d\-—–至~～])(20\d\d)(?=年)")


def _relabel(text: str, old: Place, new: Place) -> str:
    """Put the new report's places and years where the source report had its own."""
    for a, b in ((old.unit, new.unit), (old.county, new.county), (old.city, new.city),
                 (old.province, new.province)):
        if a and b:
            text = text.replace(a, b)
    if old.year and new.year:
        # The year reported on and its neighbours (last year's plans, next year's) move
        # together; the period of a plan (2021-2025年) stays.
        def shift(match: re.Match) -> str:
            value = int(match.group(1))
            return str(value - old.year + new.year) if abs(value - old.year) <= 1 else match.group()

        text = _YEAR_RE.sub(shift, text)
    return text


def _report(rng: random.Random, source: Source, place: Place, year: int) -> str:
    place = dataclasses.replace(place, year=year)
    title = rng.choice(TITLE_STYLES).format(county=place.county, unit=place.unit, year=year)
    preamble, origin = rng.choice(source.preambles)
    lines = [title, _numbers(rng, _relabel(preamble, origin, place))]
    numerals = "一二三四五六七八九十"
    n = 0
    for part in PART_ORDER:
        options = source.sections.get(part)
        if not options or (part in ("duty", "other") and rng.random() < 0.6):
            continue
        for _ in range(rng.randint(1, 3) if part == "measures" else 1):
            heading, items, origin = rng.choice(options)
            n += 1
            lines.append(f"{numerals[(n - 1) % 10]}、{_relabel(heading, origin, place)}")
            k = max(1, min(len(items) + rng.randint(-1, 2), 8))
            for i, item in enumerate(rng.choices(items, k=k)):
                body = _MARKER_RE.sub("", _item(rng, _relabel(item, origin, place), part,
                                                source, place))
                marker = f"{i + 1}." if part == "shortfalls" else f"（{numerals[i]}）"
                lines.append(f"{marker}{body}")
    return "\n".join(lines)


def _html_page(title: str, body: str, year: int) -> str:
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n"))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>"
        "<div class='top'><a href='#'>长者版</a> <a href='#'>无障碍阅读</a></div>"
        "<div class='crumb'>当前位置:首页 &gt; 政府信息公开 &gt; 法治政府建设年度报告</div>"
        f"<div class='article'><h1>{html.escape(title)}</h1>"
        f"<div class='info'>发布日期:{year + 1}-03-2{year % 10}　来源:人民政府</div>"
        f"{paras}</div>"
        "<div class='foot'>分享到: 关闭窗口 版权所有:人民政府 ICP备12345678号</div>"
        "</body></html>"
    )


def generate_corpus(n: int, out_dir: Path, *, seed: int = 0,
                    source: Source | None = None) -> list[Path]:
    """Write ``n`` synthetic reports into ``out_dir`` and return their paths."""
    out_dir = Path(out_dir)
    if out_dir.resolve() == (Path(__file__).resolve().parents[1] / "data" / "raw").resolve():
        raise ValueError("synthetic reports must never be written into data/raw/")
    out_dir.mkdir(parents=True, exist_ok=True)
    source = source or load_source()
    places = real_places()
    rng = random.Random(seed)
    kinds, weights = zip(*FORMATS, strict=True)
    paths = []
    for i in range(n):
        place = places[rng.randrange(len(places))]
        year = rng.randint(2019, 2025)
        text = _report(rng, source, place, year)
        kind = rng.choices(kinds, weights)[0]
        stem = out_dir / f"synth_{i:06d}"
        if kind == "html":
            path = stem.with_suffix(".html")
            title, _, body = text.partition("\n")
            path.write_text(_html_page(title, body, year), encoding="utf-8")
        else:
            path = stem.with_suffix(".txt")
            path.write_bytes(text.encode("gb18030" if kind == "txt-gb18030" else "utf-8"))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    paths = generate_corpus(args.n, args.out, seed=args.seed)
    print(f"wrote {len(paths)} synthetic reports to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
