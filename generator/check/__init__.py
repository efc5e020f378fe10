"""The check stage: size budgets, their report, and the content and compliance lint."""
