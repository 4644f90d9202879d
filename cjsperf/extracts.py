"""The data contract: every extract the dashboard reads, where its files live and what columns they hold.

This module is the single source of truth for the contract. The ingest (`cjsperf.db`), the sample
generator (`cjsperf.sample`) and `data/README.md` all follow it. Allowed values that belong to a
reference list (offence categories, force areas, court centres) live in `data/reference/*.csv`; the
fixed vocabularies below are the ones no manager is expected to edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The 12 principal offence categories in CPS's published order.
OFFENCE_CATEGORIES: tuple[str, ...] = (
    "Homicide",
    "Offences Against The Person",
    "Sexual Offences",
    "Burglary",
    "Robbery",
    "Theft And Handling",
    "Fraud And Forgery",
    "Criminal Damage",
    "Drugs Offences",
    "Public Order Offences",
    "All Other Offences (excluding Motoring)",
    "Motoring Offences",
)

FLAGS: tuple[str, ...] = ("Hate crime", "Domestic abuse")
ALL_CRIME = "All crime"
# Every value the shared "crime type" filter can take, in the order it is offered.
CRIME_TYPES: tuple[str, ...] = (ALL_CRIME, *FLAGS, *OFFENCE_CATEGORIES)

AREA_FORCES: tuple[str, ...] = ("Staffordshire", "Warwickshire", "West Mercia", "West Midlands")
HOME_AREA = "CPS West Midlands"

COURT_TYPES: tuple[str, ...] = ("Magistrates' court", "Crown Court")
SPEND_TYPES: tuple[str, ...] = ("Agent session fee", "External counsel fee")
SITTINGS: tuple[str, ...] = ("AM", "PM")
LIST_TYPES: tuple[str, ...] = (
    "TSJ anticipated guilty plea",
    "TSJ anticipated not guilty plea",
    "Remand",
    "Trial",
    "Youth",
    "Motoring",
    "Specialist domestic abuse",
)
PROSECUTORS: tuple[str, ...] = ("In-house", "Agent")
TEAMS: tuple[str, ...] = (
    "Magistrates' Court Unit Birmingham",
    "Magistrates' Court Unit Stoke",
    "Crown Court Unit Birmingham",
    "Crown Court Unit Stoke",
    "RASSO",
    "Complex Casework",
)
TASK_TYPES: tuple[str, ...] = (
    "Case review",
    "Correspondence",
    "Court result",
    "Victim letter",
    "Disclosure",
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # how staging reads it: text, int, money, date, month
    description: str
    required: bool = True


@dataclass(frozen=True)
class Extract:
    name: str  # also the folder under data/ and the staging file queries/staging/<name>.sql
    title: str
    glob: str  # relative to the data folder; .csv and .csv.gz, the file name in any case
    grain: str
    columns: tuple[Column, ...]
    synthetic: bool
    source: str
    period_column: str  # in stg_<name>: the date that places a row in time
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _case_outcome_columns() -> tuple[Column, ...]:
    cols = [
        Column("", "text", "Police force area as CPS spells it, or National (header cell empty)")
    ]
    for cat in OFFENCE_CATEGORIES:
        cols += [
            Column(f"Number of {cat} Convictions", "int", f"{cat}: defendants convicted"),
            Column(f"Percentage of {cat} Convictions", "pct", f"{cat}: published conviction rate"),
            Column(f"Number of {cat} Unsuccessful", "int", f"{cat}: defendants not convicted"),
            Column(
                f"Percentage of {cat} Unsuccessful", "pct", f"{cat}: published unsuccessful rate"
            ),
        ]
    cols += [
        Column("Number of Admin Finalised Unsuccessful", "int", "Administratively finalised cases"),
        Column(
            "Percentage of L Motoring Offences Unsuccessful",
            "pct",
            "Mislabelled by CPS: really the admin-finalised percentage, always 100.0% or -; ignored",
        ),
    ]
    return tuple(cols)


CASE_OUTCOMES = Extract(
    name="case_outcomes",
    title="Case outcomes by principal offence category (CPS, published)",
    glob="case_outcomes/**/*.csv*",
    grain="one file per calendar month; one row per police force area plus National",
    columns=_case_outcome_columns(),
    period_column="month",
    synthetic=False,
    source=(
        "Crown Prosecution Service, Case Outcomes by Principal Offence Category (data.gov.uk). "
        "Contains public sector information licensed under the Open Government Licence v3.0."
    ),
    notes=(
        "Month from the file name; year from the file name or, for names like "
        "Principal_Offence_Category_Mar.csv, from the folder (case_outcomes/2018/).",
    ),
)

# What a flagged row's `unsuccessful` counts: the one definition, quoted by data/README.md, named by
# the sample generator (cjsperf.sample) and shown by the Conviction rates page.
FLAGGED_UNSUCCESSFUL = (
    "Flagged defendants not convicted, in the row's offence category. Administratively finalised "
    "cases are not included: CPS records give them no principal offence category, so no row with "
    "a category can hold them. (CPS's hate crime report counts them as unsuccessful in its "
    "headline rate; the flagged rates here leave them out, as the rates by offence category do.)"
)

FLAGGED_OUTCOMES = Extract(
    name="flagged_outcomes",
    title="Hate crime and domestic abuse flagged case outcomes (sample)",
    glob="flagged_outcomes/*.csv*",
    grain="one row per month, police force area, court type, flag and offence category",
    columns=(
        Column("month", "month", "Month of finalisation, YYYY-MM"),
        Column("force_area", "force", "Police force area (data/reference/force_areas.csv)"),
        Column("court_type", "court_type", "Magistrates' court or Crown Court"),
        Column("flag", "flag", "Hate crime or Domestic abuse"),
        Column("offence_category", "category", "Principal offence category"),
        Column("convictions", "int", "Defendants convicted"),
        Column("unsuccessful", "int", FLAGGED_UNSUCCESSFUL),
    ),
    period_column="month",
    synthetic=True,
    source="Synthetic sample made by `python -m cjsperf sample`; not real CPS data.",
)

AGENT_SPEND = Extract(
    name="agent_spend",
    title="Agent and external counsel spend (sample)",
    glob="agent_spend/*.csv*",
    grain="one row per payment",
    columns=(
        Column("payment_id", "text", "Unique payment reference"),
        Column("payment_date", "date", "Date of the session (agents) or fee (counsel), YYYY-MM-DD"),
        Column("court_centre", "court", "Court centre (data/reference/court_centres.csv)"),
        Column("force_area", "force", "Police force area of the court centre"),
        Column("spend_type", "spend_type", "Agent session fee or External counsel fee"),
        Column("offence_category", "category", "Offence category where known", required=False),
        Column("sessions", "int", "Court sessions covered (agents); 0 for counsel fees"),
        Column("amount_gbp", "money", "Amount paid in pounds, VAT excluded, e.g. 150.00"),
    ),
    period_column="payment_date",
    synthetic=True,
    source="Synthetic sample made by `python -m cjsperf sample`; not real CPS data.",
)

COURT_SESSIONS = Extract(
    name="court_sessions",
    title="Court sessions listed and who prosecuted them (sample)",
    glob="court_sessions/*.csv*",
    grain="one row per court session",
    columns=(
        Column("session_id", "text", "Unique session reference"),
        Column("session_date", "date", "Date the court sat, YYYY-MM-DD"),
        Column("court_centre", "court", "Court centre (data/reference/court_centres.csv)"),
        Column("court_type", "court_type", "Magistrates' court or Crown Court"),
        Column("sitting", "sitting", "AM or PM"),
        Column("list_type", "list_type", "Type of list"),
        Column("prosecutor", "prosecutor", "In-house or Agent"),
    ),
    period_column="session_date",
    synthetic=True,
    source="Synthetic sample made by `python -m cjsperf sample`; not real CPS data.",
)

TASKS = Extract(
    name="tasks",
    title="Case management tasks (sample)",
    glob="tasks/*.csv*",
    grain="one row per task",
    columns=(
        Column("task_id", "text", "Unique task id"),
        Column("team", "team", "Team that owns the task"),
        Column("task_type", "task_type", "Kind of task"),
        Column("offence_category", "category", "Principal offence category of the case"),
        Column("created_date", "date", "Date the task was created, YYYY-MM-DD"),
        Column("due_date", "date", "Date the task is due, on or after created_date"),
        Column("completed_date", "date", "Date completed; empty while open", required=False),
    ),
    period_column="created_date",
    synthetic=True,
    source="Synthetic sample made by `python -m cjsperf sample`; not real CPS data.",
)

STAFF_GROUPS: tuple[str, ...] = ("Administrative", "Paralegal", "Lawyer", "Manager")
TRAINING_COURSES: tuple[str, ...] = (
    "Area vision and Operational Delivery Plan",
    "Task management",
    "Value for money",
    "Disclosure",
    "Victim Communication and Liaison",
    "Data protection",
    "Equality and diversity",
)

TRAINING = Extract(
    name="training",
    title="Staff training assigned and completed (sample)",
    glob="training/*.csv*",
    grain="one row per person, course and date assigned",
    columns=(
        Column("person_id", "text", "Pseudonymous staff id (never a name or staff number)"),
        Column("staff_group", "staff_group", "Administrative, Paralegal, Lawyer or Manager"),
        Column("team", "team", "Team the person works in"),
        Column("course", "course", "Course assigned"),
        Column("assigned_date", "date", "Date the course was assigned, YYYY-MM-DD"),
        Column("due_date", "date", "Date it is due, on or after assigned_date"),
        Column("completed_date", "date", "Date completed; empty while outstanding", required=False),
    ),
    period_column="assigned_date",
    synthetic=True,
    source="Synthetic sample made by `python -m cjsperf sample`; not real CPS data.",
)

# Victim Communication and Liaison letters (HMCPSI issue 8).
ENHANCED = ("Y", "N")
LETTER_QUALITY: tuple[str, ...] = ("Good", "Fair", "Poor")
# When a letter is due: the one rule, quoted by data/README.md and the Victims page.
VCL_DUE_RULE = (
    "A letter is due 1 working day after the decision for a victim entitled to the enhanced "
    "service (enhanced Y), else 5 working days; the decision day itself is not counted. Working "
    "days are Monday to Friday except England and Wales bank holidays (the holidays package, "
    "GB, subdivision ENG). A decision on a weekend or a bank holiday counts from the last "
    "working day before it, so the first working day after it is day 1 (a Saturday decision on "
    "an enhanced letter is due on the Monday). Sent on or before the due date is on time; a "
    "letter still unsent when the extract is taken and past its due date is late; one not yet "
    "due then is not judged."
)

VCL_LETTERS = Extract(
    name="vcl_letters",
    title="Victim Communication and Liaison letters (sample)",
    glob="vcl_letters/*.csv*",
    grain="one row per letter owed to a victim",
    columns=(
        Column("letter_id", "text", "Unique letter id"),
        Column("force_area", "force", "Police force area (data/reference/force_areas.csv)"),
        Column("offence_category", "category", "Principal offence category of the case"),
        Column(
            "flags",
            "flags",
            "Hate crime, Domestic abuse, both separated by ';', or empty",
            required=False,
        ),
        Column("enhanced", "enhanced", "Y when the victim is entitled to the enhanced service"),
        Column("decision_date", "date", "Date of the decision the letter explains, YYYY-MM-DD"),
        Column("sent_date", "date", "Date the letter was sent; empty while unsent", required=False),
        Column("quality", "quality", "Good, Fair or Poor; empty when not assessed", required=False),
    ),
    period_column="decision_date",
    synthetic=True,
    source="Synthetic sample made by `python -m cjsperf sample`; not real CPS data.",
    notes=(VCL_DUE_RULE,),
)

# Transforming Summary Justice case reviews and the disclosure questions of the Individual Quality
# Assessments (HMCPSI issues 5 and 6).
PLEA_TYPES: tuple[str, ...] = ("Anticipated guilty", "Anticipated not guilty")
REVIEW_TYPES: tuple[str, ...] = ("Initial", "Trial readiness")
DISCLOSURE_QUESTIONS: tuple[str, ...] = (
    "Initial disclosure complied with the duty",
    "Disclosure Record Sheet completed and endorsed",
    "Unused material schedules endorsed correctly",
    "Continuing disclosure handled in time",
)
IQA_ANSWERS: tuple[str, ...] = ("Fully met", "Partially met", "Not met", "Not applicable")

TSJ_REVIEWS = Extract(
    name="tsj_reviews",
    title="Transforming Summary Justice case reviews (sample)",
    glob="tsj_reviews/*.csv*",
    grain="one row per case review",
    columns=(
        Column("review_id", "text", "Unique review id"),
        Column("force_area", "force", "Police force area of the court centre"),
        Column("court_centre", "court", "Magistrates' court (data/reference/court_centres.csv)"),
        Column("offence_category", "category", "Principal offence category of the case"),
        Column("plea_type", "plea_type", "Anticipated guilty or Anticipated not guilty"),
        Column("review_type", "review_type", "Initial or Trial readiness"),
        Column("due_date", "date", "Date the review is due, YYYY-MM-DD"),
        Column("completed_date", "date", "Date completed; empty while open", required=False),
        Column("team", "team", "Team that owns the review"),
    ),
    period_column="due_date",
    synthetic=True,
    source="Synthetic sample made by `python -m cjsperf sample`; not real CPS data.",
)

DISCLOSURE_ASSESSMENTS = Extract(
    name="disclosure_assessments",
    title="Disclosure questions of the Individual Quality Assessments (sample)",
    glob="disclosure_assessments/*.csv*",
    grain="one row per question answered in an Individual Quality Assessment",
    columns=(
        Column("assessment_id", "text", "Assessment id; each question once per assessment"),
        Column("assessed_date", "date", "Date the case was assessed, YYYY-MM-DD"),
        Column("force_area", "force", "Police force area of the case"),
        Column("offence_category", "category", "Principal offence category of the case"),
        Column("team", "team", "Team that owns the case"),
        Column("question", "disclosure_question", "Disclosure question of the assessment"),
        Column("answer", "iqa_answer", "Fully met, Partially met, Not met or Not applicable"),
    ),
    period_column="assessed_date",
    synthetic=True,
    source="Synthetic sample made by `python -m cjsperf sample`; not real CPS data.",
)

# Trials (HMCTS and the Witness Service): how a listed trial went, and who a failed one is put down
# to. The reasons a trial cracked or was ineffective are a reference list (reference/trial_reasons.csv).
TRIAL_OUTCOMES: tuple[str, ...] = ("Effective", "Cracked", "Ineffective")
TRIAL_ATTRIBUTIONS: tuple[str, ...] = ("Prosecution", "Defence", "Court", "Other")

TRIALS = Extract(
    name="trials",
    title="Trials listed and how they went (sample)",
    glob="trials/*.csv*",
    grain="one row per trial listed",
    columns=(
        Column("trial_id", "text", "Unique trial listing reference"),
        Column("force_area", "force", "Police force area of the court centre"),
        Column("court_centre", "court", "Court centre (data/reference/court_centres.csv)"),
        Column("court_type", "court_type", "Magistrates' court or Crown Court: the centre's type"),
        Column("offence_category", "category", "Principal offence category of the case"),
        Column(
            "flags",
            "flags",
            "Hate crime, Domestic abuse, both ;-separated, or empty",
            required=False,
        ),
        Column("listed_date", "date", "Date the trial was listed to start, YYYY-MM-DD"),
        Column("outcome", "trial_outcome", "Effective, Cracked or Ineffective"),
        Column(
            "reason",
            "trial_reason",
            "Empty for an effective trial; else a reason in reference/trial_reasons.csv "
            "given there for this outcome",
            required=False,
        ),
        Column(
            "attributed_to",
            "trial_attribution",
            "Empty for an effective trial; else Prosecution, Defence, Court or Other",
            required=False,
        ),
        Column("witnesses_required", "int", "Prosecution witnesses warned to attend"),
        Column("witnesses_attended", "int", "Of those, witnesses who attended; at most required"),
    ),
    period_column="listed_date",
    synthetic=True,
    source="Synthetic sample made by `python -m cjsperf sample`; not real HMCTS or CPS data.",
)

EXTRACTS: tuple[Extract, ...] = (
    CASE_OUTCOMES,
    FLAGGED_OUTCOMES,
    AGENT_SPEND,
    COURT_SESSIONS,
    TASKS,
    TRAINING,
    VCL_LETTERS,
    TSJ_REVIEWS,
    DISCLOSURE_ASSESSMENTS,
    TRIALS,
)
BY_NAME = {e.name: e for e in EXTRACTS}


def _reference(name: str, title: str, grain: str, *columns: tuple[str, str, str, bool]) -> Extract:
    """A file of data/reference/, checked like an extract: read by the same reader (file, line),
    validated by queries/staging/reference_<name>.sql into the typed table ref_<name>."""
    return Extract(
        name=f"reference_{name}",
        title=title,
        glob=f"reference/{name}.csv",
        grain=grain,
        columns=tuple(Column(c, t, d, required=r) for c, t, d, r in columns),
        synthetic=False,
        source="Maintained by hand (data/README.md).",
        period_column="",
    )


# The reference files, in the order they are checked (each may use those before it).
REFERENCE_FILES: tuple[Extract, ...] = (
    _reference(
        "offence_categories",
        "The 12 CPS principal offence categories in CPS order",
        "one row per offence category",
        ("offence_category", "text", "Category as CPS spells it; unique", True),
        ("cps_order", "int", "Position in CPS's order, a whole number; unique", True),
        ("short_name", "text", "Short name for charts", True),
    ),
    _reference(
        "force_areas",
        "Police force areas as CPS spells them, and their CPS Area",
        "one row per police force area",
        ("force_area", "text", "Police force area; unique", True),
        ("cps_area", "text", "Its CPS Area", True),
    ),
    _reference(
        "court_centres",
        "The Area's court centres",
        "one row per court centre",
        ("court_centre", "text", "Court centre; unique", True),
        ("court_type", "court_type", "Magistrates' court or Crown Court", True),
        ("force_area", "force", "Its police force area", True),
    ),
    _reference(
        "measures",
        "The measure registry: one definition per measure",
        "one row per measure, in the order the Overview shows them",
        ("key", "text", "Unique key, [a-z_]+", True),
        ("label", "text", "Label", True),
        ("unit", "text", "'%', '£' or a plural noun such as 'tasks'", True),
        ("better", "better", "higher, lower or neither", True),
        ("query", "text", "queries/<query>.sql gives the monthly series", True),
        ("column", "text", "The column of the query holding the monthly value", True),
        ("crime_type", "crime_type", "Empty, or a fixed crime type", False),
        ("by_crime_type", "yes_no", "Y when the crime type filter narrows the data", True),
        (
            "by_flag",
            "yes_no",
            "Y when the data carry the hate crime and domestic abuse flags and the filter's flag "
            "narrows it; N: a flag shows all crime",
            True,
        ),
        ("by_force", "yes_no", "Y when the data has a police force area", True),
        ("area_total", "yes_no", "Y for an amount or count whose target is for the Area", True),
        ("synthetic", "yes_no", "Y when it rests on the synthetic sample", True),
        (
            "base_columns",
            "text",
            "';'-separated columns summed for the count a rate rests on",
            False,
        ),
        ("base_noun", "text", "What the base counts, e.g. cases", False),
        ("page", "text", "pages/<page>.py explains it", True),
        ("target", "number", "A plain number, or empty", False),
        ("tolerance", "number", "A plain number >= 0, or empty", False),
        ("definition", "text", "One or two sentences", True),
    ),
    _reference(
        "events",
        "Events the monthly charts mark",
        "one row per event",
        ("date", "date", "YYYY-MM-DD", True),
        ("label", "text", "Short text", True),
        (
            "process_change",
            "yes_no",
            "Y when it changes the process (new SPC limits after it)",
            True,
        ),
        ("measures", "text", "';'-separated measure keys it changes; empty: every chart", False),
        ("note", "text", "Optional", False),
    ),
)
REFERENCE_FILES = (
    *REFERENCE_FILES,
    _reference(
        "trial_reasons",
        "Why a trial cracked or was ineffective, and to whom that is usually attributed",
        "one row per reason",
        ("reason", "text", "The reason as the trials extract gives it; unique", True),
        ("outcome", "trial_outcome", "Cracked or Ineffective: the outcome it explains", True),
        ("usual_attribution", "trial_attribution", "Prosecution, Defence, Court or Other", True),
        ("description", "text", "What it means", False),
    ),
)
REFERENCES: dict[str, tuple[str, ...]] = {
    e.name.removeprefix("reference_"): e.column_names for e in REFERENCE_FILES
}

# The fixed vocabularies, by the name staging SQL uses for them (`known('team', team)`).
FIXED_VOCABULARIES: dict[str, tuple[str, ...]] = {
    "court_type": COURT_TYPES,
    "flag": FLAGS,
    "spend_type": SPEND_TYPES,
    "sitting": SITTINGS,
    "list_type": LIST_TYPES,
    "prosecutor": PROSECUTORS,
    "team": TEAMS,
    "task_type": TASK_TYPES,
    "better": ("higher", "lower", "neither"),
    "yes_no": ("Y", "N"),
    "staff_group": STAFF_GROUPS,
    "course": TRAINING_COURSES,
    "enhanced": ENHANCED,
    "quality": LETTER_QUALITY,
    "plea_type": PLEA_TYPES,
    "review_type": REVIEW_TYPES,
    "disclosure_question": DISCLOSURE_QUESTIONS,
    "iqa_answer": IQA_ANSWERS,
}
FIXED_VOCABULARIES["trial_outcome"] = TRIAL_OUTCOMES
FIXED_VOCABULARIES["trial_attribution"] = TRIAL_ATTRIBUTIONS
