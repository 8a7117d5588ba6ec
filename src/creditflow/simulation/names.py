"""Word lists for synthetic Dutch debtors: names, streets, cities, trades, products.

Plain data, no logic. Weights are rough shares, not statistics.
"""

from __future__ import annotations

FIRST_NAMES_NL: tuple[str, ...] = (
    "Jan", "Pieter", "Kees", "Henk", "Willem", "Johannes", "Cornelis", "Gerrit", "Dirk",
    "Hendrik", "Bram", "Daan", "Lucas", "Sem", "Finn", "Jesse", "Thijs", "Ruben", "Bas",
    "Tom", "Mark", "Sander", "Jeroen", "Martijn", "Niels", "Wouter", "Joost", "Rik", "Koen",
    "Maria", "Anna", "Johanna", "Emma", "Sophie", "Julia", "Lotte", "Sanne", "Anouk", "Fleur",
    "Eva", "Lisa", "Iris", "Femke", "Marieke", "Ingrid", "Annemiek", "Esther", "Linda",
    "Mariëlle", "Chloë", "Daniëlle", "Noëlle", "Mohamed", "Ahmed", "Fatima", "Yasmina",
    "Ayşe", "Mehmet", "Priya", "Rajesh", "Wei", "Olga",
)  # fmt: skip

# (tussenvoegsel, surname): written "Jan van den Berg", capitalised "Van den Berg" alone.
SURNAMES_NL: tuple[tuple[str, str], ...] = (
    ("de", "Jong"), ("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("van", "Dijk"),
    ("", "Bakker"), ("", "Janssen"), ("", "Visser"), ("", "Smit"), ("", "Meijer"),
    ("de", "Boer"), ("", "Mulder"), ("de", "Groot"), ("", "Bos"), ("", "Vos"), ("", "Peters"),
    ("", "Hendriks"), ("van", "Leeuwen"), ("", "Dekker"), ("", "Brouwer"), ("de", "Wit"),
    ("", "Dijkstra"), ("", "Smits"), ("de", "Graaf"), ("van der", "Meer"),
    ("van der", "Linden"), ("", "Kok"), ("", "Jacobs"), ("de", "Haan"), ("", "Vermeulen"),
    ("van den", "Heuvel"), ("van der", "Veen"), ("van den", "Broek"), ("de", "Bruijn"),
    ("van der", "Heijden"), ("", "Schouten"), ("van", "Beek"), ("", "Willems"),
    ("van", "Vliet"), ("van de", "Ven"), ("", "Hoekstra"), ("", "Maas"), ("", "Verhoeven"),
    ("", "Koster"), ("van", "Dam"), ("van der", "Wal"), ("", "Prins"), ("", "Blom"),
    ("", "Huisman"), ("", "Yılmaz"), ("el", "Amrani"), ("", "Öztürk"), ("", "Kaya"),
    ("", "Postma"), ("ter", "Horst"), ("in 't", "Veld"), ("", "Mertens"),
)  # fmt: skip

FIRST_NAMES_DE: tuple[str, ...] = (
    "Lukas", "Jonas", "Felix", "Maximilian", "Stefan", "Thomas", "Anna", "Lena", "Katrin",
    "Sabine", "Julia", "Jürgen",
)  # fmt: skip
SURNAMES_DE: tuple[str, ...] = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Hoffmann", "Schulz", "Koch", "Richter",
)  # fmt: skip
FIRST_NAMES_US: tuple[str, ...] = (
    "James", "Michael", "Robert", "David", "John", "Jennifer", "Linda", "Emily", "Sarah",
    "Jessica", "Daniel", "Ashley",
)  # fmt: skip
SURNAMES_US: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia", "Wilson",
    "Anderson", "Taylor", "Moore",
)  # fmt: skip

