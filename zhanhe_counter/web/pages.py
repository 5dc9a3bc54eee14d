"""The progress page's HTML (办件进度查询页), mobile first, in Chinese, without scripts.

Everything interpolated goes through ``html.escape``; the page loads nothing from elsewhere (one
inline style sheet), so it opens quickly on a weak phone signal and its Content-Security-Policy
can forbid every script.
"""

from __future__ import annotations

from datetime import date
from html import escape

from zhanhe_counter.domain.case_number import format_case_number
from zhanhe_counter.services.progress import ProgressOffice, ProgressView

_STYLE = """
*{box-sizing:border-box}
body{margin:0;background:#f2f4f7;color:#1d2129;font:16px/1.6 -apple-system,"PingFang SC",
"Noto Sans CJK SC","Microsoft YaHei",sans-serif;-webkit-text-size-adjust:100%}
header{background:#c41e24;color:#fff;padding:14px 16px}
header h1{margin:0;font-size:19px;font-weight:600}
header p{margin:2px 0 0;font-size:13px;opacity:.9}
main{max-width:560px;margin:0 auto;padding:12px}
.card{background:#fff;border-radius:10px;padding:14px 16px;margin:0 0 12px;
box-shadow:0 1px 2px rgba(0,0,0,.06)}
.card h2{margin:0 0 8px;font-size:16px;color:#4e5969;font-weight:600}
.status{font-size:22px;font-weight:700;margin:0}
.status.done{color:#00864e}.status.wait{color:#c46a00}.status.work{color:#165dff}
.next{margin:6px 0 0;color:#4e5969}
dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:4px 12px}
dt{color:#86909c}dd{margin:0;word-break:break-all}
ul.missing{margin:0;padding-left:20px}ul.missing li{margin:2px 0}
.due{margin:8px 0 0;font-weight:600;color:#c41e24}
ol.steps{list-style:none;margin:0;padding:0}
ol.steps li{position:relative;padding:0 0 10px 18px;border-left:2px solid #e5e6eb;margin-left:5px}
ol.steps li:last-child{border-color:transparent;padding-bottom:0}
ol.steps li::before{content:"";position:absolute;left:-7px;top:6px;width:12px;height:12px;
border-radius:50%;background:#165dff}
ol.steps time{display:block;font-size:13px;color:#86909c}
label{display:block;margin:10px 0 4px;font-weight:600}
input{width:100%;font-size:18px;padding:12px;border:1px solid #c9cdd4;border-radius:8px;
letter-spacing:.5px}
button,.button{display:block;width:100%;margin:16px 0 4px;padding:13px;font-size:18px;
border:0;border-radius:8px;background:#c41e24;color:#fff;text-align:center;text-decoration:none}
.error{background:#fff1f0;border:1px solid #ffccc7;color:#a8071a}
.hint{font-size:13px;color:#86909c;margin:8px 0 0}
#collect p{margin:0}
footer{max-width:560px;margin:0 auto;padding:4px 16px 24px;font-size:13px;color:#86909c}
"""


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _layout(title: str, body: str, office: ProgressOffice) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(title)} - {escape(office.hall_name)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<header><h1>办件进度查询</h1><p>{escape(office.hall_name)}</p></header>"
        f"<main>{body}</main>"
        f"<footer>咨询电话：{escape(office.consult_phone)}　本页不显示证件号码等个人信息。</footer>"
        "</body></html>"
    )


def form_page(
    office: ProgressOffice, *, number: str = "", code: str = "", error: str | None = None
) -> str:
    """The lookup form, with the refusal sentence above it when there is one."""
    message = f'<div class="card error" role="alert">{escape(error)}</div>' if error else ""
    body = (
        f"{message}"
        '<form class="card" method="get" action="/q">'
        '<label for="no">办件编号</label>'
        f'<input id="no" name="no" value="{escape(number)}" autocomplete="off" '
        'autocapitalize="characters" maxlength="40" placeholder="收件凭证上的22位编号">'
        '<label for="c">查询码</label>'
        f'<input id="c" name="c" value="{escape(code)}" autocomplete="off" '
        'autocapitalize="characters" maxlength="12" placeholder="编号旁的6位查询码">'
        '<button type="submit">查询</button>'
        '<p class="hint">扫描收件凭证、受理通知书上的二维码可直接查询。</p>'
        "</form>"
    )
    return _layout("查询", body, office)


def _status_class(view: ProgressView) -> str:
    if view.finished:
        return "done"
    if view.missing:
        return "wait"
    return "work"


def progress_page(view: ProgressView, office: ProgressOffice) -> str:
    """One case's progress."""
    facts = [
        ("办件编号", format_case_number(view.case_number)),
        ("申请人", view.masked_name),
        ("办理事项", view.matter_name),
    ]
    if view.department_name:
        facts.append(("审批部门", view.department_name))
    if view.promised_due:
        facts.append(("承诺办结", _day(view.promised_due) + "前"))
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    parts = [
        '<section class="card" aria-label="办理状态">'
        f'<p class="status {_status_class(view)}" id="status">{escape(view.status)}</p>'
        f'<p class="next">{escape(view.next_step)}</p></section>',
        f'<section class="card"><h2>办件信息</h2><dl>{rows}</dl></section>',
    ]
    if view.missing:
        items = "".join(
            f"<li>{escape(m.name)}{'（' + escape(m.note) + '）' if m.note else ''}</li>"
            for m in view.missing
        )
        due = (
            f'<p class="due" id="missing-due">请于{_day(view.missing_due)}前补齐</p>'
            if view.missing_due
            else ""
        )
        parts.append(
            f'<section class="card" id="missing"><h2>待补材料</h2>'
            f'<ul class="missing">{items}</ul>{due}</section>'
        )
    parts.append(
        f'<section class="card" id="collect"><h2>领取方式</h2><p>{escape(view.collect)}</p>'
        "</section>"
    )
    steps = "".join(
        f'<li><time datetime="{s.day.isoformat()}">{_day(s.day)}</time>{escape(s.label)}</li>'
        for s in reversed(view.steps)
    )
    parts.append(f'<section class="card"><h2>办理进程</h2><ol class="steps">{steps}</ol></section>')
    parts.append('<a class="button" href="/q">查询其他办件</a>')
    return _layout(view.status, "".join(parts), office)


def message_page(office: ProgressOffice, title: str, message: str) -> str:
    """A plain message (e.g. the service is down)."""
    body = f'<div class="card error" role="alert">{escape(message)}</div>'
    return _layout(title, body, office)
