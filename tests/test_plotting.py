import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import lawgov as lg  # noqa: E402


@pytest.mark.parametrize("prefer", ["packaged", "system"])
def test_chinese_renders_without_missing_glyphs(prefer, tmp_path):
    family = lg.set_theme(prefer=prefer)
    assert family
    fig, ax = plt.subplots()
    ax.set_title("法治政府建设 江苏省 黑龙江省")
    ax.bar(["塘沟镇", "东风路街道"], [1, -2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paths = lg.save_figure(fig, "test_fonts", directory=tmp_path)
    plt.close(fig)
    missing = [w for w in caught if "missing from font" in str(w.message).lower()
               or "glyph" in str(w.message).lower()]
    assert missing == []
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert all(p.stat().st_size > 1000 for p in paths)


def test_default_font_would_draw_boxes(tmp_path):
    """The check above can fail: DejaVu Sans alone does warn about Chinese glyphs."""
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("法治")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(tmp_path / "x.png")
        plt.close(fig)
    assert any("glyph" in str(w.message).lower() for w in caught)


def test_save_figure_rejects_paths(tmp_path):
    fig, _ = plt.subplots()
    with pytest.raises(ValueError, match="plain file stem"):
        lg.save_figure(fig, "../escape", directory=tmp_path)
    plt.close(fig)


def test_configure_fonts_rejects_unknown_choice():
    with pytest.raises(ValueError, match="'system' or 'packaged'"):
        lg.configure_fonts(prefer="anything")
