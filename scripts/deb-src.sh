# Sourced by scripts/deps.sh and scripts/fetch-src.sh: whether apt knows
# a deb-src entry, and adding bookworm's when it does not (as root).
have_deb_src() {
	grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/
}

add_deb_src() {
	cat >/etc/apt/sources.list.d/keel-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
}
