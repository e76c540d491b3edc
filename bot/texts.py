"""Every sentence the bot says to people, in one place, in Simplified Chinese.

Handlers and the CLI never build user-facing prose inline; they call these so that tone
stays consistent and a wording fix is one edit.
"""

from __future__ import annotations

from datetime import date

from bot.study_input import StudyInputError
from db.roster import RosterError
from knowledge.schema import KbIssue

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

HELP_HEADER = "{name}，您可以使用以下功能："
HELP_USAGE = "　　例：{usage}"
HELP_FOOTER = "也可以直接输入问题，例如「三会一课多久开一次」。"
HELP_ADMIN_FOOTER = "管理员还可以直接把人员名单（.csv 或 .yaml）或知识库文件（含 entries: 的 .yaml）发给我，我会校验后导入。"

CANCELLED = "已取消。"
NOTHING_TO_CANCEL = "当前没有进行中的操作。"
UNKNOWN_COMMAND = "没有「{command}」这个命令。发送 /help 查看可用命令。"
NOT_ALLOWED = "抱歉，这项功能您暂无权限使用。"
ERROR = "抱歉，处理您的消息时出了点问题，我们已记录下来。请稍后再试。"
UNSUPPORTED_MESSAGE = "暂时只能处理文字消息。有问题可以直接打字问我，或发送 /help。"
BUTTON_EXPIRED = "这个按钮已失效，请重新操作。"

UPLOAD_NOT_ADMIN = "只有管理员可以上传文件。"
UPLOAD_TOO_LARGE = "文件太大（{size}），上限为 {limit}。请检查后重新上传。"
UPLOAD_UNKNOWN_KIND = "无法识别这个文件。名单请上传 .csv 或 .yaml 文件；知识库请上传含 entries: 的 .yaml 文件。"
ROSTER_IMPORTED = (
    "名单导入完成：新增 {created} 人，更新 {updated} 人，未变 {unchanged} 人，"
    "停用 {deactivated} 人，恢复 {reactivated} 人。\n邀请码清单见附件，请分发给尚未绑定的同志。"
)
ROSTER_FAILED = "名单未导入（没有做任何修改）：{error}"
INVITES_CAPTION = "尚未绑定的人员邀请码（共 {count} 人）"
INVITES_NONE = "所有在册人员都已完成绑定。"

_ROSTER_PROBLEMS = {
    "too_large": "文件超过 5 MB",
    "not_utf8": "文件不是 UTF-8 编码（请在 Excel 中另存为「CSV UTF-8」）",
    "unknown_format": "只支持 .csv、.yaml 或 .yml 文件",
    "empty": "文件中没有人员",
    "bad_yaml": "YAML 格式有误",
    "yaml_not_list": "YAML 文件应是人员列表（每项含 id、name、unit、roles）",
    "yaml_item_not_mapping": "这一项不是「字段: 值」的形式",
    "unknown_column": "不认识的列名（可用列：id、name、unit、roles、supervises、target、level）",
    "missing_column": "缺少必需的列",
    "too_many_cells": "这一行的单元格比表头多（是否有多余的逗号？）",
    "required": "不能为空",
    "bad_id": "id 不能含空格，且不超过 64 个字符",
    "too_long": "内容过长（不超过 100 个字符）",
    "unknown_role": "角色只能是 cadre（干部）、supervisor（分管领导）、admin（管理员），多个用分号分隔",
    "supervises_without_role": "填写了分管单位，但角色中没有 supervisor",
    "supervisor_without_unit": "分管领导需要填写 supervises（分管单位）或 unit",
    "not_a_number": "应为数字",
    "target_out_of_range": "年度目标应为 0 到 10000 之间的数字",
    "duplicate_id": "id 与前面的行重复",
}


def roster_error(error: RosterError) -> str:
    """One line naming the row and column of the problem, the way a spreadsheet user counts."""
    where = []
    if error.row is not None:
        where.append(f"第 {error.row} 行")
    if error.column:
        where.append(f"「{error.column}」列")
    problem = _ROSTER_PROBLEMS.get(error.code, error.code)
    value = f"（{error.value}）" if error.value else ""
    return f"{'，'.join(where) + '：' if where else ''}{problem}{value}"


