"""A relying party's own tools, run on letters: poppler's pdfsig with an NSS database, the
pyhanko command, and OpenSSL's CMS verifier. None of them is the Portal's code."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PYHANKO = str(Path(sys.executable).with_name("pyhanko"))
# Generous: the machine is shared, and each tool starts a process of its own.
TIMEOUT = 180


@dataclass(frozen=True)
class ToolResult:
    returncode: int
    output: str


def run(*args: str | Path) -> ToolResult:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    return ToolResult(done.returncode, done.stdout + done.stderr)


def nss_database(folder: Path, *trusted_pem: Path) -> Path:
    """Returns an NSS database in ``folder`` trusting the given roots for signing."""
    folder.mkdir(parents=True, exist_ok=True)
    created = run("certutil", "-N", "-d", f"sql:{folder}", "--empty-password")
    assert created.returncode == 0, created.output
    for index, pem in enumerate(trusted_pem):
        added = run(
            "certutil", "-A", "-d", f"sql:{folder}", "-n", f"root{index}", "-t", "CT,C,C", "-i", pem
        )
        assert added.returncode == 0, added.output
    return folder


def pdfsig(pdf: Path, nss: Path) -> ToolResult:
    return run("pdfsig", "-nssdir", f"sql:{nss}", pdf)


def pyhanko(*args: str | Path) -> ToolResult:
    return run(PYHANKO, "sign", *args)


def signed_parts(pdf: bytes) -> tuple[bytes, bytes]:
    """Returns the bytes the (first) signature covers and its CMS blob, read from the
    /ByteRange the way any PDF tool reads it."""
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match, "no /ByteRange in the PDF"
    a, b, c, d = (int(x) for x in match.groups())
    reserved = bytes.fromhex(pdf[a + b : c].strip(b"<>").decode())
    return pdf[a : a + b] + pdf[c : c + d], reserved[: _der_length(reserved)]


def _der_length(der: bytes) -> int:
    """Returns the length of the DER value at the start of ``der`` (the rest is padding)."""
    if der[1] < 0x80:
        return 2 + der[1]
    count = der[1] & 0x7F
    return 2 + count + int.from_bytes(der[2 : 2 + count], "big")


def openssl_cms_verify(
    pdf: bytes, folder: Path, root_pem: Path, crl_pem: Path | None = None
) -> ToolResult:
    """Runs OpenSSL's CMS verifier on the letter's signature: the signed bytes, the chain up
    to ``root_pem`` for S/MIME signing, and (given) revocation checked against the CRL."""
    content, cms = signed_parts(pdf)
    (folder / "content.bin").write_bytes(content)
    (folder / "signature.der").write_bytes(cms)
    trusted = folder / "trusted.pem"  # OpenSSL reads the CRLs beside the roots
    trusted.write_bytes(root_pem.read_bytes() + (crl_pem.read_bytes() if crl_pem else b""))
    args = ["-CAfile", trusted, "-purpose", "smimesign"]
    if crl_pem is not None:
        args.append("-crl_check")
    return run(
        "openssl", "cms", "-verify", "-binary", "-inform", "DER",
        "-in", folder / "signature.der", "-content", folder / "content.bin",
        "-out", "/dev/null", *args,
    )  # fmt: skip
