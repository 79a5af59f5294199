"""The CRL distribution point in a letter's certificate is a real address: a validator that
fetches revocation data (the pyhanko command without AdES mode) gets the Portal's CRL from a
live Portal on 127.0.0.1, trusts the letter, and calls it revoked once the manufacturer's key
is marked compromised."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.letters.keys.authority import ROOT_PATH
from portal.letters.keys.keyring import active_seal_key, mark_compromised
from portal.letters.lifecycle.context import issuance_context
from portal.letters.lifecycle.issuance import issue_letter
from portal.storage import storage_for
from tests.conftest import fresh_database, make_test_config
from tests.factories import Factories
from tests.letters import relying_party as rp
from tests.letters.conftest import Issuing

pytestmark = pytest.mark.slow


@pytest.fixture
def live_portal(tmp_path) -> Iterator[tuple]:
    with fresh_database("crl", tmp_path) as url:
        app = create_app(make_test_config(url, tmp_path))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        session = app.extensions["portal_db"].session()
        try:
            yield app, session
        finally:
            session.close()
            server.shutdown()
            thread.join(timeout=30)
            app.extensions["portal_db"].engine.dispose()


def test_validators_fetch_the_crl_from_the_distribution_point(live_portal, tmp_path):
    app, session = live_portal
    issuing = Issuing(app, Factories(session), tmp_path)
    with app.test_request_context():
        letter = issue_letter(session, issuing.order(), issuance_context(app, issuing.issuer))
    session.commit()
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(storage_for(app).get(letter.pdf_key))
    root = tmp_path / "root.pem"
    root.write_bytes(app.test_client().get(ROOT_PATH).data)

    online = rp.pyhanko("validate", "--trust", root, "--trust-replace", "--force-revinfo", pdf)
    assert online.returncode == 0, online.output
    assert ":INTACT:TRUSTED," in online.output

    key = active_seal_key(session, letter.manufacturer_id)
    since = max(key.created_at, datetime.now(UTC) - timedelta(minutes=1))
    mark_compromised(session, key, since=since, reason="Key leaked", actor=issuing.issuer)
    session.commit()
    revoked = rp.pyhanko("validate", "--trust", root, "--trust-replace", "--force-revinfo", pdf)
    assert revoked.returncode != 0
    assert "REVOKED" in revoked.output, revoked.output