def role_list(roles: frozenset[str] | set[str]) -> str:
    ordered = [ROLE_NAMES[r] for r in ("cadre", "supervisor", "admin") if r in roles]
    return "、".join(ordered) or "未分配"


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, size // 1024)} KB"

# --- knowledge Q&A ------------------------------------------------------------------------
ASK_EMPTY = "请在 /ask 后面写上您的问题，例如：/ask 三会一课多久开一次"
ASK_NOTHING_TO_MATCH = "这条消息里没有文字，无法查询。请用文字描述您的问题，例如「党费怎么交」。"
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
ENTRY_GONE = "这条内容已经更新或下线了，请重新提问。"

# --- knowledge admin -----------------------------------------------------------------------
RELOAD_OK = "知识库已重新加载：共 {count} 条。{warnings}"
RELOAD_FAILED = "知识库有错误，未重新加载（仍在使用原来的 {count} 条）：\n{errors}"
RELOAD_WARNINGS = "\n提示 {count} 条：\n{lines}"
KB_INSTALLED = "已更新知识库文件 {filename}：现共 {count} 条，立即生效。原文件已备份。{warnings}"
KB_REJECTED = "文件 {filename} 未生效（知识库保持原样）。错误如下：\n{errors}"
GAPS_HEADER = "近 {days} 天未答上、被点 👎 或建议未被选中的问题（按次数排序）："
GAPS_LINE = "{rank}. {example}（{count} 次{down}{unpicked}）\n   最接近：{closest}"
GAPS_DOWN = "，👎 {count}"
GAPS_CLOSEST_NONE = "无"
GAPS_NONE = "近 {days} 天没有未答上、被点 👎 或建议未被选中的问题。"
GAPS_BAD_DAYS = "天数应为 1 到 365 之间的整数，例如：/gaps 7"
MORE_ERRORS = "……另有 {count} 条错误"

# --- knowledge gaps: learning from use, and errors in the base (bot/gaps_report.py, -------
# --- handlers/knowledge_admin.py). Files are named relative to the base folder, never by path.
GAPS_HEADER_CONTINUED = "知识库缺口（续）："
GAPS_UNPICKED = "，建议未选 {count}"
GAPS_CLOSEST = "{question}（{entry_id}，{score}）"
GAPS_CLOSEST_NO_SCORE = "{question}（{entry_id}）"
GAPS_MORE = "……另有 {count} 组未列出，处理上面的问题后再发 /gaps 查看。"
GAPS_PICKED_HEADER = "用户选过的建议（可加为所选条目的备选问法）："
GAPS_PICKED_LINE = "{rank}. {text}（{count} 次）\n   选了：{question}（{entry_id}）"
GAPS_ADD_BUTTON = "{rank} 加为备选问法"
GAPS_OUT_OF_SCOPE_BUTTON = "{rank} 不在知识库范围"
GAPS_CONFIRM_BUTTON = "确认"
GAPS_CANCEL_BUTTON = "取消"
GAPS_CONFIRM_ADD = (
    "请确认：把问法「{text}」加为条目 {entry_id}（{question}）的备选问法，"
    "写入知识库文件 {file}。原文件会先备份，知识库随即重新加载。"
)
GAPS_CONFIRM_OUT_OF_SCOPE = "请确认：把问题「{text}」{others}标记为不在知识库范围。标记后不再列入 /gaps。"
GAPS_CONFIRM_OTHERS = "及相同问法的另外 {count} 条"
GAPS_ADDED = "已把「{text}」加为条目 {entry_id} 的备选问法（{file}），知识库已重新加载，现共 {count} 条。原文件已备份。"
GAPS_ADD_REFUSED = "未能添加备选问法，知识库保持原样：\n{errors}"
GAPS_MARKED_OUT_OF_SCOPE = "已标记为不在知识库范围：「{text}」（共 {count} 条），此后不再列入 /gaps。"
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
    "too_large": "文件太大（{size}），上限为 {limit}",
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
UNIT_NAMES = {"hour": "小时", "day": "天", "session": "次", "piece": "篇"}
STATUS_NAMES = {"confirmed": "已计入", "pending": "待确认", "rejected": "已退回", "voided": "已作废"}

