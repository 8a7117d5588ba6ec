"""Settings: read once, in one place, from the environment and an optional TOML file.

Every section is parsed into a frozen dataclass here or in `config/sections.py`
(`[dispatch]`, `[llm]`, `[handover]`, `[payments]`, `[portal]`, `[serve]`, `[email]`),
so a wrong value stops the command at start with the section, key and reason.

| variable                  | default                         |
|---------------------------|---------------------------------|
| CREDITFLOW_DATABASE_URL   | sqlite:///./creditflow.db       |
| CREDITFLOW_OUTBOX_DIR     | ./outbox                        |
| CREDITFLOW_CONFIG         | ./creditflow.toml if present    |
| CREDITFLOW_SECRET_KEY     | (none: generated per database)  |
| CREDITFLOW_PAYMENT_PROVIDER | (none: `[payments] provider`) |

The TOML file holds the organisation, contact rules, channels and providers. Secrets
(SMTP password, Twilio token) may be given there or, better, as environment
variables named in the file (`password_env = "SMTP_PASSWORD"`). Secrets are kept out
of every repr so they never reach a log.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from datetime import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from creditflow.config.connectors import MoneybirdSettings, parse_connectors
from creditflow.config.operations import (
    AnalyticsSettings,
    ScheduleSettings,
    StaffSettings,
    parse_analytics,
    parse_schedule,
    parse_staff,
)
from creditflow.config.sections import (
    ConfigError,
    DispatchPolicy,
    EmailSettings,
    HandoverSettings,
    LlmSettings,
    PaymentsSettings,
    PortalPolicy,
    ServeSettings,
    parse_dispatch,
    parse_email,
    parse_handover,
    parse_llm,
    parse_payments,
    parse_portal,
    parse_serve,
)

__all__ = [
    "DEFAULT_DATABASE_URL",
    "PLACEHOLDER_NAME",
    "ConfigError",
    "ContactRules",
    "LegalRules",
    "Organisation",
    "Settings",
    "check_organisation_iban",
    "check_sending_settings",
    "load_settings",
    "minute_of_day",
    "secret_from",
    "settings_from",
]

DEFAULT_DATABASE_URL = "sqlite:///./creditflow.db"


# The creditor's name until [organisation] name is set: fine for trying things out,
# never sent to a debtor (`check_sending_settings`).
PLACEHOLDER_NAME = "creditflow demo B.V."


@dataclass(frozen=True)
class Organisation:
    """The creditor: who sends the reminders and receives the money."""

    name: str = PLACEHOLDER_NAME
    iban: str = ""
    bic: str = ""
    address_line1: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = "NL"
    email: str = ""
    phone: str = ""
    website: str = ""
    chamber_of_commerce: str = ""
    vat_number: str = ""
    default_language: str = "nl"
    default_country: str = "NL"
    default_currency: str = "EUR"
    reference_scheme: str = "rf"  # "rf" (ISO 11649) or "betalingskenmerk"
    payment_term_days: int = 30  # for an e-invoice without a due date (art. 6:119a BW: 30)
    sender_email: str = "debiteuren@example.nl"
    sender_sms: str = ""


# `quiet_end = "24:00"`: the window runs to midnight.
END_OF_DAY = time.max


def minute_of_day(moment: time) -> int:
    """Minutes since midnight; END_OF_DAY ("24:00") is 1440."""
    return 1440 if moment == END_OF_DAY else moment.hour * 60 + moment.minute


@dataclass(frozen=True)
class ContactRules:
    """Contact pressure, quiet hours and grace periods used by the collection run."""

    quiet_start: time = time(8, 0)
    quiet_end: time = time(21, 0)
    min_gap_hours: int = 48
    max_contacts_per_7_days: int = 3
    promise_grace_days: int = 3
    plan_grace_days: int = 5
    no_weekend_rest_channels: tuple[str, ...] = ("sms", "whatsapp", "voice", "call")
    send_hours: dict[str, int] = field(
        default_factory=lambda: {
            "email": 9,
            "sms": 10,
            "whatsapp": 10,
            "voice": 11,
            "call": 9,
            "letter": 9,
            "push": 10,
        }
    )
    regulation_f: bool = False


BUSINESS_COST_MODES = ("flat_40", "wik_scale", "contractual")


@dataclass(frozen=True)
class LegalRules:
    """How collection costs are computed (`[legal]`); see docs/legal.md.

    business_costs: "flat_40" (EUR 40 per invoice, art. 6:96 lid 4 BW), "wik_scale"
    (the WIK scale on the principal) or "contractual" (the agreed amount per invoice
    and/or percentage of the principal, never less than EUR 40 per invoice).
    vat_on_costs: the creditor cannot deduct VAT, so VAT at vat_rate (percent) is
    added to WIK-scale costs (Besluit art. 2 lid 3), and the letters say so.
    """

    business_costs: str = "flat_40"
    contractual_amount: Decimal | None = None
    contractual_percentage: Decimal | None = None
    vat_on_costs: bool = False
    vat_rate: Decimal = Decimal("21")


@dataclass(frozen=True)
class Settings:
    """Everything configurable, read once by `load_settings`."""

    database_url: str = DEFAULT_DATABASE_URL
    outbox_dir: Path = Path("./outbox")
    config_path: Path | None = None
    organisation: Organisation = field(default_factory=Organisation)
    rules: ContactRules = field(default_factory=ContactRules)
    legal: LegalRules = field(default_factory=LegalRules)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    providers: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    portal_base_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = field(default=None, repr=False)
    template_dir: Path | None = None
    dispatch: DispatchPolicy = field(default_factory=DispatchPolicy)
    llm: LlmSettings = field(default_factory=LlmSettings)
    handover: HandoverSettings = field(default_factory=HandoverSettings)
    payments: PaymentsSettings = field(default_factory=PaymentsSettings)
    portal: PortalPolicy = field(default_factory=PortalPolicy)
    serve: ServeSettings = field(default_factory=ServeSettings)
    email: EmailSettings = field(default_factory=EmailSettings)
    staff: StaffSettings = field(default_factory=StaffSettings)
    analytics: AnalyticsSettings = field(default_factory=AnalyticsSettings)
    # None: no `[schedule]` section, the worker only dispatches.
    schedule: ScheduleSettings | None = None
    # None: no `[connectors.moneybird]` section (config/connectors.py).
    moneybird: MoneybirdSettings | None = None
    # `[portal] base_url` was set: `serve` keeps it instead of its own address.
    portal_base_url_configured: bool = False

    def with_database(self, url: str | None) -> Settings:
        """A copy with another database URL (the `--db` option)."""
        return self if not url else replace(self, database_url=url)


def _parse_time(value: str, name: str) -> time:
    if value == "24:00" and name.endswith("quiet_end"):
        return END_OF_DAY
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError) as exc:
        raise ConfigError(f"{name}: expected HH:MM, got {value!r}") from exc


def _organisation(section: dict[str, Any]) -> Organisation:
    known = set(Organisation.__dataclass_fields__)
    unknown = set(section) - known
    if unknown:
        raise ConfigError(f"[organisation]: unknown setting(s) {', '.join(sorted(unknown))}")
    org = Organisation(**section)
    if not isinstance(org.payment_term_days, int) or not 0 <= org.payment_term_days <= 365:
        raise ConfigError(
            "[organisation] payment_term_days: expected a whole number of days (0 to 365), "
            f"got {org.payment_term_days!r}"
        )
    if org.reference_scheme not in ("rf", "betalingskenmerk"):
        raise ConfigError(
            "[organisation] reference_scheme: expected 'rf' or 'betalingskenmerk', "
            f"got {org.reference_scheme!r}"
        )
    return org


def _rules(section: dict[str, Any]) -> ContactRules:
    values = dict(section)
    for key in ("quiet_start", "quiet_end"):
        if key in values:
            values[key] = _parse_time(values[key], f"[rules] {key}")
    if "no_weekend_rest_channels" in values:
        values["no_weekend_rest_channels"] = tuple(values["no_weekend_rest_channels"])
    if "send_hours" in values:
        values["send_hours"] = {**ContactRules().send_hours, **values["send_hours"]}
    unknown = set(values) - set(ContactRules.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"[rules]: unknown setting(s) {', '.join(sorted(unknown))}")
    rules = ContactRules(**values)
    if rules.quiet_start >= rules.quiet_end:
        raise ConfigError("[rules]: quiet_start must be before quiet_end")
    if rules.max_contacts_per_7_days < 1:
        raise ConfigError("[rules] max_contacts_per_7_days: must be at least 1")
    return rules


def _decimal(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ConfigError(f"{name}: expected a number like 12.5, got {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ConfigError(f"{name}: expected a number of at least 0, got {value!r}")
    return number


def _legal(section: dict[str, Any]) -> LegalRules:
    unknown = set(section) - set(LegalRules.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"[legal]: unknown setting(s) {', '.join(sorted(unknown))}")
    mode = section.get("business_costs", "flat_40")
    if mode not in BUSINESS_COST_MODES:
        raise ConfigError(
            f"[legal] business_costs: expected one of {', '.join(BUSINESS_COST_MODES)}, "
            f"got {mode!r}"
        )
    vat = section.get("vat_on_costs", False)
    if not isinstance(vat, bool):
        raise ConfigError(f"[legal] vat_on_costs: expected true or false, got {vat!r}")
    amount = section.get("contractual_amount")
    percentage = section.get("contractual_percentage")
    rules = LegalRules(
        business_costs=mode,
        contractual_amount=None
        if amount is None
        else _decimal(amount, "[legal] contractual_amount"),
        contractual_percentage=None
        if percentage is None
        else _decimal(percentage, "[legal] contractual_percentage"),
        vat_on_costs=vat,
        vat_rate=_decimal(section.get("vat_rate", "21"), "[legal] vat_rate"),
    )
    if mode == "contractual" and rules.contractual_amount is None and percentage is None:
        raise ConfigError(
            '[legal] business_costs = "contractual" needs contractual_amount (EUR per '
            "invoice) or contractual_percentage (of the open principal), or both"
        )
    if mode != "contractual" and (amount is not None or percentage is not None):
        raise ConfigError(
            "[legal] contractual_amount/contractual_percentage: only used with "
            f'business_costs = "contractual", not {mode!r}'
        )
    if rules.contractual_percentage is not None and rules.contractual_percentage > 100:
        raise ConfigError("[legal] contractual_percentage: at most 100")
    if rules.vat_rate > 100:
        raise ConfigError("[legal] vat_rate: a percentage of at most 100")
    return rules


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from the environment and the TOML file it points to."""
    env = dict(os.environ if environ is None else environ)
    config_path: Path | None = None
    if env.get("CREDITFLOW_CONFIG"):
        config_path = Path(env["CREDITFLOW_CONFIG"])
        if not config_path.is_file():
            raise ConfigError(f"CREDITFLOW_CONFIG: no such file {config_path}")
    elif Path("creditflow.toml").is_file():
        config_path = Path("creditflow.toml")
    data: dict[str, Any] = {}
    if config_path is not None:
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: {exc}") from exc
    return settings_from(data, env, config_path)


