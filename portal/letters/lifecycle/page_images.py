"""A letter's pages as PNG images, shown in the page so that the issuer sees the actual letter
before issuing it (a PDF viewer in the browser is not always there, on phones in particular)."""

from __future__ import annotations

import base64
import io
import threading

import pypdfium2 as pdfium

# PDFium is not thread-safe, and the web server answers requests in threads.
_pdfium = threading.Lock()
WIDTH_PX = 1000


def page_images(pdf: bytes, *, width_px: int = WIDTH_PX) -> list[str]:
    """Returns each page of the PDF as a PNG data URI, `width_px` pixels wide."""
    images: list[str] = []
    with _pdfium:
        document = pdfium.PdfDocument(pdf)
        try:
            for index in range(len(document)):
                page = document[index]
                bitmap = page.render(scale=width_px / page.get_width())
                buffer = io.BytesIO()
                bitmap.to_pil().save(buffer, format="PNG", optimize=True)
                images.append(
                    "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
                )
                page.close()
        finally:
            document.close()
    return images
