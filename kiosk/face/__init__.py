"""Face verification for the kiosk: card photo against live frames, liveness, three-way decision.

Importing this package does not import face_recognition or dlib; they load on first use.
"""

from kiosk.face.engine import (
    DEFAULT_THRESHOLDS,
    MATCH,
    REJECT,
    REVIEW,
    Comparison,
    FaceEngineUnavailable,
    FaceInputError,
    FaceSample,
    FaceThresholds,
    FrameOutcome,
    Verification,
    compare,
    detect_faces,
    encode_card_photo,
    encode_single_face,
    ensure_engine,
    face_distance,
    load_image,
    thresholds_from_config,
    verify,
)
from kiosk.face.liveness import (
    DEFAULT_MIN_TURN,
    LivenessResult,
    check_head_turn,
    random_challenge,
    yaw_ratio,
)

__all__ = [
    "DEFAULT_MIN_TURN",
    "DEFAULT_THRESHOLDS",
    "MATCH",
    "REJECT",
    "REVIEW",
    "Comparison",
    "FaceEngineUnavailable",
    "FaceInputError",
    "FaceSample",
    "FaceThresholds",
    "FrameOutcome",
    "LivenessResult",
    "Verification",
    "check_head_turn",
    "compare",
    "detect_faces",
    "encode_card_photo",
    "encode_single_face",
    "ensure_engine",
    "face_distance",
    "load_image",
    "random_challenge",
    "thresholds_from_config",
    "verify",
    "yaw_ratio",
]
