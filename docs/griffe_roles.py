"""Griffe extension for the documentation build: Sphinx roles in lawgov docstrings to Markdown.

lawgov's numpydoc docstrings cross-reference with Sphinx roles (``:func:`read_reports```,
``:class:`lawgov.Tokenizer```, ``:meth:`TopicModel.transform```) and a few formulas use
``.. math::`` and ``:math:``. mkdocstrings renders Markdown, where these would show as raw
text. Before a docstring is parsed this extension rewrites

* a role whose target is documented in the API reference into an autorefs link
  (``[`read_reports`][lawgov.reading.read_reports]``), so it becomes a working link;
* any other role (``:mod:``, targets outside lawgov, members without a docstring) into
  inline code, so the build never meets a dangling reference;
* ``:math:`x``` into inline code and a ``.. math::`` block into a fenced code block (the
  site is built and read offline, so no MathJax).

The docstrings themselves are not changed; the rewrite happens only in the documentation
build, and the test suite runs the doctests on the original text.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap

import griffe

_ROLE = re.compile(r":(?:py:)?(func|class|meth|attr|mod|data|exc|obj|const):`~?([^`]+)`")
_MATH_ROLE = re.compile(r":math:`([^`]+)`")
_MATH_BLOCK = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)$", re.M)


def _public_map() -> dict[str, str]:
    """Public name -> submodule that defines it, from the modules' ``__all__``."""
    import lawgov

    names: dict[str, str] = {}
    for module_name in _submodules():
        module = importlib.import_module(f"lawgov.{module_name}")
        for name in getattr(module, "__all__", []):
            names.setdefault(name, module_name)
    assert set(names) | {"__version__"} >= set(lawgov.__all__)
    return names


def _submodules() -> list[str]:
    """The pipeline-stage modules: public submodules of lawgov that define ``__all__``.

    Found by listing the package, not from its namespace, where a function may shadow its
    module (``lawgov.ingest`` is the function of module ``lawgov.ingest``).
    """
    import pkgutil

    import lawgov

    names = []
    for info in pkgutil.iter_modules(lawgov.__path__):
        if info.name.startswith("_"):
            continue
        if hasattr(importlib.import_module(f"lawgov.{info.name}"), "__all__"):
            names.append(info.name)
    return names


def _rendered_member(owner: object, name: str) -> bool:
    """Whether mkdocstrings renders ``owner.name``: public, defined there, with a docstring."""
    if name.startswith("_") or name not in vars(owner):
        return False
    member = vars(owner)[name]
    if isinstance(member, (staticmethod, classmethod)):
        member = member.__func__
    if isinstance(member, property) or inspect.isfunction(member):
        return bool(member.__doc__)
    return False


class SphinxRolesToMarkdown(griffe.Extension):
    """Rewrite Sphinx roles and math directives in docstrings into Markdown."""

    def __init__(self) -> None:
        super().__init__()
        self._public = _public_map()
        self._modules = set(_submodules())

    def _identifier(self, target: str, module: str | None) -> str | None:
        """The autorefs identifier of a documented target, or None."""
        parts = target.strip().rstrip("()").split(".")
        if parts[0] == "lawgov":
            parts = parts[1:]
        if not parts:
            return None
        if parts[0] in self._modules:
            home, parts = parts[0], parts[1:]
        elif parts[0] in self._public:
            home = self._public[parts[0]]
        elif module in self._modules and parts[0] in getattr(
            importlib.import_module(f"lawgov.{module}"), "__all__", []
        ):
            home = module
        else:
            return None
        if not parts or parts[0] not in getattr(
            importlib.import_module(f"lawgov.{home}"), "__all__", []
        ):
            return None
        obj = getattr(importlib.import_module(f"lawgov.{home}"), parts[0])
        for name in parts[1:]:
            if not _rendered_member(obj, name):
                return None
            obj = getattr(obj, name)
        return ".".join(["lawgov", home, *parts])

    def _rewrite(self, text: str, module: str | None) -> str:
        def role(match: re.Match) -> str:
            target = match.group(2)
            shown = target.split(".")[-1] if match.group(0).count("~") else target
            identifier = self._identifier(target, module)
            if identifier is None:
                return f"`{shown}`"
            return f"[`{shown}`][{identifier}]"

        text = _MATH_ROLE.sub(lambda m: f"`{m.group(1)}`", text)
        text = _math_blocks(text)
        return _ROLE.sub(role, text)

    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is None or not obj.docstring.value:
            return
        path = obj.path.split(".")
        module = path[1] if len(path) > 1 and path[0] == "lawgov" else None
        obj.docstring.value = self._rewrite(obj.docstring.value, module)


def _math_blocks(text: str) -> str:
    """``.. math::`` directives (first line plus deeper-indented lines) to fenced code.

    Inside a list item written with the two-space continuation of reStructuredText, the
    block and the rest of the item are moved to the four spaces Python-Markdown needs, so
    the item is not cut in two.
    """
    lines = text.split("\n")
    out: list[str] = []
    shift = 0
    item_indent = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        match = _MATH_BLOCK.match(line)
        if match is None:
            width = len(line) - len(line.lstrip())
            if shift and line.strip() and width < item_indent:
                shift = 0
            out.append(" " * shift + line if shift and line.strip() else line)
            i += 1
            continue
        indent = len(match.group("indent").expandtabs())
        if 0 < indent < 4:
            shift, item_indent = 4 - indent, indent
        body = [match.group("first")] if match.group("first").strip() else []
        i += 1
        block: list[str] = []
        while i < len(lines) and (not lines[i].strip() or
                                  len(lines[i]) - len(lines[i].lstrip()) > indent):
            block.append(lines[i])
            i += 1
        while block and not block[-1].strip():
            block.pop()
        body += textwrap.dedent("\n".join(block)).split("\n") if block else []
        pad = " " * (indent + shift)
        out += [f"{pad}```text", *(f"{pad}{b}" for b in body), f"{pad}```", ""]
    return "\n".join(out)
