"""Which real names a message still shows in a coded column: the residual, pinned.

A coded column shows a value of its closed vocabulary (its codes, their near misses,
placeholders, labels, published extended codes, known abbreviations), never a word
because it merely looks like a name. Some real names are in that vocabulary: a code
itself (``BOTH``, ``MOTH``), a published extended code (``MWAI``), a label (``Roma``),
or a near miss of a code in capitals (``BOOTH`` of ``BOTH``). This module pins that
residual over a fixed list of real names, written in capitals, capitalised and in lower
case, so that a change of the rule that shows more names fails here and says which.

Was: near misses were taken in any case and could change a code's second character, so
``Alan``, ``alan``, ``ALAN`` (``ABAN``) and ``Beth`` (``BOTH``) were shown. Of the 715
names below, each written three ways: 105 values of 35 names shown in ``ethnicity`` and
36 values of 12 names in the abuse category; now 49 values of 33 names (``ALAN``,
``BETH``, ``WORT`` no longer; ``Roma``, a label, now) and 14 values of 12 names. The
CIN census disability shows its codes (shown nowhere before) but no near miss of letters
only (``HANS``, ``MOBY``, ``CONN`` are one letter from its codes); ``NA`` and ``na``
are placeholders in every coded column, ``Na`` (a surname) is not.
"""

from __future__ import annotations

import pytest

from escalation.errors import shown

#: Common surnames and forenames in England and Wales, names of other origins, and names
#: one letter from a DfE code (the review's list, session 21).
_NAMES = """
Hans Hank Hana Nona Ince Conn Hearn Moby Na
Aarav Abaan Aban Abani Abban Abbas Abina Adam Adams Adeyemi Ahmad Ahmed Aidan Aiden
Aine Ainsley Ainu Aira Aisha Aiza Akhtar Al Alan Alana Albert Alexander Alfie Ali
Alice Allen Ama Amelia Amin Amina Amir Amit Amy Anand Ananya Anderson Andrew Andrews
Anika Anil Anita Ann Anne Anya Aoife Apu Archie Arjun Arlo Armstrong Arnold Arthur
Asante Asha Aston Atkinson Austin Ava Ayaan Aziz Baba Badr Bafra Bah Bailey Bain
Baker Baldwin Ball Banks Barber Barker Barlow Barnes Barnett Barr Barrett Bart
Barton Bata Bates Baxter Bayo Bea Begum Bell Ben Benjamin Bennett Berry Beth Bethan
Bianchi Bibi Bird Bishop Blake Bo Boateng Bob Bobby Bobo Bola Bolt Bond Bonham Boon
Boot Booth Boris Born Bose Bota Both Botha Bothe Bott Boyd Brad Bradley Brian Briggs
Brooks Brown Buckley Burgess Burke Burns Burrows Burton Butler Bux Byrne Campbell
Carl Carr Carroll Carter Chad Chambers Chan Chane Chapman Charlie Charlotte Chase
Chen Cheney Cheung Chidi Chin Chloe Choi Chung Clark Clarke Clayton Coates Cohen
Cole Coleman Collins Cook Cooke Cooper Costa Cox Crane Cross Cruz Cunningham Curtis
Daisy Dan Daniel Das David Davidson Davies Davis Dawson Day Dean Di Diallo Dickinson
Dixon Douglas Doyle Dunn Dylan Ed Edward Edwards Efua Elijah Ella Ellie Elliott
Ellis Elsie Emilia Emily Emma Emmy Emo Emon Emoni Emory Emre Esme Ethan Eva Evans
Eve Evelyn Evie Ezra Fatima Ferguson Ferreira Field Finley Fisher Fletcher Florence
Ford Foster Fowler Fox Francis Frankie Freddie Freeman French Freya Frost Gallagher
Garcia Gardner Gary George Gibbs Gibson Gilbert Gill Gonzalez Goodwin Gordon Goth
Grace Graham Grant Gray Green Greenwood Gregory Griffin Griffiths Gupta Hall
Hamilton Hammond Hamza Hancock Hannah Harding Hardy Harper Harris Harrison Harry
Hart Hartley Harvey Hassan Hawkins Hayes Hayward Heath Henderson Henry Hernandez
Hewitt Higgins Hill Ho Hodgson Holland Holly Holmes Holt Hopkins Howard Huang Hudson
Hughes Hugo Hunt Hunter Hussain Hussein Hutchinson Ian Ibrahim Ionescu Iqbal Isaac
Isabella Isabelle Isla Islam Ivy Jack Jackson Jacob Jade Jamal James Jarvis Jay
Jenkins Jennings Jessica Jim Jo Joe John Johnson Johnston Jon Jones Jordan Joseph
Joshi Joshua Jude Kai Kamara Kate Katie Kaur Kelly Kemp Kennedy Kevin Khan Kim King
Kit Knight Knowles Kofi Koroma Kowalski Kumar Kwame Lam Lambert Lane Laura Lawrence
Lawson Layla Leah Lee Leo Leung Lewis Li Lily Lin Liu Liz Lloyd Logan Long Lopez
Louie Lowe Lucas Lucy Luna Lynch Mahmood Malik Mann Marcus Mark Marsh Marshall
Martin Martinez Maryam Mason Matilda Matthews Max May Maya McCarthy McDonald Meg
Mehta Mei Mel Mensah Mia Miah Michael Middleton Mila Miles Miller Millie Mills
Mistry Mitchell Mo Moe Mohamed Mohammed Mohan Moira Mona Moon Moor Moore More Morgan
Morris Morrison Morton Moses Moss Mota Motan Moth Motha Mothe Moto Mott Muhammad
Mula Mule Muli Mull Mullen Murphy Murray Musa Mwai Mwaka Mwale Mwangi Mwas Nadia
Nash Ned Nega Negi Negus Neha Neil Nell Nelson Newman Newton Ng Ngozi Nguyen
Nicholls Nicholson Noah Nobbs Nobby Noble Noel Noor Nora Norman Norris Nott Nowak
OConnor ODonnell Obi Obrien Okafor Okonkwo Oliver Olivia Omar Oona Osborne Oscar
Osei Otis Otter Otto Owen Owusu Page Palmer Park Parker Parry Parsons Pat Patel Paul
Payne Pearce Pearson Pereira Perez Perry Peter Peters Pham Phan Phillips Phoebe Phyo
Poole Pope Popescu Poppy Porter Potter Powell Preston Price Pritchard Priya Quinn
Rahman Raj Ramirez Ravi Raza Read Reed Rees Refilwe Reggie Rehan Reid Rena Renu
Reynolds Reza Richard Richards Richardson Riley Rita Rob Roberts Robertson Robinson
Robson Rodriguez Rogers Rohan Roma Roman Romano Rome Romy Ronnie Rory Rose Rosie
Ross Rossi Roth Rowe Roy Ruby Russell Russo Ryan Saba Sabah Sabir Sable Sabo Sabu
Sam Samuel Sana Sanchez Santos Sarah Saunders Scott Sebastian Sen Shah Sharma Sharp
Shaw Shepherd Sienna Silva Simmons Simpson Singh Slater Smith Sofia Sophia Sophie
Spencer Stanley Stephens Stephenson Steven Stevens Stevenson Stewart Stokes Stone
Storey Sue Sullivan Sutton Taylor Teddy Tess Theo Thomas Thompson Thomson Thornton
Tim Tina Toby Todd Tom Tommy Tony Toth Townsend Tran Tucker Tunde Turner Tyrone
Uddin Val Walker Wallace Walsh Walters Walton Wang Ward Warren Watkins Watson Watts
Webb Webster Wells Wes West Wheeler Whit White Whitehead Wiles Wilkinson Will
William Williams Williamson Willis Willow Wilson Wira Wiri Wirt Wirth Wise
Wisniewski Wong Wood Woods Woodward Wort Worth Worts Wren Wright Wroe Wu Wynn Yan
Yang Yates Young Yusuf Zac Zainab Zak Zara Zhang Zhao Zhou"""
NAMES: tuple[str, ...] = tuple(_NAMES.split())
#: Names that are codes of their column, shown in any case as every code is.
CODES = {"ethnicity": {"ABAN", "BOTH", "MOTH", "MWAS", "WIRI", "WIRT"}, "category": {"EMO"}}
#: Names that are other words of the column's vocabulary, shown in any case: a published
#: extended ethnicity code (``MWAI`` White and Indian) and a label (``Roma`` of ``WROR``).
WORDS = {"ethnicity": {"MWAI", "ROMA"}}
#: Names in capitals one character from a code (the code's first two characters kept),
#: as a typo of the code would be: shown in capitals only.
NEAR_MISSES = {
    "ethnicity": {
        "ABAAN", "ABANI", "ABBAN", "AINE", "AINU", "BADR", "BAFRA", "BARR", "BOOTH", "BOTA",
        "BOTHA", "BOTHE", "BOTT", "CHANE", "MOTA", "MOTHA", "MOTHE", "MOTO", "MOTT", "NOTT",
        "RENU", "WIRA", "WIRTH", "WORTH", "WROE",
    },
    "category": {"EMON", "MULA", "MULE", "MULI", "MULL", "NEGA", "NEGI", "PHYO", "SABA", "SABO",
                 "SABU"},
}  # fmt: skip
#: Placeholders that are names, shown in capitals and lower case as placeholders are
#: (``NA``, not known), never written as a name (``Na``), in every coded column.
PLACEHOLDERS = {"NA", "na"}
COLUMNS = {
    "ethnicity": ("ethnicity", "ETHNIC", "ChildCharacteristics/Ethnicity"),
    "category": ("category", "CINdetails[1]/ChildProtectionPlans[1]/LatestCategoryOfAbuse"),
    "disability": ("ChildCharacteristics/Disabilities/Disability",),
    "none": ("kind", "source", "LS", "PLACE", "factors", "sex", "disability", "UASC", "year"),
}


