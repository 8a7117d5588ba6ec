"""Synthetic customers of a Dutch company: people and firms, mostly in the Netherlands.

Vectorised: every column is drawn for all rows of a country at once.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from creditflow.simulation import identifiers, names
from creditflow.simulation.schema import (
    BUSINESS_PAYER_MIX,
    CONSUMER_PAYER_MIX,
    CUSTOMER_COLUMNS,
    PAYER_TYPES,
)

COUNTRY_MIX: tuple[tuple[str, float], ...] = (
    ("NL", 0.94),
    ("BE", 0.03),
    ("DE", 0.015),
    ("US", 0.015),
)
TIMEZONES = {
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "DE": "Europe/Berlin",
    "US": "America/New_York",
}
BUSINESS_SHARE = 0.30
LEGAL_FORMS = {"NL": ("B.V.", "V.O.F."), "BE": ("BV", "VOF"), "DE": ("GmbH",), "US": ("LLC",)}


def _pick(rng: np.random.Generator, values: tuple[str, ...], n: int) -> pl.Series:
    """n values drawn uniformly from a list."""
    return pl.Series(values, dtype=pl.String).gather(rng.integers(0, len(values), n))


def _where(mask: np.ndarray, value: pl.Series | str, other: pl.Series | str | None) -> pl.Series:
    """Element-wise choice between two string Series (or constants) by a boolean mask."""
    frame = pl.DataFrame({"m": mask})
    result = pl.when(pl.col("m")).then(
        pl.lit(value) if isinstance(value, pl.Series) else pl.lit(value, pl.String)
    )
    fallback = pl.lit(other) if isinstance(other, pl.Series) else pl.lit(other, pl.String)
    return frame.select(result.otherwise(fallback)).to_series()


def _cities(
    rng: np.random.Generator, table: tuple[tuple[str, int, int, float], ...], n: int
) -> tuple[pl.Series, np.ndarray]:
    """City names and a numeric postal code inside each city's range."""
    weights = np.array([row[3] for row in table])
    index = rng.choice(len(table), size=n, p=weights / weights.sum())
    low = np.array([row[1] for row in table])[index]
    high = np.array([row[2] for row in table])[index]
    codes = low + (rng.random(n) * (high - low + 1)).astype(np.int64)
    return pl.Series([row[0] for row in table]).gather(index), codes


def _house_numbers(rng: np.random.Generator, n: int) -> pl.Series:
    """House numbers, mostly small, some with an addition such as 12A or 7-2."""
    number = pl.Series((rng.gamma(1.3, 35, n) + 1).astype(np.int64)).cast(pl.String)
    addition = _pick(rng, ("A", "B", "-1", "-2", " bis"), n)
    with_addition = rng.random(n) < 0.1
    frame = pl.DataFrame({"n": number, "a": addition, "m": with_addition})
    return frame.select(
        pl.when("m").then(pl.concat_str(["n", "a"])).otherwise(pl.col("n"))
    ).to_series()


