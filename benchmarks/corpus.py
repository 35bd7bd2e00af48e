"""Deterministic synthetic resume corpus for the throughput benchmark.

Only the standard library is used: every resume comes from a seeded ``random.Random``, so the
same ``(n, seed)`` always gives the same texts, on any machine and Python version >= 3.10.

Each resume is plain text of 500-700 whitespace-separated words (``len(text.split())``, bullet
markers included) on 60-80 lines (``text.splitlines()``, blank lines included), with a name
line, a contact line, SUMMARY / EXPERIENCE / SKILLS / CERTIFICATIONS / EDUCATION headings,
bulleted job lines from many professions, dates and employers. Contact lines carry per-resume
unique tokens (e-mail, phone, licence numbers), as real resumes do: a screener that interns every
token it sees grows with the corpus.

About 20% of resumes contain the Mental Health Response skill in varied forms (exact, lower case,
hyphenated, plural and verb forms, abbreviations, typos, spelling variants); about 15% contain
hard negatives (crisis communications, financial crisis, incident response, citation, CIT Group,
negated mentions, ...). ``generate_sample`` exposes which forms were inserted.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "HARD_NEGATIVES",
    "LINE_RANGE",
    "NEGATIVE_RATE",
    "POSITIVE_FORMS",
    "POSITIVE_RATE",
    "SKILL_ACRONYMS",
    "SKILL_PHRASES",
    "WORD_RANGE",
    "Sample",
    "baseline_patterns",
    "generate_corpus",
    "generate_corpus_with_truth",
    "generate_resume",
    "generate_sample",
    "iter_corpus",
    "iter_samples",
]

POSITIVE_RATE = 0.20
NEGATIVE_RATE = 0.15
WORD_RANGE = (500, 700)
LINE_RANGE = (60, 80)

#: Plain lower-case phrases of the skill, for the ``re`` baseline (matched on lower-cased text).
SKILL_PHRASES: list[str] = [
    "crisis intervention",
    "crisis intervention team",
    "crisis intervention training",
    "crisis intervention specialist",
    "nonviolent crisis intervention",
    "crisis response",
    "crisis response team",
    "crisis counseling",
    "crisis counselor",
    "crisis de-escalation",
    "crisis negotiation",
    "crisis negotiator",
    "crisis hotline",
    "crisis line",
    "crisis stabilization",
    "crisis assessment",
    "mobile crisis",
    "mobile crisis team",
    "mental health crisis",
    "mental health crises",
    "mental health response",
    "mental health first aid",
    "behavioral health crisis",
    "behavioral health response",
    "psychiatric emergency",
    "psychiatric emergencies",
    "psychiatric hold",
    "involuntary hold",
    "emergency detention",
    "baker act",
    "5150",
    "5150 hold",
    "de-escalation",
    "de-escalate",
    "de-escalated",
    "de-escalating",
    "verbal de-escalation",
    "co-responder",
    "co-responder program",
    "co-response",
    "suicide prevention",
    "suicide intervention",
    "suicide risk assessment",
    "applied suicide intervention skills training",
    "question persuade refer",
    "safety planning",
    "emotionally disturbed person",
    "emotionally disturbed persons",
    "988 lifeline",
    "cit training",
    "cit officer",
    "cit certified",
]

#: Case-sensitive acronyms of the skill (matched on the original text, whole word).
SKILL_ACRONYMS: list[str] = ["CIT", "ASIST", "QPR", "MHFA", "EDP", "ICAT", "CPI"]


def baseline_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Compile the ``re`` baseline: two alternations, each ``\\b``-bounded, longest first.

    Returns:
        ``(phrases, acronyms)``: apply ``phrases`` to the lower-cased text and ``acronyms``
        (case-sensitive) to the original text.
    """
    phrases = sorted(set(SKILL_PHRASES), key=lambda p: (-len(p), p))
    acronyms = sorted(set(SKILL_ACRONYMS), key=lambda p: (-len(p), p))
    return (
        re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b"),
        re.compile(r"\b(?:" + "|".join(re.escape(a) for a in acronyms) + r")\b"),
    )


# ---------------------------------------------------------------------------------------------
# Skill insertions: (form, template). Placeholders: {n} a count, {h} course hours, {yr} a year.
# "kind" tags let the benchmark break recall down by form.
# ---------------------------------------------------------------------------------------------

