"""`gigmarket gigs screen FILE.jsonl [--json]`: screen postings from a file, one JSON per line.

Each line holds {"id", "trade", "title", "description", "pay_amount", "pay_unit", "settlement"}
and optionally "area_code" and "daily_hours". `trade` is a 大典 code or a trade name as postings
say it ("保洁", "电工", "小工"); an unknown trade skips the wage-guide rules only. A malformed
line is reported as {"id": ..., "decision": "review", "reasons": ["格式错误: ..."]} and the
command goes on; it always exits 0. Needs no database and no app: without the app's settings,
run it as `python -m webapp.screening.cli [gigs] screen FILE.jsonl --json`.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import click
from flask import has_app_context
from flask_babel import force_locale

from webapp.screening.engine import PAY_UNITS, Finding, Posting, screen
from webapp.screening.train import train_command

# Chinese words accepted for pay_unit besides hour/day/piece/month.
_UNIT_ALIASES = {"小时": "hour", "时": "hour", "天": "day", "日": "day", "件": "piece"}
_UNIT_ALIASES |= {"计件": "piece", "月": "month"}
_AREA_CODE = re.compile(r"\d{6}")
_FORMAT_ERROR = "格式错误: "


class LineError(ValueError):
    """A line that is not a usable posting; `reason` is plain Chinese for the report."""

    def __init__(self, posting_id: Any, reason: str) -> None:
        super().__init__(reason)
        self.posting_id = posting_id
        self.reason = reason


def _text_field(data: dict, key: str, posting_id: Any) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise LineError(posting_id, f"{_FORMAT_ERROR}{key} 应为文字")


def _number(value: Any, key: str, posting_id: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise LineError(posting_id, f"{_FORMAT_ERROR}{key} 应为数字")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise LineError(posting_id, f"{_FORMAT_ERROR}{key} 应为数字") from None
    if not number.is_finite() or number <= 0:
        raise LineError(posting_id, f"{_FORMAT_ERROR}{key} 应为大于0的数字")
    return number


def parse_line(line: str) -> Posting:
    """One line of the file as a Posting; LineError (with the id when known) if it is not one."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as err:
        raise LineError(None, f"{_FORMAT_ERROR}不是有效的JSON（第{err.colno}个字符）") from None
    if not isinstance(data, dict):
        raise LineError(None, f"{_FORMAT_ERROR}每行应为一个JSON对象")
    posting_id = data.get("id")
    if isinstance(posting_id, bool) or not isinstance(posting_id, str | int):
        raise LineError(None, f"{_FORMAT_ERROR}缺少id，或id不是文字或整数")
    title = _text_field(data, "title", posting_id) or ""
    description = _text_field(data, "description", posting_id) or ""
    if not (title.strip() or description.strip()):
        raise LineError(posting_id, f"{_FORMAT_ERROR}title 和 description 至少要填一项")
    trade = _text_field(data, "trade", posting_id)
    settlement = _text_field(data, "settlement", posting_id)
    pay_amount = _number(data.get("pay_amount"), "pay_amount", posting_id)
    pay_unit = _text_field(data, "pay_unit", posting_id)
    if pay_unit is not None:
        pay_unit = _UNIT_ALIASES.get(pay_unit.strip(), pay_unit.strip().lower())
        if pay_unit not in PAY_UNITS:
            raise LineError(posting_id, f"{_FORMAT_ERROR}pay_unit 应为 hour、day、piece 或 month")
    elif pay_amount is not None:
        raise LineError(posting_id, f"{_FORMAT_ERROR}填了 pay_amount 就要填 pay_unit")
    area_code = _text_field(data, "area_code", posting_id)
    if area_code is not None and not _AREA_CODE.fullmatch(area_code):
        raise LineError(posting_id, f"{_FORMAT_ERROR}area_code 应为6位行政区划代码")
    daily_hours = _number(data.get("daily_hours"), "daily_hours", posting_id)
    if daily_hours is not None and daily_hours > 24:
        raise LineError(posting_id, f"{_FORMAT_ERROR}daily_hours 不能超过24")
    return Posting(
        id=posting_id,
        trade=trade,
        title=title,
        description=description,
        pay_amount=pay_amount,
        pay_unit=pay_unit,
        settlement=settlement,
        area_code=area_code,
        daily_hours=daily_hours,
    )


def reason_zh(finding: Finding) -> str:
    """The reason in Chinese: from the zh_CN catalogue when an app is active, else message_zh."""
    if has_app_context():
        with force_locale("zh_CN"):
            chinese = str(finding.message)
        with force_locale("en"):
            english = str(finding.message)
        if chinese != english:  # the catalogue translates it
            return chinese
    return finding.message_zh


def screen_lines(lines, *, today: date | None = None, likeness: bool = True):
    """Yield a report {"id", "decision", "reasons"} for each non-blank line."""
    for line in lines:
        if not line.strip():
            continue
        try:
            posting = parse_line(line)
        except LineError as err:
            yield {"id": err.posting_id, "decision": "review", "reasons": [err.reason]}
            continue
        result = screen(posting, today=today, likeness=likeness)
        reasons = [reason_zh(f) for f in result.findings]
        yield {"id": posting.id, "decision": result.decision, "reasons": reasons}


gigs_cli = click.Group("gigs", help="Gig postings.")


@gigs_cli.command("screen")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per posting.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Screen as on this date (YYYY-MM-DD): picks the minimum wage in force. Default: today.",
)
@click.option(
    "--rules-only",
    is_flag=True,
    help="Leave out the likeness model (likeness.py): the rules of rules.toml and pay only.",
)
def screen_command(file, as_json: bool, today, rules_only: bool) -> None:
    """Screen the postings in FILE (JSON Lines; - reads standard input) and print the decisions."""
    on = today.date() if today else None
    counts = {"pass": 0, "review": 0, "block": 0}
    if not as_json:
        click.echo(f"{'id':<12} {'decision':<7} reasons")
    for report in screen_lines(file, today=on, likeness=not rules_only):
        counts[report["decision"]] += 1
        if as_json:
            click.echo(json.dumps(report, ensure_ascii=False))
        else:
            reasons = "；".join(report["reasons"]) or "-"
            click.echo(f"{report['id']!s:<12} {report['decision']:<7} {reasons}")
    if not as_json:
        total = sum(counts.values())
        click.echo(
            f"{total} postings: {counts['pass']} pass, {counts['review']} review, "
            f"{counts['block']} block"
        )


gigs_cli.add_command(train_command)


def main(argv: list[str] | None = None) -> None:
    """`python -m webapp.screening.cli [gigs] screen FILE --json`: no Flask app needed."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["gigs"]:
        args = args[1:]
    gigs_cli.main(args=args, prog_name="gigs")


if __name__ == "__main__":
    main()
