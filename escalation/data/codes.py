"""DfE code lists used by the case-history contract.

Each list maps a code to its label as published in the Children in Need census
and SSDA903 guidance. Validators check codes against these lists; unknown codes
are reported, never guessed.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

__all__ = [
    "ASSESSMENT_FACTORS",
    "CLOSURE_REASONS",
    "CODED_KINDS",
    "CP_CATEGORIES",
    "DISABILITIES",
    "EPISODE_KINDS",
    "ETHNICITIES",
    "EXTENDED_ETHNICITIES",
    "INTERVAL_KINDS",
    "LEGAL_STATUSES",
    "POINT_KINDS",
    "PREBIRTH_DAYS",
    "PRIMARY_NEEDS",
    "REFERRAL_SOURCES",
    "SEXES",
]

#: Episode kinds of the contract, in pathway order.
EPISODE_KINDS: Final = (
    "contact",
    "referral",
    "assessment",
    "early_help",
    "cin_plan",
    "s47",
    "icpc",
    "cp_plan",
    "looked_after",
    "moved_out",
    "death",
)
#: Kinds recorded as intervals (start, optional end).
INTERVAL_KINDS: Final = frozenset(
    {"referral", "assessment", "early_help", "cin_plan", "cp_plan", "looked_after"}
)
#: Kinds recorded as point events (start only).
POINT_KINDS: Final = frozenset({"contact", "s47", "icpc", "moved_out", "death"})
#: The kinds each coded episode column belongs to: a code recorded on another kind is a
#: breach (a closure reason on an assessment, say).
CODED_KINDS: Final = MappingProxyType(
    {
        "source": frozenset({"contact", "referral"}),
        "need": frozenset({"referral"}),
        "reason": frozenset({"referral"}),
        "factors": frozenset({"assessment"}),
        "category": frozenset({"cp_plan"}),
        "legal_status": frozenset({"looked_after"}),
    }
)
#: How many days before the birth date records may begin: 40 weeks. Unborn children are
#: referred, assessed and put on plans before birth; the DfE CIN census validation (rule
#: 8606) refuses a referral more than 280 days before the birth or expected birth date.
PREBIRTH_DAYS: Final = 280

SEXES: Final = MappingProxyType({"F": "female", "M": "male", "U": "unknown or not stated"})

ETHNICITIES: Final = MappingProxyType(
    {
        "WBRI": "White British",
        "WIRI": "White Irish",
        "WIRT": "Traveller of Irish heritage",
        "WOTH": "Any other White background",
        "WROM": "Gypsy/Roma",
        "MWBC": "White and Black Caribbean",
        "MWBA": "White and Black African",
        "MWAS": "White and Asian",
        "MOTH": "Any other mixed background",
        "AIND": "Indian",
        "APKN": "Pakistani",
        "ABAN": "Bangladeshi",
        "AOTH": "Any other Asian background",
        "BCRB": "Black Caribbean",
        "BAFR": "Black African",
        "BOTH": "Any other Black background",
        "CHNE": "Chinese",
        "OOTH": "Any other ethnic group",
        "REFU": "Refused",
        "NOBT": "Information not yet obtained",
    }
)

#: The DfE extended ethnicity codes, each a sub-category of one code of
#: :data:`ETHNICITIES` (``WENG`` White - English of ``WBRI``), as the DfE publishes them
#: for its school and alternative provision censuses ("DfE extended codes" and "Approved
#: extended categories": https://www.gov.uk/guidance/alternative-provision-ap-census/codes,
#: section Ethnicity). Local authorities' systems often record them. They are no codes of
#: the CIN census, the SSDA903 return or the case-history contract, so a value that is
#: one is reported as an unknown ethnicity code; messages show it
#: (:func:`escalation.errors.value_shape`) so that it can be mapped to its main code.
EXTENDED_ETHNICITIES: Final = MappingProxyType(
    {
        "WCOR": "White - Cornish",
        "WENG": "White - English",
        "WNIR": "White - Northern Irish",
        "WSCO": "White - Scottish",
        "WWEL": "White - Welsh",
        "WOWB": "Other White British",
        "WALB": "Albanian",
        "WBOS": "Bosnian-Herzegovinian",
        "WCRO": "Croatian",
        "WGRE": "Greek/Greek Cypriot",
        "WGRK": "Greek",
        "WGRC": "Greek Cypriot",
        "WITA": "Italian",
        "WKOS": "Kosovan",
        "WPOR": "Portuguese",
        "WSER": "Serbian",
        "WTUR": "Turkish/Turkish Cypriot",
        "WTUK": "Turkish",
        "WTUC": "Turkish Cypriot",
        "WEUR": "White European",
        "WEEU": "White Eastern European",
        "WWEU": "White Western European",
        "WOTW": "White other",
        "WROG": "Gypsy",
        "WROR": "Roma",
        "WROO": "Other Gypsy/Roma",
        "MWAP": "White and Pakistani",
        "MWAI": "White and Indian",
        "MWAO": "White and any other Asian background",
        "MAOE": "Asian and any other ethnic group",
        "MABL": "Asian and Black",
        "MACH": "Asian and Chinese",
        "MBOE": "Black and any other ethnic group",
        "MBCH": "Black and Chinese",
        "MCOE": "Chinese and any other ethnic group",
        "MWOE": "White and any other ethnic group",
        "MWCH": "White and Chinese",
        "MOTM": "Other mixed background",
        "AMPK": "Mirpuri Pakistani",
        "AKPA": "Kashmiri Pakistani",
        "AOPK": "Other Pakistani",
        "AAFR": "African Asian",
        "AKAO": "Kashmiri other",
        "ANEP": "Nepali",
        "ASNL": "Sri Lankan Sinhalese",
        "ASLT": "Sri Lankan Tamil",
        "ASRO": "Sri Lankan other",
        "AOTA": "Other Asian",
        "BANN": "Black - Angolan",
        "BCON": "Black - Congolese",
        "BGHA": "Black - Ghanaian",
        "BNGN": "Black - Nigerian",
        "BSLN": "Black - Sierra Leonean",
        "BSOM": "Black - Somali",
        "BSUD": "Black - Sudanese",
        "BAOF": "Other Black African",
        "BEUR": "Black European",
        "BNAM": "Black North American",
        "BOTB": "Other Black",
        "CHKC": "Hong Kong Chinese",
        "CMAL": "Malaysian Chinese",
        "CSNG": "Singaporean Chinese",
        "CTWN": "Taiwanese",
        "COCH": "Other Chinese",
        "OAFG": "Afghan",
        "OARA": "Arab other",
        "OEGY": "Egyptian",
        "OFIL": "Filipino",
        "OIRN": "Iranian",
        "OIRQ": "Iraqi",
        "OJPN": "Japanese",
        "OKOR": "Korean",
        "OKRD": "Kurdish",
        "OLAM": "Latin/South/Central American",
        "OLEB": "Lebanese",
        "OLIB": "Libyan",
        "OMAL": "Malay",
        "OMRC": "Moroccan",
        "OPOL": "Polynesian",
        "OTHA": "Thai",
        "OVIE": "Vietnamese",
        "OYEM": "Yemeni",
        "OOEG": "Other ethnic group",
    }
)

DISABILITIES: Final = MappingProxyType(
    {
        "NONE": "No disability",
        "MOB": "Mobility",
        "HAND": "Hand function",
        "PC": "Personal care",
        "INC": "Incontinence",
        "COMM": "Communication",
        "LD": "Learning",
        "HEAR": "Hearing",
        "VIS": "Vision",
        "BEH": "Behaviour",
        "CON": "Consciousness",
        "AUT": "Autism or Asperger syndrome",
        "DDA": "Other DDA",
    }
)

REFERRAL_SOURCES: Final = MappingProxyType(
    {
        "1A": "Individual: family member/relative/carer",
        "1B": "Individual: acquaintance",
        "1C": "Individual: self",
        "1D": "Individual: other",
        "2A": "Schools",
        "2B": "Education services",
        "3A": "Health services: GP",
        "3B": "Health services: health visitor",
        "3C": "Health services: school nurse",
        "3D": "Health services: other primary health services",
        "3E": "Health services: A&E",
        "3F": "Health services: other",
        "4": "Housing",
        "5A": "LA services: social care",
        "5B": "LA services: other internal",
        "5C": "LA services: external",
        "6": "Police",
        "7": "Other legal agency",
        "8": "Other",
        "9": "Anonymous",
        "10": "Unknown",
    }
)

PRIMARY_NEEDS: Final = MappingProxyType(
    {
        "N0": "Not stated",
        "N1": "Abuse or neglect",
        "N2": "Child's disability or illness",
        "N3": "Parental disability or illness",
        "N4": "Family in acute stress",
        "N5": "Family dysfunction",
        "N6": "Socially unacceptable behaviour",
        "N7": "Low income",
        "N8": "Absent parenting",
        "N9": "Cases other than children in need",
    }
)

ASSESSMENT_FACTORS: Final = MappingProxyType(
    {
        "1A": "Alcohol misuse: child",
        "1B": "Alcohol misuse: parent",
        "1C": "Alcohol misuse: other person",
        "2A": "Drug misuse: child",
        "2B": "Drug misuse: parent",
        "2C": "Drug misuse: other person",
        "3A": "Domestic abuse: child",
        "3B": "Domestic abuse: parent",
        "3C": "Domestic abuse: other person",
        "4A": "Mental health: child",
        "4B": "Mental health: parent",
        "4C": "Mental health: other person",
        "5A": "Learning disability: child",
        "5B": "Learning disability: parent",
        "5C": "Learning disability: other person",
        "6A": "Physical disability or illness: child",
        "6B": "Physical disability or illness: parent",
        "6C": "Physical disability or illness: other person",
        "7A": "Young carer",
        "8B": "Privately fostered: overseas, intending to return",
        "8C": "Privately fostered: overseas, intending to stay",
        "8D": "Privately fostered: UK, in education",
        "8E": "Privately fostered: UK, family arrangement",
        "8F": "Privately fostered: other",
        "9A": "Unaccompanied asylum-seeking child",
        "10A": "Going or being missing",
        "11A": "Child sexual exploitation",
        "12A": "Trafficking",
        "13A": "Gangs",
        "14A": "Socially unacceptable behaviour",
        "15A": "Self-harm",
        "16A": "Abuse or neglect: neglect",
        "17A": "Abuse or neglect: emotional abuse",
        "18A": "Abuse or neglect: physical abuse (legacy code)",
        "18B": "Abuse or neglect: physical abuse, adult on child",
        "18C": "Abuse or neglect: physical abuse, child on child",
        "19A": "Abuse or neglect: sexual abuse (legacy code)",
        "19B": "Abuse or neglect: sexual abuse, adult on child",
        "19C": "Abuse or neglect: sexual abuse, child on child",
        "20": "Female genital mutilation",
        "21": "No factors identified",
        "22A": "Faith or belief",
        "23A": "Child criminal exploitation",
        "24A": "Child affected by gangs or extra-familial harm",
    }
)

CLOSURE_REASONS: Final = MappingProxyType(
    {
        "RC1": "Adopted",
        "RC2": "Died",
        "RC3": "Child arrangements order",
        "RC4": "Special guardianship order",
        "RC5": "Transferred to services of another local authority",
        "RC6": "Transferred to adult social care",
        "RC7": "Services ceased for any other reason, including child no longer in need",
        "RC8": "Case closed after assessment, no further action",
        "RC9": "Case closed after assessment, referred to early help",
    }
)

CP_CATEGORIES: Final = MappingProxyType(
    {
        "NEG": "Neglect",
        "EMO": "Emotional abuse",
        "PHY": "Physical abuse",
        "SAB": "Sexual abuse",
        "MUL": "Multiple",
    }
)

LEGAL_STATUSES: Final = MappingProxyType(
    {
        "C1": "Interim care order",
        "C2": "Full care order",
        "D1": "Freeing order granted",
        "E1": "Placement order granted",
        "J1": "Remanded to LA accommodation or youth detention accommodation",
        "J2": "Placed in LA accommodation under PACE",
        "J3": "Sentenced to a youth rehabilitation order with residence requirement",
        "L1": "Under police protection and in LA accommodation",
        "L2": "Emergency protection order",
        "L3": "Under child assessment order and in LA accommodation",
        "V2": "Single period of accommodation under section 20",
        "V3": "Accommodated under an agreed series of short-term breaks (single placements)",
        "V4": "Accommodated under an agreed series of short-term breaks (multiple placements)",
    }
)
