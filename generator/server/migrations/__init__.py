"""Alembic migrations of the shop's database (env.py, versions/); run through generator.server.migrate."""
