/* SPDX-License-Identifier: GPL-2.0 */
/*
 * perfctr: stock mode's filesystem, /sys/fs/perfctr (stock-fs.c)
 */
#ifndef _PERFCTR_STOCK_FS_H
#define _PERFCTR_STOCK_FS_H

int pc_stock_fs_init(void);
void pc_stock_fs_exit(void);

#endif /* _PERFCTR_STOCK_FS_H */