STUDY_NO_ACTIVITIES = "管理员还没有配置学习类型，暂时无法记录。"
STUDY_USAGE = (
    "用法：/study 类型 数量 [日期] [备注]\n"
    "例如：/study 专题讲座 2 学习二十大报告，/study 网络学院 1.5 昨天\n"
    "也可以只发 /study，按提示点选。"
)
STUDY_PICK_ACTIVITY = "记录学习 📚 请选择学习类型："
STUDY_PICK_CLOSEST = "没有「{text}」这个学习类型，您是指："
STUDY_ALL_TYPES = "其他类型…"
STUDY_ASK_AMOUNT = "{name}：每{unit}计 {per}{credit}{cap}。\n学习了多少{unit}？点选或直接输入数字："
STUDY_CAP_HINT = "，每天最多 {cap}{unit}"
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
STUDY_SAVED = "已记录：{name} {amount}（+{credits}），{day}。\n{year} 年度累计 {total} / {target}{credit}。"
STUDY_SAVED_PENDING = (
    "已提交：{name} {amount}（{credits}），{day}，分管领导确认后计入。\n"
    "{year} 年度已计入 {total} / {target}{credit}。"
)
STUDY_PENDING_NO_SUPERVISOR = "\n目前还没有能确认这条记录的分管领导使用本助手，记录会保持待确认，请提醒分管领导加入。"
STUDY_UNDO_BUTTON = "撤销"
STUDY_ALREADY_RECORDED = "已记录过了，不会重复记录。"
STUDY_UNDONE = "已撤销：{name} {amount}，{day}。\n{year} 年度累计 {total} / {target}{credit}。"
STUDY_UNDO_TOO_LATE = "记录已超过 {hours} 小时，不能自行撤销。如需更正，请联系管理员作废（记录编号 #{id}）。"
STUDY_UNDO_ALREADY = "这条记录{status}，无需撤销。"
STUDY_OVER_CAP = "超出每日上限：{name}每天最多 {cap}，{day}已记录 {logged}，最多还能记 {left}。"
STUDY_OVER_CAP_FULL = "超出每日上限：{name}每天最多 {cap}，{day}已经记满了。"

_STUDY_PROBLEMS = {
    "amount_unreadable": "「{value}」不是有效的数量，请写数字，例如 2 或 1.5。",
    "amount_not_positive": "数量必须大于 0。",
    "amount_too_precise": "数量最多保留两位小数，例如 1.5。",
    "amount_too_large": "数量太大了：一条记录最多 {limit}{unit}，请核对。",
    "amount_not_whole": "{name}按{unit}计，请写整数，例如 1 或 2。",
    "amount_over_daily_cap": "{name}每天最多记 {limit}{unit}。",
    "date_unreadable": "「{value}」看不懂，是哪一天？可以写：昨天、上周五、3天前、11月18日 或 2026-11-18。",
    "date_future": "不能记录未来的学习（今天是 {day}）。",
    "date_too_old": "只能补记最近 {limit} 天内的学习（{day}及以后）。",
    "note_required": "{name}需要填写备注：{hint}。",
    "note_too_long": "备注最多 {limit} 个字，请精简后再发。",
}

CREDITS_USAGE = "用法：/credits 查看本年度进度；/credits 2025 查看某一年；/credits export 导出全部记录。"
CREDITS_HEADER = "📊 {name} · {year} 年度学习积分"
CREDITS_RANGE = "（{start} 至 {end}）"
CREDITS_TOTAL = "已计入 {total} / 目标 {target}{credit}"
CREDITS_AHEAD = "按时间进度今天应达 {expected}{credit}，领先 {gap}{credit} 👍"
CREDITS_BEHIND = "按时间进度今天应达 {expected}{credit}，落后 {gap}{credit}，加油！"
CREDITS_ON_PACE = "按时间进度今天应达 {expected}{credit}，正好跟上进度。"
CREDITS_REACHED = "🎉 已完成年度目标！"
CREDITS_ENDED_SHORT = "该年度已结束，离目标差 {gap}{credit}。"
CREDITS_NOT_STARTED = "{year} 年度还没有开始。"
CREDITS_PENDING = "另有 {pending}{credit}待分管领导确认，确认后计入。"
CREDITS_BY_ACTIVITY = "分类："
CREDITS_ACTIVITY_LINE = "· {name}：{amount}，{credits}"
CREDITS_LATEST = "最近记录："
CREDITS_RECORD_LINE = "· #{id} {day} {name} {amount} {credits}{status}"
CREDITS_NONE = "这一年度还没有学习记录。发送 /study 开始记录。"
CREDITS_EXPORT_CAPTION = "{name}的学习记录，共 {count} 条（含待确认、已退回和已作废的记录）"
CREDITS_EXPORT_EMPTY = "还没有任何学习记录。发送 /study 开始记录。"
CREDITS_EXPORT_SHEET = "学习记录"
CREDITS_EXPORT_HEADERS = (
    "编号", "学习日期", "学习类型", "数量", "单位", "积分", "状态", "备注", "记录时间", "处理人", "处理时间", "作废原因",
)
CREDITS_UNDONE_BY_SELF = "本人撤销"