def settings_from(
    data: dict[str, Any],
    environ: dict[str, str] | None = None,
    config_path: Path | None = None,
) -> Settings:
    """Settings from the parsed TOML `data` and the environment; every section checked."""
    env = dict(os.environ if environ is None else environ)
    if env.get("CREDITFLOW_PAYMENT_PROVIDER"):  # e.g. "sandbox" for a demo, without a file
        data = {
            **data,
            "payments": {
                **data.get("payments", {}),
                "provider": env["CREDITFLOW_PAYMENT_PROVIDER"],
            },
        }
    database = data.get("database", {})
    portal = data.get("portal", {})
    template_dir = data.get("messages", {}).get("template_dir")
    return Settings(
        database_url=env.get("CREDITFLOW_DATABASE_URL")
        or database.get("url")
        or DEFAULT_DATABASE_URL,
        outbox_dir=Path(env.get("CREDITFLOW_OUTBOX_DIR") or data.get("outbox_dir") or "./outbox"),
        config_path=config_path,
        organisation=_organisation(data.get("organisation", {})),
        rules=_rules(data.get("rules", {})),
        legal=_legal(data.get("legal", {})),
        channels=dict(data.get("channels", {})),
        providers=dict(data.get("providers", {})),
        portal_base_url=str(portal.get("base_url", "http://127.0.0.1:8000")).rstrip("/"),
        secret_key=env.get("CREDITFLOW_SECRET_KEY") or portal.get("secret_key"),
        template_dir=Path(template_dir) if template_dir else None,
        dispatch=parse_dispatch(data),
        llm=parse_llm(data),
        handover=parse_handover(data),
        payments=parse_payments(data),
        portal=parse_portal(data),
        serve=parse_serve(data),
        email=parse_email(data),
        staff=parse_staff(data),
        analytics=parse_analytics(data),
        schedule=parse_schedule(data),
        moneybird=parse_connectors(data),
        portal_base_url_configured=bool(portal.get("base_url")),
    )


