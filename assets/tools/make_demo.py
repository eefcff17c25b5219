#!/usr/bin/env python3
"""Draws the demo expo's art and lays out its halls: run it to rebuild assets/.

Everything it writes is the project's own: a 32 px tileset drawn pixel by pixel, a few gallery
posters, and three Tiled maps (lobby, exhibition hall, ceremony room)
that open in Tiled (the avatars' sheets come from make_avatars.py). Organizers edit the maps in Tiled afterwards; this script is only how the
first versions were made, and it needs nothing beyond Python's standard library.

    python3 assets/tools/make_demo.py
"""

import math
import os
import random
import struct
import zlib
from xml.sax.saxutils import quoteattr

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), ".."))
T = 32  # tile size in pixels
COLS = 8  # tileset columns


# --- PNG ---------------------------------------------------------------------------------


class Canvas:
    def __init__(self, w, h, fill=(0, 0, 0, 0)):
        self.w, self.h = w, h
        self.px = [list(fill) for _ in range(w * h)]

    def set(self, x, y, c):
        if 0 <= x < self.w and 0 <= y < self.h:
            if len(c) == 3:
                c = (*c, 255)
            a = c[3] / 255.0
            if a >= 1.0:
                self.px[y * self.w + x] = list(c)
            else:
                d = self.px[y * self.w + x]
                self.px[y * self.w + x] = [
                    round(d[i] * (1 - a) + c[i] * a) for i in range(3)
                ] + [max(d[3], c[3])]

    def rect(self, x, y, w, h, c):
        for j in range(y, y + h):
            for i in range(x, x + w):
                self.set(i, j, c)

    def frame(self, x, y, w, h, c, t=1):
        self.rect(x, y, w, t, c)
        self.rect(x, y + h - t, w, t, c)
        self.rect(x, y, t, h, c)
        self.rect(x + w - t, y, t, h, c)

    def disc(self, cx, cy, r, c):
        for j in range(int(cy - r - 1), int(cy + r + 2)):
            for i in range(int(cx - r - 1), int(cx + r + 2)):
                d = math.hypot(i + 0.5 - cx, j + 0.5 - cy)
                if d <= r - 0.5:
                    self.set(i, j, c)
                elif d <= r + 0.5:
                    cc = c if len(c) == 4 else (*c, 255)
                    self.set(i, j, (*cc[:3], round(cc[3] * (r + 0.5 - d))))

    def save(self, path):
        raw = bytearray()
        for y in range(self.h):
            raw.append(0)
            for x in range(self.w):
                raw.extend(bytes(self.px[y * self.w + x]))

        def chunk(kind, data):
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        png = b"\x89PNG\r\n\x1a\n"
        png += chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 6, 0, 0, 0))
        png += chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        png += chunk(b"IEND", b"")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(png)


def shade(c, k):
    return tuple(max(0, min(255, round(v * k))) for v in c[:3])


# --- the tileset -------------------------------------------------------------------------

# name -> (index, collides)
TILES = {}


def tile(name, index, collides=False):
    TILES[name] = (index, collides)


