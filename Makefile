# Build and install qrpayd on a kiosk box.
#
#   make                      release build of qrpayd and qrpayctl (with qrpayctl-commands)
#   sudo make install         install (see below), create the group `qrpay`, register the journal catalog
#   sudo make uninstall       remove what install put in place; keeps /etc/qrpayd and the payment database
#   make check-units          systemd-analyze verify + security on the units, in a scratch root
#   make deb                  the Debian packages qrpayd and qrpayd-sim (+ -dbgsym) in dist/, Swift stdlib linked in
#   make system-test          builds the packages, installs them into a clean Debian 12 booted under systemd-nspawn
#                             and takes payments there (Tests/system/deb-under-systemd.sh; root, see that script)
#
# Where things go (PREFIX defaults to /usr/local; DESTDIR is prepended to every path, for packaging):
#   $(PREFIX)/bin/qrpayd, qrpayctl
#   $(PREFIX)/libexec/qrpayd/qrpayctl-commands   what qrpayctl runs for every command but `qr` (LIBEXECDIR; qrpayctl
#                                    looks in ../libexec/qrpayd beside its own directory)
#   $(PREFIX)/lib/systemd/system/    qrpayd.service, qrpayd.socket, qrpayd-display.socket, qrpayd-metrics.socket,
#                                    qrpayd-kiosk.service (UNITDIR). These are the
#                                    package's units; local changes go in drop-ins (systemctl edit qrpayd).
#                                    systemd searches /usr/local/lib/systemd/system and /usr/lib/systemd/system;
#                                    with another PREFIX set UNITDIR=/etc/systemd/system.
#   $(PREFIX)/lib/sysusers.d/qrpayd.conf    the group `qrpay` (SYSUSERSDIR; same rule as UNITDIR, else /etc/sysusers.d)
#   /usr/lib/systemd/catalog/qrpayd.catalog the journal message catalog (the only place journalctl looks)
#   $(PREFIX)/share/qrpayd/display/  the customer display page
#   $(PREFIX)/share/qrpayd/kiosk/    the kiosk browser's managed Chromium policy (mounted by qrpayd-kiosk.service)
#   $(PREFIX)/share/qrpayd/contrib/  the fleet's Prometheus alert rules (with their tests) and Grafana dashboard
#   $(PREFIX)/share/doc/qrpayd/      README.md
#   /etc/qrpayd/qrpayd.json          the configuration, only if there is none yet (else qrpayd.json.example)
#   /etc/qrpayd/credentials/         mode 0700: put vipps-client-secret and vipps-subscription-key here
# The installed unit, catalog and configuration are rewritten to name the real paths (ExecStart=$(BINDIR)/qrpayd,
# display.assetsDirectory=$(DATADIR)/display, the README location).
#
# `make install` does not build: run `make` first as a normal user. BUILDDIR names the directory holding the built
# binaries (default .build/release).

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/qrpayd
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DATADIR ?= $(PREFIX)/share/qrpayd
DOCDIR ?= $(PREFIX)/share/doc/qrpayd
CATALOGDIR ?= /usr/lib/systemd/catalog
CONFDIR ?= /etc/qrpayd

SWIFT ?= swift
CONFIGURATION ?= release
BUILDDIR ?= .build/$(CONFIGURATION)

INSTALL ?= install
SYSTEMD_ANALYZE ?= systemd-analyze

# The kiosk browser unit is an example another part of the project ships; installed (not enabled) when present.
UNITS = systemd/qrpayd.service systemd/qrpayd.socket systemd/qrpayd-display.socket systemd/qrpayd-metrics.socket \
	$(wildcard systemd/qrpayd-kiosk.service)

# The repository's files name the default locations; installed copies name the real ones.
SUBSTITUTE = sed \
	-e 's|/usr/local/bin/|$(BINDIR)/|g' \
	-e 's|file:///usr/share/doc/qrpayd/|file://$(DOCDIR)/|g' \
	-e 's|/usr/local/share/qrpayd/|$(DATADIR)/|g'

# The version is written once, in Sources/QRPayConfiguration/Version.swift; the package's is that plus DEB_REVISION.
VERSION := $(shell sed -n 's/^ *[a-z]* static let version = "\(.*\)"$$/\1/p' Sources/QRPayConfiguration/Version.swift)
DEB_REVISION ?= 1
DEB_VERSION = $(VERSION)-$(DEB_REVISION)
DEB_OUTDIR ?= $(CURDIR)/dist
DEB_MAINTAINER = $(shell sed -n 's/^Maintainer: //p' debian/control)

