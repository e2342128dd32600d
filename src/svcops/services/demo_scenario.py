"""The life of the sample service desk `svcops demo` builds, through the use cases staff use.

Arrivals peak in business hours, durations are skewed (most cases quick, a long tail), some
cases wait on hold, get reassigned to another team or reopened; problems collect incidents and
become known errors; requests have due dates; customers answer surveys, and their scores
depend on how the case went.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

from svcops.domain.timeparse import format_instant
from svcops.services import moves, opening

TEAMS = {
    "network": ["amir", "bea", "chen"],
    "desk": ["dana", "eli", "fatima", "goran"],
    "apps": ["hana", "ivan"],
    "identity": ["jonas", "kira"],
}
SERVICES = {  # service: (team, category)
    "vpn": ("network", "network"),
    "wifi": ("network", "network"),
    "email": ("apps", "software"),
    "erp": ("apps", "software"),
    "printing": ("desk", "hardware"),
    "laptops": ("desk", "hardware"),
    "sso": ("identity", "access"),
}
Step = tuple[datetime, Callable[..., object]]  # when, and the use case to call with at=
HOURLY = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 13, 10, 13, 14, 13, 11, 8, 5, 3, 2, 2, 1, 1]
CHANNELS = {"phone": 30, "email": 25, "portal": 20, "chat": 15, "monitoring": 10}
TITLES = {
    "vpn": ["VPN drops every few minutes", "Cannot connect to VPN from home", "VPN very slow"],
    "wifi": ["No wifi on floor 3", "Wifi keeps disconnecting in meeting rooms"],
    "email": [
        "Outlook cannot send mail",
        "Shared mailbox missing",
        "Calendar invites not arriving",
    ],
    "erp": ["ERP invoice screen times out", "Cannot post journal entries", "ERP report is empty"],
    "printing": ["Printer jams on tray 2", "Cannot print to the plotter", "Toner empty"],
    "laptops": [
        "Laptop will not boot",
        "Battery drains in an hour",
        "Docking station not detected",
    ],
    "sso": ["Locked out after password change", "MFA prompt loops", "No access to the HR portal"],
}
REQUESTS = [
    ("New starter laptop", "product_delivery", "laptops"),
    ("Access to the finance share", "support", "sso"),
    ("Install a design tool", "support", "laptops"),
    ("Mailbox for the events team", "customer_service", "email"),
    ("Guest wifi for a workshop", "customer_service", "wifi"),
    ("ERP training for a new hire", "product_delivery", "erp"),
]
CUSTOMERS = [
    ("Ada Lovelace", "Analytical Engines"), ("Grace Hopper", "Navy Systems"),
    ("Alan Turing", "Bletchley Ops"), ("Katherine Johnson", "Flight Research"),
    ("Edsger Dijkstra", "Structured Co"), ("Barbara Liskov", "Substitution Ltd"),
    ("Ken Thompson", "Bell Works"), ("Radia Perlman", "Spanning Trees"),
]  # fmt: skip


def _when(moment: datetime) -> str:
    return format_instant(moment)


class Scenario:
    """A desk's cases, from `start` to `now`, shaped by one random generator."""

    def __init__(self, rng: random.Random, now: datetime, days: int) -> None:
        self.rng = rng
        self.now = now
        self.start = (now - timedelta(days=days)).replace(minute=0, second=0)
        self.days = days
        self.counts = {"incidents": 0, "requests": 0, "problems": 0, "feedback": 0, "customers": 0}
        self.customers: list[str] = []

    # -- randomness shaped like a real desk ---------------------------------------------------

    def arrival(self, day: int) -> datetime:
        """A moment on `day` that is most likely during business hours."""
        hour = self.rng.choices(range(24), weights=HOURLY)[0]
        return self.start + timedelta(days=day, hours=hour, minutes=self.rng.randrange(60))

    def skewed(self, median_minutes: float, spread: float = 1.0) -> timedelta:
        """A log-normal duration: mostly near the median, with a long tail."""
        minutes = median_minutes * math.exp(self.rng.gauss(0, spread))
        return timedelta(minutes=max(1.0, minutes))

    def pick(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    # -- the cases ------------------------------------------------------------------------------

    def customers_first(self) -> None:
        from svcops.services.customers import add_customer

        for name, org in CUSTOMERS:
            email = name.lower().replace(" ", ".") + "@example.com"
            self.customers.append(add_customer(name, email=email, org=org).key)
            self.counts["customers"] += 1

    def incident(self, day: int, problems: dict[str, str]) -> None:
        from svcops.services import contacts

        rng = self.rng
        service = rng.choice(list(SERVICES))
        team, category = SERVICES[service]
        impact = rng.choices([1, 2, 3], weights=[5, 25, 70])[0]
        urgency = rng.choices([1, 2, 3], weights=[15, 45, 40])[0]
        channel = self.pick(CHANNELS)
        opened = self.arrival(day)
        if opened >= self.now:
            return
        agent = rng.choice(TEAMS[team])
        view = opening.open_record(
            "incident", rng.choice(TITLES[service]), impact=impact, urgency=urgency,
            service=service, category=category, channel=channel, team=team,
            customer=rng.choice(self.customers) if channel != "monitoring" else None,
            at=_when(opened),
        )  # fmt: skip
        key = view.key
        self.counts["incidents"] += 1
        if service in problems and rng.random() < 0.6:
            moves.link_record("incident", key, problems[service], at=_when(opened))
        urgency_factor = {1: 0.3, 2: 0.7, 3: 1.5}[urgency] * {1: 0.5, 2: 0.8, 3: 1.0}[impact]
        steps: list[Step] = []
        t = opened + self.skewed(25 * urgency_factor, 1.3)
        quick = rng.random() < 0.25 and channel in ("phone", "chat")
        if quick:  # solved on the first call
            steps.append((t, partial(moves.move_record, "incident", key, "resolve")))
        else:
            if channel in ("email", "portal") and rng.random() < 0.5:
                steps.append((t, partial(
                    contacts.log_contact, key, channel="email", direction="outbound",
                    agent=agent, note="acknowledged, looking into it")))  # fmt: skip
                t += self.skewed(15, 0.8)
            steps.append((t, partial(moves.move_record, "incident", key, "advance")))
            steps.append((t, partial(moves.assign_record, "incident", key, agent)))
            t += self.skewed(30 * urgency_factor, 1.0)
            steps.append((t, partial(moves.move_record, "incident", key, "advance")))
            if rng.random() < 0.1:  # escalated to another team
                other = rng.choice([name for name in TEAMS if name != team])
                t += self.skewed(60, 0.8)
                steps.append((t, partial(
                    moves.assign_record, "incident", key, rng.choice(TEAMS[other]),
                    team=other, note="escalated")))  # fmt: skip
            if rng.random() < 0.15:
                reason = rng.choice(["awaiting_customer", "awaiting_vendor", "awaiting_change"])
                t += self.skewed(45, 0.8)
                steps.append((t, partial(
                    moves.move_record, "incident", key, "hold", reason=reason)))  # fmt: skip
                held = self.skewed(240, 1.0)
                if reason == "awaiting_customer" and rng.random() < 0.3:  # a suspect pause:
                    steps.append((t + held / 2, partial(  # the customer called, the hold went on
                        contacts.log_contact, key, channel="phone", direction="inbound",
                        note="called while on hold")))  # fmt: skip
                t += held
                steps.append((t, partial(moves.move_record, "incident", key, "resume")))
                if rng.random() < 0.4:
                    steps.append((t, partial(
                        contacts.log_contact, key,
                        channel=channel if channel != "monitoring" else "email",
                        direction="inbound", note="customer replied")))  # fmt: skip
            if channel != "monitoring" and rng.random() < 0.3:  # the customer chases it
                steps.append((t + self.skewed(60, 0.8), partial(
                    contacts.log_contact, key, channel=rng.choice(["phone", "email", "chat"]),
                    direction="inbound", note="any news?")))  # fmt: skip
            t += self.skewed(180 * urgency_factor, 1.2)
            steps.append((t, partial(moves.move_record, "incident", key, "resolve")))
        reopened = rng.random() < 0.06
        if reopened:
            t += self.skewed(600, 0.8)
            steps.append((t, partial(moves.move_record, "incident", key, "reopen")))
            t += self.skewed(120, 1.0)
            steps.append((t, partial(moves.move_record, "incident", key, "resolve")))
        resolved_at = t
        t += self.skewed(60 * 24, 0.6)
        steps.append((t, partial(moves.move_record, "incident", key, "close")))
        self.play(steps)
        if resolved_at < self.now and channel != "monitoring":
            fast = resolved_at - opened < timedelta(hours=4 * urgency_factor + 2)
            self.survey(key, resolved_at, good=fast and not reopened, effortless=quick)

    def request(self, day: int) -> None:
        rng = self.rng
        title, model, service = rng.choice(REQUESTS)
        team = SERVICES[service][0]
        opened = self.arrival(day)
        if opened >= self.now:
            return
        due = opened + timedelta(days=rng.choice([3, 5, 7, 10]))
        key = opening.open_record(
            "request", title, model=model, service=service, team=team,
            channel=self.pick({"portal": 60, "email": 25, "phone": 15}),
            customer=rng.choice(self.customers), due=_when(due), at=_when(opened),
        ).key  # fmt: skip
        self.counts["requests"] += 1
        steps: list[Step] = []
        t = opened
        for median in (90, 240, 600, 1800):  # to assessment, design, execution, feedback
            t += self.skewed(median, 0.9)
            steps.append((t, partial(moves.move_record, "request", key, "advance")))
            if median == 600 and rng.random() < 0.12:
                t += self.skewed(30, 0.5)
                hold = partial(
                    moves.move_record, "request", key, "hold", reason="awaiting_customer"
                )
                steps.append((t, hold))
                t += self.skewed(1440, 0.7)
                steps.append((t, partial(moves.move_record, "request", key, "resume")))
        delivered = t
        if rng.random() < 0.05:  # rework
            t += self.skewed(600, 0.5)
            steps.append((t, partial(
                moves.move_record, "request", key, "advance", to="execution")))  # fmt: skip
            t += self.skewed(900, 0.6)
            steps.append((t, partial(moves.move_record, "request", key, "advance")))
        for median in (1440, 1440):  # evaluation, closed
            t += self.skewed(median, 0.5)
            steps.append((t, partial(moves.move_record, "request", key, "advance")))
        self.play(steps)
        if delivered < self.now:
            self.survey(key, delivered, good=delivered <= due, effortless=rng.random() < 0.5)

    def survey(self, key: str, resolved_at: datetime, *, good: bool, effortless: bool) -> None:
        from svcops.services.feedback import add_feedback

        rng = self.rng
        if rng.random() > 0.35:  # most customers do not answer
            return
        received = resolved_at + self.skewed(240, 1.0)
        if received >= self.now:
            return
        base = 4.4 if good else 2.9

        def score(centre: float, low: int = 1, high: int = 5) -> int:
            return max(low, min(high, round(rng.gauss(centre, 0.8))))

        add_feedback(
            key, csat=score(base),
            ces=score(2.2 if effortless else (3.2 if good else 5.0), 1, 7),
            scores={"courtesy": score(base + 0.3), "competence": score(base),
                    "reliability": score(base - 0.2)},
            comment=rng.choice([None, None, "thanks!", "took a while", "great help"]),
            at=_when(received),
        )  # fmt: skip
        self.counts["feedback"] += 1

    def problems(self) -> dict[str, str]:
        """A few problems behind recurring incidents; some become known errors."""

        found: dict[str, str] = {}
        plan = [
            ("vpn", "VPN concentrator drops idle sessions", "firmware 4.2 idle-timeout bug",
             "reconnect the VPN client; upgrade scheduled", True),
            ("email", "Mail relay rejects large attachments", "relay size limit set to 10 MB",
             "send large files through the file share", True),
            ("printing", "Tray 2 jams on the third floor printers", None, None, False),
        ]  # fmt: skip
        for service, title, cause, workaround, known in plan:
            opened = self.start + timedelta(hours=self.rng.randrange(6, 30))
            if opened >= self.now:
                continue
            key = opening.open_record(
                "problem", title, service=service, category=SERVICES[service][1],
                team=SERVICES[service][0], impact=2, urgency=2, at=_when(opened),
            ).key  # fmt: skip
            self.counts["problems"] += 1
            found[service] = key
            steps: list[Step] = [
                (
                    opened + timedelta(hours=2),
                    partial(moves.move_record, "problem", key, "advance"),
                )
            ]
            if known:
                steps.append((opened + timedelta(hours=20), partial(
                    moves.move_record, "problem", key, "advance", root_cause=cause,
                    workaround=workaround)))  # fmt: skip
            self.play(steps)
        return found

    def play(self, steps: list[Step]) -> None:
        """Take the steps that have happened by now, in time order."""
        for moment, step in sorted(steps, key=lambda pair: pair[0]):
            if moment >= self.now:
                break
            step(at=_when(moment))
