"""Text as the letter sets it: cut into runs of one face each, right-to-left lines in visual
order with Arabic letters in their joined forms, all as reportlab paragraph markup.

reportlab draws glyphs left to right as they come and does not join Arabic letters. Each
line holding Arabic or Hebrew is therefore reshaped (``arabic-reshaper``: the contextual
presentation forms) and put into visual order by the Unicode bidirectional algorithm
(``python-bidi``). A line is wrapped before it is reordered, so that a long right-to-left
name still reads from its first line down.
"""

from __future__ import annotations

import unicodedata
from xml.sax.saxutils import escape  # nosec B406 (escapes text for reportlab's markup; parses nothing)

from arabic_reshaper import ArabicReshaper
from bidi import get_display
from reportlab.pdfbase.pdfmetrics import stringWidth

from .fonts import FontNames

__all__ = ["has_rtl", "line_width", "markup", "visual_lines"]

# Keep the vowel marks (harakat): they are part of a name as written.
_RESHAPER = ArabicReshaper(configuration={"delete_harakat": False, "support_ligatures": True})


def has_rtl(text: str) -> bool:
    """Give back True when ``text`` holds a right-to-left letter (Arabic, Hebrew, ...)."""
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def _visual(line: str) -> str:
    """Give back one line reshaped and in visual (left-to-right drawing) order."""
    return get_display(_RESHAPER.reshape(line)) if has_rtl(line) else line


def line_width(text: str, fonts: FontNames, size: float, *, bold: bool = False) -> float:
    """Give back the drawn width of one line of ``text`` at ``size``."""
    return sum(stringWidth(run, face, size) for run, face in fonts.runs(text, bold=bold))


def visual_lines(text: str, fonts: FontNames, size: float, width: float | None) -> str:
    """Give back ``text`` with its right-to-left lines wrapped to ``width`` at word
    boundaries and reordered for drawing; text without them comes back unchanged."""
    if not has_rtl(text):
        return text
    out: list[str] = []
    for line in text.split("\n"):
        if not has_rtl(line):
            out.append(line)
            continue
        current = ""
        for word in line.split(" "):
            trial = f"{current} {word}" if current else word
            fits = width is None or line_width(_RESHAPER.reshape(trial), fonts, size) <= width
            if current and not fits:
                out.append(_visual(current))
                current = word
            else:
                current = trial
        out.append(_visual(current))
    return "\n".join(out)


def markup(text: str | None, fonts: FontNames, *, bold: bool = False) -> str:
    """Give back ``text`` as paragraph markup, each run in its face; user text is never
    markup, and line breaks become <br/>."""
    parts = []
    for line_no, line in enumerate((text or "").split("\n")):
        if line_no:
            parts.append("<br/>")
        for run, face in fonts.runs(line, bold=bold):
            parts.append(f'<font name="{face}">{escape(run)}</font>')
    return "".join(parts)
