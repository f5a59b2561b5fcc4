"""API support: the OpenAPI document."""
