"""/remind: each person controls their own reminders."""

from __future__ import annotations

from tests.conftest import BotHarness


async def cadre(harness: BotHarness):  # type: ignore[no-untyped-def]
    await harness.import_roster()
    return await harness.join("C01")


async def test_remind_lists_the_reminders_that_apply_with_times_and_state(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/remind"))[-1]
    assert "周一例会固定学（每周一 08:30）：开启" in shown.text
    assert "“三个一”月度业务讲课（每月第一个工作日 08:30）" in shown.text
    assert "免打扰时段：未设置" in shown.text
    admin = await harness.join("A01")
    assert "目前没有适用于您的提醒" in (await harness.send(admin, "/remind"))[-1].text


async def test_muting_one_then_all_then_restoring_updates_the_message(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/remind"))[-1]
    edited = [m for m in await harness.press(user, shown, "🔕 1") if m.kind == "edit"][-1]
    assert "1. 周一例会固定学（每周一 08:30）：已静音" in edited.text
    assert "🔔 1" in [b.text for b in edited.flat_buttons]
    assert "周五进度提醒（每周五 16:00）：开启" in edited.text
    edited = [m for m in await harness.press(user, edited, "全部静音") if m.kind == "edit"][-1]
    assert "开启" not in edited.text.split("免打扰")[0]
    edited = [m for m in await harness.press(user, edited, "全部恢复") if m.kind == "edit"][-1]
    assert "已静音" not in edited.text


async def test_snooze_for_a_week_shows_until_when_and_can_be_cancelled(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/remind"))[-1]
    edited = [m for m in await harness.press(user, shown, "暂停7天") if m.kind == "edit"][-1]
    assert "已暂停，至11月27日 10:00恢复" in edited.text
    edited = [m for m in await harness.press(user, edited, "取消暂停") if m.kind == "edit"][-1]
    assert "已暂停" not in edited.text


async def test_quiet_hours_by_button_and_by_typing(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/remind"))[-1]
    edited = [m for m in await harness.press(user, shown, "22:00–07:30") if m.kind == "edit"][-1]
    assert "免打扰时段：22:00–07:30" in edited.text
    assert "21:30–07:00" in (await harness.send(user, "/remind quiet 21:30-7:00"))[-1].text
    assert "21:30–07:00" in (await harness.send(user, "/remind"))[-1].text
    assert "已关闭" in (await harness.send(user, "/remind quiet off"))[-1].text


async def test_bad_quiet_hours_and_arguments_get_a_clear_hint(harness: BotHarness) -> None:
    user = await cadre(harness)
    for text in ("/remind quiet 25:00-07:00", "/remind quiet 晚上十点", "/remind quiet 08:00-08:00"):
        assert "未能识别这个时段" in (await harness.send(user, text))[-1].text, text
    assert "用法" in (await harness.send(user, "/remind 随便"))[-1].text


async def test_forged_remind_buttons_change_nothing(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/remind"))[-1]
    for data in ("rm:t:no_such_schedule", "rm:q:99:99-00:00", "rm:zzz", "rm:t:"):
        assert (await harness.chat.press_data(user, shown, data))[-1].kind == "alert"
    assert "已静音" not in (await harness.send(user, "/remind"))[-1].text


async def test_remind_keyboard_fits_in_four_rows_whatever_is_set(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/remind"))[-1]
    assert len(shown.buttons) <= 4, [[b.text for b in row] for row in shown.buttons]
    assert [b.text for b in shown.buttons[0]] == ["🔕 1", "🔕 2", "🔕 3", "🔕 4"]
    edited = [m for m in await harness.press(user, shown, "🔕 2") if m.kind == "edit"][-1]
    edited = [m for m in await harness.press(user, edited, "暂停7天") if m.kind == "edit"][-1]
    edited = [m for m in await harness.press(user, edited, "22:00–07:30") if m.kind == "edit"][-1]
    assert "2. 周五进度提醒（每周五 16:00）：已静音" in edited.text
    assert [[b.text for b in row] for row in edited.buttons] == [
        ["🔕 1", "🔔 2", "🔕 3", "🔕 4"], ["🔕 全部静音", "▶️ 取消暂停"], ["🌙 21:00–08:00", "关闭免打扰"],
    ]
