"""Official Account renderer: the menu API body, the reply table for `gen oa serve`, and links for editors."""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import html
import io
import json
import os
from pathlib import Path
from typing import Any

from ..blocks.contact import ContactBlock
from ..plan.links import Link, LinkKind, h5_file, h5_url, miniprogram_path
from ..plan.site import Site
from ..spec.official_account import CONTACT_KEY, MenuAction, Reply
from ..write.output import OutputFile, text_file
from .target import BatchTarget

ROOT = "official-account"
KIND_NAMES = {"page": "页面", "category": "分类", "product": "商品"}


def render_official_account(site: Site) -> list[OutputFile]:
    if site.spec.official_account is None:
        return []
    return [
        text_file(f"{ROOT}/menu.json", menu_json(site), "generator.targets.official_account"),
        text_file(f"{ROOT}/replies.json", replies_json(site), "generator.targets.official_account"),
        *links(site),
    ]


TARGET = BatchTarget("official-account", ROOT, render_official_account)


# --- addresses ------------------------------------------------------------------------------------------


def _addresses(site: Site, kind: LinkKind, target: str, title: str) -> tuple[str, str, str]:
    """(title, mini-program path without its leading /, H5 file), as the two targets format the link."""
    link = Link(kind, target)
    return title, miniprogram_path(link, site.page_paths).removeprefix("/"), h5_file(link, site.home_page)


def page_targets(site: Site) -> dict[str, tuple[str, str, str]]:
    """Page id -> (title, mini-program path, H5 file)."""
    return {r.page.id: _addresses(site, "page", r.page.id, r.page.title) for r in site.routes}


def product_targets(site: Site) -> dict[str, tuple[str, str, str]]:
    products = site.catalog_data["products"] if site.catalog_data else {}
    return {pid: _addresses(site, "product", pid, product["name"]) for pid, product in products.items()}


def category_targets(site: Site) -> dict[str, tuple[str, str, str]]:
    categories = site.catalog_data["categories"] if site.catalog_data else []
    return {c["id"]: _addresses(site, "category", c["id"], c["name"]) for c in categories}


def _target(site: Site, item: MenuAction | Reply) -> tuple[str, str, str] | None:
    if item.page:
        return page_targets(site)[item.page]
    if item.product:
        return product_targets(site)[item.product]
    if item.category:
        return category_targets(site)[item.category]
    return None


# --- menu.json --------------------------------------------------------------------------------------------


def menu_json(site: Site) -> str:
    """Exactly the body of POST /cgi-bin/menu/create, in UTF-8 (WeChat answers 40033 to \\u escapes)."""
    return json.dumps(menu_body(site), ensure_ascii=False, indent=2) + "\n"


def menu_body(site: Site) -> dict[str, Any]:
    oa = site.spec.official_account
    assert oa is not None
    buttons = []
    for button in oa.menu:
        if button.items is not None:
            buttons.append(
                {"name": button.name, "sub_button": [_button(site, item.name, item) for item in button.items]}
            )
        else:
            buttons.append(_button(site, button.name, button))
    return {"button": buttons}


def _button(site: Site, name: str, action: MenuAction) -> dict[str, Any]:
    target = _target(site, action)
    if target is not None:
        _, path, h5_file = target
        base = site.spec.site.base_url or ""
        return {
            "type": "miniprogram",
            "name": name,
            "url": h5_url(base, h5_file),  # what clients without mini-program support open
            "appid": site.spec.site.appid,
            "pagepath": path,
        }
    if action.url:
        return {"type": "view", "name": name, "url": action.url}
    return {"type": "click", "name": name, "key": CONTACT_KEY if action.contact else action.key}


# --- replies.json -------------------------------------------------------------------------------------------


def replies_json(site: Site) -> str:
    oa = site.spec.official_account
    assert oa is not None
    replies = oa.replies
    clicks = {key: reply_text(site, reply) for key, reply in replies.clicks.items()}
    contact = replies.contact
    clicks[CONTACT_KEY] = reply_text(site, contact) if contact else contact_text(site)
    keywords = sorted(replies.keywords, key=lambda k: k.match != "exact")  # exact matches first
    table = {
        "subscribe": reply_text(site, replies.subscribe) if replies.subscribe else "",
        "keywords": [{"match": k.match, "words": list(k.words), "text": reply_text(site, k)} for k in keywords],
        "clicks": clicks,
    }
    return json.dumps(table, ensure_ascii=False, indent=2) + "\n"


