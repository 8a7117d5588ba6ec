"""creditflow.api."""
