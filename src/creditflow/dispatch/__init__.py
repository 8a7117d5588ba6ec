"""creditflow.dispatch."""
