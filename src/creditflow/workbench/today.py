"""The worklist of today: everything that needs a person, most urgent first.

GET /workbench/today?type=&collector=&segment=&claimed=&page= shows one page of the
ordered list; the forms claim, assign (managers) and release an item.
"""

from __future__ import annotations

from importlib import resources
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from creditflow.staff.access import now_of, page_access, require
from creditflow.staff.service import Staff
from creditflow.workbench.claims import ClaimRefused, assign_item, claim_item, release_item
from creditflow.workbench.pages import done, render, staff_of
from creditflow.workbench.portfolio import limited_to_portfolio
from creditflow.workbench.worklist import claims, load_items, recovery_for, segments, workers
from creditflow.workbench.worklist_rules import (
    CLAIMED_CHOICES,
    ITEM_LABELS,
    ITEM_TYPES,
    FilterError,
    Filters,
    age_days,
    ordered,
    page_of,
    parse_filters,
    priority,
    select_items,
    with_claims,
)

router = APIRouter(
    prefix="/workbench",
    tags=["workbench"],
    include_in_schema=False,
    dependencies=[Depends(page_access)],
)
TODAY = "/workbench/today"
CLAIMED_LABELS = {"all": "Claimed or not", "mine": "Mine", "unclaimed": "Not claimed"}
FILTER_FIELDS = ("type", "collector", "segment", "claimed", "page")
# The page runs its own small keyboard script (served below), nothing else.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@router.get("/today")
def today(request: Request) -> Response:
    """The worklist page."""
    staff = staff_of(request)
    now = now_of(request)
    params = {k: request.query_params.get(k, "") for k in FILTER_FIELDS}
    error = None
    try:
        filters = parse_filters(params)
    except FilterError as exc:
        error, filters, params = exc, Filters(), dict.fromkeys(FILTER_FIELDS, "")
    if limited_to_portfolio(staff):
        filters = Filters(filters.kinds, None, filters.segment, filters.claimed, filters.page)
        params["collector"] = ""
    with request.app.state.sessions() as session, session.begin():
        loaded = load_items(session, staff, filters, now)
        found = recovery_for(session, loaded.items, now)
        held = claims(session)
        people = workers(session)
        segment_choices = segments(session, staff)
    items = ordered(select_items(with_claims(found, held), filters, staff.user_id), now)
    shown = page_of(items, filters.page)
    response = render(
        request,
        "today.html",
        status=400 if error else 200,
        error=error,
        page=shown,
        rows=[(i, age_days(i.since, now), priority(i, now)) for i in shown.items],
        cut_off=[ITEM_LABELS[k] for k in loaded.cut_off],
        params=params,
        kept={k: v for k, v in params.items() if v and k != "page"},
        item_types=[(k, ITEM_LABELS[k]) for k in ITEM_TYPES],
        labels=ITEM_LABELS,
        claimed_choices=CLAIMED_CHOICES,
        claimed_labels=CLAIMED_LABELS,
        query=lambda number: urlencode({**params, "page": number}),
        collectors=[(uid, email) for uid, email, role in people if role == "collector"],
        workers=people,
        segments=segment_choices,
        show_collector=not limited_to_portfolio(staff),
        may_claim=staff.may("work_customers"),
        may_assign=staff.may("decide"),
        me=staff.user_id,
    )
    response.headers["Content-Security-Policy"] = CSP
    return response


@router.get("/today/keys.js")
def keyboard_script() -> Response:
    """The worklist's keyboard script (j/k to move between items), from the package."""
    script = (resources.files("creditflow.workbench") / "static" / "worklist.js").read_text("utf-8")
    return Response(script, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})


def _back(form_values: dict[str, str]) -> dict[str, str]:
    """The list's filters from a form's hidden fields (dropped when not valid)."""
    kept = {k: form_values.get(k, "")[:64] for k in FILTER_FIELDS if form_values.get(k)}
    try:
        parse_filters(kept)
    except FilterError:
        return {}
    return kept


async def _form(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items()}


def _change(request: Request, staff: Staff, work: str, values: dict[str, str]) -> Response:
    now = now_of(request)
    key = values.get("item", "")[:100]
    try:
        with request.app.state.sessions() as session, session.begin():
            if work == "claim":
                notice = claim_item(session, staff, key, now)
            elif work == "release":
                notice = release_item(session, staff, key, now)
            else:
                assignee = values.get("assignee", "")
                if not (assignee.isdigit() and len(assignee) < 10):
                    raise ClaimRefused("Choose whom to assign the item to.")
                notice = assign_item(session, staff, key, int(assignee), now)
    except FilterError:
        notice = "This item is no longer on the list."
    except ClaimRefused as refused:
        notice = str(refused)
    return done(TODAY, notice, **_back(values))


@router.post("/today/claim")
async def claim(
    request: Request,
    staff: Staff = Depends(require("work_customers")),
) -> Response:
    """Claim an item for yourself."""
    return await run_in_threadpool(_change, request, staff, "claim", await _form(request))


@router.post("/today/assign")
async def assign(
    request: Request,
    staff: Staff = Depends(require("decide")),
) -> Response:
    """Assign an item to a collector (managers and admins)."""
    return await run_in_threadpool(_change, request, staff, "assign", await _form(request))


@router.post("/today/release")
async def release(
    request: Request,
    staff: Staff = Depends(require("work_customers")),
) -> Response:
    """Give a claimed item back to the list."""
    return await run_in_threadpool(_change, request, staff, "release", await _form(request))
