"""Concurrent issuance on PostgreSQL: 32 issuers at once get unique, gap-free numbers."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.accounts.roles import OrgKind, Role
from portal.db import Database
from portal.letters.keys.authority import ensure_authority
from portal.letters.keys.models import SealKey
from portal.letters.lifecycle.context import issuance_context
from portal.letters.lifecycle.issuance import issue_letter
from portal.letters.lifecycle.models import Letter
from portal.letters.lifecycle.orders import LetterOrder
from portal.signing import parse_master_key
from tests.conftest import PG_ENV, fresh_database, make_test_config
from tests.factories import Factories

ISSUERS = 32

# SQLite allows one writer at a time and refuses (rather than queues) a reader that wants to
# write after another commit; concurrent issuance is a PostgreSQL matter.
pytestmark = pytest.mark.skipif(
    not os.environ.get(PG_ENV), reason="concurrent issuance needs PostgreSQL"
)


def test_parallel_issuers_get_unique_gap_free_numbers(tmp_path):
    with fresh_database("concurrency", tmp_path) as url:
        app = create_app(make_test_config(url, tmp_path))
        db = Database(url, pool_size=ISSUERS, max_overflow=0)
        with app.app_context():
            session = db.session()
            make = Factories(session)
            manufacturer = make.organisation(OrgKind.MANUFACTURER)
            make.outlet(manufacturer, country="DE")
            issuer = make.user(Role.MANUFACTURER_ISSUER, org=manufacturer)
            vins = [make.vin(manufacturer) for _ in range(ISSUERS)]
            master = parse_master_key(app.config["MASTER_KEY"])
            ensure_authority(session, master)  # made by `flask init`
            session.commit()
            ids = (manufacturer.id, manufacturer.brands[0].id, issuer.id)

            def issue(vin: str) -> str:
                with app.app_context():
                    own = db.session()
                    try:
                        order = LetterOrder(
                            manufacturer_id=ids[0],
                            brand_id=ids[1],
                            model="Han L",
                            vin=vin,
                            registration_date=date(2026, 9, 1),
                            transfer_registration_date=date(2026, 10, 1),
                            country="DE",
                            exporter_name="Exporter Co., Ltd.",
                        )
                        letter = issue_letter(own, order, issuance_context(app, None))
                        own.commit()
                        return letter.number
                    finally:
                        own.close()

            with ThreadPoolExecutor(max_workers=ISSUERS) as pool:
                numbers = list(pool.map(issue, vins))
            sequences = sorted(session.scalars(sa.select(Letter.sequence)))
            seal_keys = session.scalar(sa.select(sa.func.count()).select_from(SealKey))
            session.close()
        db.engine.dispose()
        app.extensions["portal_db"].engine.dispose()
    assert len(set(numbers)) == ISSUERS
    assert sequences == list(range(1, ISSUERS + 1))
    assert seal_keys == 1  # the first issuers did not race to make keys
