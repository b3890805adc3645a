# mpxdp: one entry point for build, test, demo, bench, install, deps.
#
#   make            build everything (installs missing packages first)
#   make check      unit + fuzz-short + BPF_PROG_TEST_RUN + netns integration tests
#   make fuzz       every libFuzzer harness for FUZZ_SECONDS (300) each
#   make demo       testbed + transfers through the gateway, with a report
#   make bench      mpxdp vs. kernel forwarding and a kernel-MPTCP relay
#   make install    PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc
#   make deps       install the Debian packages the project needs

CLANG ?= clang
CC ?= gcc
BPFTOOL ?= bpftool
PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
B := build
ARCH_INC := /usr/include/$(shell uname -m)-linux-gnu

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Iinclude -Ilib -I$(B) -D_GNU_SOURCE
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -Iinclude -Ibpf -I$(ARCH_INC) \
	-Wall -Wno-unused-function
LIBS := -lbpf -lelf -lz -lssl -lcrypto -lpthread

CORE_H := $(wildcard include/mpxdp/*.h)
LIB_SRC := $(wildcard lib/*.c)
LIB_H := $(wildcard lib/*.h)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
DAEMON_SRC := $(wildcard daemon/*.c)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(B)/%.o)
CLI_SRC := $(wildcard tools/mpxdp/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
PEER_SRC := $(wildcard tests/peer/*.c)
PEER_BIN := $(PEER_SRC:tests/peer/%.c=$(B)/peer/%)
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(B)/tests/unit_tests
BPFT_SRC := $(filter-out %.bpf.c,$(wildcard tests/bpf/*.c))
BPFT_BIN := $(B)/tests/bpf_tests

BINS := $(B)/mpxdpd $(B)/mpxdp $(PEER_BIN)
BPF_OBJ := $(B)/mpxdp.bpf.o $(B)/xdp_pass.bpf.o

DEPS_STAMP := $(B)/.deps

.PHONY: all deps check unit fuzz fuzz-short bpftest installtest netns netns-faults demo bench install clean
all: $(DEPS_STAMP) $(BPF_OBJ) $(BINS)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/deps.sh
	@mkdir -p $(B)
	tools/deps.sh
	@touch $@

# --- BPF -----------------------------------------------------------------
$(B)/%.bpf.o: bpf/%.bpf.c $(CORE_H) bpf/maps.bpf.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(B)/tests/%.bpf.o: tests/bpf/%.bpf.c $(CORE_H) bpf/maps.bpf.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(B)/mpxdp.skel.h: $(B)/mpxdp.bpf.o
	$(BPFTOOL) gen skeleton $< name mpxdp_bpf > $@

# --- userspace -----------------------------------------------------------
$(B)/lib/%.o: lib/%.c $(LIB_H) $(CORE_H) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/daemon/%.o: daemon/%.c $(wildcard daemon/*.h) $(LIB_H) $(CORE_H) $(B)/mpxdp.skel.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/mpxdpd: $(DAEMON_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(B)/tools/mpxdp/%.o: tools/mpxdp/%.c $(wildcard tools/mpxdp/*.h) $(LIB_H) $(CORE_H) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/mpxdp: $(CLI_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(B)/peer/%: tests/peer/%.c $(wildcard tests/peer/*.h) $(CORE_H) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< -lssl -lcrypto -lpthread

# --- tests ---------------------------------------------------------------
$(B)/tests/vectors.inc: tests/data/vectors.json tests/data/genvec.py
	@mkdir -p $(@D)
	python3 tests/data/genvec.py tests/data $@

$(UNIT_BIN): $(UNIT_SRC) $(wildcard tests/unit/*.h) $(CORE_H) $(B)/tests/vectors.inc
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -I$(B)/tests -o $@ $(UNIT_SRC) -lcriterion -lssl -lcrypto

$(BPFT_BIN): $(BPFT_SRC) $(wildcard tests/bpf/*.h) $(CORE_H) $(B)/mpxdp.skel.h $(B)/tests/vectors.inc
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/bpf -I$(B)/tests -o $@ $(BPFT_SRC) -lcriterion $(LIBS)

unit: $(UNIT_BIN)
	$(UNIT_BIN) --jobs 1

# --- fuzzing (docs/fuzzing.md) -------------------------------------------
# Seeds come from the kernel vectors in shared/ beside the repository, or
# from the copies in tests/data when it is absent.
FUZZ_SECONDS ?= 300
FUZZ_VECTORS ?= $(firstword $(wildcard ../shared/vectors) tests/data)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 $(FUZZ_SAN) -Wall -Wextra -Wno-unused-parameter \
	-Wno-missing-field-initializers -Iinclude -Ilib -Itests/unit -D_GNU_SOURCE
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_NAMES:%=$(B)/fuzz/fuzz_%)
FUZZ_SEEDS := $(B)/fuzz/seeds/.stamp

# The reference helpers get no coverage instrumentation: the fuzzer should
# steer by the core's branches, and checksumming 64 KiB frames with every
# comparison traced would take most of its time.
$(B)/fuzz/util.o: tests/unit/util.c tests/unit/util.h lib/keys.c lib/keys.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -c -o $@ $<

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/unit/tcore.h $(B)/fuzz/util.o \
		$(CORE_H)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(B)/fuzz/util.o -lssl -lcrypto

$(FUZZ_SEEDS): tests/fuzz/seeds.py tests/data/genvec.py $(wildcard $(FUZZ_VECTORS)/*.pcap)
	python3 tests/fuzz/seeds.py $(FUZZ_VECTORS) $(@D)
	@touch $@

fuzz: $(FUZZ_BIN) $(FUZZ_SEEDS)
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(B)/fuzz $(FUZZ_NAMES)

fuzz-short: $(FUZZ_BIN) $(FUZZ_SEEDS)
	tests/fuzz/run.sh 60 $(B)/fuzz $(FUZZ_NAMES)

bpftest: $(BPFT_BIN) $(B)/mpxdp.bpf.o
	$(BPFT_BIN) --jobs 1

netns: all $(B)/tests/reject.bpf.o
	tests/netns/run.sh

# Not in check: path failure and random loss on one of two paths stall
# intermittently (issue 3, docs/design.md "Several subflows"); kept
# runnable, not hidden.
netns-faults: all $(B)/tests/reject.bpf.o
	tests/netns/run.sh x_failover x_loss

installtest: all
	tests/install/t_install.sh

check: all unit fuzz-short bpftest installtest netns

demo: all
	tools/demo.sh

bench: all
	tools/bench.sh

# The unit names /usr/sbin and /etc/default: rewritten for other places.
# An existing /etc/default/mpxdpd is the operator's and is kept.
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/mpxdp \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/default
	install -m 0755 $(B)/mpxdpd $(B)/mpxdp $(DESTDIR)$(PREFIX)/sbin/
	install -m 0644 $(B)/mpxdp.bpf.o $(DESTDIR)$(PREFIX)/lib/mpxdp/
	install -m 0644 docs/mpxdp.8 docs/mpxdpd.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	sed -e 's|/usr/sbin/|$(PREFIX)/sbin/|g' -e 's|/etc/default/|$(SYSCONFDIR)/default/|g' \
		tools/systemd/mpxdpd.service >$(DESTDIR)$(UNITDIR)/mpxdpd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/mpxdpd.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/mpxdpd ] || \
		install -m 0644 tools/systemd/mpxdpd.default $(DESTDIR)$(SYSCONFDIR)/default/mpxdpd

clean:
	rm -rf $(B)
