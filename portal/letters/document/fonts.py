"""The embedded TrueType font every letter is set in.

Letters mix Chinese, Latin and Cyrillic text (outlet names are written in the local script of
the destination country), and each font in the PDF must be embedded so that the letter looks
the same at every commerce department. reportlab's built-in CID fonts are never embedded, so
all text goes through one TrueType font that covers the three scripts: WenQuanYi Micro Hei,
shipped by the ``paperang-p2-fonts-cjk`` package, unless the Portal is configured with another.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

__all__ = ["FontError", "FontNames", "default_font_path", "register_fonts"]

_PACKAGE = "paperang_p2_fonts_cjk"
_PACKAGED_FONT = ("fonts", "wqy-microhei.ttc")
_BASE_NAME = "PortalSans"
# First bytes of a TrueType font, a TrueType collection and Apple's TrueType variant.
# 'OTTO' (CFF outlines) is left out on purpose: reportlab cannot embed those.
_TRUETYPE_MAGIC = (b"\x00\x01\x00\x00", b"ttcf", b"true")

_lock = threading.Lock()
_registered: dict[Path, FontNames] = {}


class FontError(RuntimeError):
    """The configured letter font is missing or cannot be embedded."""


@dataclass(frozen=True)
class FontNames:
    """reportlab names under which the letter font was registered."""

    regular: str
    bold: str
    path: Path


def default_font_path() -> Path:
    """Give back the path of the font packaged with ``paperang-p2-fonts-cjk``."""
    resource = importlib.resources.files(_PACKAGE).joinpath(*_PACKAGED_FONT)
    # The package is installed as plain files; reportlab needs a real path to read from.
    return Path(str(resource))


def register_fonts(font_path: str | Path | None = None) -> FontNames:
    """Give back the registered font names, registering the font on first use.

    Registration parses the whole font (about a tenth of a second), so it happens once per
    process and per font file; later calls return the cached names.
    """
    path = Path(font_path) if font_path is not None else default_font_path()
    path = path.expanduser().resolve()
    with _lock:
        names = _registered.get(path)
        if names is None:
            names = _register(path)
            _registered[path] = names
        return names


def _register(path: Path) -> FontNames:
    """Give back the names of the freshly registered font at ``path``."""
    _check_truetype(path)
    name = _font_name(path)
    try:
        font = TTFont(name, str(path), subfontIndex=0)
    except (TTFError, OSError, ValueError) as exc:
        raise FontError(f"cannot use {path} as the letter font: {exc}") from exc
    pdfmetrics.registerFont(font)
    # The font has no bold face; map every style to it so that <b>/<i> markup never fails.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)
    return FontNames(regular=name, bold=name, path=path)


def _check_truetype(path: Path) -> None:
    """Give back nothing; raise FontError unless ``path`` is a TrueType font file."""
    if not path.is_file():
        raise FontError(f"letter font file not found: {path}")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic not in _TRUETYPE_MAGIC:
        raise FontError(
            f"letter font {path} is not a TrueType font (.ttf/.ttc with glyf outlines); "
            "OpenType/CFF and other formats cannot be embedded"
        )


def _font_name(path: Path) -> str:
    """Give back a reportlab font name unique to ``path``."""
    if path == default_font_path().resolve():
        return _BASE_NAME
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
    return f"{_BASE_NAME}-{digest}"
