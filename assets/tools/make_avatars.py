#!/usr/bin/env python3
"""Draws the avatars' sprite sheets: run it to rebuild assets/sprites/avatars_*.png.

Eight looks (outfits and hair), each facing down, left, right and up, each with a standing
frame and two walking frames (one foot forward, then the other): 12 frames of 32 x 32 px a
row, one row a look. Two sheets of the same layout:

- avatars_body.png: the clothes in white and greys, which the client tints with the colour a
  visitor chose;
- avatars_detail.png: what keeps its own colour (outline, skin, hair, eyes, shoes, a tie),
  drawn over the body.

Like make_demo.py it needs nothing beyond Python's standard library.

    python3 assets/tools/make_avatars.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from make_demo import Canvas, ROOT  # noqa: E402

T = 32
FACINGS = ["down", "left", "right", "up"]
FRAMES = 3
LOOKS = 8
INK = (40, 40, 48, 255)
SKIN = (255, 236, 214, 255)
HAIR = [
    (60, 40, 30, 255),
    (25, 25, 30, 255),
    (25, 25, 30, 255),
    (120, 70, 35, 255),
    (60, 40, 30, 255),
    (25, 25, 30, 255),
    (140, 110, 70, 255),
    (25, 25, 30, 255),
]
WHITE = (255, 255, 255, 255)
LIGHT = (225, 225, 225, 255)
SHOE = (50, 45, 45, 255)


def draw_one(body, detail, ox, oy, look, facing, frame):
    """One frame: `body` gets the tintable clothes, `detail` the rest."""
    bob = 1 if frame else 0
    cx, cy = ox + 16, oy + 19 - bob
    hx, hy = ox + 16, oy + 9 - bob
    # Feet, under the body: apart when standing, one forward when walking.
    step = {0: (0, 0), 1: (-2, 2), 2: (2, -2)}[frame]
    if facing in ("left", "right"):
        side = -1 if facing == "left" else 1
        detail.disc(ox + 16 + side * step[0], oy + 29, 2.6, SHOE)
        detail.disc(ox + 16 - side * step[0], oy + 29, 2.6, SHOE)
    else:
        detail.disc(ox + 12, oy + 29 + step[0] // 2, 2.6, SHOE)
        detail.disc(ox + 20, oy + 29 + step[1] // 2, 2.6, SHOE)

    # The outfit.
    # The outline goes under the clothes, in the body's sheet (tinted darker with them).
    def outline_disc(x, y, r):
        body.disc(x, y, r + 1.5, INK)

    if look == 2:  # hanbok: a wide skirt
        outline_disc(cx, cy + 2, 11.5)
        body.disc(cx, cy + 2, 10, WHITE)
        body.rect(cx - 6, cy - 9, 12, 6, LIGHT)
    elif look == 3:  # dress: narrow top, flared hem
        outline_disc(cx, cy + 1, 10.5)
        body.disc(cx, cy + 1, 9, WHITE)
    else:
        outline_disc(cx, cy, 11)
        body.disc(cx, cy, 9.5, WHITE)
    if look == 1 and facing != "up":  # suit: shirt and tie
        detail.rect(cx - 2, cy - 9, 4, 6, (245, 245, 245, 255))
        detail.rect(cx - 1, cy - 7, 2, 9, (170, 40, 50, 255))
    elif look == 5 and facing != "up":  # vest over a white shirt
        detail.rect(cx - 2, cy - 9, 4, 14, (245, 245, 245, 255))
    elif look == 6:  # coat: buttons
        for j in range(3):
            detail.disc(cx, cy - 5 + j * 4, 0.9, INK)
    elif look == 4:  # hoodie: the hood behind the head
        body.disc(hx, hy + 2, 8, LIGHT)

    # The head.
    detail.disc(hx, hy, 7, INK)
    back = facing == "up"
    detail.disc(hx, hy, 5.8, HAIR[look] if back else SKIN)
    hair = HAIR[look]
    if not back:
        # Hair on top, by look.
        if look in (2, 3):  # long hair, a bun for the hanbok
            detail.rect(hx - 6, hy - 6, 12, 3, hair)
            if look == 2:
                detail.disc(hx, hy - 7, 2.5, hair)
            else:
                detail.rect(hx - 6, hy - 3, 2, 7, hair)
                detail.rect(hx + 4, hy - 3, 2, 7, hair)
        elif look == 7:  # a cap
            detail.rect(hx - 6, hy - 7, 12, 4, (40, 60, 110, 255))
            detail.rect(hx - 7, hy - 4, 14, 1, (30, 45, 85, 255))
        else:
            detail.rect(hx - 5, hy - 6, 10, 3, hair)
        # Eyes: both when facing you, one on the side it faces.
        if facing == "down":
            detail.disc(hx - 2.5, hy - 0.5, 1.1, INK)
            detail.disc(hx + 2.5, hy - 0.5, 1.1, INK)
        else:
            side = -1 if facing == "left" else 1
            detail.disc(hx + side * 3, hy - 0.5, 1.1, INK)
    elif look == 7:
        detail.rect(hx - 6, hy - 7, 12, 4, (40, 60, 110, 255))


def main():
    w, h = len(FACINGS) * FRAMES * T, LOOKS * T
    body = Canvas(w, h)
    detail = Canvas(w, h)
    for look in range(LOOKS):
        for f, facing in enumerate(FACINGS):
            for frame in range(FRAMES):
                ox = (f * FRAMES + frame) * T
                oy = look * T
                draw_one(body, detail, ox, oy, look, facing, frame)
    body.save(os.path.join(ROOT, "sprites", "avatars_body.png"))
    detail.save(os.path.join(ROOT, "sprites", "avatars_detail.png"))


if __name__ == "__main__":
    main()
