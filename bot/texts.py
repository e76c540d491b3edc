"""Every sentence the bot says to people, in one place, in Simplified Chinese.

Handlers and the CLI never build user-facing prose inline; they call these so that tone
stays consistent and a wording fix is one edit.
"""

from __future__ import annotations

import json
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from bot.study.input import StudyInputError
from db.roster import RosterError
from knowledge.schema import KbIssue

_TENTH = Decimal("0.1")
ROLE_NAMES = {"cadre": "干部", "supervisor": "分管领导", "admin": "管理员"}

WELCOME_UNKNOWN = (
    "您好！这里是「组工学习助手」。\n"
    "本助手仅供本单位组工干部使用。请向本单位管理员索取邀请码，"
    "然后发送：/start 邀请码（或直接点击管理员发给您的邀请链接）。"
)
INACTIVE = "您的账号目前已停用。如有疑问，请联系本单位管理员。"
START_BOUND = "绑定成功！欢迎您，{name}（{unit}）。\n您的身份：{roles}。\n发送 /help 查看可以使用的功能。"
START_AGAIN = "{name}，您好！您已完成绑定，无需重复操作。发送 /help 查看可以使用的功能。"
START_ALREADY_BOUND_NEW_CODE = (
    "您的账号已绑定为「{name}」，不能再使用新的邀请码，原绑定保持不变。"
    "如需更换，请联系管理员。"
)
START_UNKNOWN_CODE = "邀请码无效，请核对后重新发送：/start 邀请码。如仍有问题，请联系管理员。"
START_USED_CODE = "这个邀请码已经使用过了，每个邀请码只能用一次。如需帮助，请联系管理员。"
START_INACTIVE_CODE = "该邀请码对应的人员已停用，无法绑定。如有疑问，请联系管理员。"

# /help fits one phone screen (at most 12 lines, tests/bot/test_help_and_errors.py): the commands
# a person may use, a few to a line (bot/commands.HELP_LAYOUT); `/help 命令` gives one command's details.
HELP_HEADER = "{name}，您可以使用以下功能："
HELP_ITEM = "/{name} {short}"
HELP_ITEM_SEPARATOR = " · "
# A command's name in /help's list, shorter than its menu description; the description when missing.
HELP_SHORT = {
    "study": "记录学习", "credits": "学习进度", "fix": "更正记录",
    "talk": "申请谈心谈话", "talks": "我负责的谈话", "remind": "提醒设置",
    "pending": "待我确认", "session": "集体学习签到", "digest": "学习周报", "report": "个人情况", "export": "导出Excel",
    "gaps": "知识库缺口", "reload": "重新加载知识库", "invites": "邀请码",
    "unbind": "解除绑定", "void": "作废记录", "audit": "操作记录",
    "me": "我的身份", "cancel": "取消当前操作",
}
HELP_ASK = "直接发送问题即可查询政策，例如「三会一课多久开一次」，也可发送 /ask 问题。"
HELP_MORE = "发送「/help 命令」查看用法，例如 /help {example}。"
HELP_ADMIN_FOOTER = "管理员还可直接发送人员名单或知识库文件（详见 /help upload）。"
HELP_DETAIL = "/{name} — {description}"
HELP_DETAIL_USAGE = "用法：{usage}"
HELP_NOT_YOURS = "「/{name}」不在您可用的功能中。发送 /help 查看可用功能。"
# What `/help 命令` adds below the command's usage (bot/chat/commands.py), where the usage alone is not enough.
HELP_DETAILS = {
    "ask": "也可以不加 /ask，直接发送问题。答不上的问题会转给管理员补充。",
    "study": "类型和数量必填，日期（如 昨天、上周五、11月18日）和备注可省略，日期默认为今天。\n也可以只发 /study，按提示点选。",
    "credits": "/credits 2025 查看某一年；/credits 记录 列出本年度全部记录；/credits export 导出 Excel。",
    "fix": "登记超过撤销时限的记录如有误，写明编号和需要更正的地方，由分管领导处理。记录编号见 /credits 记录。",
    "remind": "可以静音某项提醒、暂停一段时间，或设置免打扰时段（期间的提醒在结束后送达）。",
    "talk": "您的分管领导会收到话题，并与您约谈。",
    "pending": "列出等待您确认的学习记录和更正申请，最早的在前，可直接通过或退回。",
    "digest": "/digest 上周 查看上一周；/digest 2026-11-18 查看那一周。",
    "report": "也可以用编号查询，例如 /report C01。",
    "export": "/export 2025 导出某一年；/export 上周；/export 2026-11 导出某月。谈话要点不导出。",
    "gaps": "列出近期未答上、被点 👎 或建议未被选中的问题，可加为备选问法或标记为不在范围。",
    "invites": "/invites renew 编号：原邀请码立即作废，用于邀请码发错人或泄露时。",
    "unbind": "解除后原账号不能再使用本助手，并生成新的邀请码；学习和谈话记录都保留。",
    "void": "作废的记录不再计入，本人会收到通知。",
    "audit": "默认近7天，最多365天。",
}
# `/help upload` for admins: what a file sent to the bot does.
HELP_UPLOAD = (
    "直接把文件发给我即可：\n"
    "· 人员名单（.xlsx、.csv 或 .yaml）：先显示导入预览，确认后才导入；\n"
    "· 知识库文件（含 entries: 的 .yaml）：校验通过后立即生效，原文件自动备份。"
)

CANCELLED = "已取消。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。"
UNKNOWN_COMMAND = "没有「{command}」这个命令。发送 /help 查看可用命令。"
NOT_ALLOWED = "抱歉，这项功能您暂无权限使用。"
ERROR = "抱歉，处理您的消息时出了点问题，我们已记录下来。请稍后再试。"
UNSUPPORTED_MESSAGE = "暂时只能处理文字消息。有问题可以直接打字问我，或发送 /help。"
BUTTON_EXPIRED = "这个按钮已失效，请重新操作。"

UPLOAD_NOT_ADMIN = "只有管理员可以上传文件。"
UPLOAD_TOO_LARGE = "文件过大（{size}），上限为{limit}。请检查后重新上传。"
UPLOAD_UNKNOWN_KIND = "无法识别这个文件。名单请上传 .xlsx、.csv 或 .yaml 文件；知识库请上传含 entries: 的 .yaml 文件。"
INVITES_CAPTION = "尚未绑定的人员邀请码（共{count}人）"
INVITES_NONE = "所有在册人员都已完成绑定。"

# --- roster imports: preview, then the admin's choice (handlers/roster.py) ---------------------
IMPORT_MODE_NAMES = {"full": "完整名单", "update": "仅新增和修改"}
ROSTER_IMPORTED = (
    "名单已按「{mode}」导入：新增{created}人，更新{updated}人，未变{unchanged}人，"
    "停用{deactivated}人，重新启用{reactivated}人。\n邀请码清单见附件，请分发给尚未绑定的同志。"
)
ROSTER_FAILED = "名单未导入（没有做任何修改）：{error}"
ROSTER_FAILED_MANY = "名单未导入（没有做任何修改），共发现{count}处问题，请一并修改后重新上传："
ROSTER_PREVIEW_HEADER = "📋 名单导入预览：{filename}，共{count}人。\n尚未导入，没有做任何修改。"
ROSTER_PREVIEW_COUNTS = "新增{created}人，更新{updated}人，未变{unchanged}人，重新启用{reactivated}人。"
ROSTER_PREVIEW_FULL = "按「完整名单」导入：停用名单中没有的{count}人：{names}。"
ROSTER_PREVIEW_FULL_NONE = "按「完整名单」导入：不停用任何人。"
ROSTER_PREVIEW_UPDATE = "按「仅新增和修改」导入：不停用任何人，名单中没有的{count}人保持不变。"
ROSTER_PREVIEW_SAME = "名单已包含全部在册人员，两种导入方式结果相同。"
ROSTER_PREVIEW_KEPT = {
    "uploader": "{name}（{id}）不在名单中，但不会被停用：上传名单的管理员本人始终保留。",
    "last_admin": "{name}（{id}）不在名单中，但不会被停用：名单中没有管理员，保留现有管理员，以免无人能管理本助手。",
}
ROSTER_PREVIEW_SHARE_WARNING = (
    "⚠️ **注意：按完整名单导入将停用{count}人，占现有在册{active}人的{percent}%（提醒线{limit}%）。"
    "如果这只是部分名单，请选择「仅新增和修改」。**"
)
ROSTER_PREVIEW_EMPTY_UNIT = "⚠️ 分管单位「{unit}」（{name}，{id}）没有任何人员，请核对单位名称是否写得一致。"
ROSTER_PREVIEW_EMPTY_UNIT_FULL = "⚠️ 按完整名单导入后，分管单位「{unit}」（{name}，{id}）将没有任何人员。"
ROSTER_PREVIEW_UPLOADER_DEMOTED = "⚠️ 名单中您本人的角色不含管理员：导入后您将不能再使用管理员功能。"
ROSTER_PREVIEW_CHOOSE = "请选择导入方式（{hours}小时内有效）："
ROSTER_PREVIEW_CONFIRM = "请确认导入（{hours}小时内有效）："
ROSTER_NAME = "{name}（{id}）"
ROSTER_NAME_SEPARATOR = "、"
ROSTER_NAMES_MORE = "……另有{count}人"
ROSTER_WARNINGS_MORE = "……另有{count}条提示"
ROSTER_BUTTON_FULL = "按完整名单导入（停用{count}人）"
ROSTER_BUTTON_UPDATE = "仅新增和修改"
ROSTER_BUTTON_APPLY = "确认导入"
ROSTER_BUTTON_CANCEL = "取消"
ROSTER_REFUSED_NO_ADMIN = (
    "名单未导入（没有做任何修改）：按这份名单导入后，将没有任何在用的管理员，无人能再管理本助手。"
    "请在名单中保留至少一名管理员（角色填「管理员」或 admin）后重新上传。"
)
ROSTER_CANCELLED = "已取消：名单未导入，没有做任何修改。"
ROSTER_UPLOAD_GONE = "这份名单的预览已失效，没有做任何修改。如需导入，请重新上传名单文件。"
ROSTER_UPLOAD_DECIDED = {
    "full": "这份名单已经按「完整名单」导入过了，不会重复导入。",
    "update": "这份名单已经按「仅新增和修改」导入过了，不会重复导入。",
    "cancelled": "这份名单已经取消导入了。如需导入，请重新上传。",
}
ROSTER_PLAN_CHANGED = "在册人员在预览之后有了变化，上面是按现在的情况重新生成的预览，请核对后再选择。"