def draw_tileset():
    rnd = random.Random(7)
    rows = 3
    c = Canvas(COLS * T, rows * T)

    def at(index):
        return (index % COLS) * T, (index // COLS) * T

    def floor(index, base, speck=0.06, grid=None):
        x0, y0 = at(index)
        c.rect(x0, y0, T, T, base)
        for _ in range(40):
            x, y = rnd.randrange(T), rnd.randrange(T)
            c.set(x0 + x, y0 + y, shade(base, 1 + rnd.uniform(-speck, speck)))
        if grid:
            c.rect(x0, y0, T, 1, grid)
            c.rect(x0, y0, 1, T, grid)

    # 0 lobby stone, 1 hall wood, 2 ceremony carpet, 16 aisle
    tile("stone", 0)
    floor(0, (214, 208, 196), grid=(196, 190, 178))
    tile("wood", 1)
    x0, y0 = at(1)
    floor(1, (196, 160, 112))
    for j in range(0, T, 8):
        c.rect(x0, y0 + j, T, 1, (170, 134, 90))
    c.rect(x0 + 12, y0, 1, 8, (170, 134, 90))
    c.rect(x0 + 26, y0 + 8, 1, 8, (170, 134, 90))
    c.rect(x0 + 5, y0 + 16, 1, 8, (170, 134, 90))
    c.rect(x0 + 20, y0 + 24, 1, 8, (170, 134, 90))
    tile("carpet", 2)
    floor(2, (150, 40, 48), speck=0.1)
    # 3 wall, 4 wall with window
    for name, index in (("wall", 3), ("window", 4)):
        tile(name, index, collides=True)
        x0, y0 = at(index)
        c.rect(x0, y0, T, T, (74, 82, 99))
        c.rect(x0, y0 + T - 6, T, 6, (52, 58, 72))
        for j in range(0, T - 6, 8):
            off = 0 if (j // 8) % 2 == 0 else 8
            for i in range(-8, T, 16):
                c.frame(x0 + i + off, y0 + j, 16, 8, (64, 71, 86))
        if name == "window":
            c.rect(x0 + 6, y0 + 4, 20, 14, (150, 196, 230))
            c.frame(x0 + 6, y0 + 4, 20, 14, (230, 232, 236), 2)
            c.rect(x0 + 15, y0 + 4, 2, 14, (230, 232, 236))
    # 5 booth desk (collides)
    tile("desk", 5, collides=True)
    x0, y0 = at(5)
    c.rect(x0, y0 + 6, T, 22, (238, 238, 232))
    c.rect(x0, y0 + 6, T, 4, (255, 255, 255))
    c.rect(x0, y0 + 24, T, 4, (180, 180, 172))
    c.rect(x0 + 10, y0 + 12, 12, 8, (90, 110, 140))
    # 6..9 theme floors
    theme_colors = {
        "floor_social_value": (170, 214, 160),
        "floor_digital_services": (160, 196, 232),
        "floor_participation": (244, 200, 150),
        "floor_regional_innovation": (204, 176, 228),
    }
    for k, (name, col) in enumerate(theme_colors.items()):
        tile(name, 6 + k)
        floor(6 + k, col, speck=0.04, grid=shade(col, 0.92))
    # 10 stage
    tile("stage", 10)
    x0, y0 = at(10)
    floor(10, (232, 190, 90), speck=0.05)
    c.rect(x0, y0 + T - 2, T, 2, (200, 150, 60))
    # 11 plant (collides)
    tile("plant", 11, collides=True)
    x0, y0 = at(11)
    floor(11, (214, 208, 196))
    c.rect(x0 + 10, y0 + 20, 12, 10, (150, 90, 60))
    for (dx, dy, r) in ((16, 14, 9), (10, 11, 6), (22, 10, 6), (16, 7, 6)):
        c.disc(x0 + dx, y0 + dy, r, (60, 140, 70))
    c.disc(x0 + 13, y0 + 9, 3, (90, 170, 90))
    # 12 portal pad
    tile("portal", 12)
    x0, y0 = at(12)
    floor(12, (120, 200, 210))
    for r, col in ((13, (90, 170, 190)), (9, (160, 230, 236)), (5, (240, 252, 255))):
        c.disc(x0 + 16, y0 + 16, r, col)
    # 13 discussion table (collides)
    tile("table", 13, collides=True)
    x0, y0 = at(13)
    floor(13, (214, 208, 196))
    c.disc(x0 + 16, y0 + 16, 13, (140, 100, 70))
    c.disc(x0 + 16, y0 + 16, 11, (176, 130, 92))
    # 14 video screen (collides)
    tile("screen", 14, collides=True)
    x0, y0 = at(14)
    c.rect(x0 + 1, y0 + 4, T - 2, 20, (30, 30, 36))
    c.rect(x0 + 3, y0 + 6, T - 6, 16, (40, 90, 150))
    c.rect(x0 + 14, y0 + 24, 4, 6, (60, 60, 66))
    # 15 photo board (collides)
    tile("board", 15, collides=True)
    x0, y0 = at(15)
    c.rect(x0 + 2, y0 + 3, T - 4, 24, (250, 248, 240))
    c.frame(x0 + 2, y0 + 3, T - 4, 24, (120, 90, 60), 2)
    c.rect(x0 + 6, y0 + 7, 9, 7, (230, 140, 120))
    c.rect(x0 + 17, y0 + 7, 9, 7, (120, 170, 220))
    c.rect(x0 + 6, y0 + 16, 20, 7, (150, 200, 140))
    c.rect(x0 + 8, y0 + 27, 3, 4, (120, 90, 60))
    c.rect(x0 + 21, y0 + 27, 3, 4, (120, 90, 60))
    # 16 aisle
    tile("aisle", 16)
    floor(16, (226, 222, 214), speck=0.03, grid=(210, 206, 198))
    # 17 chair (walkable: people sit on them)
    tile("chair", 17)
    x0, y0 = at(17)
    floor(17, (150, 40, 48), speck=0.1)
    c.rect(x0 + 8, y0 + 8, 16, 16, (60, 60, 80))
    c.rect(x0 + 8, y0 + 6, 16, 4, (80, 80, 104))
    # 18 rope barrier (collides)
    tile("rope", 18, collides=True)
    x0, y0 = at(18)
    floor(18, (150, 40, 48), speck=0.1)
    c.rect(x0, y0 + 14, T, 3, (200, 170, 60))
    c.disc(x0 + 4, y0 + 15, 4, (220, 200, 120))
    c.disc(x0 + 28, y0 + 15, 4, (220, 200, 120))
    # 19 info counter (collides)
    tile("counter", 19, collides=True)
    x0, y0 = at(19)
    floor(19, (214, 208, 196))
    c.rect(x0 + 1, y0 + 8, T - 2, 18, (60, 110, 160))
    c.rect(x0 + 1, y0 + 8, T - 2, 4, (90, 140, 190))
    c.path = None
    c.save(os.path.join(ROOT, "tilesets", "expo.png"))

    # The TSX with the collides property on blocking tiles.
    count = rows * COLS
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<tileset version="1.10" tiledversion="1.11.0" name="expo" tilewidth="{T}" '
        f'tileheight="{T}" tilecount="{count}" columns="{COLS}">',
        f' <image source="expo.png" width="{COLS * T}" height="{rows * T}"/>',
    ]
    for name, (index, collides) in sorted(TILES.items(), key=lambda kv: kv[1][0]):
        lines.append(f' <tile id="{index}" type={quoteattr(name)}>')
        lines.append("  <properties>")
        lines.append(
            f'   <property name="collides" type="bool" value="{"true" if collides else "false"}"/>'
        )
        lines.append("  </properties>")
        lines.append(" </tile>")
    lines.append("</tileset>")
    with open(os.path.join(ROOT, "tilesets", "expo.tsx"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def draw_posters():
    specs = [
        ("poster_relay.png", (58, 110, 165), (242, 201, 76)),
        ("poster_table.png", (111, 163, 96), (250, 246, 232)),
        ("poster_vote.png", (200, 86, 86), (255, 226, 226)),
    ]
    # Two posters per theme for the booths' photo boards, in the theme's floor colour.
    theme_colours = {
        "social_value": ((62, 128, 74), (226, 244, 214)),
        "digital_services": ((48, 98, 168), (214, 232, 252)),
        "participation": ((196, 116, 40), (255, 236, 206)),
        "regional_innovation": ((120, 82, 170), (238, 222, 252)),
    }
    for theme, (bg, fg) in theme_colours.items():
        specs.append((f"{theme}_1.png", bg, fg))
        specs.append((f"{theme}_2.png", shade(bg, 0.8), (242, 201, 76)))
    for i, (name, bg, fg) in enumerate(specs):
        c = Canvas(480, 320, (*bg, 255))
        rnd = random.Random(i)
        for _ in range(18):
            c.disc(rnd.randrange(480), rnd.randrange(320), rnd.randrange(8, 40), (*fg, 70))
        c.rect(40, 230, 400, 50, (*shade(bg, 0.7), 255))
        c.frame(20, 20, 440, 280, (*fg, 255), 6)
        c.save(os.path.join(ROOT, "photos", name))


# --- maps --------------------------------------------------------------------------------


class Map:
    def __init__(self, name, w, h, floor, title, title_en):
        self.name, self.w, self.h = name, w, h
        self.title, self.title_en = title, title_en
        self.ground = [[TILES[floor][0]] * w for _ in range(h)]
        self.things = [[None] * w for _ in range(h)]
        self.objects = []
        self.next_id = 1

    def fill(self, x, y, w, h, name, layer="ground"):
        grid = self.ground if layer == "ground" else self.things
        for j in range(y, y + h):
            for i in range(x, x + w):
                grid[j][i] = TILES[name][0]

    def put(self, x, y, name):
        self.things[y][x] = TILES[name][0]

    def clear(self, x, y, w=1, h=1):
        for j in range(y, y + h):
            for i in range(x, x + w):
                self.things[j][i] = None

    def walls(self):
        for x in range(self.w):
            self.put(x, 0, "window" if x % 6 == 3 else "wall")
            self.put(x, self.h - 1, "wall")
        for y in range(self.h):
            self.put(0, y, "wall")
            self.put(self.w - 1, y, "wall")

    def obj(self, cls, x, y, w=None, h=None, name="", **props):
        oid = self.next_id
        self.next_id += 1
        self.objects.append((oid, cls, x, y, w, h, name, props))
        return oid

    def save(self):
        def csv(grid):
            rows = []
            for row in grid:
                rows.append(",".join(str(0 if v is None else v + 1) for v in row))
            return ",\n".join(rows)

        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<map version="1.10" tiledversion="1.11.0" orientation="orthogonal" '
            f'renderorder="right-down" width="{self.w}" height="{self.h}" tilewidth="{T}" '
            f'tileheight="{T}" infinite="0" nextlayerid="4" nextobjectid="{self.next_id}">',
            " <properties>",
            f'  <property name="title" value={quoteattr(self.title)}/>',
            f'  <property name="title_en" value={quoteattr(self.title_en)}/>',
            " </properties>",
            ' <tileset firstgid="1" source="../tilesets/expo.tsx"/>',
            f' <layer id="1" name="ground" width="{self.w}" height="{self.h}">',
            '  <data encoding="csv">',
            csv(self.ground),
            "</data>",
            " </layer>",
            f' <layer id="2" name="things" width="{self.w}" height="{self.h}">',
            '  <data encoding="csv">',
            csv(self.things),
            "</data>",
            " </layer>",
            ' <objectgroup id="3" name="expo">',
        ]
        for oid, cls, x, y, w, h, name, props in self.objects:
            attrs = f'id="{oid}"'
            if name:
                attrs += f" name={quoteattr(name)}"
            attrs += f' type="{cls}" x="{x * T}" y="{y * T}"'
            if w is not None:
                attrs += f' width="{w * T}" height="{h * T}"'
            out.append(f"  <object {attrs}>")
            if props:
                out.append("   <properties>")
                for k, v in props.items():
                    if isinstance(v, int):
                        out.append(f'    <property name="{k}" type="int" value="{v}"/>')
                    else:
                        out.append(f"    <property name={quoteattr(k)} value={quoteattr(v)}/>")
                out.append("   </properties>")
            if w is None:
                out.append("   <point/>")
            out.append("  </object>")
        out.append(" </objectgroup>")
        out.append("</map>")
        path = os.path.join(ROOT, "maps", f"{self.name}.tmx")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out) + "\n")


