"""Observability: Prometheus metrics, readiness, structured logs."""
