"""Arrangements with a debtor: promises to pay, payment plans, disputes, and their rules.

`policy` (what may be agreed without a person), `rules` (the pure rules: promise
dates, plan schedules and progress, which promise is broken, dispute evidence),
`service` (promises and plan requests in the store), `plans` (plans after they are
agreed), `disputes` (opening a dispute), `models` (dispute attachments). The portal,
the conversation pipeline and the collection run call these; none of them owns them.
"""
