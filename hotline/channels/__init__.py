"""Channels: adapters at the edge that turn what arrives into intakes (and nothing more)."""
