"""MkDocs hooks: pages whose content comes from lawgov itself, so the site cannot drift from it.

A page asks for generated content with a marker on a line of its own:

``<!-- lawgov:api-index -->``
    every name of ``lawgov.__all__`` with its kind, module and one-line summary, linked
    to its entry in the API reference (an unresolved link fails the strict build, so a
    public name missing from the reference is caught);
``<!-- lawgov:codebook -->``
    the practices and shortfall codebook, through :func:`lawgov.load_codebook`;
``<!-- lawgov:indicators -->``
    the indicator codebook, through :func:`lawgov.load_indicator_codebook`;
``<!-- lawgov:parts -->``
    the heading vocabulary of the five mandated parts (``resources/parts.yml``);
``<!-- lawgov:samples -->``
    the sample reports as :func:`lawgov.load_sample_reports` reads them;
``<!-- lawgov:resources -->``
    the resource files shipped with the package, with their size and first header line;
``<!-- lawgov:version -->``
    the version string (inline, anywhere in a line);
``<!-- lawgov:execute -->``
    run the page's ``python`` blocks in order, in one namespace and a temporary working
    folder, and show what each prints below it: the outputs of the tutorial are those of
    the code as it is, and a block that fails stops the build.
"""

from __future__ import annotations

import html
import importlib
import inspect
import re
from importlib import resources

_MARKER = re.compile(r"^<!-- lawgov:([a-z-]+) -->[ \t]*$", re.M)
_VERSION = "<!-- lawgov:version -->"
_EXECUTE = "<!-- lawgov:execute -->"
_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```[ \t]*$", re.M | re.S)


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Replace the markers of a page by the content generated from the package."""
    if "<!-- lawgov:" not in markdown:
        return markdown
    import lawgov

    markdown = markdown.replace(_VERSION, lawgov.__version__)
    if _EXECUTE in markdown:
        markdown = _execute(markdown.replace(_EXECUTE, ""), page.file.src_path)

    def replace(match: re.Match) -> str:
        kind = match.group(1)
        if kind not in _GENERATORS:
            raise ValueError(
                f"{page.file.src_path}: unknown marker <!-- lawgov:{kind} -->; "
                f"known: {', '.join(sorted(_GENERATORS))}"
            )
        return _GENERATORS[kind]()

    return _MARKER.sub(replace, markdown)


# ----------------------------------------------------------------------------- helpers


def _execute(markdown: str, where: str) -> str:
    """Run the python blocks of a page and insert what each prints after it."""
    import contextlib
    import io
    import tempfile

    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {"__name__": "__main__"}
    pieces, position = [], 0
    with tempfile.TemporaryDirectory(prefix="lawgov-docs-") as folder, contextlib.chdir(folder):
        for number, match in enumerate(_PYTHON_BLOCK.finditer(markdown), start=1):
            buffer = io.StringIO()
            code = compile(match.group(1), f"{where}, python block {number}", "exec")
            with contextlib.redirect_stdout(buffer):
                exec(code, namespace)
            pieces.append(markdown[position:match.end()])
            output = buffer.getvalue().rstrip()
            if output:
                pieces.append(f'\n\n```text title="Output · 输出"\n{output}\n```')
            position = match.end()
        if "matplotlib.pyplot" in __import__("sys").modules:
            import matplotlib.pyplot as plt

            plt.close("all")
    pieces.append(markdown[position:])
    return "".join(pieces)


def _e(value) -> str:
    """HTML-escaped text of a value; missing values (None, NaN, NA) give ""."""
    import pandas as pd

    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=False)


def _code_list(values, separator: str = " ") -> str:
    return separator.join(f"<code>{_e(v)}</code>" for v in values if str(v))


def _table(header: list[str], rows: list[list[str]]) -> str:
    """An HTML table (cells already escaped): Markdown tables cannot hold regex pipes."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"\n<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"


def _resource_text(name: str) -> str:
    return (resources.files("lawgov") / "resources" / name).read_text(encoding="utf-8")


def _header(name: str) -> str:
    """The leading comment block of a resource file, as a fenced block."""
    lines = []
    for line in _resource_text(name).splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].removeprefix(" "))
    body = "\n".join(lines).strip("\n")
    return f"\n??? note \"Header of `lawgov/resources/{name}`\"\n\n    ```text\n" + "\n".join(
        f"    {line}" for line in body.split("\n")
    ) + "\n    ```\n"


