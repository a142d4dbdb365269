"""The Blueprint every API module uses: flask-smorest's, with a JSON reader that never answers 500."""
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser


class JsonBodyParser(FlaskParser):
    """Also answers 400 to JSON that json.loads gives up on (nested too deep, a 5,000-digit number)."""

    def load_json(self, req, schema):
        try:
            return super().load_json(req, schema)
        except (RecursionError, ValueError) as error:  # syntax errors were already answered with 400
            return self._handle_invalid_json_error(error, req)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = JsonBodyParser()
