"""With STORAGE = "database", letters are kept in the database: nothing is written to the
folder, and any instance of the Portal serves the PDF."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from portal.letters.lifecycle.models import Letter
from portal.storage import StoredFile
from tests.letters.lifecycle.test_views import _form


@pytest.fixture
def app_config(app_config):
    return {**app_config, "JOB_RUNNER": "external", "STORAGE": "database"}


def test_an_issued_letter_lives_in_the_database_and_downloads(issuing, login_as, session, app):
    client = login_as(issuing.issuer)
    response = client.post("/letters/new", data=_form(issuing))
    assert response.status_code == 302
    letter = session.scalar(sa.select(Letter))
    stored = session.get(StoredFile, letter.pdf_key)
    assert stored is not None and stored.size == len(stored.data) > 10_000
    folder = issuing.store.root
    assert not folder.exists() or not any(folder.rglob("*.pdf"))
    pdf = client.get(f"/letters/{letter.id}/pdf")
    assert pdf.status_code == 200 and pdf.data == stored.data
    assert letter.vin in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