# --- accounts: /me, /unbind, /invites renew (handlers/accounts.py, handlers/roster.py) -----------
ME = "您在本助手中绑定的身份：\n姓名：{name}\n编号：{id}\n单位：{unit}\n角色：{roles}{level}\n如信息有误，请联系本单位管理员。"
ME_LEVEL = "\n职级：{level}"
ACCOUNT_NOT_FOUND = "没有找到「{name}」。请核对姓名或编号。"
ACCOUNT_AMBIGUOUS = "有{count}位人员叫「{name}」，请用编号："
ACCOUNT_AMBIGUOUS_LINE = "{command} {id}（{unit}{state}）"
ACCOUNT_STATE_INACTIVE = "，已停用"
ACCOUNT_STATE_UNBOUND = "，未绑定"
UNBIND_USAGE = (
    "用法：/unbind 编号或姓名，例如：/unbind C01。\n"
    "解除后，此人原来的 Telegram 账号不能再使用本助手，原邀请码作废，并生成新的邀请码。"
)
UNBIND_REFUSED_SELF = "不能解除您本人的绑定。如需更换账号，请由另一位管理员操作。"
UNBIND_REFUSED_LAST_ADMIN = (
    "不能解除：{name}（{id}）是目前唯一已绑定的管理员，解除后将无人能在对话中管理本助手。"
    "请先让另一位管理员完成绑定。"
)
UNBIND_NOT_BOUND = (
    "{name}（{id}）尚未绑定 Telegram 账号，无需解除。"
    "如邀请码发错了人，请发送 /invites renew {id}：原邀请码立即作废，并生成新的。"
)
UNBIND_CONFIRM = (
    "请确认：解除{name}（{id}，{unit}，{roles}）与当前 Telegram 账号的绑定。\n"
    "解除后，这个 Telegram 账号不能再使用本助手；原邀请码作废，生成新的邀请码，由本人重新绑定。"
    "学习记录、谈话记录和提醒设置都会保留。"
)
UNBIND_BUTTON = "确认解除绑定"
UNBIND_CANCEL_BUTTON = "取消"
UNBIND_CANCELLED = "已取消，绑定保持不变。"
UNBIND_DONE = (
    "已解除{name}（{id}）的绑定：原 Telegram 账号已不能再使用本助手，原邀请码已作废。\n"
    "新邀请码：{code}\n{link}请只发给本人，用新邀请码重新绑定。"
)
UNBIND_STALE = "这个按钮已失效：绑定情况已有变化。如仍需解除，请重新发送 /unbind 编号。"
UNBIND_TOLD = "您的 Telegram 账号已由管理员解除与「组工学习助手」的绑定，不能再使用本助手。如有疑问，请联系本单位管理员。"
INVITE_LINK_LINE = "邀请链接：{link}\n"
INVITES_USAGE = (
    "用法：/invites 导出尚未绑定人员的邀请码；/invites renew 编号或姓名 为一人重新生成邀请码"
    "（原邀请码立即作废，用于邀请码发错人或泄露时）。"
)
RENEW_DONE = "已为{name}（{id}）生成新邀请码：{code}\n{link}原邀请码已作废，不能再使用。请只发给本人。"
RENEW_BOUND = (
    "{name}（{id}）已经绑定，邀请码已经用过了。如需换绑新的 Telegram 账号，"
    "请发送 /unbind {id}：解除后会自动生成新邀请码。"
)
RENEW_INACTIVE = "{name}（{id}）已停用，不能生成邀请码。如需恢复，请在名单中重新导入此人。"

# --- the audit log: /audit (handlers/audit.py) -----------------------------------------------
AUDIT_BAD_DAYS = "天数应为1到365之间的整数，例如：/audit 30"
AUDIT_HEADER = "🗂 操作记录（近{days}天，新的在前，第{page}页）："
AUDIT_LINE = "{when} {actor}：{action}{detail}"
AUDIT_NONE = "近{days}天没有操作记录。"
AUDIT_CLI_ACTOR = "命令行"
AUDIT_NEWER = "◀ 较新"
AUDIT_OLDER = "更早 ▶"
AUDIT_ACTIONS = {
    "roster.import": "导入名单",
    "people.unbind": "解除绑定",
    "invites.export": "导出邀请码",
    "invites.renew": "重新生成邀请码",
    "study.void": "作废学习记录",
    "study.reject": "退回学习记录",
    "study.fix_accept": "同意更正并作废记录",
    "study.fix_decline": "不同意更正记录",
    "kb.upload": "上传知识库文件",
    "kb.reload": "重新加载知识库",
    "kb.alternate_added": "添加备选问法",
    "kb.out_of_scope": "标记不在知识库范围",
}
_AUDIT_DETAILS = {
    "roster.import": "「{mode_name}」{file}，新增{created}人、更新{updated}人、停用{deactivated}人、重新启用{reactivated}人",
    "people.unbind": "{name}（{person}）",
    "invites.export": "{count}人",
    "invites.renew": "{name}（{person}）",
    "study.void": "#{record}（{person}）",
    "study.reject": "#{record}（{person}）",
    "study.fix_accept": "#{record}（{person}）",
    "study.fix_decline": "#{record}（{person}）",
    "kb.upload": "{file}，{entries}条",
    "kb.reload": "{entries}条",
    "kb.alternate_added": "「{text}」→ {entry}",
    "kb.out_of_scope": "「{text}」",
}
AUDIT_DETAIL_CHARS = 60


def audit_detail(action: str, detail: str) -> str:
    """An entry's detail in a few words; the stored text, shortened, when it is not the JSON
    the action usually carries (an older row, or a feature that logs plain text)."""
    try:
        data = json.loads(detail) if detail.startswith("{") else None
    except ValueError:
        data = None
    template = _AUDIT_DETAILS.get(action)
    if isinstance(data, dict) and template:
        values = {**data, "mode_name": IMPORT_MODE_NAMES.get(str(data.get("mode")), "")}
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            pass
    text = detail.strip()
    return text if len(text) <= AUDIT_DETAIL_CHARS else text[: AUDIT_DETAIL_CHARS - 1] + "…"

_ROSTER_PROBLEMS = {
    "too_large": "文件超过5 MB",
    "not_utf8": "文件不是 UTF-8 编码（请在 Excel 中另存为「CSV UTF-8」，或直接上传 .xlsx）",
    "unknown_format": "只支持 .xlsx、.csv、.yaml 或 .yml 文件（旧版 .xls 请在 Excel 中另存为 .xlsx）",
    "bad_xlsx": "无法读取这个 .xlsx 文件：文件可能已损坏，或不是 Excel 工作簿",
    "empty_sheet": "第一个工作表「{value}」是空的：第一行应为表头（工号、姓名、单位、角色……），下面每行一人",
    "merged_header": "表头有合并单元格（{value}）：请取消合并，每列写一个列名",
    "merged_cells": "有合并单元格（{value}）：请取消合并，并把每个单元格填写完整",
    "blank_column": "这一列没有列名",
    "duplicate_column": "这一列与前面的列是同一项（如同时有「工号」和「编号」），请只保留一列",
    "empty": "文件中没有人员",
    "bad_yaml": "YAML 格式有误",
    "yaml_not_list": "YAML 文件应是人员列表（每项含 id、name、unit、roles）",
    "yaml_item_not_mapping": "这一项不是「字段: 值」的形式",
    "unknown_column": (
        "不认识的列名（可用列：工号/编号、姓名、单位/部门、角色、分管单位、年度目标、职级，"
        "或 id、name、unit、roles、supervises、target、level）"
    ),
    "missing_column": "缺少必需的列（也可写作「{value}」）",
    "too_many_cells": "这一行的单元格比表头多（是否有多余的逗号？）",
    "required": "不能为空",
    "bad_id": "id 不能含空格，且不超过64个字符",
    "too_long": "内容过长（不超过100个字符）",
    "unknown_role": "角色只能是 cadre（干部）、supervisor（分管领导）、admin（管理员），多个用分号分隔",
    "supervises_without_role": "填写了分管单位，但角色中没有 supervisor",
    "supervisor_without_unit": "分管领导需要填写 supervises（分管单位）或 unit",
    "not_a_number": "应为数字",
    "target_out_of_range": "年度目标应为0到10000之间的数字",
    "duplicate_id": "id 与前面的行重复",
}


def roster_error(error: RosterError) -> str:
    """One line naming the row and column of the problem, the way a spreadsheet user counts:
    「第3行，「角色」列（D3）：…」."""
    where = []
    if error.row is not None:
        where.append(f"第{error.row}行")
    if error.column:
        where.append(f"「{error.column}」列")
    place = "，".join(where)
    if error.cell:
        place += f"（{error.cell}）" if error.column else f"（单元格 {error.cell}）"
    template = _ROSTER_PROBLEMS.get(error.code, error.code)
    if "{value}" in template:
        problem = template.format(value=error.value)
    else:
        problem = template + (f"（{error.value}）" if error.value else "")
    return f"{place}：{problem}" if place else problem


def roster_errors(error: RosterError) -> str:
    """Every problem of a refused file, up to the kept ones, and how many more there are."""
    problems = error.each()
    if error.total == 1:
        return ROSTER_FAILED.format(error=roster_error(problems[0]))
    lines = [ROSTER_FAILED_MANY.format(count=error.total)]
    lines += [f"{i}. {roster_error(p)}" for i, p in enumerate(problems, start=1)]
    if error.total > len(problems):
        lines.append(MORE_ERRORS.format(count=error.total - len(problems)))
    return "\n".join(lines)


def role_list(roles: frozenset[str] | set[str]) -> str:
    ordered = [ROLE_NAMES[r] for r in ("cadre", "supervisor", "admin") if r in roles]
    return "、".join(ordered) or "未分配"


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, size // 1024)} KB"

# --- knowledge Q&A ------------------------------------------------------------------------
ASK_EMPTY = "请在 /ask 后面写上您的问题，例如：/ask 三会一课多久开一次"
# A message of digits, punctuation or emoji alone, outside any flow (handlers/ask.has_words): nothing to look up.
ASK_NOTHING_TO_MATCH = "请用文字写下您想查询的问题，例如「党费怎么交」。只有数字或符号的消息无法查询。"
ASK_SOURCE = "来源：{source}"
ASK_SUGGEST = "没有完全对上，您是不是想问："
ASK_NONE = (
    "抱歉，知识库里暂时没有找到这个问题的答案。问题已经记录，管理员会据此补充。\n"
    "可以换个说法再问，或把关键词说得具体些（如「党费 比例」）。"
)
FEEDBACK_UP = "👍 有用"
FEEDBACK_DOWN = "👎 没用"
FEEDBACK_THANKS_UP = "谢谢反馈！"
FEEDBACK_THANKS_DOWN = "谢谢反馈，已转给管理员改进这条解答。"
RELATED_PREFIX = "相关："
# A long numbered answer shows its first steps; the button opens the rest (bot/render.split_steps).
ASK_EXPAND = "展开（余下{count}项）"
ENTRY_GONE = "这条内容已经更新或下线了，请重新提问。"

# --- knowledge admin -----------------------------------------------------------------------
RELOAD_OK = "知识库已重新加载：共{count}条。{warnings}"
RELOAD_FAILED = "知识库有错误，未重新加载（仍在使用原来的{count}条）：\n{errors}"
RELOAD_WARNINGS = "\n提示{count}条：\n{lines}"
KB_INSTALLED = "已更新知识库文件 {filename}：现共{count}条，立即生效。原文件已备份。{warnings}"
KB_REJECTED = "文件 {filename} 未生效（知识库保持原样）。错误如下：\n{errors}"
GAPS_HEADER = "近{days}天未答上、被点 👎 或建议未被选中的问题（按次数排序）："
GAPS_LINE = "{rank}. {example}（{count}次{down}{unpicked}）\n   最接近：{closest}"
GAPS_DOWN = "，👎 {count}次"
GAPS_CLOSEST_NONE = "无"
GAPS_NONE = "近{days}天没有未答上、被点 👎 或建议未被选中的问题。"
GAPS_BAD_DAYS = "天数应为1到365之间的整数，例如：/gaps 7"
MORE_ERRORS = "……另有{count}条错误"

