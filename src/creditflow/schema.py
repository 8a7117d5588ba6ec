"""Every table of the ledger store, imported in one place for Alembic and tests."""

from creditflow.analytics import models as analytics_models
from creditflow.api.v1 import models as api_models
from creditflow.arrangements import models as arrangements_models
from creditflow.compliance import models as compliance_models
from creditflow.connectors.moneybird import models as moneybird_models
from creditflow.inbound import models as inbound_models
from creditflow.intelligence import models as intelligence_models
from creditflow.ledger import models as ledger_models
from creditflow.links import models as links_models
from creditflow.models import Base
from creditflow.outbox import models as outbox_models
from creditflow.payments import models as payments_models
from creditflow.portal import models as portal_models
from creditflow.schedule import models as schedule_models
from creditflow.staff import models as staff_models
from creditflow.strategy import models as strategy_models
from creditflow.webhooks import models as webhooks_models
from creditflow.workbench import models as workbench_models

__all__ = [
    "Base",
    "analytics_models",
    "api_models",
    "arrangements_models",
    "compliance_models",
    "inbound_models",
    "intelligence_models",
    "ledger_models",
    "links_models",
    "moneybird_models",
    "outbox_models",
    "payments_models",
    "portal_models",
    "schedule_models",
    "staff_models",
    "strategy_models",
    "workbench_models",
    "webhooks_models",
]
metadata = Base.metadata
