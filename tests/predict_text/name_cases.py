"""Planted names and name-free sentences for measuring redaction's recall and precision.

``NAME_CASES`` holds one note per row with the name words planted in it (each must be
gone after redaction) and the names the local authority supplies (``known_names``), if
any. The notes mix the forms review s26 used (titles, initials, lower-case supplied
names, names at a sentence's start, before a possessive ``'s``, in lists) with the forms
review s27 found surviving: names in capitals (``SARAH JONES``, ``JONES, Sarah``,
``Mr JONES``), accented and other non-ASCII names (``Zoë Brontë``, ``Łukasz Wójcik``),
names with a typographic apostrophe (``O’Neill``) and hyphenated names (``Anne-Marie``).

``ORDINARY`` holds sentences of social-care notes whose capitalised words are not names
(services, plans, days, months, acronyms), with the words redaction may remove (a name or
a place in the sentence); every other word must survive.
"""

from __future__ import annotations

import re

#: (note, name words that must not survive, names the local authority supplies)
NAME_CASES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    # names in capitals (review s27, finding 1)
    ("SARAH JONES attended the meeting.", ("SARAH", "JONES"), ()),
    ("Visited SARAH JONES at home.", ("SARAH", "JONES"), ()),
    ("JONES, Sarah attended the review.", ("JONES", "Sarah"), ()),
    ("Mr JONES attended.", ("JONES",), ()),
    ("MR JONES attended.", ("JONES",), ()),
    ("Spoke to Mrs O'BRIEN by phone.", ("O'BRIEN",), ()),
    ("Dr PATEL from the surgery called.", ("PATEL",), ()),
    ("mother SARAH JONES was seen.", ("SARAH", "JONES"), ()),
    ("OLIVIA BROWN-SMITH is four.", ("OLIVIA", "BROWN-SMITH"), ()),
    ("the JONES family were seen.", ("JONES",), ()),
    ("KHAN, Aisha and KHAN, Omar attended.", ("KHAN", "Aisha", "Omar"), ()),
    ("Home visit to JACK McGREGOR today.", ("JACK", "McGREGOR"), ()),
    ("SARAH attended.", ("SARAH",), ()),
    ("OLIVIA attended with JACK.", ("OLIVIA", "JACK"), ()),
    # beside the organisations and note headings that are no names (leftovers finding 6)
    ("NOTE, Sarah attended; JONES, Aisha did not.", ("Sarah", "JONES", "Aisha"), ()),
    ("Seen by S. Jones of the Border Agency.", ("Jones",), ()),
    ("MS KHAN and the MS SOCIETY nurse attended.", ("KHAN",), ()),
    # accented and other non-ASCII names, typographic apostrophes, hyphens (finding 2)
    ("Zoë Brontë attended.", ("Zoë", "Brontë"), ()),
    ("José García was present.", ("José", "García"), ()),
    ("Siobhán Ó Briain attended.", ("Siobhán", "Briain"), ()),
    ("Renée Dubois called.", ("Renée", "Dubois"), ()),
    ("Łukasz Wójcik attended.", ("Łukasz", "Wójcik"), ()),
    ("Mrs O’Neill attended.", ("O’Neill",), ()),
    ("Connor O’Neill attended.", ("Connor", "O’Neill"), ()),
    ("Ms Smith-Jones called.", ("Smith-Jones",), ()),
    ("Anne-Marie Smith attended.", ("Anne-Marie", "Smith"), ()),
    ("Mrs Brontë attended.", ("Brontë",), ()),
    ("mother Zoë was present.", ("Zoë",), ()),
    ("the García family moved.", ("García",), ()),
    ("Dr Ó Briain called.", ("Briain",), ()),
    ("Spoke to Renée.", ("Renée",), ()),
    ("ZOË BRONTË attended.", ("ZOË", "BRONTË"), ()),
    ("Zoë's school called.", ("Zoë",), ()),
    ("Wójcik visited again.", ("Wójcik",), ("Wójcik",)),
    ("Brontë was seen.", ("Brontë",), ("Bronte",)),
    ("José's mother attended.", ("José",), ()),
    ("Mr Łukasz Wójcik attended.", ("Łukasz", "Wójcik"), ()),
    ("Chloé Dubois-Martin attended.", ("Chloé", "Dubois-Martin"), ()),
    ("Sarah-Jane attended.", ("Sarah-Jane",), ()),
    ("Mrs Nowak-Kowalska attended.", ("Nowak-Kowalska",), ()),
    ("Jack van der Berg attended.", ("Jack", "Berg"), ()),
    ("Maria da Silva attended.", ("Maria", "Silva"), ()),
    ("Spoke to Ms de Souza.", ("Souza",), ()),
    # the forms of review s26: titles, initials, supplied names, sentence starts,
    # possessives, lists
    ("Mr Smith attended.", ("Smith",), ()),
    ("Mrs Okafor called.", ("Okafor",), ()),
    ("Ms J. Khan attended.", ("Khan",), ()),
    ("Dr Patel from the surgery.", ("Patel",), ()),
    ("S. Jones attended the meeting.", ("Jones",), ()),
    ("Seen by S. J. Kowalski today.", ("Kowalski",), ()),
    ("spoke to sarah jones", ("sarah", "jones"), ("Sarah", "Jones")),
    ("okafor-briggs family seen", ("okafor-briggs",), ("Okafor-Briggs",)),
    ("Olivia attended the meeting.", ("Olivia",), ()),
    ("Jayden was upset.", ("Jayden",), ()),
    ("Olivia's mother attended.", ("Olivia",), ()),
    ("Mr Smith's car was outside.", ("Smith",), ()),
    ("Olivia, Jack and Aisha attended.", ("Olivia", "Jack", "Aisha"), ()),
    (
        "Present: Olivia Brown, Jack Smith and Aisha Khan.",
        ("Olivia", "Brown", "Jack", "Smith", "Aisha", "Khan"),
        (),
    ),
    ("Present: Mr Smith, Mrs Okafor, Dr Patel.", ("Smith", "Okafor", "Patel"), ()),
    ("mother Sarah was present", ("Sarah",), ()),
    ("Mother's partner, Dean Walsh, left", ("Dean", "Walsh"), ()),
    ("Muhammad and Aisha attended", ("Muhammad", "Aisha"), ()),
    ("Zofia attended", ("Zofia",), ()),
    ("the Okonkwo family moved", ("Okonkwo",), ()),
    ("Mrs McGregor attended.", ("McGregor",), ()),
    ("Dr D'Souza called.", ("D'Souza",), ()),
    ("father Connor O'Brien attended.", ("Connor", "O'Brien"), ()),
    ("Wolstenholme visited again.", ("Wolstenholme",), ("Wolstenholme",)),
    ("PEMBERTON attended.", ("PEMBERTON",), ("Pemberton",)),
    ("Kacper's brother Tyler was seen.", ("Kacper", "Tyler"), ()),
    ("Olivia Brown's school called.", ("Olivia", "Brown"), ()),
    ("Mr A. Okafor-Briggs called.", ("Okafor-Briggs",), ()),
    ("Visited Aisha Begum at home.", ("Aisha", "Begum"), ()),
    ("Mohammed, Aisha, Olivia and Jack were seen.", ("Mohammed", "Aisha", "Olivia", "Jack"), ()),
]