# --- knowledge gaps: learning from use, and errors in the base (bot/digests/gaps.py, -------
# --- handlers/knowledge_admin.py). Files are named relative to the base folder, never by path.
GAPS_HEADER_CONTINUED = "知识库缺口（续）："
GAPS_UNPICKED = "，建议未选{count}次"
GAPS_CLOSEST = "{question}（{entry_id}，{score}）"
GAPS_CLOSEST_NO_SCORE = "{question}（{entry_id}）"
GAPS_MORE = "……另有{count}组未列出，处理上面的问题后再发 /gaps 查看。"
GAPS_PICKED_HEADER = "用户选过的建议（可加为所选条目的备选问法）："
GAPS_PICKED_LINE = "{rank}. {text}（{count}次）\n   选了：{question}（{entry_id}）"
GAPS_ADD_BUTTON = "{rank}. 加为备选问法"
GAPS_OUT_OF_SCOPE_BUTTON = "{rank}. 不在知识库范围"
GAPS_CONFIRM_BUTTON = "确认"
GAPS_CANCEL_BUTTON = "取消"
GAPS_CONFIRM_ADD = (
    "请确认：把问法「{text}」加为条目 {entry_id}（{question}）的备选问法，"
    "写入知识库文件 {file}。原文件会先备份，知识库随即重新加载。"
)
GAPS_CONFIRM_OUT_OF_SCOPE = "请确认：把问题「{text}」{others}标记为不在知识库范围。标记后不再列入 /gaps。"
GAPS_CONFIRM_OTHERS = "及相同问法的另外{count}条"
GAPS_ADDED = "已把「{text}」加为条目 {entry_id} 的备选问法（{file}），知识库已重新加载，现共{count}条。原文件已备份。"
GAPS_ADD_REFUSED = "未能添加备选问法，知识库保持原样：\n{errors}"
GAPS_MARKED_OUT_OF_SCOPE = "已标记为不在知识库范围：「{text}」（共{count}条），此后不再列入 /gaps。"
GAPS_ALREADY_ALTERNATE = "这个问法已经是该条目的问法，无需再添加。"
GAPS_ACTION_CANCELLED = "已取消，没有做任何修改。"

_KB_PROBLEMS = {
    "not_utf8": "文件不是 UTF-8 编码，请另存为 UTF-8 后重试",
    "yaml_syntax": "YAML 格式有误，请检查这一行附近的缩进、冒号和引号",
    "yaml_alias": "不支持 YAML 锚点和别名（& 和 *），请把内容完整写出",
    "yaml_documents": "一个文件只能有一个 YAML 文档（发现了第二个 ---）",
    "yaml_nested": "YAML 嵌套层数过多",
    "no_entries": "文件应以 entries: 开头，下面是条目列表",
    "unknown_top_key": "不认识的顶层字段「{key}」，顶层只能有 entries",
    "entry_not_mapping": "每个条目应写成「字段: 值」的形式（id、question、answer 等）",
    "unknown_key": "不认识的字段「{key}」",
    "repeated_key": "字段「{key}」在同一条目中出现了两次",
    "missing_key": "缺少必填字段「{key}」",
    "empty_text": "「{key}」不能为空",
    "bad_id": "id「{value}」只能使用小写字母、数字和连字符（-）",
    "question_unmatchable": "question 中没有可供匹配的文字",
    "not_text_list": "「{key}」应为文字列表，且每一项都不能为空",
    "not_text": "「{key}」应为文字",
    "bad_date": "「{key}」不是有效日期：{value}（应写成 2024-05-01 这样的真实日期）",
    "bad_value": "「{key}」的值无法读取，不支持这种写法",
    "duplicate_id": "id 重复，已在 {first_file}:{first_line} 定义过",
    "dangling_related": "related 中的 id「{target}」在知识库中不存在",
    "related_self": "related 中列出了条目自身",
    "near_duplicate": "问法与条目 {other} 几乎相同，匹配时难以区分",
    "missing_path": "找不到这个文件或文件夹",
    "unreadable": "文件无法读取",
    "too_large": "文件过大（{size}），上限为{limit}",
    "bad_file_name": "文件名只能由字母、数字、-、_ 组成，并以 .yaml 结尾",
    "unknown_entry": "知识库中已没有这个条目",
    "alternate_exists": "「{text}」已经是这个条目的问法",
    "alternate_empty": "这条问法中没有可供匹配的文字",
    "edit_failed": "无法在文件中找到添加的位置，未做修改，请手工编辑该文件",
}
KB_PROBLEM_SUGGESTION = "（是否应为「{suggestion}」？）"
KB_PROBLEM_OTHER = "内容有误（详情可在服务器上运行 cadrebot kb check 查看）"


