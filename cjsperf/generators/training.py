"""The synthetic ``training`` extract: courses assigned to the Area's staff, due and completed.

Made up, to look plausible and to tell the story of HMCPSI issues 1-2 (awareness of the Area vision;
training for administrative staff):

- **Staff.** About 620 people in post at scale 1 (``--scale N``: N times as many): 42%
  administrative, 18% paralegal, 32% lawyers, 8% managers, in the six teams of the tasks extract.
  About 9% leave each year, each replaced a month or so later by a new starter of the same group
  and team. ``person_id`` is pseudonymous (``P`` and 7 digits, in no order of joining).
- **Courses.** Every year on a day of their own (a new starter: from the start date), everyone is
  assigned Data protection (due in 30 days) and Equality and diversity (60 days);
  administrative staff and paralegals Victim Communication and Liaison (60 days); paralegals,
  lawyers and managers Disclosure (60 days). A new starter is also assigned Task management at
  induction (30 days). With the Operational Delivery Plan (launched 25 September 2017) everyone in
  post is assigned the **Area vision and Operational Delivery Plan** briefing between 25 September
  and 6 October 2017, due 31 October 2017; in October 2017 administrative staff, paralegals and
  lawyers are assigned **Task management** and lawyers and managers **Value for money**, due 30
  November 2017. Staff who start later get these at induction.
- **Completion.** A course falling due before October 2017 is completed by its due date by about
  55% of administrative staff and about 84% of the others; late ones take weeks to months. Courses
  due from November 2017 are completed on time by about 88% of every group (October 2017 in
  between). Administrative staff catch up: of their courses still outstanding past due on 1 October
  2017, about 80% are completed in October and November 2017. Completion dates after the extract
  date (31 March 2018) are left empty (outstanding). A person who leaves has the courses they had
  not completed by then withdrawn: they are not in the extract.

Rows are written by financial year of ``assigned_date`` (``training/training_<fy>.csv.gz``), sorted
by assigned date, person and course.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from cjsperf.extracts import STAFF_GROUPS, TEAMS, TRAINING, TRAINING_COURSES

EXTRACTS = (TRAINING,)
SEED_INDEX = 3

HEADCOUNT = 620  # in post at scale 1
GROUP_SHARE = (0.42, 0.18, 0.32, 0.08)  # STAFF_GROUPS order
TEAM_SHARE = (0.26, 0.14, 0.22, 0.12, 0.12, 0.14)  # TEAMS order
LEAVE_RATE = 0.09  # a year
ADMIN, PARALEGAL, LAWYER, MANAGER = range(4)
C = {c: i for i, c in enumerate(TRAINING_COURSES)}
# Yearly courses: (course, staff groups, days to complete)
YEARLY = (
    (C["Data protection"], (ADMIN, PARALEGAL, LAWYER, MANAGER), 30),
    (C["Equality and diversity"], (ADMIN, PARALEGAL, LAWYER, MANAGER), 60),
    (C["Victim Communication and Liaison"], (ADMIN, PARALEGAL), 60),
    (C["Disclosure"], (PARALEGAL, LAWYER, MANAGER), 60),
)
# The autumn 2017 courses: (course, staff groups, first and last day assigned, due)
WAVE = (
    (C["Area vision and Operational Delivery Plan"], (ADMIN, PARALEGAL, LAWYER, MANAGER),
     "2017-09-25", "2017-10-06", "2017-10-31"),
    (C["Task management"], (ADMIN, PARALEGAL, LAWYER), "2017-10-02", "2017-10-13", "2017-11-30"),
    (C["Value for money"], (LAWYER, MANAGER), "2017-10-02", "2017-10-13", "2017-11-30"),
)  # fmt: skip
INDUCTION_DAYS = 30

FIRST = np.datetime64("2015-04-01", "D")
EXTRACT_DATE = np.datetime64("2018-03-31", "D")
OCT_2017 = np.datetime64("2017-10-01", "D")
NOV_2017 = np.datetime64("2017-11-01", "D")
_ORIGIN = np.datetime64("2015-01-01", "D")  # day 0 of the sample's date text table


def _vocab(values: Sequence[str]) -> np.ndarray:
    """CSV-safe text of each value (quoted when it holds a comma, a quote or a line break)."""
    safe = [
        '"' + v.replace('"', '""') + '"' if any(ch in v for ch in ',"\n\r') else v for v in values
    ]
    return np.array(safe, dtype=object)


def _fy_of(days: np.ndarray) -> np.ndarray:
    """Financial year label of each day: '2015-16' for 2015-04-01 .. 2016-03-31."""
    months = days.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    start = 1970 + (months - 3) // 12
    return np.array([f"{y}-{(y + 1) % 100:02d}" for y in start.tolist()], dtype=object)


def _staff(rng: np.random.Generator, scale: int) -> dict[str, np.ndarray]:
    """Everyone in post at some time from April 2015 to March 2018: group, team, start, leave."""
    n0 = HEADCOUNT * scale
    group = rng.choice(4, size=n0, p=GROUP_SHARE)
    team = rng.choice(len(TEAMS), size=n0, p=TEAM_SHARE)
    start = np.full(n0, FIRST - 3650)  # in post before the extract begins
    groups, teams, starts, leaves = [], [], [], []
    while len(group):
        # each person's leaving day; a leaver is replaced by a starter of the same group and team
        from_day = np.maximum(start, FIRST)
        stay = rng.exponential(365.25 / LEAVE_RATE, size=len(group)).astype(np.int64)
        leave = from_day + stay
        groups.append(group)
        teams.append(team)
        starts.append(start)
        leaves.append(leave)
        gone = leave <= EXTRACT_DATE
        gap = rng.integers(14, 60, size=int(gone.sum()))
        start = np.busday_offset(leave[gone] + gap, 0, roll="forward")
        keep = start <= EXTRACT_DATE
        group, team, start = group[gone][keep], team[gone][keep], start[keep]
    return {
        "group": np.concatenate(groups),
        "team": np.concatenate(teams),
        "start": np.concatenate(starts).astype("datetime64[D]"),
        "leave": np.concatenate(leaves).astype("datetime64[D]"),
    }


def _assignments(rng: np.random.Generator, s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every course assigned: person, course, assigned date, due date."""
    n = len(s["group"])
    person, course, assigned, due = [], [], [], []
    starter = s["start"] >= FIRST
    in_post_until = np.minimum(s["leave"], EXTRACT_DATE)

    def add(who: np.ndarray, c: int, day: np.ndarray, days_due) -> None:
        day = np.busday_offset(day, 0, roll="forward")
        ok = (day >= FIRST) & (day <= in_post_until[who]) & (day <= EXTRACT_DATE)
        person.append(who[ok])
        course.append(np.full(int(ok.sum()), c))
        assigned.append(day[ok])
        due.append((day + days_due)[ok] if np.ndim(days_due) == 0 else days_due[ok])

    everyone = np.arange(n)
    for c, groups, days in YEARLY:
        who = everyone[np.isin(s["group"], groups)]
        # the first assignment: at induction for a starter, else on a day of the first year
        first = np.where(
            starter[who], s["start"][who], FIRST + rng.integers(0, 365, size=len(who))
        ).astype("datetime64[D]")
        for year in range(4):
            add(who, c, first + 365 * year, days)
    # induction: Task management for every starter; the autumn 2017 courses for later starters
    add(everyone[starter], C["Task management"], s["start"][starter], INDUCTION_DAYS)
    for c, groups, lo, hi, due_day in WAVE:
        lo, hi = np.datetime64(lo, "D"), np.datetime64(hi, "D")
        who = everyone[np.isin(s["group"], groups)]
        in_post = who[(s["start"][who] < lo) & (s["leave"][who] > lo)]
        day = lo + rng.integers(0, (hi - lo).astype(np.int64) + 1, size=len(in_post))
        add(in_post, c, day, np.full(len(in_post), np.datetime64(due_day, "D")))
        later = who[(s["start"][who] >= lo) & starter[who]]
        if c != C["Task management"]:  # already given to every starter
            add(later, c, s["start"][later], INDUCTION_DAYS)
    return {
        "person": np.concatenate(person),
        "course": np.concatenate(course),
        "assigned": np.concatenate(assigned).astype("datetime64[D]"),
        "due": np.concatenate(due).astype("datetime64[D]"),
    }


