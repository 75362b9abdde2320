#!/usr/bin/env bash
# A real access log from real tools: Debian's nginx on loopback serving a small static site,
# visited by real attack and crawling tools (sqlmap, dirb, wapiti, a wget mirror, a curl script)
# and by real Chromium browsing at a person's pace (a few pages, pauses of seconds, one profile so
# its cache works as a person's does). Then the shipped model scores it with weir score.
#
# What it is worth: the bot sessions are real tools' real requests and the log is nginx's own; the
# "humans" are a real browser driven by this script, not people. Labels come from who made each
# session (declared by its user agent), so they are exact here.
#
#   apt-get install -y nginx-light sqlmap dirb wapiti chromium   # once
#   bash scripts/real-tools-log.sh [OUT_DIR]                      # about 5 minutes
# Every request goes to 127.0.0.1 only; every tool is bounded in count and time.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-tmp/real-tools}")
port=${WEIR_TOOLS_PORT:-18088}
rm -rf "$out" && mkdir -p "$out/site/img" "$out/nginx" "$out/chromium"

# The site: 24 pages linking to each other, a stylesheet, a script, an image per page.
printf 'body{font-family:sans-serif}\n' > "$out/site/style.css"
printf 'console.log("ok");\n' > "$out/site/app.js"
printf '\x89PNG\r\n\x1a\n' > "$out/site/img/logo.png"
for i in $(seq 1 24); do
  printf '\x89PNG\r\n\x1a\n%s' "$i" > "$out/site/img/p$i.png"
  links=""
  for j in $(seq 1 24); do links="$links<a href=\"/p$j.html?id=$j\">page $j</a> "; done
  printf '<!doctype html><html><head><link rel="stylesheet" href="/style.css"><script src="/app.js"></script></head><body><img src="/img/logo.png"><img src="/img/p%s.png"><form action="/search"><input name="q"></form>%s</body></html>\n' "$i" "$links" > "$out/site/p$i.html"
done
cp "$out/site/p1.html" "$out/site/index.html"

cat > "$out/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $out/nginx/nginx.pid;
error_log $out/nginx/error.log;
events { worker_connections 256; }
http {
  access_log $out/access.log combined;
  client_body_temp_path $out/nginx/body; proxy_temp_path $out/nginx/proxy;
  fastcgi_temp_path $out/nginx/fastcgi; uwsgi_temp_path $out/nginx/uwsgi; scgi_temp_path $out/nginx/scgi;
  types { text/html html; text/css css; application/javascript js; image/png png; }
  server { listen 127.0.0.1:$port; root $out/site; index index.html; }
}
CONF
nginx -c "$out/nginx/nginx.conf"
trap 'nginx -c "$out/nginx/nginx.conf" -s stop 2>/dev/null || true' EXIT
base="http://127.0.0.1:$port"

echo "== real tools"
timeout 150 sqlmap -u "$base/p3.html?id=3" --batch --level 1 --risk 1 --timeout 3 --retries 0 --threads 1 --output-dir "$out/sqlmap" > "$out/sqlmap.txt" 2>&1 || true
timeout 150 dirb "$base/" /usr/share/dirb/wordlists/small.txt -S -r > "$out/dirb.txt" 2>&1 || true
timeout 150 wapiti -u "$base/" --scope folder -m sql,xss,exec --max-scan-time 90 -f txt -o "$out/wapiti" > "$out/wapiti.txt" 2>&1 || true
timeout 120 wget -m -np -q -e robots=on -P "$out/mirror" "$base/" || true
for i in $(seq 1 20); do curl -s -o /dev/null "$base/p$i.html?id=$i" || true; done

echo "== Chromium at a person's pace"
ua='Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0.0.0 Safari/537.36'
for page in index 4 9 4 15 21 7; do
  target="$base/p$page.html?id=$page"; [ "$page" = index ] && target="$base/"
  timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$out/chromium" --user-agent="$ua" \
    --virtual-time-budget=3000 --dump-dom "$target" > /dev/null 2>&1 || true
  sleep $(( 4 + RANDOM % 9 ))
done

nginx -c "$out/nginx/nginx.conf" -s stop; trap - EXIT; sleep 1
echo "== $(wc -l < "$out/access.log") lines in $out/access.log"
# Labels by who made each session: ip_ua keys, as weir writes them.
awk -F'"' '{print $6}' "$out/access.log" | sort -u | while IFS= read -r agent; do
  case "$agent" in *Chrome/139*) label=human; family=human ;; *) label=bot; family=tool ;; esac
  printf '"127.0.0.1|%s",%s,%s\n' "${agent//\"/\"\"}" "$label" "$family"
done | awk 'BEGIN{print "session,label,family"} {print}' > "$out/labels.csv"
cat "$out/labels.csv"
pnpm -s weir score --input "$out/access.log" --out "$out/scores.ndjson"
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
for (const s of lines) console.log([s.label.padEnd(10), s.score.toFixed(3), String(s.requestCount).padStart(5), s.userAgent].join("  "));
' "$out/scores.ndjson"
