"""Sample data for the letter tests and the benchmark: a test PKI, a QR code, letters."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import qrcode
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portal.letters.document.content import (
    DEFAULT_BODY_EN,
    DEFAULT_BODY_ZH,
    Country,
    Exporter,
    LetterDocument,
    Manufacturer,
    Outlet,
    Vehicle,
    fill_body,
    split_paragraphs,
)

VERIFY_URL = "HTTPS://PORTAL.EXAMPLE.CN/V/ABCDEF234567QRSTUVWXYZ"
VIN = "LGXCE4CB5RA012345"
LETTER_NUMBER = "BYD-2026-000123"
CYRILLIC_OUTLET = "Сервисный центр BYD Москва"
MARKUP_TEXT = "<b>&"


@dataclass(frozen=True)
class SealPki:
    """A root CA and a seal-signing certificate issued by it, with the signing key."""

    ca_key: ec.EllipticCurvePrivateKey
    ca_cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "BYD Auto Industry Co., Ltd."),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    """Give back the key usage of a CA (certificate signing) or of a seal (signatures)."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not ca,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: str, issuer_key, *, ca: bool
) -> x509.Certificate:
    """Give back a certificate for ``key`` signed by ``issuer_key``."""
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650 if ca else 365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), True)
        .add_extension(_key_usage(ca=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
        .sign(issuer_key, hashes.SHA256())
    )


def make_pki() -> SealPki:
    """Give back a fresh EC P-256 root CA and a seal certificate issued by it."""
    root = "Portal Test Root CA"
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate(root, ca_key, root, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate("BYD Auto Industry Co., Ltd. Seal", key, root, ca_key, ca=False)
    return SealPki(ca_key, ca_cert, key, cert)


def make_qr_png(text: str = VERIFY_URL) -> bytes:
    """Give back a PNG of the QR code for ``text``."""
    image = qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_M)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


NAMED_OUTLETS = (
    Outlet(
        "RU-MOW-001",
        CYRILLIC_OUTLET,
        f"BYD Service Centre Moscow {MARKUP_TEXT}",
        "Москва",
        "ул. Тверская, д. 12, стр. 3",
        "125009",
        "+7 495 123-45-67",
        "维修 保养 配件 / Repair, maintenance, spare parts",
        "service.moscow@byd-auto.example.ru",
    ),
    Outlet(
        "RU-SPB-002",
        "Сервисный центр BYD Санкт-Петербург",
        "BYD Service Centre Saint Petersburg",
        "Санкт-Петербург",
        "Невский проспект, 100",
        "191025",
        "+7 812 765-43-21",
        "维修 保养 / Repair, maintenance",
        "spb@byd-auto.example.ru",
    ),
    Outlet(
        "RU-KZN-003",
        "Сервисный центр BYD Казань",
        "BYD Service Centre Kazan",
        "Казань",
        "ул. Баумана, 5",
        "420111",
        "+7 843 200-00-00",
        "配件 / Spare parts",
    ),
)


def sample_outlets(count: int) -> tuple[Outlet, ...]:
    """Give back ``count`` outlets: the three named ones, then numbered regional ones."""
    more = [
        Outlet(
            f"RU-REG-{n:03d}",
            f"Сервис {n:03d}",
            f"Outlet {n:03d}",
            "Новосибирск",
            f"ул. Ленина, д. {n}",
            "630000",
            "+7 383 000-00-00",
            "维修 / Repair",
        )
        for n in range(4, count + 1)
    ]
    return (NAMED_OUTLETS + tuple(more))[:count]


BODY_VALUES_ZH = {
    "manufacturer_name": "比亚迪汽车工业有限公司",
    "country_name": "俄罗斯",
    "exporter_name": f"深圳前海{MARKUP_TEXT}二手车出口有限公司",
}
BODY_VALUES_EN = {
    "manufacturer_name": "BYD Auto Industry Co., Ltd.",
    "country_name": "Russia",
    "exporter_name": f"Shenzhen Qianhai {MARKUP_TEXT} Used Car Export Co., Ltd.",
}


def make_letter(
    qr_png: bytes, outlet_count: int = 3, seal_png: bytes | None = None
) -> LetterDocument:
    """Give back a sample letter with Chinese names, Cyrillic outlets and markup in names."""
    return LetterDocument(
        manufacturer=Manufacturer(
            "比亚迪汽车工业有限公司", "BYD Auto Industry Co., Ltd.", "91440300192317458F"
        ),
        letter_number=LETTER_NUMBER,
        issue_date=dt.date(2026, 1, 15),
        vehicle=Vehicle(
            brand="比亚迪 BYD",
            model="宋PLUS DM-i",
            vin=VIN,
            registration_date=dt.date(2025, 10, 1),
            transfer_registration_date=dt.date(2025, 12, 20),
            engine_number="BYD472QA-123456",
            colour="白色 / White",
            fuel_type="插电式混合动力 / PHEV",
        ),
        country=Country("RU", "俄罗斯", "Russia"),
        exporter=Exporter(f"深圳前海{MARKUP_TEXT}二手车出口有限公司", "91440300MA5FXXXX1K"),
        valid_until=dt.date(2026, 7, 15),
        outlets=sample_outlets(outlet_count),
        body_zh=split_paragraphs(fill_body(DEFAULT_BODY_ZH, BODY_VALUES_ZH)),
        body_en=split_paragraphs(fill_body(DEFAULT_BODY_EN, BODY_VALUES_EN)),
        qr_png=qr_png,
        verification_code="ABCD-EF23",
        verification_url=VERIFY_URL,
        seal_png=seal_png,
    )
