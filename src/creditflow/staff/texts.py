"""The workbench's words in Dutch and English, and the language a browser asks for."""

from __future__ import annotations

LANGUAGES = ("nl", "en")

TEXTS: dict[str, dict[str, str]] = {
    "Workbench": {"nl": "Werkbank"},
    "Sign in": {"nl": "Inloggen"},
    "Sign out": {"nl": "Uitloggen"},
    "E-mail address": {"nl": "E-mailadres"},
    "Password": {"nl": "Wachtwoord"},
    "Sign in to the creditflow workbench.": {"nl": "Log in op de creditflow-werkbank."},
    "The e-mail address, the password or the code is wrong.": {
        "nl": "Het e-mailadres, het wachtwoord of de code klopt niet."
    },
    "Code from your authenticator app": {"nl": "Code uit uw authenticator-app"},
    "Only when two-step sign-in is on for you.": {
        "nl": "Alleen als inloggen in twee stappen voor u aan staat."
    },
    "Too many failed attempts. Try again after {time} UTC.": {
        "nl": "Te veel mislukte pogingen. Probeer het opnieuw na {time} UTC."
    },
    "You are signed out.": {"nl": "U bent uitgelogd."},
    "Not allowed": {"nl": "Niet toegestaan"},
    "The form expired: open the page again.": {
        "nl": "Het formulier is verlopen: open de pagina opnieuw."
    },
    "Your role may not change anything.": {"nl": "Uw rol mag niets wijzigen."},
    "Your role may not see this page.": {"nl": "Uw rol mag deze pagina niet zien."},
    "Back to the sign-in page": {"nl": "Terug naar inloggen"},
    "Skip to content": {"nl": "Naar de inhoud"},
    "This customer is not in your portfolio.": {"nl": "Deze klant zit niet in uw portefeuille."},
    "There is no such page or record.": {"nl": "Deze pagina of dit record bestaat niet."},
    "Or sign in with your organisation's account": {
        "nl": "Of log in met het account van uw organisatie"
    },
    "Sign in with {label}": {"nl": "Inloggen met {label}"},
    "Signing in with {label} did not work. Try again, or sign in with your password.": {
        "nl": "Inloggen met {label} is niet gelukt. Probeer het opnieuw, of log in met uw "
        "wachtwoord."
    },
    "{label} signed you in as {email}, but there is no active workbench user with that "
    "address. Ask an administrator.": {
        "nl": "{label} heeft u aangemeld als {email}, maar er is geen actieve gebruiker van de "
        "werkbank met dat adres. Vraag het een beheerder."
    },
    "The sign-in took too long or was started in another browser. Try again.": {
        "nl": "Het inloggen duurde te lang of is in een andere browser begonnen. Probeer het "
        "opnieuw."
    },
    "There is no sign-in provider {name}.": {"nl": "Er is geen inlogdienst {name}."},
    "Two-step sign-in is on for {email}: sign in with your password and code.": {
        "nl": "Inloggen in twee stappen staat aan voor {email}: log in met uw wachtwoord en code."
    },
    "admin": {"nl": "beheerder"},
    "manager": {"nl": "manager"},
    "collector": {"nl": "incasso-medewerker"},
    "viewer": {"nl": "meekijker"},
}


def translate(lang: str, text: str) -> str:
    """The text in the language (English is the source)."""
    return TEXTS.get(text, {}).get(lang, text)


def language_from_header(header: str | None, default: str = "nl") -> str:
    """The supported language the browser prefers most (Accept-Language, by q-value)."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = tag.strip().lower()[:2]
        if code in LANGUAGES and quality > 0:
            choices.append((-quality, position, code))
    return min(choices)[2] if choices else (default if default in LANGUAGES else "nl")
