"""Whatever arrives as a token, the parser answers with a verdict, never a server error, and
never one that lets a letter pass: what cannot be read cannot be checked; what is read and
fails its seal is not genuine."""

from __future__ import annotations

import string
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.db import utcnow
from portal.signing import decode_token, encode_token
from portal.verification.service import Verdict, verify_token_text

REFUSED = {Verdict.NOT_GENUINE, Verdict.CANNOT_CHECK}

BASE32 = string.ascii_uppercase + "234567"
_FIXTURES = [HealthCheck.function_scoped_fixture]


@settings(max_examples=300, suppress_health_check=_FIXTURES)
@given(text=st.text(max_size=3000))
def test_any_text_gets_a_verdict(session, text):
    assert verify_token_text(session, text, now=utcnow()).verdict in REFUSED


@settings(max_examples=300, suppress_health_check=_FIXTURES)
@given(raw=st.binary(max_size=1100))
def test_any_bytes_in_base32_get_a_verdict(session, raw):
    verdict = verify_token_text(session, encode_token(raw), now=utcnow()).verdict
    assert verdict in REFUSED


def test_mutated_real_tokens_never_pass(issue, session):
    cose = decode_token(issue().token)

    @settings(max_examples=200)
    @given(position=st.integers(0, len(cose) - 1), byte=st.integers(0, 255))
    def mutated(position: int, byte: int) -> None:
        if cose[position] == byte:
            return
        changed = cose[:position] + bytes([byte]) + cose[position + 1 :]
        verdict = verify_token_text(session, encode_token(changed), now=utcnow()).verdict
        assert verdict in REFUSED

    mutated()


@settings(max_examples=150, suppress_health_check=_FIXTURES)
@given(token=st.text(alphabet=BASE32 + "/:.-_%aé0189 ", min_size=1, max_size=400))
def test_the_qr_page_never_fails(client, token):
    response = client.get("/V/" + quote(token, safe=""))
    assert response.status_code < 500
    if response.status_code == 200:
        page = response.get_data(as_text=True)
        assert 'data-verdict="not_genuine"' in page or 'data-verdict="cannot_check"' in page


@settings(max_examples=150, suppress_health_check=_FIXTURES)
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=50),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(["token", "number", "code", "x"]), children, max_size=3
            )
        ),
        max_leaves=8,
    )
)
def test_the_api_never_fails(client, body):
    response = client.post("/api/v1/verify", json=body)
    assert response.status_code in (200, 400)
    assert response.is_json
