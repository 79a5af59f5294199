"""The Portal: signed After-Sales Service Confirmation letters and their public verification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

PACKAGE = Path(__file__).parent


def _asset_folder(name: str) -> str:
    # In a wheel the folder travels inside the package; in a checkout it is at the top.
    inside = PACKAGE / name
    return str(inside if inside.is_dir() else PACKAGE.parent / name)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Returns the Portal application, configured and with every blueprint registered."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=_asset_folder("templates"),
        static_folder=_asset_folder("static"),
    )
    from portal import (
        cli,
        db,
        errors,
        i18n,
        log_redaction,
        metrics,
        navigation,
        request_log,
        security,
        templating,
    )
    from portal.accounts.access import init_login
    from portal.config import load_config
    from portal.notifications import views as notification_views

    load_config(app, test_config)
    log_redaction.install()
    request_log.init_app(app)
    db.init_app(app)
    init_login(app)
    security.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    notification_views.init_app(app)
    templating.init_app(app)
    errors.register_error_pages(app)
    metrics.init_app(app)
    _register_blueprints(app)
    cli.register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from portal import site
    from portal.accounts import organisation_views, second_factor_views
    from portal.accounts import views as account_views
    from portal.audit import views as audit_views
    from portal.letters.batches import views as letter_job_views
    from portal.letters.lifecycle import settings_views as letter_settings_views
    from portal.letters.lifecycle import views as letter_views
    from portal.notifications import views as notification_views
    from portal.outlets import csv_views as outlet_csv_views
    from portal.outlets import directory_views
    from portal.outlets import views as outlet_views
    from portal.requests import batch_views, review_views
    from portal.requests import views as request_views
    from portal.revocations import views as revocation_views
    from portal.verification import api as verification_api
    from portal.verification import api_key_views, authority_views
    from portal.verification import log_views as verification_log_views
    from portal.verification import views as verification_views

    for module in (
        site,
        account_views,
        second_factor_views,
        organisation_views,
        outlet_views,
        outlet_csv_views,
        directory_views,
        request_views,
        batch_views,
        review_views,
        letter_views,
        letter_settings_views,
        letter_job_views,
        verification_views,
        verification_api,
        verification_log_views,
        audit_views,
        api_key_views,
        notification_views,
        authority_views,
        revocation_views,
    ):
        app.register_blueprint(module.bp)
