"""OpenCC ``tw2s`` applied only to the lines it can change.

Converting a whole report costs about 0.16 ms on this project's machine, while most
reports are Simplified and come out unchanged. OpenCC replaces the longest dictionary key
at each position by its value, so a text can change only where it holds a character at
which some key differs from its value (a *trigger*: 乾, 著, the 覆 of 反覆 ...). No key holds
a line break, so a text converts line by line, and a line without a trigger converts to
itself. :func:`to_simplified` therefore converts just the lines that hold a trigger and
returns exactly what converting the whole text would.

The triggers are computed from the dictionaries ``tw2s.json`` names by
:func:`generate_triggers` (which needs the development dependency ``marisa-trie`` to list
the keys) and shipped in ``resources/tw2s_triggers.txt`` with a digest of those
dictionaries. When the installed OpenCC's dictionaries have another digest, every line
is converted, as if the file were not there.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import json
import os
import re
import tempfile
from pathlib import Path

CONFIG = "tw2s"
RESOURCE = "tw2s_triggers.txt"
# OpenCC iterates to a fixed point in cleaning: a phrase conversion can create a new
# convertible phrase.
_MAX_PASSES = 4
# The marisa-trie dictionaries of OpenCC start with this header.
_OCD2_HEADER = b"OPENCC_MARISA_0.2.5"


@functools.lru_cache(maxsize=4)
def converter(config: str = CONFIG):
    """One OpenCC converter per process and configuration (loading costs ~1 ms)."""
    import opencc

    return opencc.OpenCC(config)


def _share_dir() -> Path:
    import opencc

    return Path(opencc.__file__).parent / "clib" / "share" / "opencc"


def _spec(config: str = CONFIG) -> dict:
    return json.loads((_share_dir() / f"{config}.json").read_text("utf-8"))


def _files_of(node: dict) -> list[str]:
    if node.get("type") == "group":
        return [f for d in node["dicts"] for f in _files_of(d)]
    return [node["file"]]


def _dictionary_files(config: str = CONFIG) -> list[str]:
    """Every dictionary file the configuration names, in order of appearance."""
    spec = _spec(config)
    nodes = [n["dict"] for n in spec.get("normalization", [])]
    nodes += [spec["segmentation"]["dict"], *(step["dict"] for step in spec["conversion_chain"])]
    return list(dict.fromkeys(f for node in nodes for f in _files_of(node)))


def dictionary_digest(config: str = CONFIG) -> str:
    """SHA-256 of the configuration file and every dictionary it names."""
    share = _share_dir()
    digest = hashlib.sha256()
    for name in [f"{config}.json", *_dictionary_files(config)]:
        data = (share / name).read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def _keys(path: Path) -> list[str]:
    import marisa_trie

    data = path.read_bytes()
    if not data.startswith(_OCD2_HEADER):
        raise ValueError(f"{path}: not an OpenCC marisa dictionary")
    trie = marisa_trie.Trie()
    # The trie follows the header; the values after it are not needed.
    trie.frombytes(data[len(_OCD2_HEADER):])
    keys = trie.keys()
    if any("\n" in key for key in keys):
        raise ValueError(f"{path}: a key holds a line break, so lines cannot convert apart")
    return keys


def _absolute(node: dict, share: Path) -> dict:
    if node.get("type") == "group":
        return {**node, "dicts": [_absolute(d, share) for d in node["dicts"]]}
    return {**node, "file": str(share / node["file"])}


def generate_triggers(config: str = CONFIG) -> str:
    """The characters at which the configuration can change a text, sorted. Needs marisa-trie.

    The configuration normalises, then converts in two steps (Taiwan variants to standard
    Traditional, then Traditional to Simplified). For every key of every dictionary, the key
    is converted with that dictionary alone; where the value differs, the characters at the
    differing positions are triggers (every character of the key when the lengths differ).

    One exception keeps common characters out: the first step rewrites some Simplified-and-
    Traditional characters to an older form that the second step turns straight back
    (才 → 纔 → 才, 群 → 羣 → 群). A character the first step changes only to such partners is
    no trigger when the partner is in no phrase of the second step (so the second step
    meets it only on its own) and the second step gives the character back; a line holding
    only such characters then converts to itself.
    """
    import opencc

    share = _share_dir()
    spec = _spec(config)
    normalization = [n["dict"] for n in spec.get("normalization", [])]
    chain = [step["dict"] for step in spec["conversion_chain"]]
    if len(chain) != 2:
        raise ValueError(f"{config}.json: expected two conversion steps, found {len(chain)}")

    def converter_for(node: dict, tmp: str, name: str):
        node = _absolute(node, share)
        path = Path(tmp) / f"{name}.json"
        path.write_text(json.dumps({"name": name, "segmentation": {"type": "mmseg", "dict": node},
                                    "conversion_chain": [{"dict": node}]}), "utf-8")
        return opencc.OpenCC(str(path)).convert

    def changes(nodes: list[dict], tmp: str) -> list[tuple[str, str]]:
        # (key, value) of every key that some dictionary of ``nodes`` changes.
        out = []
        for node in nodes:
            for index, name in enumerate(_files_of(node)):
                convert = converter_for({"type": "ocd2", "file": name}, tmp, f"{name}.{index}")
                # The longest match on a key is the key itself: this is its value.
                out += [(k, v) for k in _keys(share / name) if (v := convert(k)) != k]
        return out

    def differing(pairs: list[tuple[str, str]]) -> set[str]:
        out: set[str] = set()
        for key, value in pairs:
            if len(key) == len(value):
                out.update(a for a, b in zip(key, value, strict=True) if a != b)
            else:
                out.update(key)
        return out

    with tempfile.TemporaryDirectory() as tmp:
        first, second = changes([chain[0]], tmp), changes([chain[1]], tmp)
        triggers = differing(changes(normalization, tmp)) | differing(second)
        in_phrases = {ch for name in _files_of(chain[1]) for key in _keys(share / name)
                      if len(key) > 1 for ch in key}
        back = converter_for(chain[1], tmp, "second")
        rewrites: dict[str, set[str]] = {}
        for key, value in first:
            if len(key) != len(value):
                triggers.update(key)
                continue
            for a, b in zip(key, value, strict=True):
                if a != b:
                    rewrites.setdefault(a, set()).add(b)
        for char, partners in rewrites.items():
            if any(b in in_phrases or back(b) != char for b in partners):
                triggers.add(char)
    return "".join(sorted(triggers))


def write_triggers(path: str | os.PathLike | None = None, config: str = CONFIG) -> Path:
    """Regenerate the shipped trigger file (after an OpenCC upgrade)."""
    import opencc

    path = Path(path) if path else Path(__file__).parent / "resources" / RESOURCE
    chars = generate_triggers(config)
    path.write_text(
        "# Characters at which OpenCC's tw2s can change a text; see lawgov/_tw2s.py.\n"
        "# Regenerate: python -c 'from lawgov._tw2s import write_triggers; write_triggers()'\n"
        f"opencc: {opencc.__version__}\n"
        f"digest: {dictionary_digest(config)}\n"
        f"triggers: {chars}\n",
        "utf-8",
    )
    return path


def _read_resource() -> dict[str, str]:
    text = importlib.resources.files("lawgov").joinpath("resources", RESOURCE).read_text("utf-8")
    fields = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition(": ")
            fields[key] = value
    return fields


@functools.lru_cache(maxsize=1)
def trigger_pattern() -> re.Pattern | None:
    """A character class of the triggers, or None when they do not fit the installed OpenCC.

    Characters beyond the Basic Multilingual Plane all count as triggers: ``re`` tests a
    class of BMP characters with one bitmap lookup, but a class that lists characters
    beyond it character by character (60 times slower).
    """
    try:
        fields = _read_resource()
        if fields.get("digest") != dictionary_digest():
            return None
    except (OSError, ValueError):
        return None
    bmp = "".join(re.escape(ch) for ch in fields.get("triggers", "") if ord(ch) < 0x10000)
    return re.compile(f"[{bmp}\U00010000-\U0010ffff]")


def _fixed_point(text: str, convert, passes: int = _MAX_PASSES) -> tuple[str, bool]:
    changed = False
    for _ in range(passes):
        converted = convert(text)
        if converted == text:
            break
        text, changed = converted, True
    return text, changed


def to_simplified(text: str, passes: int = _MAX_PASSES) -> tuple[str, bool]:
    """``tw2s`` to its fixed point; returns the text and whether anything changed.

    Equal to converting the whole text (up to ``passes`` times, until it stops changing),
    converting only the lines that hold a trigger character.

    Examples
    --------
    >>> to_simplified("依法行政\\n隨著經濟發展")
    ('依法行政\\n随着经济发展', True)
    >>> to_simplified("全覆盖")
    ('全覆盖', False)
    """
    convert = converter(CONFIG).convert
    pattern = trigger_pattern()
    if pattern is None:
        return _fixed_point(text, convert, passes)
    match = pattern.search(text)
    if match is None:
        return text, False
    parts: list[str] = []
    position, changed = 0, False
    while match is not None:
        start = text.rfind("\n", 0, match.start()) + 1
        end = text.find("\n", match.end())
        end = len(text) if end < 0 else end
        line, line_changed = _fixed_point(text[start:end], convert, passes)
        if line_changed:
            parts += [text[position:start], line]
            position, changed = end, True
        match = pattern.search(text, end)
    if not changed:
        return text, False
    parts.append(text[position:])
    return "".join(parts), True
