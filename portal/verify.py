"""Check a letter's seal offline: ``python -m portal.verify TOKEN_OR_URL --keys keys.json``.

Needs only the token (or the URL read from the QR code) and the Portal's published key set;
no database and no network. Exit status: 0 the signature is valid, 1 not genuine, 2 usage
error (bad arguments, unreadable or malformed key set).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from portal.signing.errors import KeysetError
from portal.signing.keys import kid_text
from portal.signing.keyset import KeyRecord, load_keyset
from portal.signing.offline import OfflineVerdict, offline_verdict

EXIT_VALID = 0
EXIT_NOT_GENUINE = 1
EXIT_USAGE = 2

_LABELS = {
    "number": "Letter number",
    "manufacturer": "Manufacturer",
    "vin": "VIN",
    "brand": "Brand",
    "model": "Model",
    "registration_date": "First registration",
    "country": "Destination country",
    "exporter_uscc": "Exporter (USCC)",
    "outlets_digest": "After-sales outlets digest",
    "issued_at": "Issued at",
    "valid_until": "Valid until",
    "record_digest": "Record digest",
    "version": "Format version",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Return the exit status after checking the token named on the command line."""
    args = _parser().parse_args(argv)
    code = sys.stdin.read() if args.code == "-" else args.code
    try:
        keyset = _read_keyset(args.keys)
    except (OSError, ValueError, KeysetError) as exc:
        print(f"portal-verify: cannot use the key set {args.keys}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    verdict = offline_verdict(code, keyset)
    if args.json:
        print(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(_describe(verdict))
    return EXIT_VALID if verdict.genuine else EXIT_NOT_GENUINE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal-verify",
        description="Check the seal of an After-Sales Service Confirmation letter offline.",
        epilog="Exit status: 0 signature valid, 1 not genuine, 2 usage error.",
    )
    parser.add_argument(
        "code",
        metavar="TOKEN_OR_URL",
        help="the token, or the URL read from the QR code; - to read it from standard input",
    )
    parser.add_argument("--keys", required=True, help="the Portal's published key set (JSON)")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    return parser


def _read_keyset(path: str) -> dict[bytes, KeyRecord]:
    with open(path, encoding="utf-8") as handle:
        return load_keyset(json.load(handle))


def _describe(verdict: OfflineVerdict) -> str:
    if verdict.genuine:
        lines = ["SIGNATURE VALID"]
    else:
        reason = verdict.reason.message if verdict.reason else "unknown reason"
        lines = [f"NOT GENUINE: {reason}"]
    if verdict.key is not None and verdict.kid is not None:
        key = verdict.key
        lines.append(
            f"  Sealed with key {kid_text(verdict.kid)} of {key.manufacturer_name} "
            f"({key.manufacturer})"
        )
    if verdict.claims is not None and verdict.form is not None:
        lines.append(f"  Sealed data ({verdict.form.value} form):")
        fields = verdict.to_dict()["claims"]
        shown = [(label, fields[name]) for name, label in _LABELS.items() if name in fields]
        lines.extend(f"    {label}: {value or '-'}" for label, value in shown)
    if verdict.warnings:
        lines.append("Warnings:")
        lines.extend(f"  - {note.message}" for note in verdict.warnings)
    if verdict.genuine:
        lines.append(
            "This checks the seal only: whether the letter has since been revoked or "
            "superseded, only the Portal's online verification can tell."
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
