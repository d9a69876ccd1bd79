"""Catalogue of statutory gateways and other legislation that safeguarding partners cite, with
their status in England on 2026-11-23.

Identifiers are legislation.gov.uk identifiers: ``ukpga/YEAR/CHAPTER`` for Acts,
``uksi/YEAR/NUMBER`` for statutory instruments, ``eur/2016/679`` for the UK GDPR, then
``/section/N``, ``/schedule/N``, ``/part/N`` or ``/regulation/N`` for a provision.

Sources: the text and annotations on https://www.legislation.gov.uk/ for each entry (its ``url``),
commencement instruments named in the notes, the explanatory notes to the Education and Skills Act
2008 (s93: Chapter 1 of Part 10 of the Education Act 2002 continues only for Wales), the Local
Government and Elections (Wales) Act 2021 explanatory notes (well-being power), Parliament's
ContactPoint briefing SN/SP/5171 and the Children Act 2004 Information Database (England)
(Revocation) Regulations 2012 debate, and the privacy notices in ``shared/seeds`` (every provision
they cite is catalogued here, including the wrong or outdated ones, so the rules can flag them).
For the third round's additions also: the Safeguarding Vulnerable Groups Act 2006 (Commencement
No. 2) Order 2008 (SI 2008/1320, art 4, which names each referral section), the Act's explanatory
notes and the Prescribed Information Regulations 2008 (SI 2008/3265); the explanatory notes to the
Police, Crime, Sentencing and Courts Act 2022 and the Counter-Terrorism and Security Act 2015;
Home Office Circular 025/2015 (the modern slavery duty to notify); the Children and Social Work Act
2017 as enacted (ss24-25, child death reviews); the Crime and Disorder (Prescribed Information)
Regulations 2007 (SI 2007/1831).

Points worth knowing:

* Children Act 2004 ss13-16 (Local Safeguarding Children Boards) were repealed by the Children and
  Social Work Act 2017 and replaced by the safeguarding partner arrangements in ss16E-16K (in force
  29 June 2018; LSCBs had until 29 September 2019 to hand over).
* Children Act 2004 s12 (the power behind ContactPoint) is still on the statute book; the database
  was shut down on 6 August 2010 and its regulations revoked in 2012, so nothing currently operates
  under it. It is catalogued as in force with that note.
* Local Government Act 2000 s2 (well-being power) applies only in Wales since the Localism Act 2011
  (and there, since the Local Government and Elections (Wales) Act 2021, mainly to community
  councils); English authorities use the general power of competence, Localism Act 2011 s1.
* "Education and Skills Act 2000", cited by the safeguarding partnership notice, does not exist:
  the intended Act is probably the Learning and Skills Act 2000 or the Education and Skills Act
  2008 (both catalogued).
* Working Together to Safeguard Children (2023 edition, replacing 2018) and Keeping Children Safe
  in Education are statutory guidance, not legislation: they are listed in
  :data:`STATUTORY_GUIDANCE`, not in :data:`LEGISLATION`.
* MAPPA: Criminal Justice and Court Services Act 2000 ss67-68 are catalogued as repealed and
  replaced by Criminal Justice Act 2003 ss325-327. Police Act 1997 s115 (enhanced certificates)
  is superseded by s113B. Children and Social Work Act 2017 s16 is an amending section: the law
  it made is Children Act 2004 ss16E-16K.
* Safeguarding Vulnerable Groups Act 2006 ss35-46 (the duties to refer to and inform the
  Disclosure and Barring Service), the Police, Crime, Sentencing and Courts Act 2022 serious
  violence duty (Part 2 Chapter 1, ss8-19 and Schedules 1-2) and the Counter-Terrorism and Security
  Act 2015 Channel sections (ss36-38 and Schedule 7) are catalogued with the headings their text,
  commencement orders or explanatory notes give. Still not catalogued, because their headings could
  not be checked against the text: SVGA 2006 s38, s43, s44 and s47-50 (among them the DBS's own
  duties to inform registers and supervisory authorities), CTSA 2015 ss39-41 and Schedule 6,
  Children Act 2004 s16Q, Immigration and Asylum Act 1999 s20 (its heading and scope were changed
  by the Immigration Act 2016) and DPA 2018 Schedule 2 paragraphs (Schedule 2 is catalogued as a
  whole). A flow naming them gets FLOW_LEGISLATION_UNKNOWN (info) and a person checks. The headings
  of Children Act 2004 ss16C, 16D, 16G and 16I-16K are still paraphrased (their notes say so).
* Crime and Disorder Act 1998 s17A is a duty to share depersonalised information only (SI
  2007/1831); it is catalogued so that a flow naming it is checked, but personal data needs s115.
* ``_BODIES`` records, for the provisions that place their duty or power to disclose on named
  bodies, which organisation kinds those are and the subsection that says so (see the comment
  above it); FLOW_GATEWAY_NOT_FOR_SOURCE reads it.
* The Children's Wellbeing and Schools Act 2026 (c. 21, Royal Assent 29 April 2026) inserts new
  Children Act 2004 sections (s16EA multi-agency child protection teams, s16LA duty to share
  information, s16LC consistent identifiers). They come into force by regulations and their
  commencement on 2026-11-23 could not be confirmed, so they are deliberately not catalogued:
  a flow naming them gets the "not in the catalogue" finding and a person checks.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..vocabulary import LEGISLATION_STATUS, ORGANISATION_KIND
from .types import LEGISLATION_STATUSES, Bodies, Legislation

__all__ = [
    "LEGISLATION",
    "STATUTORY_GUIDANCE",
    "legislation_choices",
    "lookup_legislation",
    "normalise_identifier",
    "parent_act",
]

_BASE = "https://www.legislation.gov.uk/"
_KIND_ABBREV = {
    "part": "Part ",
    "section": "s",
    "schedule": "Sch ",
    "regulation": "reg ",
    "article": "Art ",
}
_ACT_TITLES: dict[str, str] = {}
_ENTRIES: list[Legislation] = []


def _act(
    act_id: str,
    title: str,
    *,
    status: str = "in_force",
    replaced_by: tuple[str, ...] = (),
    note: str = "",
) -> None:
    _ACT_TITLES[act_id] = title
    _ENTRIES.append(Legislation(act_id, title, title, _BASE + act_id, status, replaced_by, note))


def _prov(
    act_id: str,
    kind: str,
    num: str,
    heading: str,
    *,
    status: str = "in_force",
    replaced_by: tuple[str, ...] = (),
    note: str = "",
) -> None:
    ident = f"{act_id}/{kind}/{num}"
    citation = f"{_ACT_TITLES[act_id]} {_KIND_ABBREV[kind]}{num}"
    _ENTRIES.append(Legislation(ident, heading, citation, _BASE + ident, status, replaced_by, note))


def _s(act_id: str, num: str | int, heading: str, **kw: Any) -> None:
    _prov(act_id, "section", str(num), heading, **kw)


# --------------------------------------------------------------------------- children's services
CA1989 = "ukpga/1989/41"
_act(
    CA1989,
    "Children Act 1989",
    note="Part 3 (support for children and families) applies to local authorities in England; in "
    "Wales it was largely replaced by the Social Services and Well-being (Wales) Act 2014 from "
    "6 April 2016.",
)
_s(CA1989, 17, "Provision of services for children in need, their families and others")
_s(CA1989, 20, "Provision of accommodation for children: general")
_s(CA1989, 22, "General duty of local authority in relation to children looked after by them")
_s(CA1989, 27, "Co-operation between authorities")
_s(CA1989, 31, "Care and supervision orders")
_s(
    CA1989,
    42,
    "Right of officer of the Service to have access to local authority records",
    note="Gives a Cafcass officer the right to examine and copy local authority records about a child "
    "in the proceedings.",
)
_s(CA1989, 44, "Orders for emergency protection of children")
_s(CA1989, 46, "Removal and accommodation of children by police in cases of emergency")
_s(CA1989, 47, "Local authority's duty to investigate")
_s(
    CA1989,
    83,
    "Research and returns of information",
    note="Requires local authorities to send the Secretary of State returns about children they look "
    "after and children in need (the CLA and CIN returns).",
)
_s(
    CA1989,
    85,
    "Children accommodated by health authorities and local education authorities",
    note="A health body or education authority that accommodates a child for three months or more "
    "must notify the responsible local authority, which must then consider the child's welfare.",
)
_s(CA1989, 86, "Children accommodated in care homes or independent hospitals")
_prov(CA1989, "schedule", "2", "Local authority support for children and families")

CARE_PLANNING_REGS = "uksi/2010/959"
_act(
    CARE_PLANNING_REGS,
    "Care Planning, Placement and Case Review (England) Regulations 2010",
    note="SI 2010/959, made under the Children Act 1989; in force from 1 April 2011.",
)
_prov(CARE_PLANNING_REGS, "regulation", "7", "Health care")
_prov(CARE_PLANNING_REGS, "regulation", "13", "Notification of placement")
_prov(CARE_PLANNING_REGS, "regulation", "50", "Retention and confidentiality of records")

CA2004 = "ukpga/2004/31"
_act(
    CA2004,
    "Children Act 2004",
    note="Part 2 (ss10-24) covers children's services in England; Part 3 is the Welsh equivalent. "
    "Amended by the Children and Social Work Act 2017 and the Children's Wellbeing and Schools Act "
    "2026.",
)
_s(CA2004, 10, "Co-operation to improve well-being")
_s(CA2004, 11, "Arrangements to safeguard and promote welfare")
_s(
    CA2004,
    12,
    "Information databases",
    note="Still in force as a power, but ContactPoint, the only database made under it, was shut "
    "down on 6 August 2010 and the Children Act 2004 Information Database (England) Regulations "
    "2007 were revoked in 2012; no current sharing can rest on it.",
)
_LSCB_NOTE = (
    "Local Safeguarding Children Boards were abolished: ss13-16 were repealed by the Children and "
    "Social Work Act 2017 and replaced by the safeguarding partner arrangements in Children Act "
    "2004 ss16E-16K (in force 29 June 2018; transition ended 29 September 2019). Cite s16E "
    "(arrangements) or s16H (information requests) instead."
)
_NEW_ARRANGEMENTS = (f"{CA2004}/section/16E", f"{CA2004}/section/16F", f"{CA2004}/section/16H")
for _num, _heading in (
    ("13", "Establishment of LSCBs"),
    ("14", "Functions and procedure of LSCBs"),
    ("15", "Funding of LSCBs"),
    ("16", "LSCBs: supplementary"),
):
    _s(
        CA2004,
        _num,
        _heading,
        status="superseded",
        replaced_by=_NEW_ARRANGEMENTS,
        note=_LSCB_NOTE,
    )
_s(CA2004, "16A", "Child Safeguarding Practice Review Panel")
_s(CA2004, "16B", "Functions of the Panel")
_s(
    CA2004,
    "16C",
    "Events to be notified to the Panel",
    note="Heading paraphrased: a local authority notifies the Panel of serious incidents "
    "(a child's death or serious harm where abuse or neglect is known or suspected).",
)
_s(
    CA2004,
    "16D",
    "Duty to supply information requested by the Panel",
    note="Heading paraphrased: a person or body must supply information the Panel requests for "
    "its functions.",
)
_s(
    CA2004,
    "16E",
    "Local arrangements for safeguarding and promoting welfare of children",
    note="Safeguarding partners: the local authority, the integrated care board and the chief "
    "officer of police (inserted by the Children and Social Work Act 2017 s16). Amended by the "
    "Children's Wellbeing and Schools Act 2026 s2 to bring in education and childcare agencies "
    "(check commencement).",
)
_s(CA2004, "16F", "Local child safeguarding practice reviews")
_s(CA2004, "16G", "Local arrangements and reviews: supplementary", note="Heading paraphrased.")
_s(
    CA2004,
    "16H",
    "Local arrangements: information",
    note="Safeguarding partners may require a person or body to supply information for the arrangements.",
)
_s(CA2004, "16I", "Local safeguarding arrangements: further provision", note="Heading paraphrased.")
_s(CA2004, "16J", "Local safeguarding arrangements: further provision", note="Heading paraphrased.")
_s(CA2004, "16K", "Local safeguarding arrangements: further provision", note="Heading paraphrased.")
_s(
    CA2004,
    "16M",
    "Child death reviews",
    note="Inserted by the Children and Social Work Act 2017 s24 (in force 29 June 2018, SI 2018/497 "
    "reg 3(m)), whose heading it carries: the child death review partners (the local authority and "
    "the integrated care board) must arrange a review of each death of a child normally resident in "
    "the area (the child death overview panel).",
)
_s(
    CA2004,
    "16N",
    "Information",
    note="Inserted by the Children and Social Work Act 2017 s25: a child death review partner may "
    "request a person or body to provide information for the s16M reviews, and the person or body "
    "must comply (enforceable by injunction).",
)

CSWA2017 = "ukpga/2017/16"
_act(
    CSWA2017,
    "Children and Social Work Act 2017",
    note="Replaced Local Safeguarding Children Boards with safeguarding partner arrangements "
    "(inserting Children Act 2004 ss16A-16K) and created the corporate parenting principles. It "
    "did not create the What Works Centre for Children's Social Care, which was a "
    "government-funded charity, and it gives no research or evaluation gateway.",
)
_s(CSWA2017, 1, "Corporate parenting principles")
_s(CSWA2017, 2, "Local offer for care leavers")
_s(
    CSWA2017,
    16,
    "Local arrangements for safeguarding and promoting welfare of children",
    note="An amending section: it inserted Children Act 2004 ss16E-16K (safeguarding partners, "
    "local child safeguarding practice reviews and the power to require information). Cite those "
    "sections of the Children Act 2004, which carry the law now.",
)

CWSA2026 = "ukpga/2026/21"
_act(
    CWSA2026,
    "Children's Wellbeing and Schools Act 2026",
    note="Royal Assent 29 April 2026. Inserts Children Act 2004 s16EA (multi-agency child "
    "protection teams), s16LA (duty to share information) and s16LC (consistent identifiers), "
    "amends s16E and the Education Act 1996 school attendance provisions. Most of Part 1 comes "
    "into force by regulations (s78(5)); commencement of those sections on 2026-11-23 is not "
    "confirmed here, so check before relying on them.",
)

LASSA1970 = "ukpga/1970/42"
_act(LASSA1970, "Local Authority Social Services Act 1970")
_s(
    LASSA1970,
    7,
    "Local authorities to exercise social services functions under guidance of Secretary of State",
    note="The power under which Working Together to Safeguard Children is issued as statutory "
    "guidance; it gives no power to share of its own.",
)

BCIA2009 = "ukpga/2009/11"
_act(BCIA2009, "Borders, Citizenship and Immigration Act 2009")
_s(BCIA2009, 55, "Duty regarding the welfare of children")

ACA2002 = "ukpga/2002/38"
_act(ACA2002, "Adoption and Children Act 2002")

# ------------------------------------------------------------------------------------ education
EA1996 = "ukpga/1996/56"
_act(
    EA1996,
    "Education Act 1996",
    note="The Children's Wellbeing and Schools Act 2026 amends the school attendance order "
    "provisions and adds registers of children not in school (commencement to be checked).",
)
_s(EA1996, 7, "Duty of parents to secure education of children of compulsory school age")
_s(EA1996, "436A", "Duty to make arrangements to identify children not receiving education")
_s(EA1996, 437, "School attendance orders")
_s(EA1996, 438, "School attendance orders: choice of school (child without an EHC plan)")
_s(EA1996, 439, "School attendance orders: specification of schools in notices")
_s(EA1996, 440, "School attendance orders: amendment at request of parent")
_s(EA1996, 441, "School attendance orders: choice of school (child with an EHC plan)")
_s(EA1996, 442, "School attendance orders: revocation at request of parent")
_s(EA1996, 443, "Offence: failure to comply with school attendance order")
_s(EA1996, 444, "Offence: failure to secure regular attendance at school of registered pupil")
_s(
    EA1996,
    "507B",
    "Local authorities in England: functions in respect of leisure-time activities etc for "
    "persons aged 13 to 19 and certain persons aged 20 to 24",
    note="Sets the local authority's youth services duty; it is not itself an information-sharing "
    "power, although DfE template privacy notices cite it for passing pupil data (13+) to youth "
    "support services.",
)
_s(EA1996, "537A", "Provision of information about individual pupils")

EA2002 = "ukpga/2002/32"
_act(EA2002, "Education Act 2002")
_s(EA2002, 175, "Duties of local authorities and governing bodies in relation to welfare of children")
_s(
    EA2002,
    157,
    "Independent school standards",
    status="not_in_england",
    replaced_by=("ukpga/2008/25/section/94",),
    note="For England, Chapter 1 of Part 10 of the Education Act 2002 (independent schools) was "
    "replaced by the Education and Skills Act 2008 Part 4 Chapter 1 (standards under s94: the "
    "Education (Independent School Standards) Regulations 2014); s157 continues only for Wales.",
)

ESA2008 = "ukpga/2008/25"
_act(
    ESA2008,
    "Education and Skills Act 2008",
    note="Part 1 Chapter 3 (employers' duties) has never been brought into force, and "
    "legislation.gov.uk marks parts of the information provisions (ss13-17) as prospective: check "
    "that the subsection relied on is in force.",
)
_prov(ESA2008, "part", "1", "Duty to participate in education or training: England")
_prov(
    ESA2008,
    "part",
    "2",
    "Support for participation in education or training: young adults with learning "
    "difficulties and young people in England",
)
_s(ESA2008, 10, "Local authority to promote fulfilment of duty imposed by section 2")
_s(ESA2008, 12, "Duty to make arrangements to identify persons not fulfilling duty imposed by section 2")
_s(ESA2008, 13, "Notification of non-compliance with duty imposed by section 2")
_s(ESA2008, 14, "Educational institutions: duty to provide information")
_s(ESA2008, 15, "Supply of social security information")
_s(ESA2008, 16, "Supply of information by public bodies")
_s(
    ESA2008,
    17,
    "Sharing and use of information held for purposes of support services or functions under this Part",
)
_s(ESA2008, 68, "Support services: provision by local authorities")
_s(ESA2008, 94, "Independent educational institution standards")

LSA2000 = "ukpga/2000/21"
_act(
    LSA2000,
    "Learning and Skills Act 2000",
    note="Much of it has been repealed (the Learning and Skills Council was abolished in 2010 and, "
    "in England, the Connexions support service provisions were replaced by the Education and "
    "Skills Act 2008 Part 2). Catalogued because a notice cites an 'Education and Skills Act 2000', "
    "which does not exist: it probably means this Act or the Education and Skills Act 2008.",
)

CCA2006 = "ukpga/2006/21"
_act(CCA2006, "Childcare Act 2006")
_s(CCA2006, 1, "General duties of local authority in relation to well-being of young children")
_s(CCA2006, 3, "Specific duties of local authority in relation to early childhood services")
_s(CCA2006, 4, "Duty of local authority and relevant partners to work together")
_s(CCA2006, 6, "Duty to secure sufficient childcare for working parents")
_s(CCA2006, 99, "Provision of information about young children: England")

CFA2014 = "ukpga/2014/6"
_act(CFA2014, "Children and Families Act 2014")
_s(CFA2014, 19, "Local authority functions: supporting and involving children and young people")
_s(CFA2014, 23, "Duty of health bodies to bring certain children to local authority's attention")
_s(CFA2014, 25, "Promoting integration")
_s(CFA2014, 28, "Co-operating generally: local authority functions")
_s(CFA2014, 36, "Assessment of education, health and care needs")
_s(CFA2014, 37, "Education, health and care plans")

PUPIL_INFO_REGS = "uksi/2013/2094"
_act(
    PUPIL_INFO_REGS,
    "Education (Information About Individual Pupils) (England) Regulations 2013",
    note="SI 2013/2094, made under Education Act 1996 s537A (the school census); in force from "
    "1 January 2014 and amended since (for example by SI 2024/209).",
)
_prov(
    PUPIL_INFO_REGS,
    "regulation",
    "3",
    "Provision of information about individual pupils to the Secretary of State",
    note="A notice calls this 'section 3'; it is regulation 3 of a statutory instrument.",
)

# ------------------------------------------------------------------------- crime and justice
CDA1998 = "ukpga/1998/37"
_act(CDA1998, "Crime and Disorder Act 1998")
_s(CDA1998, 17, "Duty to consider crime and disorder implications")
_s(
    CDA1998,
    "17A",
    "Sharing of information",
    note="Inserted by the Police and Justice Act 2006: a duty on the relevant authorities to share "
    "information of a prescribed description, and the Crime and Disorder (Prescribed Information) "
    "Regulations 2007 (SI 2007/1831, reg 2) prescribe depersonalised information only. A flow of "
    "personal data cannot rest on it; s115 is the power to disclose personal data.",
)
_s(CDA1998, 37, "Aim of the youth justice system")
_s(CDA1998, 39, "Youth offending teams")
_s(
    CDA1998,
    115,
    "Disclosure of information",
    note="A power (not a duty) to disclose to relevant authorities where necessary or expedient for "
    "the Act's purposes; the disclosure must still satisfy data protection law.",
)

LASPO2012 = "ukpga/2012/10"
_act(
    LASPO2012,
    "Legal Aid, Sentencing and Punishment of Offenders Act 2012",
    note="Cited generally by notices; for children its main relevance is youth remand (Part 3 "
    "Chapter 3), under which a child remanded to youth detention accommodation is looked after by "
    "the local authority.",
)

PRSRA2011 = "ukpga/2011/13"
_act(PRSRA2011, "Police Reform and Social Responsibility Act 2011")
_s(PRSRA2011, 1, "Police and crime commissioners")

CJCSA2000 = "ukpga/2000/43"
_act(CJCSA2000, "Criminal Justice and Court Services Act 2000")
_s(
    CJCSA2000,
    12,
    "Principal functions of the Service (Cafcass)",
    note="Cafcass in England; in Wales the functions are the Welsh Ministers' (Cafcass Cymru, "
    "Children Act 2004 Part 4).",
)

_MAPPA_NOTE = (
    "The first multi-agency public protection arrangements (MAPPA). Repealed by the Criminal "
    "Justice Act 2003 (Sch 37 Part 7) and replaced by its ss325-327 from 4 April 2005."
)
_MAPPA_NOW = ("ukpga/2003/44/section/325", "ukpga/2003/44/section/326", "ukpga/2003/44/section/327")
_s(
    CJCSA2000,
    67,
    "Arrangements for assessing etc risks posed by certain offenders",
    status="repealed",
    replaced_by=_MAPPA_NOW,
    note=_MAPPA_NOTE,
)
_s(
    CJCSA2000,
    68,
    "Section 67: interpretation",
    status="repealed",
    replaced_by=_MAPPA_NOW,
    note=_MAPPA_NOTE,
)

OMA2007 = "ukpga/2007/21"
_act(OMA2007, "Offender Management Act 2007")
_s(OMA2007, 14, "Disclosure for offender management purposes")

CJA2003 = "ukpga/2003/44"
_act(CJA2003, "Criminal Justice Act 2003")
_s(CJA2003, 325, "Arrangements for assessing etc risks posed by certain offenders (MAPPA)")
_s(CJA2003, 326, "Review of arrangements")
_s(CJA2003, 327, "Section 325: interpretation")
_s(CJA2003, "327A", "Disclosure of information about convictions etc of child sex offenders")

DA2021 = "ukpga/2021/17"
_act(DA2021, "Domestic Abuse Act 2021")
_s(DA2021, 1, "Definition of domestic abuse")
_s(DA2021, 3, "Children as victims of domestic abuse")
_s(DA2021, 15, "Duty to co-operate with Commissioner")
_s(DA2021, 16, "Duty to respond to Commissioner's recommendations")
_s(DA2021, 17, "Duty to send conclusions of domestic homicide review to Commissioner")
_s(DA2021, 18, "Disclosure of information", note="In Part 2 (the Domestic Abuse Commissioner).")
_s(DA2021, 57, "Duty of relevant local authority to assess need for accommodation-based support")

DVCVA2004 = "ukpga/2004/28"
_act(DVCVA2004, "Domestic Violence, Crime and Victims Act 2004")
_s(
    DVCVA2004,
    9,
    "Establishment and conduct of reviews",
    note="Domestic homicide reviews, in force 13 April 2011; the bodies in s9(4) (chief officers of "
    "police, local authorities, providers of probation services, NHS England, integrated care "
    "boards, NHS trusts) establish or take part in them. The Victims and Prisoners Act 2024 s19 "
    "amends the 2004 Act to provide for domestic abuse related death reviews: check its "
    "commencement and its effect on s9.",
)

MSA2015 = "ukpga/2015/30"
_act(MSA2015, "Modern Slavery Act 2015")
_s(
    MSA2015,
    52,
    "Duty to notify Secretary of State about suspected victims of slavery or human trafficking",
    note="In force 1 November 2015 (Home Office Circular 025/2015). The regulations must provide "
    "that a notification about an adult does not identify them without their consent (s52(3)).",
)

PACE1984 = "ukpga/1984/60"
_act(PACE1984, "Police and Criminal Evidence Act 1984")

PA1996 = "ukpga/1996/16"
_act(PA1996, "Police Act 1996")

PA1997 = "ukpga/1997/50"
_act(PA1997, "Police Act 1997")
_prov(PA1997, "part", "5", "Certificates of criminal records, &c.")
_s(PA1997, "113A", "Criminal record certificates")
_s(PA1997, "113B", "Enhanced criminal record certificates")
_s(
    PA1997,
    115,
    "Enhanced criminal record certificates",
    status="superseded",
    replaced_by=(f"{PA1997}/section/113B",),
    note="Repealed and replaced by s113B (inserted with ss113A-113F by the Serious Organised Crime "
    "and Police Act 2005 s163).",
)

SCA2007 = "ukpga/2007/27"
_act(SCA2007, "Serious Crime Act 2007")
_s(SCA2007, 68, "Disclosure of information to prevent fraud")

FGMA2003 = "ukpga/2003/31"
_act(FGMA2003, "Female Genital Mutilation Act 2003")
_s(
    FGMA2003,
    "5B",
    "Duty to notify police of female genital mutilation",
    note="Inserted by the Serious Crime Act 2015 s74 (in force 31 October 2015): a regulated health "
    "or social care professional or a teacher who learns in the course of their work that an act "
    "of FGM appears to have been carried out on a girl under 18 must notify the police.",
)

SVGA2006 = "ukpga/2006/47"
_act(
    SVGA2006,
    "Safeguarding Vulnerable Groups Act 2006",
    note="The Independent Safeguarding Authority's functions passed to the Disclosure and Barring "
    "Service on 1 December 2012 (Protection of Freedoms Act 2012).",
)
_SVGA_REFERRALS = (
    "One of the duties to give the Disclosure and Barring Service prescribed information (the "
    "Safeguarding Vulnerable Groups Act 2006 (Prescribed Information) Regulations 2008, SI "
    "2008/3265), brought into force for making regulations on 19 May 2008 (SI 2008/1320 art 4)."
)
_s(SVGA2006, 35, "Regulated activity providers: duty to refer", note=_SVGA_REFERRALS)
_s(SVGA2006, 36, "Personnel suppliers: duty to refer", note=_SVGA_REFERRALS)
_s(
    SVGA2006,
    37,
    "Regulated activity providers: duty to provide information on request &c.",
    note=_SVGA_REFERRALS,
)
_s(SVGA2006, 39, "Local authorities: duty to refer", note=_SVGA_REFERRALS)
_s(SVGA2006, 40, "Local authorities: duty to provide information on request", note=_SVGA_REFERRALS)
_s(SVGA2006, 41, "Registers: duty to refer", note=_SVGA_REFERRALS)
_s(SVGA2006, 42, "Registers: duty to provide information on request", note=_SVGA_REFERRALS)
_s(SVGA2006, 45, "Supervisory authorities: duty to refer", note=_SVGA_REFERRALS)
_s(
    SVGA2006,
    46,
    "Supervisory authorities: duty to provide information on request",
    note=_SVGA_REFERRALS,
)

CTSA2015 = "ukpga/2015/6"
_act(CTSA2015, "Counter-Terrorism and Security Act 2015")
_s(
    CTSA2015,
    26,
    "General duty on specified authorities",
    note="The Prevent duty: the specified authorities in Schedule 6 must have due regard to the need "
    "to prevent people from being drawn into terrorism. A duty of due regard, not a power to share.",
)
_s(
    CTSA2015,
    36,
    "Assessment and support: local panels",
    note="Channel: each local authority must have a panel, and a chief officer of police or (since "
    "an amendment in force 12 April 2019) a local authority may refer an individual to it "
    "(s36(2)-(3)).",
)
_s(CTSA2015, 37, "Membership and proceedings of panels")
_s(
    CTSA2015,
    38,
    "Co-operation",
    note="The partners of a panel (Schedule 7) must co-operate with the panel and with the police and "
    "local authorities, including by giving information (s38(3)(a)), but nothing requires or "
    "authorises a disclosure that would contravene the data protection legislation (s38(4)).",
)
_prov(CTSA2015, "schedule", "7", "Partners of local panels")

PCSCA2022 = "ukpga/2022/32"
_act(
    PCSCA2022,
    "Police, Crime, Sentencing and Courts Act 2022",
    note="Part 2 Chapter 1 (ss8-23, Schedules 1 and 2) contains the serious violence duty and its "
    "information-sharing provisions; legislation.gov.uk gives s16 as in force from 31 January "
    "2023, when the duty began (check the commencement of any other section relied on).",
)
_SERIOUS_VIOLENCE = "Part 2 Chapter 1: the serious violence duty."
for _num, _heading in (
    ("8", "Duties to collaborate and plan to prevent and reduce serious violence"),
    ("9", "Powers to collaborate and plan to prevent and reduce serious violence"),
    ("10", "Power to authorise collaboration etc. with other persons"),
    ("11", "Specified authorities and local government areas"),
    ("12", "Educational, prison and youth custody authorities"),
    ("13", "Preventing and reducing serious violence"),
    ("14", "Involvement of local policing bodies"),
    ("15", "Involvement of educational, prison and youth custody authorities"),
    ("17", "Supply of information to local policing bodies"),
    ("18", "Directions"),
    ("19", "Guidance"),
):
    _s(PCSCA2022, _num, _heading, note=_SERIOUS_VIOLENCE)
_s(
    PCSCA2022,
    16,
    "Disclosure of information",
    note="A power for the persons in s16(2) to disclose to one another for the others' functions "
    "under the Chapter. It does not authorise disclosing patient information, nor personal "
    "information by a specified authority that is a health or social care authority, nor anything "
    "contrary to the data protection legislation (s16(4)).",
)
_prov(PCSCA2022, "schedule", "1", "Specified authorities and local government areas")
_prov(PCSCA2022, "schedule", "2", "Educational, prison and youth custody authorities")

ASBCPA2014 = "ukpga/2014/12"
_act(ASBCPA2014, "Anti-social Behaviour, Crime and Policing Act 2014")
_s(
    ASBCPA2014,
    104,
    "Review of response to complaints",
    note="The ASB case review (community trigger); the relevant bodies are in s105.",
)
_prov(
    ASBCPA2014,
    "schedule",
    "4",
    "ASB case reviews: supplementary provision",
    note="Paragraph 7 (as the explanatory notes put it): the relevant bodies may request any person "
    "to disclose information for a case review; where the information relates to a public function "
    "the person must comply unless that would contravene data protection law or RIPA Part 1.",
)

CCA2004 = "ukpga/2004/36"
_act(
    CCA2004,
    "Civil Contingencies Act 2004",
    note="Part 2 defines 'emergency' for the UK GDPR Annex 1 emergencies condition.",
)

# ------------------------------------------------------------------------ adults, health, housing
CARE2014 = "ukpga/2014/23"
_act(CARE2014, "Care Act 2014", note="Adult care and support in England.")
_s(CARE2014, 1, "Promoting individual well-being")
_s(CARE2014, 6, "Co-operating generally")
_s(CARE2014, 7, "Co-operating in specific cases")
_s(CARE2014, 42, "Enquiry by local authority")
_s(CARE2014, 43, "Safeguarding Adults Boards")
_s(CARE2014, 44, "Safeguarding adults reviews")
_s(CARE2014, 45, "Supply of information")

MHA1983 = "ukpga/1983/20"
_act(MHA1983, "Mental Health Act 1983")
_s(
    MHA1983,
    117,
    "After-care",
    note="The integrated care board (before July 2022 the clinical commissioning group) and the local "
    "social services authority must provide after-care "
    "for people who leave hospital after detention under s3, s37, s45A, s47 or s48 (amended by the "
    "Care Act 2014 s75).",
)

MCA2005 = "ukpga/2005/9"
_act(MCA2005, "Mental Capacity Act 2005")

NHSA2006 = "ukpga/2006/41"
_act(NHSA2006, "National Health Service Act 2006")
_s(
    NHSA2006,
    "14D",
    "Clinical commissioning groups",
    status="repealed",
    replaced_by=(f"{NHSA2006}/section/14Z25",),
    note="Clinical commissioning groups were abolished and replaced by integrated care boards on "
    "1 July 2022 by the Health and Care Act 2022.",
)
_s(NHSA2006, "14Z25", "Establishment of integrated care boards")
_s(NHSA2006, 82, "Co-operation between NHS bodies and local authorities")
_s(
    NHSA2006,
    251,
    "Control of patient information",
    note="The power behind the Health Service (Control of Patient Information) Regulations 2002 "
    "('section 251 support' to set aside the common law duty of confidentiality).",
)

HSCA2012 = "ukpga/2012/7"
_act(HSCA2012, "Health and Social Care Act 2012")
_s(
    HSCA2012,
    "251A",
    "Consistent identifiers",
    note="Inserted by the Health and Social Care (Safety and Quality) Act 2015 (the NHS number).",
)
_s(
    HSCA2012,
    "251B",
    "Duty to share information",
    note="Inserted by the Health and Social Care (Safety and Quality) Act 2015: health and adult "
    "social care bodies must share information to facilitate a person's care where it is in their "
    "best interests.",
)

_s(
    HSCA2012,
    "251C",
    "Continuity of information: interpretation",
    note="Inserted by the Health and Social Care (Safety and Quality) Act 2015 s4: s251C(2) defines "
    "the 'relevant health or adult social care commissioner or provider' on whom ss251A-251B place "
    "their duties (public bodies exercising functions in connection with health services or adult "
    "social care in England, and those providing such services under arrangements with them).",
)

HSCSQA2015 = "ukpga/2015/28"
_act(HSCSQA2015, "Health and Social Care (Safety and Quality) Act 2015")

HCA2022 = "ukpga/2022/31"
_act(
    HCA2022,
    "Health and Care Act 2022",
    note="Established integrated care boards and abolished clinical commissioning groups on "
    "1 July 2022; a dissolved CCG's successor is its ICB.",
)
_s(HCA2022, 19, "Establishment of integrated care boards")

AHRA1990 = "ukpga/1990/23"
_act(
    AHRA1990,
    "Access to Health Records Act 1990",
    note="Now applies only to the health records of deceased people; living people use the right "
    "of access in UK GDPR Art 15.",
)

HA1996 = "ukpga/1996/52"
_act(
    HA1996,
    "Housing Act 1996",
    note="Part 7 (homelessness) applies to England; Wales has had its own homelessness law since "
    "the Housing (Wales) Act 2014.",
)
_s(HA1996, 184, "Inquiry into cases of homelessness or threatened homelessness")
_s(HA1996, 185, "Persons from abroad not eligible for housing assistance")
_s(HA1996, 188, "Interim duty to accommodate in case of apparent priority need")
_s(HA1996, 213, "Co-operation in relation to homeless persons")
_s(HA1996, "213A", "Co-operation in certain cases involving children")
_s(
    HA1996,
    "213B",
    "Duty of public authority to refer cases in England to local housing authority",
    note="Inserted by the Homelessness Reduction Act 2017, in force 1 October 2018.",
)

HRA2017 = "ukpga/2017/13"
_act(HRA2017, "Homelessness Reduction Act 2017")

# ------------------------------------------------------------------------------ local government
LGA1972 = "ukpga/1972/70"
_act(LGA1972, "Local Government Act 1972")
_s(LGA1972, 111, "Subsidiary powers of local authorities")

LGA2000 = "ukpga/2000/22"
_act(LGA2000, "Local Government Act 2000")
_s(
    LGA2000,
    2,
    "Promotion of well-being",
    status="not_in_england",
    replaced_by=("ukpga/2011/20/section/1",),
    note="Since the Localism Act 2011 the well-being power applies only to local authorities in "
    "Wales (and, since the Local Government and Elections (Wales) Act 2021 gave Welsh principal "
    "councils a general power of competence, mainly to community councils). English councils use "
    "the general power of competence in Localism Act 2011 s1 (from 2012).",
)

LA2011 = "ukpga/2011/20"
_act(LA2011, "Localism Act 2011")
_s(LA2011, 1, "Local authority's general power of competence")

# --------------------------------------------------------------------- data, statistics, research
GDPR = "eur/2016/679"
_act(
    GDPR,
    "UK GDPR",
    note="Regulation (EU) 2016/679 as it forms part of UK law, amended most recently by the Data "
    "(Use and Access) Act 2025.",
)

DPA2018 = "ukpga/2018/12"
_act(DPA2018, "Data Protection Act 2018", note="Amended by the Data (Use and Access) Act 2025.")
_s(DPA2018, 7, "Meaning of 'public authority' and 'public body'")
_s(DPA2018, 8, "Lawfulness of processing: public interest etc")
_s(DPA2018, 10, "Special categories of personal data and criminal convictions etc data")
_s(DPA2018, 11, "Special categories of personal data etc: supplementary")
_s(DPA2018, 35, "The first data protection principle (law enforcement processing)")
_s(DPA2018, 42, "Safeguards: sensitive processing (appropriate policy document)")
_prov(DPA2018, "schedule", "1", "Special categories of personal data and criminal convictions etc data")
_prov(DPA2018, "schedule", "2", "Exemptions etc from the UK GDPR")
_prov(DPA2018, "schedule", "8", "Conditions for sensitive processing under Part 3")

DPA1998 = "ukpga/1998/29"
_act(
    DPA1998,
    "Data Protection Act 1998",
    status="repealed",
    replaced_by=(DPA2018, GDPR),
    note="Repealed by the Data Protection Act 2018 (Sch 19) from 25 May 2018, when the GDPR and the "
    "2018 Act took over.",
)

DUAA2025 = "ukpga/2025/18"
_act(
    DUAA2025,
    "Data (Use and Access) Act 2025",
    note="Royal Assent 19 June 2025; most data protection changes in force 5 February 2026 (SI "
    "2026/82), including recognised legitimate interests (s70).",
)

HRA1998 = "ukpga/1998/42"
_act(HRA1998, "Human Rights Act 1998", note="Article 8 ECHR (private and family life).")

SRSA2007 = "ukpga/2007/18"
_act(SRSA2007, "Statistics and Registration Service Act 2007", note="Used by the ONS / UKSA.")
_s(SRSA2007, 39, "Confidentiality of personal information")
_s(
    SRSA2007,
    "45A",
    "Access to information held by public authorities",
    note="Inserted by the Digital Economy Act 2017.",
)

DEA2017 = "ukpga/2017/30"
_act(DEA2017, "Digital Economy Act 2017")
_prov(
    DEA2017,
    "part",
    "5",
    "Digital government",
    note="Information-sharing powers for public service delivery (Chapter 1), fraud, debt, "
    "research (Chapter 5) and statistics.",
)
_s(
    DEA2017,
    35,
    "Disclosure of information to improve public service delivery",
    note="Amended by the Data (Use and Access) Act 2025.",
)
_s(DEA2017, 48, "Disclosure of information to reduce debt owed to the public sector")
_s(DEA2017, 56, "Disclosure of information to combat fraud against the public sector")
_s(DEA2017, 64, "Disclosure of information for research purposes")


# ------------------------------------------------------------- on whom each gateway's duty falls
# Organisation kinds are coarse (``core/vocabulary.py`` ORGANISATION_KIND): "health" holds NHS
# trusts and integrated care boards, which statutes name, and GP practices, which they mostly do not;
# "education" holds maintained schools (Education Act 2002 s175(2)) and academies and independent
# schools (s157, the independent school standards); "government" holds HMPPS and the DfE alike.
# Such kinds go in ``some_kinds``: FLOW_GATEWAY_NOT_FOR_SOURCE never fires for them. A provision
# that binds whoever holds a role any kind of organisation may hold (a regulated activity provider,
# Safeguarding Vulnerable Groups Act 2006 s6) has every kind among ``some_kinds``. Provisions not
# listed here (most Acts as a whole, sections that give no duty or power to disclose to named bodies,
# such as Children Act 1989 s20 or Care Act 2014 s43, and those whose list of bodies could not be read
# in full, such as Counter-Terrorism and Security Act 2015 s38 and Schedule 7 or Safeguarding
# Vulnerable Groups Act 2006 s45(7)) have no ``bodies`` and never fire it.
_NHS = "NHS England, integrated care boards, NHS trusts and foundation trusts are named; GP practices are not"
_EVERY_KIND = frozenset(ORGANISATION_KIND.codes) - {"other"}
_REGULATED_ACTIVITY_PROVIDER = (
    "A regulated activity provider is whoever manages or controls regulated activity and arranges "
    "for people to engage in it (s6), and the Act binds the Crown: a council, an NHS body, a "
    "school, a charity, a government department or a business alike, so no organisation kind can "
    "be ruled out."
)
_REGISTER_KEEPERS = (
    "The keepers of the professional registers in the table in s41(7) (the General Medical Council's "
    "registrar and the other health and care regulators, the keeper of the register of teachers, the "
    "social care register). A regulator may be recorded as a government, health or education body, "
    "so those kinds cannot decide; councils, police forces, probation, youth justice, courts, "
    "Cafcass, charities and research bodies keep no such register."
)
_BODIES: dict[str, Bodies] = {
    f"{CA1989}/section/17": Bodies(
        frozenset({"local_authority"}),
        frozenset({"voluntary"}),
        provision="s17(1), (5)",
        note="The duty is the local authority's; a charity may provide services under arrangements "
        "with it (s17(5)).",
    ),
    f"{CA1989}/section/27": Bodies(
        frozenset({"local_authority"}),
        frozenset({"health", "government"}),
        serves=frozenset({"local_authority"}),
        provision="s27(1)-(3)",
        note="A local authority may ask another local authority, a local housing authority, the NHS "
        f"bodies listed or a person authorised by the Secretary of State for help; {_NHS}.",
    ),
    f"{CA1989}/section/31": Bodies(
        frozenset({"local_authority"}),
        frozenset({"voluntary"}),
        provision="s31(1), (9)",
        note="Only a local authority or an authorised person (the NSPCC, s31(9)) may apply.",
    ),
    f"{CA1989}/section/47": Bodies(
        frozenset({"local_authority"}),
        frozenset({"health", "government"}),
        serves=frozenset({"local_authority"}),
        provision="s47(1), (9)-(11)",
        note="The duty to investigate is the local authority's (s47(1)); the duty to assist it with "
        "information falls on the persons in s47(11): local authorities, local housing authorities, "
        f"the NHS bodies listed and persons authorised by the Secretary of State ({_NHS}). The "
        "police, schools, charities and Cafcass are not among them, but a disclosure to the local "
        "authority for its enquiry names s47 for its purpose.",
    ),
    f"{CA2004}/section/11": Bodies(
        frozenset({"local_authority", "police", "probation", "youth_justice"}),
        frozenset({"health", "government"}),
        provision="s11(1)",
        note="s11(1) lists children's services authorities and district councils, NHS England, "
        "integrated care boards, NHS trusts and foundation trusts, local policing bodies and chief "
        "officers of police, the British Transport Police, providers of probation services, prison "
        "and secure training centre governors and youth offending teams. Schools (Education Act 2002 "
        f"s175, s157), charities, Cafcass and the courts are not ({_NHS}).",
    ),
    f"{CA2004}/section/16H": Bodies(
        any_person=True,
        provision="s16H(1)",
        note="The safeguarding partners may require any person or body to supply information.",
    ),
    f"{EA2002}/section/175": Bodies(
        frozenset({"local_authority"}),
        frozenset({"education"}),
        provision="s175(1)-(2)",
        note="Local authorities and the governing bodies of maintained schools and further education "
        "institutions; academies and independent schools have the equivalent duty under s157 and "
        "the independent school standards, so the 'education' kind cannot decide.",
    ),
    f"{EA1996}/section/436A": Bodies(frozenset({"local_authority"}), provision="s436A(1)"),
    f"{HSCA2012}/section/251B": Bodies(
        frozenset({"health"}),
        frozenset({"local_authority", "voluntary"}),
        provision="s251B(1)",
        note="Relevant health or adult social care commissioners and providers: a council's adult "
        "social care is one, its children's services are not, and a charity may provide adult "
        "social care, so those kinds cannot decide.",
    ),
    f"{CDA1998}/section/115": Bodies(
        any_person=True,
        provision="s115(1)",
        note="Any person who would not otherwise have the power may disclose to a relevant authority.",
    ),
    f"{CARE2014}/section/42": Bodies(frozenset({"local_authority"}), provision="s42(1)-(2)"),
    f"{CARE2014}/section/45": Bodies(
        any_person=True, provision="s45(1)", note="A Safeguarding Adults Board may ask any person."
    ),
    f"{CARE2014}/section/6": Bodies(
        frozenset({"local_authority", "police", "probation"}),
        frozenset({"health", "government"}),
        provision="s6(1), (7)",
        note=f"The local authority and its relevant partners in s6(7) ({_NHS}; prisons and the "
        "Secretary of State for Work and Pensions are government bodies).",
    ),
    f"{CARE2014}/section/7": Bodies(
        frozenset({"local_authority", "police", "probation"}),
        frozenset({"health", "government"}),
        provision="s7(1), s6(7)",
        note=f"The relevant partners a local authority may ask to co-operate ({_NHS}).",
    ),
    f"{CJA2003}/section/325": Bodies(
        frozenset({"police", "probation", "youth_justice", "local_authority"}),
        frozenset({"health", "government", "voluntary"}),
        provision="s325(1)-(3), (6)",
        note="The responsible authority (police, probation, prisons) and the bodies under a duty to "
        "co-operate in s325(6): youth offending teams, local authorities (education, housing, social "
        f"services), registered social landlords, health bodies ({_NHS}) and others. Schools, "
        "charities and Cafcass are not among them.",
    ),
    f"{PA1997}/section/113B": Bodies(
        frozenset({"police"}),
        frozenset({"government"}),
        provision="s113B(4)",
        note="Chief officers of police provide information to the Disclosure and Barring Service, "
        "which issues the certificate.",
    ),
    f"{CA2004}/section/16N": Bodies(
        any_person=True,
        provision="s16N(1)-(2)",
        note="A child death review partner may request any person or body to provide information.",
    ),
    f"{SVGA2006}/section/35": Bodies(
        some_kinds=_EVERY_KIND, provision="s35(1), s6", note=_REGULATED_ACTIVITY_PROVIDER
    ),
    f"{SVGA2006}/section/36": Bodies(
        some_kinds=_EVERY_KIND,
        provision="s36(1)-(3)",
        note="Personnel suppliers: employment agencies and businesses (s36(2)) and educational "
        "institutions that supply students (s36(3)). An NHS staff bank, a council's agency or a "
        "university may be one, so no organisation kind can be ruled out.",
    ),
    f"{SVGA2006}/section/37": Bodies(
        some_kinds=_EVERY_KIND, provision="s37(2), s6", note=_REGULATED_ACTIVITY_PROVIDER
    ),
    f"{SVGA2006}/section/39": Bodies(
        frozenset({"local_authority"}),
        provision="s39(1), (5), (7)",
        note="'Local authority' as in the Local Authorities (Goods and Services) Act 1970 s1(4): the "
        "councils of counties, districts and London boroughs, the Common Council, the Council of the "
        "Isles of Scilly, joint boards and committees and combined authorities.",
    ),
    f"{SVGA2006}/section/40": Bodies(
        frozenset({"local_authority"}),
        provision="s40(2)-(3)",
        note="The DBS may require a local authority (as in s39) to provide prescribed information.",
    ),
    f"{SVGA2006}/section/41": Bodies(
        some_kinds=frozenset({"government", "health", "education"}),
        provision="s41(1), (5), (7)",
        note=_REGISTER_KEEPERS,
    ),
    f"{SVGA2006}/section/42": Bodies(
        some_kinds=frozenset({"government", "health", "education"}),
        provision="s42(2), s41(7)",
        note=_REGISTER_KEEPERS,
    ),
    f"{CTSA2015}/section/36": Bodies(
        frozenset({"police", "local_authority"}),
        serves=frozenset({"local_authority"}),
        provision="s36(2)-(3)",
        note="Only a chief officer of police or a local authority may refer an individual to a Channel "
        "panel. A disclosure to the local authority for its panel names s36 for its purpose, whoever "
        "discloses; the panel's partners co-operate under s38 and Schedule 7.",
    ),
    f"{PCSCA2022}/section/16": Bodies(
        frozenset({"police", "probation", "youth_justice"}),
        frozenset({"local_authority", "health", "education", "government", "research"}),
        provision="s16(1)-(2), (4)(b)",
        note="The specified authorities (Schedule 1: councils, chief officers of police, fire and "
        "rescue authorities, specified health authorities, providers of probation services, youth "
        "offending teams), local policing bodies and the educational, prison and youth custody "
        "authorities (Schedule 2: the governing bodies and proprietors of schools and academies, "
        "other than schools wholly for children under compulsory school age, and others). Personal "
        "information may not be disclosed under s16 by a specified authority that is a health or "
        "social care authority (s16(4)(b)), so councils and health bodies cannot be decided by kind; "
        "nor can schools (nurseries are not educational authorities), government bodies (prison and "
        "youth custody authorities are, departments are not) or universities. Charities, courts and "
        "Cafcass are not among them.",
    ),
    f"{MSA2015}/section/52": Bodies(
        frozenset({"police", "local_authority"}),
        frozenset({"government", "youth_justice"}),
        provision="s52(1), (5)",
        note="The public authorities to which the duty applies: chief officers of police, the British "
        "Transport Police, the National Crime Agency, county, county borough, district and London "
        "borough councils, the Greater London Authority, the Common Council, the Council of the Isles "
        "of Scilly and the Gangmasters and Labour Abuse Authority (the National Crime Agency and the "
        "Authority are government bodies; a youth offending team may be a council's service). Health "
        "bodies, schools, charities and probation are not among them.",
    ),
    f"{ASBCPA2014}/schedule/4": Bodies(
        any_person=True,
        provision="Sch 4 para 7",
        note="The relevant bodies may request any person to disclose information for an ASB case review.",
    ),
    f"{FGMA2003}/section/5B": Bodies(
        frozenset({"health"}),
        frozenset({"education", "local_authority", "voluntary", "cafcass", "youth_justice"}),
        provision="s5B(1), (11)",
        note="The duty falls on individual regulated health and social care professionals and "
        "teachers, whoever employs them.",
    ),
}


def _with_bodies(entry: Legislation) -> Legislation:
    bodies = _BODIES.get(entry.id)
    return entry if bodies is None else replace(entry, bodies=bodies)


assert set(_BODIES) <= {e.id for e in _ENTRIES}, "bodies recorded for an uncatalogued provision"

#: Every catalogued Act, instrument and provision, keyed by legislation.gov.uk identifier.
LEGISLATION: dict[str, Legislation] = {e.id: _with_bodies(e) for e in _ENTRIES}
_BY_LOWER: dict[str, str] = {k.lower(): k for k in LEGISLATION}

assert len(LEGISLATION) == len(_ENTRIES), "duplicate legislation id"
assert all(e.status in LEGISLATION_STATUSES for e in _ENTRIES)

#: Statutory guidance that notices cite as if it were legislation. It is not a statutory gateway:
#: a flow needs the Act behind it.
STATUTORY_GUIDANCE: dict[str, str] = {
    "Working Together to Safeguard Children 2023": (
        "Statutory guidance issued under the Children Act 2004 and Local Authority Social Services "
        "Act 1970 s7; it replaced the 2018 edition in December 2023. Not legislation: cite the "
        "Children Act 1989 / 2004 provisions instead."
    ),
    "Working Together to Safeguard Children 2018": (
        "Replaced by Working Together to Safeguard Children 2023; statutory guidance, not legislation."
    ),
    "Keeping Children Safe in Education": (
        "Statutory guidance for schools and colleges (Education Act 2002 s175 and independent "
        "school standards); not legislation."
    ),
    "Information sharing: advice for practitioners": (
        "Non-statutory DfE advice on sharing information for safeguarding; not legislation."
    ),
}

_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?legislation\.gov\.uk/", re.IGNORECASE)
_SUFFIX = re.compile(
    r"/(?:contents|enacted|made|data\.[a-z]+|\d{4}-\d{2}-\d{2})$",
    re.IGNORECASE,
)


def normalise_identifier(identifier: str) -> str:
    """Normalise a legislation.gov.uk identifier or URL to the catalogue's form.

    Strips whitespace, a leading ``http(s)://(www.)legislation.gov.uk/``, a leading ``id/``, any
    query or fragment, version suffixes (``/enacted``, ``/made``, ``/contents``, a date, ``/data.*``)
    and slashes; lower-cases the type prefix and the provision kinds (``section``, ``schedule``...).
    """
    s = (identifier or "").strip()
    s = _PREFIX.sub("", s)
    s = s.split("#", 1)[0].split("?", 1)[0].strip().strip("/")
    if s.lower().startswith("id/"):
        s = s[3:].strip("/")
    while True:
        stripped = _SUFFIX.sub("", s)
        if stripped == s:
            break
        s = stripped.strip("/")
    parts = [p.strip() for p in s.split("/") if p.strip()]
    if not parts:
        return ""
    parts[0] = parts[0].lower()
    for i in range(3, len(parts), 2):
        parts[i] = parts[i].lower()
    return "/".join(parts)


def lookup_legislation(identifier: str) -> Legislation | None:
    """The catalogue entry for an identifier or legislation.gov.uk URL, or None if it is not
    catalogued. Exact after normalising; falls back to a case-insensitive match (``16e``)."""
    key = normalise_identifier(identifier)
    if not key:
        return None
    entry = LEGISLATION.get(key)
    if entry is None and key.lower() in _BY_LOWER:
        entry = LEGISLATION[_BY_LOWER[key.lower()]]
    return entry


def parent_act(identifier: str) -> str:
    """The identifier of the whole Act or instrument: ``"ukpga/1989/41/section/47"`` ->
    ``"ukpga/1989/41"``."""
    parts = normalise_identifier(identifier).split("/")
    return "/".join(parts[:3])


#: What a picker's label adds for a provision that is not in force in England.
_STATUS_LABEL = {
    code: "" if code == "in_force" else f" ({phrase})"
    for code, phrase in LEGISLATION_STATUS.labels("phrase").items()
}
_KIND_ORDER = {"part": 0, "section": 1, "schedule": 2, "regulation": 3, "article": 4}


def _natural(text: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t.lower()) for t in re.findall(r"\d+|\D+", text))


def _sort_key(entry: Legislation) -> tuple[Any, ...]:
    act_id = parent_act(entry.id)
    act_title = _ACT_TITLES.get(act_id, act_id).lower()
    rest = entry.id.split("/")[3:]
    if not rest:
        return (act_title, act_id, -1, ())
    return (act_title, act_id, _KIND_ORDER.get(rest[0], 9), _natural("/".join(rest[1:])))


def _label(entry: Legislation) -> str:
    if entry.id == parent_act(entry.id):
        base = entry.title
    else:
        base = f"{entry.citation} — {entry.title}"
    return base + _STATUS_LABEL.get(entry.status, "")


def legislation_choices() -> list[tuple[str, str]]:
    """(id, label) pairs for a form picker, grouped by Act with each Act first and its provisions
    in natural order, e.g. ``("ukpga/1989/41/section/47", "Children Act 1989 s47 — Local
    authority's duty to investigate")``. Labels flag repealed or superseded provisions."""
    return [(e.id, _label(e)) for e in sorted(LEGISLATION.values(), key=_sort_key)]
