"""The seal image that marks a letter: generated from the manufacturer's name, or uploaded.

The seal is also the visible appearance of the letter's digital signature, so it must have a
transparent background: the text of the signature block stays readable under it, as under
real seal ink.
"""

from __future__ import annotations

import io
import math
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from .fonts import default_font_path

__all__ = ["SealImageError", "SealImageErrorCode", "check_seal_upload", "generated_seal_png"]

SEAL_RED = (218, 28, 32)
_INK_ALPHA = 0.88  # seal ink lets a little of the paper (and the text under it) show through
_SUPERSAMPLE = 2  # draw large and shrink: Pillow's shapes are not antialiased
_NAME_SPAN_DEG = 250.0  # arc covered by the name along the upper rim
_MAX_STEP_DEG = 30.0
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIN_SEAL_PIXELS, MAX_SEAL_PIXELS = 200, 2000


class SealImageErrorCode(StrEnum):
    """Why an uploaded seal image was refused."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NOT_PNG = "not_png"
    UNREADABLE = "unreadable"
    PIXEL_SIZE = "pixel_size"
    NOT_SQUARE = "not_square"
    NO_ALPHA = "no_alpha"
    OPAQUE_BACKGROUND = "opaque_background"


class SealImageError(ValueError):
    """An uploaded seal image is not usable, with a code and an English message.

    `width`, `height` and `max_bytes` let a form phrase the problem in another language.
    """

    def __init__(
        self,
        code: SealImageErrorCode,
        message: str,
        *,
        width: int = 0,
        height: int = 0,
        max_bytes: int = 0,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.width = width
        self.height = height
        self.max_bytes = max_bytes


def generated_seal_png(
    name_zh: str,
    *,
    size_px: int = 480,
    line: str | None = "售后服务专用章",
    font_path: str | Path | None = None,
) -> bytes:
    """Give back a PNG of a red round seal with ``name_zh`` around its upper rim.

    The background is transparent; a five-pointed star sits in the middle and ``line``,
    if given, under it. The result is cached, as the same manufacturer seals many letters.
    """
    if not name_zh.strip():
        raise ValueError("the seal needs the manufacturer's name")
    path = str(font_path) if font_path is not None else str(default_font_path())
    return _seal_png(name_zh.strip(), size_px, line or "", path)


@lru_cache(maxsize=64)
def _seal_png(name: str, size_px: int, line: str, font_path: str) -> bytes:
    """Give back the encoded seal PNG for the given drawing parameters."""
    big = size_px * _SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    centre = big / 2
    ring = big * 0.035
    outer = big / 2 - big * 0.02
    draw.ellipse(
        (centre - outer, centre - outer, centre + outer, centre + outer),
        outline=255,
        width=round(ring),
    )
    _draw_star(draw, centre, centre - big * 0.01, big * 0.15)
    _draw_rim_text(mask, name, centre, outer - ring, font_path)
    if line:
        _draw_line(draw, line, centre, big, font_path)
    mask = mask.resize((size_px, size_px), Image.Resampling.LANCZOS)
    alpha = mask.point(lambda v: round(v * _INK_ALPHA))
    seal = Image.new("RGBA", (size_px, size_px), (*SEAL_RED, 0))
    seal.putalpha(alpha)
    out = io.BytesIO()
    seal.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


@lru_cache(maxsize=32)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """Give back the seal font at ``size`` pixels."""
    return ImageFont.truetype(path, size, index=0)


def _draw_star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    """Give back nothing; draw a filled five-pointed star pointing up."""
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = math.radians(90 + i * 36)
        points.append((cx + r * math.cos(angle), cy - r * math.sin(angle)))
    draw.polygon(points, fill=255)


def _draw_rim_text(mask: Image.Image, text: str, centre: float, inner: float, font: str) -> None:
    """Give back nothing; set ``text`` along the upper rim, each glyph facing outwards."""
    count = len(text)
    span = math.radians(_NAME_SPAN_DEG)
    size = mask.width * 0.12
    # Long names get smaller glyphs so that they still fit in the arc.
    for _ in range(2):
        radius = inner - size * 0.62
        size = min(mask.width * 0.12, radius * span / max(count, 1) * 0.92)
    radius = inner - size * 0.62
    glyph_font = _font(font, max(8, round(size)))
    # Short names keep a natural spacing instead of spreading over the whole arc.
    step = min(span / count, math.radians(_MAX_STEP_DEG)) if count > 1 else 0.0
    start = math.pi / 2 + step * (count - 1) / 2
    for index, char in enumerate(text):
        angle = start - index * step
        glyph = _glyph(char, glyph_font).rotate(
            math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC, expand=True
        )
        x = centre + radius * math.cos(angle) - glyph.width / 2
        y = centre - radius * math.sin(angle) - glyph.height / 2
        mask.paste(255, (round(x), round(y)), glyph)


def _glyph(char: str, font: ImageFont.FreeTypeFont) -> Image.Image:
    """Give back a mask image of one character, centred in a square."""
    size = round(font.size * 1.3)
    glyph = Image.new("L", (size, size), 0)
    ImageDraw.Draw(glyph).text(
        (size / 2, size / 2), char, font=font, fill=255, anchor="mm", stroke_width=_stroke(font)
    )
    return glyph


def _stroke(font: ImageFont.FreeTypeFont) -> int:
    """Give back an outline width that makes the light font look like seal lettering."""
    return max(1, round(font.size * 0.025))


def _draw_line(draw: ImageDraw.ImageDraw, line: str, centre: float, big: int, font: str) -> None:
    """Give back nothing; set ``line`` horizontally under the star."""
    size = min(big * 0.075, big * 0.62 / max(len(line), 1))
    draw.text(
        (centre, centre + big * 0.25),
        line,
        font=_font(font, round(size)),
        fill=255,
        anchor="mm",
        stroke_width=_stroke(_font(font, round(size))),
    )


def check_seal_upload(data: bytes, *, max_bytes: int = 2_000_000) -> bytes:
    """Give back the uploaded seal re-encoded as a clean RGBA PNG, or raise SealImageError.

    The content decides, never the file name: it must decode as a PNG, have transparency
    around the seal, be roughly square and between 200 and 2000 pixels wide.
    """
    if not data:
        raise SealImageError(SealImageErrorCode.EMPTY, "no seal image was sent")
    if len(data) > max_bytes:
        raise SealImageError(
            SealImageErrorCode.TOO_LARGE,
            f"the seal image is larger than {max_bytes // 1000} kB",
            max_bytes=max_bytes,
        )
    if not data.startswith(_PNG_SIGNATURE):
        raise _not_png()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != "PNG":
                raise _not_png()
            _check_dimensions(*probe.size)
            probe.load()
            image = probe.convert("RGBA") if probe.has_transparency_data else None
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise SealImageError(
            SealImageErrorCode.UNREADABLE, "the seal image is not a readable PNG file"
        ) from exc
    if image is None:
        raise SealImageError(
            SealImageErrorCode.NO_ALPHA,
            "the seal image needs a transparent background (an alpha channel)",
        )
    _check_transparent_background(image)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _not_png() -> SealImageError:
    """Give back the refusal of a file whose content is not a PNG."""
    return SealImageError(SealImageErrorCode.NOT_PNG, "the seal image must be a PNG file")


def _check_dimensions(width: int, height: int) -> None:
    """Give back nothing; raise SealImageError unless the size suits a seal."""
    size = {"width": width, "height": height}
    if not (
        MIN_SEAL_PIXELS <= width <= MAX_SEAL_PIXELS and MIN_SEAL_PIXELS <= height <= MAX_SEAL_PIXELS
    ):
        raise SealImageError(
            SealImageErrorCode.PIXEL_SIZE,
            f"the seal image is {width}x{height} pixels; it must be {MIN_SEAL_PIXELS} to "
            f"{MAX_SEAL_PIXELS} pixels per side",
            **size,
        )
    if not 0.8 <= width / height <= 1.25:
        raise SealImageError(
            SealImageErrorCode.NOT_SQUARE,
            f"the seal image is {width}x{height} pixels; it must be about square",
            **size,
        )


def _check_transparent_background(image: Image.Image) -> None:
    """Give back nothing; raise SealImageError if little of the image is see-through."""
    alpha = image.getchannel("A")
    histogram = alpha.histogram()
    see_through = sum(histogram[:128])
    # A round seal in its square leaves about a fifth of the pixels outside the circle.
    if see_through < 0.1 * image.width * image.height:
        raise SealImageError(
            SealImageErrorCode.OPAQUE_BACKGROUND,
            "the seal image needs a transparent background around the seal",
        )