def lobby():
    m = Map("lobby", 40, 24, "stone", "로비", "Lobby")
    m.walls()
    m.fill(1, 10, 38, 4, "aisle")
    m.fill(18, 1, 4, 22, "aisle")
    # Doors: east to the exhibition hall, north to the ceremony room.
    m.clear(39, 11, 1, 2)
    m.fill(38, 11, 2, 2, "portal")
    m.clear(19, 0, 2, 1)
    m.fill(19, 0, 2, 2, "portal")
    m.obj("portal", 38, 11, 2, 2, name="to hall", to_map="hall", to_spawn="from_lobby",
          title="전시관", title_en="Exhibition hall")
    m.obj("portal", 19, 0, 2, 2, name="to ceremony", to_map="ceremony", to_spawn="entrance",
          title="시상식장", title_en="Ceremony room")
    # Information counter and plants.
    m.fill(16, 15, 8, 1, "counter", layer="things")
    for x, y in ((2, 2), (37, 2), (2, 21), (37, 21), (16, 6), (23, 6)):
        m.put(x, y, "plant")
    # Gallery wall with posters.
    for x in range(4, 12):
        m.put(x, 1, "board")
    m.obj("photo_kiosk", 4, 1, 8, 3, name="gallery",
          title="실패박람회 사진전", title_en="Failure Expo photo gallery",
          images="../photos/poster_relay.png, ../photos/poster_table.png, ../photos/poster_vote.png",
          captions="혁신현장 이어달리기 | 시민 토론 테이블 | 국민 공감 투표")
    # The welcome screen, looping (the video is made by `cargo run -p madang-client --example
    # make_videos`).
    for x in range(28, 34):
        m.put(x, 1, "screen")
    m.obj("video_kiosk", 28, 1, 6, 3, name="welcome screen", video="../videos/intro.mp4",
          title="박람회 소개 영상", title_en="Welcome to the expo")
    # The casebook stand on the south wall: every theme's casebook.
    for x in range(26, 32):
        m.put(x, 22, "board")
    m.obj("document_kiosk", 26, 20, 6, 3, name="casebooks", title="사례집 자료실",
          title_en="Casebooks",
          documents=", ".join(f"../documents/casebook_{t}.pdf" for t in THEME_TITLES))
    # Discussion tables (Namyangju-style citizen tables) in the south-west.
    m.fill(3, 16, 12, 6, "floor_participation")
    for i, x in enumerate((5, 11)):
        m.put(x, 18, "table")
        m.obj("private_area", x - 2, 16, 5, 5, name=f"table {i + 1}", id=f"table-{i + 1}",
              capacity=6, title=f"현답토론 {i + 1}번 테이블", title_en=f"Discussion table {i + 1}")
    m.obj("spawn", 20, 12, name="entrance")
    m.obj("spawn", 36.5, 12, name="from_hall")
    m.obj("spawn", 20, 3.5, name="from_ceremony")
    m.save()