def kb_file(path: str) -> str:
    """A knowledge file as admins know it: its name in the base folder, never a server path."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def kb_issue(issue: KbIssue) -> str:
    """One problem in the base in Chinese, e.g. 「party-dues.yaml:12 [p-dangfei-bili] 缺少必填字段…」."""
    params = {k: kb_file(v) if k.endswith("_file") and isinstance(v, str) else v for k, v in issue.params.items()}
    for key in ("size", "limit"):
        if isinstance(params.get(key), int):
            params[key] = human_size(int(params[key]))
    try:
        problem = _KB_PROBLEMS[issue.code].format(**params)
    except (KeyError, IndexError, ValueError):
        problem = KB_PROBLEM_OTHER
    if issue.code == "unknown_key" and params.get("suggestion"):
        problem += KB_PROBLEM_SUGGESTION.format(suggestion=params["suggestion"])
    where = kb_file(issue.file)
    if where and issue.line is not None:
        where = f"{where}:{issue.line}"
    if issue.entry_id:
        where = f"{where} [{issue.entry_id}]".strip()
    return f"{where} {problem}" if where else problem

# --- study credits -------------------------------------------------------------------------
UNIT_NAMES = {"hour": "小时", "day": "天", "session": "次", "piece": "篇", "question": "题"}
STATUS_NAMES = {"confirmed": "已计入", "pending": "待确认", "rejected": "已退回", "voided": "已作废"}

STUDY_NO_ACTIVITIES = "管理员还没有配置学习类型，暂时无法记录。"
STUDY_USAGE = (
    "用法：/study 类型 数量 [日期] [备注]\n"
    "例如：/study 专题讲座 2 学习二十大报告，/study 网络学院 1.5 昨天\n"
    "也可以只发 /study，按提示点选。"
)
STUDY_PICK_ACTIVITY = "记录学习 📚 请选择学习类型："
STUDY_PICK_CLOSEST = "没有「{text}」这个学习类型，您是指："
STUDY_PICK_UNKNOWN = "没有「{text}」这个学习类型，请从以下类型中选择："
STUDY_ALL_TYPES = "其他类型…"
STUDY_ASK_AMOUNT = "{name}：每{unit}计{per}{credit}{cap}。\n学习了多少{unit}？点选或直接输入数字："
STUDY_CAP_HINT = "，每天最多{cap}{unit}"
STUDY_ASK_DATE = "哪天学习的？点选，或输入日期（如 上周五、3天前、11月18日）："
STUDY_DAY_BUTTONS = ("今天", "昨天", "前天")
STUDY_ASK_NOTE = "要写个备注吗（如课程或书名）？直接输入，或点「跳过」："
STUDY_ASK_NOTE_REQUIRED = "请输入备注（必填）：{hint}"
STUDY_SKIP = "跳过"
STUDY_CONFIRM = "请确认：\n类型：{name}\n数量：{amount}（{credits}）\n日期：{day}\n备注：{note}{pending}"
STUDY_CONFIRM_PENDING = "\n此类学习需分管领导确认后才计入。"
STUDY_NOTE_NONE = "无"
STUDY_CONFIRM_BUTTON = "✅ 确认"
STUDY_CANCEL_BUTTON = "取消"
STUDY_RETRY_HINT = "\n请重新输入，或发送 /cancel 取消。"
STUDY_SAVED = "已记录：{name}{amount}（+{credits}），{day}。\n{year}年度累计{total}{credit}，目标{target}{credit}。"
STUDY_SAVED_PENDING = (
    "已提交：{name}{amount}（{credits}），{day}，确认后计入。\n"
    "{year}年度已计入{total}{credit}，目标{target}{credit}。"
)
STUDY_UNDO_BUTTON = "撤销"
STUDY_ALREADY_RECORDED = "已记录过了，不会重复记录。"
STUDY_UNDONE = "已撤销：{name}{amount}，{day}。\n{year}年度累计{total}{credit}，目标{target}{credit}。"
STUDY_UNDO_TOO_LATE = "记录已超过{hours}小时，不能自行撤销。如需更正，请发送 /fix {id} 说明，例如：/fix {id} 日期应为11月18日"
STUDY_UNDO_ALREADY = "这条记录{status}，无需撤销。"
STUDY_OVER_CAP = "超出每日上限：{name}每天最多{cap}，{day}已记录{logged}，最多还能记{left}。"
STUDY_OVER_CAP_FULL = "超出每日上限：{name}每天最多{cap}，{day}已记满。"
STUDY_DRAFT_DROPPED = "您未完成的学习登记已超过{minutes}分钟没有操作，已作废，没有保存任何记录。如需登记，请重新发送 /study。"
STUDY_DRAFT_WAITING = "您的学习登记还没有完成，请接着填写："
STUDY_CONFIRM_USE_BUTTONS = "请点「确认」保存这条记录，或点「取消」放弃。"

_STUDY_PROBLEMS = {
    "amount_unreadable": "「{value}」不是有效的数量，请填写数字，例如2或1.5。",
    "amount_not_positive": "数量必须大于0。",
    "amount_too_precise": "数量最多保留两位小数，例如1.5或0.25。",
    "amount_too_large": "数量过大：一条记录最多{limit}{unit}，请核对。",
    "amount_not_whole": "{name}按{unit}计，请填写整数，例如1或2。",
    "amount_over_daily_cap": "{name}每天最多记{limit}{unit}。",
    "date_unreadable": "未能识别日期「{value}」。可以写：昨天、上周五、3天前、11月18日或2026-11-18。",
    "date_future": "不能记录未来的学习（今天是{day}）。",
    "date_too_old": "只能补记最近{limit}天内的学习（{day}及以后）。",
    "note_required": "{name}需要填写备注：{hint}。",
    "note_too_long": "备注最多{limit}个字，请精简后再发送。",
}

CREDITS_USAGE = (
    "用法：/credits 查看本年度进度；/credits 2025 查看某一年；/credits 记录 列出本年度全部记录；"
    "/credits export 导出全部记录。"
)
CREDITS_HEADER = "📊 {name} · {year}年度学习进度"
CREDITS_RANGE = "（{start}至{end}）"
CREDITS_TOTAL = "已计入{total}{credit}，年度目标{target}{credit}"
CREDITS_AHEAD = "按时间进度今天应达{expected}{credit}，领先{gap}{credit} 👍"
CREDITS_BEHIND = "按时间进度今天应达{expected}{credit}，落后{gap}{credit}，加油！"
CREDITS_ON_PACE = "按时间进度今天应达{expected}{credit}，正好跟上进度。"
CREDITS_REACHED = "🎉 已完成年度目标！"
CREDITS_ENDED_SHORT = "该年度已结束，离目标差{gap}{credit}。"
CREDITS_NOT_STARTED = "{year}年度尚未开始。"
CREDITS_PENDING = "另有{pending}{credit}待分管领导确认，确认后计入。"
CREDITS_BY_ACTIVITY = "分类："
CREDITS_ACTIVITY_LINE = "· {name}：{amount}，{credits}"
CREDITS_LATEST = "最近记录："
CREDITS_RECORD_LINE = "· #{id} {day} {name}{amount}，{credits}{status}"
CREDITS_NONE = "这一年度还没有学习记录。发送 /study 开始记录。"
CREDITS_EXPORT_CAPTION = "{name}的学习记录，共{count}条（含待确认、已退回和已作废的记录）"
CREDITS_EXPORT_EMPTY = "还没有任何学习记录。发送 /study 开始记录。"
CREDITS_EXPORT_SHEET = "学习记录"
# {credit} is study.credit_name (bot/digests/workbooks.export_headers fills it); 计量单位 is what 数量 counts.
CREDITS_EXPORT_HEADERS = (
    "编号", "学习日期", "学习类型", "数量", "计量单位", "{credit}", "状态", "备注", "记录时间", "处理人", "处理时间",
    "作废原因",
)
CREDITS_UNDONE_BY_SELF = "本人撤销"

REVIEW_PROMPT = "请确认学习记录#{id}：\n{person}（{unit}）\n{name}{amount}（{credits}）\n日期：{day}\n备注：{note}"
REVIEW_APPROVE = "✅ 通过"
REVIEW_REJECT = "↩️ 退回"
REVIEW_APPROVED = "\n\n✅ 已通过（{by}）"
REVIEW_REJECTED = "\n\n↩️ 已退回（{by}）"
REVIEW_ALREADY = "记录#{id}已由{by}处理（{status}）。"
REVIEW_ALREADY_NOBODY = "记录#{id}已处理（{status}）。"
REVIEW_REFUSED = "抱歉，您无法处理这条记录。"
REVIEW_TOLD_APPROVED = "您{day}的「{name}」{amount}（记录#{id}）已由{by}确认，计入{credits}。"
REVIEW_TOLD_REJECTED = (
    "您{day}的「{name}」{amount}（记录#{id}）被{by}退回，未计入。\n原因：{reason}\n"
    "如需补登，{again}；如有疑问，请与{by}沟通。"
)
REVIEW_AGAIN_STUDY = "请按正确内容重新登记（/study）"
REVIEW_AGAIN_MAKEUP = "可在签到通知上再点「补学」写明情况"  # a 补学 returned: /study would not say it was that session

VOID_USAGE = "用法：/void 记录编号 原因，例如：/void 12 重复记录"
VOID_NEEDS_REASON = "请写明作废原因（不超过{limit}字），例如：/void {id} 重复记录"
VOID_NOT_FOUND = "没有编号为#{id}的学习记录。"
VOID_ALREADY = "记录#{id}{status}，已不计入，无需再作废。"
VOID_DONE = "已作废记录#{id}：{person} · {name}{amount} · {day}。\n原因：{reason}"
VOID_TOLD = "您{day}的学习记录「{name}」{amount}已被管理员作废，不再计入。\n原因：{reason}"

# --- confirmations without dead ends: who is asked, /pending, 退回 with a reason, /fix ----------
# (handlers/study_review.py, handlers/pending.py, handlers/fixes.py, bot/scheduling/review_prompts.py)
REVIEW_BY_ADMINS = "\n（{unit}目前没有其他分管领导使用本助手，请管理员确认。）"
REVIEW_RESENT = "⏰ 已等待{days}天，再次提醒：\n"
REVIEW_APPROVED_SHORT = "已通过记录#{id}，已告知{person}。"
REVIEW_ASK_REASON = (
    "请输入退回记录#{id}（{person} · {name}{amount}）的原因，不超过{limit}字，{person}会收到这条原因。\n"
    "发送 /cancel 取消，记录保持待确认。"
)
REASON_EMPTY = "请写明原因（不超过{limit}字），或发送 /cancel 取消。"
REASON_TOO_LONG = "原因最多{limit}字（刚才是{count}字），请精简后重新输入，或发送 /cancel 取消。"
REVIEW_REASON_DROPPED = "退回需要填写原因：超过{minutes}分钟没有填写，已取消，记录仍待确认。可发送 /pending 重新处理。"
REVIEW_RETURNED = "已退回记录#{id}，并把原因告知{person}。"
NAME_SEPARATOR = "、"
# Where a record needing confirmation (or a /fix request) went, told to the cadre: {verb} is
# 确认 or 处理. "admins": nobody in the unit can confirm, so the admins were told at once.
ROUTED = {
    "supervisors": "已请{names}{verb}（记录#{id}）。",
    "admins": "您所在单位目前没有其他分管领导使用本助手，已转请管理员{names}{verb}（记录#{id}）。",
    "nobody": (
        "目前没有人能{verb}这条记录（#{id}）：您所在单位没有分管领导使用本助手，管理员也都还没有加入。"
        "记录保持待{verb}，请联系管理员。"
    ),
}
ROUTED_VERB_CONFIRM = "确认"
ROUTED_VERB_HANDLE = "处理"

PENDING_HEADER = "📥 待您处理的记录（共{count}条，最早的在前{page}）："
PENDING_PAGE = "，第{page}/{pages}页"
PENDING_LINE = "{n}. #{id} {person}（{unit}）{name}{amount}（{credits}），{day}\n　　备注：{note} · 已等待{waited}"
PENDING_FIX_LINE = "{n}. 更正#{id} {person}（{unit}）{name}{amount}（{credits}），{day}\n　　说明：{note} · 已等待{waited}"
PENDING_NONE = "目前没有等待您处理的记录。"
PENDING_WAITED_DAYS = "{days}天"
PENDING_WAITED_TODAY = "不到1天"
PENDING_APPROVE = "✅ 通过#{id}"
PENDING_REJECT = "↩️ 退回#{id}"
PENDING_FIX_ACCEPT = "✅ 同意更正#{id}"
PENDING_FIX_DECLINE = "↩️ 不同意更正#{id}"

FIX_USAGE = (
    "用法：/fix 记录编号 说明，例如：/fix 12 日期应为11月18日。\n"
    "记录编号可发送 /credits 记录 查看；登记{hours}小时内的记录可直接点「撤销」后重新登记。"
)
FIX_NOT_FOUND = (
    "没有找到您本人编号为#{id}的学习记录。只能申请更正自己的记录：请发送 /credits 记录 查看您的记录编号；"
    "他人的记录有误，请告诉本人。"
)
FIX_NOT_LIVE = "记录#{id}{status}，不计入{credit}，无需更正。如需补登，请发送 /study 重新登记。"
FIX_TOO_SOON = "记录#{id}登记还不到{hours}小时，可以直接撤销：点下面的「撤销」，再按正确内容重新登记。"
FIX_ALREADY_OPEN = "您已于{day}申请更正记录#{id}，正在等待处理，请勿重复申请。"
FIX_ASK_NOTE = "请说明记录#{id}（{name}{amount}，{day}）哪里有误、应当怎样更正，不超过{limit}字。发送 /cancel 取消。"
FIX_NOTE_EMPTY = "请写明需要更正的地方（不超过{limit}字），或发送 /cancel 取消。"
FIX_NOTE_TOO_LONG = "说明最多{limit}字（刚才是{count}字），请精简后重新输入，或发送 /cancel 取消。"
FIX_NOTE_DROPPED = "更正申请超过{minutes}分钟没有填写说明，已取消。如需更正，请重新发送 /fix 编号 说明。"
FIX_SENT = "已提交记录#{id}的更正申请。{routing}\n同意后这条记录作废，届时请按正确内容重新登记。"
FIX_PROMPT = (
    "📝 更正申请：{person}（{unit}）申请更正学习记录#{id}\n{name}{amount}（{credits}），{day}，{status}\n"
    "说明：{note}\n同意则这条记录作废（以上说明作为作废原因），由本人重新登记。"
)
FIX_ACCEPT = "✅ 同意更正"
FIX_DECLINE = "↩️ 不同意"
FIX_ACCEPTED_MARK = "\n\n✅ 已同意并作废（{by}）"
FIX_DECLINED_MARK = "\n\n↩️ 未同意（{by}）"
FIX_ACCEPTED_SHORT = "已同意更正并作废记录#{id}，已告知{person}。"
FIX_TOLD_ACCEPTED = (
    "您申请更正的记录#{id}（{day}「{name}」{amount}）已由{by}同意并作废，不再计入。\n原因：{note}\n"
    "请发送 /study 按正确内容重新登记。"
)
FIX_ASK_DECLINE_REASON = (
    "请输入不同意更正记录#{id}（{person}）的原因，不超过{limit}字，{person}会收到这条原因。\n"
    "发送 /cancel 取消，申请保持待处理。"
)
FIX_DECLINE_DROPPED = "不同意更正需要填写原因：超过{minutes}分钟没有填写，已取消，申请仍待处理。可发送 /pending 重新处理。"
FIX_DECLINED_DONE = "已告知{person}：记录#{id}的更正申请未获同意。"
FIX_TOLD_DECLINED = (
    "您对记录#{id}（{day}「{name}」{amount}）的更正申请未获{by}同意，记录保持不变。\n原因：{reason}\n"
    "如有疑问，请与{by}沟通。"
)
FIX_ALREADY = "记录#{id}的更正申请已由{by}处理（{status}）。"
FIX_STATUS_NAMES = {"open": "待处理", "accepted": "已同意", "declined": "未同意", "closed": "记录已不计入"}

CREDITS_ALL_BUTTON = "📋 全部记录"
CREDITS_RECORDS_HEADER = "📋 {name} · {year}年度学习记录（共{count}条，新的在前{page}）："
CREDITS_RECORDS_LINE = "#{id} {day} {name}{amount}，{credits}{status}"
CREDITS_RECORDS_NONE = "{year}年度还没有学习记录。发送 /study 开始记录。"
CREDITS_RECORDS_FOOTER = "登记超过{hours}小时的记录如有误，请发送 /fix 编号 说明。"
CREDITS_HISTORY_VOIDED = "　　已作废：{by}，{when}；原因：{reason}"
CREDITS_HISTORY_UNDONE = "　　本人撤销，{when}"
CREDITS_HISTORY_REJECTED = "　　已退回：{by}，{when}；原因：{reason}"
CREDITS_HISTORY_CONFIRMED = "　　已确认：{by}，{when}"
CREDITS_HISTORY_FIX_OPEN = "　　已申请更正（{when}），等待处理"
CREDITS_HISTORY_FIX_DECLINED = "　　更正申请未获同意：{by}，{when}；原因：{reason}"
CREDITS_HISTORY_NO_REASON = "未说明"
PAGE_PREV = "◀ 上一页"
PAGE_NEXT = "下一页 ▶"


def num(value: float) -> str:
    """A figure worked out (a total, a target, the pace, a gap) as people read it: one decimal at
    most, halves rounded up as taught at school: 79.891 → "79.9", 0.25 → "0.3", 2.0 → "2".
    Never an exponent, never "-0"."""
    shown = f"{Decimal(repr(float(value))).quantize(_TENTH, rounding=ROUND_HALF_UP):f}"
    shown = shown.rstrip("0").rstrip(".") if "." in shown else shown
    return "0" if shown == "-0" else shown


def exact(value: float) -> str:
    """A value as it is stored, in hundredths: a record's own amount and credits (半天脱产培训
    is 0.5天, 3.75学时), a rate or a cap from config, and amounts in button data. Rounding
    these would misstate the record (or log 0.3 for a 0.25 button), so they keep two decimals.
    Every figure the bot works out goes through num() instead."""
    return f"{round(value, 2):.2f}".rstrip("0").rstrip(".")


def figure(value: float, credit_name: str) -> str:
    """A worked-out credit figure with the credit name, rounded as num() rounds: 74.9学时."""
    return f"{num(value)}{credit_name}"


def amount(value: float, unit: str) -> str:
    """A record's amount with its unit, exactly: 0.5天, 1.25小时."""
    return f"{exact(value)}{UNIT_NAMES.get(unit, unit)}"


