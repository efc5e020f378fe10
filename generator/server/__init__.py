"""The shop's backend (`gen serve`): an ASGI app on FastAPI serving the shop a site.yaml describes.

Layout:
- process and storage: `settings` (site, database, WeChat), `db` (engine, Base, sessions), `migrations/`
  (Alembic, run by `migrate`), `app` (create_app; the router registry mounts every `*_routes` module),
  `api_errors` (JSON errors), `serve_cli` and `checklist` (`gen serve`, `--check`);
- shoppers: `auth` (session tokens), `login` and `session_routes` (jscode2session), `forms`;
- selling: `pricing` (the catalog in fen), `orders`/`order_models`/`order_routes`, `coupons`/
  `coupon_models`/`coupon_routes` (counts, claims, checkout discounts);
- WeChat Pay: `wechatpay_config`, `wechatpay` (the gateway), `notify_models` (nonces), `pay_routes`;
- messages: `wechat_token` (the mini-program's stable_token, shared through the database), `subscribe`,
  `message_models` and `subscription_routes` (subscribe messages: accepted, queued on order events, sent
  by a sweep);
- growth: `growth_models` (the tables), `points` (the ledger; `order_growth` for payments and refunds),
  `rewards`, `checkins`, `invites`, `growth_routes` (check-in, invites, member card), `after_login` (what a
  login sets off), `followers` and `follower_gifts` (the Official Account's followers and their gift, also
  used by `gen oa serve`), `remind`, `remind_routes` and `remind_cli` (re-engagement), `staff_routes`
  (in-store redemption), `clock`;
- events and metrics: `event_models`, `events` and `event_routes` (POST /events), `metrics`,
  `metrics_queries`, `metrics_days`, `metrics_report` and `report_cli` (`gen report`), `datacube` and
  `article_routes` (the Official Account's article reads);
- merchant console: `admin_models`, `admin_passwords`, `admin_users`, `admin_cli` (`gen admin`), `admin_auth`,
  `admin_web`, `admin_*_routes` (pages), `admin_templates/`, `admin_static/` (its CSS, the dashboard's
  script, vendored ECharts);
- the contract: `contract` (the OpenAPI document of these routes);
- fakes for `--fake-wechat` and tests: `fake_wechat`, `fake_wechatpay`.
"""
