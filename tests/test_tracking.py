"""Tracking: declared events with only their declared fields, batched or through wx.reportEvent; H5 beacons."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main

from .conftest import MINIMAL_SITE, REPO

NODE = shutil.which("node")
ENDPOINT = "https://collect.example.com/events"
WITH_ENDPOINT = MINIMAL_SITE + f"analytics:\n  endpoint: {ENDPOINT}\n  events:\n    signup: {{fields: [source]}}\n"

DRIVE = """
const calls = { reportEvent: [], request: [] };
const storage = new Map(JSON.parse(process.argv[2] || '[]'));
global.wx = {
  reportEvent: (name, data) => calls.reportEvent.push([name, data]),
  request: (options) => { calls.request.push(options); options.success({ statusCode: 200, data: {} }); },
  getStorageSync: (key) => (storage.has(key) ? storage.get(key) : ''),
  setStorageSync: (key, value) => storage.set(key, value),
};
global.getCurrentPages = () => [{ route: 'pages/home/index' }];
const track = require(process.argv[1] + '/utils/track.js');
track.launched({ scene: 1047 });
track.shown({ scene: 1047 });
track.track('page_view', { page: 'home', phone: '13812345678' });
track.track('not_declared', { page: 'home' });
for (let i = 0; i < 10; i++) track.track('signup', { source: 'ad' + i, email: 'x@y.z' });
const realNow = Date.now;
Date.now = () => realNow() + 42000; // 42 s later the shopper leaves
track.hidden();
process.stdout.write(JSON.stringify(calls));
"""


def drive(package: Path, storage: dict | None = None) -> dict:
    command = [NODE, "-e", DRIVE, str(package), json.dumps(list((storage or {}).items()))]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=30)
    return json.loads(done.stdout)


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_without_endpoint_events_go_to_report_event_with_declared_fields_only(make_site) -> None:
    site = make_site()
    build(site)
    calls = drive(site / "dist" / "miniprogram")
    assert calls["reportEvent"][0] == ["page_view", {"page": "home"}]  # no phone: not a declared field
    # undeclared events are dropped, and so are the app's opens: WeChat counts those itself
    assert [name for name, _ in calls["reportEvent"]] == ["page_view"]
    assert calls["request"] == []


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_with_endpoint_events_are_batched_https_posts(make_site) -> None:
    site = make_site(WITH_ENDPOINT)
    build(site)
    calls = drive(site / "dist" / "miniprogram")
    assert calls["reportEvent"] == []
    assert [r["url"] for r in calls["request"]] == [ENDPOINT, ENDPOINT]  # 10 events fill a batch, then the hide
    first, second = (r["data"] for r in calls["request"])
    names = [e["event"] for e in first["events"] + second["events"]]
    assert names == ["app_launch", "app_show", "page_view"] + ["signup"] * 10 + ["app_hide"]
    page_view = first["events"][2]
    assert page_view["fields"] == {"page": "home"} and page_view["page"] == "pages/home/index"
    assert first["events"][3]["fields"] == {"source": "ad0"}  # the email was not declared
    assert second["events"][-1]["duration"] >= 42000 and "duration" not in page_view
    # the envelope: one install (kept in storage), one session, the launch scene, no user without a login
    assert first["install"] == second["install"] and first["session"] == second["session"]
    assert (first["platform"], first["scene"]) == ("mp", 1047) and first["install"] != first["session"]
    assert "Authorization" not in calls["request"][0]["header"]
    again = drive(site / "dist" / "miniprogram", {"mpgen-install": first["install"], "mpgen-session": {"session": "t"}})
    later = again["request"][0]
    assert later["data"]["install"] == first["install"] and later["data"]["session"] != first["session"]
    assert later["header"]["Authorization"] == "Bearer t"


def test_events_json_documents_every_event(make_site) -> None:
    site = make_site(WITH_ENDPOINT)
    build(site)
    document = json.loads((site / "dist" / "analytics" / "events.json").read_text(encoding="utf-8"))
    assert document["transport"] == f"POST {ENDPOINT}"
    assert document["events"]["signup"]["fields"] == ["source"]
    assert {"page_view", "product_view", "add_to_cart", "checkout_start", "pay_success", "share"} <= set(
        document["events"]
    )


def test_personal_data_in_an_event_is_a_lint_error(make_site) -> None:
    site_yaml = MINIMAL_SITE + "analytics:\n  events:\n    signup:\n      fields: [source, phone_number]\n"
    result = CliRunner().invoke(main, ["lint", str(make_site(site_yaml))])
    assert result.exit_code == 1
    assert "analytics.events.signup.fields[1]: [tracking-pii] field 'phone_number'" in result.output


def test_h5_page_sends_a_page_view_beacon(make_site, page) -> None:
    site = make_site(WITH_ENDPOINT)
    build(site)
    beacons: list[str] = []

    def capture(route) -> None:
        beacons.append(route.request.post_data)
        route.fulfill(status=204, headers={"Access-Control-Allow-Origin": "*"})

    page.route(ENDPOINT, capture)
    page.goto((site / "dist" / "h5" / "pages" / "about.html").as_uri())
    page.wait_for_timeout(300)
    assert len(beacons) == 1
    first = json.loads(beacons[0])
    (event,) = first["events"]
    assert event["event"] == "page_view" and event["fields"] == {"page": "pages/about", "target": "h5"}
    assert event["page"] == "pages/about" and first["platform"] == "h5"
    assert re.fullmatch(r"h[0-9a-f]{24}", first["install"]) and re.fullmatch(r"h[0-9a-f]{24}", first["session"])
    page.goto((site / "dist" / "h5" / "index.html").as_uri())
    page.wait_for_timeout(300)
    second = json.loads(beacons[1])
    assert (second["install"], second["session"]) == (first["install"], first["session"])  # one visit


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_request_helper_refuses_http_and_bounds_the_wait(make_site) -> None:
    site = make_site()
    build(site)
    program = """
