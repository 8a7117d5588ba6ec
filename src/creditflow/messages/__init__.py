"""creditflow.messages."""
