"""A thousand people asking at once while a fan-out to all of them runs: each gets one answer
and one reminder; replies are never taken for deliveries (the delivery in the request layer
belongs to the fan-out's own tasks)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timezone

from sqlalchemy import update

from bot.console.chat import LocalUser
from db.models import Person
from tests.conftest import BotHarness

MONDAY_0830 = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)
PEOPLE = 1000
CHAT_OFFSET = 7_000_000


async def test_a_thousand_questions_during_a_fan_out_get_one_reply_each(harness: BotHarness) -> None:
    roster = "\n".join(f'- {{id: "Q{i:04d}", name: "干部{i}", unit: "组织科", roles: cadre}}' for i in range(PEOPLE))
    await harness.import_roster(roster)
    async with harness.services.db.session() as session:
        await session.execute(update(Person).values(chat_id=Person.id + CHAT_OFFSET,
                                                    telegram_user_id=Person.id + CHAT_OFFSET))
        await session.commit()
    users = [LocalUser(person_id + CHAT_OFFSET, f"干部{person_id}") for person_id in range(1, PEOPLE + 1)]
    harness.set_time(MONDAY_0830)
    one_at_a_time = asyncio.Semaphore(8)  # PTB hands updates to handlers a few at a time

    async def ask(user: LocalUser) -> None:
        async with one_at_a_time:
            await harness.send(user, "三会一课多久开一次")

    fan_out = asyncio.create_task(harness.app.scheduler.tick(MONDAY_0830))
    await asyncio.gather(*(ask(user) for user in users))
    sent = await fan_out

    assert sent is not None and sent["sent"] == PEOPLE
    reminders = Counter(m.chat_id for m in harness.request.outbox if "周一例会" in m.text)
    replies = Counter(m.chat_id for m in harness.request.outbox if "周一例会" not in m.text)
    assert set(reminders.values()) == {1} and len(reminders) == PEOPLE
    assert set(replies.values()) == {1} and len(replies) == PEOPLE
