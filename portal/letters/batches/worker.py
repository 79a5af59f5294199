"""The entry point of batch worker processes: `dramatiq portal.letters.batches.worker`
(what `flask --app portal run-worker` starts). Each process builds the Portal once, so
fonts, keys and connections are warm when a chunk arrives."""

from __future__ import annotations

import os
import signal
import threading
import time

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


def _leave_with_parent(parent: int, every: float = 2.0) -> None:
    # A worker whose supervising process was killed (kill -9 leaves no time to stop it)
    # stops too: it takes no new chunk, and the one it holds goes back to the queue when its
    # heartbeat stops, rather than living on unsupervised.
    while os.getppid() == parent:
        time.sleep(every)
    os.kill(os.getpid(), signal.SIGTERM)


threading.Thread(
    target=_leave_with_parent, args=(os.getppid(),), daemon=True, name="portal-parent-watch"
).start()
