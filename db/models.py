"""Typed SQLAlchemy models: what the bot remembers about people, their roles, questions and study.

Times are stored in UTC and always come back timezone-aware (SQLite forgets the zone,
so the UTCDateTime type puts it back); naive datetimes never leave this module.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String,
    Text, TypeDecorator, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("cadre", "supervisor", "admin")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC that refuses naive input and returns aware values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC time")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Person(Base):
    """One member of the roster; `external_id` (a staff number) is the identity across re-imports."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(100), default="", index=True)
    level: Mapped[str | None] = mapped_column(String(50))
    target: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    invite_code: Mapped[str] = mapped_column(String(32), unique=True)
    invite_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    # The role set the person's Telegram command menu was last set for; lets start-up skip
    # people whose menu is already right instead of calling set_my_commands for everyone.
    menu_signature: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    role_rows: Mapped[list[PersonRole]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )
    supervision_rows: Mapped[list[Supervision]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    @property
    def supervised_units(self) -> frozenset[str]:
        return frozenset(row.unit for row in self.supervision_rows)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_bound(self) -> bool:
        return self.telegram_user_id is not None


class PersonRole(Base):
    __tablename__ = "person_roles"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)

    person: Mapped[Person] = relationship(back_populates="role_rows")


class Supervision(Base):
    """A supervisor answers for a unit (by name, as written in the roster)."""

    __tablename__ = "supervisions"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    unit: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)

    person: Mapped[Person] = relationship(back_populates="supervision_rows")


QUESTION_OUTCOMES = ("answer", "suggest", "none", "picked", "related")
QUESTION_RESOLUTIONS = ("alternate", "out_of_scope")


