"""The one validated configuration model, loaded from config.yaml plus environment overrides.

A wrong key, type or value stops start-up with a single line naming the file, the key and
what is expected, because a bot that starts half-configured fails later, far from the cause.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.schedule_config import DEFAULT_TALK_TOPICS, DigestSettings, ReminderSettings, TalkSettings
from knowledge.settings import KnowledgeSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# In a checkout the shipped config is the config.yaml at its root; an installed wheel carries a
# copy as bot/config.default.yaml (setup.py), which `cadrebot init` writes out for an operator.
FROM_CHECKOUT = (PROJECT_ROOT / "config.yaml").is_file() and (PROJECT_ROOT / "pyproject.toml").is_file()
DEFAULT_CONFIG = (
    PROJECT_ROOT / "config.yaml" if FROM_CHECKOUT else Path(str(resources.files("bot") / "config.default.yaml"))
)


class ConfigError(Exception):
    """A configuration problem, worded as the one line the operator needs to see."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookSettings(_Strict):
    url: str | None = None
    listen: str = "0.0.0.0"
    port: int = Field(8443, ge=1, le=65535)
    path: str = "telegram"
    # The secret token itself comes from this environment variable, never from the file.
    secret_token_env: str = "TELEGRAM_WEBHOOK_SECRET"


class RateLimitSettings(_Strict):
    overall_per_second: float = Field(25, gt=0, le=30)
    max_retries: int = Field(3, ge=0, le=10)


class BotSettings(_Strict):
    username: str = Field("cadrebot", pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
    mode: Literal["polling", "webhook"] = "polling"
    poll_interval: float = Field(0.0, ge=0, le=60)
    webhook: WebhookSettings = WebhookSettings()
    rate_limit: RateLimitSettings = RateLimitSettings()
    token: str | None = Field(None, description="only from TELEGRAM_BOT_TOKEN")
    api_base_url: str | None = Field(None, description="only from TELEGRAM_API_BASE_URL")
    # Updates handled at once (bot/ops/update_order.py): never two of one chat, each chat's in order.
    concurrent_updates: int = Field(16, ge=1, le=256)
    # The operators' listener (GET /healthz, GET /metrics; bot/ops/http.py): host:port, or
    # "off". $CADREBOT_OPS_ADDR overrides it. Port 0 also turns it off.
    ops_addr: str = "127.0.0.1:9090"
    # Errors are also sent to this chat (operators: a group or a person), traceback trimmed,
    # never what was typed; null: only logged.
    ops_chat_id: int | None = None

    @field_validator("ops_addr")
    @classmethod
    def _ops_address(cls, value: str) -> str:
        ops_listen_address(value)  # ValueError names what is wrong
        return value.strip()

    @property
    def ops_listen(self) -> tuple[str, int] | None:
        """(host, port) of the ops listener, or None when it is off."""
        return ops_listen_address(self.ops_addr)


def ops_listen_address(value: str) -> tuple[str, int] | None:
    """'127.0.0.1:9090', '[::1]:9090', ':9090' (every interface), 'off' or port 0 (no listener)."""
    text = value.strip()
    if text.lower() in ("off", "none", "no", "false", ""):
        return None
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"host:port (e.g. 127.0.0.1:9090) or off, got {value!r}")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    return None if int(port) == 0 else (host, int(port))


class DatabaseSettings(_Strict):
    url: str = "sqlite:///data/cadrebot.db"
    echo: bool = False


StudyUnit = Literal["hour", "day", "session", "piece", "question"]

# The most one record may claim, whatever the config says: past these a number is a typo
# (a working day has no more than 24 hours, a month no more than 31 days).
UNIT_MAX_AMOUNT: dict[str, float] = {"hour": 24, "day": 31, "session": 10, "piece": 20, "question": 50}
# Common amounts offered as buttons when an activity names none.
UNIT_DEFAULT_AMOUNTS: dict[str, tuple[float, ...]] = {
    "hour": (1, 1.5, 2, 3), "day": (1, 2, 3, 5), "session": (1, 2), "piece": (1, 2), "question": (1,),
}


