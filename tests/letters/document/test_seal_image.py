"""The generated seal and the checks on uploaded seal images."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from portal.letters.document.seal_image import (
    SEAL_RED,
    SealImageError,
    SealImageErrorCode,
    check_seal_upload,
    generated_seal_png,
)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _refusal(data: bytes, **limits: int) -> SealImageError:
    with pytest.raises(SealImageError) as caught:
        check_seal_upload(data, **limits)
    return caught.value


def _red_pixels(image: Image.Image) -> int:
    data = image.convert("RGBA").tobytes()
    return sum(
        1
        for i in range(0, len(data), 4)
        if data[i + 3] > 200 and data[i] > 180 and data[i + 1] < 80 and data[i + 2] < 80
    )


def test_generated_seal_is_a_red_png_on_transparency() -> None:
    data = generated_seal_png("比亚迪汽车工业有限公司", size_px=400)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "RGBA" and image.size == (400, 400)
    alpha = image.getchannel("A")
    for corner in ((0, 0), (399, 0), (0, 399), (399, 399)):
        assert alpha.getpixel(corner) == 0, corner
    assert _red_pixels(image) > 0.05 * 400 * 400
    assert image.convert("RGB").getpixel((200, 200)) == SEAL_RED  # the star's centre


def test_generated_seal_draws_the_name_and_the_line() -> None:
    plain = Image.open(io.BytesIO(generated_seal_png("奇瑞汽车", line=None)))
    lined = Image.open(io.BytesIO(generated_seal_png("奇瑞汽车")))
    longer = Image.open(io.BytesIO(generated_seal_png("奇瑞汽车股份有限公司", line=None)))
    assert _red_pixels(lined) > _red_pixels(plain)
    assert _red_pixels(longer) > _red_pixels(plain)


def test_generated_seal_passes_the_upload_check() -> None:
    seal = generated_seal_png("长城汽车股份有限公司")
    checked = check_seal_upload(seal)
    assert Image.open(io.BytesIO(checked)).mode == "RGBA"


def test_generated_seal_needs_a_name() -> None:
    with pytest.raises(ValueError):
        generated_seal_png("  ")


def test_upload_check_accepts_a_transparent_png_and_strips_extra_bytes() -> None:
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (100, 100, 200, 200))
    data = _png(image) + b"trailing payload"
    checked = check_seal_upload(data)
    assert b"trailing payload" not in checked
    assert Image.open(io.BytesIO(checked)).size == (300, 300)


def test_upload_check_rejects_a_jpeg() -> None:
    out = io.BytesIO()
    Image.new("RGB", (400, 400), "red").save(out, format="JPEG")
    refusal = _refusal(out.getvalue())
    assert refusal.code is SealImageErrorCode.NOT_PNG and "PNG" in refusal.message


def test_upload_check_rejects_a_png_without_alpha() -> None:
    refusal = _refusal(_png(Image.new("RGB", (400, 400), "red")))
    assert refusal.code is SealImageErrorCode.NO_ALPHA and "transparent" in refusal.message


def test_upload_check_rejects_an_opaque_rgba_png() -> None:
    refusal = _refusal(_png(Image.new("RGBA", (400, 400), (255, 255, 255, 255))))
    assert refusal.code is SealImageErrorCode.OPAQUE_BACKGROUND and "transparent" in refusal.message


def test_upload_check_rejects_a_renamed_executable() -> None:
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + os.urandom(4000)
    refusal = _refusal(exe)
    assert refusal.code is SealImageErrorCode.NOT_PNG and "PNG" in refusal.message


def test_upload_check_rejects_a_broken_png() -> None:
    data = generated_seal_png("比亚迪汽车工业有限公司")
    refusal = _refusal(data[: len(data) // 2])
    assert refusal.code is SealImageErrorCode.UNREADABLE and "readable" in refusal.message


def test_upload_check_rejects_an_oversized_file() -> None:
    noise = Image.frombytes("RGBA", (1000, 1000), os.urandom(4_000_000))
    data = _png(noise)
    assert len(data) > 2_000_000
    refusal = _refusal(data)
    assert refusal.code is SealImageErrorCode.TOO_LARGE and "larger than" in refusal.message


def test_upload_check_honours_a_lower_size_limit() -> None:
    refusal = _refusal(generated_seal_png("比亚迪汽车工业有限公司"), max_bytes=1000)
    assert refusal.code is SealImageErrorCode.TOO_LARGE and "larger than" in refusal.message
    assert refusal.max_bytes == 1000


def test_upload_check_refuses_nothing_sent() -> None:
    assert _refusal(b"").code is SealImageErrorCode.EMPTY


@pytest.mark.parametrize(
    ("size", "code"),
    [
        ((10, 10), SealImageErrorCode.PIXEL_SIZE),
        ((199, 199), SealImageErrorCode.PIXEL_SIZE),
        ((2001, 2001), SealImageErrorCode.PIXEL_SIZE),
        ((300, 2001), SealImageErrorCode.PIXEL_SIZE),
        ((600, 300), SealImageErrorCode.NOT_SQUARE),
    ],
)
def test_upload_check_rejects_unsuitable_pixel_sizes(
    size: tuple[int, int], code: SealImageErrorCode
) -> None:
    refusal = _refusal(_png(Image.new("RGBA", size, (0, 0, 0, 0))))
    assert refusal.code is code and "pixels" in refusal.message
    assert (refusal.width, refusal.height) == size


def test_every_refusal_code_is_reached() -> None:
    """Each code the form must phrase comes from a real upload, and no code is left over."""
    jpeg = io.BytesIO()
    Image.new("RGB", (400, 400), "red").save(jpeg, format="JPEG")
    seal = generated_seal_png("比亚迪汽车工业有限公司")
    uploads = [
        b"",
        seal + b"x" * 2_000_000,
        jpeg.getvalue(),
        seal[: len(seal) // 2],
        _png(Image.new("RGBA", (100, 100), (0, 0, 0, 0))),
        _png(Image.new("RGBA", (400, 250), (0, 0, 0, 0))),
        _png(Image.new("RGB", (400, 400), "red")),
        _png(Image.new("RGBA", (400, 400), (255, 255, 255, 255))),
    ]
    assert {_refusal(data).code for data in uploads} == set(SealImageErrorCode)
