"""Every table of the ledger store, imported in one place for Alembic and tests."""

from creditflow.dispatch import models as dispatch_models
from creditflow.ledger import models as ledger_models
from creditflow.models import Base
from creditflow.outbox import models as outbox_models
from creditflow.payments import models as payments_models
from creditflow.portal import models as portal_models
from creditflow.strategy import models as strategy_models

__all__ = [
    "Base",
    "dispatch_models",
    "ledger_models",
    "outbox_models",
    "payments_models",
    "portal_models",
    "strategy_models",
]
metadata = Base.metadata
