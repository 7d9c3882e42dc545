"""Benchmark lawgov against the script a researcher would write without it.

``python benchmarks/run.py --sizes 1000 10000`` (``make bench``) generates synthetic corpora
(:mod:`synth`, cached under ``benchmarks/corpora/``) and, for each size and run, measures in
fresh processes:

* ``stages``: lawgov's stages one after the other in one process (one core): read + clean,
  region/year resolution, structure (sections + items), tokenize (items, default
  ``Tokenizer``, no cache), indicators (items), DTM (``build_dtm`` of the item tokens);
* ``ingest_cold`` / ``ingest_cached``: ``lawgov.ingest`` with every stage into an empty
  folder, then again with nothing changed (``workers`` = all cores);
* ``baseline``: ``open().read()`` of every file, ``pandas.Series.apply(jieba.lcut)`` with
  jieba's default tokenizer, ``TfidfVectorizer(analyzer=identity)``.

Each measurement reports seconds, characters per second and the peak resident memory of its
process tree (polled from ``/proc`` every 20 ms, and at least ``ru_maxrss`` of the process
and its children). Results are merged into ``results.csv`` (every run) and
``results.md`` (medians, ratios, the machine), replacing earlier rows of the same sizes.
It also checks that lawgov's rjieba tokens equal jieba's where the backend promises it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

KINDS = ("baseline", "stages", "ingest_cold", "ingest_cached")
STAGE_NAMES = ("read+clean", "region/year", "structure", "tokenize", "indicators", "DTM")
PAIRS = (  # lawgov stage(s) vs baseline step, compared on the same corpus
    ("read", ("read+clean", "region/year"), "read"),
    ("tokenize", ("tokenize",), "tokenize"),
    ("DTM", ("DTM",), "tfidf"),
    ("full ingest (cold) vs whole baseline", ("ingest_cold",), "total"),
)


# --------------------------------------------------------------------------------------
# memory


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            out += [int(c) for c in task.read_text().split()]
        except OSError:
            pass
    return out


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += _rss(current)
        stack += _children(current)
    return total


class PeakMemory:
    """Peak RSS of this process tree while the block runs (``/proc`` polled every 20 ms)."""

    def __enter__(self):
        self.peak, self._stop = tree_rss(os.getpid()), threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, tree_rss(os.getpid()))

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        usage = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) * 1024
        self.peak = max(self.peak, usage)


# --------------------------------------------------------------------------------------
# measurements, each run in a fresh process


def _files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if p.is_file() and not p.name.startswith("."))


def measure_baseline(corpus: Path) -> dict:
    """The script without lawgov: read, jieba.lcut, TF-IDF."""
    import jieba
    import pandas as pd
    from sklearn.feature_extraction.text import TfidfVectorizer

    jieba.setLogLevel(60)
    out = {}
    started = time.perf_counter()
    texts = pd.Series([open(p, encoding="utf-8", errors="ignore").read()  # noqa: SIM115
                       for p in _files(corpus)])
    out["read"] = time.perf_counter() - started
    mark = time.perf_counter()
    tokens = texts.apply(jieba.lcut)
    out["tokenize"] = time.perf_counter() - mark
    mark = time.perf_counter()
    TfidfVectorizer(analyzer=lambda x: x).fit_transform(tokens)
    out["tfidf"] = time.perf_counter() - mark
    out["total"] = time.perf_counter() - started
    return {"seconds": out, "chars": int(texts.str.len().sum())}


def measure_stages(corpus: Path) -> dict:
    """lawgov's stages one after the other, in this process."""
    import lawgov as lg
    from lawgov import reading

    resolve_seconds = [0.0]
    resolve = reading._resolve

    def timed_resolve(*args, **kwargs):
        mark = time.perf_counter()
        try:
            return resolve(*args, **kwargs)
        finally:
            resolve_seconds[0] += time.perf_counter() - mark

    reading._resolve = timed_resolve  # instrumentation of this measuring process only
    out = {}
    started = time.perf_counter()
    reports = lg.read_reports(corpus, errors="ignore")
    read = time.perf_counter() - started
    out["region/year"] = resolve_seconds[0]
    out["read+clean"] = read - resolve_seconds[0]
    mark = time.perf_counter()
    items = lg.split_items(lg.split_sections(reports))
    out["structure"] = time.perf_counter() - mark
    chars = int(reports["n_chars"].sum())
    del reports
    mark = time.perf_counter()
    tokens = lg.tokenize(items, lg.Tokenizer(), n_jobs=1, cache_dir=False, progress=False)
    out["tokenize"] = time.perf_counter() - mark
    mark = time.perf_counter()
    lg.extract_indicators(items)
    out["indicators"] = time.perf_counter() - mark
    mark = time.perf_counter()
    lg.build_dtm(tokens)
    out["DTM"] = time.perf_counter() - mark
    return {"seconds": out, "chars": chars, "items": len(items)}


