"""PAdES signatures on confirmation letters: the manufacturer's seal is the signature.

A letter is signed once, with a PAdES signature whose visible appearance is the seal image,
placed exactly where the letter left room for the seal. Given the issuer's CRL, the chain and
the CRL go into the document security store (DSS) of the signed revision itself: a PAdES
B-LT letter that validates years later without a network, in one write. Given a timestamping
service (RFC 3161), the signature also carries its timestamp token (B-T). Anyone can then
check the letter with a PDF reader or with ``validate_pdf_signature`` below.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from PIL import Image
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import PdfContent, ResourceType
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.sign.validation import SignatureCoverageLevel
from pyhanko.sign.validation import validate_pdf_signature as _validate
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from portal.signing.errors import SigningError

__all__ = [
    "SIGNATURE_FIELD",
    "PdfSignatureReport",
    "TimestampService",
    "TimestampUnavailable",
    "sign_pdf",
    "validate_pdf_signature",
]

SIGNATURE_FIELD = "PortalSeal"
# Room for the CMS blob, in hexadecimal digits (two per byte, as pyHanko counts it): an EC
# P-256 signature with a certificate chain of two or three needs about 2-3 kB. Reserving it up
# front spares pyHanko a dry-run signature. RSA keys and the longer chains of commercial CAs
# get more room (see `_bytes_reserved`).
BYTES_RESERVED = 8192
# The signed attributes, signer info and CMS framing around the certificates and signature.
_CMS_OVERHEAD = 2048

# Room for a timestamp token: the TSA's signature and its certificates.
_TIMESTAMP_RESERVE = 2 * 6144
# Key usages that let a certificate sign a letter, as PDF readers accept them: any one.
SIGNING_KEY_USAGES = {"digital_signature", "non_repudiation"}


class TimestampUnavailable(SigningError):
    """The timestamping service did not give a timestamp token; nothing was signed."""


@dataclass(frozen=True)
class TimestampService:
    """An RFC 3161 timestamping service: its address, and the roots its certificate chains
    to (embedded beside the letter's chain)."""

    url: str
    roots: tuple[x509.Certificate, ...] = ()
    timeout: float = 10.0


def sign_pdf(
    pdf: bytes,
    *,
    key: PrivateKeyTypes,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    field_rect: tuple[float, float, float, float],
    page_index: int,
    appearance_png: bytes,
    signer_name: str,
    reason: str,
    location: str | None = None,
    crls: Sequence[bytes] = (),
    timestamp: TimestampService | None = None,
) -> bytes:
    """Give back ``pdf`` signed with the seal image as the signature's appearance.

    The signature field covers ``field_rect`` (PDF points, x1 y1 x2 y2) on page
    ``page_index``; ``chain`` holds the intermediate and root certificates to embed. With
    ``crls`` (DER), the chain and CRLs also go into the DSS for long-term validation (B-LT).
    With ``timestamp`` the signature is timestamped (B-T); TimestampUnavailable if the
    service fails.
    """
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=signer_name,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        _signer(key, certificate, chain),
        timestamper=_timestamper(timestamp),
        stamp_style=_seal_style(appearance_png),
        new_field_spec=fields.SigFieldSpec(
            sig_field_name=SIGNATURE_FIELD, on_page=page_index, box=tuple(field_rect)
        ),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    if crls:
        _add_validation_data(writer, (certificate, *chain), crls, timestamp)
    reserved = _bytes_reserved(key, certificate, chain)
    if timestamp is not None:
        reserved += _TIMESTAMP_RESERVE
    try:
        out = pdf_signer.sign_pdf(writer, bytes_reserved=reserved)
    except TimestampRequestError as exc:
        raise TimestampUnavailable(f"the timestamping service failed: {exc}") from None
    return out.getvalue()


def _add_validation_data(
    writer: IncrementalPdfFileWriter,
    certificates: Sequence[x509.Certificate],
    crls: Sequence[bytes],
    timestamp: TimestampService | None,
) -> None:
    """Write the document security store into the revision about to be signed: the chain,
    the timestamping service's roots and the CRLs. The Portal issued the chain and signed the
    CRL a moment ago, so they are written as they are; pyHanko's own route would validate the
    chain first and cost a quarter more than the signature itself."""
    roots = timestamp.roots if timestamp is not None else ()
    DocumentSecurityStore.supply_dss_in_writer(
        writer,
        None,  # no VRI entry: it would need the signature, and PAdES baseline drops it
        certs=[_asn1_cert(c) for c in (*certificates, *roots)],
        crls=[asn1_crl.CertificateList.load(c) for c in crls],
    )


def _timestamper(timestamp: TimestampService | None) -> HTTPTimeStamper | None:
    if timestamp is None:
        return None
    return HTTPTimeStamper(timestamp.url, timeout=timestamp.timeout)


def _bytes_reserved(
    key: PrivateKeyTypes, certificate: x509.Certificate, chain: Sequence[x509.Certificate]
) -> int:
    """Give back the room for the CMS blob in hexadecimal digits: enough for the embedded
    certificates and the signature (an RSA signature is as long as its key; an EC one is
    under 150 bytes)."""
    signature = key.key_size // 8 if isinstance(key, rsa.RSAPrivateKey) else 150
    certificates = sum(len(c.public_bytes(Encoding.DER)) for c in (certificate, *chain))
    return max(BYTES_RESERVED, 2 * (certificates + signature + _CMS_OVERHEAD))


def _signer(
    key: PrivateKeyTypes, certificate: x509.Certificate, chain: Sequence[x509.Certificate]
) -> signers.SimpleSigner:
    """Give back a pyHanko signer holding the key and certificates in memory."""
    return signers.SimpleSigner(
        signing_cert=_asn1_cert(certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in chain]),
    )


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    """Give back ``cert`` in the asn1crypto form pyHanko works with."""
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