BOOTHS = {
    "social_value": [
        ("소방청", "National Fire Agency", "119 현장 영상의료지도", "119 video medical guidance on scene",
         "구급대원이 영상으로 의사의 지도를 받아 현장에서 바로 응급처치를 합니다.",
         "Paramedics treat patients on the spot, guided by a doctor over live video."),
        ("행정안전부", "Ministry of the Interior and Safety", "생애주기별 맞춤형 서비스", "Services for every stage of life",
         "출생부터 은퇴까지, 삶의 고비마다 필요한 서비스를 한 번에 안내합니다.",
         "From birth to retirement, one place that points to the services each stage of life needs."),
        ("국민권익위원회", "Anti-Corruption and Civil Rights Commission", "빅데이터로 살핀 생활안전", "Everyday safety through big data",
         "국민신문고 민원 빅데이터를 분석해 생활 속 위험을 먼저 찾아냅니다.",
         "Complaint data from across the country reveals everyday hazards before they hurt anyone."),
        ("한국청년기업가정신재단", "Korea Entrepreneurship Foundation", "다시 도전하는 청년", "Young people who try again",
         "실패를 경험한 청년 창업가의 재도전을 멘토링과 네트워크로 돕습니다.",
         "Mentoring and a network for young founders starting again after a failure."),
    ],
    "digital_services": [
        ("경찰청", "Korean National Police Agency", "모바일 운전면허증", "Mobile driver's licence",
         "스마트폰 속 신분증으로 어디서나 안전하게 본인을 확인합니다.",
         "An ID on the phone that proves who you are, safely, anywhere."),
        ("산업통상자원부", "Ministry of Trade, Industry and Energy", "AR 지하시설물 안전관리", "AR for underground utilities",
         "증강현실과 위치정보로 땅속 배관을 보며 굴착 사고를 막습니다.",
         "Augmented reality shows the pipes under the street, so digging does not hit them."),
        ("행정안전부", "Ministry of the Interior and Safety", "공공데이터 개방", "Open public data",
         "누구나 쓸 수 있게 공개한 공공데이터가 새로운 서비스로 이어집니다.",
         "Public data opened to everyone, turned into new services by citizens and companies."),
        ("기술보증기금", "Korea Technology Finance Corporation", "재창업 기술보증", "Guarantees for a second start-up",
         "기술력을 평가해 다시 창업하는 기업에 보증을 지원합니다.",
         "Guarantees for firms that start again, judged on their technology rather than their past."),
    ],
    "participation": [
        ("기획재정부", "Ministry of Economy and Finance", "국민참여예산제", "Participatory budgeting",
         "국민이 직접 제안하고 심사한 사업이 나라 예산에 반영됩니다.",
         "Projects proposed and reviewed by citizens find their way into the national budget."),
        ("식품의약품안전처", "Ministry of Food and Drug Safety", "마스크 수급 협업", "Masks for everyone, together",
         "여러 기관이 협업해 마스크를 신속하고 공평하게 공급했습니다.",
         "Agencies worked together to get masks to everyone quickly and fairly."),
        ("남양주시", "Namyangju City", "현답토론회", "Answers from the field: citizen tables",
         "시민 퍼실리테이터가 진행하는 숙의 토론으로 지역 문제의 답을 찾습니다.",
         "Citizen facilitators run deliberative tables that find answers to local problems."),
        ("실패박람회 국민응원단", "Failure Expo citizen supporters", "실패를 응원합니다", "Cheering for failure",
         "국민응원단이 실패 경험을 나누고 재도전을 응원합니다.",
         "Citizen supporters share their failures and cheer on those who try again."),
    ],
    "regional_innovation": [
        ("부산광역시", "Busan Metropolitan City", "부산 재도전 지역박람회", "Busan's regional Failure Expo",
         "지역 추진위원회가 시민의 회복과 재도전을 위한 프로그램을 운영합니다.",
         "A regional committee runs programmes that help citizens recover and try again."),
        ("대구광역시", "Daegu Metropolitan City", "대구 청년 재도전 지원", "Second chances for Daegu's youth",
         "청년의 실패 경험을 정책 과제로 바꾸는 숙의 토론을 열었습니다.",
         "Deliberative tables that turn young people's failures into policy proposals."),
        ("제주특별자치도", "Jeju Special Self-Governing Province", "주민 주도 마을 혁신", "Village innovation led by residents",
         "주민이 직접 마을 문제를 찾고 해결하는 제주형 혁신 사례입니다.",
         "Residents find and solve their own villages' problems, the Jeju way."),
        ("음성군", "Eumseong County", "함께 여는 지역 혁신", "Regional innovation, opened together",
         "군민, 전문가, 행정이 함께 지역 정책을 설계합니다.",
         "Residents, experts and the county design local policy together."),
    ],
}

