"""The worklist of today: everything that needs a person, most urgent first."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from creditflow.staff.access import page_access
from creditflow.workbench.pages import render

router = APIRouter(
    prefix="/workbench",
    tags=["workbench"],
    include_in_schema=False,
    dependencies=[Depends(page_access)],
)


@router.get("/today")
def today(request: Request) -> Response:
    """The worklist page."""
    return render(request, "today.html")
