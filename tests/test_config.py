"""Configuration precedence: defaults < instance/config.py < PORTAL_* variables; test config
replaces the last two; secrets not configured are generated once and kept."""

from __future__ import annotations

from portal import create_app


def _instance(tmp_path, text=""):
    folder = tmp_path / "instance"
    folder.mkdir()
    (folder / "config.py").write_text(text)
    return folder


def _app(monkeypatch, folder):
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(folder))
    return create_app()


def test_defaults_use_sqlite_and_storage_in_the_instance_folder(monkeypatch, tmp_path):
    folder = _instance(tmp_path)
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    app = _app(monkeypatch, folder)
    assert app.config["DATABASE_URL"] == f"sqlite:///{folder / 'portal.sqlite3'}"
    assert app.config["STORAGE_DIR"] == str(folder / "storage")
    assert app.config["PUBLIC_BASE_URL"] is None  # set on purpose, or nothing is issued


def test_instance_file_overrides_defaults_and_environment_overrides_both(monkeypatch, tmp_path):
    folder = _instance(
        tmp_path,
        'PUBLIC_BASE_URL = "https://from-file.example"\n'
        'DATABASE_URL = "sqlite:////tmp/from-file.sqlite3"\n',
    )
    monkeypatch.setenv("PORTAL_DATABASE_URL", "sqlite:////tmp/from-env.sqlite3")
    monkeypatch.setenv("PORTAL_LOGIN_FREE_ATTEMPTS", "9")
    app = _app(monkeypatch, folder)
    assert app.config["PUBLIC_BASE_URL"] == "https://from-file.example"
    assert app.config["DATABASE_URL"] == "sqlite:////tmp/from-env.sqlite3"
    assert app.config["LOGIN_FREE_ATTEMPTS"] == 9


def test_test_config_replaces_file_and_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_PUBLIC_BASE_URL", "https://from-env.example")
    app = create_app(
        {
            "PUBLIC_BASE_URL": "https://from-test.example",
            "SECRET_KEY": "k",
            "MASTER_KEY": "m",
            "DATABASE_URL": "sqlite://",
        }
    )
    assert app.config["PUBLIC_BASE_URL"] == "https://from-test.example"


def test_secrets_are_generated_once_and_kept(monkeypatch, tmp_path):
    folder = _instance(tmp_path)
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    first = _app(monkeypatch, folder)
    second = _app(monkeypatch, folder)
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["MASTER_KEY"] == second.config["MASTER_KEY"]
    assert (folder / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only
    other = tmp_path / "other"
    (other).mkdir()
    assert _app(monkeypatch, other).config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_factory_has_no_side_effects_on_the_database(monkeypatch, tmp_path):
    folder = _instance(tmp_path)
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    _app(monkeypatch, folder)
    assert not (folder / "portal.sqlite3").exists()  # no migration, no connection


def test_security_headers(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_health(client):
    assert client.get("/health").get_json() == {"status": "ok", "database": "ok"}
