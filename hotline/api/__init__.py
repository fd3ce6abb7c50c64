"""The JSON API under /api/v1 for staff and integrations (OpenAPI at /api/v1/openapi.json)."""
