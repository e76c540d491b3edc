"""/quiz: today's 每日一题, one question at a time with the options as buttons; /quiz 专题 党费 a
round from one category. After a press: right or wrong, the right option, the explanation, a
查看依据 button opening the entry the item was written from (ask.py's kb:show) and 下一题.

Callback data: qz:a:<selection>:<letter> (an answer), qz:n:<selection> (the question after it).
The selection row names its person and day, so another person's button (forged, forwarded) and
an earlier day's are refused politely and count nothing; a second press finds the first answer.
The round is drawn once and stored (db/quiz.py): a restart or a reload shows the same questions.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.chat.ids import parse_id
from bot.context import BotContext
from bot.study.progress import local_today
from db import quiz
from db.models import QuizAnswer, QuizSelection
from handlers.access import require_role
from handlers.ask import CALLBACK_PREFIX as ENTRY_PREFIX
from handlers.replies import tell
from knowledge.quiz import LETTERS, QuizItem

PREFIX = "qz"
TOPIC_WORDS = ("专题", "topic")
BUTTON_OPTION_CHARS = 28  # a longer option is cut on its button; the message shows it whole


def _bank(context: BotContext) -> Mapping[str, QuizItem]:
    """The items served now (the knowledge snapshot's), or {} when there is no quiz."""
    if context.services.config.quiz_activity is None:
        return {}
    return context.services.knowledge.snapshot.quiz


def categories(bank: Mapping[str, QuizItem]) -> list[str]:
    """The categories items are filed under, largest first (ties by first seen)."""
    counts: dict[str, int] = {}
    for item in bank.values():
        if item.category:
            counts[item.category] = counts.get(item.category, 0) + 1
    return sorted(counts, key=lambda c: -counts[c])


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def match_category(typed: str, known: Sequence[str]) -> str | None:
    """The category meant by what was typed: exactly (spaces, width and case aside), else the one
    category containing it or contained in it (党费 → 党费; 党费交纳 → 党费), else the one
    close spelling; None when it is unknown or could mean several."""
    wanted = _fold(typed)
    if not wanted:
        return None
    folded = {_fold(c): c for c in known}
    if wanted in folded:
        return folded[wanted]
    near = [c for f, c in folded.items() if wanted in f or f in wanted]
    if len(near) == 1:
        return near[0]
    close = difflib.get_close_matches(wanted, list(folded), n=2, cutoff=0.6)
    return folded[close[0]] if len(close) == 1 else None


async def quiz_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "cadre"):
        return
    bank = _bank(context)
    if not bank:
        await update.message.reply_text(texts.QUIZ_NO_BANK)
        return
    args = list(context.args or [])
    topic = quiz.DAILY
    if args and args[0].lower() in TOPIC_WORDS:
        known = categories(bank)
        if len(args) == 1:
            await update.message.reply_text(texts.QUIZ_TOPIC_LIST.format(names="、".join(known), example=known[0]))
            return
        typed = " ".join(args[1:])
        matched = match_category(typed, known)
        if matched is None:
            await update.message.reply_text(texts.QUIZ_TOPIC_UNKNOWN.format(text=typed[:20], names="、".join(known)))
            return
        topic = matched
    elif args:
        await update.message.reply_text(texts.QUIZ_USAGE)
        return
    await _start_round(update, context, bank, topic)


async def _start_round(update: Update, context: BotContext, bank: Mapping[str, QuizItem], topic: str) -> None:
    person, services = context.person, context.services
    today = local_today(services.now(), services.config.tz)
    pool = sorted(i.id for i in bank.values() if topic == quiz.DAILY or i.category == topic)
    rows = await quiz.draw(
        context.session, person_id=person.id, day=today, topic=topic, pool=pool, count=services.config.quiz.per_day,
        no_repeat_days=services.config.quiz.no_repeat_days, now=services.now(),
    )
    await context.session.commit()
    if not rows:
        await update.message.reply_text(texts.QUIZ_TOPIC_NOTHING_LEFT.format(topic=topic))
        return
    answers = await quiz.answers_on(context.session, person.id, today)
    upcoming = _next_question(rows, answers, bank)
    if upcoming is not None:  # /quiz shows it whether or not 下一题 did: the message may be lost
        await quiz.claim_shown(context.session, upcoming.id, services.now())
        await context.session.commit()
        text, markup = _question(upcoming, rows, bank)
        await update.message.reply_text(text, reply_markup=markup)
        return
    right, total = _score(rows, answers)
    streak = await quiz.streak(context.session, person.id, today)
    if topic == quiz.DAILY:
        text = texts.QUIZ_DONE_TODAY.format(right=right, total=total, streak=streak)
        await update.message.reply_text(f"{text}\n{_more_topics(bank)}")
    else:
        await update.message.reply_text(texts.QUIZ_TOPIC_DONE_TODAY.format(topic=topic, right=right, total=total))


