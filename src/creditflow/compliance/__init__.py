"""creditflow.compliance."""