def credits(value: float, credit_name: str) -> str:
    """A record's credits with the credit name, exactly: 3.75学时."""
    return f"{exact(value)}{credit_name}"


def moment(value: datetime, tz: tzinfo, today: date | None = None) -> str:
    """An aware time as people read it, in the configured zone: 11月25日 14:30."""
    local = value.astimezone(tz)
    year = f"{local.year}年" if today is not None and local.year != today.year else ""
    return f"{year}{local.month}月{local.day}日 {local:%H:%M}"


def waited(since: datetime, now: datetime) -> str:
    """How long something has waited, in whole days: 3天, or 不到1天."""
    days = (now - since).days
    return PENDING_WAITED_DAYS.format(days=days) if days >= 1 else PENDING_WAITED_TODAY


def day(value: date, today: date | None = None) -> str:
    """11月20日（今天）; the year only when it is not this year."""
    shown = f"{value.month}月{value.day}日" if today is None or value.year == today.year else (
        f"{value.year}年{value.month}月{value.day}日"
    )
    relative = {0: "今天", 1: "昨天", 2: "前天"}.get((today - value).days) if today else None
    return f"{shown}（{relative}）" if relative else shown


def study_problem(error: StudyInputError, name: str, unit: str, note_hint: str = "") -> str:
    """One sentence saying what is wrong with an amount, date or note, and what would do."""
    template = _STUDY_PROBLEMS.get(error.code, error.code)
    return template.format(
        value=error.value, limit=exact(error.limit) if error.limit is not None else "",
        unit=UNIT_NAMES.get(unit, unit), name=name, hint=note_hint or "请简要说明",
        day=day(error.day) if error.day else "",
    )

# --- reminders ----------------------------------------------------------------------------
REMINDER_LOG_ACTIVITY = "✍️ 登记{name}"
REMINDER_LOG_OTHER = "✍️ 登记其他学习"
REMINDER_SETTINGS = "⚙️ 提醒设置"
WHEN_DAILY = "每天 {time}"
WHEN_WORKDAYS = "工作日 {time}"
WHEN_WEEKLY = "每周{days} {time}"
WHEN_FIRST_WORKDAY_MONTH = "每月第一个工作日 {time}"
WHEN_FIRST_WORKDAY_QUARTER = "每季度第一个工作日 {time}"
REMIND_HEADER = "您的学习提醒："
REMIND_NONE = "（目前没有适用于您的提醒）"
REMIND_ON = "开启"
REMIND_MUTED = "已静音"
REMIND_SNOOZED = "⏸ 已暂停，至{until}恢复"
REMIND_QUIET = "🌙 免打扰时段：{quiet}（期间的提醒会在结束后送达）"
REMIND_QUIET_OFF = "未设置"
# /remind's buttons fit in four rows: the reminders are numbered, and 🔕 2 mutes the second.
REMIND_LINE = "{index}. {name}（{when}）：{state}"
REMIND_FOOTER = "点「🔕 序号」静音该项提醒，「🔔 序号」恢复。也可以输入 /remind quiet 22:00-07:30 设置免打扰，/remind quiet off 关闭。"
REMIND_MUTE_ONE = "🔕 {index}"
REMIND_UNMUTE_ONE = "🔔 {index}"
REMIND_MUTE_ALL = "🔕 全部静音"
REMIND_UNMUTE_ALL = "🔔 全部恢复"
REMIND_SNOOZE = "⏸ 暂停{days}天"
REMIND_UNSNOOZE = "▶️ 取消暂停"
REMIND_QUIET_PRESET = "🌙 {start}–{end}"
REMIND_QUIET_CLEAR = "关闭免打扰"
REMIND_SAVED = "已保存"
REMIND_USAGE = "用法：/remind 查看和修改提醒；/remind quiet 22:00-07:30 设置免打扰；/remind quiet off 关闭免打扰。"
REMIND_QUIET_BAD = "未能识别这个时段。请按「开始-结束」的格式输入，例如：/remind quiet 22:00-07:30"
REMIND_QUIET_SET = "已将{start}–{end}设为免打扰时段，期间的提醒会在结束后送达。"
REMIND_QUIET_CLEARED = "已关闭免打扰时段。"

# --- the holiday calendar (bot/calendar.py, config reminders.holidays) ----------------------
HOLIDAYS_MISSING = (
    "📅 放假安排缺少{years}年：请在 config.yaml 的 reminders.holidays 中录入国务院办公厅公布的安排。"
    "录入前，只有元旦、劳动节、国庆节的法定假日会避开提醒和周报；春节等其余节假日和调休，仍按平常的周一至周五上班计算。"
)
HOLIDAYS_YEAR_SEPARATOR = "、"

# --- talks (谈心谈话) ----------------------------------------------------------------------
TALK_PROMPT = "💬 谈心谈话提醒\n请安排与{name}（{unit}）的谈心谈话。"
TALK_PROMPT_LAST = "上次谈话：{last}；按每{cadence}天一次，{due}到期。"
TALK_NEVER = "尚无记录"
TALK_PROMPT_POINTS = "建议话题："
TALK_POINT_REQUESTED = "本人希望谈：{topic}"
TALK_POINT_BEHIND = "学习进度：今年已完成{total}/{target}{credit_name}，落后进度{gap}{credit_name}，了解原因和困难"
TALK_POINT_FIRST = "首次谈心谈话：全面了解思想、工作和生活情况"
TALK_POINT_LONG_GAP = "距上次谈话已{days}天，全面了解近况"
TALK_POINT_REJECTED = "近期有学习记录被退回，听听情况、帮助改进"
TALK_DONE = "✅ 已谈"
TALK_LATER = "⏰ 推迟一周"
TALK_LOG = "📋 查看记录"
TALK_RECORDED_SHORT = "已记录"
TALK_RECORDED = (
    "已记录与{name}的谈心谈话（{day}）。\n"
    "如需记下谈话要点，请直接回复（仅您本人可见，谈话对象和其他人都看不到）；不需要请点「跳过」。"
    "记错了可在{hours}小时内点「撤销」。"
)
# 已谈 asks which day; the day is checked before anything is recorded.
TALK_DAY_ASK = "与{name}的谈心谈话是哪一天进行的？"
TALK_DAY_TODAY = "今天"
TALK_DAY_YESTERDAY = "昨天"
TALK_DAY_PICK = "选择日期"
TALK_DAY_TYPE = "请发送谈话日期，例如：11月18日、上周五、3天前。发送 /cancel 取消。"
TALK_DAY_UNREADABLE = "未能识别这个日期。请按“11月18日”“上周五”“3天前”的格式发送，或发送 /cancel 取消。"
TALK_DAY_FUTURE = "谈话日期不能晚于今天（{today}），请重新发送。"
TALK_DAY_TOO_EARLY = "谈话日期不能早于{earliest}（{why}），请重新发送。"
TALK_DAY_BEFORE_PAIR = "您与{name}的谈话自该日起记录"
TALK_DAY_TOO_OLD = "只能补记一年以内的谈话"
TALK_DAY_STALE = "这个按钮已失效。如需记录谈话，请在提醒消息上重新点「已谈」。"
TALK_DAY_DROPPED = "您选择谈话日期超过{minutes}分钟没有完成，谈话未记录。如已谈话，请在提醒消息上重新点「已谈」。"
TALK_ALREADY_RECORDED = "这次提醒已记录过与{name}的谈心谈话（{day}），不会重复记录。"
TALK_UNDO = "撤销"
TALK_UNDONE_SHORT = "已撤销"
TALK_UNDONE = "已撤销与{name}{day}的谈话记录（要点一并删除）。下次谈话按{due}到期计算。"
TALK_UNDO_TOO_LATE = "记录已超过{hours}小时，不能撤销。"
TALK_UNDO_GONE = "这条谈话记录已撤销或不存在。"
TALK_SKIP_NOTES = "跳过"
TALK_NOTES_SAVED = "谈话要点已保存，仅您本人可见。"
TALK_NOTES_SKIPPED = "本次不记录谈话要点。"
TALK_NOTES_TOO_LONG = "谈话要点请控制在{limit}字以内，精简后重新发送。"
TALK_POSTPONED_SHORT = "已推迟"
TALK_POSTPONED = "已将与{name}的谈话推迟到{day}，届时再提醒您。"
TALK_LOG_HEADER = "与{name}的谈心谈话记录："
TALK_LOG_EMPTY = "暂无与{name}的谈心谈话记录。"
TALK_LOG_NOTES = "  要点（仅您可见）：{notes}"
TALK_LOG_NOTES_UNREADABLE = "  要点（仅您可见）：暂时无法读取，请联系管理员。"
TALK_ADD_NOTES = "✍️ 补写记录"
TALK_NOTES_ASK_AGAIN = "请直接回复与{name}谈话（{day}）的要点，仅您本人可见；不需要请点「跳过」。"
TALK_NOTES_LATE = (
    "这条消息没有保存：与{name}谈话后补记要点的时限（{minutes}分钟）已过，这条消息也不会作为问题记录。\n"
    "如需补记要点，请点「补写记录」后重新发送；如要提问，请发送 /ask 加问题。"
)
TALK_NOTES_NO_KEY = (
    "抱歉，谈话要点暂时无法保存：系统尚未配置加密密钥。这条消息没有保存，也不会作为问题记录。"
    "请联系管理员处理后，再点「补写记录」补记。"
)
TALK_NOTES_TALK_GONE = "没有找到这次谈话记录，要点没有保存。"
TALK_PREPARE = (
    "📝 谈心谈话预告：{supervisor}同志计划在{day}前后与您谈心谈话。\n"
    "可以提前想一想：近期思想和工作情况、遇到的困难、学习进度，以及对组织的意见建议。"
    "如有特别想谈的话题，可发送 /talk 话题。"
)
TALK_REQUEST_USAGE = "请在 /talk 后写上想谈的话题，例如：/talk 工作压力比较大，想听听意见"
TALK_TOPIC_TOO_LONG = "话题请控制在{limit}字以内。"
TALK_ASK_TOPIC = "请直接发送您想谈的话题（{limit}字以内），或发送 /cancel 取消。也可以一次发送：/talk 话题"
TALK_TOPIC_DROPPED = "您的谈话申请超过{minutes}分钟没有填写话题，已取消。如需申请，请重新发送 /talk。"
TALK_REQUEST_TO_SUPERVISOR = "💬 {name}（{unit}）希望与您谈心谈话。\n话题：{topic}"
TALK_REQUEST_SENT = "已转告您的分管领导，话题：{topic}。会尽快与您约谈。"
# A /talk nobody supervises: it goes to the admins, and the cadre is told who was told.
TALK_REQUEST_NO_SUPERVISOR = "您所在单位暂未设置分管领导"
TALK_REQUEST_SUPERVISOR_NOT_JOINED = "您所在单位的分管领导尚未使用本助手"
TALK_REQUEST_TO_ADMINS_SENT = "已记录您的谈话申请（话题：{topic}）。{why}，已转告管理员{names}，将协助安排。"
TALK_REQUEST_NOBODY = (
    "已记录您的谈话申请（话题：{topic}）。{why}，管理员也尚未使用本助手，暂时无人可以转告。"
    "请直接与组织部门联系。"
)
TALK_REQUEST_TO_ADMIN = "💬 {name}（{unit}）申请谈心谈话，{why}，请协助安排。\n话题：{topic}"
TALK_REQUEST_WHY_NONE = "其单位暂未设置分管领导"
TALK_REQUEST_WHY_NOT_JOINED = "其单位的分管领导尚未使用本助手"
TALK_NAMES_SEPARATOR = "、"