def measure_ingest(corpus: Path, out: Path, *, cold: bool, workers: int) -> dict:
    import lawgov as lg

    if cold and out.exists():
        shutil.rmtree(out)
    started = time.perf_counter()
    result = lg.ingest(corpus, out=out, workers=workers, progress=False)
    seconds = time.perf_counter() - started
    chars = int(lg.read_table(out, "reports", columns=["n_chars"])["n_chars"].sum())
    return {"seconds": {"ingest_cold" if cold else "ingest_cached": seconds}, "chars": chars,
            "n_read": result.n_read, "n_reused": result.n_reused}


def check_tokens(corpus: Path, limit: int = 300) -> dict:
    """Do lawgov's rjieba tokens equal plain jieba's with the same dictionary, HMM off?"""
    import jieba

    import lawgov as lg

    jieba.setLogLevel(60)
    reports = lg.read_reports(_files(corpus)[:limit], errors="ignore")
    items = lg.split_items(lg.split_sections(reports))
    texts = items["text"].tolist()
    plain = lg.Tokenizer(lexicon=False, stopwords=False, filler=False, split_filler=False,
                         keep_numbers=True, keep_punct=True)
    reference = jieba.Tokenizer()
    raw_equal = sum(plain.cut(t) == reference.lcut(t, HMM=False) for t in texts)
    rjieba, pyjieba = lg.Tokenizer(), lg.Tokenizer(backend="jieba")
    full_equal = sum(rjieba(t) == pyjieba(t) for t in texts)
    return {"texts": len(texts), "chars": sum(map(len, texts)),
            "plain_equal": raw_equal, "lawgov_equal": full_equal}


def _child(args) -> int:
    corpus = Path(args.corpus)
    with PeakMemory() as memory:
        if args.kind == "baseline":
            result = measure_baseline(corpus)
        elif args.kind == "stages":
            result = measure_stages(corpus)
        elif args.kind == "check_tokens":
            result = check_tokens(corpus)
        else:
            result = measure_ingest(corpus, Path(args.ingest_out),
                                    cold=args.kind == "ingest_cold", workers=args.workers)
    result["peak_bytes"] = memory.peak
    print("RESULT " + json.dumps(result))
    return 0