REVIEW_PROMPT = "请确认学习记录 #{id}：\n{person}（{unit}）\n{name} {amount}（{credits}）\n日期：{day}\n备注：{note}"
REVIEW_APPROVE = "✅ 通过"
REVIEW_REJECT = "↩️ 退回"
REVIEW_APPROVED = "\n\n✅ 已通过（{by}）"
REVIEW_REJECTED = "\n\n↩️ 已退回（{by}）"
REVIEW_ALREADY = "这条记录已处理过了。"
REVIEW_REFUSED = "抱歉，您无法处理这条记录。"
REVIEW_TOLD_APPROVED = "您 {day} 的「{name}」{amount}已由{by}确认，计入 {credits}。"
REVIEW_TOLD_REJECTED = "您 {day} 的「{name}」{amount}被{by}退回，未计入。如有疑问，请与{by}沟通。"

VOID_USAGE = "用法：/void 记录编号 原因，例如：/void 12 重复记录"
VOID_NEEDS_REASON = "请写明作废原因（不超过 {limit} 字），例如：/void {id} 重复记录"
VOID_NOT_FOUND = "没有编号为 #{id} 的学习记录。"
VOID_ALREADY = "记录 #{id} {status}，不计入积分，无需再作废。"
VOID_DONE = "已作废记录 #{id}：{person} · {name} {amount} · {day}。\n原因：{reason}"
VOID_TOLD = "您 {day} 的学习记录「{name}」{amount}已被管理员作废，不再计入。\n原因：{reason}"


def num(value: float) -> str:
    """1.5 → "1.5", 2.0 → "2", 79.891 → "79.89": no trailing zeros, no exponent."""
    return f"{round(value, 2):.2f}".rstrip("0").rstrip(".")


def amount(value: float, unit: str) -> str:
    return f"{num(value)}{UNIT_NAMES.get(unit, unit)}"


def credits(value: float, credit_name: str) -> str:
    return f"{num(value)}{credit_name}"


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
        value=error.value, limit=num(error.limit) if error.limit is not None else "",
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
REMIND_SNOOZED = "⏸ 已暂停，至 {until} 恢复"
REMIND_QUIET = "🌙 免打扰时段：{quiet}（期间的提醒会在结束后送达）"
REMIND_QUIET_OFF = "未设置"
REMIND_FOOTER = "也可以输入：/remind quiet 22:00-07:30 设置免打扰，/remind quiet off 关闭。"
REMIND_MUTE_ONE = "🔕 静音「{name}」"
REMIND_UNMUTE_ONE = "🔔 恢复「{name}」"
REMIND_MUTE_ALL = "🔕 全部静音"
REMIND_UNMUTE_ALL = "🔔 全部恢复"
REMIND_SNOOZE = "⏸ 暂停 {days} 天"
REMIND_UNSNOOZE = "▶️ 取消暂停"
REMIND_QUIET_PRESET = "🌙 {start}–{end}"
REMIND_QUIET_CLEAR = "关闭免打扰"
REMIND_SAVED = "已保存"
REMIND_USAGE = "用法：/remind 查看和修改提醒；/remind quiet 22:00-07:30 设置免打扰；/remind quiet off 关闭免打扰。"
REMIND_QUIET_BAD = "没看懂这个时段。请按「开始-结束」的格式输入，例如：/remind quiet 22:00-07:30"
REMIND_QUIET_SET = "好的，{start}–{end} 为免打扰时段，期间的提醒会在结束后送达。"
REMIND_QUIET_CLEARED = "已关闭免打扰时段。"

