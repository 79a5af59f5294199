"""Finding the token in what a person has: text, a URL, a letter's PDF or a photo of it.

PDFs and images are read by their QR code, which needs the optional extras
(``pip install 'portal-verify[pdf]'``): pypdfium2 renders the page, zxing-cpp decodes.
"""

from __future__ import annotations

import io
from pathlib import Path

from portal_verify.errors import TokenError

_PDF_MAGIC = b"%PDF-"
_IMAGE_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"RIFF")
_MAX_FILE_BYTES = 20 * 1024 * 1024


def token_text_of(argument: str) -> str:
    """Return the token or URL that ``argument`` gives: itself, or what the file it names
    holds (a text file, a PDF or an image with the QR code); TokenError if none."""
    path = Path(argument)
    try:
        is_file = len(argument) < 4096 and path.is_file()
    except OSError:
        is_file = False
    if not is_file:
        return argument
    data = path.read_bytes()[: _MAX_FILE_BYTES + 1]
    if len(data) > _MAX_FILE_BYTES:
        raise TokenError("too_long", f"{argument} is larger than 20 MB")
    if data.lstrip()[:5] == _PDF_MAGIC:
        return _qr_text(_pdf_pages(data), argument)
    if data.startswith(_IMAGE_MAGICS):
        return _qr_text([_image(data)], argument)
    try:
        return data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise TokenError("not_text", f"{argument} is neither text, a PDF nor an image") from None


def _pdf_pages(data: bytes) -> list:
    try:
        import pypdfium2
    except ImportError:
        raise TokenError(
            "needs_extra", "reading a PDF needs: pip install 'portal-verify[pdf]'"
        ) from None
    try:
        document = pypdfium2.PdfDocument(data)
        # The QR code is on the first page; 3x (216 dpi) is plenty for a 30 mm symbol.
        return [document[i].render(scale=3).to_pil() for i in range(min(len(document), 2))]
    except Exception as exc:  # pdfium raises its own types on damaged files
        raise TokenError("bad_pdf", "the PDF cannot be read") from exc


def _image(data: bytes):
    try:
        from PIL import Image
    except ImportError:
        raise TokenError(
            "needs_extra", "reading an image needs: pip install 'portal-verify[image]'"
        ) from None
    try:
        return Image.open(io.BytesIO(data)).convert("L")
    except Exception as exc:  # Pillow raises many types on damaged files
        raise TokenError("bad_image", "the image cannot be read") from exc


def _qr_text(images: list, name: str) -> str:
    try:
        import zxingcpp
    except ImportError:
        raise TokenError(
            "needs_extra", "reading a QR code needs: pip install 'portal-verify[image]'"
        ) from None
    for image in images:
        for symbol in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
            if "/V/" in symbol.text.upper():
                return symbol.text
    raise TokenError("no_qr_code", f"no letter QR code found in {name}")
