"""``portal-verify``: check a letter of the Portal offline.

    portal-verify fetch URL                 store the Portal's key set and revocation list
    portal-verify TOKEN_OR_URL_OR_PDF       the verdict, from what was stored

Exit status: 0 valid, 1 not genuine, 2 usage error (bad arguments, no usable key set or
revocation list), 3 revoked or superseded, 4 expired, 5 the code cannot be read.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from portal_verify import store
from portal_verify.errors import TokenError, VerifyError
from portal_verify.keyset import KeySet
from portal_verify.reading import token_text_of
from portal_verify.revocations import RevocationList
from portal_verify.verdict import Note, TokenCheck, Verdict, check_token, claims_json, iso

EXIT_VALID = 0
EXIT_NOT_GENUINE = 1
EXIT_USAGE = 2
EXIT_REVOKED = 3
EXIT_EXPIRED = 4
EXIT_CANNOT_READ = 5
EXIT_CODES = {
    Verdict.VALID: EXIT_VALID,
    Verdict.NOT_GENUINE: EXIT_NOT_GENUINE,
    Verdict.REVOKED: EXIT_REVOKED,
    Verdict.SUPERSEDED: EXIT_REVOKED,
    Verdict.EXPIRED: EXIT_EXPIRED,
    Verdict.CANNOT_READ: EXIT_CANNOT_READ,
}
HEADLINES = {
    Verdict.VALID: "GENUINE AND VALID",
    Verdict.NOT_GENUINE: "NOT GENUINE",
    Verdict.REVOKED: "REVOKED",
    Verdict.SUPERSEDED: "SUPERSEDED",
    Verdict.EXPIRED: "EXPIRED",
    Verdict.CANNOT_READ: "CANNOT READ",
}
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
_EPILOG = (
    "Exit status: 0 valid, 1 not genuine, 2 usage error, 3 revoked or superseded, "
    "4 expired, 5 cannot read."
)


def main(argv: Sequence[str] | None = None) -> int:
    """Return the exit status of the command line ``argv``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "fetch":
        return _fetch(_fetch_parser().parse_args(argv[1:]))
    return _check(_check_parser().parse_args(argv))


