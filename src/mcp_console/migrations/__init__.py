"""Alembic migrations, shipped inside the package so installed images can migrate themselves."""
