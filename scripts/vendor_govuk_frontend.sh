#!/usr/bin/env bash
# Vendor the GOV.UK Frontend compiled assets into the web app, from the pinned npm package.
#
#   bash scripts/vendor_govuk_frontend.sh
#
# Copies govuk-frontend.min.css, govuk-frontend.min.js and the LICENCE into
# publisher/entrypoints/web/static/govuk/, without the GOV.UK font (every @font-face rule is
# removed, so text falls back to arial, sans-serif) and without the crown or any logo asset.
# Commit what it writes. To upgrade, change VERSION, run it, and review the diff.
set -euo pipefail

VERSION="5.14.0"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$HERE/publisher/entrypoints/web/static/govuk"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm pack --silent "govuk-frontend@$VERSION" >/dev/null)
tar -xzf "$WORK/govuk-frontend-$VERSION.tgz" -C "$WORK"
DIST="$WORK/package/dist/govuk"

rm -rf "$OUT"
mkdir -p "$OUT"
# No font: drop every @font-face block (they hold no nested braces).
python3 - "$DIST/govuk-frontend.min.css" "$OUT/govuk-frontend.min.css" <<'PY'
import re
import sys

source, target = sys.argv[1], sys.argv[2]
css = open(source, encoding="utf-8").read()
css = re.sub(r"@font-face\s*\{[^{}]*\}", "", css)
css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
if "@font-face" in css:
    sys.exit("an @font-face rule is left in the CSS")
with open(target, "w", encoding="utf-8") as out:
    out.write(css.rstrip() + "\n")
PY
sed -e 's#//\# sourceMappingURL=.*$##' "$DIST/govuk-frontend.min.js" >"$OUT/govuk-frontend.min.js"
# The npm package ships no licence file; it declares MIT in package.json (checked here), and the
# upstream repository's LICENSE.txt is this text.
grep -q '"license": "MIT"' "$WORK/package/package.json" || {
    echo "govuk-frontend $VERSION does not declare the MIT licence: check before vendoring" >&2
    exit 1
}
cat >"$OUT/LICENCE.txt" <<'TXT'
govuk-frontend (https://github.com/alphagov/govuk-frontend), vendored from its npm package.

The MIT License (MIT)

Copyright (C) 2017 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
TXT
echo "$VERSION" >"$OUT/VERSION"
# No crown, logo, font or image assets are copied: only the two files, the licence and VERSION.
echo "govuk-frontend $VERSION vendored into ${OUT#"$HERE"/}"
ls -l "$OUT"
