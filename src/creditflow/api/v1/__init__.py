"""REST API v1 (`/api/v1`): one router per resource, behind `api_access` (docs/api.md)."""
