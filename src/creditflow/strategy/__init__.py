"""creditflow.strategy."""