def reply_text(site: Site, reply: Reply) -> str:
    """The reply, with its link as WeChat renders it: the mini-program page, the H5 page as a fallback."""
    target = _target(site, reply)
    if target is None:
        return reply.text
    _, path, h5_file = target
    href = h5_url(site.spec.site.base_url or "", h5_file)
    appid = site.spec.site.appid
    mini = "" if appid == "touristappid" else f' data-miniprogram-appid="{appid}" data-miniprogram-path="{path}"'
    return f'{reply.text}\n<a href="{html.escape(href)}"{mini}>{html.escape(reply.link_text)}</a>'


def contact_text(site: Site) -> str:
    """The "contact us" reply from the site's first contact block."""
    for route in site.routes:
        for block in route.page.blocks:  # the spec's blocks: the reply is no page's planned data
            if isinstance(block, ContactBlock):
                lines = [block.title]
                lines += [
                    f"{label}：{value}"
                    for label, value in (("电话", block.phone), ("地址", block.address), ("营业时间", block.hours))
                    if value
                ]
                if block.text:
                    lines.append(block.text)
                if block.work_weixin:
                    lines.append(f"在线客服：{block.work_weixin.url}")
                return "\n".join(lines)
    return ""


# --- links for article editors ---------------------------------------------------------------------------------


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"IEND\xaeB`\x82"
QR_OPTIONS = "error=m scale=6 border=4 v1"
"""What a cached QR code was drawn with: part of its key, so changing how they are drawn redraws them."""


@functools.lru_cache(maxsize=4096)
def draw_qr_png(text: str) -> bytes:
    import segno  # only sites with Official Account links need it

    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def qr_png(text: str, cache_dir: Path | None = None) -> bytes:
    """The QR code of `text` as PNG: from the build cache when it was drawn before (segno takes about 8 ms a
    code, which made a 10,000-product shop's links most of every build), else drawn and kept there. A
    damaged or unreadable entry is drawn again; a cache that cannot be written only costs time."""
    if cache_dir is None:
        return draw_qr_png(text)
    key = hashlib.sha256(f"{QR_OPTIONS}\n{text}".encode()).hexdigest()
    path = cache_dir / "qr" / key[:2] / f"{key}.png"
    try:
        data = path.read_bytes()
        if data.startswith(PNG_SIGNATURE) and data.endswith(PNG_END):
            return data
    except OSError:
        pass
    data = draw_qr_png(text)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return data


def links(site: Site) -> list[OutputFile]:
    """links.csv and links.html: every page and product with its mini-program path, H5 address and QR code."""
    base = site.spec.site.base_url
    rows = [("page", pid, *target) for pid, target in page_targets(site).items()]
    rows += [("category", cid, *target) for cid, target in category_targets(site).items()]
    rows += [("product", pid, *target) for pid, target in product_targets(site).items()]
    files: list[OutputFile] = []
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(["kind", "id", "title", "miniprogram_path", "h5_url", "qr"])
    cells = []
    for kind, rid, title, path, file in rows:
        url = h5_url(base, file) if base else file
        qr = f"qr/{kind}-{rid}.png" if base else ""
        if qr:
            files.append(OutputFile(f"{ROOT}/{qr}", qr_png(url, site.cache_dir), "generator.targets.official_account"))
        writer.writerow([kind, rid, title, path, url, qr])
        cells.append((kind, title, path, url, qr))
    files.append(text_file(f"{ROOT}/links.csv", "\ufeff" + table.getvalue(), "generator.targets.official_account"))
    files.append(text_file(f"{ROOT}/links.html", _links_page(site, cells), "generator.targets.official_account"))
    return files


def _links_page(site: Site, cells: list[tuple[str, str, str, str, str]]) -> str:
    def qr_cell(qr: str) -> str:
        return f'<img src="{html.escape(qr)}" alt="二维码" width="120" height="120" loading="lazy">' if qr else ""

    rows = "\n".join(
        f"<tr><td>{KIND_NAMES[kind]}</td><td>{html.escape(title)}</td>"
        f'<td><code>{html.escape(path)}</code></td><td><a href="{html.escape(url)}">{html.escape(url)}</a></td>'
        f"<td>{qr_cell(qr)}</td></tr>"
        for kind, title, path, url, qr in cells
    )
    note = "" if site.spec.site.base_url else "<p>设置 site.base_url 后，这里会给出完整的 H5 地址和二维码。</p>"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(site.spec.site.name)}：文章链接</title>
<style>body{{font-family:-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:24px}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:6px 10px;text-align:left;vertical-align:middle}}
code{{user-select:all}}</style></head><body>
<h1>{html.escape(site.spec.site.name)}：写文章时可以直接复制的链接</h1>
<p>小程序路径用于公众号文章里的“小程序卡片/文字链接”；H5 地址用于普通链接和二维码。</p>{note}
<table><thead><tr><th>类型</th><th>标题</th><th>小程序路径</th><th>H5 地址</th><th>二维码</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""
