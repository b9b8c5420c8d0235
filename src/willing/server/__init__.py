"""The web service: FastAPI dashboard and API over the run store (`willing serve`)."""

from willing.server.app import create_app

__all__ = ["create_app"]