def _consumer_and_business_names(
    rng: np.random.Generator, country: str, business: np.ndarray
) -> tuple[pl.Series, pl.Series]:
    """Display names and the e-mail address for each row of one country."""
    n = len(business)
    if country in ("NL", "BE"):
        first = _pick(rng, names.FIRST_NAMES_NL, n)
        index = rng.integers(0, len(names.SURNAMES_NL), n)
        after_first = pl.Series([f"{tv} {sn}".strip() for tv, sn in names.SURNAMES_NL])
        alone = pl.Series(
            [f"{tv[:1].upper()}{tv[1:]} {sn}".strip() for tv, sn in names.SURNAMES_NL]
        )
        surname, surname_alone = after_first.gather(index), alone.gather(index)
        trades = names.TRADES_NL
    else:
        first = _pick(rng, names.FIRST_NAMES_DE if country == "DE" else names.FIRST_NAMES_US, n)
        surname = _pick(rng, names.SURNAMES_DE if country == "DE" else names.SURNAMES_US, n)
        surname_alone = surname
        trades = names.TRADES_EN if country == "US" else ("Solartechnik", "Immobilien", "Bau")
    frame = pl.DataFrame(
        {
            "first": first,
            "surname": surname,
            "alone": surname_alone,
            "trade": _pick(rng, trades, n),
            "prefix": _pick(rng, names.BRAND_PREFIXES, n),
            "suffix": _pick(rng, names.BRAND_SUFFIXES, n),
            "form": _pick(rng, LEGAL_FORMS[country], n),
            "pattern": rng.integers(0, 3, n),
            "business": business,
            "provider": _pick(rng, names.MAIL_PROVIDERS, n),
            "mailbox": _pick(rng, names.BUSINESS_MAILBOXES, n),
            "variant": rng.integers(0, 3, n),
            "digits": pl.Series(rng.integers(10, 100, n)).cast(pl.String),
        }
    )
    firm = (
        pl.when(pl.col("pattern") == 0)
        .then(pl.concat_str(["alone", "trade"], separator=" "))
        .when((pl.col("pattern") == 1) & pl.lit(country in ("NL", "BE")))
        .then(pl.concat_str(["trade", "alone"], separator=" "))
        .otherwise(pl.concat_str(["prefix", "suffix"], separator=" "))
    )
    frame = frame.with_columns(firm=firm)
    display = (
        pl.when("business")
        .then(pl.concat_str(["firm", "form"], separator=" "))
        .otherwise(pl.concat_str(["first", "surname"], separator=" "))
    )

    def ascii_lower(column: str) -> pl.Expr:
        return (
            pl.col(column)
            .str.to_lowercase()
            .str.replace_many(names.TRANSLITERATION)
            .str.replace_all(r"[^a-z0-9]+", "")
        )

    person = (
        pl.when(pl.col("variant") == 0)
        .then(pl.concat_str([ascii_lower("first"), pl.lit("."), ascii_lower("surname")]))
        .when(pl.col("variant") == 1)
        .then(pl.concat_str([ascii_lower("first").str.slice(0, 1), ascii_lower("surname")]))
        .otherwise(pl.concat_str([ascii_lower("first"), ascii_lower("surname"), "digits"]))
    )
    slug = (
        pl.col("firm")
        .str.to_lowercase()
        .str.replace_many(names.TRANSLITERATION)
        .str.replace_all(r"[^a-z0-9]+", "-")
        .str.strip_chars("-")
    )
    email = (
        pl.when("business")
        .then(pl.concat_str(["mailbox", pl.lit("@"), slug, pl.lit(".example")]))
        .otherwise(pl.concat_str([person, pl.lit("@"), "provider", pl.lit(".example")]))
    )
    result = frame.select(display.alias("name"), email.alias("email"))
    return result["name"], result["email"]


def _addresses(
    rng: np.random.Generator, country: str, business: np.ndarray
) -> tuple[pl.Series, pl.Series, pl.Series, pl.Series]:
    """Address line 1 and 2, postal code and city for each row of one country."""
    n = len(business)
    house = _house_numbers(rng, n)
    attention = _where(rng.random(n) < 0.4, "t.a.v. crediteurenadministratie", None)
    if country == "NL":
        city, code = _cities(rng, names.CITIES_NL, n)
        street = _where(
            business,
            _pick(rng, names.STREETS_BUSINESS_NL, n),
            _pick(rng, names.STREETS_NL, n),
        )
        letters = identifiers.nl_postal_letters(rng, n)
        nl_postal = pl.DataFrame({"c": pl.Series(code).cast(pl.String), "l": letters}).select(
            pl.concat_str(["c", "l"], separator=" ")
        )
        nl_line1 = pl.DataFrame({"s": street, "h": house}).select(
            pl.concat_str(["s", "h"], separator=" ")
        )
        return nl_line1.to_series(), _where(business, attention, None), nl_postal.to_series(), city
    tables = {"BE": names.CITIES_BE, "DE": names.CITIES_DE, "US": names.CITIES_US}
    streets = {"BE": names.STREETS_BE, "DE": names.STREETS_DE, "US": names.STREETS_US}
    city, code = _cities(rng, tables[country], n)
    parts = pl.DataFrame({"s": _pick(rng, streets[country], n), "h": house})
    if country == "US":
        line1 = parts.select(pl.concat_str(["h", "s"], separator=" ")).to_series()
        apartment = (rng.integers(1, 30, n)).astype(str)
        line2 = _where(rng.random(n) < 0.4, pl.Series(np.char.add("Apt ", apartment)), None)
    else:
        line1 = parts.select(pl.concat_str(["s", "h"], separator=" ")).to_series()
        line2 = _where(business, attention, None)
    postal = pl.Series(code).cast(pl.String).str.zfill(5 if country in ("DE", "US") else 4)
    return line1, line2, postal, city


def _country_block(rng: np.random.Generator, country: str, business: np.ndarray) -> pl.DataFrame:
    """Names, contact data and bank details for the customers of one country."""
    n = len(business)
    name, email = _consumer_and_business_names(rng, country, business)
    line1, line2, postal, city = _addresses(rng, country, business)
    english = rng.random(n) < {"NL": 0.12, "BE": 0.15}.get(country, 1.0)
    has_iban = rng.random(n) < 0.85
    if country == "NL":
        iban = _where(has_iban, identifiers.nl_ibans(rng, n)[0], None)
    elif country == "BE":
        iban = _where(has_iban, identifiers.be_ibans(rng, n), None)
    else:
        iban = pl.Series([None] * n, dtype=pl.String)
    return pl.DataFrame(
        {
            "name": name,
            "language": _where(english, "en", "nl"),
            "country": pl.Series([country] * n, dtype=pl.String),
            "timezone": pl.Series([TIMEZONES[country]] * n, dtype=pl.String),
            "email": email,
            "mobile": identifiers.mobile_numbers(rng, country, n),
            "address_line1": line1,
            "address_line2": line2,
            "postal_code": postal,
            "city": city,
            "iban": iban,
        }
    )