def _completion(
    rng: np.random.Generator, s: dict[str, np.ndarray], a: dict[str, np.ndarray]
) -> np.ndarray:
    """The completion day of each assignment (may lie after the extract date: outstanding)."""
    group = s["group"][a["person"]]
    due, assigned = a["due"], a["assigned"]
    n = len(due)
    admin = group == ADMIN
    before, during = due < OCT_2017, (due >= OCT_2017) & (due < NOV_2017)
    p_on = np.where(
        before,
        np.where(admin, 0.55, 0.84),
        np.where(during, np.where(admin, 0.75, 0.86), 0.88),
    )
    # month-to-month noise, by staff group
    month = due.astype("datetime64[M]").astype(np.int64)
    m0 = int(month.min())
    noise = rng.normal(0.0, 0.025, size=(int(month.max()) - m0 + 1, 4))
    on_time = rng.random(n) < np.clip(p_on + noise[month - m0, group], 0.05, 0.99)
    window = (due - assigned).astype(np.int64)
    early = assigned + np.floor(rng.beta(2.0, 1.2, n) * (window + 1)).astype(np.int64)
    early = np.minimum(early, due)
    # late: weeks mostly; administrative staff before October 2017 months
    mean_late = np.where(admin & before, 75.0, 25.0)
    late = due + 1 + rng.exponential(mean_late).astype(np.int64)
    done = np.where(on_time, early, late).astype("datetime64[D]")
    # the catch-up: administrative staff's courses still outstanding past due on 1 October 2017
    behind = admin & (due < OCT_2017) & (done >= OCT_2017)
    catch = behind & (rng.random(n) < 0.8)
    span = (NOV_2017 + 29 - OCT_2017).astype(np.int64)
    done[catch] = OCT_2017 + 1 + rng.integers(0, span, size=int(catch.sum()))
    return np.busday_offset(done, 0, roll="forward")


