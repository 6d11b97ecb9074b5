# Test harness for perfctr: builds the guest kernel (cached), the module
# and the test helpers, and runs the shell tests inside a QEMU guest.
# See "Building and testing" in README.md.

BUILD         := $(CURDIR)/build
PERFCTR_CACHE ?= /var/cache/perfctr
TESTS         ?= $(CURDIR)/shell-tests
TIMEOUT       ?= 1800
VERBOSE       ?= 0

KTREE   := $(BUILD)/linux
BZIMAGE := $(KTREE)/arch/x86/boot/bzImage
BIN     := $(BUILD)/bin
INITRD  := $(BUILD)/initramfs.cpio.gz
MODULE  := $(CURDIR)/driver/perfctr.ko
VM      := TIMEOUT=$(TIMEOUT) VERBOSE=$(VERBOSE) qemu/run-vm.sh

.PHONY: check shell demo deps host-check lint kernel module helpers initramfs clean

check: host-check lint initramfs
	@rm -f $(BUILD)/summary
	@status=0; $(VM) check $(BZIMAGE) $(INITRD) $(BUILD) || status=$$?; \
	qemu/report.sh $(BUILD)/results.tap $(BUILD)/console.log $$status $(BUILD)/summary

shell: initramfs
	@$(VM) shell $(BZIMAGE) $(INITRD) $(BUILD)

demo: demo/demo.sh initramfs
	@$(VM) demo $(BZIMAGE) $(INITRD) $(BUILD); \
	if grep -qx '# harness: demo exit status 0' $(BUILD)/demo-results; then \
		echo "demo: done"; \
	else \
		echo "demo: FAILED: $$(grep '^# harness: ' $(BUILD)/demo-results || echo 'the guest did not finish the demo')"; \
		exit 1; \
	fi

demo/demo.sh:
	@echo "make demo: $@ does not exist yet" >&2; exit 1

deps:
	@qemu/install-deps.sh

# Tests of the harness itself that need no guest.
host-check: deps
	@bats qemu/tests

# checkpatch --strict and sparse on the patches and the module.
lint: module
	@scripts/lint.sh $(KTREE)

kernel: deps
	@qemu/build-kernel.sh $(PERFCTR_CACHE) $(KTREE)

module: kernel
ifneq ($(wildcard driver/.),)
	$(MAKE) -C $(KTREE) M=$(CURDIR)/driver modules
else
	@echo "module: no driver/ yet; the guest boots without a module"
endif

# Every C file in a helper dir becomes a static binary in $(BIN), which the
# guest has on PATH as /opt/perfctr/bin.
HELPER_CFLAGS := -static -O2 -Wall -pthread -I$(CURDIR)/include
define static-programs
PROGRAMS += $$(patsubst $(1)/%.c,$$(BIN)/%,$$(wildcard $(1)/*.c))
$$(BIN)/%: $(1)/%.c | deps
	@mkdir -p $$(@D) $(BUILD)/deps
	gcc $$(HELPER_CFLAGS) -MMD -MP -MF $(BUILD)/deps/$$*.d -o $$@ $$<
endef
$(eval $(call static-programs,shell-tests/helpers))
-include $(wildcard $(BUILD)/deps/*.d)

helpers: $(PROGRAMS)

# Rebuilt every time: it takes seconds, and TESTS may differ between runs.
initramfs: module helpers
	@qemu/initramfs.sh $(INITRD) $(abspath $(TESTS)) $(BIN) $(MODULE) $(CURDIR)/demo

clean:
	@if [ -d $(KTREE)/ ] && [ -d driver ]; then \
		$(MAKE) -C $(KTREE) M=$(CURDIR)/driver clean; \
	fi
	rm -rf $(BUILD)
