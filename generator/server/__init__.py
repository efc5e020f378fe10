"""The shop's backend (`gen serve`): an ASGI app on FastAPI serving the shop a site.yaml describes.

Layout: `settings` (what the process is told: site, database, WeChat), `db` (engine, declarative Base,
sessions), `migrations/` (Alembic, run programmatically by `migrate`), `app` (create_app and the router
registry: every `*_routes` module's `router`), `auth` (session tokens, `current_user`), `login` (WeChat's
jscode2session), `forms` (form blocks as endpoints), `serve_cli` (the body of `gen serve`).
"""
