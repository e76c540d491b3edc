"""Forged button data looks like a stale button: a polite line, nothing changed, no traceback."""

from __future__ import annotations

import logging

import pytest

from bot.chat.ids import parse_id, parse_natural
from tests.conftest import BotHarness


@pytest.mark.parametrize("text", ["99999999999999999999999", "²³", "١٢", "-1", "0", "", "1e3", " 7", "12a"])
def test_an_id_is_ascii_digits_within_bounds_or_nothing(text):
    assert parse_id(text) is None


def test_ids_that_fit_the_columns_are_read():
    assert parse_id("123456789") == 123456789 and parse_id("1234567890") is None
    assert parse_id("123456789012345678", digits=18) == 123456789012345678
    assert parse_natural("0") == 0


@pytest.mark.parametrize(
    "data",
    [
        "kb:up:99999999999999999999999", "kb:down:²³", "kb:pick:²³:p-x", "kb:pick:99999999999999999999:p-x",
        "dg:u:²³:²³:²³", "dg:o:0:99999999999999999999:0", "tk:done:99999999999999999999999", "tk:done:²",
        "gaps:add:99999999999999999999", "gaps:oos:²³", "pd:pg:²³", "pd:pg:99999999999999999999",
        "cr:rec:2026:99999999999999999999", "cr:all:²³",
    ],
)
async def test_forged_button_data_is_a_stale_button_not_a_fault(harness: BotHarness, data, caplog):
    await harness.import_roster()
    admin = await harness.join("A01")
    shown = (await harness.send(admin, "/help"))[-1]
    with caplog.at_level(logging.ERROR):
        replies = await harness.chat.press_data(admin, shown, data)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    alerts = [r.text for r in replies if r.kind == "alert"]
    assert alerts and ("失效" in alerts[-1] or "权限" in alerts[-1]), replies
