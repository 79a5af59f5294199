"""A batch of letters tells its exporter once: a notice per letter in the Portal, one email
for the whole batch when it ends, and a letter that failed in the middle neither loses the
others' emails nor gets one of its own."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.accounts.roles import Role
from portal.letters.batches import service as batch
from portal.letters.batches.service import run_chunk, start_job
from portal.letters.lifecycle.models import Letter
from portal.notifications.models import NoticeKind, Notification
from tests.letters.batches.test_batch import _committed_app, _world
from tests.smtp_server import smtp_server


def test_a_batch_sends_one_email_listing_its_letters(tmp_path, monkeypatch):
    with (
        smtp_server() as mailbox,
        _committed_app(
            tmp_path, JOB_RUNNER="external", SMTP_HOST=mailbox.host, SMTP_PORT=mailbox.port
        ) as (app, session, make),
    ):
        manufacturer, issuer, requests = _world(make, session, 4)
        exporter_id = requests[0].exporter_id
        make.user(Role.EXPORTER_ADMIN, org=requests[0].exporter, email="desk@exporter.test")
        session.commit()
        job = start_job(session, manufacturer, [r.id for r in requests], actor=issuer)
        session.commit()
        calls, real_persist = [], batch.persist

        def fail_second(*args, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("disk full")
            return real_persist(*args, **kwargs)

        monkeypatch.setattr(batch, "persist", fail_second)
        # Two chunks, as the queue sends them: one email still, when the second ends the job.
        run_chunk(app, job.id, 0, 1)
        assert mailbox.wait_for(1, timeout=2) == []
        run_chunk(app, job.id, 2, 3)
        session.rollback()  # a fresh read: the chunks committed in their own sessions

        numbers = session.scalars(
            sa.select(Letter.number).where(Letter.manufacturer_id == manufacturer.id)
        ).all()
        assert len(numbers) == 3
        notices = session.scalars(
            sa.select(Notification).where(Notification.organisation_id == exporter_id)
        ).all()
        assert [n.kind for n in notices] == [NoticeKind.LETTER_READY] * 3
        (message,) = mailbox.wait_for(1)
        assert "desk@exporter.test" in message["X-Envelope-To"]
        assert message["Subject"].startswith("3 new notice(s) in the Portal")
        body = message.get_content()
        assert sorted(re.findall(r"Letter (\S+) for VIN", body)) == sorted(numbers)
        assert len(mailbox.wait_for(2, timeout=2)) == 1  # and no second email
