"""Synthetic corpora for benchmarks, resampled from the real sample reports.

Each synthetic report takes a real township (or subdistrict) from the national division
table shipped in jionlp, a year between 2019 and 2025, and a title in one of the styles
real reports use; its body is a resampling of real sections of the five sample reports:
a preamble, then for each mandated part a section of that part drawn from a random
sample report, its enumerated items resampled with replacement. Place names of the
source report are replaced by the synthetic report's own, so region resolution has
real work to do. Most files are UTF-8 text; some are GB18030 text or saved web pages,
as in a real collection.

Deterministic: the same ``n`` and ``seed`` give byte-identical files. Synthetic files
go to a folder of their own (default ``benchmarks/corpora/``), never to ``data/raw/``.
"""

from __future__ import annotations

import argparse
import html
import io
import random
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

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


@dataclass(frozen=True)
class Place:
    province: str
    city: str
    county: str
    unit: str


@lru_cache(maxsize=1)
def real_places() -> tuple[Place, ...]:
    """Every township and subdistrict in jionlp's national division table."""
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

    preambles: tuple[str, ...]
    sections: dict  # part -> tuple of (heading, tuple of item texts, original Place)


def load_source(sample_dir: Path | None = None) -> Source:
    reports = lg.read_reports(sample_dir) if sample_dir else lg.load_sample_reports()
    sections = lg.split_sections(reports)
    items = lg.split_items(sections)
    place_of = {
        r.doc_id: Place(r.province or "", r.city or "", r.county or "", r.unit or "")
        for r in reports.itertuples()
    }
    preambles = tuple(
        s.text for s in sections.itertuples() if s.part == "preamble" and len(s.text) > 40
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
    return Source(preambles, {k: tuple(v) for k, v in by_part.items()})


def _relabel(text: str, old: Place, new: Place) -> str:
    for a, b in ((old.unit, new.unit), (old.county, new.county), (old.city, new.city),
                 (old.province, new.province)):
        if a and b:
            text = text.replace(a, b)
    return text


def _report(rng: random.Random, source: Source, place: Place, year: int) -> str:
    title = rng.choice(TITLE_STYLES).format(county=place.county, unit=place.unit, year=year)
    lines = [title, rng.choice(source.preambles)]
    numerals = "一二三四五六七八九十"
    n = 0
    for part in PART_ORDER:
        options = source.sections.get(part)
        if not options or (part in ("duty", "other") and rng.random() < 0.6):
            continue
        heading, items, origin = rng.choice(options)
        n += 1
        lines.append(f"{numerals[n - 1]}、{_relabel(heading, origin, place)}")
        k = max(1, min(len(items) + rng.randint(-1, 2), 8))
        for i, item in enumerate(rng.choices(items, k=k)):
            body = _relabel(item, origin, place)
            lines.append(f"（{numerals[i]}）{body.lstrip('（()）一二三四五六七八九十、.0123456789')}"
                         if part != "shortfalls" else body)
    return "\n".join(lines).replace(str(2023), str(year))


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
    kinds, weights = zip(*FORMATS)
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
