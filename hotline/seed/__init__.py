"""Seed data (JSON/CSV beside this file) and loading it, with the demo city, into the database."""
