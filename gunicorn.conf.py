"""gunicorn settings for the Portal: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden on the command line or by the environment variables named
here. See docs/deploy.md."""

import os
import shutil
import tempfile

from portal.request_log import ACCESS_FORMAT, logging_config

bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
worker_class = "sync"  # CPU-bound pages (signatures, PDFs): one request per process
timeout = int(os.environ.get("PORTAL_WORKER_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = 5000  # recycles workers now and then, jittered so they never all go at once
max_requests_jitter = 500
# Addresses of the reverse proxies whose X-Forwarded-Proto gunicorn believes (the Portal's
# own PORTAL_TRUSTED_PROXIES decides which X-Forwarded-For it believes).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
logconfig_dict = logging_config(os.environ.get("PORTAL_LOG_LEVEL", "INFO"))
accesslog = "-"
access_log_format = ACCESS_FORMAT


def on_starting(server):
    # Metrics of every worker go to one folder that /metrics adds up; a fresh one per start.
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = tempfile.mkdtemp(prefix="portal-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    else:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)
    server.log.info("metrics of every worker are kept in %s", folder)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
