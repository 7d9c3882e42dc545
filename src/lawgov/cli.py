"""The ``lawgov`` command line: ``lawgov ingest ...``, ``lawgov publish ...``.

Each sub-command is owned by the module of its pipeline stage, which defines
``cli(argv) -> int`` with its own argument parser; this module only dispatches.
"""

from __future__ import annotations

import importlib
import sys

from ._version import __version__

COMMANDS = {
    "ingest": ("lawgov.ingest", "read, clean and resolve data/raw into data/processed"),
    "publish": ("lawgov.publishing", "execute the notebooks and publish the HTML site"),
}


def _usage() -> str:
    lines = [f"lawgov {__version__}", "", "usage: lawgov COMMAND [options]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += ["", "Run 'lawgov COMMAND --help' for the options of a command."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(_usage())
        return 0
    if argv[0] == "--version":
        print(__version__)
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"lawgov: unknown command {name!r}; choose one of {', '.join(COMMANDS)}",
              file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    return int(module.cli(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
