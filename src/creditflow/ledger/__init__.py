"""creditflow.ledger."""
