"""What a commercial CA hands a manufacturer: a root, a signing certificate and its key, as
PEM files or as one PKCS#12 file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PASSWORD = "Secret-2026"
SIGNING = dict(digital_signature=True, content_commitment=True, key_encipherment=False)
TLS = dict(digital_signature=False, content_commitment=False, key_encipherment=True)


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Trust Services"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(ca: bool, **flags: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=flags.get("digital_signature", False),
        content_commitment=flags.get("content_commitment", False),
        key_encipherment=flags.get("key_encipherment", False),
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class CaFiles:
    """A root CA and a signing certificate issued by it for `key`."""

    root: x509.Certificate
    root_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    def key_pem(self, key=None) -> bytes:
        return (key or self.key).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )

    def pkcs12(self, *, legacy: bool = False) -> bytes:
        """The certificate, key and root in one PKCS#12 file, protected by PASSWORD; `legacy`
        is the SHA-1 and 3DES kind older Windows and CA tools still export."""
        builder = serialization.PrivateFormat.PKCS12.encryption_builder()
        if legacy:
            builder = builder.key_cert_algorithm(
                pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC
            ).hmac_hash(hashes.SHA1())  # noqa: S303 - the legacy format, on purpose
        return pkcs12.serialize_key_and_certificates(
            b"signing", self.key, self.certificate, [self.root], builder.build(PASSWORD.encode())
        )

    def reissued(self, *, days=(-1, 365), usage=SIGNING, key=None) -> CaFiles:
        """The same root with a new signing certificate (other validity, usage or key)."""
        key = key or self.key
        return replace(self, certificate=_issued(self, key, days, usage), key=key)


def _issued(ca: CaFiles, key, days: tuple[int, int], usage: dict) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name("Manufacturer Document Signing"))
        .issuer_name(ca.root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(False, **usage), critical=True)
        .sign(ca.root_key, hashes.SHA256())
    )


def commercial_ca(key=None) -> CaFiles:
    """A fresh RSA root and an RSA-2048 (or `key`) signing certificate issued by it."""
    root_key = rsa_key()
    now = dt.datetime.now(dt.UTC)
    root = (
        x509.CertificateBuilder()
        .subject_name(_name("Example Root CA"))
        .issuer_name(_name("Example Root CA"))
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(True), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    key = key or rsa_key()
    placeholder = CaFiles(root, root_key, root, key)
    return placeholder.reissued()
