"""Every sentence the bot says to people, in one place, in Simplified Chinese.

Handlers and the CLI never build user-facing prose inline; they call these so that tone
stays consistent and a wording fix is one edit.
"""

from __future__ import annotations

from db.roster import RosterError

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
HELP_FOOTER = "也可以直接输入问题，例如「三会一课多久开一次」。"
HELP_ADMIN_FOOTER = "管理员还可以直接把人员名单（.csv 或 .yaml）或知识库文件（含 entries: 的 .yaml）发给我，我会校验后导入。"
HELP_UNKNOWN = WELCOME_UNKNOWN

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
    "unknown_role": "角色只能是 cadre、supervisor、admin（多个用分号分隔）",
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
ASK_NOTHING_TO_MATCH = "没看懂这条消息😊 请用文字描述您的问题，例如「党费怎么交」。"
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
GAPS_HEADER = "近 {days} 天未答上或被点 👎 的问题（按次数排序）："
GAPS_LINE = "{rank}. {example}（{count} 次{down}）\n   最接近：{closest}"
GAPS_DOWN = "，👎 {count}"
GAPS_CLOSEST_NONE = "无"
GAPS_NONE = "近 {days} 天没有未答上或被点 👎 的问题。"
GAPS_BAD_DAYS = "天数应为 1 到 365 之间的整数，例如：/gaps 7"
MORE_ERRORS = "……另有 {count} 条错误"
