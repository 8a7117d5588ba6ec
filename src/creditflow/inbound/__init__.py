"""Understanding debtor replies: intents, dates and amounts in SMS, WhatsApp, e-mail and chat.

Public entry points: `classify` (creditflow.inbound.classify), `evaluate`
(creditflow.inbound.evaluate) and the `creditflow inbound` commands (creditflow.inbound.cli).
"""