.PHONY: all build install uninstall check-units clean deb system-test version

all: build

build:
	$(SWIFT) build -c $(CONFIGURATION) --product qrpayd
	$(SWIFT) build -c $(CONFIGURATION) --product qrpayctl
	$(SWIFT) build -c $(CONFIGURATION) --product qrpayctl-commands

install:
	@for binary in qrpayd qrpayctl qrpayctl-commands; do \
		if [ ! -x "$(BUILDDIR)/$$binary" ]; then \
			echo "$(BUILDDIR)/$$binary is missing: run 'make' first (or set BUILDDIR)." >&2; exit 1; \
		fi; \
	done
	$(INSTALL) -d -m 0755 "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(LIBEXECDIR)" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(SYSUSERSDIR)" \
		"$(DESTDIR)$(CATALOGDIR)" "$(DESTDIR)$(DATADIR)/display" "$(DESTDIR)$(DOCDIR)" "$(DESTDIR)$(CONFDIR)"
	$(INSTALL) -d -m 0700 "$(DESTDIR)$(CONFDIR)/credentials"
	$(INSTALL) -m 0755 "$(BUILDDIR)/qrpayd" "$(BUILDDIR)/qrpayctl" "$(DESTDIR)$(BINDIR)/"
	$(INSTALL) -m 0755 "$(BUILDDIR)/qrpayctl-commands" "$(DESTDIR)$(LIBEXECDIR)/"
	@for unit in $(UNITS); do \
		echo "install $$unit -> $(DESTDIR)$(UNITDIR)/$$(basename $$unit)"; \
		$(SUBSTITUTE) "$$unit" > "$(DESTDIR)$(UNITDIR)/$$(basename $$unit).tmp" && \
		chmod 0644 "$(DESTDIR)$(UNITDIR)/$$(basename $$unit).tmp" && \
		mv "$(DESTDIR)$(UNITDIR)/$$(basename $$unit).tmp" "$(DESTDIR)$(UNITDIR)/$$(basename $$unit)" || exit 1; \
	done
	$(SUBSTITUTE) systemd/qrpayd.catalog > "$(DESTDIR)$(CATALOGDIR)/qrpayd.catalog"
	chmod 0644 "$(DESTDIR)$(CATALOGDIR)/qrpayd.catalog"
	$(INSTALL) -m 0644 systemd/qrpayd.conf "$(DESTDIR)$(SYSUSERSDIR)/qrpayd.conf"
	find assets/display -type f | while read -r file; do \
		$(INSTALL) -D -m 0644 "$$file" "$(DESTDIR)$(DATADIR)/display/$${file#assets/display/}" || exit 1; \
	done
	for file in contrib/prometheus/qrpayd.rules.yml contrib/prometheus/qrpayd.rules.test.yml contrib/grafana/qrpayd.json; do \
		$(INSTALL) -D -m 0644 "$$file" "$(DESTDIR)$(DATADIR)/$$file" || exit 1; \
	done
	$(INSTALL) -D -m 0644 systemd/kiosk/policies/managed/qrpayd-kiosk.json \
		"$(DESTDIR)$(DATADIR)/kiosk/policies/managed/qrpayd-kiosk.json"
	$(INSTALL) -m 0644 README.md "$(DESTDIR)$(DOCDIR)/README.md"
	@if [ -e "$(DESTDIR)$(CONFDIR)/qrpayd.json" ]; then \
		target="$(DESTDIR)$(CONFDIR)/qrpayd.json.example"; \
		echo "Keeping $(DESTDIR)$(CONFDIR)/qrpayd.json; the new example is qrpayd.json.example."; \
	else \
		target="$(DESTDIR)$(CONFDIR)/qrpayd.json"; \
	fi; \
	$(SUBSTITUTE) config/qrpayd.example.json > "$$target" && chmod 0644 "$$target"
	@if [ -z "$(DESTDIR)" ]; then \
		journalctl --update-catalog; \
		systemd-sysusers "$(SYSUSERSDIR)/qrpayd.conf"; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
		echo; \
		echo "Next:"; \
		echo "  1. Edit $(CONFDIR)/qrpayd.json (vipps.clientId, vipps.merchantSerialNumber, display.shopName)."; \
		echo "  2. Put the secrets in $(CONFDIR)/credentials/vipps-client-secret and vipps-subscription-key"; \
		echo "     (one line each, chmod 600), then check: sudo $(BINDIR)/qrpayd --check-config"; \
		echo "  3. usermod -aG qrpay <the till's user>"; \
		echo "  4. systemctl enable --now qrpayd.service   (also enables qrpayd.socket and qrpayd-display.socket)"; \
	fi

uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
		systemctl disable --now qrpayd-kiosk.service qrpayd.service qrpayd.socket qrpayd-display.socket \
			qrpayd-metrics.socket 2>/dev/null || true; \
	fi
	rm -f "$(DESTDIR)$(BINDIR)/qrpayd" "$(DESTDIR)$(BINDIR)/qrpayctl"
	rm -rf "$(DESTDIR)$(LIBEXECDIR)"
	rm -f "$(DESTDIR)$(UNITDIR)/qrpayd.service" "$(DESTDIR)$(UNITDIR)/qrpayd.socket" \
		"$(DESTDIR)$(UNITDIR)/qrpayd-display.socket" "$(DESTDIR)$(UNITDIR)/qrpayd-metrics.socket" \
		"$(DESTDIR)$(UNITDIR)/qrpayd-kiosk.service"
	rm -f "$(DESTDIR)$(CATALOGDIR)/qrpayd.catalog" "$(DESTDIR)$(SYSUSERSDIR)/qrpayd.conf"
	rm -rf "$(DESTDIR)$(DATADIR)" "$(DESTDIR)$(DOCDIR)"
	@if [ -z "$(DESTDIR)" ]; then \
		journalctl --update-catalog; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	fi
	@echo "Kept $(CONFDIR) (configuration and credentials), the group qrpay and the payment database"
	@echo "(/var/lib/private/qrpayd): remove them by hand once no payment there needs capturing or refunding."

# Installs into a scratch root with the host's own units (for sysinit.target and friends), gives programs the kiosk
# unit names but this project does not ship (cage, chromium) a stand-in, then verifies the units and rates the
# service's sandbox. Fails above an exposure of 1.5.
check-units:
	@root=$$(mktemp -d) && trap 'rm -rf "$$root"' EXIT && \
	$(MAKE) --no-print-directory install DESTDIR="$$root" BUILDDIR="$(BUILDDIR)" PREFIX="$(PREFIX)" >/dev/null && \
	mkdir -p "$$root/usr/lib/systemd" && cp -a /usr/lib/systemd/system "$$root/usr/lib/systemd/" && \
	for program in $$(sed -n 's/^Exec[A-Za-z]*=[-@:+!|]*\([^ ]*\).*/\1/p' $(UNITS)); do \
		if [ ! -e "$$root$$program" ]; then \
			mkdir -p "$$root$$(dirname $$program)" && printf '#!/bin/sh\nexit 0\n' > "$$root$$program" && \
			chmod 0755 "$$root$$program"; \
		fi; \
	done && \
	echo "systemd-analyze verify $(notdir $(UNITS))" && \
	$(SYSTEMD_ANALYZE) verify --root="$$root" $(notdir $(UNITS)) && \
	{ report=$$($(SYSTEMD_ANALYZE) security --offline=yes --root="$$root" --threshold=15 qrpayd.service); \
	  status=$$?; printf '%s\n' "$$report" | tail -n 1; exit $$status; }

version:
	@echo $(VERSION)

# debian/changelog is written here from VERSION (it is not kept in git: the version lives in one place). The date is
# the last commit's, so two builds of one commit make the same package. No fakeroot: debian/rules needs no root.
deb:
	@test -n "$(VERSION)" || { echo "no version in Sources/QRPayConfiguration/Version.swift" >&2; exit 1; }
	mkdir -p "$(DEB_OUTDIR)"
	{ echo "qrpayd ($(DEB_VERSION)) bookworm; urgency=medium"; echo; \
	  echo "  * Built from $$(git describe --always --dirty 2>/dev/null || echo 'a source tree without git')."; \
	  echo; \
	  echo " -- $(DEB_MAINTAINER)  $$(date -R -u -d @$$(git log -1 --format=%ct 2>/dev/null || date +%s))"; \
	} > debian/changelog
	SWIFT="$(SWIFT)" DEB_OUTDIR="$(DEB_OUTDIR)" debian/rules clean
	SWIFT="$(SWIFT)" DEB_OUTDIR="$(DEB_OUTDIR)" debian/rules binary
	@ls -l "$(DEB_OUTDIR)"/qrpayd*_$(DEB_VERSION)_*.*deb

system-test:
	Tests/system/deb-under-systemd.sh

clean:
	$(SWIFT) package clean
