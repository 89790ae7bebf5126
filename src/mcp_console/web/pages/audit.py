"""Placeholder: filled in by the page's implementation."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
