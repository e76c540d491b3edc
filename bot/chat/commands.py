"""The command registry: which commands exist, what they say in menus, and who may use them.

/help and the per-role Telegram menus (set_my_commands with chat scopes) both read this list,
so a command appears in both or in neither.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

EVERYONE = frozenset({"cadre", "supervisor", "admin"})
CADRE = frozenset({"cadre"})  # supervisors who are also cadres log and track their own study
ADMIN = frozenset({"admin"})
SUPERVISOR_OR_ADMIN = frozenset({"supervisor", "admin"})
SUPERVISOR = frozenset({"supervisor"})


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    roles: frozenset[str]
    usage: str = ""


# In the order /help shows them.
COMMANDS: tuple[Command, ...] = (
    Command("help", "查看可用功能", EVERYONE),
    Command("ask", "提问政策和业务问题（也可直接发文字）", EVERYONE, "/ask 问题"),
    Command("study", "记录学习", CADRE, "/study 或 /study 专题讲座 2 备注"),
    Command("credits", "查看学习进度", CADRE, "/credits、/credits 2025、/credits 记录 或 /credits export"),
    Command("fix", "申请更正一条学习记录", CADRE, "/fix 记录编号 说明"),
    Command("annual", "年度学习记录", CADRE, "/annual 或 /annual 2025"),
    Command("quiz", "每日一题、专题测验", CADRE, "/quiz 或 /quiz 专题 党费"),
    Command("remind", "提醒设置：静音、暂停、免打扰", EVERYONE, "/remind 或 /remind quiet 22:00-07:30"),
    Command("talk", "申请谈心谈话", CADRE, "/talk 想谈的话题"),
    Command("talks", "查看我负责的谈心谈话", SUPERVISOR),
    Command("pending", "待我确认的学习记录和更正申请", SUPERVISOR_OR_ADMIN, "/pending"),
    Command("session", "发起集体学习签到", SUPERVISOR_OR_ADMIN, "/session 类型 [时长] [主题]"),
    Command("reading", "查看本周一篇，登记已读、提交心得", EVERYONE),
    Command("digest", "查看学习周报（含进度图）", SUPERVISOR_OR_ADMIN, "/digest、/digest 上周 或 /digest 日期"),
    Command("report", "查看某位同志的学习和谈话情况", SUPERVISOR_OR_ADMIN, "/report 姓名"),
    Command("export", "导出学习与谈话记录（Excel）", SUPERVISOR_OR_ADMIN, "/export、/export 2025 或 /export 上周"),
    Command("me", "查看我绑定的身份", EVERYONE),
    Command("cancel", "取消当前操作", EVERYONE),
    Command("gaps", "查看没答上和被点 👎 的问题", ADMIN, "/gaps 天数"),
    Command("reload", "重新加载知识库", ADMIN),
    Command("invites", "导出邀请码，或为一人重新生成（原码作废）", ADMIN, "/invites 或 /invites renew 编号"),
    Command("unbind", "解除某人的账号绑定并生成新邀请码", ADMIN, "/unbind 编号或姓名"),
    Command("void", "作废一条学习记录", ADMIN, "/void 记录编号 原因"),
    Command("audit", "查看操作记录（谁在何时做了什么）", ADMIN, "/audit 或 /audit 30"),
    Command("publish", "发布每周一篇", ADMIN),
)

# /help lists commands a few to a line so that it fits one phone screen (at most 12 lines even
# for someone with every role); a line keeps only the commands the reader may use, and a line
# left empty is dropped. /ask and /help are left out here: /help's closing lines name them.
# Every command in COMMANDS appears here once (tests/bot/test_help_and_errors.py checks it).
HELP_LAYOUT: tuple[tuple[str, ...], ...] = (
    ("study", "credits", "fix"),
    ("talk", "talks", "remind"),
    ("pending", "session", "digest"),
    ("report", "export", "annual"),
    ("gaps", "reload", "invites"),
    ("unbind", "void", "audit"),
    ("quiz", "reading", "publish"),
    ("me", "cancel"),
)
HELP_LAYOUT_OMITTED = frozenset({"ask", "help"})


def command_named(name: str) -> Command | None:
    """A command by its name as typed after /help: `study`, `/study` or `/study@bot`."""
    wanted = name.strip().removeprefix("/").split("@", 1)[0].lower()
    return next((command for command in COMMANDS if command.name == wanted), None)


# What someone who has not joined sees in the menu.
GUEST_COMMANDS: tuple[Command, ...] = (
    Command("start", "使用邀请码绑定账号", frozenset()),
    Command("help", "如何加入", frozenset()),
)


def commands_for(roles: frozenset[str]) -> list[Command]:
    return [command for command in COMMANDS if command.roles & roles]


def menu_signature(roles: frozenset[str]) -> str:
    """A short fingerprint of a role set's menu, so unchanged menus are not set again: a hash of
    the names and descriptions, since the names alone outgrew people.menu_signature (100)."""
    listed = "\n".join(f"{c.name} {c.description}" for c in commands_for(roles))
    return hashlib.sha256(listed.encode()).hexdigest()[:32]
