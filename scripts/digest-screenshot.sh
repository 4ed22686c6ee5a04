#!/usr/bin/env bash
# Renders an HTML digest to a PNG with headless Chromium (Debian's `chromium`, see scripts/install-deps.sh), the
# whole page at the given viewport width (default 800 px): for the docs, and to look at a golden digest.
#   bash scripts/digest-screenshot.sh Tests/Fixtures/digest/digest-fr.html docs/digest-fr.png [WIDTH]
# A headless window cannot be narrower than 500 px: below that, the page is laid out in an iframe of exactly
# WIDTH px, centred on a grey 500 px backdrop (the phone's screen on a table).
# MAILGATEWAY_CHROMIUM overrides the browser.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 FILE.html OUT.png [WIDTH]" >&2
  exit 2
fi
page="$1"
out="$2"
width="${3:-800}"
[[ "$width" =~ ^[0-9]+$ ]] && [ "$width" -ge 200 ] && [ "$width" -le 4000 ] || {
  echo "digest-screenshot: WIDTH must be a number of px between 200 and 4000" >&2; exit 2; }
[ -f "$page" ] || { echo "digest-screenshot: no such file: $page" >&2; exit 1; }

chromium="${MAILGATEWAY_CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
[ -n "$chromium" ] && [ -x "$chromium" ] || {
  echo "digest-screenshot: chromium is not installed (Debian: apt-get install chromium, or scripts/install-deps.sh)" >&2
  exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
flags=(--headless --disable-gpu --hide-scrollbars --mute-audio --no-first-run --disable-extensions
       --disable-background-networking --disable-sync "--user-data-dir=$work/profile")
# Chromium refuses to run as root with its sandbox (containers, CI).
[ "$(id -u)" -eq 0 ] && flags+=(--no-sandbox)

# The page inside an iframe of WIDTH px; with "measure", a script writes the page's height into the DOM.
wrap() {  # wrap PAGE WIDTH HEIGHT measure|show > wrapper.html
  python3 - "$@" <<'EOF'
import html, sys
page, width, height, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
source = open(page, encoding="utf-8").read()
script = ("<script>addEventListener('load',()=>{const d=document.querySelector('iframe').contentDocument;"
          "const p=document.createElement('pre');p.id='height';"
          "p.textContent=String(Math.max(d.documentElement.scrollHeight,d.body?d.body.scrollHeight:0));"
          "document.body.appendChild(p)})</script>") if mode == "measure" else ""
backdrop = max(width, 500)
print(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
      f'<body style="margin:0;padding:0;background:#d9d9d9;width:{backdrop}px">'
      f'<iframe style="display:block;border:0;margin:0 auto;padding:0;width:{width}px;height:{height}px;background:#fff"'
      f' srcdoc="{html.escape(source, quote=True)}"></iframe>{script}</body></html>')
EOF
}

# 1. The page's height at that width.
wrap "$page" "$width" 100 measure > "$work/measure.html"
timeout -k 5 60 "$chromium" "${flags[@]}" --window-size="$(( width < 500 ? 500 : width )),800" \
  --virtual-time-budget=5000 --dump-dom "file://$work/measure.html" > "$work/dom.html" 2> "$work/stderr" || {
  echo "digest-screenshot: chromium failed:" >&2; tail -20 "$work/stderr" >&2; exit 1; }
height="$(sed -n 's/.*<pre id="height">\([0-9]*\)<\/pre>.*/\1/p' "$work/dom.html")"
[ -n "$height" ] || { echo "digest-screenshot: could not measure the page's height" >&2; exit 1; }
(( height > 16000 )) && height=16000

# 2. The screenshot: the page itself when the window can be that narrow, else the iframe on its backdrop.
if [ "$width" -ge 500 ]; then
  target="$(cd "$(dirname "$page")" && pwd)/$(basename "$page")"
  window="$width,$height"
else
  wrap "$page" "$width" "$height" show > "$work/show.html"
  target="$work/show.html"
  window="500,$height"
fi
out_abs="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
timeout -k 5 60 "$chromium" "${flags[@]}" --window-size="$window" --virtual-time-budget=5000 \
  --screenshot="$out_abs" "file://$target" > /dev/null 2> "$work/stderr" || {
  echo "digest-screenshot: chromium failed:" >&2; tail -20 "$work/stderr" >&2; exit 1; }
[ -s "$out_abs" ] || { echo "digest-screenshot: no image was written" >&2; exit 1; }
echo "digest-screenshot: $out ($width px wide page, $height px high)"
