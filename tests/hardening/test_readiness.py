"""/readyz names each dependency and answers 503 while one is down; /health stays liveness."""

from __future__ import annotations

from tests.hardening.live import free_port


def test_ready_when_every_dependency_answers(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    checks = answer.get_json()["checks"]
    assert checks["database"] == {"ok": True, "detail": "ok"}
    assert checks["redis"] == {"ok": True, "detail": "not configured"}
    assert checks["storage"]["ok"] is True


def test_an_unreachable_redis_makes_the_portal_unready(app, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/3"
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    body = answer.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert client.get("/health").status_code == 200  # alive all the same


def test_a_full_storage_disk_makes_the_portal_unready(app, client):
    app.config["READY_MIN_FREE_BYTES"] = 1 << 62
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert "almost full" in answer.get_json()["checks"]["storage"]["detail"]
    app.config["READY_MIN_FREE_BYTES"] = 1
    assert client.get("/readyz").status_code == 200  # and back, with nothing cached


def test_a_live_redis_is_reported(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/3"
    assert client.get("/readyz").get_json()["checks"]["redis"] == {"ok": True, "detail": "ok"}