THEME_TITLES = {
    "social_value": ("사회적 가치관", "Social value"),
    "digital_services": ("디지털 서비스관", "Digital services"),
    "participation": ("참여·협력관", "Participation and cooperation"),
    "regional_innovation": ("지역 혁신관", "Regional innovation"),
}


def hall():
    # 64 × 44 tiles: four themed quarters of four booths, a cross of aisles between them.
    m = Map("hall", 64, 44, "wood", "정부혁신 전시관", "Government innovation exhibition hall")
    m.walls()
    m.fill(1, 20, 62, 4, "aisle")
    m.fill(30, 1, 4, 42, "aisle")
    m.clear(0, 21, 1, 2)
    m.fill(0, 21, 2, 2, "portal")
    m.obj("portal", 0, 21, 2, 2, name="to lobby", to_map="lobby", to_spawn="from_hall",
          title="로비", title_en="Lobby")
    quarters = {
        "social_value": (2, 2),
        "digital_services": (35, 2),
        "participation": (2, 25),
        "regional_innovation": (35, 25),
    }
    # The daily 14:00 live broadcast, on the north wall at the head of the central aisle.
    for x in range(30, 34):
        m.put(x, 1, "screen")
    m.obj("video_kiosk", 30, 1, 4, 3, name="broadcast screen", video="../videos/broadcast.mp4",
          schedule="daily 14:00", title="정부혁신 생방송 (매일 14:00)",
          title_en="Live broadcast (daily 14:00)")
    ballot = "moving-cases"
    for theme, (qx, qy) in quarters.items():
        m.fill(qx, qy, 27, 17, f"floor_{theme}")
        for k, booth in enumerate(BOOTHS[theme]):
            bx = qx + 1 + (k % 2) * 13
            by = qy + 1 + (k // 2) * 8
            # A booth: 11 × 6 tiles; the desk row at the back collides, the rest is for visitors.
            m.fill(bx, by, 11, 6, "aisle")
            m.fill(bx + 1, by, 9, 1, "desk", layer="things")
            m.put(bx + 1, by + 1, "board")
            m.put(bx + 2, by + 1, "board")
            m.put(bx + 8, by + 1, "screen")
            m.put(bx + 9, by + 1, "screen")
            org, org_en, title, title_en, desc, desc_en = booth
            # Each booth offers its theme's casebook (`cargo run --example make_documents`).
            m.obj("booth", bx, by, 11, 6, name=title_en, org=org, org_en=org_en, title=title,
                  title_en=title_en, description=desc, description_en=desc_en, theme=theme,
                  ballot=ballot, documents=f"../documents/casebook_{theme}.pdf")
            # The booth's photo board and video screen: kiosks inside a booth belong to it.
            m.obj("photo_kiosk", bx + 1, by + 1, 2, 1, name=f"{title_en} photos",
                  title=f"{title} 사진", title_en=f"{title_en}: photos",
                  images=f"../photos/{theme}_1.png, ../photos/{theme}_2.png, "
                         f"../photos/poster_{('relay', 'table', 'vote')[k % 3]}.png",
                  captions=f"{title} 현장 | {org} 담당자 인터뷰 | 실패박람회 전시장")
            m.obj("video_kiosk", bx + 8, by + 1, 2, 1, name=f"{title_en} video",
                  video="../videos/intro.mp4", title=f"{title} 소개 영상",
                  title_en=f"{title_en}: video")
    for x, y in ((3, 19), (28, 19), (36, 19), (61, 19), (3, 24), (28, 24), (36, 24), (61, 24)):
        m.put(x, y, "plant")
    m.obj("spawn", 2.5, 22, name="from_lobby")
    m.obj("spawn", 60.5, 22, name="east_end")
    m.obj("spawn", 32, 22, name="plaza")
    m.save()


def ceremony():
    m = Map("ceremony", 40, 30, "carpet", "시상식장", "Ceremony room")
    m.walls()
    # The stage across the north, behind a rope with a gap in the middle.
    m.fill(8, 2, 24, 6, "stage")
    m.fill(8, 8, 24, 1, "rope", layer="things")
    m.clear(18, 8, 4, 1)
    m.obj("spotlight", 8, 2, 24, 6, name="stage", title="무대", title_en="Stage")
    # The big screen at the back of the stage, 16:9, for the presenters' slides.
    m.fill(16, 1, 8, 3, "screen", layer="things")
    m.obj("slide_screen", 16, 1, 8, 4, name="stage screen", title="무대 화면",
          title_en="Stage screen", decks="../documents/slides_daegu.pdf")
    for y in range(11, 25, 2):
        for x in list(range(6, 18)) + list(range(22, 34)):
            m.put(x, y, "chair")
    m.fill(18, 9, 4, 20, "aisle")
    m.clear(19, 29, 2, 1)
    m.fill(19, 28, 2, 2, "portal")
    m.obj("portal", 19, 28, 2, 2, name="to lobby", to_map="lobby", to_spawn="from_ceremony",
          title="로비", title_en="Lobby")
    m.obj("spawn", 20, 26.5, name="entrance")
    m.obj("spawn", 20, 5, name="backstage")
    m.save()


if __name__ == "__main__":
    draw_tileset()
    draw_posters()
    lobby()
    hall()
    ceremony()
    print("wrote", ROOT)
