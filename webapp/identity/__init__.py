"""Identity data: validation of ID numbers, credit codes and mobiles, encryption and masking.

Pure functions and classes, free of Flask app objects and SQLAlchemy, so they run anywhere
(models, views, CLI, tests). User-facing error messages are lazy English msgids.
"""

from webapp.identity.crypto import BlindIndex, DecryptionError, FieldCipher, Keyring
from webapp.identity.errors import IdentityError
from webapp.identity.masking import (
    MaskingFilter,
    install_masking_filter,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    mask_uscc,
)
from webapp.identity.phones import national_mobile, normalize_mobile, readable_mobile
from webapp.identity.resident_id import (
    ResidentId,
    age_band,
    is_valid_resident_id,
    parse_resident_id,
    resident_id_check_digit,
    synthesize_resident_id,
)
from webapp.identity.uscc import is_valid_uscc, synthesize_uscc, validate_uscc

__all__ = [
    "BlindIndex",
    "DecryptionError",
    "FieldCipher",
    "IdentityError",
    "Keyring",
    "MaskingFilter",
    "ResidentId",
    "age_band",
    "install_masking_filter",
    "is_valid_resident_id",
    "is_valid_uscc",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "mask_text",
    "mask_uscc",
    "national_mobile",
    "readable_mobile",
    "normalize_mobile",
    "parse_resident_id",
    "resident_id_check_digit",
    "synthesize_resident_id",
    "synthesize_uscc",
    "validate_uscc",
]