def generate(
    rng: np.random.Generator, fys: Sequence[str], scale: int, text: np.ndarray
) -> Iterator[tuple[str, object, list]]:
    s = _staff(rng, scale)
    a = _assignments(rng, s)
    done = _completion(rng, s, a)
    # withdrawn when the person leaves before completing
    keep = done <= s["leave"][a["person"]]
    a = {k: v[keep] for k, v in a.items()}
    done = done[keep]
    person = a["person"]
    # pseudonymous ids: a bijection below the (prime) modulus, so 7 digits and never repeated
    ids = (person.astype(np.int64) * 7919 + 104_729) % 9_999_991
    order = np.lexsort((a["course"], ids, a["assigned"]))
    blank = len(text) - 1
    done_no = np.where(done > EXTRACT_DATE, blank, (done - _ORIGIN).astype(np.int64))
    fy = _fy_of(a["assigned"])
    groups = _vocab(STAFF_GROUPS)
    teams, courses = _vocab(TEAMS), _vocab(TRAINING_COURSES)
    for year in fys:
        sel = order[fy[order] == year]
        p = person[sel]
        cols = [
            np.array([f"P{i:07d}" for i in ids[sel].tolist()], dtype=object),
            groups[s["group"][p]],
            teams[s["team"][p]],
            courses[a["course"][sel]],
            text[(a["assigned"][sel] - _ORIGIN).astype(np.int64)],
            text[(a["due"][sel] - _ORIGIN).astype(np.int64)],
            text[done_no[sel]],
        ]
        yield year, TRAINING, cols
