// SPDX-License-Identifier: GPL-2.0
/*
 * icprof: a QEMU TCG plugin that counts the guest instructions executed in
 * each translation block, for an exact per-function profile of a benchmark
 * under -icount (where guest time is executed instructions).
 *
 *   qemu-system-x86_64 ... -plugin icprof.so,mark=0xADDR,out=FILE
 *
 * Every time the guest executes the block that starts at ADDR (the entry of
 * a system call the workload never makes, sys_sync, so that `sync` in the
 * guest marks a point in time), the plugin appends a snapshot of all its
 * counters to FILE:
 *
 *   snapshot N
 *   VADDR INSNS EXECS		(one line per block executed so far)
 *
 * The difference of two snapshots is what ran between the two marks; the
 * host side (icprof.py) turns block addresses into function names.
 *
 * Only QEMU's stable plugin interface, version 1, is used (QEMU 4.2 and
 * later); its few declarations are written out below, so that the plugin
 * builds without QEMU's sources.  One vCPU: the inline counters are not
 * atomic, as the interface documents.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* The plugin interface (QEMU's include/qemu/qemu-plugin.h, version 1). */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_info;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb)(unsigned int vcpu_index, void *userdata);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   tb_trans_cb cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  vcpu_udata_cb cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb,
				    void *userdata);

EXPORT int qemu_plugin_version = 1;

/*
 * One counter per (start address, length) of a block: a block translated
 * again (after a TLB flush, or the same user address in another process)
 * counts into the same entry.  Entries never move: the translated code
 * holds their address.
 */
struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t execs;
	struct block *next;	/* hash chain */
	struct block *all;	/* every entry, for the snapshots */
};

#define HASH_BITS	20
static struct block *hash[1u << HASH_BITS];
static struct block *blocks;
static uint64_t mark;
static FILE *out;
static unsigned int snapshots;

static struct block *block_get(uint64_t vaddr, uint64_t insns)
{
	unsigned int h = (unsigned int)((vaddr ^ (vaddr >> 21) ^ insns) *
					0x9e3779b1u) >> (32 - HASH_BITS);
	struct block *b;

	for (b = hash[h]; b; b = b->next)
		if (b->vaddr == vaddr && b->insns == insns)
			return b;
	b = calloc(1, sizeof(*b));
	if (!b) {
		fprintf(stderr, "icprof: out of memory\n");
		exit(1);
	}
	b->vaddr = vaddr;
	b->insns = insns;
	b->next = hash[h];
	hash[h] = b;
	b->all = blocks;
	blocks = b;
	return b;
}

static void snapshot(unsigned int vcpu_index, void *userdata)
{
	struct block *b;

	(void)vcpu_index;
	(void)userdata;
	fprintf(out, "snapshot %u\n", ++snapshots);
	for (b = blocks; b; b = b->all)
		if (b->execs)
			fprintf(out, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
				b->vaddr, b->insns, b->execs);
	fflush(out);
}

static void translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct block *b = block_get(vaddr, qemu_plugin_tb_n_insns(tb));

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->execs, 1);
	if (vaddr == mark)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, snapshot,
						     QEMU_PLUGIN_CB_NO_REGS,
						     NULL);
}

static void finished(qemu_plugin_id_t id, void *userdata)
{
	(void)id;
	(void)userdata;
	fclose(out);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
			       const struct qemu_info *info,
			       int argc, char **argv)
{
	const char *path = NULL;
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "mark=", 5))
			mark = strtoull(argv[i] + 5, NULL, 16);
		else if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
	}
	if (!mark || !path) {
		fprintf(stderr, "icprof: usage: -plugin icprof.so,mark=ADDR,out=FILE\n");
		return 1;
	}
	out = fopen(path, "w");
	if (!out) {
		perror(path);
		return 1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, translated);
	qemu_plugin_register_atexit_cb(id, finished, NULL);
	return 0;
}
