"""Every text the queue pages and their notices show has its Dutch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from creditflow.workbench import queue_disputes, queue_outbox, queue_plans, queue_unmatched, queues
from creditflow.workbench.i18n import texts

TEMPLATES = Path(queues.__file__).parent / "templates"
PAGES = sorted(TEMPLATES.glob("queue*.html")) + [TEMPLATES / "_queue_nav.html"]
# The English texts the routes hand to `done(...)` and to the templates.
SHOWN = [
    *queue_disputes.OUTCOME_NOTICES.values(),
    *queue_disputes.OUTCOME_LABELS.values(),
    *queue_disputes.REASON_LABELS.values(),
    *queue_outbox.NOTICES.values(),
    *queue_outbox.OPERATION_LABELS.values(),
    queue_unmatched.MATCH_REFUSED,
]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_text_of_a_queue_page_has_its_dutch(page):
    found = [m[1] for m in re.findall(r"""_\((["'])(.+?)\1""", page.read_text())]
    assert found
    assert [t for t in found if "nl" not in texts().get(t, {})] == []


def test_every_notice_and_label_of_the_queues_has_its_dutch():
    sources = [queue_disputes, queue_plans, queue_unmatched, queue_outbox, queues]
    notices = [
        text
        for module in sources
        for text in re.findall(r'done\(\s*target,\s*"([^"]+)"', Path(module.__file__).read_text())
    ]
    assert len(notices) >= 8
    assert [t for t in [*notices, *SHOWN] if "nl" not in texts().get(t, {})] == []
