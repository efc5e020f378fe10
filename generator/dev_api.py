"""Development builds: the mini-program pointed at a backend on this machine or the local network
(`gen build --api http://127.0.0.1:8081/`, e.g. `gen serve --fake-wechat`), never a release.

A release build talks only to `commerce.api`, which must be https (WeChat refuses anything else). A
development build replaces it, and every form endpoint under it, with the given address; plain http is
accepted only for loopback and private addresses, and the package then turns DevTools' domain check
off (`urlCheck: false`) so it can reach them. The build says so in its output and report.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from .blocks.form import FormBlock
from .errors import GenError
from .spec.site import Page, SiteSpec

LOCAL_NAMES = ("localhost",)


def dev_api_url(value: str) -> str:
    """`value` as a base URL ending in `/`, or a GenError saying what a development API may be."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GenError(f"--api {value!r} is not an address; give one like http://127.0.0.1:8081/")
    if parts.query or parts.fragment:
        raise GenError(f"--api {value!r} has a query or fragment; give the server's base address only")
    if parts.scheme == "http" and not _is_local(parts.hostname):
        raise GenError(
            f"--api {value!r} is plain http to {parts.hostname}, which is not this machine or a private network; "
            "use https, or the address of a server on this machine or your local network"
        )
    return value if value.endswith("/") else value + "/"


def _is_local(host: str) -> bool:
    if host in LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def with_dev_api(spec: SiteSpec, api: str) -> SiteSpec:
    """The spec with its backend (and the forms that post to it) at `api` instead of `commerce.api`."""
    commerce = spec.commerce
    if commerce is None:
        raise GenError("--api points the shop at a development backend, but the site has no `commerce:` section")
    release = commerce.api if commerce.api.endswith("/") else commerce.api + "/"

    def moved(endpoint: str) -> str:
        return api + endpoint.removeprefix(release) if endpoint.startswith(release) else endpoint

    pages = [_page_with_forms_moved(page, moved) for page in spec.pages]
    # model_copy does not validate again: the address was checked above, and http is what it is for
    return spec.model_copy(update={"commerce": commerce.model_copy(update={"api": api}), "pages": pages})


def _page_with_forms_moved(page: Page, moved: Callable[[str], str]) -> Page:
    blocks = [
        block.model_copy(update={"endpoint": moved(block.endpoint)})
        if isinstance(block, FormBlock) and block.endpoint is not None
        else block
        for block in page.blocks
    ]
    children = [_page_with_forms_moved(child, moved) for child in page.children]
    return page.model_copy(update={"blocks": blocks, "children": children})
