"""Label sets of Attachments 1–3 (label/value forms), defined in workbooks/schemas/applications.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from aggregator.problems import DataFileError
from aggregator.rulebook.datafiles import data_dir
from aggregator.textnorm import norm

FIELD_TYPES = ("text", "int", "date", "choice", "checkbox", "yesno")
SENSITIVE_KINDS = ("id", "account")
APP_FORMS = ("A1", "A2", "A3")

_NUMBERING = re.compile(
    r"^(?:[(（]?\d+[.．、)）]|[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）])"
)
_TRAILING_NOTE = re.compile(r"\([^()]*\)$")


def label_key(text: object) -> str:
    """Comparable form of a label: norm, no leading 1./一、 number, no trailing colon or （…）."""
    t = norm(text).casefold()
    t = _NUMBERING.sub("", t)
    t = t.rstrip(":")
    while True:
        s = _TRAILING_NOTE.sub("", t).rstrip(":")
        if s == t or not s:
            return t
        t = s


@dataclass(frozen=True)
class AppField:
    """One labelled field of an application form."""

    key: str
    labels: tuple[str, ...]
    type: str
    required: bool = False
    nth: int = 1
    preamble: bool = False
    sensitive: str = ""
    options: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The label as printed, on one line (for messages)."""
        return self.labels[0].replace("\n", "")

    @property
    def keys(self) -> tuple[str, ...]:
        """The labels in comparable form (see ``label_key``)."""
        return tuple(dict.fromkeys(label_key(x) for x in self.labels))


@dataclass(frozen=True)
class AppForm:
    """One of Attachments 1–3: its title words and fields in printed order."""

    form: str
    name: str
    long_name: str
    title_keywords: tuple[str, ...]
    anchor: str
    fields: tuple[AppField, ...]

    def field(self, key: str) -> AppField:
        """The field of a key."""
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def label(self) -> str:
        """附件3 专家服务基层重点联系专家推荐表."""
        return f"{self.name} {self.long_name}"


def _field(form: str, i: int, d: dict[str, object], path: Path) -> AppField:
    where = f"{path.name}：{form} 第{i}个字段"
    for k in ("key", "labels", "type"):
        if k not in d:
            raise DataFileError(f"{where}缺少“{k}”")
    labels, options = d["labels"], d.get("options", [])
    placeholders = d.get("placeholders", [])
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        raise DataFileError(f"{where}：labels 应为非空的文字列表")
    if not isinstance(options, list) or not isinstance(placeholders, list):
        raise DataFileError(f"{where}：options 和 placeholders 应为列表")
    ftype, sensitive, nth = d["type"], d.get("sensitive", ""), d.get("nth", 1)
    if ftype not in FIELD_TYPES:
        raise DataFileError(f"{where}：类型“{ftype}”未知（可用：{'、'.join(FIELD_TYPES)}）")
    if ftype in ("choice", "checkbox") and not options:
        raise DataFileError(f"{where}：{ftype} 类型须列出 options")
    if sensitive and (sensitive not in SENSITIVE_KINDS or ftype != "text"):
        raise DataFileError(f"{where}：sensitive 应为 id 或 account，且类型为 text")
    if isinstance(nth, bool) or not isinstance(nth, int) or nth < 1:
        raise DataFileError(f"{where}：nth 应为不小于1的整数")
    return AppField(
        key=str(d["key"]),
        labels=tuple(labels),
        type=str(ftype),
        required=bool(d.get("required", False)),
        nth=nth,
        preamble=bool(d.get("preamble", False)),
        sensitive=str(sensitive),
        options=tuple(str(o) for o in options),
        placeholders=tuple(str(p) for p in placeholders),
    )


def _form(form: str, d: dict[str, object], path: Path) -> AppForm:
    for k in ("name", "long_name", "title_keywords", "anchor", "fields"):
        if k not in d:
            raise DataFileError(f"{path.name}：表单 {form} 缺少“{k}”")
    raw = d["fields"]
    if not isinstance(raw, list) or not raw:
        raise DataFileError(f"{path.name}：表单 {form} 没有字段")
    fields = tuple(_field(form, i, f, path) for i, f in enumerate(raw, start=1))
    keys = [f.key for f in fields]
    if len(set(keys)) != len(keys):
        raise DataFileError(f"{path.name}：{form} 的字段 key 重复")
    seen: dict[tuple[str, int], str] = {}
    for f in fields:
        for k in f.keys:
            if (k, f.nth) in seen:
                raise DataFileError(
                    f"{path.name}：{form} 的“{f.key}”与“{seen[k, f.nth]}”标签相同（请用 nth 区分）"
                )
            seen[k, f.nth] = f.key
    if d["anchor"] not in keys:
        raise DataFileError(f"{path.name}：{form} 的 anchor“{d['anchor']}”不是字段")
    words = d["title_keywords"]
    if not isinstance(words, list) or not words:
        raise DataFileError(f"{path.name}：{form} 的 title_keywords 应为非空列表")
    return AppForm(
        form, str(d["name"]), str(d["long_name"]), tuple(map(str, words)), str(d["anchor"]), fields
    )


def load_app_forms(path: Path | None = None) -> dict[str, AppForm]:
    """Load and validate applications.toml: the forms A1, A2 and A3."""
    path = path or data_dir("schemas") / "applications.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise DataFileError(f"无法读取申报表定义 {path}：{e}") from None
    out: dict[str, AppForm] = {}
    for form in APP_FORMS:
        if form not in data or not isinstance(data[form], dict):
            raise DataFileError(f"{path.name}：缺少表单 {form}")
        out[form] = _form(form, data[form], path)
    return out


@lru_cache(maxsize=1)
def default_app_forms() -> dict[str, AppForm]:
    """The project's Attachment 1–3 definitions (loaded once)."""
    return load_app_forms()
