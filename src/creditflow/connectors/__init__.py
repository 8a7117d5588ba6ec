"""Connectors to accounting systems: sync customers, invoices and payments both ways."""
