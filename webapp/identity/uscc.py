"""Unified social credit codes (统一社会信用代码, GB 32100-2015) of employers.

18 characters from ALPHABET (no I, O, S, V, Z): the registration department (登记管理部门代码),
the organisation type (机构类别代码), the 6-digit region code of the registering office (登记管理
机关行政区划码), the 9-character organisation code (主体标识码, GB 11714: 8 characters and a check
character) and the check character (ISO 7064 MOD 31-3).

python-stdnum 2.2's `cn.uscc.validate()` requires the first 8 characters to be digits, so it
rejects valid codes of the departments A (中央军委改革和编制办公室), N (农业) and Y (其他); it also
does not check the department/type pairs. We use only its `calc_check_digit`.

The GB 11714 check character inside the organisation code holds for every real code we tried,
but validate_uscc does not enforce it: it is not part of GB 32100's own rules and a false rejection
would block a real employer. synthesize_uscc computes it so demo codes look real.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from stdnum.cn import uscc as stdnum_uscc

from webapp.identity.errors import IdentityError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# 登记管理部门代码 -> the 机构类别代码 allowed with it (GB 32100-2015, table of codes).
DEPARTMENT_TYPES = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 中央编办直接管理机构编制的群众团体, 其他
    "2": "19",  # 外交: 外国常驻新闻机构, 其他
    "3": "123459",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化: 外国在华文化中心, 其他
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游: 外国/港澳台地区旅游部门常驻代表机构, 其他
    "7": "129",  # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",  # 工会: 基层工会, 其他
    "9": "123",  # 工商 (市场监管): 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",  # 其他
}

_FORMAT = re.compile(f"[{ALPHABET}]{{18}}")
_REGION = re.compile(r"[0-9]{6}")
_ORG_BODY = re.compile(f"[{ALPHABET}]{{8}}")
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def validate_uscc(value: str) -> str:
    """Return the normalised code (upper case, no spaces); raise IdentityError if it is invalid."""
    if not isinstance(value, str):
        raise IdentityError("uscc_format", _l("Please enter the credit code as text."))
    code = "".join(unicodedata.normalize("NFKC", value).split()).upper()
    if len(code) != 18:
        raise IdentityError(
            "uscc_format",
            _l("A unified social credit code has 18 characters: please check it again."),
        )
    if not _FORMAT.fullmatch(code):
        raise IdentityError(
            "uscc_format",
            _l(
                "A unified social credit code uses only digits and capital letters "
                "other than I, O, S, V and Z: please check it again."
            ),
        )
    if not _REGION.fullmatch(code[2:8]):
        raise IdentityError(
            "uscc_format",
            _l("Characters 3 to 8 of the credit code must be digits: please check it again."),
        )
    if code[-1] != stdnum_uscc.calc_check_digit(code):
        raise IdentityError(
            "uscc_checksum",
            _l("The credit code's last character does not match: please check it again."),
        )
    if code[1] not in DEPARTMENT_TYPES.get(code[0], ""):
        raise IdentityError(
            "uscc_department",
            _l(
                "The first two characters of the credit code are not a known "
                "registration type: please check it again."
            ),
        )
    return code


def is_valid_uscc(value: str) -> bool:
    """Return True if validate_uscc(value) succeeds."""
    try:
        validate_uscc(value)
    except IdentityError:
        return False
    return True


def organisation_code_check_char(body8: str) -> str:
    """Return the GB 11714 check character of an 8-character organisation code body."""
    remainder = 11 - sum(int(c, 36) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def synthesize_uscc(department: str, org_type: str, region_code: str, org_code8: str) -> str:
    """Build a valid code for demo data and tests from its parts (check characters computed)."""
    if len(org_type) != 1 or org_type not in DEPARTMENT_TYPES.get(department, ""):
        raise ValueError("unknown department / organisation type pair")
    if not _REGION.fullmatch(region_code):
        raise ValueError("region_code must be 6 ASCII digits")
    if not _ORG_BODY.fullmatch(org_code8):
        raise ValueError("org_code8 must be 8 characters from the USCC alphabet")
    first17 = department + org_type + region_code + org_code8
    first17 += organisation_code_check_char(org_code8)
    return first17 + stdnum_uscc.calc_check_digit(first17)
