"""The credit manager's workbench: worklist, customer 360, queues, strategy, settings."""