# ----------------------------------------------------------------------------- generators


def _api_index() -> str:
    import lawgov

    homes: dict[str, str] = {}
    for module in _stage_modules():
        for public in importlib.import_module(f"lawgov.{module}").__all__:
            homes.setdefault(public, module)
    rows = ["| Name 名称 | Kind 类型 | Module 模块 | Summary 摘要 |", "|---|---|---|---|"]
    for name in lawgov.__all__:
        if name == "__version__":
            rows.append(
                f"| `__version__` | str | `lawgov` | The installed version, "
                f"`{lawgov.__version__}` (also `lawgov --version`). |"
            )
            continue
        module = homes[name]
        obj = getattr(importlib.import_module(f"lawgov.{module}"), name)
        if inspect.isclass(obj):
            kind = ("warning" if issubclass(obj, Warning) else
                    "exception" if issubclass(obj, BaseException) else "class")
            doc = inspect.getdoc(obj)
        elif callable(obj):
            kind, doc = "function", inspect.getdoc(obj)
        else:
            kind, doc = "constant", _attribute_doc(module, name)
        summary = (doc or "").strip().split("\n\n")[0].replace("\n", " ")
        summary = re.sub(r":(?:func|class|meth|attr|mod|data|exc):`~?([^`]+)`", r"`\1`", summary)
        summary = summary.replace("|", "\\|")
        rows.append(f"| [`{name}`][lawgov.{module}.{name}] | {kind} | "
                    f"[`lawgov.{module}`]({module}.md) | {summary} |")
    return "\n" + "\n".join(rows) + "\n"


def _stage_modules() -> list[str]:
    """Public submodules of lawgov with an ``__all__``, listed from the package folder.

    (The package namespace cannot be used: the function ``lawgov.ingest`` shadows its
    module.)
    """
    import pkgutil

    import lawgov

    return [
        info.name for info in pkgutil.iter_modules(lawgov.__path__)
        if not info.name.startswith("_")
        and hasattr(importlib.import_module(f"lawgov.{info.name}"), "__all__")
    ]


def _attribute_doc(module: str, name: str) -> str:
    """The docstring written under a module constant (``NAME = ...`` then a string)."""
    import ast

    source = inspect.getsource(importlib.import_module(f"lawgov.{module}"))
    body = ast.parse(source).body
    for node, following in zip(body, body[1:], strict=False):
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
                return str(following.value.value)
    return ""


def _codebook() -> str:
    import lawgov

    book = lawgov.load_codebook()
    out = [_header("codebook.yml")]
    counts: dict[str, int] = {}
    for entry in book.entries:
        counts[entry.branch] = counts.get(entry.branch, 0) + 1
    out.append(f"\n**{len(book.entries)} categories**: "
               + ", ".join(f"{n} in branch `{b}`" for b, n in counts.items()) + ".\n")
    out.append("\n## Shortfall cues · 问题提示词\n\nOutside a report's shortfalls part, shortfall "
               "themes are coded only in sentences holding one of these words:\n\n"
               + _code_list(book.shortfall_cues) + "\n")
    titles = {"practices": "Practices · 工作举措", "shortfalls": "Shortfalls · 存在的不足"}
    areas: dict[tuple[str, str], list] = {}
    for entry in book.entries:
        areas.setdefault((entry.branch, entry.area), []).append(entry)
    branch_done = set()
    for (branch, area), entries in areas.items():
        if branch not in branch_done:
            branch_done.add(branch)
            out.append(f"\n## {titles.get(branch, branch)} (`{branch}`)\n")
        out.append(f"\n### {_e(area)}\n\n{_e(entries[0].area_description)}\n")
        rows = []
        for entry in entries:
            rules = []
            if entry.terms:
                rules.append("terms: " + _code_list(entry.terms, "、"))
            if entry.patterns:
                rules.append("patterns: " + _code_list(entry.patterns))
            for rule in entry.all_of:
                rules.append("all_of: " + " + ".join(
                    "(" + _code_list(group, " / ") + ")" for group in rule))
            if entry.exclude:
                rules.append("exclude: " + _code_list(entry.exclude))
            rows.append([f"<strong>{_e(entry.category)}</strong>", _e(entry.description),
                         "<br>".join(rules)])
        out.append(_table(["Category 类别", "Description 说明", "Rules 规则"], rows))
    return "".join(out)


