"""The WSGI entry point for gunicorn: `gunicorn wsgi:app`. Configuration comes from the environment and .env."""
from dotenv import load_dotenv

from intake import create_app

load_dotenv()
app = create_app()
