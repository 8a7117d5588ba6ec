"""`/api/v1/figures`: the analytics figures per currency (DESIGN 4.6), as `report --json`.

It lives in the workbench package because the api layer may not import analytics (the
import-linter layers put them side by side). The figures are of the whole book, so a
collector's session (which sees only its own portfolio) is refused with 403; API keys,
managers, viewers and admins read them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from creditflow.analytics.service import build_report
from creditflow.api.v1.common import READ_ERRORS, staff_of
from creditflow.api.v1.problems import ApiProblem
from creditflow.staff.access import api_access, now_of

router = APIRouter(prefix="/api/v1", tags=["figures"], dependencies=[Depends(api_access)])
EARLIEST = date(1900, 1, 1)


class AgingOut(BaseModel):
    """Open amount by days past due, as decimal strings."""

    model_config = ConfigDict(populate_by_name=True)
    current: str
    d1_30: str = Field(alias="1-30")
    d31_60: str = Field(alias="31-60")
    d61_90: str = Field(alias="61-90")
    d90_plus: str = Field(alias="90+")


class FiguresOut(BaseModel):
    """One currency's figures at `as_of` (DESIGN 4.6); days and percent may be null."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-03-10",
                    "currency": "EUR",
                    "open": "1234.50",
                    "overdue": "800.00",
                    "aging": {
                        "current": "434.50",
                        "1-30": "500.00",
                        "31-60": "300.00",
                        "61-90": "0.00",
                        "90+": "0.00",
                    },
                    "dso_days": 41.2,
                    "best_possible_dso_days": 14.5,
                    "add_days": 26.7,
                    "cei_percent": 63.0,
                }
            ]
        }
    )
    as_of: date
    currency: str
    open: str
    overdue: str
    aging: AgingOut
    dso_days: float | None
    best_possible_dso_days: float | None
    add_days: float | None
    cei_percent: float | None


class FiguresListOut(BaseModel):
    """The figures of every currency invoiced on or before `as_of`, by currency code."""

    items: list[FiguresOut]


@router.get(
    "/figures",
    response_model=FiguresListOut,
    response_model_by_alias=True,
    responses=READ_ERRORS,
    summary="Open, overdue, aging, DSO, ADD and CEI per currency (DESIGN 4.6)",
)
def get_figures(
    request: Request,
    as_of: Annotated[date | None, Query(description="YYYY-MM-DD; default today")] = None,
) -> FiguresListOut:
    """The objects `creditflow report --as-of D --json` prints, one per currency."""
    staff = staff_of(request)
    if staff.kind == "user" and staff.role == "collector":
        raise ApiProblem(403, "The figures are of the whole book; a collector sees a portfolio")
    today = now_of(request).date()
    day = as_of or today
    if day > today:
        raise ApiProblem(
            422, "as_of: the date is in the future", [{"field": "as_of", "reason": "in the future"}]
        )
    if day < EARLIEST:
        raise ApiProblem(
            422, "as_of: before 1900-01-01", [{"field": "as_of", "reason": "too early"}]
        )
    report = build_report(request.app.state.engine, day)
    return FiguresListOut(items=[FiguresOut.model_validate(f.as_json()) for f in report.currencies])