def names_shown(column: str) -> set[str]:
    """The names, in capitals, capitalised or lower case, that ``column`` shows as read."""
    written = {form for name in NAMES for form in (name.upper(), name.capitalize(), name.lower())}
    return {value for value in written if shown(column, value) == repr(value)}


def expected(family: str) -> set[str]:
    """The pinned residual of ``family``: codes and words in any case, near misses in capitals."""
    any_case = CODES.get(family, set()) | WORDS.get(family, set())
    forms = {form for name in any_case for form in (name, name.capitalize(), name.lower())}
    return forms | NEAR_MISSES.get(family, set()) | PLACEHOLDERS


def test_the_pinned_names_are_names_of_the_list() -> None:
    pinned = set().union(*CODES.values(), *WORDS.values(), *NEAR_MISSES.values(), PLACEHOLDERS)
    assert {p.upper() for p in pinned} <= {name.upper() for name in NAMES}


@pytest.mark.parametrize(
    "column", [(family, column) for family, columns in COLUMNS.items() for column in columns]
)
def test_the_names_a_coded_column_still_shows_are_the_pinned_residual(
    column: tuple[str, str],
) -> None:
    family, name = column
    assert names_shown(name) == expected(family)


@pytest.mark.parametrize("value", ["Alan", "alan", "ALAN", "Beth", "beth", "BETH", "Booth"])
def test_a_name_that_changes_a_codes_second_letter_or_is_not_in_capitals_is_not_shown(
    value: str,
) -> None:
    assert shown("ethnicity", value).startswith("<not shown: ")
