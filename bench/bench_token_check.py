"""Measures the offline token check of portal-verify against its floor, a raw Ed25519 verify
of the same bytes, in the same run.

    python bench/bench_token_check.py [--runs 20000] [--repeats 5]

The check is what `portal-verify` and the Portal's web check do per token: base32 decode,
COSE envelope read, key looked up in the loaded key set (keys built once), Ed25519 verify,
claims decoded, key window and revocation list consulted, dates. The floor is
`Ed25519PublicKey.verify` over the very Sig_structure the token's signature covers. Prints
Markdown rows for docs/benchmarks.md, with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from portal_verify import check_token, encode_token, load_keyset, load_revocation_list
from portal_verify.cose import parse_sign1
from portal_verify.token import decode_token

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "vectors"))
import make_vectors  # the test keys and claims of docs/vectors


def _per_call(function, runs: int) -> float:
    start = time.process_time()
    for _ in range(runs):
        function()
    return (time.process_time() - start) / runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    claims = make_vectors.claims(valid_until=date(2027, 1, 1))
    cose = make_vectors.seal(make_vectors.encode_claims(claims), make_vectors.LETTER_KEY)
    token = encode_token(cose)
    vectors = make_vectors.cases()
    keys = load_keyset(make_vectors.keyset())
    revocations = load_revocation_list(make_vectors.revocation_list(vectors), keys)
    now = datetime(2026, 4, 1, tzinfo=UTC)
    assert check_token(token, keys, revocations=revocations, now=now).verdict.value == "valid"

    signed = parse_sign1(decode_token(token), max_bytes=1024)
    public_key = keys[signed.kid].ed25519
    message, signature = signed.signed_bytes(), signed.signature

    def floor() -> None:
        public_key.verify(signature, message)

    def check() -> None:
        check_token(token, keys, revocations=revocations, now=now)

    floors, checks, ratios = [], [], []
    for _ in range(args.repeats):
        # Interleaved, so a burst of load on the shared machine hits both alike.
        f = _per_call(floor, args.runs)
        c = _per_call(check, args.runs)
        floors.append(f)
        checks.append(c)
        ratios.append(c / f)
    load = os.getloadavg()
    print(f"token: {len(token)} characters, {len(cose)} bytes; {args.repeats} x {args.runs} calls")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("| measure | median | range | floor (raw Ed25519 verify), same run | ratio |")
    print("|---|---|---|---|---|")
    print(
        f"| `check_token` (token text → verdict, with revocation list) "
        f"| {statistics.median(checks) * 1e6:.1f} µs "
        f"| {min(checks) * 1e6:.1f} – {max(checks) * 1e6:.1f} "
        f"| {statistics.median(floors) * 1e6:.1f} µs "
        f"| {statistics.median(ratios):.3f}× ({min(ratios):.3f} – {max(ratios):.3f}) |"
    )


if __name__ == "__main__":
    main()
