"""A page of a rendered letter as a PNG image, drawn by PDFium as a PDF viewer draws it."""

from __future__ import annotations

import io

import pypdfium2

__all__ = ["first_page_png"]


def first_page_png(pdf: bytes, *, dpi: int = 110, colours: int | None = None) -> bytes:
    """Give back the first page of ``pdf`` as PNG bytes at ``dpi``; with ``colours``, kept to
    that many colours (a page of text and a red seal needs 64) so that the file stays small."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()
    if colours:
        image = image.quantize(colours)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=colours is not None)
    return out.getvalue()