# --- the holiday calendar (bot/calendar.py, config reminders.holidays) ----------------------
HOLIDAYS_MISSING = (
    "📅 放假安排缺少 {years} 年：请在 config.yaml 的 reminders.holidays 中录入国务院办公厅公布的安排。"
    "录入前，只有元旦、劳动节、国庆节的法定假日会避开提醒和周报；春节等其余节假日和调休，仍按平常的周一至周五上班计算。"
)
HOLIDAYS_YEAR_SEPARATOR = "、"

# --- talks (谈心谈话) ----------------------------------------------------------------------
TALK_PROMPT = "💬 谈心谈话提醒\n该与 {name}（{unit}）谈心谈话了。"
TALK_PROMPT_LAST = "上次谈话：{last}；按每 {cadence} 天一次，{due}到期。"
TALK_NEVER = "尚无记录"
TALK_PROMPT_POINTS = "建议话题："
TALK_POINT_REQUESTED = "本人希望谈：{topic}"
TALK_POINT_BEHIND = "学习进度：今年已完成 {total}/{target} {credit_name}，落后进度 {gap} {credit_name}，了解原因和困难"
TALK_POINT_FIRST = "首次谈心谈话：全面了解思想、工作和生活情况"
TALK_POINT_LONG_GAP = "距上次谈话已 {days} 天，全面了解近况"
TALK_POINT_REJECTED = "近期有学习记录被退回，听听情况、帮助改进"
TALK_DONE = "✅ 已谈"
TALK_LATER = "⏰ 推迟一周"
TALK_LOG = "📋 查看记录"
TALK_RECORDED_SHORT = "已记录"
TALK_RECORDED = (
    "已记录与 {name} 的谈心谈话（{day}）。\n"
    "如需记下谈话要点，请直接回复（仅您本人可见，谈话对象和其他人都看不到）；不需要请点「跳过」。"
)
TALK_SKIP_NOTES = "跳过"
TALK_NOTES_SAVED = "谈话要点已保存，仅您本人可见。"
TALK_NOTES_SKIPPED = "好的，不记要点。"
TALK_NOTES_TOO_LONG = "要点太长了，请控制在 {limit} 字以内后重新发送。"
TALK_POSTPONED_SHORT = "已推迟"
TALK_POSTPONED = "好的，与 {name} 的谈话推迟到 {day}，届时再提醒您。"
TALK_LOG_HEADER = "与 {name} 的谈心谈话记录："
TALK_LOG_EMPTY = "还没有与 {name} 的谈心谈话记录。"
TALK_LOG_NOTES = "  要点（仅您可见）：{notes}"
TALK_PREPARE = (
    "📝 谈心谈话预告：{supervisor} 同志计划在 {day} 前后与您谈心谈话。\n"
    "可以提前想一想：近期思想和工作情况、遇到的困难、学习进度，以及对组织的意见建议。"
    "如有特别想谈的话题，可发送 /talk 话题。"
)
TALK_REQUEST_USAGE = "请在 /talk 后写上想谈的话题，例如：/talk 工作压力比较大，想听听意见"
TALK_TOPIC_TOO_LONG = "话题请控制在 {limit} 字以内。"
TALK_REQUEST_TO_SUPERVISOR = "💬 {name}（{unit}）希望与您谈心谈话。\n话题：{topic}"
TALK_REQUEST_SENT = "已转告您的分管领导，话题：{topic}。会尽快与您约谈。"
TALK_REQUEST_NO_SUPERVISOR = "已记录您的谈话申请（话题：{topic}）。您所在单位暂未设置分管领导，管理员会协助安排。"

