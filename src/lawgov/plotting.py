"""Plotting: Chinese-capable fonts for matplotlib, one theme, and one way to save figures.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs and draws boxes. lawgov
prefers a CJK font the system already has (Debian's ``fonts-noto-cjk`` looks best) and
otherwise registers Noto Sans CJK SC shipped by the pip package ``mplfonts``, so figures
render on a machine with only pip-installed packages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

__all__ = ["configure_fonts", "set_theme", "save_figure"]

# Families that cover the CJK Unified Ideographs used in the reports, best first.
_SYSTEM_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "SimHei",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
    "Droid Sans Fallback",
)
_SYSTEM_CJK_FILE_HINTS = (
    "notosanscjk", "notoserifcjk", "sourcehansans", "wqy", "droidsansfallback",
)
_PACKAGED_FONT = "NotoSansCJKsc-Regular.otf"


def _packaged_font_path() -> Path:
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / _PACKAGED_FONT
    if not path.is_file():
        raise FileNotFoundError(
            f"the fallback CJK font {path} is missing; reinstall the 'mplfonts' package "
            "(pip install --force-reinstall mplfonts) or install a system CJK font "
            "(Debian: apt-get install fonts-noto-cjk)"
        )
    return path


def _find_system_family() -> str | None:
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in _SYSTEM_CJK_FAMILIES:
        if family in known:
            return family
    # A font installed after matplotlib built its cache is not in ttflist yet. A .ttc
    # collection registers all its faces, and the name FontProperties reports is only
    # the first one's (Noto Sans CJK JP), so look the families up again afterwards.
    added = False
    for path in font_manager.findSystemFonts():
        stem = Path(path).name.lower().replace("-", "").replace("_", "")
        if any(hint in stem for hint in _SYSTEM_CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
            added = True
    if added:
        known = {f.name for f in font_manager.fontManager.ttflist}
        for family in _SYSTEM_CJK_FAMILIES:
            if family in known:
                return family
    return None


def configure_fonts(*, prefer: Literal["system", "packaged"] = "system") -> str:
    """Make matplotlib draw Chinese text, and return the font family it will use.

    Parameters
    ----------
    prefer : {"system", "packaged"}
        ``"system"`` uses a CJK font installed on the machine if there is one and falls
        back to the Noto Sans CJK SC font shipped with ``mplfonts``; ``"packaged"`` always
        uses the shipped font (what a pip-only machine gets).

    Returns
    -------
    str
        The family name now first in ``rcParams["font.sans-serif"]``.

    Examples
    --------
    >>> import lawgov as lg
    >>> family = lg.configure_fonts(prefer="packaged")
    >>> "CJK" in family
    True
    """
    if prefer not in ("system", "packaged"):
        raise ValueError(f"prefer must be 'system' or 'packaged', not {prefer!r}")
    import matplotlib as mpl
    from matplotlib import font_manager

    family = _find_system_family() if prefer == "system" else None
    if family is None:
        path = _packaged_font_path()
        font_manager.fontManager.addfont(str(path))
        family = font_manager.FontProperties(fname=str(path)).get_name()
    rest = [f for f in mpl.rcParams["font.sans-serif"] if f != family]
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [family, *rest]
    # The CJK fonts lack U+2212 MINUS SIGN in some builds; use the ASCII hyphen.
    mpl.rcParams["axes.unicode_minus"] = False
    mpl.rcParams["svg.fonttype"] = "path"
    return family


def set_theme(*, style: str = "whitegrid", context: str = "notebook",
              prefer: Literal["system", "packaged"] = "system") -> str:
    """Apply lawgov's seaborn theme, then the CJK font (seaborn themes reset fonts).

    Returns the font family in use, as :func:`configure_fonts` does.
    """
    import seaborn as sns

    sns.set_theme(style=style, context=context)
    return configure_fonts(prefer=prefer)


def save_figure(fig, name: str, *, directory: str | Path = "figures",
                formats: tuple[str, ...] = ("png", "svg"), dpi: int = 150) -> list[Path]:
    """Save a matplotlib figure as ``directory/name.<format>`` for each format.

    ``name`` should say the notebook and the question, e.g.
    ``"02_keyness_by_province"``. Returns the paths written.
    """
    if not name or any(sep in name for sep in ("/", "\\")) or name.startswith("."):
        raise ValueError(f"figure name must be a plain file stem, not {name!r}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out / f"{name}.{fmt}"
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        paths.append(path)
    return paths