class ActivitySettings(_Strict):
    """One kind of study a cadre can log, and the rules its records must keep."""

    # The key travels in button data (64 bytes at most), so it is short ASCII, never the name.
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,19}$")
    name: str = Field(min_length=1, max_length=20)
    unit: StudyUnit
    credits_per_unit: float = Field(gt=0, le=100)
    daily_cap: float | None = Field(None, gt=0, description="units per activity per local day")
    note_required: bool = False
    note_hint: str = Field("", max_length=30, description="what to write in the note, e.g. 书名")
    needs_confirmation: bool = False
    aliases: tuple[str, ...] = ()
    amounts: tuple[float, ...] = ()
    # False: the bot records it by itself (the quiz's right answers), so /study, /session and
    # reminder buttons never offer it, while /credits, targets and digests count it as any other.
    manual: bool = True

    @model_validator(mode="after")
    def _amounts_within_limits(self) -> ActivitySettings:
        limit = min(UNIT_MAX_AMOUNT[self.unit], self.daily_cap or UNIT_MAX_AMOUNT[self.unit])
        if self.daily_cap is not None and self.daily_cap > UNIT_MAX_AMOUNT[self.unit]:
            raise ValueError(f"daily_cap of {self.key} must not exceed {UNIT_MAX_AMOUNT[self.unit]:g} per {self.unit}")
        for amount in self.amounts:
            if not 0 < amount <= limit:
                raise ValueError(f"amounts of {self.key} must be above 0 and at most {limit:g}")
        return self

    @property
    def button_amounts(self) -> tuple[float, ...]:
        """The amounts offered as buttons: the configured ones, or the unit's usual ones under the cap."""
        if self.amounts:
            return self.amounts
        limit = self.daily_cap or UNIT_MAX_AMOUNT[self.unit]
        return tuple(a for a in UNIT_DEFAULT_AMOUNTS[self.unit] if a <= limit) or (limit,)

    @property
    def names(self) -> tuple[str, ...]:
        """Everything a cadre may type to mean this activity."""
        return (self.name, self.key, *self.aliases)


class TargetSettings(_Strict):
    """Yearly targets in credits. A person's target is the first that applies of:
    their roster `target`, by_level[level], by_unit[unit], by_role (first listed role they
    hold), yearly. Level comes before unit because it carries the regulation's minimum for
    the person's rank, while a unit rule is a local policy for everyone in it."""

    yearly: float = Field(90, gt=0, le=10_000)
    by_level: dict[str, float] = {}
    by_unit: dict[str, float] = {}
    by_role: dict[str, float] = {}

    @field_validator("by_level", "by_unit", "by_role")
    @classmethod
    def _sane_targets(cls, value: dict[str, float]) -> dict[str, float]:
        for key, target in value.items():
            if not 0 < target <= 10_000:
                raise ValueError(f"target for {key!r} must be above 0 and at most 10000")
        return value

    @field_validator("by_role")
    @classmethod
    def _known_roles(cls, value: dict[str, float]) -> dict[str, float]:
        for role in value:
            if role not in ("cadre", "supervisor", "admin"):
                raise ValueError(f"unknown role {role!r} (cadre, supervisor or admin)")
        return value


class SessionSettings(_Strict):
    """Collective sessions (/session, handlers/sessions.py): how long 签到 stays open, the
    amount credited when the organiser names none, and how often the live count is redrawn."""

    window_minutes: int = Field(120, ge=5, le=24 * 60, description="签到 stays open this long after the start")
    # Per activity key, in the activity's unit; an activity not listed gets the first of its amounts.
    default_amounts: dict[str, float] = {}
    # The organiser's 已签到 count is edited at most this often (Telegram allows one edit a
    # second per chat; 500 presses in ten seconds must not become 500 edits).
    count_refresh_seconds: float = Field(3, ge=0, le=600)

    @field_validator("default_amounts")
    @classmethod
    def _positive_amounts(cls, value: dict[str, float]) -> dict[str, float]:
        for key, amount in value.items():
            if not 0 < amount <= 31:
                raise ValueError(f"default amount for {key!r} must be above 0 and at most 31")
        return value


