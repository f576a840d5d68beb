"""Production entry point: `gunicorn wsgi:app`. Refuses to boot on an unknown schema."""

from app import create_app
from database import verify_schema

app = create_app()
with app.app_context():
    verify_schema(app)
    app.extensions["database"].close()
