"""creditflow.simulation."""