#: (sentence, words redaction may remove): capitalised words that are no names.
ORDINARY: list[tuple[str, tuple[str, ...]]] = [
    ("Police attended on Saturday night.", ()),
    ("School reports attendance of 85 per cent this term.", ()),
    ("Child Protection Plan agreed at the ICPC on Monday.", ()),
    ("Early Help Assessment completed in January.", ()),
    ("GP letter received; CAMHS referral made.", ()),
    ("NSPCC helpline contacted by a neighbour.", ()),
    ("Review Child Protection Conference set for March.", ()),
    ("The LADO was informed on Friday.", ()),
    ("Strategy discussion held with Police and Health on Tuesday.", ()),
    ("Mother attended the GP surgery in April.", ()),
    ("Section 47 enquiry started; ICPC booked for June.", ()),
    ("Early Help closed in August.", ()),
    ("The Family Court hearing is on Wednesday.", ()),
    ("CAMHS and the NSPCC were consulted.", ()),
    ("Referral from the Health Visitor in December.", ()),
    ("Youth Offending Team involved since October.", ()),
    ("Mother says Christmas was difficult.", ()),
    ("Attended Accident and Emergency on Sunday.", ()),
    ("The Virtual School Head was informed in September.", ()),
    ("Independent Reviewing Officer chaired the LAC Review.", ()),
    ("Plan B. Mother agreed to it.", ()),
    ("Vitamin D. Child was pale.", ()),
    ("Child Protection Plan under category Neglect.", ()),
    ("Mother attends AA meetings weekly.", ()),
    ("MASH decision: Early Help.", ()),
    ("Met at the Children's Centre on Thursday.", ()),
    ("The IRO and the SENCO attended.", ()),
    ("CHILD PROTECTION PLAN ENDED IN MAY.", ()),
    ("POLICE ATTENDED ON MONDAY NIGHT.", ()),
    ("OLIVIA ATTENDED SCHOOL WITH HER MOTHER.", ("OLIVIA",)),
    ("SARAH SAID SHE FEELS SAFE AT HOME.", ("SARAH",)),
    ("Mr and Mrs attended the CP Review.", ()),
    ("Olivia attended School on Monday with Police present.", ("Olivia",)),
    ("Jack GP appointment missed in November.", ("Jack",)),
    ("Sarah CAMHS referral accepted.", ("Sarah",)),
    ("Mother Police Family Court Child Protection Plan.", ()),
    ("Ofsted rated the nursery Good in February.", ()),
    ("Referred to Women's Aid and the IDVA on Monday.", ()),
    ("The Team Around the Family met in July.", ()),
    ("Referral to MARAC made; DV noted by Police.", ()),
    # organisations and note headings (review s27, leftovers finding 6)
    ("Referral from the U.K. Border Agency about the child.", ()),
    ("Letter from the U.S. Embassy received.", ()),
    ("Mother is supported by the MS SOCIETY and the MS Trust.", ()),
    ("NOTE, Sarah attended the meeting.", ("Sarah",)),
    ("UPDATE, Olivia seen at school.", ("Olivia",)),
]


def words(text: str) -> list[str]:
    """Return the words of ``text`` (runs of letters, apostrophes and hyphens)."""
    return re.findall(r"[^\W\d_](?:[\w'’-]*[^\W\d_])?", text)


def survives(word: str, text: str) -> bool:
    """Return whether ``word`` is in ``text`` as a whole word."""
    found = re.search(rf"(?<![\w'’-]){re.escape(word)}(?!\w|[-'’]\w\w)", text)
    return found is not None
