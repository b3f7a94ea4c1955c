#!/usr/bin/env bash
# Install the Debian packages nianbao needs, only those missing. Usage: system-deps.sh report|test
#   report: CJK fonts (Noto Serif/Sans CJK; AR PL UKai, a 楷体 for second-level headings) and the
#           text-layout libraries WeasyPrint renders PDFs with
#   test:   the same, plus poppler-utils (pdftotext/pdffonts), chromium for the index-page tests and
#           libreoffice-calc-nogui / libreoffice-writer-nogui (the fill-in workbook recalculated and printed,
#           report.docx laid out as a PDF, both by LibreOffice headless)
set -euo pipefail
packages=(fonts-noto-cjk fonts-arphic-ukai fontconfig libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
if [ "${1:-report}" = test ]; then
  packages+=(poppler-utils chromium libreoffice-calc-nogui libreoffice-writer-nogui)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "nianbao: installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "nianbao: need root to install ${missing[*]}; run: apt-get install ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
${SUDO:-} apt-get update -qq
${SUDO:-} apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