const seen = [];
global.wx = { request: (o) => { seen.push(o); o.success({ statusCode: 200, data: { ok: 1 } }); } };
const { request, TIMEOUT_MS } = require(process.argv[1] + '/utils/request.js');
request({ url: 'http://example.com/x' }).then(() => 'accepted', (e) => e.message).then((refused) =>
  request({ url: 'https://example.com/x' }).then((data) =>
    process.stdout.write(JSON.stringify(
      { refused, data, timeout: seen[0].timeout, max: TIMEOUT_MS, n: seen.length }))));
"""
    done = subprocess.run(
        [NODE, "-e", program, str(site / "dist" / "miniprogram")],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    result = json.loads(done.stdout)
    assert result["refused"].startswith("refused: only https") and result["n"] == 1
    assert result["data"] == {"ok": 1} and result["timeout"] == result["max"] == 15000


DRIVE_PAGE = """
const calls = { reportEvent: [] };
global.wx = {
  reportEvent: (name, data) => calls.reportEvent.push([name, data]),
  request: () => {}, // a selling site sends its events to the shop's backend
  setStorageSync: () => {},
  getStorageSync: (key) => (key === 'mpgen-session' ? { session: 's', ref: 'r-1' } : ''),
};
let page = null;
global.Page = (definition) => { page = definition; };
require(process.argv[1]);
page.onShow();
const share = page.onShareAppMessage ? page.onShareAppMessage.call({ data: page.data }) : null;
process.stdout.write(JSON.stringify({ calls, share, title: page.data.title }), () => process.exit(0));
"""


def drive_page(page_js: Path) -> dict:
    command = [NODE, "-e", DRIVE_PAGE, str(page_js)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=30)
    return json.loads(done.stdout)


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_content_page_tracks_its_view_and_shares_itself(make_site) -> None:
    site = make_site()
    build(site)
    result = drive_page(site / "dist" / "miniprogram" / "pages" / "about" / "index.js")
    assert result["calls"]["reportEvent"][0] == ["page_view", {"page": "about"}]
    assert result["share"] == {"title": "关于", "path": "/pages/about/index"}
    assert ["share", {"page": "about"}] in result["calls"]["reportEvent"]


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_shared_page_of_a_selling_site_carries_the_inviter(tmp_path: Path) -> None:
    build(REPO / "sites" / "beibei", tmp_path / "dist")
    package = tmp_path / "dist" / "miniprogram"
    home = drive_page(package / "pages" / "home" / "index.js")
    assert home["share"]["path"].endswith("?inviter=r-1")
