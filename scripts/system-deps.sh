#!/usr/bin/env bash
# Install the Debian packages nianbao needs, only those missing. Usage: system-deps.sh report|test
#   report: CJK fonts (Noto Serif/Sans CJK; AR PL UKai, a 楷体 for second-level headings) and the
#           text-layout libraries WeasyPrint renders PDFs with
#           and a fontconfig file mapping the faces official documents name (仿宋_GB2312, 黑体, 楷体_GB2312,
#           方正小标宋简体, …) to those free faces, so LibreOffice lays report.docx out in them
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
conf_src="$(dirname "$0")/fontconfig/65-nianbao-official-faces.conf"
conf_dst=/etc/fonts/conf.d/65-nianbao-official-faces.conf
cmp -s "$conf_src" "$conf_dst" 2>/dev/null || missing_conf=1
[ ${#missing[@]} -eq 0 ] && [ -z "${missing_conf:-}" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "nianbao: need root to install ${missing[*]:-} ${missing_conf:+$conf_dst}; run: apt-get install ${missing[*]:-}" >&2
    exit 1
  fi
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "nianbao: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  ${SUDO:-} apt-get update -qq
  ${SUDO:-} apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! cmp -s "$conf_src" "$conf_dst" 2>/dev/null; then
  echo "nianbao: installing $conf_dst (official faces → the free CJK faces, for LibreOffice)"
  ${SUDO:-} install -D -m 644 "$conf_src" "$conf_dst"
fi
