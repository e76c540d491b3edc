"""/remind: a person's own reminders — mute one or all, snooze for a week, quiet hours."""

from __future__ import annotations

import re
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.context import BotContext
from bot.scheduling.reminders import applies_to, describe_schedule
from db import reminders
from db.models import Person, ReminderPrefs

PREFIX = "rm"
QUIET_PRESETS = (("22:00", "07:30"), ("21:00", "08:00"))
_QUIET = re.compile(r"^(\d{1,2})[:：](\d{2})\s*[-–~至到]\s*(\d{1,2})[:：](\d{2})$")


def _hhmm(hour: str, minute: str) -> str | None:
    h, m = int(hour), int(minute)
    return f"{h:02d}:{m:02d}" if 0 <= h <= 23 and 0 <= m <= 59 else None


def parse_quiet(text: str) -> tuple[str, str] | None:
    """'22:00-07:30' (also with ：, –, ~, 至, 到) → ('22:00', '07:30'); None if malformed."""
    match = _QUIET.match(text.strip())
    if match is None:
        return None
    start, end = _hhmm(*match.group(1, 2)), _hhmm(*match.group(3, 4))
    return (start, end) if start and end and start != end else None


def settings_text(context: BotContext, person: Person, prefs: ReminderPrefs) -> str:
    services = context.services
    lines = [texts.REMIND_HEADER]
    schedules = [s for s in services.config.reminders.schedules if applies_to(s, person)]
    for index, schedule in enumerate(schedules, start=1):
        muted = prefs.muted_all or schedule.key in prefs.muted
        state = texts.REMIND_MUTED if muted else texts.REMIND_ON
        lines.append(texts.REMIND_LINE.format(index=index, name=schedule.name, when=describe_schedule(schedule), state=state))
    if not schedules:
        lines.append(texts.REMIND_NONE)
    if prefs.snooze_until and prefs.snooze_until > services.now():
        local = prefs.snooze_until.astimezone(services.config.tz)
        lines.append(texts.REMIND_SNOOZED.format(until=f"{local.month}月{local.day}日 {local:%H:%M}"))
    quiet = f"{prefs.quiet_start}–{prefs.quiet_end}" if prefs.quiet_start else texts.REMIND_QUIET_OFF
    lines.append(texts.REMIND_QUIET.format(quiet=quiet))
    lines.append(texts.REMIND_FOOTER)
    return "\n".join(lines)


# Telegram shows at most 8 buttons in a row; /remind keeps to four rows: the numbered
# reminders (one row, two when there are more than MUTE_ROW), all/snooze, quiet hours.
MUTE_ROW = 5
MAX_BUTTONS_IN_A_ROW = 8


def settings_keyboard(context: BotContext, person: Person, prefs: ReminderPrefs) -> InlineKeyboardMarkup:
    """At most four rows (for up to 16 reminders a person, far more than any config has), so the
    keyboard fits a phone screen beside the list it acts on."""
    rows = _mute_rows(context, person, prefs)
    snoozed = prefs.snooze_until is not None and prefs.snooze_until > context.services.now()
    rows.append([
        InlineKeyboardButton(texts.REMIND_UNMUTE_ALL if prefs.muted_all else texts.REMIND_MUTE_ALL, callback_data=f"{PREFIX}:all"),
        InlineKeyboardButton(texts.REMIND_UNSNOOZE if snoozed else texts.REMIND_SNOOZE.format(
            days=context.services.config.reminders.snooze_days), callback_data=f"{PREFIX}:snz"),
    ])
    current = (prefs.quiet_start, prefs.quiet_end)
    quiet = [InlineKeyboardButton(texts.REMIND_QUIET_PRESET.format(start=a, end=b), callback_data=f"{PREFIX}:q:{a}-{b}")
             for a, b in QUIET_PRESETS if (a, b) != current]  # the window already set needs no button
    if prefs.quiet_start:
        quiet.append(InlineKeyboardButton(texts.REMIND_QUIET_CLEAR, callback_data=f"{PREFIX}:q:off"))
    rows.append(quiet)
    return InlineKeyboardMarkup(rows)