def _next_question(
    rows: Sequence[QuizSelection], answers: Mapping[str, QuizAnswer], bank: Mapping[str, QuizItem], after: int = 0,
) -> QuizSelection | None:
    """The first question of the round not yet answered (after position `after`), skipping
    items a reload took out of the bank."""
    return next((r for r in rows if r.position > after and r.item_id not in answers and r.item_id in bank), None)


def _score(rows: Sequence[QuizSelection], answers: Mapping[str, QuizAnswer]) -> tuple[int, int]:
    """(right, answered) over the round's questions."""
    answered = [answers[r.item_id] for r in rows if r.item_id in answers]
    return sum(a.right for a in answered), len(answered)


def _title(topic: str) -> str:
    return texts.QUIZ_DAILY_TITLE if topic == quiz.DAILY else texts.QUIZ_TOPIC_TITLE.format(topic=topic)


def _question_text(row: QuizSelection, rows: Sequence[QuizSelection], item: QuizItem) -> str:
    options = "\n".join(texts.QUIZ_OPTION.format(letter=LETTERS[i], text=o) for i, o in enumerate(item.options))
    return texts.QUIZ_QUESTION.format(title=_title(row.topic), k=row.position, n=len(rows), stem=item.stem, options=options)


def _question(
    row: QuizSelection, rows: Sequence[QuizSelection], bank: Mapping[str, QuizItem],
) -> tuple[str, InlineKeyboardMarkup]:
    item = bank[row.item_id]
    buttons = [
        [InlineKeyboardButton(texts.QUIZ_OPTION.format(letter=LETTERS[i], text=_cut(o)),
                              callback_data=f"{PREFIX}:a:{row.id}:{LETTERS[i]}")]
        for i, o in enumerate(item.options)
    ]
    return _question_text(row, rows, item), InlineKeyboardMarkup(buttons)


def _cut(option: str) -> str:
    return option if len(option) <= BUTTON_OPTION_CHARS else option[:BUTTON_OPTION_CHARS - 1] + "…"


def _more_topics(bank: Mapping[str, QuizItem]) -> str:
    known = categories(bank)
    return texts.QUIZ_MORE_TOPICS.format(names="、".join(known), example=known[0]) if known else ""


# --- buttons --------------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    parts = (query.data or "").split(":")
    selection_id = parse_id(parts[2]) if len(parts) >= 3 else None
    action = parts[1] if len(parts) > 1 else ""
    valid = (action == "a" and len(parts) == 4 and len(parts[3]) == 1 and parts[3] in LETTERS) or (
        action == "n" and len(parts) == 3)
    selection = await quiz.selection_by_id(context.session, selection_id) if valid and selection_id else None
    if selection is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    person = context.person
    if person is None or selection.person_id != person.id:
        await tell(update, texts.QUIZ_NOT_YOURS)
        return
    services = context.services
    today = local_today(services.now(), services.config.tz)
    if selection.quiz_date != today:
        await tell(update, texts.QUIZ_OLD_DAY)
        return
    bank = _bank(context)
    if action == "n":
        await _show_next(update, context, selection, bank, today)
        return
    item = bank.get(selection.item_id)
    activity = services.config.quiz_activity
    if item is None or activity is None:
        await tell(update, texts.QUIZ_ITEM_GONE)
        return
    letter = parts[3]
    if LETTERS.index(letter) >= len(item.options):
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    result = await quiz.answer(
        context.session, selection=selection, person_id=person.id, letter=letter, right=letter == item.answer_letter,
        entry_id=item.entry, today=today, now=services.now(), activity=activity,
    )
    await context.session.commit()
    if result.outcome is quiz.Outcome.ALREADY:
        await tell(update, texts.QUIZ_ALREADY)
        return
    await query.answer()
    await _show_result(update, context, selection, item, result, bank, today)


