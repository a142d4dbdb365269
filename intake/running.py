"""The running application of the current request: one accessor, as flaskr's get_db().

create_app() installs what the composition root built; the API, the web pages, the error mapper
and the health checks all reach the services, queries and store through senim().
"""
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:
    from intake.bootstrap import Senim

EXTENSION = "senim"


def install(app: Flask, running: "Senim") -> None:
    app.extensions[EXTENSION] = running


def senim() -> "Senim":
    """The application the current request runs in (services, queries' store and views, settings)."""
    return current_app.extensions[EXTENSION]
