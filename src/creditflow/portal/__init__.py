"""creditflow.portal."""