# --- digests -------------------------------------------------------------------------------
# Weekly supervisor digest (bot/digest_text.py), its chart (bot/charts.py) and the /export
# workbook (bot/workbooks.py). Person and unit lines are kept short: a page must fit a phone.
DIGEST_STATUS_EMOJI = {"on_track": "✅", "behind": "⚠️", "far_behind": "🔴"}
DIGEST_STATUS_NAMES = {"on_track": "进度正常", "behind": "进度落后", "far_behind": "严重落后"}
DIGEST_UNREACHABLE = "📵"
DIGEST_UNIT_TITLE = "📋 {unit} 学习周报 · {start}—{end}"
DIGEST_UNIT_TITLE_CONTINUED = "📋 {unit} 学习周报（续）"
DIGEST_UNIT_TOTALS = "本周合计 {week} · {year} 年度合计 {total}（{count} 人）"
DIGEST_ATTENTION_HEADER = "需要关注："
DIGEST_ATTENTION_NONE = "本周没有需要特别关注的同志 👍"
DIGEST_ATTENTION_LINE = "{emoji} {name}：{reasons}"
DIGEST_REASONS = {
    "far_behind": "严重落后，差 {gap}",
    "behind": "进度落后，差 {gap}",
    "unreachable": "📵 助手联系不上",
    "talk_overdue": "谈话逾期",
}
DIGEST_REASON_SEPARATOR = "；"
DIGEST_PERSON_LINE = "{emoji} {name}{unreachable} 全年 {year}/{target}（{percent}）· 本周 {week}"
DIGEST_PERSON_DETAIL = "　　最近学习 {last_study} · {talk}"
DIGEST_PERCENT_NONE = "—"
DIGEST_NEVER = "无"
DIGEST_TALK_OVERDUE = "谈话逾期"
DIGEST_TALK_OVERDUE_SINCE = "谈话逾期（应于 {due} 前）"
DIGEST_TALK_DUE = "谈话 {due} 到期"
DIGEST_TALK_LAST = "上次谈话 {last}"
DIGEST_TALK_NONE = "暂无谈话记录"
DIGEST_NO_PEOPLE = "本单位暂无在册人员。"
DIGEST_PAGE = "第 {page}/{pages} 页"

ORG_DIGEST_TITLE = "🏛 各单位学习周报 · {start}—{end}"
ORG_DIGEST_TITLE_CONTINUED = "🏛 各单位学习周报（续）"
ORG_DIGEST_TOTALS = "{units} 个单位、{people} 人 · 本周合计 {week} · {year} 年度合计 {total}"
ORG_DIGEST_COUNTS = "全部：✅ {on_track}  ⚠️ {behind}  🔴 {far_behind} · 谈话逾期 {overdue} · 📵 {unreachable}"
ORG_DIGEST_LEGEND = "✅ 进度正常  ⚠️ 落后  🔴 严重落后  📵 助手联系不上"
ORG_DIGEST_LINE = "{unit}（{people} 人）✅{on_track} ⚠️{behind} 🔴{far_behind} · 本周 {week} · 全年 {year}{extras}"
ORG_DIGEST_OVERDUE = " · 谈话逾期 {count}"
ORG_DIGEST_UNREACHABLE = " · 📵{count}"
ORG_DIGEST_NO_UNITS = "暂无单位数据。"

CHART_TITLE = "{unit} · {year} 年度学习进度"
CHART_SUBTITLE = "截至 {day} · 共 {count} 人 · 按进度排序，最需关注的在上"
CHART_XLABEL = "全年累计{credit}"
CHART_LEGEND_STATUS = {"on_track": "进度正常", "behind": "落后", "far_behind": "严重落后"}
CHART_LEGEND_EXPECTED = "按时间进度应达"
CHART_LEGEND_TARGET = "年度目标"
CHART_VALUE = "{year}/{target}"
CHART_EMPTY = "本单位暂无人员"

EXPORT_PEOPLE_SHEET = "人员汇总"
EXPORT_PEOPLE_HEADERS = (
    "姓名", "单位", "本期{credit}", "全年{credit}", "年度目标", "完成率", "状态", "最近学习", "上次谈话", "能否联系",
)
EXPORT_TOTAL_ROW = "合计"
EXPORT_RECORDS_SHEET = "学习记录"
EXPORT_RECORDS_HEADERS = ("日期", "姓名", "活动", "数量", "单位", "{credit}", "状态", "备注", "登记时间")
EXPORT_TALKS_SHEET = "谈心谈话"
# Talk notes stay between the two people: the export never has a column for them.
EXPORT_TALKS_HEADERS = ("日期", "分管领导", "谈话对象", "记录人")
EXPORT_YES = "是"
EXPORT_NO = "否"

