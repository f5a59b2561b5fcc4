"""The gig-market station service: the Flask application factory.

`create_app` is a list of small steps (cookiecutter-flask's shape). It does no I/O, writes
nothing to the database and starts no scheduler: the scheduler is its own process
(`gigmarket scheduler`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from config import Config, config_from_env


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    """Build the application from a config class (GIGMARKET_ENV's by default) and overrides."""
    config = config or config_from_env()
    if config.ENV_NAME != "testing":
        config.validate()
    app = Flask(
        __name__,
        static_folder="../static",
        static_url_path="/static",
        instance_relative_config=False,
    )
    app.config.from_object(config)
    app.config.update(overrides)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    """Mask ID numbers and phone numbers in every log line, whatever logger wrote it."""
    from flask.logging import default_handler

    from webapp.identity.masking import MaskingFilter, install_masking_filter

    if not any(isinstance(f, MaskingFilter) for f in default_handler.filters):
        default_handler.addFilter(MaskingFilter())
    if not app.logger.handlers:
        app.logger.addHandler(default_handler)
    app.logger.setLevel(logging.INFO)
    install_masking_filter(logging.getLogger())
    install_masking_filter(logging.getLogger("gunicorn.error"))
    install_masking_filter(logging.getLogger("gunicorn.access"))


def register_extensions(app: Flask) -> None:
    """Bind the bare extension objects of webapp/extensions.py to this app."""
    from webapp import models  # noqa: F401 - the whole schema, for Alembic and relationships
    from webapp.extensions import babel, csrf, db, limiter, login_manager, migrate
    from webapp.i18n import select_locale
    from webapp.services.dbsetup import configure_engine

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "staff.login"
    login_manager.session_protection = "basic"
    from webapp.services import auth, matchfeed

    login_manager.user_loader(auth.load_staff_from_session_token)
    login_manager.unauthorized_handler(auth.unauthorized)
    matchfeed.install(app)  # the matching engine's change log (no I/O until first use)


def register_blueprints(app: Flask) -> None:
    """Mount each surface under the URL prefix DESIGN.md fixes."""
    from kiosk.simulator import sim_bp
    from kiosk.views import bp as kiosk_bp
    from webapp.views.api import bp as api_bp
    from webapp.views.hall import bp as hall_bp
    from webapp.views.mobile import bp as mobile_bp
    from webapp.views.public import bp as public_bp
    from webapp.views.staff import bp as staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(kiosk_bp, url_prefix="/kiosk")
    app.register_blueprint(sim_bp, url_prefix="/kiosk/simulator")  # 404 unless configured
    app.register_blueprint(mobile_bp, url_prefix="/m")
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(hall_bp, url_prefix="/hall")  # the station hall's big screen


def register_errorhandlers(app: Flask) -> None:
    """Plain-Chinese error pages for people, JSON problems for the API; never a stack trace."""
    from webapp.views.errors import register

    register(app)


def register_security(app: Flask) -> None:
    """Security headers on every response, and the htmx Vary header."""
    from webapp.services.security import apply_security_headers

    app.after_request(apply_security_headers)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals for masking and formatting in templates."""
    from webapp.templating import register

    register(app)


def register_commands(app: Flask) -> None:
    """The `gigmarket` command groups (also reachable as `flask --app wsgi ...`)."""
    from webapp.cli import register

    register(app)