class StudySettings(_Strict):
    """Study credits: what counts, how much, by when, and how far back one may log."""

    credit_name: str = Field("学时", min_length=1, max_length=6)
    year_start_month: int = Field(1, ge=1, le=12, description="each study year begins on the 1st of this month")
    undo_hours: float = Field(24, ge=0, le=24 * 30)
    # A record (or a /fix request) waiting this long for its confirmers is sent to them once more
    # (bot/scheduling/review_prompts.py), with the day's talk prompts.
    confirm_resend_days: int = Field(7, ge=1, le=90, description="re-send a waiting confirmation once after this")
    backdate_days: int = Field(30, ge=0, le=366)
    max_note_chars: int = Field(200, ge=10, le=500)
    targets: TargetSettings = TargetSettings()
    activities: tuple[ActivitySettings, ...] = ()
    sessions: SessionSettings = SessionSettings()

    @model_validator(mode="after")
    def _session_amounts_known(self) -> StudySettings:
        for key, amount in self.sessions.default_amounts.items():
            activity = self.activity(key)
            if activity is None:
                raise ValueError(f"sessions.default_amounts: unknown activity {key!r}")
            if activity.daily_cap is not None and amount > activity.daily_cap:
                raise ValueError(f"sessions.default_amounts: {key} is above its daily_cap {activity.daily_cap:g}")
        return self

    def session_amount(self, activity: ActivitySettings) -> float:
        """What a /session credits when the organiser names no 时长."""
        return self.sessions.default_amounts.get(activity.key, activity.button_amounts[0])

    @model_validator(mode="after")
    def _unique_names(self) -> StudySettings:
        """A name, alias or key meaning two activities would make typed input ambiguous."""
        keys = [a.key for a in self.activities]
        if len(keys) != len(set(keys)):
            raise ValueError("activities: every key must be unique")
        owners: dict[str, str] = {}
        for activity in self.activities:
            for name in activity.names:
                owner = owners.setdefault(name.lower(), activity.key)
                if owner != activity.key:
                    raise ValueError(f"activities: {name!r} names both {owner} and {activity.key}")
        return self

    def activity(self, key: str) -> ActivitySettings | None:
        return next((a for a in self.activities if a.key == key), None)

    @property
    def loggable(self) -> tuple[ActivitySettings, ...]:
        """The activities people log by hand (/study, /session, reminder buttons): not `manual: false`."""
        return tuple(a for a in self.activities if a.manual)

    def loggable_activity(self, key: str) -> ActivitySettings | None:
        """An activity a button or a typed line may log; None for one the bot records itself."""
        activity = self.activity(key)
        return activity if activity is not None and activity.manual else None

    def activity_name(self, key: str) -> str:
        """The name to show for a stored record; its key if the activity left the config."""
        activity = self.activity(key)
        return activity.name if activity else key


class QuizSettings(_Strict):
    """每日一题 / 专题测验 (/quiz, handlers/quiz.py). A right answer is one unit of `activity`
    (unit `question`, `manual: false`): its credits_per_unit is what a right answer earns and its
    daily_cap how many right answers earn credits a day, 每日一题 and 专题 together."""

    per_day: int = Field(5, ge=1, le=20, description="questions in a day's selection (and in a 专题 round)")
    no_repeat_days: int = Field(90, ge=0, le=3650, description="a question answered right is not asked again for this long")
    activity: str = Field("dati", pattern=r"^[a-z][a-z0-9_]{0,19}$", description="the study activity right answers count for")
    wrong_min_answers: int = Field(5, ge=1, le=1000, description="admins' digest: an item needs this many answers in the week")
    wrong_top: int = Field(5, ge=1, le=20, description="admins' digest: how many of the most often wrong items it lists")


class ConversationSettings(_Strict):
    """How long a multi-step flow waits for the person (bot/chat/flows.py). Past its time a draft is
    dropped and the person told so once; talk notes arriving late are refused, never taken
    for a question, for `late_notes_hours` after the notes step closed."""

    timeout_minutes: int = Field(10, ge=1, le=24 * 60, description="a /study draft, a /talk topic, a reason asked")
    notes_minutes: int = Field(30, ge=1, le=24 * 60, description="the notes step after 已谈")
    late_notes_hours: int = Field(24, ge=1, le=24 * 7, description="after it, text is not taken for a question")


class RosterSettings(_Strict):
    """Roster imports (handlers/roster.py, `cadrebot roster import`): always previewed first."""

    # A full list that would deactivate more than this share of the active people says so
    # prominently in its preview: it is probably a partial list sent as a whole one.
    deactivate_warning_share: float = Field(0.2, ge=0, le=1)
    # How long a preview's buttons stay good; after it the admin is asked to upload again.
    preview_hours: float = Field(24, gt=0, le=24 * 30)


class RetentionSettings(_Strict):
    """How long questions and finished deliveries are kept (db/retention.py); null keeps them.
    At least 30 days: the admins' digest reads a week of both, and /gaps up to a year back (a
    shorter period shortens what /gaps can show)."""

    questions_days: int | None = Field(730, ge=30, le=36_500)
    deliveries_days: int | None = Field(180, ge=30, le=36_500)
    batch_rows: int = Field(5000, ge=100, le=100_000, description="rows deleted per statement")
    every_hours: float = Field(6, gt=0, le=24 * 7, description="how often the scheduler's leader prunes")


