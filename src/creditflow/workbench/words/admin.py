"""Words of the strategy, settings and jobs pages, and the sandbox banner."""

TEXTS: dict[str, dict[str, str]] = {
    # the sandbox banner (every page)
    "Sandbox": {"nl": "Sandbox"},
    "these channels send nothing to debtors, their messages go to the outbox folder:": {
        "nl": "deze kanalen versturen niets naar debiteuren, hun berichten gaan naar de outbox-map:"
    },
    "The sandbox payment provider is on: anyone with a pay link can mark invoices paid.": {
        "nl": "De sandbox-betaalprovider staat aan: iedereen met een betaallink kan facturen "
        "als betaald markeren."
    },
    "Channel health": {"nl": "Status van de kanalen"},
    # strategy
    "The active strategy is version {id}.": {"nl": "De actieve strategie is versie {id}."},
    "No strategy was loaded: the run uses the shipped default.": {
        "nl": "Er is geen strategie geladen: de run gebruikt de meegeleverde standaard."
    },
    "Segments are tried in order; a customer gets the steps of the first segment that fits.": {
        "nl": "Segmenten worden op volgorde geprobeerd; een klant krijgt de stappen van het "
        "eerste segment dat past."
    },
    "Steps per segment": {"nl": "Stappen per segment"},
    "strategy": {"nl": "strategie"},
    "Customers where": {"nl": "Klanten met"},
    "Everyone not in an earlier segment": {"nl": "Iedereen die niet in een eerder segment valt"},
    "When": {"nl": "Wanneer"},
    "Step": {"nl": "Stap"},
    "What": {"nl": "Wat"},
    "Channels": {"nl": "Kanalen"},
    "Channel": {"nl": "Kanaal"},
    "Template": {"nl": "Sjabloon"},
    "Condition": {"nl": "Voorwaarde"},
    "message": {"nl": "bericht"},
    "task": {"nl": "taak"},
    "charge": {"nl": "kosten"},
    "escalation": {"nl": "escalatie"},
    "friendly": {"nl": "vriendelijk"},
    "neutral": {"nl": "neutraal"},
    "firm": {"nl": "stellig"},
    "Versions": {"nl": "Versies"},
    "Version": {"nl": "Versie"},
    "File": {"nl": "Bestand"},
    "Stored (UTC)": {"nl": "Opgeslagen (UTC)"},
    "State": {"nl": "Status"},
    "active": {"nl": "actief"},
    "not active": {"nl": "niet actief"},
    "No versions stored yet.": {"nl": "Nog geen versies opgeslagen."},
    "Compare": {"nl": "Vergelijk"},
    "with": {"nl": "met"},
    "shipped default": {"nl": "meegeleverde standaard"},
    "Show the changes": {"nl": "Toon de wijzigingen"},
    "The shipped default strategy": {"nl": "De meegeleverde standaardstrategie"},
    "Upload a new version": {"nl": "Een nieuwe versie uploaden"},
    "The file is checked and stored; it becomes active only when you activate it, "
    "after a dry run.": {
        "nl": "Het bestand wordt gecontroleerd en opgeslagen; het wordt pas actief als u het "
        "activeert, na een proefrun."
    },
    "Strategy file (YAML)": {"nl": "Strategiebestand (YAML)"},
    "Or paste the YAML": {"nl": "Of plak de YAML"},
    "Name (optional)": {"nl": "Naam (optioneel)"},
    "Check and store": {"nl": "Controleren en opslaan"},
    "Dry run of today": {"nl": "Proefrun van vandaag"},
    "Activate this version": {"nl": "Deze versie activeren"},
    "The file": {"nl": "Het bestand"},
    "Changes": {"nl": "Wijzigingen"},
    "Change": {"nl": "Wijzigen"},
    "Lines marked + are added, lines marked − are removed.": {
        "nl": "Regels met + zijn toegevoegd, regels met − zijn verwijderd."
    },
    "old": {"nl": "oud"},
    "new": {"nl": "nieuw"},
    "Line": {"nl": "Regel"},
    "added": {"nl": "toegevoegd"},
    "removed": {"nl": "verwijderd"},
    "The two versions are the same.": {"nl": "De twee versies zijn gelijk."},
    "The strategy was refused": {"nl": "De strategie is geweigerd"},
    "{source}: {count} error(s); nothing was stored. Each error is shown beside its line.": {
        "nl": "{source}: {count} fout(en); er is niets opgeslagen. Elke fout staat bij zijn regel."
    },
    "line {n}": {"nl": "regel {n}"},
    "Correct and try again": {"nl": "Verbeter en probeer opnieuw"},
    "What the collection run of {day} would do with this version, over the ledger as it is "
    "now. Nothing was written.": {
        "nl": "Wat de incassorun van {day} met deze versie zou doen, op de administratie zoals "
        "die nu is. Er is niets weggeschreven."
    },
    "actions": {"nl": "acties"},
    "superseded": {"nl": "vervangen"},
    "invoices covered": {"nl": "facturen geraakt"},
    "Actions per step and channel": {"nl": "Acties per stap en kanaal"},
    "Strategy": {"nl": "Strategie"},
    "Actions": {"nl": "Acties"},
    "No actions today.": {"nl": "Vandaag geen acties."},
    "Held back": {"nl": "Tegengehouden"},
    "Strategy checked and stored. Try a dry run, then activate.": {
        "nl": "Strategie gecontroleerd en opgeslagen. Doe een proefrun en activeer haar dan."
    },
    "Strategy activated: the next collection run uses it.": {
        "nl": "Strategie geactiveerd: de volgende incassorun gebruikt haar."
    },
    # settings
    "Scheduled jobs: last run, duration and outcome": {
        "nl": "Geplande taken: laatste run, duur en uitkomst"
    },
    "Users": {"nl": "Gebruikers"},
    "Role": {"nl": "Rol"},
    "Role of {email}": {"nl": "Rol van {email}"},
    "Change role": {"nl": "Rol wijzigen"},
    "Two-step sign-in": {"nl": "Inloggen in twee stappen"},
    "on": {"nl": "aan"},
    "off": {"nl": "uit"},
    "disabled": {"nl": "uitgeschakeld"},
    "Disable": {"nl": "Uitschakelen"},
    "Enable": {"nl": "Inschakelen"},
    "Add a user": {"nl": "Een gebruiker toevoegen"},
    "First password": {"nl": "Eerste wachtwoord"},
    "At least 12 characters; give it to the user in person. They can sign in with it at once.": {
        "nl": "Minstens 12 tekens; geef het de gebruiker persoonlijk. Hiermee kan die meteen "
        "inloggen."
    },
    "Add user": {"nl": "Gebruiker toevoegen"},
    "User added.": {"nl": "Gebruiker toegevoegd."},
    "Role changed.": {"nl": "Rol gewijzigd."},
    "User enabled.": {"nl": "Gebruiker ingeschakeld."},
    "User disabled.": {"nl": "Gebruiker uitgeschakeld."},
    "You cannot change your own role.": {"nl": "U kunt uw eigen rol niet wijzigen."},
    "You cannot disable yourself.": {"nl": "U kunt uzelf niet uitschakelen."},
    "active: give yes or no.": {"nl": "actief: geef ja of nee."},
    "the password is empty": {"nl": "het wachtwoord is leeg"},
    "the password is shorter than 12 characters": {"nl": "het wachtwoord is korter dan 12 tekens"},
    "the password repeats too few different characters": {
        "nl": "het wachtwoord heeft te weinig verschillende tekens"
    },
    "the password is a well-known one": {"nl": "het wachtwoord is een bekend wachtwoord"},
    "the password contains the e-mail address": {"nl": "het wachtwoord bevat het e-mailadres"},
    "API keys": {"nl": "API-sleutels"},
    "The new key (id {id}). It is shown this once: copy it now.": {
        "nl": "De nieuwe sleutel (id {id}). Hij wordt alleen nu getoond: kopieer hem nu."
    },
    "Id": {"nl": "Id"},
    "Name": {"nl": "Naam"},
    "Scope": {"nl": "Bereik"},
    "read": {"nl": "lezen"},
    "write": {"nl": "schrijven"},
    "Last used (UTC)": {"nl": "Laatst gebruikt (UTC)"},
    "revoked": {"nl": "ingetrokken"},
    "Revoke": {"nl": "Intrekken"},
    "No API keys yet.": {"nl": "Nog geen API-sleutels."},
    "Create an API key": {"nl": "Een API-sleutel maken"},
    "Create key": {"nl": "Sleutel maken"},
    "API key revoked.": {"nl": "API-sleutel ingetrokken."},
    "Organisation": {"nl": "Organisatie"},
    "These settings live in creditflow.toml ([organisation]) and are read at start: change "
    "them there and restart.": {
        "nl": "Deze instellingen staan in creditflow.toml ([organisation]) en worden bij de start "
        "gelezen: wijzig ze daar en start opnieuw."
    },
    "Sender e-mail address": {"nl": "Afzender e-mail"},
    "SMS sender": {"nl": "Afzender sms"},
    "Default language": {"nl": "Standaardtaal"},
    "Default currency": {"nl": "Standaardvaluta"},
    "IBAN": {"nl": "IBAN"},
    "Provider": {"nl": "Provider"},
    "Configured": {"nl": "Ingesteld"},
    "Last attempt (UTC)": {"nl": "Laatste poging (UTC)"},
    "Last error": {"nl": "Laatste fout"},
    "sandbox": {"nl": "sandbox"},
    "yes": {"nl": "ja"},
    "no": {"nl": "nee"},
    "Payments": {"nl": "Betalingen"},
    "no provider (bank transfer only)": {"nl": "geen provider (alleen overschrijving)"},
    # jobs
    "Scheduled jobs": {"nl": "Geplande taken"},
    "The last run of each job of the worker ([schedule] in creditflow.toml), as "
    "`creditflow status` shows it.": {
        "nl": "De laatste run van elke taak van de worker ([schedule] in creditflow.toml), zoals "
        "`creditflow status` die toont."
    },
    "Job": {"nl": "Taak"},
    "For": {"nl": "Voor"},
    "Started (UTC)": {"nl": "Gestart (UTC)"},
    "Took": {"nl": "Duur"},
    "Outcome": {"nl": "Uitkomst"},
    "Message": {"nl": "Bericht"},
    "ok": {"nl": "ok"},
    "failed": {"nl": "mislukt"},
    "running": {"nl": "bezig"},
    "No scheduled job has run yet.": {"nl": "Er heeft nog geen geplande taak gedraaid."},
    # the one-time set-up link
    "How the user gets in": {"nl": "Hoe de gebruiker binnenkomt"},
    "A one-time set-up link: they choose their own password": {
        "nl": "Een eenmalige instellink: de gebruiker kiest zelf een wachtwoord"
    },
    "A first password I give them": {"nl": "Een eerste wachtwoord dat ik geef"},
    "Only with a first password: at least 12 characters; give it to the user in person.": {
        "nl": "Alleen bij een eerste wachtwoord: minstens 12 tekens; geef het de gebruiker "
        "persoonlijk."
    },
    "access: give link or password.": {"nl": "toegang: kies link of wachtwoord."},
    "{email} was added. Send them this one-time set-up link; it is shown this once and works "
    "for {hours} hours, until they set their password.": {
        "nl": "{email} is toegevoegd. Stuur deze eenmalige instellink; hij wordt alleen nu "
        "getoond en werkt {hours} uur, tot het wachtwoord is ingesteld."
    },
    "Choose your password": {"nl": "Kies uw wachtwoord"},
    "This set-up link is not valid (any more): it was used, it expired, or it was changed. "
    "Ask an administrator for a new one.": {
        "nl": "Deze instellink is niet (meer) geldig: hij is gebruikt, verlopen of gewijzigd. "
        "Vraag een beheerder om een nieuwe."
    },
    "Your password is set.": {"nl": "Uw wachtwoord is ingesteld."},
    "Set the password of {email}. This link works once.": {
        "nl": "Stel het wachtwoord in van {email}. Deze link werkt één keer."
    },
    "New password": {"nl": "Nieuw wachtwoord"},
    "At least 12 characters, not a well-known password, not your e-mail address.": {
        "nl": "Minstens 12 tekens, geen bekend wachtwoord, niet uw e-mailadres."
    },
    "The same password again": {"nl": "Hetzelfde wachtwoord nog eens"},
    "Set password": {"nl": "Wachtwoord instellen"},
    "The two passwords are not the same.": {"nl": "De twee wachtwoorden zijn niet gelijk."},
}
