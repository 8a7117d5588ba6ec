"""Words of the queues: disputes, plan requests, unmatched payments, the outbox."""

TEXTS: dict[str, dict[str, str]] = {
    # overview
    "{count} waiting": {"nl": "{count} wachtend"},
    "All queues": {"nl": "Alle wachtrijen"},
    "Disputes": {"nl": "Geschillen"},
    "Open disputes to resolve": {"nl": "Open geschillen om af te handelen"},
    "Plan requests": {"nl": "Regelingsverzoeken"},
    "Payment plans waiting for review": {"nl": "Betalingsregelingen die op beoordeling wachten"},
    "Unmatched payments": {"nl": "Niet-gekoppelde betalingen"},
    "Payments no rule could place": {"nl": "Betalingen die geen regel kon koppelen"},
    "Failed messages": {"nl": "Mislukte berichten"},
    "Messages that could not be sent": {"nl": "Berichten die niet verstuurd konden worden"},
    "Held actions": {"nl": "Aangehouden acties"},
    "Actions on hold until released": {"nl": "Acties die wachten tot ze worden vrijgegeven"},
    "Queued actions": {"nl": "Acties in de wachtrij"},
    "Actions waiting to be sent": {"nl": "Acties die wachten op verzending"},
    "Outbox": {"nl": "Uitgaand"},
    # shared columns
    "Customer": {"nl": "Klant"},
    "Invoice": {"nl": "Factuur"},
    "Invoices": {"nl": "Facturen"},
    "Amount": {"nl": "Bedrag"},
    "Reason": {"nl": "Reden"},
    "Attachments": {"nl": "Bijlagen"},
    "Age": {"nl": "Leeftijd"},
    "{days} days": {"nl": "{days} dagen"},
    "Note": {"nl": "Notitie"},
    # disputes
    "No open disputes.": {"nl": "Geen open geschillen."},
    "Resolve": {"nl": "Afhandelen"},
    "Outcome for {invoice}": {"nl": "Uitkomst voor {invoice}"},
    "Credit note: credit what is open": {"nl": "Creditnota: crediteer wat openstaat"},
    "Justified: write the invoice off": {"nl": "Terecht: boek de factuur af"},
    "Rejected: collection resumes": {"nl": "Afgewezen: de incasso gaat verder"},
    "Resolve dispute": {"nl": "Geschil afhandelen"},
    "Amount is wrong": {"nl": "Bedrag klopt niet"},
    "Not delivered": {"nl": "Niet geleverd"},
    "Quality": {"nl": "Kwaliteit"},
    "Already paid": {"nl": "Al betaald"},
    "Not ordered": {"nl": "Niet besteld"},
    "Other": {"nl": "Anders"},
    "Choose an outcome: credit note, justified or rejected.": {
        "nl": "Kies een uitkomst: creditnota, terecht of afgewezen."
    },
    "Dispute resolved: the invoice is credited.": {
        "nl": "Geschil afgehandeld: de factuur is gecrediteerd."
    },
    "Dispute resolved: the invoice is written off.": {
        "nl": "Geschil afgehandeld: de factuur is afgeboekt."
    },
    "Dispute rejected: collection resumes at the next run.": {
        "nl": "Geschil afgewezen: de incasso gaat verder bij de volgende run."
    },
    "This dispute was resolved already.": {"nl": "Dit geschil is al afgehandeld."},
    "The invoice has nothing open to credit; choose another outcome.": {
        "nl": "Op de factuur staat niets open om te crediteren; kies een andere uitkomst."
    },
    "The dispute could not be resolved.": {"nl": "Het geschil kon niet worden afgehandeld."},
    # plans
    "No plan requests waiting for review.": {"nl": "Geen regelingsverzoeken om te beoordelen."},
    "Asked for": {"nl": "Gevraagd"},
    "{months} months of about {amount}": {"nl": "{months} maanden van ongeveer {amount}"},
    "Why it needs review": {"nl": "Waarom beoordeling nodig is"},
    "Decide": {"nl": "Beslissen"},
    "Approve plan": {"nl": "Regeling goedkeuren"},
    "Reject plan": {"nl": "Regeling afwijzen"},
    "Choose approve or reject.": {"nl": "Kies goedkeuren of afwijzen."},
    "There is no such plan request waiting for review.": {
        "nl": "Er wacht geen zodanig regelingsverzoek op beoordeling."
    },
    "Plan request rejected: collection resumes at the next run.": {
        "nl": "Regelingsverzoek afgewezen: de incasso gaat verder bij de volgende run."
    },
    "Plan approved: dunning is paused while it is kept.": {
        "nl": "Regeling goedgekeurd: herinneringen staan stil zolang de klant zich eraan houdt."
    },
    "The customer already has a payment plan running.": {
        "nl": "De klant heeft al een lopende betalingsregeling."
    },
    "The invoices of this request have nothing open now.": {
        "nl": "Op de facturen van dit verzoek staat nu niets meer open."
    },
    "The request names no valid number of months.": {
        "nl": "Het verzoek noemt geen geldig aantal maanden."
    },
    "The plan request could not be decided.": {
        "nl": "Over het regelingsverzoek kon niet worden beslist."
    },
    # unmatched
    "No unmatched payments.": {"nl": "Geen niet-gekoppelde betalingen."},
    "From": {"nl": "Van"},
    "Description": {"nl": "Omschrijving"},
    "Why unmatched": {"nl": "Waarom niet gekoppeld"},
    "Suggestions": {"nl": "Suggesties"},
    "Match to {invoice}": {"nl": "Koppel aan {invoice}"},
    "open": {"nl": "open"},
    "Invoice number": {"nl": "Factuurnummer"},
    "Match": {"nl": "Koppelen"},
    "Reason to ignore": {"nl": "Reden om te negeren"},
    "Ignore": {"nl": "Negeren"},
    "Give the invoice number the payment is for.": {
        "nl": "Vul het factuurnummer in waarvoor de betaling is."
    },
    "There is no such invoice in your portfolio.": {
        "nl": "Die factuur bestaat niet in uw portefeuille."
    },
    "The payment could not be matched: it is no longer in the queue, or it is money going out, or in another currency.": {
        "nl": "De betaling kon niet worden gekoppeld: ze staat niet meer in de wachtrij, "
        "het is een uitgaande betaling, of ze is in een andere valuta."
    },
    "Payment matched to the invoice.": {"nl": "Betaling aan de factuur gekoppeld."},
    "Ignoring a payment needs a reason.": {
        "nl": "Voor het negeren van een betaling is een reden nodig."
    },
    "The payment is no longer in the queue.": {"nl": "De betaling staat niet meer in de wachtrij."},
    "Payment ignored.": {"nl": "Betaling genegeerd."},
    # outbox
    "Status": {"nl": "Status"},
    "Channel": {"nl": "Kanaal"},
    "queued, held and failed": {"nl": "in wachtrij, aangehouden en mislukt"},
    "all channels": {"nl": "alle kanalen"},
    "Filter": {"nl": "Filteren"},
    "No actions match.": {"nl": "Geen acties gevonden."},
    "Showing the first {n}.": {"nl": "De eerste {n} worden getoond."},
    "Step": {"nl": "Stap"},
    "Planned for": {"nl": "Gepland voor"},
    "Details": {"nl": "Details"},
    "Preview and handle": {"nl": "Bekijken en behandelen"},
    "queued": {"nl": "in de wachtrij"},
    "held": {"nl": "aangehouden"},
    "failed": {"nl": "mislukt"},
    "cancelled": {"nl": "geannuleerd"},
    "sent": {"nl": "verstuurd"},
    "delivered": {"nl": "afgeleverd"},
    "done": {"nl": "afgerond"},
    "message": {"nl": "bericht"},
    "task": {"nl": "taak"},
    "charge": {"nl": "kosten"},
    "escalation": {"nl": "escalatie"},
    "email": {"nl": "e-mail"},
    "sms": {"nl": "sms"},
    "whatsapp": {"nl": "WhatsApp"},
    "letter": {"nl": "brief"},
    "voice": {"nl": "spraak"},
    "push": {"nl": "push"},
    "call": {"nl": "bellen"},
    "review": {"nl": "beoordeling"},
    "Attempts": {"nl": "Pogingen"},
    "Last error": {"nl": "Laatste fout"},
    "Hold": {"nl": "Aanhouden"},
    "Release": {"nl": "Vrijgeven"},
    "Cancel the action": {"nl": "Actie annuleren"},
    "Retry now": {"nl": "Nu opnieuw proberen"},
    "As the debtor will see it": {"nl": "Zoals de debiteur het ziet"},
    "Links show … in place of the debtor's own code.": {
        "nl": "Links tonen … in plaats van de eigen code van de debiteur."
    },
    "This action is not a message to the debtor.": {
        "nl": "Deze actie is geen bericht aan de debiteur."
    },
    "Delivery attempts": {"nl": "Verzendpogingen"},
    "Started": {"nl": "Gestart"},
    "Outcome": {"nl": "Uitkomst"},
    "Error": {"nl": "Fout"},
    "This action cannot be changed that way now.": {
        "nl": "Deze actie kan nu niet zo worden gewijzigd."
    },
    "The action is held: it will not be sent until it is released.": {
        "nl": "De actie is aangehouden: ze wordt pas verstuurd als ze is vrijgegeven."
    },
    "The action is released: it will be sent at its time.": {
        "nl": "De actie is vrijgegeven: ze wordt op haar tijd verstuurd."
    },
    "The action is cancelled.": {"nl": "De actie is geannuleerd."},
    "The action is queued again: it will be sent at the next dispatch.": {
        "nl": "De actie staat weer in de wachtrij: ze gaat mee met de volgende verzending."
    },
}
