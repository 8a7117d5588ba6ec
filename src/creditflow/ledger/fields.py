"""Checks for single import fields; each returns the normalised value or raises ValueError."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

import phonenumbers
import pycountry
from babel.core import get_global
from email_validator import EmailNotValidError, validate_email
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

CHANNELS = ("email", "sms", "whatsapp", "letter", "voice", "push")


def check_iban(value: str) -> str:
    """A valid IBAN in compact form (NL91ABNA0417164300)."""
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as exc:
        raise ValueError(f"'{value}' is not a valid IBAN ({exc})") from exc


def check_email(value: str) -> str:
    """A syntactically valid e-mail address, normalised (no DNS look-up)."""
    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise ValueError(f"'{value}' is not a valid e-mail address ({exc})") from exc


TEXTABLE = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def check_phone(value: str, country: str) -> tuple[str, bool]:
    """A valid phone number in E.164, read in the customer's country, and whether it is mobile."""
    try:
        number = phonenumbers.parse(value, country)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"'{value}' is not a phone number ({exc})") from exc
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        raise ValueError(f"'{value}' is not a valid phone number for {country}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), kind in TEXTABLE


@lru_cache(maxsize=512)
def check_language(value: str) -> str:
    """An ISO 639-1 language code, lower case."""
    code = value.strip().lower()
    if len(code) != 2 or pycountry.languages.get(alpha_2=code) is None:
        raise ValueError(f"'{value}' is not an ISO 639-1 language code (e.g. nl, en)")
    return code


@lru_cache(maxsize=512)
def check_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 country code, upper case."""
    code = value.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"'{value}' is not an ISO 3166-1 alpha-2 country code (e.g. NL)")
    return code


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_timezone(value: str) -> str:
    """An IANA time zone name such as Europe/Amsterdam."""
    if value not in _timezones():
        raise ValueError(f"'{value}' is not an IANA time zone (e.g. Europe/Amsterdam)")
    return value


@lru_cache(maxsize=4096)
def default_timezone(country: str, phone_e164: str | None = None) -> tuple[str, bool]:
    """The customer's likely time zone and whether it is certain.

    A country with one zone gives it; otherwise the zone of the phone number's area
    (212 -> America/New_York); otherwise the country's first CLDR "golden" zone,
    flagged as uncertain so the import can warn.
    """
    zones = get_global("territory_zones").get(country.upper()) or []
    if len(zones) == 1:
        return str(zones[0]), True
    if phone_e164:
        from phonenumbers import timezone as phone_zones

        found = phone_zones.time_zones_for_number(phonenumbers.parse(phone_e164))
        if len(found) == 1 and found[0] in zones:
            return str(found[0]), True
    golden = [z for z in get_global("windows_zone_mapping").values() if z in zones]
    if golden:
        return str(golden[0]), False
    return (str(zones[0]), False) if zones else ("UTC", False)


def check_channels(value: str) -> str:
    """A `;`-separated list of channel names, normalised and sorted."""
    names = sorted({part.strip().lower() for part in value.split(";") if part.strip()})
    unknown = [n for n in names if n not in CHANNELS]
    if unknown:
        raise ValueError(
            f"unknown channel(s) {', '.join(unknown)} (expected {', '.join(CHANNELS)})"
        )
    return ";".join(names)


def check_channel(value: str) -> str:
    """A single channel name."""
    name = value.strip().lower()
    if name not in CHANNELS:
        raise ValueError(f"'{value}' is not a channel (expected {', '.join(CHANNELS)})")
    return name


def split_list(value: str | None) -> list[str]:
    """Split a `;`-separated cell into its non-empty parts."""
    if not value:
        return []
    return [part.strip() for part in value.split(";") if part.strip()]
