# make install / make uninstall, honouring PREFIX (default /usr/local) and
# DESTDIR (staged installs, packaging):
#
#   make install                       binaries, units, sysusers, man pages,
#                                      the client protocol (share/doc/islands),
#                                      /etc/islands/islands.conf (kept if present)
#   make install PREFIX=/usr DESTDIR=/tmp/stage
#   make uninstall                     removes what install put, except the
#                                      configuration and the store
#
# Then, on the target machine: docs/SERVICE.md, "Install as a service".

PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
# Programs only islandsd runs (libexec-style).
PKGLIBDIR ?= $(PREFIX)/lib/islands
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/islands
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
# Debian keeps the distribution's units in /lib/systemd/system.
ifeq ($(PREFIX),/usr)
SYSTEMDUNITDIR ?= /lib/systemd/system
else
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
endif
CONFDIR := $(SYSCONFDIR)/islands

INSTALL ?= install
INSTALL_PROGRAM = $(INSTALL) -m 0755
INSTALL_DATA = $(INSTALL) -m 0644

# Built by the chaos rules when asked for; installed only if it is there.
CHAOS_PROGRAM := $(wildcard $(BUILD)/islands-chaos)

UNIT_FILES := islandsd.service islandsd.socket
MAN_PAGES := docs/islandsd.8 docs/islands.1

# Everything install can put, for uninstall (the configuration is not in it).
INSTALLED_FILES := \
  $(SBINDIR)/islandsd $(BINDIR)/islands \
  $(PKGLIBDIR)/islands-worker $(PKGLIBDIR)/islands-writer \
  $(BINDIR)/islands-chaos \
  $(addprefix $(SYSTEMDUNITDIR)/,$(UNIT_FILES)) \
  $(SYSUSERSDIR)/islands.conf \
  $(MANDIR)/man8/islandsd.8 $(MANDIR)/man1/islands.1 \
  $(DOCDIR)/PROTOCOL.md

# The units name the installed paths: /usr/sbin and /etc in the templates.
UNIT_PATHS_SED := -e 's|/usr/sbin/islandsd|$(SBINDIR)/islandsd|g' \
                  -e 's|/etc/islands/|$(CONFDIR)/|g'

# The installed configuration: the documented default one, with worker and
# writer naming the installed programs (islandsd would find them in
# $(PKGLIBDIR) by itself, as ../lib/islands from its directory, but an
# operator reading the file sees where they are). The first
# worker/writer line, commented out or not, is replaced; if there is none,
# the key is appended.
CONFIG_PATHS_AWK := \
  /^[\#;]?[ \t]*worker[ \t]*=/ && !worker { print "worker = $(PKGLIBDIR)/islands-worker"; worker = 1; next } \
  /^[\#;]?[ \t]*writer[ \t]*=/ && !writer { print "writer = $(PKGLIBDIR)/islands-writer"; writer = 1; next } \
  { print } \
  END { \
    if (!worker) print "worker = $(PKGLIBDIR)/islands-worker"; \
    if (!writer) print "writer = $(PKGLIBDIR)/islands-writer"; \
  }

.PHONY: install uninstall
install: $(PROGRAMS) $(addprefix systemd/,$(UNIT_FILES)) systemd/islands.sysusers \
         $(MAN_PAGES) docs/PROTOCOL.md islands.conf
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGLIBDIR) \
	  $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	  $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR) \
	  $(DESTDIR)$(CONFDIR)
	$(INSTALL_PROGRAM) $(ISLANDSD) $(DESTDIR)$(SBINDIR)/islandsd
	$(INSTALL_PROGRAM) $(CLIENT) $(DESTDIR)$(BINDIR)/islands
	$(INSTALL_PROGRAM) $(WORKER) $(DESTDIR)$(PKGLIBDIR)/islands-worker
	$(INSTALL_PROGRAM) $(WRITER) $(DESTDIR)$(PKGLIBDIR)/islands-writer
	$(if $(CHAOS_PROGRAM),$(INSTALL_PROGRAM) $(CHAOS_PROGRAM) $(DESTDIR)$(BINDIR)/islands-chaos)
	for unit in $(UNIT_FILES); do \
	  sed $(UNIT_PATHS_SED) systemd/$$unit > $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit && \
	  chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$unit || exit 1; \
	done
	$(INSTALL_DATA) systemd/islands.sysusers $(DESTDIR)$(SYSUSERSDIR)/islands.conf
	$(INSTALL_DATA) docs/islandsd.8 $(DESTDIR)$(MANDIR)/man8/islandsd.8
	$(INSTALL_DATA) docs/islands.1 $(DESTDIR)$(MANDIR)/man1/islands.1
	$(INSTALL_DATA) docs/PROTOCOL.md $(DESTDIR)$(DOCDIR)/PROTOCOL.md
	@if [ -e $(DESTDIR)$(CONFDIR)/islands.conf ]; then \
	  echo "islands: keeping the existing $(DESTDIR)$(CONFDIR)/islands.conf"; \
	else \
	  awk '$(CONFIG_PATHS_AWK)' islands.conf > $(DESTDIR)$(CONFDIR)/islands.conf.new && \
	  chmod 0644 $(DESTDIR)$(CONFDIR)/islands.conf.new && \
	  mv $(DESTDIR)$(CONFDIR)/islands.conf.new $(DESTDIR)$(CONFDIR)/islands.conf && \
	  echo "islands: installed $(DESTDIR)$(CONFDIR)/islands.conf"; \
	fi
	@$(if $(DESTDIR),:,echo "islands: next, as root: systemd-sysusers;" \
	  "systemctl daemon-reload; systemctl enable --now islandsd.socket")

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED_FILES))
	rmdir $(DESTDIR)$(PKGLIBDIR) $(DESTDIR)$(DOCDIR) 2>/dev/null || true