def run_child(kind: str, corpus: Path, *, workers: int, ingest_out: Path) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind,
               "--corpus", str(corpus), "--workers", str(workers),
               "--ingest-out", str(ingest_out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"{kind} on {corpus} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


# --------------------------------------------------------------------------------------
# corpora, machine, report


def corpus_for(n: int, seed: int, root: Path) -> Path:
    import synth

    folder = root / f"n{n}_s{seed}_v{synth.VERSION}"
    stamp = folder / ".complete"
    if not stamp.is_file():
        if folder.exists():
            shutil.rmtree(folder)
        started = time.perf_counter()
        synth.generate_corpus(n, folder, seed=seed)
        stamp.write_text(f"{time.perf_counter() - started:.1f} s\n")
        print(f"  generated {n} reports in {folder} ({stamp.read_text().strip()})", flush=True)
    return folder


def machine() -> dict:
    from lawgov import __version__
    from lawgov._provenance import package_versions

    cpu = next((line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    packages = package_versions(("pandas", "numpy", "pyarrow", "scikit-learn", "jieba",
                                 "rjieba", "opencc", "dask", "distributed"))
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem / 1024 ** 2, 1),
            "python": sys.version.split()[0], "platform": platform.platform(),
            "lawgov": __version__, **packages}


def _fmt_rate(chars: float, seconds: float) -> str:
    return f"{chars / seconds / 1e6:.2f}" if seconds else "–"


def _paired_speedups(part) -> list[float]:
    """Baseline total / cold ingest for every run that measured both."""
    out = []
    for _, run in part.groupby("run"):
        base = run[(run["kind"] == "baseline") & (run["step"] == "total")]["seconds"]
        cold = run[run["kind"] == "ingest_cold"]["seconds"]
        if len(base) and len(cold):
            out.append(float(base.iloc[0]) / float(cold.iloc[0]))
    return out


def write_report(rows: list[dict], info: dict, checks: dict, out_md: Path) -> None:
    import pandas as pd

    table = pd.DataFrame(rows)
    lines = ["# lawgov benchmark", "",
             "Generated by `benchmarks/run.py` (`make bench`, `make bench-100k`); every run is "
             "in `results.csv`. Medians over runs; throughput in million characters of clean "
             "text per second (the baseline: characters it read, HTML markup included); peak "
             "memory is the resident set of the measuring process and its children.", "",
             "## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in info.items()]
    for size in sorted(table["size"].unique()):
        part = table[table["size"] == size]
        lines += ["", f"## {size:,} reports", ""]
        lines += ["| measure | step | runs | median s | M chars/s | peak MB |",
                  "|---|---|---:|---:|---:|---:|"]
        medians = {}
        for (kind, step), group in part.groupby(["kind", "step"], sort=False):
            seconds = statistics.median(group["seconds"])
            chars = statistics.median(group["chars"])
            peak = statistics.median(group["peak_mb"])
            medians[(kind, step)] = (seconds, chars)
            lines.append(f"| {kind} | {step} | {len(group)} | {seconds:.2f} | "
                         f"{_fmt_rate(chars, seconds)} | {peak:,.0f} |")
        pairs = []
        for label, ours, theirs in PAIRS:
            mine = [medians.get(("stages", s)) or medians.get((s, s)) for s in ours]
            base = medians.get(("baseline", theirs))
            if all(mine) and base:
                speed = base[0] / sum(m[0] for m in mine)
                pairs.append(f"| {label} | {sum(m[0] for m in mine):.2f} | {base[0]:.2f} | "
                             f"{speed:.1f}× |")
        if pairs:
            lines += ["", "lawgov against the baseline (same corpus; speed-up = baseline "
                      "seconds / lawgov seconds; lawgov's stages use one core, the ingest all "
                      f"{info['cores']}):", "",
                      "| pair | lawgov s | baseline s | speed-up |", "|---|---:|---:|---:|",
                      *pairs]
        paired = _paired_speedups(part)
        if paired:
            lines += ["", "Full ingest against the whole baseline run by run (the two measured "
                      "one after the other, so that both see the machine in the same state): "
                      + ", ".join(f"{r:.1f}×" for r in paired)
                      + f"; median {statistics.median(paired):.1f}×."]
        cold, cached = medians.get(("ingest_cold", "ingest_cold")), medians.get(
            ("ingest_cached", "ingest_cached"))
        if cold and cached:
            lines += ["", f"Cached re-run: {cached[0]:.2f} s = {100 * cached[0] / cold[0]:.1f} % "
                      f"of the cold run ({cold[0]:.2f} s)."]
        check = checks.get(str(size)) or checks.get(size)
        if check:
            lines += ["", f"Token check on {check['texts']:,} items ({check['chars']:,} chars): "
                      f"lawgov's rjieba segmenter with jieba's dictionary and HMM off gives "
                      f"the same tokens as `jieba.Tokenizer().lcut(text, HMM=False)` for "
                      f"{check['plain_equal']:,} of {check['texts']:,} items; lawgov's default "
                      f"Tokenizer gives the same tokens with the rjieba and jieba backends for "
                      f"{check['lawgov_equal']:,} of {check['texts']:,}. (jieba's default "
                      "`lcut` has HMM on, so the baseline's tokens differ by design.)"]
    notes = HERE / "results_notes.md"
    if notes.is_file():
        lines += ["", notes.read_text(encoding="utf-8").strip()]
    out_md.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=None,
                        help="runs of each measure (default: 3 up to 1,000 reports, else 2)")
    parser.add_argument("--single-core-runs", type=int, default=None,
                        help="runs of the one-core measures (stages, baseline); default: "
                             "--runs up to 10,000 reports (the jieba baseline takes 1.5 to 3.5 "
                             "minutes on 10,000 reports here), none above")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--corpora", type=Path, default=HERE / "corpora")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--child", choices=(*KINDS, "check_tokens"), help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--ingest-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.kind = args.child
        return _child(args)

    csv_path = args.out.with_suffix(".csv")
    checks_path = args.corpora / "token_checks.json"
    import pandas as pd

    old = pd.read_csv(csv_path).to_dict("records") if csv_path.is_file() else []
    rows = [r for r in old if r["size"] not in args.sizes]
    checks = json.loads(checks_path.read_text()) if checks_path.is_file() else {}
    started = time.perf_counter()
    for size in args.sizes:
        corpus = corpus_for(size, args.seed, args.corpora)
        runs = args.runs or (3 if size <= 1000 else 2)
        single = args.single_core_runs
        if single is None:
            single = runs if size <= 10000 else 0
        ingest_out = args.corpora / f"processed_{corpus.name}"
        for run in range(runs):
            # The baseline right before the cold ingest: the machine's speed drifts by up
            # to a factor of two over minutes here, and the pair should see the same.
            kinds = [*(("baseline",) if run < single else ()), "ingest_cold", "ingest_cached",
                     *(("stages",) if run < single else ())]
            for kind in kinds:
                result = run_child(kind, corpus, workers=args.workers, ingest_out=ingest_out)
                for step, seconds in result["seconds"].items():
                    rows.append({"size": size, "run": run + 1, "kind": kind, "step": step,
                                 "seconds": round(seconds, 4), "chars": result["chars"],
                                 "peak_mb": round(result["peak_bytes"] / 2 ** 20, 1)})
                print(f"  n={size} run {run + 1} {kind}: " + ", ".join(
                    f"{k} {v:.2f} s" for k, v in result["seconds"].items())
                    + f"; peak {result['peak_bytes'] / 2 ** 20:,.0f} MB", flush=True)
        if size <= 10000:
            checks[str(size)] = run_child("check_tokens", corpus, workers=1,
                                          ingest_out=ingest_out)
        shutil.rmtree(ingest_out, ignore_errors=True)
    pd.DataFrame(rows).to_csv(csv_path, index=False)
    checks_path.parent.mkdir(parents=True, exist_ok=True)
    checks_path.write_text(json.dumps(checks))
    write_report(rows, machine(), checks, args.out)
    print(f"wrote {args.out} and {csv_path} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