class ReadingSettings(_Strict):
    """The week's reading (“三个一”: 一周一篇; knowledge/readings.py, handlers/readings.py).

    Credits are recorded under `activity`, by default 读书笔记 (dushu): a reading read and
    reflected on is what that activity already counts (seeds: 一周选读一篇优秀论文), so the
    digest and targets see one kind of reading study, not two that could be logged for the
    same article. The amount is the credits divided by the activity's credits_per_unit (1
    学时 = 0.5 篇 at 2 学时 a 篇). Its daily_cap applies: a reading credit the cap would pass
    is refused and the cadre told so, never dropped silently."""

    paths: list[str] = Field(default_factory=lambda: ["knowledge/readings"],
                             description="files or folders of readings (knowledge/readings.py)")
    activity: str = Field("dushu", description="the study activity reading credits are recorded under")
    read_credits: float = Field(1, gt=0, le=8, description="credits for 已读, when a reading names none")
    notes_credits: float = Field(1, gt=0, le=8, description="credits more for a 心得, when a reading names none")
    notes_min_chars: int = Field(100, ge=1, le=2000, description="a 心得 needs at least this many characters")
    notes_max_chars: int = Field(2000, ge=10, le=3500, description="a 心得 may have at most this many")
    # The reminder schedule (reminders.schedules key) that carries the week's reading; null: none.
    reminder: str | None = "monday_meeting"

    @model_validator(mode="after")
    def _min_below_max(self) -> ReadingSettings:
        if self.notes_min_chars > self.notes_max_chars:
            raise ValueError("notes_min_chars must not exceed notes_max_chars")
        return self


class Config(_Strict):
    timezone: str = "Asia/Shanghai"
    bot: BotSettings = BotSettings()
    database: DatabaseSettings = DatabaseSettings()
    knowledge: KnowledgeSettings = KnowledgeSettings()
    study: StudySettings = StudySettings()
    quiz: QuizSettings = QuizSettings()
    reminders: ReminderSettings = ReminderSettings()
    talks: TalkSettings = TalkSettings(topics=DEFAULT_TALK_TOPICS)
    digest: DigestSettings = DigestSettings()
    roster: RosterSettings = RosterSettings()
    conversations: ConversationSettings = ConversationSettings()
    retention: RetentionSettings = RetentionSettings()
    readings: ReadingSettings = ReadingSettings()
    # Where relative paths in the file are resolved: the folder holding the config file.
    base_dir: Path = PROJECT_ROOT

    @model_validator(mode="after")
    def _quiz_activity_fits(self) -> Config:
        """The quiz's activity, when configured, is the bot's own (manual: false) and counts
        questions. A config without it has no quiz (/quiz says so): a config written before
        the quiz existed still starts."""
        activity = self.study.activity(self.quiz.activity)
        if activity is not None and (activity.manual or activity.unit != "question"):
            raise ValueError(f"quiz.activity: {activity.key} must have unit: question and manual: false")
        return self

    @property
    def quiz_activity(self) -> ActivitySettings | None:
        """The activity a right answer is recorded for; None: no quiz (no bank or no activity)."""
        return self.study.activity(self.quiz.activity) if self.knowledge.quiz else None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"an IANA timezone name such as Asia/Shanghai, got {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @model_validator(mode="after")
    def _readings_fit(self) -> Config:
        """A `readings:` section written in the file must name an activity that exists and
        counts at once. Without the section (a minimal config, no activities) the defaults
        stand, and /reading says credits cannot be recorded until the activity exists."""
        readings = self.readings
        if "readings" not in self.model_fields_set:
            return self
        activity = self.study.activity(readings.activity)
        if activity is None:
            raise ValueError(f"readings.activity: unknown activity {readings.activity!r} (a key of study.activities)")
        if activity.needs_confirmation:
            raise ValueError(f"readings.activity: {readings.activity} needs confirmation; reading credits count at once")
        return self

    @property
    def reading_paths(self) -> list[Path]:
        return [self.resolve_knowledge(p) for p in self.readings.paths]

    def resolve(self, path: str | Path) -> Path:
        """A path from the config, made absolute against the config file's folder."""
        candidate = Path(path)
        return candidate if candidate.is_absolute() else self.base_dir / candidate

    def resolve_knowledge(self, path: str | Path) -> Path:
        """A knowledge path from the config: like `resolve`, except that a relative path under
        knowledge/ (the shipped `knowledge/base`, `knowledge/synonyms`) missing beside the config
        file is the package's own copy, so an installed package run anywhere still has its base.
        An absolute path is never replaced: a folder that was named and is missing is an error."""
        resolved = self.resolve(path)
        if resolved.exists() or Path(path).is_absolute():
            return resolved
        return packaged_knowledge(path) or resolved

    @property
    def knowledge_paths(self) -> list[Path]:
        return [self.resolve_knowledge(p) for p in self.knowledge.paths]

    @property
    def synonym_paths(self) -> list[Path]:
        return [self.resolve_knowledge(p) for p in self.knowledge.synonyms]

    @property
    def quiz_paths(self) -> list[Path]:
        return [self.resolve_knowledge(p) for p in self.knowledge.quiz]

    @property
    def database_url(self) -> str:
        return absolutize_sqlite_url(self.database.url, self.base_dir)


