"""Configuration classes, read from GIGMARKET_* environment variables.

Production has no secret defaults: `ProductionConfig.validate()` refuses to start without
GIGMARKET_SECRET_KEY and GIGMARKET_DATA_KEY. `make run` writes both, once, to instance/secrets.env.
"""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("GIGMARKET_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _engine_options(url: str) -> dict:
    """Engine options per backend: pre-ping on PostgreSQL, a patient timeout on SQLite."""
    if url.startswith("sqlite"):
        # The busy timeout itself is set per connection (PRAGMA busy_timeout) in extensions.py.
        return {"connect_args": {"timeout": 10}}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 5}


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("GIGMARKET_SECRET_KEY")
    DATA_KEY = os.environ.get("GIGMARKET_DATA_KEY")  # keyring spec, see webapp/identity/crypto.py
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "GIGMARKET_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'gigmarket.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = _engine_options(SQLALCHEMY_DATABASE_URI)
    REDIS_URL = os.environ.get("GIGMARKET_REDIS_URL")
    UPLOAD_DIR = os.environ.get("GIGMARKET_UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))

    # Languages: Chinese first, English second. Babel resolves zh_CN to zh_Hans_CN, which is
    # why the catalog lives in webapp/translations/zh_Hans_CN.
    LANGUAGES = ("zh_CN", "en")
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("GIGMARKET_TIMEZONE", "Asia/Shanghai")

    # Sessions (security.md requirement 1).
    SESSION_COOKIE_NAME = "gm_session"
    SESSION_COOKIE_SECURE = _env_bool("GIGMARKET_COOKIE_SECURE", True)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    STAFF_IDLE_TIMEOUT = timedelta(minutes=30)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    # CSRF: tokens are tied to the session, not to a one-hour clock, because kiosk pages stay
    # open all day (security.md trap); sessions themselves expire and are revocable.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = False

    # Rate limits go to Redis when several processes run; memory only for one process.
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"

    HSTS_ENABLED = True
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024

    # Kiosk (人证核验). The card reader is the vendor's loopback bridge in production; the
    # simulated reader ships fixture cards for demos and tests.
    KIOSK_CARD_READER = os.environ.get("GIGMARKET_KIOSK_CARD_READER", "bridge")
    KIOSK_BRIDGE_URL = os.environ.get(
        "GIGMARKET_KIOSK_BRIDGE_URL", "http://127.0.0.1:8989/readcard"
    )
    # The kiosk's slip printer: "80mm" thermal roll (default) or "a4".
    KIOSK_PAPER = os.environ.get("GIGMARKET_KIOSK_PAPER", "80mm")
    KIOSK_SIM_PHOTO_DIR = os.environ.get(
        "GIGMARKET_KIOSK_SIM_PHOTO_DIR", str(BASE_DIR.parent / "shared" / "faces")
    )
    KIOSK_SIM_SLOW_SECONDS = 2.0  # the simulated reader's 'slow' fixture card
    KIOSK_IDLE_SECONDS = 60  # back to the welcome screen, every personal detail cleared
    KIOSK_VISIT_TTL = timedelta(minutes=5)
    KIOSK_REVIEW_TTL = timedelta(minutes=20)  # a visit waiting for staff stays open this long
    # Face decision thresholds on the best distance over the live frames (three-way); calibrate
    # on the station's own photos with `gigmarket face evaluate DIR`.
    FACE_MATCH_THRESHOLD = float(os.environ.get("GIGMARKET_FACE_MATCH", "0.38"))
    FACE_REJECT_THRESHOLD = float(os.environ.get("GIGMARKET_FACE_REJECT", "0.70"))
    FACE_MAX_ATTEMPTS = 3  # per card and kiosk per hour; then staff
    FACE_MAX_FRAMES = 8
    LIVENESS_MIN_TURN = 0.25  # yaw ratio of the turned frame (kiosk/face/liveness.py)

    # Phone sign-in (手机验证码登录). SMS_BACKEND "log" writes each message to the log; "webhook"
    # POSTs it as JSON to SMS_WEBHOOK_URL (a provider's gateway); "module:Class" loads any other
    # implementation of webapp.services.sms.SmsGateway.
    SMS_BACKEND = os.environ.get("GIGMARKET_SMS_BACKEND", "log")
    SMS_WEBHOOK_URL = os.environ.get("GIGMARKET_SMS_WEBHOOK_URL")
    SMS_WEBHOOK_TOKEN = os.environ.get("GIGMARKET_SMS_WEBHOOK_TOKEN")
    SMS_SIGNATURE = os.environ.get("GIGMARKET_SMS_SIGNATURE", "零工市场")
    PHONE_CODE_RATE_LIMIT = "10 per minute;60 per hour"  # per address, on top of OTP_PER_*
    PHONE_VERIFY_RATE_LIMIT = "20 per minute;100 per hour"
    OTP_TTL = timedelta(minutes=5)
    OTP_MAX_ATTEMPTS = 5  # wrong guesses before a code dies
    OTP_RESEND_SECONDS = 60  # one code a minute per number
    OTP_PER_NUMBER_HOUR = 5
    OTP_PER_NUMBER_DAY = 10
    OTP_PER_ADDRESS_HOUR = 20
    PHONE_IDLE_TIMEOUT = timedelta(days=7)  # phone sessions and API tokens, idle
    # Real-name verification: staff review is built in; an external service plugs in here.
    REALNAME_ADAPTER = os.environ.get("GIGMARKET_REALNAME_ADAPTER", "staff_review")
    REVERIFY_MONTHS = 6
    UPLOAD_MAX_BYTES = 6 * 1024 * 1024  # per image, before re-encoding
    UPLOAD_MAX_PIXELS = 40_000_000  # decompression-bomb guard
    UPLOAD_MAX_SIDE = 2400  # stored images are scaled down to this

    # Legal working age (劳动法 第十五条) and the age above which gig markets stop registering.
    MIN_WORKER_AGE = 16
    MAX_WORKER_AGE = 75

    @classmethod
    def validate(cls) -> None:
        """Refuse to start without the secrets a real deployment needs."""
        missing = [
            name
            for name, value in (
                ("GIGMARKET_SECRET_KEY", cls.SECRET_KEY),
                ("GIGMARKET_DATA_KEY", cls.DATA_KEY),
            )
            if not value
        ]
        if missing:
            raise RuntimeError(
                "Missing required settings: "
                + ", ".join(missing)
                + " (see README.md: Environment; `make run` creates instance/secrets.env)"
            )


class ProductionConfig(Config):
    """What `make run`, gunicorn and the scheduler use: every secret from the environment."""

    ENV_NAME = "production"


class DevelopmentConfig(Config):
    """Local development: plain-http cookies, no HSTS; secrets still come from the environment."""

    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = _env_bool("GIGMARKET_COOKIE_SECURE", False)
    HSTS_ENABLED = False


class TestingConfig(Config):
    """The test suite: fixed throwaway keys, a database chosen by the test fixtures."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - tests only
    # 32 zero-free bytes; a throwaway test keyring (two keys, to exercise rotation).
    DATA_KEY = (
        "t2:dGVzdC1rZXktdHdvLXRlc3Qta2V5LXR3by10ZXN0LWs,"
        "t1:dGVzdC1rZXktb25lLXRlc3Qta2V5LW9uZS10ZXN0LWs"
    )
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    RATELIMIT_STORAGE_URI = "memory://"
    SMS_BACKEND = "memory"  # tests read the one-time codes from the outbox
    RATELIMIT_ENABLED = True
    UPLOAD_DIR = None  # set per test to a temporary folder
    HSTS_ENABLED = False


CONFIGS = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_from_env() -> type[Config]:
    """The config class named by GIGMARKET_ENV (production unless told otherwise)."""
    name = os.environ.get("GIGMARKET_ENV", "production")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"GIGMARKET_ENV must be one of {sorted(CONFIGS)}, not {name!r}"
        ) from None
