"""The debtor portal: `/portal/{token}` pages and forms (server-rendered, NL and EN).

Every form posts a CSRF token (double submit: signed cookie + hidden field); every
page is scoped to the one customer the signed token names.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.api.deps import get_session, get_settings
from creditflow.arrangements.disputes import open_dispute
from creditflow.arrangements.policy import PolicyRefusal
from creditflow.arrangements.rules import DISPUTE_REASONS, MAX_UPLOAD_BYTES
from creditflow.arrangements.service import record_promise, request_plan
from creditflow.config import Settings
from creditflow.ledger.models import Invoice
from creditflow.links.tokens import make_customer_token
from creditflow.portal.access_routes import router as access_router
from creditflow.portal.i18n import pick_language
from creditflow.portal.preferences import CONSENT_CHANNELS, record_feedback, set_preferences
from creditflow.portal.security import client_ip, rate_limited
from creditflow.portal.unsubscribe import ONE_CLICK, unsubscribe_one_click
from creditflow.portal.unsubscribe import router as unsubscribe_router
from creditflow.portal.view import attachment_for, invoice_pdf_path, portal_view
from creditflow.portal.web import (
    Page,
    PortalDenied,
    PortalRoute,
    customer_from_token,
    now_of,
    page_for,
    policy_of,
    posted_form,
    today_for,
)

router = APIRouter(prefix="/portal", tags=["portal"], route_class=PortalRoute)
router.include_router(access_router)
router.include_router(unsubscribe_router)

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
REFUSALS = {
    "promise_in_past": "The date is in the past. Choose today or a later day.",
    "promise_too_far": "That date is too far ahead. Choose a date within {days} days.",
    "promise_exists": "You already promised to pay; we will wait for that payment.",
    "plan_exists": "You already have a payment plan.",
    "nothing_open": "There is nothing open to pay.",
    "dispute_reason": "Choose a reason from the list.",
    "dispute_exists": "This invoice is already being looked at.",
    "upload_empty": "The attachment is empty.",
    "upload_too_large": "The attachment is larger than 5 MB.",
    "upload_type": "Only PDF, JPEG and PNG files can be attached.",
    "score": "Choose a score from 1 to 5.",
    "channel": "Choose a channel from the list.",
    "language": "Choose a language from the list.",
    "preferred_hour": "Choose a time between 8:00 and 20:00.",
    "opt_out": "Choose channels from the list.",
}


def _refused(page: Page, refusal: PolicyRefusal, days: int) -> HTMLResponse:
    text = page._(REFUSALS.get(refusal.code, "This request could not be handled.")).format(
        days=days
    )
    return page.render(
        "done.html",
        status=422,
        title=page._("Not possible"),
        messages=[text],
        token=page.request.path_params.get("token"),
    )


def _limit(request: Request, page: Page, key: str) -> None:
    policy = policy_of(request)
    for bucket_key in (f"ip:{client_ip(request)}", f"key:{key}"):
        if rate_limited(request, "link", bucket_key, policy.rate_capacity, policy.rate_per_minute):
            raise PortalDenied(429, "rate_limited", page.lang)


@router.get("/static/portal.css", include_in_schema=False)
def stylesheet() -> Response:
    """The portal's one stylesheet."""
    css = (resources.files("creditflow.portal") / "static" / "portal.css").read_text("utf-8")
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/{token}", response_class=HTMLResponse)
def portal_page(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    lang: str | None = None,
) -> HTMLResponse:
    """The debtor's page: open invoices, totals, and every self-service form."""
    page = page_for(request, session, settings, lang)
    _limit(request, page, token)
    now = now_of(request)
    customer = customer_from_token(request, session, page, token, now)
    if not lang:
        page.lang = pick_language(customer.language)
    today = today_for(customer, now)
    policy = policy_of(request)
    view = portal_view(session, customer, today, policy)
    pay_token = make_customer_token(page.secret, customer.customer_id, purpose="pay", now=now)
    return page.render(
        "portal.html",
        token=token,
        view=view,
        pay_href=f"/p/{pay_token}",
        today=today,
        max_promise=date.fromordinal(today.toordinal() + policy.max_promise_days),
        plan_max_months=policy.plan_max_months,
        reasons=DISPUTE_REASONS,
        channels=CONSENT_CHANNELS,
        max_upload_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
    )


@router.get("/{token}/invoices/{number}.pdf")
def invoice_pdf(
    request: Request, token: str, number: str, session: SessionDep, settings: SettingsDep
) -> FileResponse:
    """The organisation's PDF of one of this customer's invoices (download)."""
    page = page_for(request, session, settings)
    customer = customer_from_token(request, session, page, token, now_of(request))
    invoice = session.scalars(
        select(Invoice).where(Invoice.invoice_number == number, Invoice.customer_id == customer.id)
    ).first()
    path = invoice_pdf_path(policy_of(request), number) if invoice else None
    if path is None:
        raise PortalDenied(404, "not_found", page.lang)
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=f"{number}.pdf",
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.get("/{token}/attachments/{attachment_id}")
def attachment(
    request: Request, token: str, attachment_id: int, session: SessionDep, settings: SettingsDep
) -> Response:
    """A dispute attachment of this customer, as a download of its checked type."""
    page = page_for(request, session, settings)
    customer = customer_from_token(request, session, page, token, now_of(request))
    found = attachment_for(session, customer, attachment_id)
    if found is None:
        raise PortalDenied(404, "not_found", page.lang)
    return Response(
        found.data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
        },
    )


