"""Words of the strategy simulator page: the form, progress, figures, charts, next steps."""

TEXTS: dict[str, dict[str, str]] = {
    "Simulate a strategy": {"nl": "Een strategie simuleren"},
    "Simulate a version against the active one": {"nl": "Een versie simuleren tegen de actieve"},
    "Try a stored version against the active strategy on a private copy of the ledger, with simulated debtors. Nothing is sent and the ledger is not touched.": {
        "nl": "Probeer een opgeslagen versie tegen de actieve strategie op een eigen kopie van "
        "de administratie, met gesimuleerde debiteuren. Er wordt niets verstuurd en de "
        "administratie blijft onaangeroerd."
    },
    "[organisation] iban is not set: every message asks for payment to it, so the simulated messages fail and nobody is contacted. Set it in creditflow.toml first.": {
        "nl": "[organisation] iban is niet ingesteld: elk bericht vraagt om betaling daarop, "
        "dus de gesimuleerde berichten mislukken en niemand wordt benaderd. Stel het eerst "
        "in in creditflow.toml."
    },
    "{name}: {count} messages could not be sent in the simulation and would fail the same way live:": {
        "nl": "{name}: {count} berichten konden in de simulatie niet worden verstuurd en "
        "zouden live op dezelfde manier mislukken:"
    },
    "Version to try": {"nl": "Te proberen versie"},
    "Days": {"nl": "Dagen"},
    "Seeds": {"nl": "Seeds"},
    "Simulate against the active strategy": {"nl": "Simuleren tegen de actieve strategie"},
    "More seeds show how far the figures spread (mean, lowest and highest); each seed takes as long as one run.": {
        "nl": "Meer seeds laten zien hoe ver de cijfers uiteenlopen (gemiddelde, laagste en "
        "hoogste); elke seed duurt even lang als een run."
    },
    "There is no stored version besides the active one. Upload a strategy first.": {
        "nl": "Er is geen opgeslagen versie naast de actieve. Upload eerst een strategie."
    },
    "version: choose a stored version that is not active": {
        "nl": "versie: kies een opgeslagen versie die niet actief is"
    },
    "Two simulations are running already; try again in a minute.": {
        "nl": "Er lopen al twee simulaties; probeer het over een minuut opnieuw."
    },
    "Simulation started.": {"nl": "Simulatie gestart."},
    "Simulation": {"nl": "Simulatie"},
    "Simulation: version {id} against the active strategy": {
        "nl": "Simulatie: versie {id} tegen de actieve strategie"
    },
    "{days} days from {day}, seeds {seeds}.": {"nl": "{days} dagen vanaf {day}, seeds {seeds}."},
    "Simulating": {"nl": "Bezig met simuleren"},
    "This page refreshes itself until the result is there.": {
        "nl": "Deze pagina ververst zichzelf tot het resultaat er is."
    },
    "Refresh": {"nl": "Verversen"},
    "The simulation failed": {"nl": "De simulatie is mislukt"},
    "This simulation is not known (any more): start it again.": {
        "nl": "Deze simulatie is (niet meer) bekend: start haar opnieuw."
    },
    "Figures": {"nl": "Cijfers"},
    "Each figure is the mean over the seeds, with the lowest and highest in brackets.": {
        "nl": "Elk cijfer is het gemiddelde over de seeds, met het laagste en hoogste tussen "
        "haakjes."
    },
    "Figure": {"nl": "Cijfer"},
    "Active": {"nl": "Actief"},
    "version": {"nl": "versie"},
    "Charts": {"nl": "Grafieken"},
    "Activate it, or try it as a challenger": {"nl": "Activeren, of proberen als challenger"},
    "Share of customers": {"nl": "Deel van de klanten"},
    "Experiment name": {"nl": "Naam van het experiment"},
    "Start as challenger": {"nl": "Starten als challenger"},
    "A challenger runs beside the active strategy on a share of the customers; the report compares the two.": {
        "nl": "Een challenger loopt naast de actieve strategie op een deel van de klanten; "
        "het rapport vergelijkt de twee."
    },
    "Challenger started: the next collection run tries it.": {
        "nl": "Challenger gestart: de volgende incassorun probeert hem."
    },
    "share: a number above 0 and at most 0.5, e.g. 0.2": {
        "nl": "deel: een getal boven 0 en hoogstens 0,5, bijvoorbeeld 0,2"
    },
    "name: letters, digits, - _ and . only (at most 60)": {
        "nl": "naam: alleen letters, cijfers, - _ en . (hoogstens 60)"
    },
    "Collected per week": {"nl": "Geïnd per week"},
    "Contacts": {"nl": "Contacten"},
    # figures
    "collected": {"nl": "geïnd"},
    "collected without contact": {"nl": "geïnd zonder contact"},
    "open at the end": {"nl": "open aan het eind"},
    "DSO at the end": {"nl": "DSO aan het eind"},
    "contacts: email": {"nl": "contacten: e-mail"},
    "contacts: sms": {"nl": "contacten: sms"},
    "contacts: letter": {"nl": "contacten: brief"},
    "contacts: call": {"nl": "contacten: belafspraak"},
    "contacts: whatsapp": {"nl": "contacten: WhatsApp"},
    "contacts: voice": {"nl": "contacten: spraakbericht"},
    "contacts: push": {"nl": "contacten: push"},
    "contact cost": {"nl": "contactkosten"},
    "collection costs charged": {"nl": "berekende incassokosten"},
    "disputes": {"nl": "geschillen"},
    "opt-outs": {"nl": "afmeldingen"},
    "complaints": {"nl": "klachten"},
}