class Question(Base):
    """Every question asked, with what the matcher made of it and what the asker thought.

    Unanswered ("none"), thumbs-down and unpicked suggestions are what admins grow the base
    from; "picked" is a suggestion the asker chose (entry_id is then their pick), "related"
    an answer opened from a 相关 button (text is the entry's question), logged so that its
    👍/👎 has a row. An admin's decision on a gap (added as an alternate, out of scope) is
    its resolution: resolved questions no longer show in /gaps.
    """

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(10))  # one of QUESTION_OUTCOMES
    entry_id: Mapped[str | None] = mapped_column(String(100))  # best candidate, even when not answered
    score: Mapped[float] = mapped_column(Float, default=0.0)
    feedback: Mapped[str | None] = mapped_column(String(10))  # up | down
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    resolution: Mapped[str | None] = mapped_column(String(12))  # one of QUESTION_RESOLUTIONS
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who changed what, when: one row per change an admin (or the CLI, actor None) made.

    ``action`` is a short dotted code (kb.alternate_added, kb.upload …) and ``detail`` a
    short text, usually JSON, so any feature can log without a schema change.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    detail: Mapped[str] = mapped_column(String(1000), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


STUDY_STATUSES = ("confirmed", "pending", "rejected", "voided")


class StudyRecord(Base):
    """One piece of study a cadre logged. Never deleted: an undo or an admin's void only
    changes the status and says who did it, so exports keep the whole history.

    Amounts and credits are stored as integer hundredths: sums are then exact on every
    database (SQLite has no exact decimal type), and two decimals are all anyone logs.
    """

    __tablename__ = "study_records"
    # Ranges of one person's days (latest records, the daily cap, weekly totals).
    __table_args__ = (Index("ix_study_records_person_day", "person_id", "study_date", "activity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    activity: Mapped[str] = mapped_column(String(20))  # the config key, stable across renames
    unit: Mapped[str] = mapped_column(String(10))
    amount_hundredths: Mapped[int] = mapped_column(Integer)
    credits_hundredths: Mapped[int] = mapped_column(Integer)
    study_date: Mapped[date] = mapped_column(Date)  # the local day the study happened
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(10))  # one of STUDY_STATUSES
    # One per draft or message: a second 确认 press or a retried update finds the first record.
    client_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # supervisor, for pending ones
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(String(200))  # why it was returned (退回)
    voided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # the cadre (undo), an admin, a confirmer (/fix)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str | None] = mapped_column(String(200))

    @property
    def amount(self) -> float:
        return self.amount_hundredths / 100

    @property
    def credits(self) -> float:
        return self.credits_hundredths / 100


FIX_STATUSES = ("open", "accepted", "declined", "closed")


class StudyFix(Base):
    """A cadre's request to correct one of their records after the 撤销 window (/fix 编号 说明).

    It waits for the record's confirmers as a pending record does. Accepting voids the record
    with the cadre's 说明 as the void reason (the cadre then logs it again, correctly);
    declining keeps the record and says why; "closed" means the record stopped counting by
    other means first. Never deleted, so the history keeps who decided and when.
    """

    __tablename__ = "study_fixes"
    __table_args__ = (Index("ix_study_fixes_status_asked", "status", "asked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("study_records.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))  # who asked: the record's owner
    note: Mapped[str] = mapped_column(String(200))  # the cadre's 说明
    status: Mapped[str] = mapped_column(String(10), default="open")  # one of FIX_STATUSES
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(String(200))


class StudyMonthTotal(Base):
    """Running sums of one person's records per month, activity and status.

    A study year is whole months, so /credits reads a few dozen of these rows instead of
    every record of the year. db/credits.py changes them in the same transaction as the
    records, under the person's lock; nothing else writes them.
    """

    __tablename__ = "study_month_totals"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month
    activity: Mapped[str] = mapped_column(String(20), primary_key=True)
    unit: Mapped[str] = mapped_column(String(10), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), primary_key=True)
    amount_hundredths: Mapped[int] = mapped_column(Integer, default=0)
    credits_hundredths: Mapped[int] = mapped_column(Integer, default=0)
    records: Mapped[int] = mapped_column(Integer, default=0)


class Delivery(Base):
    """One scheduled message to one person: the unique key (person, kind, period) is what makes
    a restart, a job that runs twice, or a second bot instance unable to send it twice."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "period", name="uq_deliveries_person_kind_period"),
        Index("ix_deliveries_status_due", "status", "deliver_after"),
        Index("ix_deliveries_claim_token", "claim_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))      # e.g. reminder:monday_meeting, talk:42
    period: Mapped[str] = mapped_column(String(40))    # e.g. 2026-11-23T08:30
    # pending (deliver_after may lie ahead: quiet hours) → claimed → attempted (its request is
    # being written) → sent; claimed → skipped | blocked | failed; attempted → uncertain (the
    # answer was lost, or the sender died: never resent, so never duplicated); claimed → pending
    # (released by a stopping sender, or by the next leader); pending → expired (past the grace
    # period). See db/deliveries.py.
    status: Mapped[str] = mapped_column(String(12), default="pending")
    deliver_after: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # requests handed to the network
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The claim the row belongs to: its batch reads it back by the token, and every later mark
    # is fenced by it, so a leader that lost the claim to another can no longer mark or send.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the last request written
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FanOut(Base):
    """Marks that the deliveries of one (kind, period) were created, in the same transaction."""

    __tablename__ = "fanouts"

    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    period: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Lease(Base):
    """Leadership among bot instances: whoever holds an unexpired lease runs the fan-out."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReminderPrefs(Base):
    """A person's own control over reminders: muted schedules, a snooze, quiet hours (local)."""

    __tablename__ = "reminder_prefs"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    muted_all: Mapped[bool] = mapped_column(Boolean, default=False)
    muted_keys: Mapped[str] = mapped_column(String(500), default="")  # ';'-separated schedule keys
    snooze_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "22:00"
    quiet_end: Mapped[str | None] = mapped_column(String(5))    # "07:30"

    @property
    def muted(self) -> frozenset[str]:
        return frozenset(k for k in self.muted_keys.split(";") if k)


class Talk(Base):
    """A one-on-one talk (谈心谈话) that happened. Notes are private to the supervisor who wrote them."""

    __tablename__ = "talks"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    # Ciphertext (see db/talks.py and bot/notes_crypto.py), never read directly: notes_format
    # says how it is stored, 'fernet' or 'plain' (written before encryption, encrypted at start).
    notes: Mapped[str | None] = mapped_column(Text)
    notes_format: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TalkRequest(Base):
    """A cadre asked for a talk, with a topic; it feeds the talking points until a talk happens."""

    __tablename__ = "talk_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TalkPostponement(Base):
    """A supervisor pushed a due talk back (推迟一周): it is not due again before `until`."""

    __tablename__ = "talk_postponements"

    supervisor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    until: Mapped[date] = mapped_column(Date)


class FlowState(Base):
    """The one multi-step flow a person has open (a /study draft, talk notes, a /talk topic …).

    Read in each update's own session, never cached in a process: a restart, or another
    instance taking the next update, continues the flow. Past `expires_at` the flow no longer
    takes input; until `forget_at` the row remains so the person is told what happened to it
    (once for a draft; late talk notes are refused rather than logged as a question).
    """

    __tablename__ = "flow_states"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    flow: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    forget_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class RosterUpload(Base):
    """A roster file an admin sent, waiting for the button that says how to import it.

    Kept in the database, not in memory: the preview's buttons still work after a restart or
    on another instance, and a second press finds `decided_at` set. The file is dropped once
    decided; the row stays so an old button is told what became of it.
    """

    __tablename__ = "roster_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(64))  # of the plans the preview showed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision: Mapped[str | None] = mapped_column(String(10))  # full | update | cancelled


class KnowledgeVersion(Base):
    """A knowledge change one instance made (an upload, a /gaps alternate, /reload), published
    so that every other instance reloads its base within seconds (bot/ops/knowledge_sync.py).

    Only the signal lives here, not the files: they are shared by all instances (a volume), so
    one copy is edited, backed up and restored. `fingerprint` is what the publisher loaded; an
    instance that reloads and still differs is told its folder is not the shared one.
    """

    __tablename__ = "knowledge_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(40))  # the audit action: kb.reload, kb.upload, ...
    instance: Mapped[str] = mapped_column(String(80))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StudySession(Base):
    """A collective study session (/session): its window, audience and how it ended.

    The window end is stored, not scheduled in a process: whatever touches the session after
    it (a press, 名单, the scheduler tick) closes it, and of all those exactly one conditional
    UPDATE sets `ended_at`, so the organiser's end report goes out once.
    """

    __tablename__ = "study_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    activity: Mapped[str] = mapped_column(String(20))  # the config key
    amount_hundredths: Mapped[int] = mapped_column(Integer)  # in the activity's unit
    topic: Mapped[str] = mapped_column(String(100), default="")
    units: Mapped[list[str] | None] = mapped_column(JSON)  # the audience's units; None: every unit
    expected: Mapped[int] = mapped_column(Integer, default=0)  # active cadres invited at the start
    study_date: Mapped[date] = mapped_column(Date)  # the local day of the start: the records' date
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_how: Mapped[str | None] = mapped_column(String(10))  # button | window
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # started in a group: its one message there
    # The organiser's message with the live count, 结束 and 名单 (edited as people check in).
    control_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    control_message_id: Mapped[int | None] = mapped_column(BigInteger)
    count_shown: Mapped[int] = mapped_column(Integer, default=0)
    count_shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def amount(self) -> float:
        return self.amount_hundredths / 100


class SessionCheckin(Base):
    """One person's 签到 at one session: the unique pair is what makes a second press harmless."""

    __tablename__ = "session_checkins"
    __table_args__ = (UniqueConstraint("session_id", "person_id", name="uq_session_checkins_session_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("study_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("study_records.id"))  # None: the day's cap was full
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PublishedReading(Base):
    """A week's reading published in the chat (/publish); the files' readings are not rows.

    Of a week's rows the newest without `replaced_at` is the week's reading, ahead of the
    file's: a later /publish replaces an earlier one (kept, with the marks made on it).
    """

    __tablename__ = "published_readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date] = mapped_column(Date, index=True)  # the Monday of its week
    title: Mapped[str] = mapped_column(String(100))
    text: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    credits_hundredths: Mapped[int] = mapped_column(Integer)  # for 已读, fixed when published
    notes_credits_hundredths: Mapped[int] = mapped_column(Integer)  # more for a 心得
    published_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReadingMark(Base):
    """One person's 已读 and 心得 of one reading (a file's id, or pub-<id>): unique per pair,
    so each is recorded once however often pressed or sent. The records are the credits."""

    __tablename__ = "reading_marks"
    __table_args__ = (UniqueConstraint("person_id", "reading_id", name="uq_reading_marks_person_reading"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    reading_id: Mapped[str] = mapped_column(String(40))
    week: Mapped[date] = mapped_column(Date, index=True)  # the reading's Monday, as it was when marked
    title: Mapped[str] = mapped_column(String(100))  # as shown, for the export
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_record_id: Mapped[int | None] = mapped_column(ForeignKey("study_records.id", ondelete="SET NULL"))
    notes: Mapped[str | None] = mapped_column(Text)
    notes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notes_record_id: Mapped[int | None] = mapped_column(ForeignKey("study_records.id", ondelete="SET NULL"))


class QuizSelection(Base):
    """One question of a person's day (/quiz): made once, when the day's /quiz is first sent, so a
    restart or a reload shows the same questions. `topic` is "" for 每日一题, else the 专题's
    category; an item is drawn at most once a day per person, whichever round drew it."""

    __tablename__ = "quiz_selections"
    __table_args__ = (
        UniqueConstraint("person_id", "quiz_date", "item_id", name="uq_quiz_selections_person_day_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    quiz_date: Mapped[date] = mapped_column(Date)  # the local day
    topic: Mapped[str] = mapped_column(String(40), default="")
    item_id: Mapped[str] = mapped_column(String(80))  # knowledge/quiz item id
    position: Mapped[int] = mapped_column(Integer)  # 1-based, within its round (person, day, topic)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # sent by 下一题 (None: not by it)


class QuizAnswer(Base):
    """One answer, unique per person, day and item: a second press (or a second instance)
    finds the first and counts nothing. `record_id` is the study record a right answer earned
    (None: wrong, or the day's cap was full)."""

    __tablename__ = "quiz_answers"
    __table_args__ = (
        UniqueConstraint("person_id", "quiz_date", "item_id", name="uq_quiz_answers_person_day_item"),
        # The admins' most-often-wrong items read a week of answers across everyone.
        Index("ix_quiz_answers_quiz_date", "quiz_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    quiz_date: Mapped[date] = mapped_column(Date)
    item_id: Mapped[str] = mapped_column(String(80))
    entry_id: Mapped[str] = mapped_column(String(80))  # the item's entry when answered (for the admins' list)
    selection_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_selections.id", ondelete="SET NULL"))
    chosen: Mapped[str] = mapped_column(String(1))  # the letter pressed
    right: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("study_records.id"))