def _indicators() -> str:
    import lawgov

    book = lawgov.load_indicator_codebook()
    out = [_header("indicators.yml")]
    out.append(f"\n**{len(book.indicators)} indicators**, in priority order (a quantity takes "
               "the first indicator whose units and subject fit).\n")
    rows = []
    for number, ind in enumerate(book.indicators, start=1):
        rules = []
        if ind.terms:
            rules.append("terms: " + _code_list(ind.terms, "、"))
        if ind.patterns:
            rules.append("patterns: " + _code_list(ind.patterns))
        if ind.exclude:
            rules.append("exclude: " + _code_list(ind.exclude))
        rows.append([
            str(number), f"<code>{_e(ind.code)}</code>",
            f"{_e(ind.label_zh)}<br><em>{_e(ind.label_en)}</em>", _e(ind.description),
            _code_list(ind.units), "<br>".join(rules),
        ])
    out.append(_table(["#", "Code 代码", "Label 名称", "Description 说明", "Units 量词",
                       "Subject rules 主语规则"], rows))
    out.append("\n## Not quantities · 非数量短语\n\nPhrases that hold a numeral and a measure "
               "word but are names or slogans; the scanner skips them (regular expressions, "
               "matched where the numeral starts):\n\n" + _code_list(book.not_quantities)
               + "\n")
    return "".join(out)


def _parts() -> str:
    import yaml

    data = yaml.safe_load(_resource_text("parts.yml"))
    rows = []
    for part, patterns in data["parts"].items():
        rows.append([f"<code>{_e(part)}</code>", _code_list(patterns)])
    out = [_table(["Part 部分", "Heading patterns 标题用语 (regular expressions)"], rows)]
    extra = []
    if "future_year" in data:
        extra.append(["future_year.action", _code_list([data["future_year"]["action"]])])
        extra.append(["future_year.result", _code_list([data["future_year"]["result"]])])
    if "plan_openers" in data:
        extra.append(["plan_openers", _code_list([data["plan_openers"]])])
    for key, value in (data.get("closing") or {}).items():
        extra.append([f"closing.{key}", _code_list([value])])
    if extra:
        out.append(_table(["Rule 规则", "Value 取值"], [[f"<code>{_e(k)}</code>", v]
                                                       for k, v in extra]))
    return "".join(out) + _header("parts.yml")


def _resources() -> str:
    rows = []
    folder = resources.files("lawgov") / "resources"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.is_file() or entry.name.startswith("."):
            continue
        text = entry.read_text(encoding="utf-8")
        lines = text.splitlines()
        first = next((line.lstrip("# ").strip() for line in lines if line.startswith("#")), "")
        entries = sum(1 for line in lines if line.strip() and not line.lstrip().startswith("#"))
        rows.append([f"<code>{_e(entry.name)}</code>", str(entries), _e(first)])
    return _table(["File 文件", "Non-comment lines 有效行", "What it is 内容"], rows)


def _samples() -> str:
    import lawgov

    reports = lawgov.load_sample_reports()
    rows = []
    for row in reports.itertuples(index=False):
        chain = " / ".join(str(v) for v in (row.province, row.city, row.county) if v)
        rows.append([
            f"<code>{_e(row.source_path.rsplit('/', 1)[-1])}</code>", _e(row.unit),
            _e(row.unit_level), _e(chain), _e(row.year) or "—", _e(row.published) or "—",
            _e(row.script_original), f"{row.n_chars:,}", _e(row.title) or "—",
        ])
    return _table(["File 文件", "Unit 单位", "Level 层级", "Province / city / county",
                   "Year 年度", "Published 发布", "Script 字形", "Characters 字数",
                   "Title 标题"], rows)


_GENERATORS = {
    "samples": _samples,
    "api-index": _api_index,
    "codebook": _codebook,
    "indicators": _indicators,
    "parts": _parts,
    "resources": _resources,
}
