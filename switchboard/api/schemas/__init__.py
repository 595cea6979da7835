"""Request and response schemas of the JSON API (pydantic), one module per noun.

Request models are strict and forbid unknown fields; the OpenAPI document is generated
from these same classes, so the spec cannot drift from what the code accepts.
"""
