"""Where a postcode area's electricity comes from: its GSP group and distribution network.

Great Britain's 14 GSP groups each have one distribution network operator (DNO), whose
distributor id (10 to 23) starts every MPAN core on its network; independent networks
(IDNOs, ids 24 to 36) are embedded in a DNO's GSP group, mostly on newer estates. The
table gives each of Great Britain's 120 postcode areas the region that holds most of it
(an area that straddles a boundary takes that one), its post town and a county, so that
a simulated MPAN's distributor id always fits its postcode's region.
"""

from __future__ import annotations

from dataclasses import dataclass

#: GSP group -> (distributor id of its DNO, the distribution area's name).
GSP_GROUPS: dict[str, tuple[str, str]] = {
    "_A": ("10", "Eastern"),
    "_B": ("11", "East Midlands"),
    "_C": ("12", "London"),
    "_D": ("13", "Merseyside and North Wales"),
    "_E": ("14", "West Midlands"),
    "_F": ("15", "North Eastern"),
    "_G": ("16", "North Western"),
    "_P": ("17", "North Scotland"),
    "_N": ("18", "South Scotland"),
    "_J": ("19", "South Eastern"),
    "_H": ("20", "Southern"),
    "_K": ("21", "South Wales"),
    "_L": ("22", "South Western"),
    "_M": ("23", "Yorkshire"),
}
#: Distributor ids of independent networks, valid in every GSP group.
IDNO_IDS: tuple[str, ...] = tuple(str(n) for n in range(24, 37))

_AREAS = """
AB Aberdeen Aberdeenshire _P|AL St Albans Hertfordshire _A|B Birmingham West Midlands _E
BA Bath Somerset _L|BB Blackburn Lancashire _G|BD Bradford West Yorkshire _M
BH Bournemouth Dorset _H|BL Bolton Greater Manchester _G|BN Brighton East Sussex _J
BR Bromley Kent _J|BS Bristol Avon _L|CA Carlisle Cumbria _G|CB Cambridge Cambridgeshire _A
CF Cardiff South Glamorgan _K|CH Chester Cheshire _D|CM Chelmsford Essex _A
CO Colchester Essex _A|CR Croydon Surrey _J|CT Canterbury Kent _J
CV Coventry West Midlands _E|CW Crewe Cheshire _D|DA Dartford Kent _J|DD Dundee Angus _P
DE Derby Derbyshire _B|DG Dumfries Dumfriesshire _N|DH Durham County Durham _F
DL Darlington County Durham _F|DN Doncaster South Yorkshire _M|DT Dorchester Dorset _L
DY Dudley West Midlands _E|E London Greater London _C|EC London Greater London _C
EH Edinburgh Midlothian _N|EN Enfield Middlesex _A|EX Exeter Devon _L
FK Falkirk Stirlingshire _N|FY Blackpool Lancashire _G|G Glasgow Lanarkshire _N
GL Gloucester Gloucestershire _E|GU Guildford Surrey _H|HA Harrow Middlesex _C
HD Huddersfield West Yorkshire _M|HG Harrogate North Yorkshire _M
HP Hemel Hempstead Hertfordshire _A|HR Hereford Herefordshire _E
HS Stornoway Isle of Lewis _P|HU Hull East Yorkshire _M|HX Halifax West Yorkshire _M
IG Ilford Essex _C|IP Ipswich Suffolk _A|IV Inverness Inverness-shire _P
KA Kilmarnock Ayrshire _N|KT Kingston upon Thames Surrey _H|KW Kirkwall Orkney _P
KY Kirkcaldy Fife _N|L Liverpool Merseyside _D|LA Lancaster Lancashire _G
LD Llandrindod Wells Powys _K|LE Leicester Leicestershire _B|LL Llandudno Gwynedd _D
LN Lincoln Lincolnshire _B|LS Leeds West Yorkshire _M|LU Luton Bedfordshire _A
M Manchester Greater Manchester _G|ME Rochester Kent _J|MK Milton Keynes Buckinghamshire _B
ML Motherwell Lanarkshire _N|N London Greater London _C
NE Newcastle upon Tyne Tyne and Wear _F|NG Nottingham Nottinghamshire _B
NN Northampton Northamptonshire _B|NP Newport Gwent _K|NR Norwich Norfolk _A
NW London Greater London _C|OL Oldham Greater Manchester _G|OX Oxford Oxfordshire _H
PA Paisley Renfrewshire _N|PE Peterborough Cambridgeshire _A|PH Perth Perthshire _P
PL Plymouth Devon _L|PO Portsmouth Hampshire _H|PR Preston Lancashire _G
RG Reading Berkshire _H|RH Redhill Surrey _J|RM Romford Essex _A
S Sheffield South Yorkshire _M|SA Swansea West Glamorgan _K|SE London Greater London _C
SG Stevenage Hertfordshire _A|SK Stockport Cheshire _G|SL Slough Berkshire _H
SM Sutton Surrey _J|SN Swindon Wiltshire _H|SO Southampton Hampshire _H
SP Salisbury Wiltshire _H|SR Sunderland Tyne and Wear _F|SS Southend-on-Sea Essex _A
ST Stoke-on-Trent Staffordshire _E|SW London Greater London _C|SY Shrewsbury Shropshire _D
TA Taunton Somerset _L|TD Galashiels Selkirkshire _N|TF Telford Shropshire _E
TN Tonbridge Kent _J|TQ Torquay Devon _L|TR Truro Cornwall _L|TS Middlesbrough Cleveland _F
TW Twickenham Middlesex _H|UB Southall Middlesex _H|W London Greater London _C
WA Warrington Cheshire _G|WC London Greater London _C|WD Watford Hertfordshire _A
WF Wakefield West Yorkshire _M|WN Wigan Lancashire _G|WR Worcester Worcestershire _E
WS Walsall West Midlands _E|WV Wolverhampton West Midlands _E|YO York North Yorkshire _M
ZE Lerwick Shetland _P
"""

#: Counties of more than one word, so the table above can be read without quoting.
_COUNTIES = (
    "West Midlands",
    "West Yorkshire",
    "South Yorkshire",
    "North Yorkshire",
    "East Yorkshire",
    "Greater Manchester",
    "Greater London",
    "East Sussex",
    "South Glamorgan",
    "West Glamorgan",
    "County Durham",
    "Tyne and Wear",
    "Isle of Lewis",
)


@dataclass(frozen=True)
class Area:
    code: str
    post_town: str
    county: str
    gsp_group: str

    @property
    def distributor_id(self) -> str:
        """The DNO's distributor id: the first two digits of an MPAN core here."""
        return GSP_GROUPS[self.gsp_group][0]


def _read(entry: str) -> Area:
    code, rest = entry.split(" ", 1)
    rest, group = rest.rsplit(" ", 1)
    county = next((c for c in _COUNTIES if rest.endswith(" " + c)), rest.rsplit(" ", 1)[-1])
    town = rest[: -len(county) - 1]
    return Area(code, town, county, group)


AREAS: dict[str, Area] = {
    area.code: area for line in _AREAS.strip().splitlines() for area in map(_read, line.split("|"))
}


def area_of(postcode_area: str) -> Area:
    """The area for a postcode area code (`LS`, `M`); KeyError outside Great Britain."""
    return AREAS[postcode_area]


def distributor_fits(distributor_id: str, postcode_area: str) -> bool:
    """Whether an MPAN core with this distributor id can belong to this postcode area."""
    return distributor_id in IDNO_IDS or distributor_id == area_of(postcode_area).distributor_id
