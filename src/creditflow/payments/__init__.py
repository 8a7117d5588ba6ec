"""creditflow.payments."""
