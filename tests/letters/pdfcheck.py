"""Helpers the letter tests use to look inside PDFs: text, fonts, rendered pixels."""

from __future__ import annotations

import io

import pypdfium2
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject


def page_texts(pdf: bytes) -> list[str]:
    """Give back the extracted text of each page."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def _fonts_in(resources: DictionaryObject | None) -> list[DictionaryObject]:
    """Give back the font dictionaries of ``resources`` and of the forms it uses."""
    if not resources:
        return []
    found = [font.get_object() for font in (resources.get("/Font") or {}).values()]
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            found += _fonts_in(xobject.get("/Resources"))
    return found


def _descriptor(font: DictionaryObject) -> DictionaryObject | None:
    """Give back the font descriptor, looking into the descendant of a composite font."""
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    return descriptor.get_object() if descriptor is not None else None


def unembedded_fonts(pdf: bytes) -> list[str]:
    """Give back the base names of all fonts used without an embedded font program."""
    missing = []
    fonts = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in _fonts_in(page.get("/Resources")):
            fonts += 1
            descriptor = _descriptor(font)
            files = ("/FontFile", "/FontFile2", "/FontFile3")
            if descriptor is None or not any(key in descriptor for key in files):
                missing.append(str(font.get("/BaseFont")))
    assert fonts, "the PDF uses no fonts at all"
    return missing


def render_page(pdf: bytes, index: int, dpi: float = 150) -> Image.Image:
    """Give back page ``index`` rendered as a viewer shows it, form widgets included."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        document.init_forms()  # widgets (the signature appearance) are drawn only with forms
        page = document[index]
        return page.render(scale=dpi / 72, may_draw_forms=True).to_pil().convert("RGB")
    finally:
        document.close()


def red_share(image: Image.Image, box: tuple[float, float, float, float], dpi: float) -> float:
    """Give back the share of seal-red pixels inside ``box`` (PDF points) of a page image."""
    scale = dpi / 72
    x1, y1, x2, y2 = box
    height = image.height
    crop = image.crop(
        (
            round(x1 * scale),
            round(height - y2 * scale),
            round(x2 * scale),
            round(height - y1 * scale),
        )
    )
    data = crop.tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    red = sum(1 for r, g, b in pixels if r > 170 and g < 110 and b < 110)
    return red / len(pixels)