async def _show_result(
    update: Update, context: BotContext, selection: QuizSelection, item: QuizItem, result: quiz.AnswerResult,
    bank: Mapping[str, QuizItem], today: date,
) -> None:
    """The question's message becomes its result: ✅/❌, the right option, the explanation, the
    credits; then 查看依据 and 下一题 (or, after the round's last question, its summary)."""
    person, config = context.person, context.services.config
    answer = result.answer
    assert answer is not None
    rows = await quiz.round_of(context.session, person.id, today, selection.topic)
    answers = await quiz.answers_on(context.session, person.id, today)
    lines = [_question_text(selection, rows, item), ""]
    if answer.right:
        lines.append(texts.QUIZ_RIGHT)
        activity = config.quiz_activity
        lines.append(texts.QUIZ_CREDITED.format(credits=texts.credits(activity.credits_per_unit, config.study.credit_name))
                     if result.credited else texts.QUIZ_CAPPED.format(credit=config.study.credit_name))
    else:
        lines.append(texts.QUIZ_WRONG.format(chosen=answer.chosen, letter=item.answer_letter, text=item.correct_option))
    lines.append(texts.QUIZ_EXPLANATION.format(text=item.explanation))
    upcoming = _next_question(rows, answers, bank, after=0)
    buttons = []
    if context.services.knowledge.get(item.entry) is not None:
        buttons.append(InlineKeyboardButton(texts.QUIZ_SOURCE_BUTTON, callback_data=f"{ENTRY_PREFIX}:show:{item.entry}"))
    if upcoming is not None:
        buttons.append(InlineKeyboardButton(texts.QUIZ_NEXT_BUTTON, callback_data=f"{PREFIX}:n:{selection.id}"))
    markup = InlineKeyboardMarkup([buttons]) if buttons else None
    try:
        await update.callback_query.edit_message_text("\n".join(lines), reply_markup=markup)
    except BadRequest:  # the message is gone or too old to edit: say it anew
        await context.bot.send_message(update.effective_chat.id, "\n".join(lines), reply_markup=markup)
    if upcoming is None:
        await context.bot.send_message(update.effective_chat.id, await _summary(context, selection.topic, rows, answers, bank, today))


async def _summary(
    context: BotContext, topic: str, rows: Sequence[QuizSelection], answers: Mapping[str, QuizAnswer],
    bank: Mapping[str, QuizItem], today: date,
) -> str:
    person, config = context.person, context.services.config
    right, total = _score(rows, answers)
    earned = await quiz.credits_on(context.session, person.id, config.quiz.activity, today)
    streak = await quiz.streak(context.session, person.id, today)
    shown = texts.figure(earned, config.study.credit_name)
    if topic == quiz.DAILY:
        text = texts.QUIZ_SUMMARY_DAILY.format(right=right, total=total, credits=shown, streak=streak)
        more = _more_topics(bank)
        return f"{text}\n{more}" if more else text
    return texts.QUIZ_SUMMARY_TOPIC.format(topic=topic, right=right, total=total, credits=shown, streak=streak)


async def _show_next(
    update: Update, context: BotContext, selection: QuizSelection, bank: Mapping[str, QuizItem], today: date,
) -> None:
    """下一题: the round's next unanswered question, as a new message (the answered one stays readable)."""
    person = context.person
    rows = await quiz.round_of(context.session, person.id, today, selection.topic)
    answers = await quiz.answers_on(context.session, person.id, today)
    upcoming = _next_question(rows, answers, bank)
    if upcoming is None:
        await tell(update, texts.QUIZ_ROUND_DONE)
        return
    if not await quiz.claim_shown(context.session, upcoming.id, context.services.now()):
        await tell(update, texts.QUIZ_NEXT_ALREADY)  # a double tap, or /quiz showed it already
        return
    await context.session.commit()
    await update.callback_query.answer()
    try:  # the 下一题 button has done its work; 查看依据 stays
        kept = [[b for b in row if not (b.callback_data or "").startswith(f"{PREFIX}:n:")]
                for row in update.callback_query.message.reply_markup.inline_keyboard]
        await update.callback_query.edit_message_reply_markup(InlineKeyboardMarkup([r for r in kept if r]))
    except (AttributeError, BadRequest):
        pass
    text, markup = _question(upcoming, rows, bank)
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


# --- /credits ---------------------------------------------------------------------------------


async def streak_line(context: BotContext) -> str | None:
    """`每日答题：连续3天` for /credits; None when there is no quiz or no streak to show."""
    if not _bank(context):
        return None
    services = context.services
    days = await quiz.streak(context.session, context.person.id, local_today(services.now(), services.config.tz))
    return texts.QUIZ_STREAK.format(days=days) if days else None


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("quiz", quiz_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