POSITIVE_FORMS: dict[str, list[str]] = {
    "exact": [
        "Completed {h}-hour Crisis Intervention Team (CIT) training with the county sheriff",
        "Member of the Crisis Intervention Team responding to calls involving mental illness",
        "Certified in Mental Health First Aid and trained new hires in its core steps",
        "Provided Crisis Intervention to residents during behavioral emergencies on the unit",
        "Assigned to the Co-Responder Program, riding with a licensed clinician on {n} calls",
        "Completed Applied Suicide Intervention Skills Training through the state health office",
        "Led Mental Health Response team coordination with local psychiatric facilities",
        "Used Verbal De-escalation to resolve standoffs without use of force",
    ],
    "lower": [
        "trained in crisis intervention and verbal de-escalation for patrol assignments",
        "served on the mobile crisis team covering {n} calls per month",
        "provided crisis counseling to callers on the overnight shift",
        "completed mental health first aid for adults course in {yr}",
        "coordinated suicide prevention outreach with school counselors",
    ],
    "hyphen": [
        "Crisis-Intervention trained; partnered with clinicians on {n} welfare checks",
        "Worked in a co-responder model pairing officers with mental-health clinicians",
        "Taught de-escalation tactics to recruits during {h}-hour academy block",
        "Completed mental-health crisis response course and field training",
    ],
    "plural_verb": [
        "Responded to over {n} mental health crises and behavioral emergencies",
        "De-escalated agitated individuals in crisis and linked them to services",
        "Conducted crisis interventions with youth in residential placement",
        "De-escalating volatile encounters with people experiencing psychosis",
        "Handled {n} crisis calls involving suicidal callers and safety plans",
        "Intervened in suicidal crises and completed suicide risk assessments",
    ],
    "abbreviation": [
        "CIT-certified officer since {yr}; {h}-hour course",
        "ASIST trained ({yr}) and QPR gatekeeper instructor",
        "MHFA instructor; certified {n} staff",
        "Initiated 5150 holds and transported patients to county psych emergency",
        "Handled EDP calls with ICAT tactics and a clinician on scene",
        "CPI Nonviolent Crisis Intervention certified, renewed {yr}",
        "Completed Baker Act evaluations with the receiving facility",
    ],
    "typo": [
        "Completed Crisis Interventon Team training ({h} hours)",
        "Member of the Mental Heath Response unit for {n} months",
        "Skilled in deescalation of people in acute distress",
        "Crisis Intervension specialist on the night shift",
        "Trained in sucide prevention and intervention for adolescents",
        "Provided mental helth crisis support alongside county clinicians",
    ],
    "variant": [
        "Provided crisis counselling to clients in acute distress",
        "Supported people in behavioural health crisis alongside social workers",
        "Completed Mental Health First Aid (UK) and crisis counselling modules",
        "Delivered de-escalation and crisis intervention training to {n} colleagues",
    ],
}

#: Short forms used in SKILLS / CERTIFICATIONS lines of positive resumes.
POSITIVE_SHORT: dict[str, list[str]] = {
    "exact": ["Crisis Intervention Team (CIT)", "Mental Health First Aid", "De-escalation"],
    "abbreviation": ["CIT", "ASIST", "MHFA", "QPR Gatekeeper", "5150 holds", "ICAT"],
    "typo": ["Crisis Interventon", "Mental Heath Response", "Deescalation"],
    "variant": ["Crisis counselling", "Behavioural health crisis support"],
}

HARD_NEGATIVES: dict[str, list[str]] = {
    "pr_crisis": [
        "Managed crisis communications for a product recall affecting {n} stores",
        "Wrote the crisis communications playbook for the executive team",
        "Handled media relations during a reputation crisis for a regional brand",
    ],
    "finance_crisis": [
        "Analyzed loan losses following the {yr} financial crisis",
        "Modeled liquidity stress scenarios after the financial crisis",
        "Tracked CPI and wage data for quarterly inflation forecasts",
    ],
    "it_incident": [
        "Led incident response for {n} security events, including ransomware triage",
        "Built incident response runbooks and on-call escalation paths",
        "Performed EDP audit of general ledger controls",
    ],
    "citation": [
        "Issued citations for traffic violations and parking offenses",
        "Managed citation formatting for {n} published research papers",
        "Processed court citations and warrant paperwork",
    ],
    "cit_group": [
        "Senior Analyst, CIT Group, commercial lending division",
        "Underwrote equipment leases at CIT Group for mid-market clients",
    ],
    "city": [
        "Coordinated city council meetings and public records requests",
        "Liaised with city planning and zoning staff on {n} permits",
    ],
    "negated": [
        "No crisis intervention experience; eager to complete training",
        "Interested in pursuing CIT training in the future",
        "Did not receive mental health first aid certification",
    ],
    "other_domain_deescalation": [
        "De-escalated customer complaints at the service desk",
        "De-escalated pricing disputes with vendors during contract renewal",
    ],
}

# ---------------------------------------------------------------------------------------------
# Generic resume material. Nothing here may contain a SKILL_PHRASES phrase, a SKILL_ACRONYMS
# acronym, "crisis", "suicid", "de-escalat" or "psychiatr" (tests/test_benchmark_corpus.py).
# ---------------------------------------------------------------------------------------------

