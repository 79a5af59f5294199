"""The public verification pages: the QR code's page, the check page (pasted code, number and
short code, PDF upload) and the published key set. No account needed; rate-limited per
client; every verification goes into the scan log."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.datastructures import FileStorage

from portal.db import db_session, utcnow
from portal.rate_limits import code_misses_limit, configured, limiter, mark_miss
from portal.security import public
from portal.signing import TokenError, decode_token, encode_token
from portal.verification import labels
from portal.verification.authority_views import published_root_fingerprint
from portal.verification.forms import CodeForm, PdfForm, TokenForm
from portal.verification.keys import published_keyset
from portal.verification.models import Channel
from portal.verification.pdf_check import MAX_PDF_BYTES, check_pdf
from portal.verification.record import outlets_as_issued
from portal.verification.scans import record_scan
from portal.verification.service import (
    Verification,
    letter_by_number_and_code,
    verify_number_and_code,
    verify_token_text,
)
from portal.verification.verdicts import Verdict

bp = Blueprint("verification", __name__)


@bp.after_request
def _not_for_search_engines(response: Response) -> Response:
    # A verdict page carries a vehicle's and an exporter's data: for whoever holds the letter.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/V/<token>")
@bp.route("/v/<token>", endpoint="qr_lower")
@public
@limiter.limit(configured("RATELIMIT_VERIFY"))
def qr(token: str) -> str:
    verification = verify_token_text(db_session(), token, now=utcnow())
    # The typed checks land here too, so that every verdict has an address to share.
    channel = Channel.CODE if request.args.get("via") == "code" else Channel.QR
    return _result(channel, verification)


@bp.route("/verify")
@public
def check() -> str:
    return _check_page()


@bp.route("/verify/token", methods=["POST"])
@public
@limiter.limit(configured("RATELIMIT_VERIFY"))
def check_token() -> tuple[str, int] | str | Response:
    form = TokenForm()
    if not form.validate_on_submit():
        return _check_page(token_form=form), 400
    try:
        token = encode_token(decode_token(form.token.data))
    except TokenError:
        return _result(Channel.QR, verify_token_text(db_session(), form.token.data, now=utcnow()))
    return redirect(url_for("verification.qr", token=token), 303)


@bp.route("/verify/code", methods=["POST"])
@public
@limiter.limit(configured("RATELIMIT_VERIFY_CODE"))
@code_misses_limit()
def check_code() -> tuple[str, int] | str | Response:
    form = CodeForm()
    if not form.validate_on_submit():
        return _check_page(code_form=form), 400
    letter = letter_by_number_and_code(db_session(), form.number.data, form.code.data)
    if letter is not None:
        return redirect(url_for("verification.qr", token=letter.token, via="code"), 303)
    verification = verify_number_and_code(
        db_session(), form.number.data, form.code.data, now=utcnow()
    )
    count_miss(verification)
    return _result(Channel.CODE, verification)


def count_miss(verification: Verification) -> None:
    """Counts a number with a code that matched nothing against the client's misses."""
    if verification.verdict is Verdict.CANNOT_CHECK:
        mark_miss()


@bp.route("/verify/pdf", methods=["POST"])
@public
@limiter.limit(configured("RATELIMIT_VERIFY_PDF"))
def check_pdf_upload() -> tuple[str, int] | str:
    form = PdfForm()
    uploaded: FileStorage | None = form.file.data
    if not form.validate_on_submit() or uploaded is None or not uploaded.filename:
        form.file.errors = [*form.file.errors, str(labels.NO_FILE)]
        return _check_page(pdf_form=form), 400
    data = uploaded.stream.read(MAX_PDF_BYTES + 1)
    result = check_pdf(db_session(), data, now=utcnow())
    log_scan(Channel.PDF, result.verification)
    return render_template(
        "verification/pdf_result.html", result=result, **_shown(result.verification)
    )


@bp.route("/.well-known/portal-keys.json")
@public
@limiter.limit(configured("RATELIMIT_API"))
def keys() -> Response:
    return keyset_response()


def keyset_response() -> Response:
    """Returns the published key set (a JWK Set), cacheable for five minutes."""
    response = jsonify(published_keyset(db_session()))
    response.content_type = "application/jwk-set+json"
    # Short enough that a compromise reaches offline verifiers within minutes.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _check_page(**forms: object) -> str:
    return render_template(
        "verification/check.html",
        token_form=forms.get("token_form") or TokenForm(),
        code_form=forms.get("code_form") or CodeForm(),
        pdf_form=forms.get("pdf_form") or PdfForm(),
        max_pdf_mb=MAX_PDF_BYTES // 1024 // 1024,
        root_fingerprint=published_root_fingerprint(),
    )


def _result(channel: Channel, verification: Verification) -> str:
    log_scan(channel, verification)
    return render_template("verification/result.html", **_shown(verification))


def log_scan(channel: Channel, verification: Verification) -> None:
    """Adds the verification to the scan log, in a transaction of its own (committed with
    the response). The verdict's reads end first: SQLite cannot turn a read transaction into
    a write once another worker has written since it began, and gives up at once."""
    if request.method == "HEAD":
        return  # link previews and monitors ask for headers: nobody looked at the letter
    db_session().commit()
    record_scan(
        db_session(),
        channel,
        verification,
        languages=[tag for tag, _quality in request.accept_languages],
        remote_addr=request.remote_addr,
    )


def _shown(verification: Verification) -> dict[str, object]:
    letter = verification.letter
    today = (verification.checked_at or utcnow()).date()
    return {
        "v": verification,
        "letter": letter,
        "outlets": [] if letter is None else outlets_as_issued(letter, today),
        "labels": labels,
    }