@router.post("/{token}/promise", response_class=HTMLResponse)
def promise(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    promised_date: Annotated[date, Form()],
    csrf_token: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Promise to pay the open invoices by a date within policy."""
    page, now, customer = posted_form(request, session, settings, token, csrf_token, lang)
    policy = policy_of(request)
    try:
        made = record_promise(
            session, customer, promised_date, today=today_for(customer, now), now=now, policy=policy
        )
    except PolicyRefusal as refusal:
        return _refused(page, refusal, policy.max_promise_days)
    text = page._(
        "Thank you. We have noted that you will pay by {date}. Until then you will "
        "not receive reminders."
    ).format(date=page.day(made.promised_date))
    return page.render("done.html", title=page._("Promise noted"), messages=[text], token=token)


@router.post("/{token}/plan", response_class=HTMLResponse)
def plan(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    months: Annotated[int, Form()],
    csrf_token: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Ask for a payment plan: approved at once within policy, else sent for review."""
    page, now, customer = posted_form(request, session, settings, token, csrf_token, lang)
    policy = policy_of(request)
    try:
        outcome = request_plan(
            session, customer, months, today=today_for(customer, now), now=now, policy=policy
        )
    except PolicyRefusal as refusal:
        return _refused(page, refusal, policy.max_promise_days)
    if not outcome.approved:
        text = page._(
            "We have received your request. A colleague will look at it and contact "
            "you within two working days."
        )
        return page.render(
            "done.html", title=page._("Request received"), messages=[text], token=token
        )
    pay_token = make_customer_token(
        page.secret,
        customer.customer_id,
        purpose="pay",
        action_id=f"plan-{outcome.plan.id if outcome.plan else 0}",
        now=now,
    )
    return page.render(
        "done.html",
        title=page._("Your payment plan"),
        token=token,
        schedule=outcome.schedule,
        messages=[page._("Your payment plan is agreed. Please pay each installment by its date.")],
        pay_href=f"/p/{pay_token}",
    )


@router.post("/{token}/dispute", response_class=HTMLResponse)
async def dispute(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    invoice_number: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    text: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
    upload: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Dispute one invoice with a reason, a text and optionally a PDF/JPEG/PNG attachment."""
    page, now, customer = posted_form(request, session, settings, token, csrf_token, lang)
    invoice = session.scalars(
        select(Invoice).where(
            Invoice.invoice_number == invoice_number, Invoice.customer_id == customer.id
        )
    ).first()
    if invoice is None:
        raise PortalDenied(404, "not_found", page.lang)
    attached: tuple[str, bytes] | None = None
    if upload is not None and upload.filename:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        attached = (upload.filename, data)
    try:
        opened = open_dispute(
            session, customer, invoice, reason, text, now=now, attachment=attached
        )
    except PolicyRefusal as refusal:
        return _refused(page, refusal, 0)
    messages = [
        page._(
            "We have received your objection to invoice {number}. We will not send "
            "reminders for it while we look into it."
        ).format(number=invoice.invoice_number),
        page._("Your reference: {reference}").format(reference=f"D{opened.id:06d}"),
    ]
    return page.render(
        "done.html",
        title=page._("Objection received"),
        messages=messages,
        token=token,
        quote=opened.text,
    )


@router.post("/{token}/preferences", response_class=HTMLResponse)
def preferences(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    language: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "",
    preferred_hour: Annotated[str, Form()] = "",
    opt_out: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
    list_unsubscribe: Annotated[str, Form(alias="List-Unsubscribe")] = "",
) -> HTMLResponse:
    """Store channel, language, time of day and opt-outs (or unsubscribe in one click)."""
    if list_unsubscribe == ONE_CLICK:
        return unsubscribe_one_click(request, session, settings, token)
    page, now, customer = posted_form(request, session, settings, token, csrf_token, language, lang)
    try:
        hour = int(preferred_hour) if preferred_hour.strip() else None
    except ValueError:
        return _refused(page, PolicyRefusal("preferred_hour", preferred_hour), 0)
    try:
        set_preferences(
            session,
            customer,
            channel=channel or None,
            language=language,
            preferred_hour=hour,
            opt_outs=set(opt_out or []),
            now=now,
        )
    except PolicyRefusal as refusal:
        return _refused(page, refusal, 0)
    return page.render(
        "done.html",
        title=page._("Preferences saved"),
        token=token,
        messages=[page._("Your preferences are saved.")],
    )


@router.post("/{token}/feedback", response_class=HTMLResponse)
def feedback(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    score: Annotated[int, Form()],
    comment: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Keep a rating and a comment."""
    page, now, customer = posted_form(request, session, settings, token, csrf_token, lang)
    try:
        record_feedback(session, customer, score, comment, now=now)
    except PolicyRefusal as refusal:
        return _refused(page, refusal, 0)
    return page.render(
        "done.html",
        title=page._("Thank you for your feedback"),
        token=token,
        messages=[page._("Thank you. Your feedback helps us improve.")],
    )


@router.post("/{token}/chat")
def chat(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    text: Annotated[str, Form(min_length=1, max_length=1000)],
    csrf_token: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    """Ask the assistant; the answer appears in the conversation on the page."""
    from creditflow.inbound.pipeline import handle_message

    page, now, customer = posted_form(request, session, settings, token, csrf_token, lang)
    handle_message(
        session,
        settings,
        channel="chat",
        sender=None,
        text=text,
        received_at=now,
        customer_pk=customer.id,
    )
    return RedirectResponse(f"/portal/{token}?lang={page.lang}#chat", status_code=303)
