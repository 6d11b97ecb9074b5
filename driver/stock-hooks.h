/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: stock mode's hooks (stock-hooks.c)
 */
#ifndef _PERFCTR_STOCK_HOOKS_H
#define _PERFCTR_STOCK_HOOKS_H

#include <linux/atomic.h>

extern atomic_long_t pc_stock_missed_release;
extern atomic_long_t pc_stock_missed_exit;

int pc_stock_hook(void);
void pc_stock_unhook(void);
unsigned long pc_stock_missed_probes(void);

#endif /* _PERFCTR_STOCK_HOOKS_H */