def _fetch(args: argparse.Namespace) -> int:
    directory = Path(args.store) if args.store else store.default_store()
    try:
        fetched = store.fetch(args.url, directory)
    except (OSError, ValueError, VerifyError) as exc:
        print(f"portal-verify: cannot fetch from {args.url}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    listing = fetched.revocations
    print(f"Stored the key set of {fetched.origin} ({len(fetched.keys)} keys) in {directory}")
    print(
        f"Revocation list issued {iso(listing.issued_at)}: {len(listing.revoked)} revoked, "
        f"{len(listing.superseded)} superseded; next update {iso(listing.next_update)}"
    )
    return EXIT_VALID


def _check(args: argparse.Namespace) -> int:
    now = _now(args.at)
    directory = Path(args.store) if args.store else store.default_store()
    try:
        keys = store.read_keys(Path(args.keys) if args.keys else directory / store.KEYS_FILE)
        if not keys:
            raise ValueError("the key set holds no Ed25519 key")
        revocations = _revocations(args, directory, keys)
    except (OSError, ValueError, VerifyError) as exc:
        print(
            f"portal-verify: no usable key set or revocation list ({exc}); "
            "run `portal-verify fetch URL_OF_THE_PORTAL` first, or pass --keys and "
            "--revocations",
            file=sys.stderr,
        )
        return EXIT_USAGE
    code = sys.stdin.read() if args.code == "-" else args.code
    try:
        text = token_text_of(code)
    except (TokenError, OSError) as exc:
        message = exc.message if isinstance(exc, TokenError) else str(exc)
        result = TokenCheck(Verdict.CANNOT_READ, Note("unreadable", message))
    else:
        result = check_token(text, keys, revocations=revocations, now=now)
    if args.json:
        print(json.dumps(as_json(result, revocations, now), ensure_ascii=False, indent=2))
    else:
        print(describe(result))
        print(_list_age(revocations, now))
    if revocations is not None and revocations.is_stale(now):
        print(
            f"WARNING: the revocation list is past its next update ({iso(revocations.next_update)})"
            ": a letter revoked since may read valid. Run `portal-verify fetch URL` again.",
            file=sys.stderr,
        )
    return EXIT_CODES[result.verdict]


def _revocations(args: argparse.Namespace, directory: Path, keys: KeySet) -> RevocationList | None:
    if args.no_revocations:
        return None
    path = Path(args.revocations) if args.revocations else directory / store.REVOCATIONS_FILE
    return store.read_revocations(path, keys)


def as_json(
    result: TokenCheck, revocations: RevocationList | None, now: datetime
) -> dict[str, Any]:
    """Return the verdict as a JSON-ready dict."""
    key = result.key
    return {
        "verdict": result.verdict.value,
        "reason": None if result.reason is None else dataclasses.asdict(result.reason),
        "form": None if result.form is None else result.form.value,
        "kid": None if result.kid is None else result.kid.hex(),
        "manufacturer": None if key is None else key.manufacturer,
        "manufacturer_name": None if key is None else key.manufacturer_name,
        "claims": None if result.claims is None else claims_json(result.claims),
        "warnings": [dataclasses.asdict(w) for w in result.warnings],
        "revocation_list": None
        if revocations is None
        else {
            "issued_at": iso(revocations.issued_at),
            "next_update": iso(revocations.next_update),
            "age_seconds": int((now - revocations.issued_at).total_seconds()),
            "stale": revocations.is_stale(now),
        },
    }


def describe(result: TokenCheck) -> str:
    """Return the verdict as lines for a person."""
    headline = HEADLINES[result.verdict]
    lines = [f"{headline}: {result.reason.message}" if result.reason else headline]
    key = result.key
    if key is not None and result.kid is not None:
        lines.append(
            f"  Signed with key {result.kid.hex()} of {key.manufacturer_name} ({key.manufacturer})"
        )
    if result.claims is not None and result.form is not None:
        lines.append(f"  Sealed data ({result.form.value} form):")
        fields = claims_json(result.claims)
        shown = [(label, fields[name]) for name, label in _LABELS.items() if name in fields]
        lines.extend(f"    {label}: {value or '-'}" for label, value in shown)
    if result.warnings:
        lines.append("Warnings:")
        lines.extend(f"  - {note.message}" for note in result.warnings)
    return "\n".join(lines)


def _list_age(revocations: RevocationList | None, now: datetime) -> str:
    if revocations is None:
        return "Revocation NOT checked (--no-revocations): a revoked letter reads valid here."
    age = now - revocations.issued_at
    hours, rest = divmod(max(int(age.total_seconds()), 0), 3600)
    return (
        f"Revocation list of {iso(revocations.issued_at)} ({hours} h {rest // 60} min old), "
        f"next update {iso(revocations.next_update)}"
    )


def _note(code: str, message: str):
    from portal_verify.verdict import Note

    return Note(code, message)


def _now(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        raise SystemExit("portal-verify: --at needs a time zone, e.g. 2026-05-01T00:00:00Z")
    return moment.astimezone(UTC)


def _check_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal-verify",
        description="Check an After-Sales Service Confirmation letter of the Portal offline. "
        "First run `portal-verify fetch URL_OF_THE_PORTAL`.",
        epilog=_EPILOG,
    )
    parser.add_argument(
        "code",
        metavar="TOKEN_OR_URL_OR_PDF",
        help="the token, the URL read from the QR code, a file (text, the letter's PDF or a "
        "photo of its QR code), or - for standard input",
    )
    parser.add_argument("--store", help="where `fetch` stored the key set and revocation list")
    parser.add_argument("--keys", help="a key set file (JWK Set) instead of the stored one")
    parser.add_argument("--revocations", help="a revocation list file instead of the stored one")
    parser.add_argument(
        "--no-revocations",
        action="store_true",
        help="check without a revocation list (a revoked letter then reads valid)",
    )
    parser.add_argument("--at", help="check as of this time (RFC 3339), not now")
    parser.add_argument("--json", action="store_true", help="print the verdict as JSON")
    return parser


def _fetch_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal-verify fetch",
        description="Download and check the Portal's key set and revocation list, and store "
        "them for offline checks.",
    )
    parser.add_argument(
        "url", metavar="URL", help="the Portal's address, e.g. https://portal.example"
    )
    parser.add_argument("--store", help="where to store them (default: $PORTAL_VERIFY_HOME)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
