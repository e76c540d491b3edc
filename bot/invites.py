"""The invite list (id,name,code,link) as the CLI prints it and the bot attaches it."""

from __future__ import annotations

import csv
import io

from db.models import Person
from db.people import invite_link

INVITE_COLUMNS = ("id", "name", "code", "link")


def invite_rows(persons: list[Person], bot_username: str) -> list[tuple[str, str, str, str]]:
    return [(p.external_id, p.name, p.invite_code, invite_link(bot_username, p.invite_code)) for p in persons]


def invites_csv(persons: list[Person], bot_username: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(INVITE_COLUMNS)
    writer.writerows(invite_rows(persons, bot_username))
    return buffer.getvalue()


def invites_table(persons: list[Person], bot_username: str) -> str:
    lines = [f"{eid:<12} {name:<8} {code:<10} {link}" for eid, name, code, link in invite_rows(persons, bot_username)]
    return "\n".join(lines)
