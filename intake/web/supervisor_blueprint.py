"""The supervisors' area: one blueprint, its pages in intake/web/supervisor.py (reporting) and
intake/web/supervisor_audit.py (cases and the access log), which both add their routes to it."""
from flask import Blueprint

bp = Blueprint("web_supervisor", __name__)