# /talks: a supervisor's pairs, soonest due first.
TALKS_HEADER = "您负责的谈心谈话（共{count}人，按到期先后）："
TALKS_LINE = "{index}. {name}（{unit}）：上次{last}，{due}"
TALKS_DUE = "{day}到期"
TALKS_DUE_POSTPONED = "已推迟至{day}"
TALKS_OVERDUE = "已到期（{day}）"
TALKS_NONE = "您分管的单位目前没有需要谈心谈话的同志。"
TALKS_PAGE = "第{page}/{pages}页"
TALKS_LOG_BUTTON = "📋 {name}"
TALKS_PREVIOUS = "上一页"
TALKS_NEXT = "下一页"
TALKS_FOOTER = "点姓名查看谈话记录（要点仅您本人可见）。"

# --- digests -------------------------------------------------------------------------------
# Weekly supervisor digest (bot/digests/text.py), its chart (bot/digests/charts.py) and the /export
# workbook (bot/digests/workbooks.py). Person and unit lines are kept short: a page must fit a phone.
DIGEST_STATUS_EMOJI = {"on_track": "✅", "behind": "⚠️", "far_behind": "🔴"}
DIGEST_STATUS_NAMES = {"on_track": "进度正常", "behind": "进度落后", "far_behind": "严重落后"}
DIGEST_UNREACHABLE = "（📵 无法送达）"
DIGEST_UNIT_TITLE = "📋 {unit}学习周报 · {start}—{end}"
DIGEST_UNIT_TITLE_CONTINUED = "📋 {unit}学习周报（续）"
DIGEST_UNIT_TOTALS = "本周合计{week} · {year}年度合计{total}（{count}人）"
# What waits for a confirmer now (records and /fix requests), in the current and last week's digest.
DIGEST_PENDING = "⏳ 待确认{count}条，最早的#{id}已等待{waited}，请发送 /pending 处理。"
ORG_DIGEST_PENDING = "⏳ 各单位待确认{count}条，最早的#{id}已等待{waited}。"
DIGEST_WAITED_DAYS = "{days}天"
DIGEST_WAITED_TODAY = "不到1天"
DIGEST_ATTENTION_HEADER = "需要关注："
DIGEST_ATTENTION_NONE = "本周没有需要特别关注的同志。"
DIGEST_ATTENTION_LINE = "{emoji} {name}：{reasons}"
DIGEST_REASONS = {
    "far_behind": "严重落后，差{gap}",
    "behind": "进度落后，差{gap}",
    "unreachable": "📵 无法送达",
    "talk_overdue": "谈话逾期",
}
DIGEST_REASON_SEPARATOR = "；"
# Beyond the people named: "另有11人严重落后、2人谈话逾期。", each counted once, by their worst reason.
DIGEST_ATTENTION_MORE = "另有{parts}。"
DIGEST_MORE_REASONS = {
    "far_behind": "{count}人严重落后",
    "behind": "{count}人进度落后",
    "unreachable": "{count}人无法送达",
    "talk_overdue": "{count}人谈话逾期",
}
DIGEST_MORE_SEPARATOR = "、"
# One line of a phone (about 22 characters); an unreachable person's line wraps, as few do. The share done is in the export.
DIGEST_PERSON_LINE = "{emoji} {name}{unreachable}：全年{year}/{target}{credit} · 本周{week}{credit}"
DIGEST_PERSON_DETAIL = "　　最近学习{last_study} · {talk}"
DIGEST_PERSON_SESSIONS = " · 集体学习签到{count}次"
DIGEST_SESSIONS_HEADER = "本周集体学习："
DIGEST_SESSION_LINE = "· {name}{topic}（{day}）签到{attended}/{expected} · {rate}%"
DIGEST_NEVER = "无"
DIGEST_TALK_OVERDUE = "谈话逾期"
DIGEST_TALK_OVERDUE_SINCE = "谈话逾期（应于{due}前）"
DIGEST_TALK_DUE = "谈话{due}到期"
DIGEST_TALK_LAST = "上次谈话{last}"
DIGEST_TALK_NONE = "暂无谈话记录"
DIGEST_TALK_NO_SUPERVISOR = "未配置分管领导"
DIGEST_NO_PEOPLE = "本单位暂无在册人员。"
DIGEST_PAGE = "第{page}/{pages}页"

ORG_DIGEST_TITLE = "🏛 各单位学习周报 · {start}—{end}"
ORG_DIGEST_TITLE_CONTINUED = "🏛 各单位学习周报（续）"
ORG_DIGEST_TOTALS = "{units}个单位、{people}人 · 本周合计{week} · {year}年度合计{total}"
ORG_DIGEST_COUNTS = "全部：✅{on_track}人 ⚠️{behind}人 🔴{far_behind}人 · 谈话逾期{overdue}人 · 📵 无法送达{unreachable}人"
ORG_DIGEST_NO_SUPERVISOR_TOTAL = "另有{count}人未配置分管领导，无人与其谈心谈话，请在名册中设置。"
ORG_DIGEST_LEGEND = "✅ 进度正常　⚠️ 落后　🔴 严重落后　📵 无法送达（未绑定或已屏蔽助手）"
ORG_DIGEST_LINE = "{unit}（{people}人）✅{on_track} ⚠️{behind} 🔴{far_behind} · 本周{week}{credit} · 全年{year}{credit}{extras}"
ORG_DIGEST_OVERDUE = " · 谈话逾期{count}人"
ORG_DIGEST_UNREACHABLE = " · 📵 无法送达{count}人"
ORG_DIGEST_NO_SUPERVISOR = " · 未配置分管领导{count}人"
ORG_DIGEST_UNCERTAIN = "❔ 过去7天有{count}条定时消息未能确认送达（发送时网络中断，为免重复没有重发）：{names}"
ORG_DIGEST_NAME_SEPARATOR = "、"
ORG_DIGEST_MORE_PEOPLE = "等{count}人"
ORG_DIGEST_NO_UNITS = "暂无单位数据。"

CHART_TITLE = "{unit} · {year}年度学习进度"
CHART_SUBTITLE = "截至{day} · 共{count}人 · 按进度排序，最需关注的在上"
CHART_XLABEL = "全年累计{credit}"
CHART_LEGEND_STATUS = {"on_track": "进度正常", "behind": "落后", "far_behind": "严重落后"}
CHART_LEGEND_EXPECTED = "按时间进度应达"
CHART_LEGEND_TARGET = "年度目标"
CHART_VALUE = "{year}/{target}"
CHART_EMPTY = "本单位暂无人员"

EXPORT_PEOPLE_SHEET = "人员汇总"
# Every figure in a period export is as of the period's end; {credit} is study.credit_name.
EXPORT_PEOPLE_HEADERS = (
    "姓名", "单位", "本期{credit}", "全年{credit}", "年度目标{credit}", "完成率", "状态", "最近学习", "上次谈话",
    "消息能否送达",
)
EXPORT_TOTAL_ROW = "合计"
EXPORT_RECORDS_SHEET = "学习记录"
# 单位 is the person's organisational unit; 计量单位 what 数量 counts (小时, 天); 编号 what /void and /fix take.
EXPORT_RECORDS_HEADERS = (
    "编号", "日期", "姓名", "单位", "活动", "数量", "计量单位", "{credit}", "状态", "备注", "登记时间",
)
EXPORT_TALKS_SHEET = "谈心谈话"
# Talk notes stay between the two people: the export never has a column for them.
EXPORT_TALKS_HEADERS = ("日期", "分管领导", "谈话对象", "记录人")
EXPORT_YES = "是"
EXPORT_NO = "否"

# --- reports (digest on demand, /report, /export) -------------------------------------------
DIGEST_USAGE = "用法：/digest 查看本周；/digest 上周；/digest 2026-11-18 查看那一周。"
DIGEST_FUTURE = "那一周尚未开始，请换一个日期，例如 /digest 上周。"
DIGEST_NOTHING = "您目前没有分管的单位，暂无周报可看。"
DIGEST_PREV = "◀ 上一页"
DIGEST_NEXT = "下一页 ▶"
DIGEST_CHART_CAPTION = "{unit} · 年度进度（竖线为按时间进度应达）"
DIGEST_CHART_DOCUMENT = "{unit}人数较多，进度图以文件发送，点开可放大查看。"
GAPS_DIGEST_HEADER = "📚 本周知识库缺口（近{days}天未答上或被点 👎 的问题）："
GAPS_DIGEST_NONE = "📚 知识库：近{days}天没有未答上或被点 👎 的问题。"
REPORT_USAGE = "用法：/report 姓名 或 /report 编号，例如 /report 张明。"
REPORT_NOT_FOUND = "没有找到您可以查看的人员「{name}」。请核对姓名或编号。"
REPORT_AMBIGUOUS = "有多位同名人员，请用编号查询："
REPORT_AMBIGUOUS_LINE = "/report {id}（{unit}）"
REPORT_HEADER = "👤 {name}（{unit}{level}）· {year}年度"
REPORT_PENDING = "另有待确认{pending}{credit}（确认后计入）。"
REPORT_RECORDS = "最近的学习记录："
REPORT_RECORD_LINE = "• #{id} {day} {activity}{amount}（{credits}，{status}）"
REPORT_NO_RECORDS = "本年度还没有学习记录。"
REPORT_TALKS = "谈心谈话记录："
REPORT_TALK_LINE = "• {day} · {supervisor}"
REPORT_NO_TALKS = "暂无谈心谈话记录。"
REPORT_TALK_DUE = "下次谈话：{due}{overdue}"
REPORT_OVERDUE = "（已逾期）"
REPORT_UNREACHABLE = "📵 消息无法送达：此人尚未绑定本助手，或已屏蔽本助手。"
EXPORT_USAGE = "用法：/export 导出本年度；/export 2025；/export 上周；/export 2026-11（某月）。"
EXPORT_CAPTION = "{scope} · {start}至{end}的学习与谈话记录（谈话要点不导出）。"
EXPORT_ORG_SCOPE = "全部单位"

