"""The CPU-heavy middle of an issuance: seal the claims, draw the QR code, render and sign
the PDF. Pure and picklable, so a batch runs it in worker processes. Private keys travel as
PKCS#8 bytes between processes of this machine only, and exist only in memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import load_der_private_key

from portal.letters.document import content as doc
from portal.letters.keys.keyring import SigningMaterial
from portal.letters.lifecycle.rendering import signed_pdf_with
from portal.signing import LetterClaims, choose_claims_form, qr_png
from portal.signing.certificates import certificate_pem, load_certificate_pem
from portal.signing.pades import TimestampService


def _der(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True)
class SealJob:
    """Everything `produce` needs, as plain picklable values."""

    claims: LetterClaims
    record_digest: bytes
    base_url: str
    seal_key_der: bytes
    certificate_pem: bytes
    certificate_key_der: bytes
    chain_pem: tuple[bytes, ...]
    document: dict[str, Any]  # LetterDocument fields but the QR code and verification code
    font_path: str | None
    crl_der: bytes | None = None  # the issuer's CRL, embedded for long-term validation
    tsa_url: str | None = None  # an RFC 3161 timestamping service, if one is configured
    tsa_roots_pem: tuple[bytes, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        claims: LetterClaims,
        record_digest: bytes,
        base_url: str,
        material: SigningMaterial,
        document: dict[str, Any],
        font_path: str | None,
        timestamp: TimestampService | None = None,
    ) -> SealJob:
        return cls(
            claims,
            record_digest,
            base_url,
            _der(material.seal_private),
            certificate_pem(material.certificate),
            _der(material.certificate_key),
            tuple(certificate_pem(c) for c in material.chain),
            document,
            font_path,
            material.crl,
            timestamp.url if timestamp else None,
            tuple(certificate_pem(c) for c in timestamp.roots) if timestamp else (),
        )

    @property
    def timestamp(self) -> TimestampService | None:
        if not self.tsa_url:
            return None
        roots = tuple(load_certificate_pem(pem) for pem in self.tsa_roots_pem)
        return TimestampService(self.tsa_url, roots)


@dataclass(frozen=True)
class SealedLetter:
    """What `produce` gives back: the token in its forms, and the signed PDF."""

    token: str
    url: str
    short_code: str
    form: str
    qr_version: int
    pdf: bytes


def produce(job: SealJob) -> SealedLetter:
    """Returns the sealed token and the signed PDF for the job."""
    sealed = choose_claims_form(
        job.claims,
        load_der_private_key(job.seal_key_der, None),
        job.base_url,
        record_digest=job.record_digest,
    )
    document = doc.LetterDocument(
        **job.document,
        qr_png=qr_png(sealed.url).png,
        verification_code=sealed.short_code,
        verification_url=sealed.url,
    )
    pdf = signed_pdf_with(
        document,
        key=load_der_private_key(job.certificate_key_der, None),
        certificate=load_certificate_pem(job.certificate_pem),
        chain=tuple(load_certificate_pem(pem) for pem in job.chain_pem),
        font_path=job.font_path,
        crls=(job.crl_der,) if job.crl_der else (),
        timestamp=job.timestamp,
    )
    return SealedLetter(
        sealed.token, sealed.url, sealed.short_code, sealed.form.value, sealed.qr_version, pdf
    )
