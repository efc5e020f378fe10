"""Vendor Apache ECharts for the merchant console's charts (generator/server/admin_static/vendor/echarts/).

    python scripts/vendor_echarts.py            # fetch the pinned version with npm and check its integrity

The console serves the file itself (no CDN at run time: operators' phones may not reach one, and the console
must not load code from elsewhere). `npm pack` fetches the exact published tarball, whose sha512 must equal
npm's registry record pinned here; the "simple" build (line, bar and pie charts, about 500 KB) is all the
dashboard draws. LICENSE and NOTICE (Apache-2.0) travel with it.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "6.1.0"
INTEGRITY = "sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=="
FILES = {"package/dist/echarts.simple.min.js": "echarts.simple.min.js", "package/LICENSE": "LICENSE",
         "package/NOTICE": "NOTICE"}  # fmt: skip
TARGET = Path(__file__).resolve().parent.parent / "generator" / "server" / "admin_static" / "vendor" / "echarts"


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(["npm", "pack", f"echarts@{VERSION}", "--silent"], cwd=scratch, check=True, capture_output=True)
        tarball = Path(scratch) / f"echarts-{VERSION}.tgz"
        digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode("ascii")
        if digest != INTEGRITY:
            sys.exit(f"echarts-{VERSION}.tgz has integrity {digest}, not the pinned {INTEGRITY}; refusing it")
        TARGET.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            for member, name in FILES.items():
                source = archive.extractfile(member)
                if source is None:
                    sys.exit(f"{member} is missing from the tarball")
                with source, (TARGET / name).open("wb") as out:
                    shutil.copyfileobj(source, out)
    (TARGET / "VERSION").write_text(f"echarts {VERSION} ({INTEGRITY})\n", encoding="utf-8")
    print(f"vendored echarts {VERSION} into {TARGET}")


if __name__ == "__main__":
    main()
