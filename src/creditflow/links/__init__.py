"""Links to a debtor's own pages: signed, scoped, expiring tokens and short links.

`tokens` (sign and read a customer's token per purpose), `short_codes` (the
K7QM-4XPD codes), `short_links` (the short link rows: made at dispatch, opened by
the portal), `settings` (how long links live, where short links start), `models`
(the short link table). No web code: messages, dispatch, payments and the inbound
pipeline import this package; the portal's pages read tokens with it.
"""
