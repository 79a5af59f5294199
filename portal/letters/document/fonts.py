"""The embedded TrueType faces a letter is set in, and which face draws which character.

A Chinese official letter is set in a Song face; outlet names come in the script of the
destination country. Every face is embedded (reportlab's built-in CID fonts never are), so
the letter looks the same at every commerce department and customs office. The faces are the
Noto project's (SIL Open Font License), kept in ``typefaces/`` with their licence: a Song face
for Chinese, a matching serif for Latin, Cyrillic and Greek, and one face for each other
script an outlet directory may hold. Text is cut into runs, each set in the first face that
draws all of its characters.
"""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

__all__ = [
    "TYPEFACES",
    "FontError",
    "FontNames",
    "default_font_path",
    "register_fonts",
    "song_font_path",
]

TYPEFACES = Path(__file__).resolve().parent / "typefaces"
_LATIN = "NotoSerif-Regular.ttf"
_LATIN_BOLD = "NotoSerif-Bold.ttf"
_SONG = "NotoSerifSC-Regular.ttf"
_SONG_BOLD = "NotoSerifSC-Bold.ttf"
# Faces of the other scripts, tried in this order after the Latin face.
_SCRIPT_FACES = (
    "NotoNaskhArabic-Regular.ttf",
    "NotoSerifHebrew-Regular.ttf",
    "NotoSerifGeorgian-Regular.ttf",
    "NotoSerifArmenian-Regular.ttf",
    "NotoSerifThai-Regular.ttf",
    "NotoSerifLao-Regular.ttf",
    "NotoSerifKhmer-Regular.ttf",
    "NotoSerifMyanmar-Regular.ttf",
    "NotoSerifDevanagari-Regular.ttf",
    "NotoSansMongolian-Regular.ttf",
)
_BASE_NAME = "PortalSerif"
# First bytes of a TrueType font, a TrueType collection and Apple's TrueType variant.
# 'OTTO' (CFF outlines) is left out on purpose: reportlab cannot embed those.
_TRUETYPE_MAGIC = (b"\x00\x01\x00\x00", b"ttcf", b"true")

_lock = threading.Lock()
_registered: dict[Path, FontNames] = {}
_faces: dict[str, str] = {}  # typeface file name -> registered reportlab name


class FontError(RuntimeError):
    """The configured letter font is missing or cannot be embedded."""


@dataclass(frozen=True)
class FontNames:
    """reportlab names of the letter's faces, and which of them draws a character."""

    regular: str  # Latin, Cyrillic and Greek (or the configured font)
    bold: str
    song: str  # Chinese
    song_bold: str
    scripts: tuple[str, ...]  # every other script, in the order they are tried
    path: Path

    def face_for(self, char: str, *, bold: bool = False) -> str | None:
        """Give back the name of the face that draws ``char``, or None when none does."""
        latin, song = (self.bold, self.song_bold) if bold else (self.regular, self.song)
        if _is_chinese(char):
            order: tuple[str, ...] = (song, self.song, latin, self.regular)
        else:
            order = (latin, self.regular, *self.scripts, song, self.song)
        for name in order:
            if _draws(name, char):
                return name
        return None

    def runs(self, text: str, *, bold: bool = False) -> list[tuple[str, str]]:
        """Give back ``text`` cut into (text, face name) runs; marks and spaces stay with the
        run they follow, and characters no face draws go to the Latin face."""
        runs: list[tuple[str, str]] = []
        base = self.bold if bold else self.regular
        for char in text:
            current = runs[-1][1] if runs else None
            if current and _joins(char) and _draws(current, char):
                face = current
            else:
                face = self.face_for(char, bold=bold) or base
            if runs and runs[-1][1] == face:
                runs[-1] = (runs[-1][0] + char, face)
            else:
                runs.append((char, face))
        return runs

    def undrawable(self, text: str) -> list[str]:
        """Give back the characters of ``text`` that no face draws, each once, in order."""
        missing: list[str] = []
        for char in text:
            if _is_ignorable(char) or char in missing:
                continue
            if self.face_for(char) is None:
                missing.append(char)
        return missing


def _is_chinese(char: str) -> bool:
    """Give back True for Chinese characters and full-width punctuation."""
    code = ord(char)
    return (
        0x2E80 <= code < 0xA000  # radicals, CJK punctuation, kana, unified ideographs
        or 0xF900 <= code < 0xFB00  # compatibility ideographs
        or 0xFE30 <= code < 0xFE50  # vertical and small forms
        or 0xFF00 <= code < 0xFFF0  # full-width forms
        or code >= 0x20000  # the supplementary ideograph planes
    )


def _joins(char: str) -> bool:
    """Give back True for characters that belong to the run before them (spaces, marks)."""
    return char == " " or unicodedata.category(char) in ("Mn", "Mc", "Me")


def _is_ignorable(char: str) -> bool:
    """Give back True for characters that are never drawn: line breaks and format controls."""
    return char in "\n\r\t" or unicodedata.category(char) == "Cf"


def _draws(name: str, char: str) -> bool:
    """Give back True when the registered face ``name`` has a glyph for ``char``."""
    return ord(char) in pdfmetrics.getFont(name).face.charToGlyph


def default_font_path() -> Path:
    """Give back the path of the letter's Latin face."""
    return TYPEFACES / _LATIN


def song_font_path() -> Path:
    """Give back the path of the letter's Song face (Chinese), as Pillow draws the seal with."""
    return TYPEFACES / _SONG


def register_fonts(font_path: str | Path | None = None) -> FontNames:
    """Give back the registered face names, registering the faces on first use.

    A configured ``font_path`` takes the place of the Latin face; the others stay behind it.
    Registration parses every face (about a fifth of a second in all), so it happens once
    per process and per configured font; later calls return the cached names.
    """
    path = Path(font_path) if font_path is not None else default_font_path()
    path = path.expanduser().resolve()
    with _lock:
        names = _registered.get(path)
        if names is None:
            names = _register_all(path)
            _registered[path] = names
        return names


def _register_all(path: Path) -> FontNames:
    """Give back the names of the letter's faces with ``path`` as the Latin one."""
    if path == default_font_path().resolve():
        regular, bold = _face(_LATIN), _face(_LATIN_BOLD)
    else:
        regular = bold = _register(path, _font_name(path))
    return FontNames(
        regular=regular,
        bold=bold,
        song=_face(_SONG),
        song_bold=_face(_SONG_BOLD),
        scripts=tuple(_face(file) for file in _SCRIPT_FACES),
        path=path,
    )


def _face(file: str) -> str:
    """Give back the reportlab name of the typeface ``file``, registered once per process."""
    name = _faces.get(file)
    if name is None:
        name = _register(TYPEFACES / file, f"{_BASE_NAME}-{Path(file).stem}")
        _faces[file] = name
    return name


def _register(path: Path, name: str) -> str:
    """Give back ``name`` after registering the font at ``path`` under it."""
    _check_truetype(path)
    try:
        font = TTFont(name, str(path), subfontIndex=0)
    except (TTFError, OSError, ValueError) as exc:
        raise FontError(f"cannot use {path} as a letter font: {exc}") from exc
    pdfmetrics.registerFont(font)
    # Each face stands for all its styles, so that <b>/<i> markup never fails.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)
    return name


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
    """Give back a reportlab font name unique to the configured font at ``path``."""
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
    return f"{_BASE_NAME}-{digest}"
