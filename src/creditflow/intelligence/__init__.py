"""creditflow.intelligence."""
