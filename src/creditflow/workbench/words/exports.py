"""Words of the exports: the download links above each list."""

TEXTS: dict[str, dict[str, str]] = {
    "Download": {"nl": "Download"},
    "Worklist": {"nl": "Werklijst"},
}