def _maybe(rng: np.random.Generator, n: int, probability: float | np.ndarray) -> np.ndarray:
    """Boolean mask, true with the given probability per row."""
    return rng.random(n) < probability


def generate_customers(rng: np.random.Generator, n: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The customers file (DESIGN 4.3 columns, all text) and the hidden traits per customer."""
    business = _maybe(rng, n, BUSINESS_SHARE)
    countries = np.array([c for c, _ in COUNTRY_MIX])
    shares = np.array([s for _, s in COUNTRY_MIX])
    country = countries[rng.choice(len(countries), size=n, p=shares)]
    blocks = []
    for code in countries:
        rows = np.flatnonzero(country == code)
        if len(rows):
            block = _country_block(rng, str(code), business[rows])
            blocks.append(block.with_columns(row=pl.Series(rows)))
    frame = pl.concat(blocks).sort("row").drop("row")

    width = max(6, len(str(n)))
    has_email = _maybe(rng, n, np.where(business, 0.97, 0.88))
    has_phone = _maybe(rng, n, np.where(business, 0.60, 0.75))
    has_whatsapp = has_phone & _maybe(rng, n, np.where(business, 0.25, 0.45))
    has_address = _maybe(rng, n, 0.98)
    opt_roll = rng.random(n)
    opt_out = np.where(
        has_phone & (opt_roll < 0.05),
        "sms",
        np.where(has_phone & (opt_roll < 0.08), "whatsapp;sms", ""),
    )
    wanted = np.array(["email", "whatsapp", "sms", "letter"])[
        rng.choice(4, size=n, p=[0.4, 0.3, 0.15, 0.15])
    ]
    available = (
        ((wanted == "email") & has_email)
        | ((wanted == "whatsapp") & has_whatsapp & (opt_out == ""))
        | ((wanted == "sms") & has_phone & (opt_out == ""))
        | ((wanted == "letter") & has_address)
    )
    preferred = np.where(_maybe(rng, n, 0.2) & available, wanted, "")
    segment = np.where(business & _maybe(rng, n, 0.05), "key_accounts", "")
    tags = pl.DataFrame(
        {
            "vip": np.where(_maybe(rng, n, 0.03), "vip", ""),
            "new": np.where(_maybe(rng, n, 0.08), "new", ""),
            "contract": np.where(_maybe(rng, n, 0.25), "contract", ""),
        }
    ).select(
        pl.concat_str(
            [pl.col(c).replace("", None) for c in ("vip", "new", "contract")],
            separator=";",
            ignore_nulls=True,
        )
    )
    customer_id = pl.Series(np.arange(1, n + 1)).cast(pl.String).str.zfill(width)
    frame = frame.with_columns(
        has_email=pl.Series(has_email),
        has_phone=pl.Series(has_phone),
        has_whatsapp=pl.Series(has_whatsapp),
        has_address=pl.Series(has_address),
    )
    frame = frame.with_columns(
        customer_id=pl.concat_str([pl.lit("C"), pl.lit(customer_id)]),
        kind=pl.lit(pl.Series(np.where(business, "business", "consumer"))),
        email=pl.when("has_email").then("email"),
        phone=pl.when("has_phone").then("mobile"),
        whatsapp=pl.when("has_whatsapp").then("mobile"),
        address_line1=pl.when("has_address").then("address_line1"),
        address_line2=pl.when("has_address").then("address_line2"),
        postal_code=pl.when("has_address").then("postal_code"),
        city=pl.when("has_address").then("city"),
        preferred_channel=pl.lit(pl.Series(preferred)),
        opt_out=pl.lit(pl.Series(opt_out)),
        segment=pl.lit(pl.Series(segment)),
        tags=tags.to_series(),
    )
    customers = frame.select(pl.col(c).replace("", None).cast(pl.String) for c in CUSTOMER_COLUMNS)
    traits = pl.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "payer_type": _payer_types(rng, business),
        }
    )
    return customers, traits


def _payer_types(rng: np.random.Generator, business: np.ndarray) -> pl.Series:
    """Hidden payer type per customer, drawn from the consumer or business mix."""
    roll = rng.random(len(business))
    consumer = np.searchsorted(np.cumsum(CONSUMER_PAYER_MIX), roll, side="right")
    firm = np.searchsorted(np.cumsum(BUSINESS_PAYER_MIX), roll, side="right")
    index = np.minimum(np.where(business, firm, consumer), len(PAYER_TYPES) - 1)
    return pl.Series(PAYER_TYPES, dtype=pl.String).gather(index)