def _seal_style(png: bytes) -> StaticStampStyle:
    """Give back a stamp style that paints only the seal image over the whole field."""
    return StaticStampStyle(
        background=_SealImage(_compressed_seal(png)),
        background_opacity=1.0,
        border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        ),
    )


@dataclass(frozen=True)
class _CompressedSeal:
    """The seal's colour and transparency planes, deflated, ready to go into a PDF."""

    width: int
    height: int
    rgb: bytes
    alpha: bytes


@lru_cache(maxsize=16)
def _compressed_seal(png: bytes) -> _CompressedSeal:
    """Give back the decoded and deflated seal image.

    A manufacturer seals many letters with the same image; compressing it is most of the
    cost of a signature, so it is done once. Only immutable bytes are cached: the PDF
    objects are made anew for each document, so concurrent signings share nothing mutable.
    """
    with Image.open(io.BytesIO(png)) as image:
        rgba = image.convert("RGBA")
    alpha = rgba.getchannel("A").tobytes()
    rgb = rgba.convert("RGB").tobytes()
    return _CompressedSeal(rgba.width, rgba.height, zlib.compress(rgb), zlib.compress(alpha))


class _SealImage(PdfContent):
    """The seal as an image XObject with a soft mask for its transparent background."""

    def __init__(self, seal: _CompressedSeal):
        super().__init__(box=BoxConstraints(seal.width, seal.height))
        self.seal = seal

    def render(self) -> bytes:
        """Give back the drawing operators; the image goes into the resources."""
        self.set_resource(
            category=ResourceType.XOBJECT, name=pdf_name("/Seal"), value=self._write_image()
        )
        return b"q %d 0 0 %d 0 0 cm /Seal Do Q" % (self.seal.width, self.seal.height)

    def _write_image(self) -> generic.IndirectObject:
        """Give back a reference to the image written into the current document."""
        assert self.writer is not None  # set by pyHanko before rendering
        seal = self.seal
        mask = self.writer.add_object(_image_stream(seal, "/DeviceGray", seal.alpha))
        image = _image_stream(seal, "/DeviceRGB", seal.rgb)
        image[pdf_name("/SMask")] = mask
        return self.writer.add_object(image)


def _image_stream(seal: _CompressedSeal, colour_space: str, data: bytes) -> generic.StreamObject:
    """Give back an image stream of the seal's size holding already deflated ``data``."""
    return generic.StreamObject(
        {
            pdf_name("/Type"): pdf_name("/XObject"),
            pdf_name("/Subtype"): pdf_name("/Image"),
            pdf_name("/Width"): generic.NumberObject(seal.width),
            pdf_name("/Height"): generic.NumberObject(seal.height),
            pdf_name("/ColorSpace"): pdf_name(colour_space),
            pdf_name("/BitsPerComponent"): generic.NumberObject(8),
            pdf_name("/Filter"): pdf_name("/FlateDecode"),
        },
        encoded_data=data,
    )


@dataclass(frozen=True)
class PdfSignatureReport:
    """What a check of a letter's signature found; ``ok`` is the verdict."""

    signed: bool
    readable: bool = True  # False: not a PDF that could be parsed (damaged, truncated)
    intact: bool = False  # the signed bytes are unchanged
    valid: bool = False  # the cryptographic signature matches the signer's key
    trusted: bool = False  # the signer's certificate chains up to a given trust root
    covers_whole_file: bool = False  # nothing was appended after signing
    signer: str = ""
    signing_time: datetime | None = None
    signature_count: int = 0
    field_name: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        """Give back True if the letter is signed, unchanged and by a trusted signer."""
        return (
            self.signed and self.intact and self.valid and self.trusted and self.covers_whole_file
        )


def validate_pdf_signature(
    pdf: bytes, *, trust_roots: Iterable[x509.Certificate]
) -> PdfSignatureReport:
    """Give back a report on the first signature of ``pdf``; never raises on bad input.

    Nothing is fetched from the network: the trust roots are the given certificates, and
    a missing revocation status is tolerated (soft-fail). The signer's certificate must allow
    digital signatures or non-repudiation (pyHanko alone insists on non-repudiation, which
    many document-signing certificates leave out). pyHanko runs its own event loop,
    so call this from synchronous code (inside a running loop it reports an error).
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        signatures = reader.embedded_signatures
    except Exception as exc:  # malformed input comes in countless shapes
        return PdfSignatureReport(signed=False, readable=False, error=f"not a readable PDF: {exc}")
    if not signatures:
        return PdfSignatureReport(signed=False, error="the PDF has no signature")
    embedded = signatures[0]
    try:
        context = ValidationContext(
            trust_roots=[_asn1_cert(c) for c in trust_roots], allow_fetching=False
        )
        status = _validate(
            embedded,
            signer_validation_context=context,
            key_usage_settings=KeyUsageConstraints(key_usage=SIGNING_KEY_USAGES),
        )
    except Exception as exc:  # a broken signature must be reported, not crash the caller
        return PdfSignatureReport(
            signed=True,
            signature_count=len(signatures),
            field_name=embedded.field_name,
            error=f"the signature cannot be checked: {exc}",
        )
    return PdfSignatureReport(
        signed=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=_signer_name(status.signing_cert),
        signing_time=status.signer_reported_dt,
        signature_count=len(signatures),
        field_name=embedded.field_name,
    )


def _signer_name(cert: asn1_x509.Certificate) -> str:
    """Give back the signer's common name, or the whole subject if it has none."""
    common_name = cert.subject.native.get("common_name")
    if isinstance(common_name, list):
        common_name = common_name[0] if common_name else None
    return str(common_name) if common_name else cert.subject.human_friendly