TRADES_NL: tuple[str, ...] = (
    "Installatietechniek", "Bouwbedrijf", "Schilderwerken", "Loodgietersbedrijf",
    "Elektrotechniek", "Dakwerken", "Hoveniers", "Transport", "Vastgoed",
    "Administratiekantoor", "Bakkerij", "Autobedrijf", "Veehouderij", "Tuincentrum",
    "Kinderopvang", "Fysiotherapie", "Tandartspraktijk", "Camping", "Melkveebedrijf",
    "Zorgboerderij",
)  # fmt: skip
BRAND_PREFIXES: tuple[str, ...] = (
    "Noord", "Zuid", "Oost", "West", "Groen", "Zon", "Polder", "Duin", "Delta", "Holland",
    "Maas", "Rijn", "Veluwe", "Kempen",
)  # fmt: skip
BRAND_SUFFIXES: tuple[str, ...] = (
    "Energie", "Techniek", "Beheer", "Agro", "Logistiek", "Vastgoed", "Zorg", "Bouw",
    "Projecten", "Recreatie",
)  # fmt: skip
TRADES_EN: tuple[str, ...] = (
    "Holdings", "Properties", "Solar", "Logistics", "Consulting", "Farms",
)  # fmt: skip

# (city, lowest 4-digit postal code, highest, weight)
CITIES_NL: tuple[tuple[str, int, int, float], ...] = (
    ("Amsterdam", 1011, 1109, 9.0), ("Rotterdam", 3011, 3089, 7.0),
    ("Den Haag", 2491, 2597, 6.0), ("Utrecht", 3511, 3585, 4.0),
    ("Eindhoven", 5611, 5658, 2.5), ("Groningen", 9711, 9747, 2.5),
    ("Tilburg", 5011, 5049, 2.3), ("Almere", 1311, 1365, 2.2), ("Breda", 4811, 4839, 2.0),
    ("Nijmegen", 6511, 6546, 2.0), ("Apeldoorn", 7311, 7339, 1.8),
    ("Haarlem", 2011, 2037, 1.8), ("Arnhem", 6811, 6846, 1.8),
    ("Amersfoort", 3811, 3829, 1.7), ("Zwolle", 8011, 8043, 1.4),
    ("Leiden", 2311, 2334, 1.3), ("Maastricht", 6211, 6229, 1.3),
    ("Dordrecht", 3311, 3329, 1.3), ("Zoetermeer", 2711, 2729, 1.3),
    ("Enschede", 7511, 7548, 1.6), ("Delft", 2611, 2629, 1.1), ("Alkmaar", 1811, 1827, 1.1),
    ("Deventer", 7411, 7431, 1.0), ("Leeuwarden", 8911, 8939, 1.3),
    ("Hilversum", 1211, 1223, 0.9), ("'s-Hertogenbosch", 5211, 5237, 1.6),
    ("Gouda", 2801, 2809, 0.7), ("Venlo", 5911, 5928, 1.0), ("Assen", 9401, 9409, 0.7),
    ("Middelburg", 4331, 4338, 0.5), ("Emmen", 7811, 7828, 1.0), ("Hoorn", 1621, 1628, 0.7),
)  # fmt: skip
CITIES_BE: tuple[tuple[str, int, int, float], ...] = (
    ("Antwerpen", 2000, 2060, 3.0), ("Gent", 9000, 9052, 2.0), ("Brugge", 8000, 8000, 1.0),
    ("Leuven", 3000, 3001, 1.0), ("Hasselt", 3500, 3501, 0.8), ("Brussel", 1000, 1000, 1.5),
)  # fmt: skip
CITIES_DE: tuple[tuple[str, int, int, float], ...] = (
    ("Köln", 50667, 50999, 2.0), ("Düsseldorf", 40210, 40629, 1.5),
    ("Aachen", 52062, 52080, 1.0), ("Kleve", 47533, 47533, 0.5),
    ("Münster", 48143, 48167, 1.0),
)  # fmt: skip
CITIES_US: tuple[tuple[str, int, int, float], ...] = (
    ("New York, NY", 10001, 10040, 3.0), ("Brooklyn, NY", 11201, 11239, 2.0),
    ("Boston, MA", 2108, 2136, 1.0), ("Miami, FL", 33125, 33199, 1.0),
)  # fmt: skip

