"""Words of the workbench frame: navigation, notices, common buttons."""

TEXTS: dict[str, dict[str, str]] = {
    "Main navigation": {"nl": "Hoofdmenu"},
    "Today": {"nl": "Vandaag"},
    "Customers": {"nl": "Klanten"},
    "Queues": {"nl": "Wachtrijen"},
    "Strategy": {"nl": "Strategie"},
    "Settings": {"nl": "Instellingen"},
    "Saved.": {"nl": "Opgeslagen."},
    "Not found": {"nl": "Niet gevonden"},
}
