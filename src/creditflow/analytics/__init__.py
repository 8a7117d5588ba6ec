"""creditflow.analytics."""
