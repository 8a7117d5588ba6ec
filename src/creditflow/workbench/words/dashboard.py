"""Words of the dashboard (figures, charts, tables) and the customer list's drill-down."""

TEXTS: dict[str, dict[str, str]] = {
    "Dashboard": {"nl": "Overzicht"},
    "Figures at a date": {"nl": "Cijfers op een datum"},
    "Figures at the end of": {"nl": "Cijfers aan het eind van"},
    "Monthly report (PDF)": {"nl": "Maandrapport (pdf)"},
    "Computed in {seconds} s; the figures are kept for {minutes} minutes, so they are at most "
    "that old.": {
        "nl": "Berekend in {seconds} s; de cijfers worden {minutes} minuten bewaard, dus ze "
        "zijn hoogstens zo oud."
    },
    "Month-end figures stored by the worker, last checked against the ledger {when}.": {
        "nl": "Maandeindcijfers opgeslagen door de worker, laatst vergeleken met de "
        "administratie op {when}."
    },
    "No month-end figures stored yet: computed for this view (the worker's figures job "
    "stores them).": {
        "nl": "Nog geen maandeindcijfers opgeslagen: berekend voor deze weergave (de "
        "cijferstaak van de worker slaat ze op)."
    },
    "{count} of the {months} month-ends were not stored: computed for this view.": {
        "nl": "{count} van de {months} maandeinden waren niet opgeslagen: berekend voor deze "
        "weergave."
    },
    "The forecast of {day} was not stored that day: reconstructed for this view.": {
        "nl": "De prognose van {day} is die dag niet opgeslagen: voor deze weergave "
        "opnieuw opgebouwd."
    },
    "The forecast of {day} as stored {when}.": {
        "nl": "De prognose van {day} zoals opgeslagen op {when}."
    },
    "No invoices issued on or before this date.": {
        "nl": "Geen facturen uitgegeven op of voor deze datum."
    },
    "Overdue": {"nl": "Vervallen"},
    "DSO": {"nl": "DSO"},
    "Best possible DSO": {"nl": "Best mogelijke DSO"},
    "Countback DSO": {"nl": "Countback-DSO"},
    "CEI (30 days)": {"nl": "CEI (30 dagen)"},
    "The numbers": {"nl": "De getallen"},
    "Cash forecast": {"nl": "Kasprognose"},
    "Expected on the due date plus each customer's own days late.": {
        "nl": "Verwacht op de vervaldatum plus de eigen gemiddelde dagen te laat van de klant."
    },
    "Spread over the weeks by the risk model (version {version}) and how late the "
    "ledger's overdue money came in.": {
        "nl": "Over de weken verdeeld met het risicomodel (versie {version}) en hoe laat het "
        "vervallen geld in de administratie binnenkwam."
    },
    "Week from": {"nl": "Week vanaf"},
    "Expected": {"nl": "Verwacht"},
    "Invoices": {"nl": "Facturen"},
    "later": {"nl": "later"},
    "Portal use (30 days)": {"nl": "Portaalgebruik (30 dagen)"},
    "Event": {"nl": "Gebeurtenis"},
    "Events": {"nl": "Gebeurtenissen"},
    "portal.login": {"nl": "Ingelogd op het portaal"},
    "portal.short_link_opened": {"nl": "Korte link geopend"},
    "payment.started": {"nl": "Betaling gestart"},
    "Opt-outs": {"nl": "Afmeldingen"},
    "Nobody opted out.": {"nl": "Niemand heeft zich afgemeld."},
    # the charts and their tables
    "current": {"nl": "niet vervallen"},
    "{bucket} days": {"nl": "{bucket} dagen"},
    "Aging ({currency})": {"nl": "Ouderdom ({currency})"},
    "Days past due": {"nl": "Dagen over de vervaldatum"},
    "DSO over time ({currency})": {"nl": "DSO door de tijd ({currency})"},
    "Date": {"nl": "Datum"},
    "Collected per month ({currency})": {"nl": "Ontvangen per maand ({currency})"},
    "Month": {"nl": "Maand"},
    "Collected": {"nl": "Ontvangen"},
    "Payments": {"nl": "Betalingen"},
    "Channel effectiveness ({currency})": {"nl": "Effectiviteit per kanaal ({currency})"},
    "not contacted": {"nl": "niet benaderd"},
    "Paid in 14 days %": {"nl": "Betaald binnen 14 dagen %"},
    "Clicked %": {"nl": "Geklikt %"},
    "Replied %": {"nl": "Geantwoord %"},
    "Contacts": {"nl": "Contacten"},
    "Paid in 7 days": {"nl": "Betaald binnen 7 dagen"},
    "Paid in 14 days": {"nl": "Betaald binnen 14 dagen"},
    "Collected per 100 contacts": {"nl": "Ontvangen per 100 contacten"},
    "Clicked": {"nl": "Geklikt"},
    "Replied": {"nl": "Geantwoord"},
    "Forecast of {day} vs realised ({currency})": {
        "nl": "Prognose van {day} en werkelijk ({currency})"
    },
    "Forecast": {"nl": "Prognose"},
    "Realised": {"nl": "Werkelijk"},
    # the customer list's drill-down
    "Only the customers with an amount {what} ({currency}) at the end of {day}.": {
        "nl": "Alleen de klanten met een bedrag {what} ({currency}) aan het eind van {day}."
    },
    "Only the customers who paid in {month} ({currency}), payments up to the end of {day}.": {
        "nl": "Alleen de klanten die betaalden in {month} ({currency}), betalingen tot het eind "
        "van {day}."
    },
    "Only the customers contacted by {channel} ({currency}) from {first} to {last}, as the "
    "channel effectiveness at the end of {day} counts them.": {
        "nl": "Alleen de klanten benaderd via {channel} ({currency}) van {first} tot en met "
        "{last}, zoals de effectiviteit per kanaal aan het eind van {day} ze telt."
    },
    "Only the customers with an invoice ({currency}) due from {first} to {last} that was not "
    "contacted in the 14 days after it, as the channel effectiveness at the end of {day} "
    "counts them.": {
        "nl": "Alleen de klanten met een factuur ({currency}) die verviel van {first} tot en "
        "met {last} en waarover in de 14 dagen daarna niet benaderd is, zoals de "
        "effectiviteit per kanaal aan het eind van {day} ze telt."
    },
    "All customers": {"nl": "Alle klanten"},
    "open": {"nl": "open"},
    "overdue": {"nl": "vervallen"},
    "open and not yet due": {"nl": "open en nog niet vervallen"},
    "1-30 days past due": {"nl": "1-30 dagen over de vervaldatum"},
    "31-60 days past due": {"nl": "31-60 dagen over de vervaldatum"},
    "61-90 days past due": {"nl": "61-90 dagen over de vervaldatum"},
    "more than 90 days past due": {"nl": "meer dan 90 dagen over de vervaldatum"},
    # errors and undefined figures
    "n/a": {"nl": "n.v.t."},
    "as_of: expected a date as YYYY-MM-DD": {"nl": "as_of: verwacht een datum als JJJJ-MM-DD"},
    "as_of: the date is in the future": {"nl": "as_of: de datum ligt in de toekomst"},
    "aging: expected one of open, overdue, current, 1-30, 31-60, 61-90, 90+": {
        "nl": "aging: verwacht een van open, overdue, current, 1-30, 31-60, 61-90, 90+"
    },
    "paid: expected a month as YYYY-MM": {"nl": "paid: verwacht een maand als JJJJ-MM"},
    "paid: the month is after the date": {"nl": "paid: de maand ligt na de datum"},
    "contacted: expected a channel such as sms, or none": {
        "nl": "contacted: verwacht een kanaal zoals sms, of none"
    },
    "aging, paid: expected only one of aging, paid or contacted": {
        "nl": "aging, paid: verwacht slechts een van aging, paid of contacted"
    },
    "aging, contacted: expected only one of aging, paid or contacted": {
        "nl": "aging, contacted: verwacht slechts een van aging, paid of contacted"
    },
    "paid, contacted: expected only one of aging, paid or contacted": {
        "nl": "paid, contacted: verwacht slechts een van aging, paid of contacted"
    },
    "aging, paid, contacted: expected only one of aging, paid or contacted": {
        "nl": "aging, paid, contacted: verwacht slechts een van aging, paid of contacted"
    },
    "currency: expected a three-letter code such as EUR": {
        "nl": "currency: verwacht een code van drie letters, zoals EUR"
    },
}