# --- reports (digest on demand, /report, /export) -------------------------------------------
DIGEST_USAGE = "用法：/digest 查看本周；/digest 上周；/digest 2026-11-18 查看那一周。"
DIGEST_FUTURE = "那一周还没到呢。请换一个日期，例如 /digest 上周。"
DIGEST_NOTHING = "您目前没有分管的单位，暂无周报可看。"
DIGEST_PREV = "◀ 上一页"
DIGEST_NEXT = "下一页 ▶"
DIGEST_CHART_CAPTION = "{unit} · 年度进度（竖线为按时间进度应达）"
DIGEST_CHART_DOCUMENT = "{unit} 人数较多，进度图以文件发送，点开可放大查看。"
GAPS_DIGEST_HEADER = "📚 本周知识库缺口（近 {days} 天未答上或被点 👎 的问题）："
GAPS_DIGEST_NONE = "📚 知识库：近 {days} 天没有未答上或被点 👎 的问题。"
REPORT_USAGE = "用法：/report 姓名 或 /report 编号，例如 /report 张明。"
REPORT_NOT_FOUND = "没有找到您可以查看的人员「{name}」。请核对姓名或编号。"
REPORT_AMBIGUOUS = "有多位同名人员，请用编号查询："
REPORT_AMBIGUOUS_LINE = "/report {id}（{unit}）"
REPORT_HEADER = "👤 {name}（{unit}{level}）· {year} 年度"
REPORT_PENDING = "另有待确认 {pending}{credit}（确认后计入）。"
REPORT_RECORDS = "最近的学习记录："
REPORT_RECORD_LINE = "• {day} {activity} {amount}（{credits}，{status}）"
REPORT_NO_RECORDS = "本年度还没有学习记录。"
REPORT_TALKS = "谈心谈话记录："
REPORT_TALK_LINE = "• {day} {supervisor}"
REPORT_NO_TALKS = "暂无谈心谈话记录。"
REPORT_TALK_DUE = "下次谈话：{due}{overdue}"
REPORT_OVERDUE = "（已逾期）"
REPORT_UNREACHABLE = "📵 助手目前联系不上此人（可能已屏蔽助手或尚未绑定）。"
EXPORT_USAGE = "用法：/export 导出本年度；/export 2025；/export 上周；/export 2026-11（某月）。"
EXPORT_CAPTION = "{scope} · {start} 至 {end} 的学习与谈话记录（谈话要点不导出）。"
EXPORT_ORG_SCOPE = "全部单位"

# --- the offline console (bot/console.py) ----------------------------------------------------
CONSOLE_HELP = """控制台命令（以冒号开头）：
  :who            列出演示人员        :as 姓名或编号   切换说话人
  :new            以未绑定的陌生人身份说话  :invites   查看未使用的邀请码
  :upload 路径    以当前身份上传文件  :help      显示本说明      :quit   退出
  :tick 2026-11-23 08:30   把时钟拨到该时刻并运行一次定时任务（提醒、谈话提示、周报）
  输入数字        点击上一条消息的第几个按钮（没有这个按钮时不会发出）
  :say 文本       把文本原样发给机器人（例如要发送纯数字时）
其余输入原样发给机器人，例如 /help、三会一课多久开一次"""
CONSOLE_WELCOME = "离线控制台（演示数据，数据库 data/demo.db）。输入 :help 查看控制台命令，:quit 退出。"
CONSOLE_GUEST = "访客"
CONSOLE_NO_BUTTON = "（没有这个按钮编号）"
CONSOLE_NO_PERSON = "（演示名单里没有「{name}」，用 :who 查看）"
CONSOLE_NOT_JOINED = "（{name} 还没有绑定：用 :new 以陌生人身份发送 /start {code}）"
CONSOLE_SPEAKING_AS = "（现在以 {label} 的身份说话）"
CONSOLE_STRANGER = "（现在以未绑定的陌生人身份说话）"
CONSOLE_UNKNOWN = "（未知的控制台命令，输入 :help 查看）"
CONSOLE_JOINED = "已绑定"
CONSOLE_NOT_JOINED_SHORT = "未绑定，邀请码 {code}"
CONSOLE_ALL_JOINED = "  （所有人都已绑定）"
CONSOLE_TICK_FORMAT = "（时间格式：:tick 2026-11-23 08:30）"
CONSOLE_NOTHING_DUE = "（此刻没有到期的提醒、谈话提示或周报）"
CONSOLE_NO_FILE = "（找不到文件 {path}）"
CONSOLE_EDITED = "（已更新）"
CONSOLE_SAVED = "  📎 {filename}（已保存到 {path}）"
