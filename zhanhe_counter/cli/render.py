"""``zhanhe-admin render``: list the document templates, or render one from field values in JSON.

For the Bureau's administrator editing wording in ``forms/``: check a template and see the
paper before it reaches a counter.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from zhanhe_counter.cli.common import EXIT_OK, UserError, print_json

_SUFFIXES = (".pdf", ".png", ".bin")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``render`` to the parser."""
    parser = sub.add_parser(
        "render",
        help="列出文书模板，或用 JSON 字段值生成文书（PDF；小票可生成 PNG 或 ESC/POS 字节）",
        description="列出文书模板及其字段，或用 JSON 字段值生成一份文书。",
    )
    parser.add_argument(
        "form_id", nargs="?", metavar="FORM_ID", help="文书模板编号，如 acceptance_notice"
    )
    parser.add_argument("--list", action="store_true", help="列出全部文书模板及其字段")
    parser.add_argument("--data", type=Path, metavar="FILE.json", help="字段值（JSON 对象）")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="OUT",
        help="输出文件：.pdf；小票还可 .png（图像）或 .bin（ESC/POS）",
    )
    parser.add_argument("--forms", type=Path, metavar="DIR", help="模板目录（默认随程序的 forms/）")
    parser.add_argument(
        "--font",
        action="append",
        default=[],
        metavar="PATH[#N]",
        help="指定字体文件（可重复；第一个为正文字体，其余为缺字备用字体）",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from zhanhe_counter.adapters.printing.templates import load_all

    if args.forms is not None and not args.forms.is_dir():
        raise UserError(f"模板目录不存在：{args.forms}")
    templates = load_all(args.forms)
    if args.list:
        print_json(
            [
                {
                    "id": t.id,
                    "title": t.title,
                    "version": t.version,
                    "paper": t.paper,
                    "fields": [f.describe() for f in t.fields.values()],
                }
                for t in templates.values()
            ]
        )
        return EXIT_OK
    if not args.form_id:
        raise UserError("请指定文书模板编号，或用 --list 查看全部模板")
    template = templates.get(args.form_id)
    if template is None:
        raise UserError(f"没有文书模板“{args.form_id}”。可用：{'、'.join(templates)}")
    if args.data is None or args.out is None:
        raise UserError("请用 --data 指定字段值文件，用 --out 指定输出文件")
    values = _read_values(args.data)
    suffix = args.out.suffix.lower()
    if suffix not in _SUFFIXES:
        raise UserError("输出文件须以 .pdf、.png 或 .bin 结尾")
    if suffix in (".png", ".bin") and template.paper != "80mm":
        raise UserError(f"“{template.title}”是 A4 文书，只能输出 PDF")

    from zhanhe_counter.adapters.fonts import resolve_fonts
    from zhanhe_counter.adapters.printing.pdf import FormRenderer

    renderer = FormRenderer(templates, resolve_fonts(args.font))
    if suffix == ".pdf":
        content = renderer.render_pdf(template.id, values).content
    elif suffix == ".png":
        content = renderer.render_raster(template.id, values).content
    else:
        from zhanhe_counter.adapters.printing import ticket
        from zhanhe_counter.adapters.printing.escpos_encode import encode_raster

        content = encode_raster(ticket.render_ticket_image(template, values, renderer.fonts))
    try:
        args.out.write_bytes(content)
    except OSError as error:
        raise UserError(f"无法写入输出文件 {args.out}：{error.strerror}") from None
    print(f"已生成 {args.out}（{template.title} 模板版本 {template.version}，{len(content)} 字节）")
    return EXIT_OK


def _read_values(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"无法读取字段值文件 {path}：{error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserError(f"字段值文件 {path} 不是有效的 UTF-8 JSON：{error}") from None
    if not isinstance(data, dict):
        raise UserError("字段值文件须为 JSON 对象（字段名: 值）")
    return data