STREETS_NL: tuple[str, ...] = (
    "Kerkstraat", "Dorpsstraat", "Schoolstraat", "Molenweg", "Stationsweg", "Julianastraat",
    "Wilhelminastraat", "Beatrixlaan", "Prins Bernhardlaan", "Oranjestraat", "Nieuwstraat",
    "Hoofdstraat", "Lindelaan", "Eikenlaan", "Berkenlaan", "Kastanjelaan", "Parkweg",
    "Sportlaan", "Marktstraat", "Zonnebloemstraat", "Tulpstraat", "Rozenstraat",
    "Vondelstraat", "Rembrandtlaan", "Van Goghstraat", "Herengracht", "Keizersgracht",
    "Burgemeester de Withstraat", "Dijkweg", "Polderweg", "Havenstraat", "Beukenlaan",
    "Populierenlaan", "Esdoornstraat", "Meidoornstraat", "Irisstraat", "Weverstraat",
    "Smidsstraat", "Koningin Julianaweg", "Jan Steenstraat",
)  # fmt: skip
STREETS_BUSINESS_NL: tuple[str, ...] = (
    "Industrieweg", "Ambachtsweg", "Edisonstraat", "Energieweg", "Handelsweg",
    "Transportweg", "Nijverheidsweg", "Bedrijvenweg", "Kanaaldijk", "Havenweg",
)  # fmt: skip
STREETS_BE: tuple[str, ...] = (
    "Kerkstraat", "Stationsstraat", "Molenstraat", "Dorpsstraat", "Nieuwstraat", "Meir",
    "Grote Markt", "Kapelstraat",
)  # fmt: skip
STREETS_DE: tuple[str, ...] = (
    "Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße",
    "Bergstraße", "Lindenstraße",
)  # fmt: skip
STREETS_US: tuple[str, ...] = (
    "Main Street", "Park Avenue", "Broadway", "Oak Street", "Maple Avenue", "Elm Street",
    "Washington Street",
)  # fmt: skip

MAIL_PROVIDERS: tuple[str, ...] = (
    "gmail", "hotmail", "outlook", "ziggo", "kpnmail", "live", "xs4all", "planet", "icloud",
)  # fmt: skip
BUSINESS_MAILBOXES: tuple[str, ...] = (
    "administratie", "info", "facturen", "crediteuren", "boekhouding",
)  # fmt: skip

# (description, fixed price in cents or 0 when the amount varies)
PRODUCTS_CONSUMER: tuple[tuple[str, int], ...] = (
    ("Jaarlijks onderhoud zonnepanelen", 12900), ("Reiniging zonnepanelen", 8950),
    ("Vervanging omvormer", 0), ("Storingsdienst en voorrijkosten", 0),
    ("Monitoring-abonnement (jaar)", 5940), ("Uitbreiding installatie", 0),
    ("Inspectie na storm", 9500), ("Thuisbatterij installatie", 0),
)  # fmt: skip
PRODUCTS_BUSINESS: tuple[tuple[str, int], ...] = (
    ("Onderhoudscontract bedrijfsinstallatie", 0), ("Reiniging dakinstallatie", 0),
    ("Vervanging omvormers", 0), ("Storingsdienst", 0), ("Monitoring en rapportage", 0),
    ("Uitbreiding installatie", 0), ("Keuring NEN 1010 / SCIOS", 0),
)  # fmt: skip

DISPUTE_REASONS_NL: tuple[str, ...] = (
    "Werkzaamheden niet naar tevredenheid uitgevoerd",
    "Bedrag komt niet overeen met de offerte",
    "Dubbel gefactureerd",
    "Omvormer werkt nog steeds niet",
    "Niet besteld",
    "Onderhoud valt onder de garantie",
)
DISPUTE_REASONS_EN: tuple[str, ...] = (
    "Work was not done properly",
    "Amount does not match the quote",
    "Invoiced twice",
    "Inverter still not working",
    "Never ordered this",
)

# Letters that occur in transliterated e-mail addresses.
TRANSLITERATION: dict[str, str] = {
    "ë": "e", "é": "e", "è": "e", "ï": "i", "ö": "o", "ü": "u", "ä": "a", "ş": "s",
    "ç": "c", "ı": "i", "ß": "ss", "'": "", "Ö": "o", "Ü": "u",
}  # fmt: skip