def secret_from(section: dict[str, Any], key: str, environ: dict[str, str] | None = None) -> str:
    """A provider secret: `key` in the section, or the variable named by `key_env`."""
    env = os.environ if environ is None else environ
    if section.get(f"{key}_env"):
        value = env.get(section[f"{key}_env"], "")
        if not value:
            raise ConfigError(f"{key}_env: environment variable {section[f'{key}_env']} is unset")
        return value
    return str(section.get(key, ""))


def check_organisation_iban(settings: Settings) -> None:
    """Refuse an `[organisation] iban` whose check digits (mod 97) or format are wrong."""
    iban = settings.organisation.iban
    if not iban.strip():
        return
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        IBAN(iban)
    except SchwiftyException as exc:
        raise ConfigError(
            f"[organisation] iban {iban!r} is not a valid IBAN ({exc}) in {_config_name(settings)}"
        ) from exc


def check_sending_settings(settings: Settings) -> None:
    """Refuse to send when messages cannot say who they are from and where to pay."""
    org = settings.organisation
    where = _config_name(settings)
    missing = []
    if not org.name.strip() or org.name == PLACEHOLDER_NAME:
        missing.append(
            f"[organisation] name is not set in {where}: every message says who sends it"
        )
    if not org.iban.strip():
        missing.append(
            f"[organisation] iban is not set in {where}: letters and e-mails need it "
            "for bank transfer details"
        )
    if missing:
        raise ConfigError("; ".join(missing))
    check_organisation_iban(settings)


def _config_name(settings: Settings) -> str:
    return str(settings.config_path) if settings.config_path else "creditflow.toml"
