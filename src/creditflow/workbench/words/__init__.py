"""The workbench's words in Dutch, one module per page (each holds a `TEXTS` dict)."""
