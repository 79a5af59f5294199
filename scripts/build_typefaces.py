"""Build the letter's TrueType faces in portal/letters/document/typefaces/ from Debian's Noto
packages (apt-get install fonts-noto-core fonts-noto-cjk; needs fontTools).

The Portal draws letters with reportlab, which embeds only TrueType (glyf) outlines. Noto
Serif CJK ships as OpenType/CFF, so its Simplified Chinese face is cut down to the GB 2312
and GBK repertoire (what Chinese company, person and place names are written in) and its
cubic outlines are converted to quadratic ones. The other faces are copied without hinting
instructions, which a printed letter does not need and which would double their size.

    python scripts/build_typefaces.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

NOTO = Path("/usr/share/fonts/truetype/noto")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
OUT = Path(__file__).resolve().parent.parent / "portal/letters/document/typefaces"

# file written -> Noto face copied (without hinting)
FACES = {
    "NotoSerif-Regular.ttf": "NotoSerif-Regular.ttf",
    "NotoSerif-Bold.ttf": "NotoSerif-Bold.ttf",
    "NotoNaskhArabic-Regular.ttf": "NotoNaskhArabic-Regular.ttf",
    "NotoSerifHebrew-Regular.ttf": "NotoSerifHebrew-Regular.ttf",
    "NotoSerifGeorgian-Regular.ttf": "NotoSerifGeorgian-Regular.ttf",
    "NotoSerifArmenian-Regular.ttf": "NotoSerifArmenian-Regular.ttf",
    "NotoSerifThai-Regular.ttf": "NotoSerifThai-Regular.ttf",
    "NotoSerifLao-Regular.ttf": "NotoSerifLao-Regular.ttf",
    "NotoSerifKhmer-Regular.ttf": "NotoSerifKhmer-Regular.ttf",
    "NotoSerifMyanmar-Regular.ttf": "NotoSerifMyanmar-Regular.ttf",
    "NotoSerifDevanagari-Regular.ttf": "NotoSerifDevanagari-Regular.ttf",
    "NotoSansMongolian-Regular.ttf": "NotoSansMongolian-Regular.ttf",
}
# file written -> (Noto CJK collection, repertoire): the regular face covers all of GBK; the
# bold one, used for titles, headings and names in the letterhead, the GB 2312 symbols and
# its 3,755 level-1 characters (the common ones), which keeps the repository small.
CJK = {
    "NotoSerifSC-Regular.ttf": ("NotoSerifCJK-Regular.ttc", "gbk"),
    "NotoSerifSC-Bold.ttf": ("NotoSerifCJK-Bold.ttc", "gb2312-level1"),
}


def repertoire(name: str) -> set[int]:
    """Give back the code points of GBK, or of GB 2312's symbols and level-1 characters."""
    leads, trails, codec = range(0x81, 0xFF), range(0x40, 0xFF), "gbk"
    if name == "gb2312-level1":
        leads, trails, codec = range(0xA1, 0xD8), range(0xA1, 0xFF), "gb2312"
    points = set()
    for lead in leads:
        for trail in trails:
            try:
                text = bytes((lead, trail)).decode(codec)
            except UnicodeDecodeError:
                continue
            points.update(map(ord, text))
    points.update(range(0x3000, 0x3040))  # CJK symbols and punctuation
    points.update(range(0xFF01, 0xFF5F))  # full-width forms
    points.update(range(0x2010, 0x2030))  # dashes, quotes, ellipsis
    return points


def _options(**extra: object) -> subset.Options:
    options = subset.Options()
    options.hinting = False
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    for key, value in extra.items():
        setattr(options, key, value)
    return options


def copy_face(source: Path, target: Path) -> None:
    font = TTFont(source)
    subsetter = subset.Subsetter(_options())
    subsetter.populate(unicodes=font.getBestCmap().keys())
    subsetter.subset(font)
    font.save(target)


def _sc_index(collection: TTCollection) -> int:
    for index, font in enumerate(collection.fonts):
        if "SC" in font["name"].getDebugName(1):
            return index
    raise SystemExit("no Simplified Chinese face in the collection")


def cff_to_glyf(font: TTFont) -> None:
    """Replace the CFF outlines of ``font`` by quadratic TrueType ones, in place."""
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = font.getGlyphOrder()
    glyf.glyphs = {}
    for name in glyf.glyphOrder:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    font["maxp"].tableVersion = 0x00010000
    for attr in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxPoints",
        "maxContours",
        "maxCompositePoints",
        "maxCompositeContours",
        "maxComponentDepth",
    ):
        setattr(font["maxp"], attr, 0)
    font["maxp"].maxZones = 1
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"
    font["glyf"].compile(font)  # fills in the bounding boxes


def build_cjk(source: Path, target: Path, chars: str) -> None:
    collection = TTCollection(source)
    font = collection.fonts[_sc_index(collection)]
    subsetter = subset.Subsetter(_options(layout_features=["kern", "palt", "vert"]))
    subsetter.populate(unicodes=repertoire(chars))
    subsetter.subset(font)
    cff_to_glyf(font)
    font.save(target)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[1:])  # file names to build; all when none are given
    for target, source in FACES.items():
        if not only or target in only:
            copy_face(NOTO / source, OUT / target)
            print(target, (OUT / target).stat().st_size)
    for target, (source, chars) in CJK.items():
        if not only or target in only:
            build_cjk(NOTO_CJK / source, OUT / target, chars)
            print(target, (OUT / target).stat().st_size)


if __name__ == "__main__":
    sys.exit(main())