def absolutize_sqlite_url(url: str, base_dir: Path) -> str:
    """Relative SQLite paths are relative to the config file, not to wherever the bot was started."""
    for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
        if url.startswith(prefix):
            rest = url[len(prefix):]
            if rest and not rest.startswith(":memory:") and not Path(rest).is_absolute():
                return prefix + str(base_dir / rest)
    return url


def packaged_knowledge(path: str | Path) -> Path | None:
    """`knowledge/<rest>` inside the installed knowledge package, when it is there."""
    parts = Path(path).parts
    if len(parts) < 2 or parts[0] != "knowledge":
        return None
    shipped = resources.files("knowledge").joinpath(*parts[1:])
    return Path(str(shipped)) if shipped.is_dir() or shipped.is_file() else None


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """$CADREBOT_CONFIG, else config.yaml in the current folder, else (in a checkout only) the
    checkout's. An installed package never falls back to its own copy: relative paths would
    then put the database inside site-packages."""
    env = os.environ if env is None else env
    if env.get("CADREBOT_CONFIG"):
        return Path(env["CADREBOT_CONFIG"]).resolve()
    local = Path.cwd() / "config.yaml"
    return local if local.exists() or not FROM_CHECKOUT else DEFAULT_CONFIG


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read, override from the environment, and validate; raise ConfigError with one clear line."""
    env = os.environ if env is None else env
    path = path or config_path(env)
    raw = _read_yaml(path)
    _apply_env(path, raw, env)
    try:
        return Config.model_validate({**raw, "base_dir": path.parent})
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found (set CADREBOT_CONFIG, or write one with `cadrebot init DIR`)") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    if "base_dir" in data:
        raise ConfigError(f"{path}: base_dir: unknown key (it is derived from the file's location)")
    return data


_ENV_ONLY = {"token": "TELEGRAM_BOT_TOKEN", "api_base_url": "TELEGRAM_API_BASE_URL"}


def _apply_env(path: Path, raw: dict[str, Any], env: Mapping[str, str]) -> None:
    bot = raw.setdefault("bot", {}) or {}
    raw["bot"] = bot
    if not isinstance(bot, dict):
        return  # validation will name the key
    for key, env_name in _ENV_ONLY.items():
        if key in bot:
            raise ConfigError(f"{path}: bot.{key}: must not be in the file; set the environment variable {env_name}")
    if env.get("TELEGRAM_BOT_TOKEN"):
        bot["token"] = env["TELEGRAM_BOT_TOKEN"].strip()
    if env.get("TELEGRAM_API_BASE_URL"):
        bot["api_base_url"] = env["TELEGRAM_API_BASE_URL"].strip().rstrip("/")
    if env.get("CADREBOT_OPS_ADDR"):
        bot["ops_addr"] = env["CADREBOT_OPS_ADDR"].strip()
    if env.get("DATABASE_URL"):
        database = raw.setdefault("database", {}) or {}
        raw["database"] = database
        if isinstance(database, dict):
            database["url"] = env["DATABASE_URL"].strip()


def _describe(path: Path, exc: ValidationError) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{path}: {key}: unknown key"
    message = error["msg"].removeprefix("Value error, ")
    got = error.get("input")
    shown = f" (got {got!r})" if got is not None and not isinstance(got, (dict, list)) else ""
    return f"{path}: {key}: {message}{shown}"
