/*
 * What the C files of influxdb._speedups share (private: compiled into that one module,
 * never installed).  Each file holds the functions of one role and ends with their method
 * table, which module.c adds to the module.
 */

#ifndef INFLUXDB_SPEEDUPS_H
#define INFLUXDB_SPEEDUPS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <float.h>
#include <math.h>
#include <string.h>

/* a / b rounded down (C rounds towards zero): for times before 1970. */
static inline long long
floor_div(long long a, long long b)
{
    long long q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        q -= 1;
    }
    return q;
}

/* encode.c: line protocol of plain points; its init imports the datetime C API and interns
   the point's keys (0, or -1 with an exception set). */
extern PyMethodDef speedups_encode_methods[];
int speedups_encode_init(void);

/* scans.c: DataFrame padding removed; which pre-built lines have no time, where they end. */
extern PyMethodDef speedups_scan_methods[];

/* msgpack.c: InfluxDB's msgpack timestamps and whole msgpack documents. */
extern PyMethodDef speedups_msgpack_methods[];

/* rows.c: answer rows as dicts. */
extern PyMethodDef speedups_rows_methods[];

#endif
