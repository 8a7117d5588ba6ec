"""Words of late-payment risk on the customer page and expected recovery on the worklist."""

TEXTS: dict[str, dict[str, str]] = {
    # the customer page: risk card
    "Late-payment risk": {"nl": "Risico op late betaling"},
    "Risk": {"nl": "Risico"},
    "Why": {"nl": "Waarom"},
    "raises the risk": {"nl": "verhoogt het risico"},
    "lowers the risk": {"nl": "verlaagt het risico"},
    "Nothing open to score.": {"nl": "Niets open om te beoordelen."},
    "No factor stands out: the risk is the model's starting point.": {
        "nl": "Geen factor springt eruit: het risico is het startpunt van het model."
    },
    "Scored by the shipped prior (no model trained yet).": {
        "nl": "Beoordeeld met het meegeleverde startmodel (nog geen model getraind)."
    },
    "Scored by model version {version}.": {"nl": "Beoordeeld met modelversie {version}."},
    "The chance the open money comes in late, judged by this customer's payment history.": {
        "nl": "De kans dat het openstaande geld te laat binnenkomt, beoordeeld op de "
        "betaalgeschiedenis van deze klant."
    },
    "{pct}% chance late": {"nl": "{pct}% kans op te laat"},
    "{days} days late expected": {"nl": "{days} dagen te laat verwacht"},
    "pays around {day}": {"nl": "betaalt rond {day}"},
    # the factors (intelligence/explain.py, workbench/risk_view.py)
    "{n} invoices paid before": {"nl": "{n} facturen eerder betaald"},
    "Paid late on about {pct}% of past invoices": {
        "nl": "Betaalde ongeveer {pct}% van de eerdere facturen te laat"
    },
    "Paid late on about {pct}% of the latest invoices": {
        "nl": "Betaalde ongeveer {pct}% van de laatste facturen te laat"
    },
    "On average {days} days late": {"nl": "Gemiddeld {days} dagen te laat"},
    "Usually pays {days} days after the due date": {
        "nl": "Betaalt meestal {days} dagen na de vervaldatum"
    },
    "Usually pays {days} days before the due date": {
        "nl": "Betaalt meestal {days} dagen voor de vervaldatum"
    },
    "Last payment {days} days late": {"nl": "Laatste betaling {days} dagen te laat"},
    "Last payment on time": {"nl": "Laatste betaling op tijd"},
    "Amount {times} times the usual": {"nl": "Bedrag {times} keer het gebruikelijke"},
    "The size of the amount": {"nl": "De hoogte van het bedrag"},
    "Payment terms of {days} days": {"nl": "Betaaltermijn van {days} dagen"},
    "{n} invoices open": {"nl": "{n} facturen open"},
    "1 invoice open": {"nl": "1 factuur open"},
    "1 invoice paid before": {"nl": "1 factuur eerder betaald"},
    "{days} days since the last payment": {"nl": "{days} dagen sinds de laatste betaling"},
    "Invoice {days} days old": {"nl": "Factuur {days} dagen oud"},
    "Due in {days} days": {"nl": "Vervalt over {days} dagen"},
    "{days} days past the usual pay day": {"nl": "{days} dagen na de gebruikelijke betaaldag"},
    "An invoice is disputed": {"nl": "Een factuur wordt betwist"},
    "Nothing disputed": {"nl": "Niets betwist"},
    "Disputed about {pct}% of past invoices": {
        "nl": "Betwistte ongeveer {pct}% van de eerdere facturen"
    },
    "No payment history yet": {"nl": "Nog geen betaalgeschiedenis"},
    "A payment history to go by": {"nl": "Een betaalgeschiedenis om op af te gaan"},
    # the worklist
    "expected recovery": {"nl": "verwachte opbrengst"},
}
