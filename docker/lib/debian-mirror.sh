# Sourced by the image build scripts: prints the Debian mirror apt is configured with (deb822 .sources files first,
# then sources.list), skipping security mirrors. DEBIAN_MIRROR overrides it.
find_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && awk '/^URIs:/{for(i=2;i<=NF;i++) if ($i !~ /security/) {print $i; exit}}' "$f"
  done
  if [ -f /etc/apt/sources.list ]; then
    awk '$1=="deb"{for(i=2;i<=NF;i++) if ($i ~ /^(https?|file):/ && $i !~ /security/) {print $i; exit}}' /etc/apt/sources.list
  fi
}
