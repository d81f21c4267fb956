"""Word tables for the normalization stage, kept apart from the rules in `normalize.py`.

Spellings are American English (the voice is en-us). Spoken forms are written for eSpeak NG:
letters meant to be spelled out are separated by spaces ("U S"), because eSpeak reads some
capitalised words as words ("US" can come out as "us", "IMF" as "imf").
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from briefing.read.sentences import SENTENCE_STARTERS

# Currency symbols -> (singular, plural, minor singular, minor plural). Minor units are None
# where a newsreader would not name them (yen, won): their decimals are read as "point ...".
CURRENCY_SYMBOLS: Final = MappingProxyType(
    {
        "$": ("dollar", "dollars", "cent", "cents"),
        "€": ("euro", "euros", "cent", "cents"),
        "£": ("pound", "pounds", "penny", "pence"),
        "¥": ("yen", "yen", None, None),
        "₩": ("won", "won", None, None),
        "₹": ("rupee", "rupees", "paisa", "paise"),
        "₽": ("ruble", "rubles", "kopek", "kopeks"),
        "₴": ("hryvnia", "hryvnias", "kopiyka", "kopiykas"),
    }
)

# A prefix glued to the dollar sign names the country's dollar: "US$5" -> "five U S dollars".
DOLLAR_PREFIXES: Final = MappingProxyType(
    {
        "US": "U S",
        "A": "Australian",
        "AU": "Australian",
        "C": "Canadian",
        "CA": "Canadian",
        "HK": "Hong Kong",
        "NZ": "New Zealand",
        "S": "Singapore",
    }
)

# Scale words and the short forms newspapers glue to amounts ("£17.4bn", "1.6m").
SCALES: Final = MappingProxyType(
    {
        "thousand": "thousand",
        "k": "thousand",
        "K": "thousand",
        "million": "million",
        "mn": "million",
        "m": "million",
        "M": "million",
        "mln": "million",
        "billion": "billion",
        "bn": "billion",
        "b": "billion",
        "B": "billion",
        "bln": "billion",
        "trillion": "trillion",
        "tn": "trillion",
        "trn": "trillion",
        "T": "trillion",
    }
)

# Short scale suffixes accepted straight after a bare number ("1.6m people", "$2bn"): a lone
# "b"/"k"/"T" after a bare number is too often something else (a model size, a grade).
BARE_NUMBER_SCALES: Final = frozenset({"m", "mn", "bn", "tn", "trn"})

# "/mo" after an amount or a measure.
PER_UNITS: Final = MappingProxyType(
    {
        "d": "day",
        "day": "day",
        "h": "hour",
        "hr": "hour",
        "hour": "hour",
        "wk": "week",
        "week": "week",
        "mo": "month",
        "month": "month",
        "yr": "year",
        "year": "year",
        "y": "year",
        "s": "second",
        "sec": "second",
        "min": "minute",
        "person": "person",
        "head": "head",
        "barrel": "barrel",
        "bbl": "barrel",
        "share": "share",
    }
)

# Unit abbreviations read after a number -> (singular, plural). Case matters ("mg" vs "MG"),
# so the keys are exact. Single letters that are also words or scales ("m", "g", "l", "s") are
# left out: "100m" in news is far more often a hundred million than a hundred meters.
UNITS: Final = MappingProxyType(
    {
        "km/h": ("kilometer per hour", "kilometers per hour"),
        "kph": ("kilometer per hour", "kilometers per hour"),
        "mph": ("mile per hour", "miles per hour"),
        "m/s": ("meter per second", "meters per second"),
        "km²": ("square kilometer", "square kilometers"),
        "km2": ("square kilometer", "square kilometers"),
        "sq km": ("square kilometer", "square kilometers"),
        "km³": ("cubic kilometer", "cubic kilometers"),
        "m²": ("square meter", "square meters"),
        "m³": ("cubic meter", "cubic meters"),
        "sq ft": ("square foot", "square feet"),
        "sq mi": ("square mile", "square miles"),
        "km": ("kilometer", "kilometers"),
        "KM": ("kilometer", "kilometers"),
        "cm": ("centimeter", "centimeters"),
        "mm": ("millimeter", "millimeters"),
        "kg": ("kilogram", "kilograms"),
        "KG": ("kilogram", "kilograms"),
        "Kg": ("kilogram", "kilograms"),
        "mg": ("milligram", "milligrams"),
        "lb": ("pound", "pounds"),
        "lbs": ("pound", "pounds"),
        "oz": ("ounce", "ounces"),
        "ft": ("foot", "feet"),
        "mi": ("mile", "miles"),
        "ml": ("milliliter", "milliliters"),
        "mL": ("milliliter", "milliliters"),
        "cc": ("cubic centimeter", "cubic centimeters"),
        "ha": ("hectare", "hectares"),
        "kW": ("kilowatt", "kilowatts"),
        "kWh": ("kilowatt hour", "kilowatt hours"),
        "MW": ("megawatt", "megawatts"),
        "GW": ("gigawatt", "gigawatts"),
        "MWh": ("megawatt hour", "megawatt hours"),
        "GWh": ("gigawatt hour", "gigawatt hours"),
        "kV": ("kilovolt", "kilovolts"),
        "mbps": ("megabit per second", "megabits per second"),
        "Mbps": ("megabit per second", "megabits per second"),
        "Gbps": ("gigabit per second", "gigabits per second"),
        "KB": ("kilobyte", "kilobytes"),
        "MB": ("megabyte", "megabytes"),
        "GB": ("gigabyte", "gigabytes"),
        "TB": ("terabyte", "terabytes"),
        "GHz": ("gigahertz", "gigahertz"),
        "MHz": ("megahertz", "megahertz"),
        "kHz": ("kilohertz", "kilohertz"),
        "bpd": ("barrel per day", "barrels per day"),
        "kt": ("kiloton", "kilotons"),
        "nm": ("nautical mile", "nautical miles"),
    }
)

# Units also read when they stand alone ("per km", "km of front line"): unambiguous ones only.
STANDALONE_UNITS: Final = frozenset(
    {"km", "km/h", "kph", "mph", "kg", "cm", "mm", "mg", "lbs", "kWh", "MW", "GW", "Mbps", "mbps"}
)

# Degree signs followed by a scale letter.
TEMPERATURE_SCALES: Final = MappingProxyType({"C": "Celsius", "F": "Fahrenheit", "K": "Kelvin"})

MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Lower-cased month spellings (full and abbreviated) -> month number.
MONTH_NAMES: Final = MappingProxyType(
    {
        **{name.lower(): number for number, name in enumerate(MONTHS, start=1)},
        "jan": 1,
        "feb": 2,
        "mar": 3,
        "apr": 4,
        "jun": 6,
        "jul": 7,
        "aug": 8,
        "sep": 9,
        "sept": 9,
        "oct": 10,
        "nov": 11,
        "dec": 12,
    }
)

# Weekday abbreviations, expanded only when written with a period ("Wed.", "Sat.").
WEEKDAYS: Final = MappingProxyType(
    {
        "Mon": "Monday",
        "Tue": "Tuesday",
        "Tues": "Tuesday",
        "Wed": "Wednesday",
        "Thu": "Thursday",
        "Thur": "Thursday",
        "Thurs": "Thursday",
        "Fri": "Friday",
        "Sat": "Saturday",
        "Sun": "Sunday",
    }
)

# Titles read before a capitalised name. Without the name ("the Dr. said") they are still
# expanded: the title is unambiguous either way.
TITLES: Final = MappingProxyType(
    {
        "Mr": "Mister",
        "Mrs": "Misses",  # the spelling eSpeak pronounces "MISS-iz"
        "Ms": "Miz",
        "Dr": "Doctor",
        "Prof": "Professor",
        "Gen": "General",
        "Lt": "Lieutenant",
        "Col": "Colonel",
        "Sgt": "Sergeant",
        "Capt": "Captain",
        "Cmdr": "Commander",
        "Adm": "Admiral",
        "Gov": "Governor",
        "Sen": "Senator",
        "Rep": "Representative",
        "Rev": "Reverend",
        "Hon": "Honorable",
        "Pres": "President",
        "Supt": "Superintendent",
        "Mt": "Mount",
        "Ft": "Fort",
    }
)

# Abbreviations written with their period, read the same wherever they appear. Keys include the
# period; they are matched case-sensitively except where both spellings are listed.
DOTTED_ABBREVIATIONS: Final = MappingProxyType(
    {
        "e.g.": "for example",
        "E.g.": "For example",
        "i.e.": "that is",
        "I.e.": "That is",
        "etc.": "et cetera",
        "vs.": "versus",
        "approx.": "approximately",
        "est.": "estimated",
        "dept.": "department",
        "Dept.": "Department",
        "Jr.": "Junior",
        "Sr.": "Senior",
        "Bros.": "Brothers",
        "Corp.": "Corporation",
        "Inc.": "Incorporated",
        "Ltd.": "Limited",
        "Co.": "Company",
        "Univ.": "University",
        "Ave.": "Avenue",
        "Blvd.": "Boulevard",
        "Rd.": "Road",
        "fig.": "figure",
        "Fig.": "Figure",
        "vol.": "volume",
        "Vol.": "Volume",
        "ch.": "chapter",
        "Ch.": "Chapter",
    }
)

# Abbreviations that must be followed by a number to be expanded ("No. 5", "pp. 12").
NUMBER_ABBREVIATIONS: Final = MappingProxyType(
    {
        "No.": "number",
        "no.": "number",
        "Nos.": "numbers",
        "nos.": "numbers",
        "pp.": "pages",
        "p.": "page",
        "para.": "paragraph",
        "art.": "article",
        "Art.": "Article",
        "sec.": "section",
        "Sec.": "Section",
        "#": "number",
    }
)

# Acronyms a newsreader spells out, with the spelling eSpeak needs. Dotted forms ("U.S.") are
# spelled by a general rule; these are the undotted ones. A letter "A" is hyphen-joined to the
# next letter because eSpeak reads a lone "A" as the article ("U A-E", not "U A E").
SPELLED_ACRONYMS: Final = MappingProxyType(
    {
        "US": "U S",
        "USA": "U S A",
        "UK": "U K",
        "EU": "E U",
        "UN": "U N",
        "UAE": "U A-E",
        "IMF": "I M F",
        "ECB": "E C B",
        "EPA": "E P A",
        "OPEC": "OPEC",
        "IAEA": "I A-E A",
        "ICC": "I C C",
        "ICJ": "I C J",
        "IDF": "I D F",
        "OSCE": "O S C E",
        "WTO": "W T O",
        "WHO": "W H O",
        "GOP": "G O P",
        "DOJ": "D O J",
        "CEO": "C E O",
        "CFO": "C F O",
        "AI": "A-I",
        "GDP": "G D P",
        "CPI": "C P I",
        "FBI": "F B I",
        "CIA": "C I A",
        "BBC": "B B C",
        "CNN": "C N N",
        "NHS": "N H S",
        "SEC": "S E C",
        "EV": "E V",
        "EVs": "E Vs",
        "DC": "D C",
    }
)

# Acronyms read as words. Listed so no rule spells them; eSpeak already says them well.
WORD_ACRONYMS: Final = frozenset(
    {"NATO", "NASA", "UNESCO", "UNICEF", "OPEC", "ASEAN", "FIFA", "AIDS", "COVID", "Covid"}
)

# Time zones read after a clock time; eSpeak spells these in capitals.
TIME_ZONES: Final = frozenset(
    {"EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "GMT", "UTC", "BST", "CET", "CEST",
     "EET", "EEST", "MSK", "KST", "JST"}
)

# Symbols read as words wherever they survive the number and money rules.
SYMBOL_WORDS: Final = MappingProxyType(
    {
        "&": "and",
        "+": "plus",
        "=": "equals",
        "@": "at",
        "%": "percent",
        "‰": "per mille",
        "°": "degrees",
        "×": "times",
        "÷": "divided by",
        "±": "plus or minus",
        "§": "section",
        "¶": "paragraph",
        "©": "copyright",
        "®": "registered",
        "™": "trademark",
        "$": "dollar",
        "€": "euro",
        "£": "pound",
        "¥": "yen",
        "₩": "won",
        "₹": "rupee",
        "₽": "ruble",
        "₴": "hryvnia",
        "#": "hash",
    }
)

# Fixed "a/b" forms read as idioms, not as fractions or dates.
SLASH_IDIOMS: Final = MappingProxyType(
    {
        "24/7": "twenty-four seven",
        "9/11": "nine eleven",
        "7/7": "seven seven",
        "50/50": "fifty-fifty",
        "and/or": "and or",
        "w/o": "without",
    }
)

# Fraction denominators with their own words.
FRACTION_WORDS: Final = MappingProxyType(
    {2: ("half", "halves"), 4: ("quarter", "quarters")}
)

# Quarter and half-year labels.
PERIOD_ORDINALS: Final = MappingProxyType(
    {"1": "first", "2": "second", "3": "third", "4": "fourth"}
)

# Words after which a quarter needs no article: "its Q2 results", not "its the second quarter".
DETERMINERS: Final = frozenset(
    {"the", "a", "an", "this", "that", "its", "their", "our", "his", "her", "my", "your", "each",
     "every", "last", "next", "same", "first", "second", "third", "fourth", "fiscal"}
)

# Characters that are a kind of dash, hyphen, or minus.
MINUS_SIGN: Final = "\u2212"
EN_DASH: Final = "\u2013"
EM_DASH: Final = "\u2014"

# Typography mapped to plain ASCII before any rule looks at the text.
CHARACTER_MAP: Final = MappingProxyType(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": EN_DASH,
        "\u2015": EM_DASH,
        "\ufe58": EM_DASH,
        "\ufe63": "-",
        "\uff0d": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2007": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u202f": " ",
        "\u3000": " ",
        "\u00ad": "",  # soft hyphen
        "\u200b": "",  # zero-width space
        "\u200c": "",
        "\u200d": "",
        "\u2060": "",
        "\ufeff": "",
        "\u00ba": "°",  # masculine ordinal indicator, often typed for a degree sign
        "\u02da": "°",
        "\u2103": "°C",
        "\u2109": "°F",
        "\uff05": "%",
        "\u2044": "/",  # fraction slash
        "\u00bc": " 1/4",
        "\u00bd": " 1/2",
        "\u00be": " 3/4",
        "\u2153": " 1/3",
        "\u2154": " 2/3",
    }
)


# Capitalised words before "St." that are not street names ("In St. Louis" is a saint).
NOT_STREET_NAMES: Final = SENTENCE_STARTERS | frozenset({"To", "Into", "Near", "Of", "Visit"})
