"""The queues: an overview with a count per queue, and the queue pages (one module each).

disputes (`queue_disputes`), plan requests (`queue_plans`), unmatched payments
(`queue_unmatched`) and the outbox (`queue_outbox`). Every queue shows a collector
only the items of their portfolio (`portfolio.customer_scope`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from creditflow.api.deps import get_session
from creditflow.workbench import queue_disputes, queue_outbox, queue_plans, queue_unmatched
from creditflow.workbench.pages import render, staff_of
from creditflow.workbench.queue_common import queue_router

overview = queue_router()


@overview.get("")
def queues_page(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")]
) -> Response:
    """How many items wait in each queue."""
    staff = staff_of(request)
    outbox = queue_outbox.counts(session, staff)
    queues = [
        ("/workbench/queues/disputes", "Disputes", queue_disputes.count_open(session, staff),
         "Open disputes to resolve"),
        ("/workbench/queues/plans", "Plan requests", queue_plans.count_waiting(session, staff),
         "Payment plans waiting for review"),
        ("/workbench/queues/unmatched", "Unmatched payments",
         queue_unmatched.count_unmatched(session, staff), "Payments no rule could place"),
        ("/workbench/queues/outbox?status=failed", "Failed messages", outbox["failed"],
         "Messages that could not be sent"),
        ("/workbench/queues/outbox?status=held", "Held actions", outbox["held"],
         "Actions on hold until released"),
        ("/workbench/queues/outbox?status=queued", "Queued actions", outbox["queued"],
         "Actions waiting to be sent"),
    ]  # fmt: skip
    return render(request, "queues.html", queues=queues)


# One router for api/app.py ROUTERS: the overview and every queue page.
router = APIRouter()
for _module_router in (
    overview,
    queue_disputes.router,
    queue_plans.router,
    queue_unmatched.router,
    queue_outbox.router,
):
    router.include_router(_module_router)