FIRST_NAMES = [
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Michael",
    "Patricia",
    "David",
    "Jennifer",
    "William",
    "Elizabeth",
    "Carlos",
    "Aisha",
    "Thomas",
    "Nguyen",
    "Daniel",
    "Priya",
    "Kevin",
    "Fatima",
    "Brian",
    "Olivia",
    "Marcus",
    "Sofia",
    "Jamal",
    "Emily",
    "Andre",
    "Hannah",
    "Luis",
    "Grace",
    "Tyrone",
    "Mei",
    "Samuel",
    "Rachel",
    "Diego",
    "Chloe",
    "Ahmed",
    "Natalie",
    "Trevor",
    "Zoe",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Garcia",
    "Brown",
    "Martinez",
    "Davis",
    "Rodriguez",
    "Wilson",
    "Lopez",
    "Anderson",
    "Thomas",
    "Jackson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "Wright",
    "Scott",
    "Torres",
    "Hill",
    "Green",
    "Adams",
    "Nelson",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
    "Turner",
    "Parker",
    "Collins",
    "Reyes",
    "Patel",
    "Kim",
    "Okafor",
    "Novak",
    "Haddad",
    "Sullivan",
    "Brennan",
    "Castillo",
    "Fischer",
]
PLACES = [
    ("Springfield", "IL"),
    ("Austin", "TX"),
    ("Tampa", "FL"),
    ("Columbus", "OH"),
    ("Sacramento", "CA"),
    ("Denver", "CO"),
    ("Raleigh", "NC"),
    ("Spokane", "WA"),
    ("Albany", "NY"),
    ("Phoenix", "AZ"),
    ("Madison", "WI"),
    ("Richmond", "VA"),
    ("Boise", "ID"),
    ("Tulsa", "OK"),
    ("Omaha", "NE"),
    ("Savannah", "GA"),
    ("Fresno", "CA"),
    ("Knoxville", "TN"),
    ("Reno", "NV"),
    ("Portland", "OR"),
]
MAIL_DOMAINS = ["example.com", "example.org", "mail.example.net", "inbox.example.com"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
TOOLS = [
    "Excel",
    "Salesforce",
    "SAP",
    "Python",
    "SQL",
    "Tableau",
    "Workday",
    "ServiceNow",
    "Jira",
    "QuickBooks",
    "Epic",
    "Cerner",
    "AWS",
    "Azure",
    "PowerShell",
    "Spillman",
    "Tyler New World",
    "Motorola CAD",
    "Google Workspace",
    "HubSpot",
    "Canvas",
    "Zendesk",
]


@dataclass(frozen=True)
class Profession:
    name: str
    titles: tuple[str, ...]
    employers: tuple[str, ...]
    bullets: tuple[str, ...]
    skills: tuple[str, ...]
    certs: tuple[str, ...]
    degrees: tuple[str, ...]
    area: str


def _p(
    name: str,
    titles: list[str],
    employers: list[str],
    bullets: list[str],
    skills: list[str],
    certs: list[str],
    degrees: list[str],
) -> Profession:
    return Profession(
        name,
        tuple(titles),
        tuple(employers),
        tuple(bullets),
        tuple(skills),
        tuple(certs),
        tuple(degrees),
        _AREAS[name],
    )


_AREAS = {
    "police": "law enforcement",
    "corrections": "corrections",
    "nursing": "patient care",
    "retail": "retail operations",
    "it": "IT operations",
    "finance": "finance and accounting",
    "pr": "communications",
    "teaching": "education",
    "dispatch": "public safety communications",
    "ems": "emergency medical services",
    "social_work": "human services",
    "logistics": "logistics",
    "hospitality": "hospitality",
    "security": "security",
    "hr_admin": "HR and administration",
}

PROFESSIONS: list[Profession] = [
    _p(
        "police",
        [
            "Patrol Officer",
            "Police Officer II",
            "Deputy Sheriff",
            "Patrol Sergeant",
            "Community Policing Officer",
            "Field Training Officer",
        ],
        [
            "{city} Police Department",
            "{city} County Sheriff's Office",
            "State Highway Patrol",
            "University Police Department",
            "Metro Transit Police",
        ],
        [
            "Responded to an average of {n} calls for service per shift across a {n2}-mile beat",
            "Conducted traffic stops, field interviews and vehicle searches within policy",
            "Wrote detailed incident reports and testified in municipal and district court",
            "Investigated burglaries, thefts and assaults, recovering stolen property worth ${k}K",
            "Served as field training officer for {n2} recruits during probationary periods",
            "Collected and documented evidence, maintaining chain of custody for lab submission",
            "Partnered with neighborhood associations to reduce repeat calls by {pct}%",
            "Coordinated with detectives on follow-up interviews and warrant service",
            "Operated in-car computer and body-worn camera systems in line with department policy",
            "Directed traffic and secured scenes at major collisions and public events",
            "Executed search warrants as part of a multi-agency narcotics task force",
            "Maintained patrol vehicle, duty equipment and firearms qualification scores",
        ],
        [
            "Report writing",
            "Evidence handling",
            "Defensive tactics",
            "Firearms",
            "Community policing",
            "Spanish (conversational)",
            "Radio procedures",
        ],
        [
            "POST Basic Peace Officer Certificate",
            "First Aid/CPR/AED",
            "Radar/Lidar Operator",
            "Field Training Officer Certification",
            "Taser Instructor",
        ],
        ["B.S. Criminal Justice", "A.A.S. Law Enforcement", "B.A. Sociology"],
    ),
    _p(
        "corrections",
        [
            "Correctional Officer",
            "Detention Deputy",
            "Corrections Sergeant",
            "Juvenile Detention Officer",
        ],
        [
            "{city} County Jail",
            "State Department of Corrections",
            "Regional Detention Center",
            "{city} Juvenile Justice Center",
        ],
        [
            "Supervised housing units of up to {n} inmates, conducting counts and cell searches",
            "Escorted inmates to court, medical appointments and visitation",
            "Documented rule violations and wrote disciplinary reports for hearing officers",
            "Monitored surveillance cameras and controlled access to secure areas",
            "Processed intake and release paperwork for {n} bookings per week",
            "Inspected facility for contraband, maintenance issues and fire hazards",
            "Trained {n2} new officers on post orders and emergency procedures",
            "Maintained logs of meals, recreation and inmate property",
        ],
        [
            "Inmate supervision",
            "Report writing",
            "Use-of-force policy",
            "Facility security",
            "Emergency procedures",
        ],
        ["State Corrections Officer Certification", "First Aid/CPR/AED", "OC Spray Certified"],
        ["A.S. Criminal Justice", "B.S. Criminology", "High School Diploma"],
    ),
    _p(
        "nursing",
        [
            "Registered Nurse",
            "Charge Nurse",
            "Emergency Department RN",
            "Staff Nurse",
            "Licensed Practical Nurse",
        ],
        [
            "{city} General Hospital",
            "St. Mary's Medical Center",
            "Regional Health System",
            "Valley Community Clinic",
            "{city} Memorial Hospital",
        ],
        [
            "Provided direct care to {n2} patients per shift on a {n}-bed medical-surgical unit",
            "Administered medications and IV therapy, documenting in {tool}",
            "Triaged incoming patients and escalated changes in condition to providers",
            "Educated patients and families on discharge plans and medication schedules",
            "Precepted {n2} new graduate nurses through orientation",
            "Reduced patient falls by {pct}% through hourly rounding and bed alarms",
            "Coordinated with case managers, pharmacy and therapy for safe transitions",
            "Monitored telemetry and responded to rapid response codes",
            "Participated in unit quality council and infection control audits",
        ],
        [
            "Patient assessment",
            "IV therapy",
            "Medication administration",
            "Epic charting",
            "Wound care",
            "Telemetry",
        ],
        ["RN License #{lic}", "BLS", "ACLS", "PALS", "TNCC"],
        ["B.S. Nursing", "A.D.N. Nursing", "M.S. Nursing"],
    ),
    _p(
        "retail",
        [
            "Store Manager",
            "Assistant Store Manager",
            "Sales Associate",
            "Shift Supervisor",
            "Department Lead",
        ],
        ["Target", "Walgreens", "Home Depot", "Best Buy", "Kroger", "REI", "Macy's"],
        [
            "Managed a team of {n2} associates and scheduled shifts to meet labor targets",
            "Increased monthly sales by {pct}% through merchandising and upselling",
            "Handled cash office, deposits and register audits with zero variances",
            "Resolved customer complaints and processed returns and exchanges",
            "Received shipments and maintained inventory accuracy above {pct}%",
            "Trained new hires on point-of-sale systems and loss prevention basics",
            "Executed planograms and seasonal resets on schedule",
            "Opened and closed the store, ensuring security procedures were followed",
        ],
        ["Customer service", "Inventory control", "POS systems", "Scheduling", "Merchandising"],
        ["ServSafe Food Handler", "Forklift Certified", "Retail Management Certificate"],
        ["B.A. Business Administration", "Associate of Applied Science", "High School Diploma"],
    ),
    _p(
        "it",
        [
            "Systems Administrator",
            "Software Engineer",
            "IT Support Specialist",
            "Network Engineer",
            "DevOps Engineer",
            "Help Desk Technician",
        ],
        ["Acme Software", "Northwind Systems", "Globex Corporation", "Initech", "Contoso Ltd."],
        [
            "Administered {n} Windows and Linux servers with {tool} automation",
            "Resolved {n} help desk tickets per month with {pct}% first-contact resolution",
            "Migrated on-premises workloads to {tool}, cutting hosting costs by {pct}%",
            "Built CI/CD pipelines and container images for {n2} services",
            "Configured firewalls, VLANs and VPN access for remote staff",
            "Wrote scripts in {tool} to automate account provisioning",
            "Monitored uptime and capacity, keeping availability above 99.9%",
            "Documented system architecture and onboarding guides in the team wiki",
            "Patched endpoints monthly and tracked compliance in {tool}",
        ],
        [
            "Linux",
            "Windows Server",
            "Active Directory",
            "Python",
            "Bash",
            "Networking",
            "Docker",
            "Kubernetes",
            "Terraform",
        ],
        ["CompTIA Security+", "CompTIA A+", "CCNA", "AWS Solutions Architect Associate"],
        ["B.S. Computer Science", "B.S. Information Technology", "A.A.S. Network Technology"],
    ),
    _p(
        "finance",
        [
            "Financial Analyst",
            "Staff Accountant",
            "Credit Analyst",
            "Loan Officer",
            "Senior Accountant",
        ],
        [
            "First National Bank",
            "Wells Fargo",
            "KPMG",
            "Regional Credit Union",
            "Harbor Capital Partners",
        ],
        [
            "Prepared monthly close, reconciliations and journal entries for {n2} entities",
            "Built forecasting models in {tool} for a ${k}M operating budget",
            "Analyzed variances and presented findings to senior leadership",
            "Underwrote commercial loans totaling ${k}M with a default rate under {pct2}%",
            "Supported external audits and prepared SOX control documentation",
            "Automated reporting in {tool}, saving {n2} hours per month",
            "Reviewed expense reports and vendor payments for policy compliance",
        ],
        ["Financial modeling", "GAAP", "Excel", "SQL", "Budgeting", "Variance analysis"],
        ["CPA", "Series 7", "Series 63", "CFA Level I"],
        ["B.S. Accounting", "B.B.A. Finance", "M.B.A."],
    ),
    _p(
        "pr",
        [
            "Communications Manager",
            "Public Relations Specialist",
            "Media Relations Coordinator",
            "Marketing Manager",
        ],
        [
            "Brightline Communications",
            "Edelman",
            "{city} Chamber of Commerce",
            "Summit Health Foundation",
            "Blue Harbor Agency",
        ],
        [
            "Wrote press releases and pitched stories, earning {n} placements in regional media",
            "Managed social media calendars, growing followers by {pct}%",
            "Prepared executives for interviews and speaking engagements",
            "Coordinated launch events attended by {n} guests",
            "Tracked coverage and sentiment with {tool} dashboards",
            "Edited newsletters and annual reports for donors and stakeholders",
            "Managed a ${k}K agency budget and vendor contracts",
        ],
        ["Media relations", "Copywriting", "Social media", "AP style", "Event planning"],
        ["APR (Accredited in Public Relations)", "Google Analytics Certification"],
        ["B.A. Communications", "B.A. Journalism", "M.A. Strategic Communication"],
    ),
    _p(
        "teaching",
        [
            "Teacher",
            "Middle School Science Teacher",
            "High School English Teacher",
            "Special Education Teacher",
            "Instructional Coach",
        ],
        [
            "{city} Unified School District",
            "Lincoln Middle School",
            "Roosevelt High School",
            "Bright Futures Charter Academy",
        ],
        [
            "Taught {n2} sections of grade-level curriculum to classes of {n} students",
            "Designed lessons aligned to state standards using {tool}",
            "Raised end-of-year assessment proficiency by {pct}%",
            "Led parent-teacher conferences and wrote progress reports",
            "Coached the debate team to {n2} regional tournament wins",
            "Differentiated instruction for English learners and students with IEPs",
            "Mentored {n2} student teachers from the state university",
        ],
        [
            "Classroom management",
            "Curriculum design",
            "Google Classroom",
            "Assessment",
            "Differentiated instruction",
        ],
        ["State Teaching License", "ESL Endorsement", "First Aid/CPR/AED"],
        ["B.A. Education", "M.Ed. Curriculum and Instruction", "B.S. Biology"],
    ),
    _p(
        "dispatch",
        [
            "911 Dispatcher",
            "Public Safety Telecommunicator",
            "Emergency Communications Officer",
            "Dispatch Supervisor",
        ],
        [
            "{city} Emergency Communications Center",
            "County 911 Authority",
            "Regional Public Safety Answering Point",
        ],
        [
            "Answered {n} emergency and non-emergency calls per shift on a {n2}-position floor",
            "Dispatched police, fire and EMS units using {tool}",
            "Gave pre-arrival medical instructions following EMD protocols",
            "Ran warrant, license and plate checks through state and national databases",
            "Maintained unit status and radio logs during multi-agency incidents",
            "Trained {n2} new telecommunicators on call-taking standards",
            "Kept call-processing times {pct}% under the state benchmark",
        ],
        ["Call taking", "Radio dispatch", "CAD systems", "Multitasking", "Spanish"],
        ["APCO Public Safety Telecommunicator", "EMD Certification", "NCIC Certified"],
        ["A.A. Emergency Management", "High School Diploma", "B.S. Public Administration"],
    ),
    _p(
        "ems",
        ["Paramedic", "EMT-Basic", "Firefighter/EMT", "Flight Paramedic"],
        ["{city} Fire Department", "County EMS", "AirCare Transport", "Lifeline Ambulance"],
        [
            "Provided advanced life support on {n} emergency transports per month",
            "Performed patient assessments, airway management and cardiac monitoring",
            "Documented patient care reports in {tool} within shift deadlines",
            "Checked and restocked the ambulance and medication inventory daily",
            "Participated in mass-casualty drills with hospitals and fire units",
            "Taught CPR classes to {n} community members",
        ],
        ["Patient assessment", "ALS protocols", "Airway management", "Vehicle operations"],
        ["NREMT-P", "ACLS", "PHTLS", "BLS Instructor"],
        ["A.A.S. Paramedicine", "Paramedic Certificate", "B.S. Health Sciences"],
    ),
    _p(
        "social_work",
        ["Case Manager", "Social Worker", "Family Services Specialist", "Community Health Worker"],
        [
            "{city} Department of Human Services",
            "Catholic Charities",
            "Family Services Agency",
            "Hope Community Center",
        ],
        [
            "Managed a caseload of {n} families, completing home visits and service plans",
            "Connected clients with housing, food and benefits programs",
            "Documented case notes and eligibility reviews in {tool}",
            "Coordinated with schools, courts and healthcare providers",
            "Facilitated weekly parenting and life-skills groups for {n2} participants",
            "Tracked outcomes and prepared monthly grant reports",
        ],
        ["Case management", "Resource referral", "Motivational interviewing", "Documentation"],
        ["Licensed Social Worker", "Certified Case Manager", "First Aid/CPR/AED"],
        ["B.S.W. Social Work", "M.S.W.", "B.A. Psychology"],
    ),
    _p(
        "logistics",
        ["Warehouse Supervisor", "Logistics Coordinator", "Operations Manager", "Truck Driver"],
        ["Amazon", "UPS", "FedEx Freight", "Sysco", "Werner Enterprises"],
        [
            "Supervised {n2} associates across inbound, picking and shipping",
            "Improved pick rates by {pct}% by re-slotting fast movers",
            "Scheduled carriers and tracked {n} shipments weekly in {tool}",
            "Maintained OSHA compliance and led daily safety huddles",
            "Cut inventory shrink by {pct}% with cycle counts and audits",
            "Drove {n},000 accident-free miles on regional routes",
        ],
        ["Inventory management", "WMS", "Forklift", "Routing", "Lean"],
        ["OSHA 30", "CDL Class A", "Forklift Certified", "Six Sigma Yellow Belt"],
        ["B.S. Supply Chain Management", "A.A.S. Logistics", "High School Diploma"],
    ),
    _p(
        "hospitality",
        ["Restaurant Manager", "Front Desk Agent", "Banquet Captain", "Line Cook"],
        ["Marriott", "Hilton Garden Inn", "Olive Garden", "Riverside Grill", "Hyatt Regency"],
        [
            "Managed front-of-house staff of {n2} servers and hosts",
            "Kept food cost under {pct}% through ordering and waste tracking",
            "Checked in {n} guests per shift and handled billing questions",
            "Planned banquets for up to {n} guests with the catering team",
            "Trained staff on food safety and allergen procedures",
            "Raised guest satisfaction scores by {pct}% in two quarters",
        ],
        ["Guest service", "Food safety", "Scheduling", "POS", "Cash handling"],
        ["ServSafe Manager", "TIPS Alcohol Certification"],
        ["A.A.S. Hospitality Management", "B.S. Hotel Administration", "Culinary Certificate"],
    ),
    _p(
        "security",
        ["Security Officer", "Loss Prevention Specialist", "Security Supervisor"],
        ["Allied Universal", "Securitas", "G4S", "Mall Security Services"],
        [
            "Patrolled a {n2}-acre campus and logged hourly checkpoint scans",
            "Monitored alarms and CCTV and coordinated with local police",
            "Apprehended {n2} shoplifters and prepared case files for prosecution",
            "Enforced access control and issued visitor badges",
            "Wrote daily activity and incident reports",
        ],
        ["Access control", "CCTV", "Report writing", "Patrol"],
        ["State Guard Card", "First Aid/CPR/AED", "Baton Certification"],
        ["High School Diploma", "A.S. Criminal Justice"],
    ),
    _p(
        "hr_admin",
        ["HR Generalist", "Office Manager", "Recruiter", "Administrative Assistant"],
        [
            "Horizon Health Partners",
            "{city} County Government",
            "Pinnacle Staffing",
            "Greenfield Manufacturing",
        ],
        [
            "Recruited for {n2} open positions per quarter, cutting time-to-fill by {pct}%",
            "Processed payroll for {n} employees in {tool}",
            "Coordinated onboarding, benefits enrollment and exit interviews",
            "Managed calendars, travel and meeting logistics for executives",
            "Maintained personnel files in line with retention policies",
            "Drafted policies and the employee handbook update",
        ],
        ["Recruiting", "Payroll", "Benefits", "HRIS", "Scheduling"],
        ["SHRM-CP", "PHR", "Notary Public"],
        ["B.A. Human Resources", "B.S. Business", "A.A. Office Administration"],
    ),
]

_BY_NAME = {p.name: p for p in PROFESSIONS}
#: Professions where the skill is usual; positives are drawn from these most of the time.
_SKILL_PROFESSIONS = [
    "police",
    "corrections",
    "nursing",
    "dispatch",
    "ems",
    "social_work",
    "security",
]

SUMMARY_OPENERS = [
    "{adj} {title} with {y} years of experience in {area}.",
    "{title} bringing {y} years of {area} experience and a record of dependable results.",
    "Results-driven {title} with a background in {area} and team leadership.",
    "{adj} professional with {y}+ years across {area}, known for clear communication.",
]
SUMMARY_TAILS = [
    "Comfortable with {tool} and fast-paced environments; works well across teams.",
    "Skilled at training peers, improving processes and meeting tight deadlines.",
    "Seeking a role where steady judgment and service to the public matter.",
    "Strong writer and organizer who takes ownership of outcomes.",
    "Bilingual in English and Spanish; reliable on nights, weekends and holidays.",
]
ADJECTIVES = [
    "Dedicated",
    "Detail-oriented",
    "Experienced",
    "Reliable",
    "Motivated",
    "Compassionate",
    "Organized",
]
GENERIC_SKILLS = [
    "Microsoft Office",
    "Time management",
    "Team leadership",
    "Problem solving",
    "Written communication",
    "Conflict resolution",
    "Customer service",
    "Training and mentoring",
    "Data entry",
    "Public speaking",
]
#: Bullets any job can carry; used to pad once a profession's own templates run out.
GENERIC_BULLETS = [
    "Completed annual compliance, ethics and safety training on schedule",
    "Served on the employee engagement committee and planned quarterly events",
    "Mentored new team members and wrote a quick-start guide for the role",
    "Kept accurate daily logs and handed off open items at shift change",
    "Volunteered for overtime during peak periods and holiday coverage",
    "Recommended a scheduling change that reduced overtime by {pct}%",
    "Represented the team at monthly cross-department planning meetings",
    "Maintained a perfect attendance record for {n2} consecutive months",
    "Updated standard operating procedures after a process review",
    "Helped pilot a new {tool} rollout and trained {n2} coworkers on it",
    "Handled confidential information in line with privacy policies",
    "Organized a food drive that collected {n} pounds for the local pantry",
    "Prepared weekly status reports for the department manager",
    "Answered phones and e-mail from the public in a courteous, timely way",
    "Ordered supplies and tracked spending against the monthly budget",
    "Took part in a {n2}-week leadership development program",
    "Covered for the supervisor during vacations and leave periods",
    "Audited files for completeness and corrected {n} errors before review",
    "Built a shared tracker in {tool} so the team could see open work",
    "Met or exceeded every quarterly performance goal for {n2} quarters",
    "Gave tours and job-shadow days to students from local high schools",
    "Assisted with hiring interviews and new-employee orientation",
    "Coordinated equipment maintenance with outside vendors",
    "Kept the work area clean, organized and ready for inspection",
]
CLAUSE_RATE = 0.45
CLAUSES = [
    ", meeting every deadline set by leadership",
    " in close coordination with supervisors and peers",
    ", earning a team recognition award",
    " across day, night and weekend rotations",
    " while keeping records accurate and audit-ready",
    " under a tight budget and staffing constraints",
    ", with consistently strong performance reviews",
    " as part of a {n2}-person team",
    " and briefed management on results each quarter",
    " ahead of schedule",
]
SCHOOLS = [
    "State University",
    "Community College of {city}",
    "University of {state}",
    "{city} Technical College",
    "Western Governors University",
    "Central State College",
]


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One generated resume with its ground truth.

    Attributes:
        text: The resume text.
        positive: True when the skill was inserted.
        forms: The kinds of skill forms inserted (keys of ``POSITIVE_FORMS``).
        negatives: The kinds of hard negatives inserted (keys of ``HARD_NEGATIVES``).
        profession: The main profession used for the job bullets.
    """

    text: str
    positive: bool
    forms: tuple[str, ...] = ()
    negatives: tuple[str, ...] = ()
    profession: str = ""


@dataclass
class _Job:
    title: str
    header: str
    bullets: list[str]


def _fill(rng: random.Random, template: str, city: str = "", state: str = "") -> str:
    if "{" not in template:
        return template
    return template.format(
        n=rng.randint(12, 480),
        n2=rng.randint(2, 30),
        k=rng.randint(15, 950),
        pct=rng.randint(5, 45),
        pct2=rng.randint(1, 4),
        h=rng.choice([8, 16, 24, 32, 40]),
        yr=rng.randint(2008, 2024),
        tool=rng.choice(TOOLS),
        lic=rng.randint(100000, 999999),
        city=city,
        state=state,
    )


def _date_range(rng: random.Random, start: int, end: int | None) -> str:
    style = rng.randrange(3)
    m1, m2 = rng.randint(1, 12), rng.randint(1, 12)
    if style == 0:
        tail = "Present" if end is None else f"{MONTHS[m2 - 1]} {end}"
        return f"{MONTHS[m1 - 1]} {start} - {tail}"
    if style == 1:
        tail = "present" if end is None else f"{m2:02d}/{end}"
        return f"{m1:02d}/{start} - {tail}"
    return f"{start}-{'Present' if end is None else end}"


def _words(lines: list[str]) -> int:
    return sum(len(line.split()) for line in lines)


def _bullet_text(rng: random.Random, template: str, city: str, state: str) -> str:
    text = _fill(rng, template, city, state)
    if rng.random() < CLAUSE_RATE:
        text += _fill(rng, rng.choice(CLAUSES), city, state)
    return text


def _try_resume(rng: random.Random, positive: bool, negative: bool) -> Sample | None:
    if positive and rng.random() < 0.8:
        prof = _BY_NAME[rng.choice(_SKILL_PROFESSIONS)]
    else:
        prof = rng.choice(PROFESSIONS)
    second = prof if rng.random() < 0.6 else rng.choice(PROFESSIONS)
    city, state = rng.choice(PLACES)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    bullet = rng.choice(["- ", "• "])

    # Header: name line and a contact line with per-resume unique tokens.
    email = f"{first[0].lower()}{last.lower()}{rng.randint(10, 9999)}@{rng.choice(MAIL_DOMAINS)}"
    phone = f"({rng.randint(201, 989)}) 555-01{rng.randint(0, 99):02d}"
    name = f"{first} {last}"
    if rng.random() < 0.4:
        name = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
    header = [name, f"{city}, {state} | {phone} | {email}"]

    # Jobs, newest first; each keeps the templates it has not used yet, for padding.
    n_jobs = rng.choice([3, 4, 4])
    year = 2025
    jobs: list[_Job] = []
    unused: list[list[str]] = []
    for j in range(n_jobs):
        p = prof if j % 2 == 0 else second
        span = rng.randint(1, 6)
        end = None if j == 0 and rng.random() < 0.7 else year
        start = year - span
        year = start - rng.randint(0, 1)
        title = rng.choice(p.titles)
        employer = _fill(rng, rng.choice(p.employers), city, state)
        c2, s2 = (city, state) if rng.random() < 0.7 else rng.choice(PLACES)
        sep = rng.choice([" | ", ", ", " - "])
        head = f"{employer}{sep}{c2}, {s2}{sep}{_date_range(rng, start, end)}"
        pool = list(p.bullets)
        rng.shuffle(pool)
        k = rng.randint(4, min(7, len(pool) - 1))
        jobs.append(_Job(title, head, [_bullet_text(rng, b, city, state) for b in pool[:k]]))
        unused.append(pool[k:] + rng.sample(GENERIC_BULLETS, 8))

    summary = [
        rng.choice(SUMMARY_OPENERS).format(
            adj=rng.choice(ADJECTIVES),
            title=jobs[0].title,
            y=2025 - year,
            area=rng.choice([prof.area, prof.area, "public service", "team environments"]),
        ),
        _fill(rng, rng.choice(SUMMARY_TAILS), city, state),
    ]
    skills = rng.sample(list(prof.skills), min(len(prof.skills), rng.randint(3, 5)))
    skills += rng.sample(GENERIC_SKILLS, rng.randint(2, 4))
    certs = [
        _fill(rng, c, city, state)
        for c in rng.sample(list(prof.certs), min(len(prof.certs), rng.randint(1, 3)))
    ]
    school = rng.choice(SCHOOLS).format(city=city, state=state)
    edu = [f"{rng.choice(prof.degrees)}, {school}, {year - rng.randint(0, 3)}"]
    if rng.random() < 0.5:
        edu.append(f"Coursework: {', '.join(rng.sample(GENERIC_SKILLS, 3))}")

    # Skill insertions and hard negatives; these lines are never trimmed.
    special: list[tuple[int, str]] = []
    forms: list[str] = []
    if positive:
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            kind = rng.choice(list(POSITIVE_FORMS))
            forms.append(kind)
            where = rng.random()
            if where < 0.65 or kind not in POSITIVE_SHORT:
                line = _fill(rng, rng.choice(POSITIVE_FORMS[kind]))
                if where >= 0.9:
                    summary.insert(1, line + ".")
                else:
                    special.append((rng.randrange(n_jobs), line))
            elif where < 0.8:
                skills.insert(rng.randrange(len(skills) + 1), rng.choice(POSITIVE_SHORT[kind]))
            else:
                certs.append(rng.choice(POSITIVE_SHORT[kind]) + f" ({rng.randint(2012, 2024)})")
    negs: list[str] = []
    if negative:
        for _ in range(rng.choice([1, 1, 2])):
            kind = rng.choice(list(HARD_NEGATIVES))
            negs.append(kind)
            special.append((rng.randrange(n_jobs), _fill(rng, rng.choice(HARD_NEGATIVES[kind]))))
    for j, line in special:
        jobs[j].bullets.insert(rng.randrange(len(jobs[j].bullets) + 1), line)
    special_texts = {line for _, line in special}

    per = rng.randint(3, 5)
    skill_lines = [", ".join(skills[i : i + per]) for i in range(0, len(skills), per)]
    heading_style = rng.randrange(3)

    def heading(name: str) -> str:
        if heading_style == 0:
            return name
        if heading_style == 1:
            return name.title()
        return name + ":"

    def render() -> list[str]:
        out = list(header)
        out += ["", heading("SUMMARY"), *summary, "", heading("EXPERIENCE")]
        for n, job in enumerate(jobs):
            if n:
                out.append("")
            out += [job.title, job.header]
            out += [bullet + b for b in job.bullets]
        out += ["", heading("SKILLS"), *skill_lines]
        out += ["", heading("CERTIFICATIONS"), *(bullet + c for c in certs)]
        out += ["", heading("EDUCATION"), *edu]
        return out

    # Pad or trim generic bullets towards a per-resume word target, within both ranges.
    lines = render()
    n_words, n_lines = _words(lines), len(lines)
    target = rng.randint(WORD_RANGE[0] + 40, WORD_RANGE[1] - 20)
    lo_l, hi_l = LINE_RANGE
    for _ in range(60):
        if abs(n_words - target) <= 25 and lo_l <= n_lines <= hi_l:
            break
        if (n_words < target and n_lines < hi_l) or n_lines < lo_l:
            choices = [j for j in range(n_jobs) if unused[j] and len(jobs[j].bullets) < 14]
            if not choices:
                return None
            j = rng.choice(choices)
            text = _bullet_text(rng, unused[j].pop(), city, state)
            jobs[j].bullets.insert(rng.randrange(len(jobs[j].bullets) + 1), text)
            n_words += len(text.split()) + 1
            n_lines += 1
        else:
            j = max(range(n_jobs), key=lambda i: len(jobs[i].bullets))
            removable = [i for i, b in enumerate(jobs[j].bullets) if b not in special_texts]
            if len(removable) <= 2:
                return None
            n_words -= len(jobs[j].bullets.pop(rng.choice(removable)).split()) + 1
            n_lines -= 1
    lines = render()
    n_words, n_lines = _words(lines), len(lines)
    if not (WORD_RANGE[0] <= n_words <= WORD_RANGE[1] and lo_l <= n_lines <= hi_l):
        return None
    return Sample(
        text="\n".join(lines) + "\n",
        positive=positive,
        forms=tuple(forms),
        negatives=tuple(negs),
        profession=prof.name,
    )


def generate_sample(rng: random.Random) -> Sample:
    """Generate one resume with its ground truth, consuming ``rng``."""
    positive = rng.random() < POSITIVE_RATE
    negative = rng.random() < NEGATIVE_RATE
    while True:
        sample = _try_resume(rng, positive, negative)
        if sample is not None:
            return sample


def generate_resume(rng: random.Random) -> str:
    """Generate one resume text, consuming ``rng``."""
    return generate_sample(rng).text


def iter_samples(n: int, seed: int = 0) -> Iterator[Sample]:
    """Yield ``n`` samples lazily (same sequence as ``generate_corpus_with_truth``)."""
    rng = random.Random(seed)
    for _ in range(n):
        yield generate_sample(rng)


def iter_corpus(n: int, seed: int = 0) -> Iterator[str]:
    """Yield ``n`` resume texts lazily (same sequence as ``generate_corpus``)."""
    for sample in iter_samples(n, seed):
        yield sample.text


def generate_corpus(n: int, seed: int = 0) -> list[str]:
    """Return ``n`` resume texts, deterministic for a given seed."""
    return list(iter_corpus(n, seed))


def generate_corpus_with_truth(n: int, seed: int = 0) -> list[tuple[str, bool]]:
    """Return ``n`` ``(text, has_skill)`` pairs, deterministic for a given seed."""
    return [(s.text, s.positive) for s in iter_samples(n, seed)]
