"""The entry point of batch worker processes: `dramatiq portal.letters.batches.worker`
(what `flask --app portal run-worker` starts). Each process builds the Portal once, so
fonts, keys and connections are warm when a chunk arrives."""

from __future__ import annotations

import dramatiq

from portal import create_app
from portal.letters.batches.queue import letter_queue

app = create_app()
queue = letter_queue(app)
if queue.embedded:
    raise SystemExit(
        "run-worker needs PORTAL_QUEUE_URL or PORTAL_REDIS_URL: without them, batches run "
        "in the web process itself."
    )
dramatiq.set_broker(queue.broker)
