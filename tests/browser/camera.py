"""Fake-camera videos for Chromium's --use-file-for-fake-video-capture, made from test photos.

Chromium plays a YUV4MPEG2 file (C420jpeg: full-range YCbCr, U and V subsampled by 2) in a loop
as the camera. A still photo can never pass the kiosk's head-turn liveness check (that is what
the check is for), so `head_turn_video` builds a synthetic head turn from one photo:

- the photo is cropped head-and-shoulders around the detected face (as a kiosk camera would see
  a person standing in front of it) and fitted into 640x480;
- "turned" frames come from a smooth horizontal mesh warp (Pillow's Image.transform(MESH)) that
  rotates a simple head model about a vertical axis: an ellipsoid for the head, a bump for the
  nose and slight hollows for the eyes, in the face's own frame (along the eye axis, so a tilted
  head turns the right way). Points with more depth (the nose) move further sideways than the
  eyes and the cheek on the far side is foreshortened, as in a real turn;
- dlib's 5-point landmark model follows such a warp in one direction better than in the other
  (it depends on the photo's lighting and the pose the person already has), so for each side the
  frame may instead be the mirror image of the warp towards the other side: a mirrored face is
  still the same person to the encoder (measured: 0.14 for person A, 0.20 for person B);
- the frames are judged the way the server will see them (4:2:0 chroma, then a JPEG at the
  browser's quality 0.85), and the strongest turn per side is kept whose encoding stays within
  `MAX_TURN_DISTANCE` of the frontal frame and of the other side's frame (the liveness check
  refuses frames of one capture more than 0.5 apart);
- the video cycles frontal, turned to the person's left, turned to their right, each held
  `HOLD_SECONDS`, so that camera.js's frontal window (3 frames ~0.37 s apart) and its turn
  window (4 frames) together catch a frontal frame and both directions, whatever the random
  challenge is.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

FRAME_SIZE = (640, 480)
FPS = 10
HOLD_SECONDS = 0.5
LETTERBOX = (30, 30, 30)
FACE_SHARE = 0.30  # face box width / frame width after the head-and-shoulders crop
TURN_DEGREES = (25, 30)
MAX_TURN_DISTANCE = 0.45  # below liveness.SAME_PERSON_MAX_DISTANCE (0.50), with a margin
BROWSER_JPEG_QUALITY = 85  # camera.js: canvas.toBlob(..., "image/jpeg", 0.85)


# --------------------------------------------------------------------------- Y4M


def _studio_swing(plane: Image.Image, low: int, high: int) -> bytes:
    """A full-range 8-bit plane squeezed into video range (low..high)."""
    values = low + np.asarray(plane, dtype=np.float64) * (high - low) / 255
    return np.clip(np.round(values), 0, 255).astype(np.uint8).tobytes()


def _yuv420(image: Image.Image) -> tuple[bytes, bytes, bytes]:
    """Y, Cb, Cr planes (BT.601), the chroma planes averaged over 2x2 blocks.

    Chromium's fake camera plays every "C420*" Y4M as video-range I420 (Y 16-235), whatever the
    colour tag says: full-range planes came back from the browser with 14% more contrast (and a
    different landmark fit), so the planes are written in video range and the browser's frames
    match the photo.
    """
    width, height = image.size
    y, cb, cr = image.convert("RGB").convert("YCbCr").split()
    half = (width // 2, height // 2)
    box = Image.Resampling.BOX
    return (
        _studio_swing(y, 16, 235),
        _studio_swing(cb.resize(half, box), 16, 240),
        _studio_swing(cr.resize(half, box), 16, 240),
    )


def write_y4m(path: Path, frames: list[Image.Image], fps: int = FPS) -> Path:
    """Write frames (all FRAME_SIZE) as a YUV4MPEG2 C420jpeg file that Chromium plays."""
    width, height = FRAME_SIZE
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            if frame.size != FRAME_SIZE:
                raise ValueError(f"frames must be {FRAME_SIZE}, not {frame.size}")
            out.write(b"FRAME\n")
            for plane in _yuv420(frame):
                out.write(plane)
    return path


def as_captured(frame: Image.Image, quality: int = BROWSER_JPEG_QUALITY) -> Image.Image:
    """What the server receives for a frame: 4:2:0 chroma, then the browser's JPEG."""
    y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
    half = (frame.width // 2, frame.height // 2)
    cb = cb.resize(half, Image.Resampling.BOX).resize(frame.size, Image.Resampling.BILINEAR)
    cr = cr.resize(half, Image.Resampling.BOX).resize(frame.size, Image.Resampling.BILINEAR)
    rgb = Image.merge("YCbCr", (y, cb, cr)).convert("RGB")
    buffer = io.BytesIO()
    rgb.save(buffer, format="JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


# --------------------------------------------------------------------------- frames


def letterbox(image: Image.Image, size: tuple[int, int] = FRAME_SIZE) -> Image.Image:
    """The image scaled to fit `size`, centred on a dark background."""
    image = image.convert("RGB")
    scale = min(size[0] / image.width, size[1] / image.height)
    fitted = image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
        Image.Resampling.LANCZOS,
    )
    canvas = Image.new("RGB", size, LETTERBOX)
    canvas.paste(fitted, ((size[0] - fitted.width) // 2, (size[1] - fitted.height) // 2))
    return canvas


def camera_frame(photo: Path, face_share: float = FACE_SHARE) -> Image.Image:
    """A 640x480 frame of the photo's single face, head and shoulders, as a kiosk camera sees."""
    from kiosk import face

    image = Image.open(photo).convert("RGB")
    small = face.load_image(photo, max_side=800)
    sample = face.encode_single_face(small)
    scale = image.width / small.shape[1]
    top, right, bottom, left = (v * scale for v in sample.box)
    width = (right - left) / face_share
    height = width * FRAME_SIZE[1] / FRAME_SIZE[0]
    centre_x = (left + right) / 2
    x0 = min(max(centre_x - width / 2, 0), max(image.width - width, 0))
    y0 = min(max((top + bottom) / 2 - 0.45 * height, 0), max(image.height - height, 0))
    crop = image.crop((round(x0), round(y0), round(x0 + width), round(y0 + height)))
    return letterbox(crop)


def no_face_frame() -> Image.Image:
    """A plain generated picture with no face in it (a wall, a door, a poster)."""
    image = Image.new("RGB", FRAME_SIZE, (196, 205, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 330, 640, 480), fill=(120, 110, 100))
    draw.rectangle((400, 60, 560, 330), fill=(150, 100, 60), outline=(90, 60, 40), width=6)
    draw.ellipse((530, 190, 545, 205), fill=(220, 200, 80))
    draw.rectangle((70, 80, 300, 250), fill=(240, 240, 235), outline=(60, 60, 60), width=4)
    for row in range(6):
        draw.line((95, 110 + row * 24, 275, 110 + row * 24), fill=(150, 150, 150), width=5)
    return image


def _geometry(landmarks: dict, box: tuple[int, int, int, int]) -> dict:
    """Eye midpoint, eye axis and its normal, eye distance, nose offset, face box in that frame."""
    left_eye = np.mean(np.asarray(landmarks["left_eye"], dtype=float), axis=0)
    right_eye = np.mean(np.asarray(landmarks["right_eye"], dtype=float), axis=0)
    nose = np.asarray(landmarks["nose_tip"][0], dtype=float)
    mid = (left_eye + right_eye) / 2
    eye_distance = float(np.hypot(*(right_eye - left_eye)))
    axis = (right_eye - left_eye) / eye_distance
    normal = np.array([-axis[1], axis[0]])
    top, right, bottom, left = box
    return {
        "mid": mid,
        "axis": axis,
        "normal": normal,
        "e": eye_distance,
        "nose": ((nose - mid) @ axis, (nose - mid) @ normal),
        "face_width": right - left,
        "face_height": bottom - top,
        "top": top - mid[1],
        "bottom": bottom - mid[1],
    }


def rotate_head(
    frame: Image.Image,
    landmarks: dict,
    box: tuple[int, int, int, int],
    degrees: float,
    *,
    step: int = 6,
) -> Image.Image:
    """The frame with the head turned by `degrees` about a vertical axis (a mesh warp).

    Positive degrees move the nose towards the image's right: in an unmirrored camera frame
    that is the person turning to their own left (liveness.yaw_ratio > 0).
    """
    g = _geometry(landmarks, box)
    width, height = frame.size
    e = g["e"]
    radius_x = 0.62 * g["face_width"]  # half the head's width (the HOG box is cheek to cheek)
    v_top = g["top"] - 0.5 * g["face_height"]  # the crown above the box
    v_bottom = g["bottom"] + 0.05 * g["face_height"]
    v_centre, radius_y = (v_top + v_bottom) / 2, (v_bottom - v_top) / 2
    nose_u, nose_v = g["nose"]
    theta = np.radians(degrees)

    xs = np.arange(0, width + step, step, dtype=float).clip(0, width)
    ys = np.arange(0, height + step, step, dtype=float).clip(0, height)
    grid_x, grid_y = np.meshgrid(xs, ys)
    rel = np.stack([grid_x - g["mid"][0], grid_y - g["mid"][1]], axis=-1)
    u_out, v = rel @ g["axis"], rel @ g["normal"]  # output points in the face's frame
    diagonal = float(np.hypot(width, height))
    us = np.arange(-diagonal, diagonal, 0.5)  # source positions along the eye axis
    u_src = u_out.copy()
    rows = np.round(v).astype(int)
    for row in np.unique(rows):
        q = 1 - ((row - v_centre) / radius_y) ** 2
        if q <= 0:
            continue  # above the crown or below the chin: nothing moves
        half_width = radius_x * np.sqrt(q)
        inside = np.abs(us) < half_width
        depth = np.sqrt(np.clip(half_width**2 - us**2, 0, None))
        nose = np.exp(
            -((us - nose_u) ** 2) / (2 * (0.35 * e) ** 2)
            - (row - 0.9 * nose_v) ** 2 / (2 * (0.5 * nose_v) ** 2)
        )
        eyes = np.exp(
            -((np.abs(us) - 0.5 * e) ** 2) / (2 * (0.2 * e) ** 2) - row**2 / (2 * (0.15 * e) ** 2)
        )
        depth += inside * (0.6 * e * nose - 0.25 * e * eyes)  # the nose stands out, eyes sit in
        moved = us * np.cos(theta) + depth * np.sin(theta)
        # Outside the head the background follows the head's outline and settles back.
        fade = 0.6 * radius_x
        shrink = half_width * (1 - np.cos(theta))
        moved = np.where(
            us >= half_width, us - shrink * np.clip(1 - (us - half_width) / fade, 0, 1), moved
        )
        moved = np.where(
            us <= -half_width, us + shrink * np.clip(1 - (-half_width - us) / fade, 0, 1), moved
        )
        moved = np.maximum.accumulate(moved)  # the far side folds away (occlusion)
        selected = rows == row
        u_src[selected] = np.interp(u_out[selected], moved, us)
    src_x = g["mid"][0] + u_src * g["axis"][0] + v * g["normal"][0]
    src_y = g["mid"][1] + u_src * g["axis"][1] + v * g["normal"][1]
    mesh = []
    for j in range(len(ys) - 1):
        for i in range(len(xs) - 1):
            target = (int(xs[i]), int(ys[j]), int(xs[i + 1]), int(ys[j + 1]))
            if target[2] <= target[0] or target[3] <= target[1]:
                continue
            quad = (
                src_x[j, i], src_y[j, i],
                src_x[j + 1, i], src_y[j + 1, i],
                src_x[j + 1, i + 1], src_y[j + 1, i + 1],
                src_x[j, i + 1], src_y[j, i + 1],
            )  # fmt: skip
            mesh.append((target, quad))
    return frame.transform(frame.size, Image.Transform.MESH, mesh, Image.Resampling.BICUBIC)


# --------------------------------------------------------------------------- head turn


@dataclass
class HeadTurn:
    """A synthetic head turn: frames, how each was made, and what the face engine measured."""

    frontal: Image.Image
    turned: dict[str, Image.Image]  # by challenge: "left" (yaw > 0) and "right" (yaw < 0)
    how: dict[str, str] = field(default_factory=dict)
    frontal_yaw: tuple[float, float] = (0.0, 0.0)  # lowest and highest over the perturbations
    yaw: dict[str, float] = field(default_factory=dict)  # the weakest over the perturbations
    distance: dict[str, float] = field(default_factory=dict)  # to the frontal frame
    left_right_distance: float = 0.0

    def frames(self, fps: int = FPS) -> list[Image.Image]:
        """One cycle of the video: frontal, left, right, each held HOLD_SECONDS."""
        hold = max(1, round(HOLD_SECONDS * fps))
        poses = (self.frontal, self.turned["left"], self.turned["right"])
        return [frame for frame in poses for _ in range(hold)]

    def summary(self) -> str:
        """The figures, for the test log and the report."""
        low, high = self.frontal_yaw
        sides = "; ".join(
            f"{side} ({self.how[side]}): yaw {self.yaw[side]:+.3f} at worst, "
            f"distance {self.distance[side]:.3f}"
            for side in ("left", "right")
        )
        return (
            f"frontal yaw {low:+.3f}..{high:+.3f}; {sides}; "
            f"left-right distance {self.left_right_distance:.3f}"
        )


def _perturbed(image: Image.Image) -> list[Image.Image]:
    """The frame as the server may get it: browser JPEG qualities, a 1-px shift, a slight blur.

    The 5-point landmarks are whole pixels, so a yaw ratio moves by a few hundredths between
    versions of one frame (measured: 0.217 to 0.259 for one turned frame): the turn is judged
    on the weakest of them.
    """
    shifted = image.transform(image.size, Image.Transform.AFFINE, (1, 0, -1, 0, 1, 0))
    blurred = image.filter(ImageFilter.GaussianBlur(0.6))
    return [
        as_captured(image),
        as_captured(image, quality=75),
        as_captured(shifted),
        as_captured(blurred),
    ]


def _yaws(image: Image.Image) -> list[float] | None:
    """The yaw ratio of each perturbed version (detection and 5-point landmarks as the server
    does them, without the costly encoding), or None when a version shows no single face."""
    from kiosk import face

    face.ensure_engine()
    import face_recognition  # loaded (and checked) by ensure_engine

    yaws = []
    for version in _perturbed(image):
        pixels = np.asarray(version)
        boxes = face.detect_faces(pixels)
        if len(boxes) != 1:
            return None
        landmarks = face_recognition.face_landmarks(pixels, boxes, model="small")[0]
        yaws.append(face.yaw_ratio(landmarks))
    return yaws


def head_turn(photo: Path) -> HeadTurn:
    """Frontal, left- and right-turned frames of the photo's face (see the module docstring)."""
    from kiosk import face

    frontal = camera_frame(photo)
    base = face.encode_single_face(np.asarray(frontal))
    frontal_yaws = _yaws(frontal)
    reference = face.encode_single_face(np.asarray(as_captured(frontal)))
    candidates: dict[str, list] = {"left": [], "right": []}
    for degrees in TURN_DEGREES:
        for sign in (1, -1):
            warped = rotate_head(frontal, base.landmarks, base.box, sign * degrees)
            for image, how in (
                (warped, f"warp {sign * degrees:+d} deg"),
                (ImageOps.mirror(warped), f"mirror of warp {sign * degrees:+d} deg"),
            ):
                yaws = _yaws(image)
                if yaws is None:
                    continue
                for side, direction in (("left", 1), ("right", -1)):
                    weakest = min(direction * y for y in yaws)
                    if weakest > 0:
                        candidates[side].append((weakest, image, how))
    encoded: dict[int, object] = {}

    def encoding(image: Image.Image):
        if id(image) not in encoded:
            encoded[id(image)] = face.encode_single_face(np.asarray(as_captured(image))).encoding
        return encoded[id(image)]

    def close_enough(image: Image.Image) -> bool:
        return face.face_distance(encoding(image), reference.encoding) <= MAX_TURN_DISTANCE

    best = None
    for left in sorted(candidates["left"], key=lambda c: -c[0]):
        if best is not None and left[0] <= best[0]:
            break
        if not close_enough(left[1]):
            continue
        for right in sorted(candidates["right"], key=lambda c: -c[0]):
            score = min(left[0], right[0])
            if best is not None and score <= best[0]:
                break
            apart = face.face_distance(encoding(left[1]), encoding(right[1]))
            if close_enough(right[1]) and apart <= MAX_TURN_DISTANCE:
                best = (score, left, right, apart)
                break
    if best is None:
        raise ValueError(f"{photo.name}: no turned frames within {MAX_TURN_DISTANCE}")
    _, left, right, apart = best
    return HeadTurn(
        frontal=frontal,
        turned={"left": left[1], "right": right[1]},
        how={"left": left[2], "right": right[2]},
        frontal_yaw=(min(frontal_yaws), max(frontal_yaws)),
        yaw={"left": left[0], "right": -right[0]},
        distance={
            side: face.face_distance(encoding(image), reference.encoding)
            for side, image in (("left", left[1]), ("right", right[1]))
        },
        left_right_distance=apart,
    )


def head_turn_video(photo: Path, path: Path) -> HeadTurn:
    """Write the head-turn video of a photo to `path` (Y4M) and return its frames and figures."""
    turn = head_turn(photo)
    write_y4m(path, turn.frames())
    return turn


def still_video(image: Image.Image, path: Path, seconds: float = 1.0) -> Path:
    """A video that shows one picture (a still: it cannot pass a head turn)."""
    return write_y4m(path, [image] * max(1, round(seconds * FPS)))