def _mute_rows(context: BotContext, person: Person, prefs: ReminderPrefs) -> list[list[InlineKeyboardButton]]:
    """🔕 n / 🔔 n for the reminders numbered in the text, in one row or two equal ones."""
    if prefs.muted_all:
        return []  # 全部恢复 first; one by one makes sense again after that
    schedules = [s for s in context.services.config.reminders.schedules if applies_to(s, person)]
    buttons = [
        InlineKeyboardButton(
            (texts.REMIND_UNMUTE_ONE if schedule.key in prefs.muted else texts.REMIND_MUTE_ONE).format(index=index),
            callback_data=f"{PREFIX}:t:{schedule.key}",
        )
        for index, schedule in enumerate(schedules, start=1)
    ]
    if not buttons:
        return []
    per_row = MUTE_ROW if len(buttons) <= MUTE_ROW else min(MAX_BUTTONS_IN_A_ROW, -(-len(buttons) // 2))
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


async def remind_command(update: Update, context: BotContext) -> None:
    args = context.args or []
    if args and args[0] in ("quiet", "免打扰"):
        await _typed_quiet(update, context, " ".join(args[1:]))
        return
    if args:
        await update.message.reply_text(texts.REMIND_USAGE)
        return
    await show_settings(update, context)


async def show_settings(update: Update, context: BotContext) -> None:
    person = context.person
    prefs = await reminders.prefs_of(context.session, person.id)
    await update.effective_message.reply_text(
        settings_text(context, person, prefs), reply_markup=settings_keyboard(context, person, prefs)
    )


async def _typed_quiet(update: Update, context: BotContext, text: str) -> None:
    person = context.person
    if text.strip().lower() in ("off", "关闭", "取消"):
        await reminders.set_quiet_hours(context.session, person.id, None, None)
        await update.message.reply_text(texts.REMIND_QUIET_CLEARED)
        return
    window = parse_quiet(text)
    if window is None:
        await update.message.reply_text(texts.REMIND_QUIET_BAD)
        return
    await reminders.set_quiet_hours(context.session, person.id, *window)
    await update.message.reply_text(texts.REMIND_QUIET_SET.format(start=window[0], end=window[1]))


async def on_button(update: Update, context: BotContext) -> None:
    query, person = update.callback_query, context.person
    parts = (query.data or "").split(":", 2)
    action = parts[1] if len(parts) > 1 else ""
    if action == "show":
        await query.answer()
        await show_settings(update, context)
        return
    changed = await _apply(context, person, action, parts[2] if len(parts) > 2 else "")
    if not changed:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer(texts.REMIND_SAVED)
    prefs = await reminders.prefs_of(context.session, person.id)
    try:
        await query.edit_message_text(settings_text(context, person, prefs), reply_markup=settings_keyboard(context, person, prefs))
    except BadRequest:
        pass  # "message is not modified": the state was already shown


async def _apply(context: BotContext, person: Person, action: str, argument: str) -> bool:
    session, services = context.session, context.services
    prefs = await reminders.prefs_of(session, person.id)
    if action == "t":
        schedule = services.config.reminders.schedule(argument)
        if schedule is None or not applies_to(schedule, person):
            return False
        await reminders.set_muted(session, person.id, schedule.key, schedule.key not in prefs.muted)
    elif action == "all":
        await reminders.set_muted_all(session, person.id, not prefs.muted_all)
    elif action == "snz":
        snoozed = prefs.snooze_until is not None and prefs.snooze_until > services.now()
        until = None if snoozed else services.now() + timedelta(days=services.config.reminders.snooze_days)
        await reminders.set_snooze(session, person.id, until)
    elif action == "q":
        window = None if argument == "off" else parse_quiet(argument)
        if argument != "off" and window is None:
            return False
        await reminders.set_quiet_hours(session, person.id, *(window or (None, None)))
    else:
        return False
    return True


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("remind", remind_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
