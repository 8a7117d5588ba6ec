"""Moneybird (REST API v2): contacts and sales invoices in, payments out (docs/connectors.md)."""
