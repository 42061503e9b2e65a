"""Write a report model in one language: headings, sentences, tables, charts (pure).

Each sentence is one catalogue entry (``truceline.reports.i18n``); counts that a noun
follows go through ``ngettext`` so that Ukrainian and Russian take the right plural form.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from truceline.gazetteer import Gazetteer
from truceline.reports import vocab
from truceline.reports.document import (
    Block,
    Bullets,
    Chart,
    Document,
    Fields,
    Heading,
    Para,
    Table,
)
from truceline.reports.i18n import Locale
from truceline.reports.model import (
    DailyReport,
    FindingItem,
    Header,
    IncidentItem,
    SpotReport,
    Trend,
)
from truceline.reports.phrases import Writer


def _writer(header: Header, loc: Locale, gazetteer: Gazetteer, day: date | None = None) -> Writer:
    return Writer(loc, gazetteer, header.names, day)


def _banner(w: Writer, header: Header) -> str:
    t, m = w.loc.t, header.markings
    values = {"tlp": m.get("tlp", "AMBER"), "to": ", ".join(m.get("releasable_to", []))}
    if m.get("originator_controlled"):
        return t.gettext("TLP:%(tlp)s · releasable to %(to)s · originator-controlled") % values
    return t.gettext("TLP:%(tlp)s · releasable to %(to)s") % values


def _meta(w: Writer, header: Header) -> tuple[tuple[str, str], ...]:
    t = w.loc.t
    who = t.gettext("the public") if header.public else header.principal
    front = header.fused_short()
    fused = () if front is None else ((t.gettext("Blasts located to"), w.loc.datetime(front)),)
    return (
        (
            t.gettext("Agreement"),
            t.gettext("%(title)s (%(id)s, version %(version)s)")
            % {
                "title": header.agreement_title,
                "id": header.agreement_id,
                "version": header.agreement_version,
            },
        ),
        (t.gettext("Period"), w.span(header.period_start, header.period_end)),
        (t.gettext("Prepared for"), who),
        (t.gettext("Data as of"), w.loc.datetime(header.as_of)),
        *fused,
    )


def _digest_label(w: Writer) -> str:
    return w.loc.t.gettext(
        "SHA-256 of this report (check it with “truceline report verify”; see docs/reports.md):"
    )


# --- the daily report --------------------------------------------------------------------


def _trend_rows(
    w: Writer, rows: Sequence[Trend], name: Callable[[str], str]
) -> tuple[tuple[str, ...], ...]:
    out = []
    for r in rows:
        label = name(r.key)
        today = w.n(r.today, 0) + ("*" if not r.exact else "")
        out.append((label, today, w.n(r.previous, 0), w.n(r.mean7, 1)))
    return tuple(out)


def _trend_header(w: Writer, first: str) -> tuple[str, ...]:
    t = w.loc.t
    return (first, t.gettext("This day"), t.gettext("Previous day"), t.gettext("7-day mean"))


def _summary(w: Writer, r: DailyReport) -> list[Block]:
    t = w.loc.t
    n = r.total.today
    explosions = sum(k.today for k in r.typology if k.key.startswith("explosion_"))
    blocks: list[Block] = [
        Para(
            t.ngettext(
                "On %(date)s (UTC) the mechanism recorded %(n)s ceasefire violation.",
                "On %(date)s (UTC) the mechanism recorded %(n)s ceasefire violations.",
                n,
            )
            % {"date": w.loc.date(r.day), "n": w.n(n, 0)}
        ),
        Para(
            t.gettext(
                "On the previous day it recorded %(previous)s; the mean of the seven days "
                "before was %(mean)s."
            )
            % {"previous": w.n(r.total.previous, 0), "mean": w.n(r.total.mean7, 1)}
        ),
        Para(
            t.ngettext(
                "%(n)s explosion was heard or located that day.",
                "%(n)s explosions were heard or located that day.",
                explosions,
            )
            % {"n": w.n(explosions, 0)}
        ),
    ]
    front = r.header.fused_short()
    if front is not None:  # the day's last minutes are not yet fused: not calm
        blocks.append(
            Para(
                t.gettext(
                    "Blasts heard by sensors are located only up to %(time)s: fusion releases "
                    "each blast some 13 minutes after it occurs. Violations after that time "
                    "that rest on sensors are not counted yet."
                )
                % {"time": w.loc.datetime(front)},
                "note",
            )
        )
    grave = sum(1 for i in r.incidents if i.grave)
    if grave:
        blocks.append(
            Para(
                t.ngettext(
                    "%(n)s grave incident is described below.",
                    "%(n)s grave incidents are described below.",
                    grave,
                )
                % {"n": w.n(grave, 0)}
            )
        )
    if r.header.public:
        blocks.append(
            Para(
                t.gettext(
                    "This public report contains only information released to the public. "
                    "Where the markings of a record do not allow its exact location to be "
                    "published, it is placed only near the nearest settlement of at least "
                    "1,000 inhabitants."
                ),
                "note",
            )
        )
    return blocks


def _violations(w: Writer, r: DailyReport) -> list[Block]:
    t = w.loc.t
    sides = [*r.header.sides, "not attributed"]
    sectors = [s.key for s in r.by_sector]
    matrix = {(s, d): n for s, d, n in r.by_sector_side}
    series = tuple(
        (w.side(d), tuple(float(matrix.get((s, d), 0)) for s in sectors))
        for d in sides
        if any(matrix.get((s, d), 0) for s in sectors) or d in r.header.sides
    )
    numeric = (False, True, True, True)
    return [
        Heading(t.gettext("Ceasefire violations")),
        Heading(t.gettext("By sector"), 3),
        Table(
            _trend_header(w, t.gettext("Sector")), _trend_rows(w, r.by_sector, w.sector), numeric
        ),
        Chart(
            "by_sector_side",
            t.gettext("Ceasefire violations by sector and responsible side"),
            tuple(w.sector(s) for s in sectors),
            series,
            t.gettext("violations"),
            stacked=True,
        ),
        Heading(t.gettext("By responsible side"), 3),
        Table(
            _trend_header(w, t.gettext("Responsible side")),
            _trend_rows(w, r.by_side, w.side),
            numeric,
        ),
        Para(
            t.gettext(
                "The responsible side is the side from whose ground the fire was located; "
                "“not attributed” means the launch was not located."
            ),
            "note",
        ),
        Heading(t.gettext("By kind (OSCE SMM typology)"), 3),
        Table(
            _trend_header(w, t.gettext("Kind")),
            _trend_rows(w, r.typology, lambda k: w.v(vocab.typology, k)),
            numeric,
        ),
        Para(
            t.gettext(
                "Counted as the OSCE Special Monitoring Mission counted: each explosion, "
                "projectile, flash, flare, burst or shot; a located launch and its impact "
                "count as two explosions. * includes approximate counts from monitors' "
                "reports."
            ),
            "note",
        ),
        Heading(t.gettext("The last eight days"), 3),
        Chart(
            "trend",
            t.gettext("Ceasefire violations per day"),
            tuple(w.loc.short_date(d) for d in r.days),
            ((t.gettext("violations"), tuple(float(n) for n in r.trend)),),
            t.gettext("violations"),
        ),
    ]


def _finding_table(w: Writer, items: Sequence[FindingItem], with_rule: bool = False) -> Block:
    t = w.loc.t
    if not items:
        return Para(t.gettext("None recorded."))
    header = [t.gettext("Time"), t.gettext("Where"), t.gettext("What")]
    if with_rule:
        header.insert(2, t.gettext("Finding"))
    rows = []
    for f in items:
        row = [w.when(f.time), w.place(f.place), w.basis(f)]
        if with_rule:
            row.insert(2, w.rule(f))
        rows.append(tuple(row))
    return Table(tuple(header), tuple(rows))


def _findings(w: Writer, r: DailyReport) -> list[Block]:
    t = w.loc.t
    blocks: list[Block] = [
        Heading(t.gettext("Weapons in violation of withdrawal lines")),
        _finding_table(w, r.withdrawal),
        Heading(t.gettext("Airspace violations")),
        _finding_table(w, r.airspace),
        Heading(t.gettext("Restrictions on the monitors")),
        _finding_table(w, r.restrictions),
    ]
    if r.other:
        blocks += [Heading(t.gettext("Other findings")), _finding_table(w, r.other, True)]
    return blocks


def _casualties(w: Writer, r: DailyReport) -> list[Block]:
    t = w.loc.t
    blocks: list[Block] = [Heading(t.gettext("Civilian casualties"))]
    civilians = [c for c in r.casualties if c.group == "civilian"]
    if not r.casualties:
        return [*blocks, Para(t.gettext("No casualties were reported."))]
    killed = sum(c.killed for c in civilians)
    injured = sum(c.injured for c in civilians)
    blocks.append(
        Para(
            t.gettext("Civilians reported killed: %(killed)s; injured: %(injured)s.")
            % {"killed": w.n(killed, 0), "injured": w.n(injured, 0)}
        )
    )
    rows = tuple(
        (
            w.when(c.time),
            w.place(c.place),
            w.v(vocab.observation_types, c.type),
            w.v(vocab.groups, c.group),
            w.n(c.killed, 0),
            w.n(c.injured, 0),
        )
        for c in r.casualties
    )
    header = (
        t.gettext("Time"),
        t.gettext("Where"),
        t.gettext("Source"),
        t.gettext("Group"),
        t.gettext("Killed"),
        t.gettext("Injured"),
    )
    blocks.append(Table(header, rows, (False, False, False, False, True, True)))
    blocks.append(
        Para(
            t.gettext(
                "Casualty figures are as reported and are not verified unless an incident "
                "below says so."
            ),
            "note",
        )
    )
    return blocks


def _coverage(w: Writer, r: DailyReport) -> list[Block]:
    t = w.loc.t
    blocks: list[Block] = [Heading(t.gettext("Sensor coverage"))]
    if not r.coverage_released:
        return [
            *blocks,
            Para(
                t.gettext(
                    "Sensor coverage is not released to the public. The absence of recorded "
                    "violations in a sector does not mean that none occurred."
                )
            ),
        ]
    blocks.append(
        Para(
            t.gettext(
                "Where sensors were down, nothing could be sensed: a quiet sector is only as "
                "quiet as its sensors could tell."
            )
        )
    )
    rows = []
    for c in r.coverage:
        share = 1.0 - c.down_s / c.sensor_s if c.sensor_s else 0.0
        rows.append(
            (
                w.sector(c.sector),
                w.n(c.sensors, 0),
                w.n(c.affected, 0),
                w.hours(c.down_s),
                w.hours(c.degraded_s),
                t.gettext("%(share)s %%") % {"share": w.n(100.0 * share, 1)},
            )
        )
    header: tuple[str, ...] = (
        t.gettext("Sector"),
        t.gettext("Sensors"),
        t.gettext("Not fully operational"),
        t.gettext("Hours down"),
        t.gettext("Hours degraded"),
        t.gettext("Sensor-time available"),
    )
    blocks.append(Table(header, tuple(rows), (False, True, True, True, True, True)))
    if not r.outages:
        blocks.append(Para(t.gettext("Every sensor was operational all day.")))
        return blocks
    out_rows = []
    for o in r.outages:
        for p in o.pieces:
            out_rows.append(
                (
                    o.sensor_id,
                    w.v(vocab.sensor_kinds, o.kind),
                    o.owner,
                    w.sector(o.sector),
                    w.v(vocab.statuses, p.status),
                    w.span(p.start, p.end),
                    w.hours(p.seconds),
                    p.reason or "",
                )
            )
    header = (
        t.gettext("Sensor"),
        t.gettext("Kind"),
        t.gettext("Owner"),
        t.gettext("Sector"),
        t.gettext("Status"),
        t.gettext("When"),
        t.gettext("Hours"),
        t.gettext("Reason given"),
    )
    blocks.append(Table(header, tuple(out_rows), (False,) * 6 + (True, False)))
    return blocks


# --- incidents ---------------------------------------------------------------------------


def incident_title(w: Writer, i: IncidentItem) -> str:
    t = w.loc.t
    what = w.v(vocab.categories, i.category)
    if i.sector:
        return t.gettext("%(what)s, %(sector)s sector") % {
            "what": what,
            "sector": w.sector(i.sector),
        }
    return what


def _sensed(w: Writer, i: IncidentItem) -> list[tuple[str, str]]:
    """How the incident was sensed, one line per kind of source (counts as numbers, so no
    noun has to agree with them)."""
    t, s = w.loc.t, i.sensing
    rows: list[tuple[str, str]] = []
    if s.events:
        rows.append((t.gettext("Blasts located by sensors"), w.n(s.events, 0)))
    if s.sensors:
        rows.append(
            (
                t.gettext("Sensors"),
                t.gettext("%(n)s (%(kinds)s), of %(nations)s")
                % {
                    "n": w.n(len(s.sensors), 0),
                    "kinds": ", ".join(w.v(vocab.sensor_kinds, k) for k in s.sensor_kinds),
                    "nations": ", ".join(s.nations),
                },
            )
        )
    if s.monitor_reports:
        means = ", ".join(w.v(vocab.means, m) for m in s.means)
        value = w.n(len(s.monitor_reports), 0)
        if means:
            value = t.gettext("%(n)s (%(how)s)") % {"n": value, "how": means}
        rows.append((t.gettext("Monitors' reports"), value))
    if s.allegations:
        rows.append(
            (
                t.gettext("Allegations by the sides"),
                ", ".join(
                    f"{k}: {w.n(s.allegations.count(k), 0)}" for k in sorted(set(s.allegations))
                ),
            )
        )
    if s.open_sources:
        rows.append((t.gettext("Open-source reports"), w.n(len(s.open_sources), 0)))
    if not rows:
        rows.append((t.gettext("How it was sensed"), t.gettext("no visible record")))
    return rows


def _determination(w: Writer, i: IncidentItem) -> list[Block]:
    t, d = w.loc.t, i.determination
    if d is None:
        return [Para(t.gettext("No determination has been made yet."), "note")]
    values = {
        "outcome": w.v(vocab.outcomes, d.outcome),
        "side": w.side(d.responsible_side),
        "confidence": w.v(vocab.confidences, d.confidence),
        "role": w.v(vocab.roles, d.role),
        "who": d.decided_by or "",
        "when": w.loc.datetime(d.decided_at) if d.decided_at else "",
    }
    if d.responsible_side:
        text = t.gettext(
            "Determination: %(outcome)s; responsible side: %(side)s; confidence: %(confidence)s."
        )
    else:
        text = t.gettext("Determination: %(outcome)s; confidence: %(confidence)s.")
    if d.decided_by:
        by = t.gettext("Determined by %(who)s (%(role)s), %(when)s.")
    else:
        by = t.gettext("Determined by the %(role)s, %(when)s.")
    blocks: list[Block] = [
        Para(text % values),
        Para(by % values),
        Para(t.gettext("Basis as written by the reviewer:"), "note"),
        Para(d.basis, "quote"),
    ]
    if d.remedies:
        blocks += [Para(t.gettext("Remedies:"), "note"), Bullets(d.remedies)]
    for x in d.dissents:
        label = (
            t.gettext("Dissent by %(who)s:") % {"who": x.by}
            if x.by
            else t.gettext("Dissent by a commissioner:")
        )
        blocks += [Para(label, "note"), Para(x.text, "quote")]
    return blocks


def _incident_fields(w: Writer, i: IncidentItem) -> Fields:
    t = w.loc.t
    items = [
        (t.gettext("When"), w.span(i.time_from, i.time_to)),
        (t.gettext("Where"), w.place(i.place)),
        (t.gettext("Coordinates"), w.coords(i.place)),
        (t.gettext("Weapon class"), w.v(vocab.weapons, i.weapon) or t.gettext("not determined")),
        *_sensed(w, i),
        (
            t.gettext("Responsible side (from the geometry)"),
            w.side(i.responsible_side),
        ),
        (t.gettext("Affected side"), w.side(i.affected_side)),
        (t.gettext("Corroboration"), w.v(vocab.grades, i.grade)),
        (t.gettext("State"), w.v(vocab.states, i.state)),
    ]
    return Fields(tuple((k, v) for k, v in items if v))


def _incident_basis(w: Writer, i: IncidentItem) -> list[Block]:
    t = w.loc.t
    if not i.findings:
        return [Para(t.gettext("No finding of the rules engine is attached."), "note")]
    items = tuple(
        t.gettext("%(rule)s (%(id)s): %(basis)s")
        % {"rule": w.rule(f), "id": f.id, "basis": w.basis(f)}
        for f in i.findings
    )
    return [Para(t.gettext("Basis (findings of the rules engine):"), "note"), Bullets(items)]


def _incidents(w: Writer, r: DailyReport) -> list[Block]:
    t = w.loc.t
    blocks: list[Block] = [Heading(t.gettext("Notable incidents"))]
    if not r.incidents:
        return [*blocks, Para(t.gettext("None: no grave, confirmed or determined incident."))]
    blocks.append(
        Para(
            t.gettext(
                "Incidents that are grave, confirmed by independent sources, or determined "
                "by the mechanism."
            ),
            "note",
        )
    )
    for i in r.incidents:
        blocks += [
            Heading(
                t.gettext("%(title)s — %(id)s") % {"title": incident_title(w, i), "id": i.id}, 3
            ),
            _incident_fields(w, i),
            *_incident_basis(w, i),
            *_determination(w, i),
        ]
    return blocks


def daily_document(r: DailyReport, loc: Locale, gazetteer: Gazetteer) -> Document:
    """The daily report in ``loc``'s language."""
    w = _writer(r.header, loc, gazetteer, r.day)
    t = loc.t
    title = (
        t.gettext("Public daily report on the ceasefire, %(date)s")
        if r.header.public
        else t.gettext("Daily report on the ceasefire, %(date)s")
    ) % {"date": loc.date(r.day)}
    blocks: list[Block] = [
        *_summary(w, r),
        *_violations(w, r),
        *_findings(w, r),
        *_casualties(w, r),
        *_coverage(w, r),
        *_incidents(w, r),
    ]
    return Document(
        lang=loc.lang,
        title=title,
        banner=_banner(w, r.header),
        meta=_meta(w, r.header),
        blocks=tuple(blocks),
        digest_label=_digest_label(w),
        footer=_footer(w),
    )


