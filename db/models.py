"""Typed SQLAlchemy models: what the bot remembers about people and their roles.

Times are stored in UTC and always come back timezone-aware (SQLite forgets the zone,
so the UTCDateTime type puts it back); naive datetimes never leave this module.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, Boolean, DateTime, Float, ForeignKey, MetaData, String, TypeDecorator
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


class Question(Base):
    """Every question asked, with what the matcher made of it and what the asker thought.

    Unanswered ("none") and thumbs-down questions are what admins grow the base from.
    """

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(10))  # answer | suggest | none
    entry_id: Mapped[str | None] = mapped_column(String(100))  # best candidate, even when not answered
    score: Mapped[float] = mapped_column(Float, default=0.0)
    feedback: Mapped[str | None] = mapped_column(String(10))  # up | down
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
