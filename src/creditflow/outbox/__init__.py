"""The outbox: the Action record, its idempotency key, its public JSON shape.

Every action, decided by the collection run or queued by a producer outside it (the
portal, compliance, conversations, payment webhooks), is written through this area:
`service.queue_action` for one action, `keys.action_keys` for the run's bulk insert.
This package imports nothing at import time; import its modules.
"""