def _footer(w: Writer) -> tuple[str, ...]:
    t = w.loc.t
    return (
        t.gettext(
            "Times are UTC. Places are described from the nearest settlement in the "
            "gazetteer (GeoNames, CC BY 4.0; OCHA, CC BY-IGO); control of settlements follows "
            "the agreement's control areas. Counting rules: docs/reports.md."
        ),
    )


# --- the spot report ---------------------------------------------------------------------


def spot_document(r: SpotReport, loc: Locale, gazetteer: Gazetteer) -> Document:
    """The spot report of one incident in ``loc``'s language."""
    i = r.incident
    w = _writer(r.header, loc, gazetteer)
    meta = _meta(w, r.header)
    t = loc.t
    title = t.gettext("Spot report: %(title)s — %(id)s") % {
        "title": incident_title(w, i),
        "id": i.id,
    }
    blocks: list[Block] = [
        Heading(t.gettext("What, where, when")),
        _incident_fields(w, i),
        Heading(t.gettext("Attribution and basis")),
        *_incident_basis(w, i),
        *_determination(w, i),
        Heading(t.gettext("Reports received")),
        _observation_table(w, i),
        Heading(t.gettext("Timeline")),
        _timeline(w, i),
    ]
    return Document(
        lang=loc.lang,
        title=title,
        banner=_banner(w, r.header),
        meta=(meta[0], *meta[2:]),  # no period: the incident's own times say when
        blocks=tuple(blocks),
        digest_label=_digest_label(w),
        footer=_footer(w),
    )


def _observation_table(w: Writer, i: IncidentItem) -> Block:
    t = w.loc.t
    if not i.observations:
        return Para(t.gettext("None."))
    rows = tuple(
        (
            o.id,
            w.v(vocab.observation_types, o.type),
            w.span(o.time_from, o.time_to),
            w.v(vocab.means, o.means) if o.means else "",
            o.text or "",
        )
        for o in i.observations
    )
    header = (
        t.gettext("Report"),
        t.gettext("Source"),
        t.gettext("When"),
        t.gettext("How"),
        t.gettext("Text as filed"),
    )
    return Table(header, rows)


def _timeline(w: Writer, i: IncidentItem) -> Block:
    t = w.loc.t
    rows = tuple(
        (
            w.loc.datetime(s.at),
            w.v(vocab.actions, s.action),
            w.v(vocab.roles, s.role),
            s.actor,
        )
        for s in i.timeline
    )
    header = (t.gettext("When"), t.gettext("Step"), t.gettext("Role"), t.gettext("By"))
    return Table(header, rows)
