"""Copy the NHS.UK frontend from node_modules into var/frontend, ready for whitenoise.

The published CSS loads the Frutiger web font from assets.nhs.uk and its icons from
/assets/. A strict Content-Security-Policy (default-src 'self') forbids the first, and
the second is the wrong path for us, so we drop the @font-face rules (the design system
falls back to Arial) and make the icon URLs relative to the stylesheet. The source-map
comments go too: the maps are not shipped (the CSS no longer matches its map anyway), and
production's manifest storage refuses to collect a file that names a missing map.
"""

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
TARGET = ROOT / "var" / "frontend" / "nhsuk"

FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
ABSOLUTE_ASSETS = re.compile(r"url\(/assets/")
SOURCE_MAP = re.compile(r"/\*# sourceMappingURL=[^*]*\*/|//# sourceMappingURL=\S*")


def main() -> int:
    if not SOURCE.is_dir():
        print(
            f"nhsuk-frontend is not installed ({SOURCE} missing): run npm install", file=sys.stderr
        )
        return 1
    if TARGET.exists():
        shutil.rmtree(TARGET)
    TARGET.mkdir(parents=True)
    css = (SOURCE / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    css = FONT_FACE.sub("", css)
    css = ABSOLUTE_ASSETS.sub("url(assets/", css)
    css = SOURCE_MAP.sub("", css)
    if "assets.nhs.uk" in css:
        print("the stylesheet still refers to assets.nhs.uk", file=sys.stderr)
        return 1
    (TARGET / "nhsuk-frontend.min.css").write_text(css, encoding="utf-8")
    js = (SOURCE / "nhsuk-frontend.min.js").read_text(encoding="utf-8")
    (TARGET / "nhsuk-frontend.min.js").write_text(SOURCE_MAP.sub("", js), encoding="utf-8")
    shutil.copytree(SOURCE / "assets", TARGET / "assets")
    print(f"NHS.UK frontend assets built in {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
