"""Words of the worklist (Today): filters, columns, item types, what to do, notices."""

TEXTS: dict[str, dict[str, str]] = {
    # the page
    "Everything that needs a person, most urgent first: amount at stake times urgency; "
    "calls by the money a call is expected to bring in.": {
        "nl": "Alles wat een mens nodig heeft, het dringendste eerst: bedrag maal urgentie; "
        "telefoontjes op het geld dat een telefoontje naar verwachting oplevert."
    },
    "Keys: j and k move to the next and previous item, / goes to the filters.": {
        "nl": "Toetsen: j en k gaan naar het volgende en vorige item, / naar de filters."
    },
    "This filter cannot be used:": {"nl": "Dit filter kan niet gebruikt worden:"},
    "Filter the worklist": {"nl": "Werklijst filteren"},
    "Type": {"nl": "Soort"},
    "All types": {"nl": "Alle soorten"},
    "Collector": {"nl": "Incasso-medewerker"},
    "All collectors": {"nl": "Alle incasseerders"},
    "Segment": {"nl": "Segment"},
    "All segments": {"nl": "Alle segmenten"},
    "Claimed": {"nl": "Opgepakt"},
    "Claimed or not": {"nl": "Opgepakt of niet"},
    "Mine": {"nl": "Van mij"},
    "Not claimed": {"nl": "Niet opgepakt"},
    "Show": {"nl": "Tonen"},
    "{count} items": {"nl": "{count} items"},
    "page {number} of {pages}": {"nl": "pagina {number} van {pages}"},
    "Only the largest items of these types are listed:": {
        "nl": "Van deze soorten staan alleen de grootste items in de lijst:"
    },
    "Work items, most urgent first": {"nl": "Werkitems, het dringendste eerst"},
    "Customer": {"nl": "Klant"},
    "At stake": {"nl": "Bedrag"},
    "Waiting": {"nl": "Wacht"},
    "What to do": {"nl": "Wat te doen"},
    "Claimed by": {"nl": "Opgepakt door"},
    "no customer yet": {"nl": "nog geen klant"},
    "today": {"nl": "vandaag"},
    "1 day": {"nl": "1 dag"},
    "{n} days": {"nl": "{n} dagen"},
    "due": {"nl": "datum"},
    "nobody": {"nl": "niemand"},
    "Claim": {"nl": "Oppakken"},
    "Release": {"nl": "Vrijgeven"},
    "Assign to": {"nl": "Toewijzen aan"},
    "Assign": {"nl": "Toewijzen"},
    "Nothing needs a person right now.": {"nl": "Er wacht nu niets op een mens."},
    "Pages": {"nl": "Pagina's"},
    "Previous page": {"nl": "Vorige pagina"},
    "Next page": {"nl": "Volgende pagina"},
    # item types
    "Call": {"nl": "Bellen"},
    "Dispute": {"nl": "Geschil"},
    "Plan request": {"nl": "Regelingsverzoek"},
    "Reply": {"nl": "Antwoord"},
    "Broken promise": {"nl": "Gebroken belofte"},
    "Hand-over": {"nl": "Overdracht"},
    "Failed message": {"nl": "Mislukt bericht"},
    "Unmatched payment": {"nl": "Niet gekoppelde betaling"},
    "Review": {"nl": "Beoordelen"},
    # what to do
    "Call the customer": {"nl": "Bel de klant"},
    "Call back: the customer asked for a person": {"nl": "Terugbellen: de klant vroeg om een mens"},
    "Check the payment the customer says they made": {
        "nl": "Controleer de betaling die de klant zegt te hebben gedaan"
    },
    "Answer the customer's question about an invoice": {
        "nl": "Beantwoord de vraag van de klant over een factuur"
    },
    "Send the customer a copy of the invoice": {"nl": "Stuur de klant een kopie van de factuur"},
    "Read the customer's reply and answer it": {"nl": "Lees het antwoord van de klant en reageer"},
    "Review the do-not-contact state": {"nl": "Beoordeel de niet-benaderen-status"},
    "Fix the 14-day letter that failed its legal check": {
        "nl": "Herstel de 14-dagenbrief die de juridische controle niet doorstond"
    },
    "Review the task": {"nl": "Beoordeel de taak"},
    "Approve or reject the payment plan request": {
        "nl": "Keur het verzoek om een betalingsregeling goed of af"
    },
    "Resolve the dispute": {"nl": "Geschil afhandelen"},
    "Call about the broken promise": {"nl": "Bel over de gebroken betaalbelofte"},
    "Match the payment to invoices": {"nl": "Koppel de betaling aan facturen"},
    "Check the outgoing payment": {"nl": "Controleer de uitgaande betaling"},
    "Retry or cancel the failed message": {
        "nl": "Verstuur het mislukte bericht opnieuw of annuleer het"
    },
    "Check the hand-over before it goes to the agency": {
        "nl": "Controleer de overdracht voordat die naar het incassobureau gaat"
    },
    "The hand-over was refused: fix it or close it": {
        "nl": "De overdracht werd geweigerd: herstel of sluit hem"
    },
    # notices
    "Claimed.": {"nl": "Opgepakt."},
    "Assigned.": {"nl": "Toegewezen."},
    "Released.": {"nl": "Teruggegeven."},
    "You hold this item already.": {"nl": "Dit item is al van u."},
    "This item is no longer on the list.": {"nl": "Dit item staat niet meer op de lijst."},
    "Someone else has claimed this item; a manager can assign it.": {
        "nl": "Iemand anders heeft dit item opgepakt; een manager kan het toewijzen."
    },
    "Nobody has claimed this item.": {"nl": "Niemand heeft dit item opgepakt."},
    "Only who holds the item, or a manager, can release it.": {
        "nl": "Alleen wie het item heeft, of een manager, kan het teruggeven."
    },
    "There is no such active staff member.": {"nl": "Die actieve medewerker bestaat niet."},
    "A viewer cannot be given work.": {"nl": "Een meekijker kan geen werk krijgen."},
    "This customer is not in that collector's portfolio.": {
        "nl": "Deze klant zit niet in de portefeuille van die incasseerder."
    },
    "Choose whom to assign the item to.": {"nl": "Kies aan wie het item wordt toegewezen."},
}