# --- the offline console (bot/console/terminal.py) ----------------------------------------------------
CONSOLE_HELP = """控制台命令（以冒号开头）：
  :who          列出演示人员            :as 姓名或编号   切换说话人
  :new          以未绑定的陌生人身份说话  :invites        查看未使用的邀请码
  :buttons      列出当前说话人可点的按钮（每条消息一个编号）
  :upload 路径  以当前身份上传文件
  :tick 2026-11-23 08:30   把时钟拨到该时刻并运行一次定时任务（提醒、谈话提示、周报）
  :reset        清空演示数据、恢复初始名单（须再输入 yes 确认）
  :say 文本     把以冒号或#开头的文本原样发给机器人
  :help         显示本说明              :quit           退出（输入结束时也会退出）
点击按钮（以#开头）：
  #2            点最近一条带按钮的消息的第2个按钮
  #3.1          点消息3的第1个按钮（消息编号见按钮后的“（消息3）”或 :buttons）
其余输入（包括纯数字）都作为消息发给机器人，例如 /help、三会一课多久开一次、3。
发给其他人的消息标为“→ 姓名：”；提示符显示机器人认定的当前说话人。
演示数据保存在 {path}，下次启动时沿用，:reset 才会清空。"""
CONSOLE_WELCOME = "离线控制台（演示数据库 {path}）。输入 :help 查看控制台命令，:quit 退出。"
CONSOLE_DEMO_NEW = "（已新建演示数据：六位演示人员，刘洋尚未绑定。）"
CONSOLE_DEMO_KEPT = "（沿用上次运行留下的演示数据；:reset 可清空重来。）"
CONSOLE_GUEST = "访客"
CONSOLE_NO_BUTTON = "（没有这个按钮：输入 :buttons 查看可点的按钮）"
CONSOLE_BUTTON_ELSEWHERE = "（消息{number}是发给{name}的，请先输入 :as {name} 再点）"
CONSOLE_BUTTON_IS_LINK = "（这是链接按钮，不发给机器人：{url}）"
CONSOLE_LINK_MARK = "（链接）"
CONSOLE_NO_BUTTONS = "（当前说话人没有可点的按钮）"
CONSOLE_BUTTONS_ITEM = "  消息{number}：{text}"
CONSOLE_BUTTONS_HINT = "（#序号 点最近一条带按钮的消息；#消息.序号 点任意一条，例如 #{example}）"
CONSOLE_MESSAGE_TAG = "（消息{number}）"
CONSOLE_TO = "→ {name}："
CONSOLE_TOO_LONG = "（Telegram 一条消息最多{limit}个字符，这一行有{length}个，未发送；请分成几行发送）"
CONSOLE_RESET_ASK = "（将清空 {path} 中的全部演示数据（人员、学习记录、谈话、提醒、问答记录），再放入初始演示名单。确认请输入 yes，输入其他内容则取消。）"
CONSOLE_RESET_PROMPT = "确认清空演示数据？(yes/取消)> "
CONSOLE_RESET_DONE = "（演示数据已清空，初始名单已重新放入）"
CONSOLE_RESET_CANCELLED = "（已取消，演示数据未改动）"
CONSOLE_NO_PERSON = "（演示名单里没有「{name}」，用 :who 查看）"
CONSOLE_NOT_JOINED = "（{name}还没有绑定：用 :new 以陌生人身份发送 /start {code}）"
CONSOLE_SPEAKING_AS = "（现在以{name}（{roles}）的身份说话）"
CONSOLE_STRANGER = "（现在以未绑定的陌生人身份说话）"
CONSOLE_UNKNOWN = "（未知的控制台命令，输入 :help 查看）"
CONSOLE_JOINED = "已绑定"
CONSOLE_NOT_JOINED_SHORT = "未绑定，邀请码 {code}"
CONSOLE_ALL_JOINED = "  （所有人都已绑定）"
CONSOLE_TICK_FORMAT = "（时间格式：:tick 2026-11-23 08:30）"
CONSOLE_NOTHING_DUE = "（此刻没有到期的提醒、谈话提示或周报）"
CONSOLE_NO_FILE = "（找不到文件 {path}）"
CONSOLE_EDITED = "（已更新）"
CONSOLE_SAVED = "📎 {filename}（已保存到 {path}）"
CONSOLE_NOTES_KEY_MADE = "（已为离线控制台生成谈话要点的加密密钥，保存在 {path}，仅本机可读。真实运行请设置 CADREBOT_NOTES_KEY。）"

# --- the operators' chat (bot.ops_chat_id; bot/ops/alerts.py): for operators, never what was typed
OPS_ERROR = "⚠️ cadrebot 出错 / error\n{where}\n{error}\n\n{trace}"
OPS_ERROR_MORE = "\n\n（此前{seconds}秒内另有{count}次同类错误未单独发送 / {count} more like it in the last {seconds} s）"


# --- collective sessions (/session; handlers/sessions.py, bot/scheduling/sessions.py) -----------------

SESSION_USAGE = (
    "用法：/session 类型 [时长] [主题]，例如：/session 周一例会学习 1 学习党的二十届四中全会精神\n"
    "时长按该类型的计量单位，省略时按默认值。"
)
SESSION_PICK_CLOSEST = "没有「{text}」这个学习类型，您是指：{names}。请重新发送 /session 类型。"
SESSION_PICK_UNKNOWN = "没有「{text}」这个学习类型。可用的类型：{names}。请重新发送 /session 类型。"
SESSION_NOBODY = "您负责的单位目前没有可签到的干部，未发起集体学习。"
SESSION_INVITE = "📋 集体学习签到\n{name}{topic}，{amount}（{credits}）。\n组织人：{organiser}。签到截至{until}，请点「签到」。"
# The invitation once the window closed (its 签到 button is then 补学).
SESSION_INVITE_CLOSED = "📋 集体学习签到（已结束）\n{name}{topic}，{amount}（{credits}）。\n组织人：{organiser}。未能参加的，可点「补学」写明情况，经确认后计入。"
SESSION_INVITE_TOPIC = "：{topic}"
SESSION_CHECKIN_BUTTON = "签到"
SESSION_CONTROL = "集体学习：{name}{topic}，{amount}（{credits}）\n签到截至{until}。\n已签到{count}/{expected}"
SESSION_CONTROL_ENDED = "集体学习：{name}{topic}，{amount}（{credits}）\n已结束。\n已签到{count}/{expected}"
SESSION_END_BUTTON = "结束"
SESSION_LIST_BUTTON = "名单"
SESSION_STARTED_PRIVATE = "已向{expected}位同志发送签到通知。"
SESSION_STARTED_UNBOUND = "已向{sent}位同志发送签到通知；另有{unbound}位同志尚未绑定助手，收不到通知（仍计入应到人数）。"
SESSION_STARTED_GROUP = "已在群内发出签到通知，本群可签到的同志共{expected}位；签到情况只在私聊中告诉您。"
SESSION_REPORT = "集体学习{state}：{name}{topic}（{day}）\n已签到{count}/{expected}，签到率{rate}%。\n已签到：{present}\n未签到：{absent}"
SESSION_REPORT_ENDED = "已结束"
SESSION_REPORT_OPEN = "签到情况"
SESSION_REPORT_NONE = "无"
SESSION_REPORT_MAKEUP = "未签到的同志可在签到通知上点「补学」写明情况，经确认后计入。"
SESSION_CHECKED_IN = "签到成功：{name}{amount}（+{credits}），已计入。"
SESSION_CHECKED_IN_CAPPED = "签到成功。今天的{name}已达每日上限，本次不再计{credit}。"
SESSION_CHECKIN_ALREADY = "您已签到，无需重复签到。"
SESSION_CHECKIN_CLOSED = "本次集体学习的签到已结束。未能参加的，可点下方「补学」写明情况，经确认后计入。"
SESSION_CHECKIN_NOT_INVITED = "本次签到面向组织单位的干部，您不在其中，未记录。"
SESSION_CHECKIN_ORGANISER = "您是本次集体学习的组织人，无需签到。"
SESSION_CHECKIN_NOT_CADRE = "管理员无需签到，本次未记录。"
SESSION_CHECKIN_UNKNOWN = "请先私聊助手完成绑定，再来签到。"
SESSION_STALE = "这个按钮已失效。"
SESSION_NOT_ORGANISER = "只有本次集体学习的组织人可以查看名单或结束签到。"
SESSION_ENDED_ALREADY = "本次集体学习已经结束。"
SESSION_WINDOW_PAST = "签到时间已过，本次集体学习已结束，名单稍后发给您。"
SESSION_AMOUNT_BAD = "时长「{text}」无法识别，请写数字，例如1或1.5。"

# --- group chats (handlers/groups.py): the bot answers only /session, 签到 and questions naming it
GROUP_PRIVATE_ONLY = "涉及个人记录和数据的功能请私聊助手使用，群内不显示。"
GROUP_ASK_PRIVATE_UNKNOWN = "请先私聊助手完成绑定后再提问。"


# --- the week's reading (“三个一”: 一周一篇; /reading, /publish: handlers/readings.py) ----------------

READING_READ_BUTTON = "已读"
READING_NOTES_BUTTON = "写心得"
READING_PUBLISH_BUTTON = "发布"
READING_CANCEL_BUTTON = "取消"
READING_SHOW = "📖 每周一篇 · {week}\n《{title}》\n{body}\n\n点「已读」计{read}；写心得（不少于{min}字）再计{notes}。"
READING_SHOW_PAST = "本周（{week}）还没有安排篇目。最近一期是：\n\n{reading}"
READING_NONE = "本周还没有安排每周一篇的篇目，请留意管理员的通知。"
READING_SOURCE = "出处：{source}"
READING_LINK = "原文：{link}"
READING_WEEK = "{start}至{end}"
READING_MY_STATE_READ = "您已读过本篇。"
READING_MY_STATE_NOTES = "您已读过本篇并提交了心得。"
READING_READ_SAVED = "已记录：已读《{title}》，计{credits}。"
READING_READ_ALREADY = "已记录过本篇的已读，无需重复。"
READING_NOTES_ALREADY = "您已提交过本篇的心得，每篇只记一次。"
READING_OVER_CAP = "今天登记的{activity}已达每日上限（{cap}），本次未能计入{credit}，也未作记录。请明天再操作。"
READING_OVER_CAP_NOTES = "今天登记的{activity}已达每日上限（{cap}），这篇心得本次未能计入{credit}，也未保存。请保留好原文，明天再发送。"
READING_STALE = "这个按钮已失效：该篇目已更换或不存在。请发送 /reading 查看本周篇目。"
READING_NOT_READY = "每周一篇的{credit}暂时无法登记（配置的学习类型不存在），请联系管理员。"
READING_NOT_CADRE = "每周一篇的{credit}记入干部本人的学习记录，管理员无需登记。"
READING_NOTES_ASK = "请直接发送您对《{title}》的学习心得（{min}至{max}字）。发送 /cancel 可取消。"
READING_NOTES_SHORT = "心得目前{count}字，至少需要{min}字。请补充完整后重新发送全文（刚才的内容未保存，可复制后修改）。"
READING_NOTES_TOO_LONG = "心得{count}字，超过了{max}字的上限。请精简到{max}字以内后重新发送（刚才的内容未保存，可复制后修改）。"
READING_NOTES_EMPTY = "心得需要写成文字，只有表情或符号无法记录。请重新发送（{min}至{max}字）。"
READING_NOTES_SAVED = "心得已提交：《{title}》，计{credits}。"
READING_NOTES_SAVED_READ = "心得已提交：《{title}》，连同已读共计{credits}。"
READING_NOTES_DROPPED = "您的心得超过{minutes}分钟未发送，已取消。需要时请在 /reading 中重新点「写心得」。"
READING_PUBLISH_ASK_TITLE = "发布每周一篇。请发送篇目标题（不超过{max}字）。发送 /cancel 可取消。"
READING_PUBLISH_TITLE_BAD = "标题需为1至{max}字的文字，请重新发送。"
READING_PUBLISH_ASK_BODY = "请发送原文链接（http:// 或 https:// 开头），或直接发送摘要正文（不超过{max}字）。"
READING_PUBLISH_BODY_BAD = "内容需为一个链接，或1至{max}字的正文，请重新发送。"
READING_PUBLISH_ASK_WEEK = "发布到哪一周？默认为{week}。请点下方按钮确认，或发送该周任意一天的日期（如2026-12-07）。"
READING_PUBLISH_WEEK_BAD = "无法识别「{text}」，请发送日期（如2026-12-07），或点下方按钮。"
READING_PUBLISH_WEEK_PAST = "不能发布到已经过去的一周，请选择本周或以后的日期。"
READING_PUBLISH_PREVIEW = "将发布每周一篇：\n周次：{week}\n《{title}》\n{body}\n已读计{read}，心得再计{notes}。\n{replaces}\n确认后，/reading 和周一例会提醒将显示本篇。"
READING_PUBLISH_REPLACES = "注意：将替换该周原有篇目《{title}》（已读和心得记录保留）。"
READING_PUBLISH_NEW = "该周目前没有篇目。"
READING_PUBLISH_DONE = "已发布：{week}《{title}》。"
READING_PUBLISH_CANCELLED = "已取消，未发布。"
READING_PUBLISH_GONE = "这次发布已处理或已过期，请重新发送 /publish。"
READING_PUBLISH_DROPPED = "发布每周一篇超过{minutes}分钟未完成，已取消，未发布。"
READING_RELOAD_COUNT = "每周一篇：{count}篇。"
READING_RELOAD_PROBLEMS = "每周一篇的文件有{count}处问题，未更新，仍使用原有的{kept}篇：\n{lines}"
READING_REMINDER_LINE = "\n\n📖 本周一篇：《{title}》。点「已读」登记，或发送 /reading 查看全文。"
DIGEST_READING_LINE = "📖 每周一篇《{title}》：已读{read}/{total}"
DIGEST_READING_UNREAD = "未读：{names}"
DIGEST_READING_UNREAD_MORE = "{names}等{count}人"
EXPORT_NOTES_SHEET = "每周一篇心得"
EXPORT_NOTES_HEADERS = ("周次", "篇目", "姓名", "单位", "心得", "字数", "提交时间")
AUDIT_ACTIONS["reading.publish"] = "发布每周一篇"
HELP_SHORT.update({"reading": "每周一篇", "publish": "发布每周一篇"})


# --- the year on one page (/annual; handlers/annual.py, bot/digests/annual*.py) -------------------

ANNUAL_USAGE = "用法：/annual 查看本年度的学习记录，/annual 2025 查看某一年度。年份请写{first}至{last}之间的四位数字。"
ANNUAL_NOT_STARTED = "{year}年度尚未开始，可查看{first}至{last}年度。"
ANNUAL_HEADER = "📅 {name} · {year}年度学习记录"
ANNUAL_UNIT = "单位：{unit}"
ANNUAL_RANGE = "统计期间：{start}至{end}"
ANNUAL_DATE = "{year}年{month}月{day}日"
ANNUAL_AS_OF = "（截至{day}）"
ANNUAL_TOTAL = "已计入{total}{credit}，年度目标{target}{credit}"
# A finished year is measured against today's target: the bot keeps no history of targets.
ANNUAL_TOTAL_PAST = "已计入{total}{credit}，年度目标{target}{credit}（按现行目标计）"
ANNUAL_PENDING = "另有{pending}{credit}待确认，确认后计入。"
ANNUAL_BY_ACTIVITY = "分类："
ANNUAL_ACTIVITY_LINE = "· {name}：{amount}{credits}"
ANNUAL_ACTIVITY_AMOUNT = "{amount}，"
ANNUAL_ACTIVITY_NONE = "· 暂无记录：{names}"
ANNUAL_OTHER = "其他："
ANNUAL_SESSIONS = "· 集体学习签到{count}次"
ANNUAL_READINGS = "· 每周一篇已读{count}篇"
ANNUAL_QUIZ = "· 每日答题{days}天，答题{answered}道，答对{right}道{accuracy}"
ANNUAL_QUIZ_ACCURACY = "，正确率{percent}%"
ANNUAL_TALKS = "· 谈心谈话{count}次"
ANNUAL_TALKS_LED = "· 开展谈心谈话{count}次"
ANNUAL_NONE = "这一年度还没有计入的学习记录。"
ANNUAL_CARD_CAPTION = "{name} · {year}年度学习记录"
ANNUAL_FILE = "annual-{year}.png"
# The card (bot/digests/annual_card.py): the same figures, drawn for a phone screen.
ANNUAL_CARD_TITLE = "{year}年度学习记录"
ANNUAL_CARD_PERIOD = "{start}—{end}"
ANNUAL_CARD_AS_OF = "截至{day}"
ANNUAL_CARD_AS_OF_SEPARATOR = " · "
ANNUAL_CARD_TARGET = "年度目标完成情况"
ANNUAL_CARD_TARGET_PAST = "年度目标完成情况（按现行目标）"
ANNUAL_CARD_TOTAL = "{total} / {target}{credit}"
ANNUAL_CARD_PERCENT = "{percent}%"
ANNUAL_CARD_PENDING = "另有{pending}{credit}待确认"
ANNUAL_CARD_ACTIVITIES = "分类{credit}"
ANNUAL_CARD_ACTIVITY_VALUE = "{credits}{credit}"
ANNUAL_CARD_OTHER = "其他"
ANNUAL_CARD_SESSIONS = "集体学习签到"
ANNUAL_CARD_READINGS = "每周一篇已读"
ANNUAL_CARD_QUIZ_DAYS = "答题天数"
ANNUAL_CARD_QUIZ_ACCURACY = "答题正确率"
ANNUAL_CARD_TALKS = "谈心谈话"
ANNUAL_CARD_TALKS_LED = "开展谈心谈话"
ANNUAL_CARD_TIMES = "{count}次"
ANNUAL_CARD_PIECES = "{count}篇"
ANNUAL_CARD_DAYS = "{count}天"
ANNUAL_CARD_RATE = "{percent}%（{right}/{answered}）"
ANNUAL_CARD_NO_ANSWERS = "—"
# The annual sheet of /export (the 学习积分制度 record, one row a person).
ANNUAL_SHEET = "{year}年度学习汇总"
ANNUAL_SHEET_NAME = "姓名"
ANNUAL_SHEET_UNIT = "单位"
ANNUAL_SHEET_ACTIVITY = "{name}（{credit}）"
ANNUAL_SHEET_TOTALS = ("合计{credit}", "年度目标{credit}", "完成率", "待确认{credit}", "集体学习签到（次）")
ANNUAL_SHEET_TARGET_PAST = "年度目标{credit}（按现行目标）"
ANNUAL_SHEET_READINGS = "每周一篇已读（篇）"
ANNUAL_SHEET_QUIZ = ("每日答题（天）", "答题正确率")
ANNUAL_SHEET_TALKS = "谈心谈话（次）"
ANNUAL_SHEET_TALKS_LED = "开展谈心谈话（次）"
ANNUAL_SHEET_TOTAL_ROW = "合计"

# --- quizzes: 每日一题 / 专题测验 (/quiz; handlers/quiz.py, db/quiz.py, digests) -------------------
QUIZ_NO_BANK = "目前还没有可用的题库，答题功能暂未开放。"
QUIZ_USAGE = "用法：/quiz 开始今天的每日一题；/quiz 专题 专题名 按专题答题，例如：/quiz 专题 党费"
QUIZ_TOPIC_LIST = "可选的专题：{names}。\n发送 /quiz 专题 专题名 开始，例如：/quiz 专题 {example}"
QUIZ_TOPIC_UNKNOWN = "没有「{text}」这个专题。可选的专题：{names}。\n请发送 /quiz 专题 专题名。"
QUIZ_TOPIC_NOTHING_LEFT = "专题「{topic}」的题目今天都已出过了，请明天再来，或换一个专题。"
QUIZ_DAILY_TITLE = "📝 每日一题"
QUIZ_TOPIC_TITLE = "📝 专题测验·{topic}"
QUIZ_QUESTION = "{title}（第{k}/{n}题）\n\n{stem}\n\n{options}"
QUIZ_OPTION = "{letter}. {text}"
QUIZ_RIGHT = "✅ 回答正确！"
QUIZ_WRONG = "❌ 回答错误。您选了{chosen}，正确答案是{letter}. {text}"
QUIZ_EXPLANATION = "解析：{text}"
QUIZ_CREDITED = "本题计入{credits}。"
QUIZ_CAPPED = "今天答题所得{credit}已达每日上限，本题不再计入，但仍算作答题。"
QUIZ_SOURCE_BUTTON = "📖 查看依据"
QUIZ_NEXT_BUTTON = "下一题 ▶"
QUIZ_SUMMARY_DAILY = "🎉 今日答题完成：对{right}/共{total}，今日获得{credits}，连续答题{streak}天。"
QUIZ_SUMMARY_TOPIC = "🎉 专题「{topic}」答完了：对{right}/共{total}。今日获得{credits}，连续答题{streak}天。"
QUIZ_MORE_TOPICS = "想多练练？可按专题答题：{names}。\n例如：/quiz 专题 {example}"
QUIZ_DONE_TODAY = "今天的{total}道题您已全部答完（对{right}/共{total}），连续答题{streak}天。明天再来吧！"
QUIZ_TOPIC_DONE_TODAY = "专题「{topic}」今天的{total}道题您已答完（对{right}/共{total}）。明天可以再来一轮。"
QUIZ_ALREADY = "您已作答本题，每题只计一次。"
QUIZ_ROUND_DONE = "这一轮的题目已全部答完。发送 /quiz 查看今天的情况。"
QUIZ_NEXT_ALREADY = "下一题已经发出，请在下方作答；找不到时发送 /quiz 即可再次显示。"
QUIZ_OLD_DAY = "这是往日的题目，已不能作答，也不再计入。发送 /quiz 查看今天的题目。"
QUIZ_NOT_YOURS = "这道题不是发给您的，未记录。发送 /quiz 领取您自己的题目。"
QUIZ_ITEM_GONE = "这道题已从题库中移除，请发送 /quiz 继续。"
QUIZ_STREAK = "每日答题：连续{days}天"
QUIZ_RELOAD_COUNT = "题库：{count}题。"
QUIZ_RELOAD_PROBLEMS = "题库有{count}处问题，未更新，仍使用原有的{kept}题：\n{lines}"
DIGEST_PERSON_QUIZ = " · 答题{days}天{answered}题，正确率{rate}"
QUIZ_RATE_NONE = "—"
ORG_DIGEST_QUIZ_WRONG_HEADER = "易错题（本周作答不少于{min}次、错误率最高的题，可能需要改写题目或条目）："
ORG_DIGEST_QUIZ_WRONG_LINE = "{rank}. {stem}（{item_id}，条目{entry_id}）错误率{rate}%，{wrong}/{answered}次"
QUIZ_EXPORT_SHEET = "每日答题"
QUIZ_EXPORT_HEADERS = ("姓名", "单位", "答题天数", "答题数", "答对数", "正确率")

# --- collective sessions: 补学 after the window (handlers/session_makeup.py) --------------------
SESSION_MAKEUP_BUTTON = "补学"
SESSION_MAKEUP_ASK = (
    "补学：{name}{topic}（{day}）\n请写明补学情况（如何补学、学了哪些内容），不超过{limit}字。"
    "提交后经确认计入，发送 /cancel 可放弃。"
)
SESSION_MAKEUP_ASKED_PRIVATE = "请在与助手的私聊中写明补学情况。"
SESSION_MAKEUP_EMPTY = "补学说明需用文字写明补学情况，请重新发送（不超过{limit}字）。"
SESSION_MAKEUP_TOO_LONG = "补学说明有{count}字，超过{limit}字，请精简后重新发送。"
SESSION_MAKEUP_NOTE = "补学（{name}{topic}，{day}集体学习）：{note}"
SESSION_MAKEUP_SENT = "补学已提交：{name}{amount}（{credits}），待确认。\n{routing}"
SESSION_MAKEUP_ALREADY = "您已为本次集体学习提交过补学（记录#{id}），无需重复提交。"
SESSION_MAKEUP_CHECKED_IN = "您已签到本次集体学习，无需补学。"
SESSION_MAKEUP_STILL_OPEN = "签到仍在进行，请直接点「签到」。"
SESSION_MAKEUP_CAPPED = "今天的{name}已达每日上限，本次补学未记录。"
SESSION_MAKEUP_DROPPED = "补学说明等待超过{minutes}分钟，已取消。需要时请再点「补学」。"
