/*
 * influxdb._speedups: seven hot loops of the package, in C.
 *
 * Optional: the package works without it (pure Python, the same output), and
 * INFLUXDB_PURE_PYTHON=1 switches it off (influxdb/_accel.py, which picks each function's C
 * or Python version once, at import).  Each function has a Python counterpart that stays the
 * reference; tests/unit/test_speedups.py and the tests it names compare the two.
 *
 * One extension module, one file per role (speedups.h: what they share):
 *   encode.c   encode(): line protocol of plain points (line_protocol)
 *   scans.c    without_byte(): the padding of DataFrame line matrices removed
 *              (_dataframe.lines); count_timeless(), split_lines(): which pre-built lines
 *              have no time (_core.stamps), the lines of a body (_core.lines)
 *   msgpack.c  msgpack_ext_hook(), msgpack_decode(): InfluxDB's msgpack timestamps as
 *              RFC3339 text, whole msgpack documents (_core.answers)
 *   rows.c     dict_rows(): answer rows as {column: value} dicts (resultset)
 *   module.c   the module, made of the four files' method tables
 */

#include "speedups.h"

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "influxdb._speedups",
    "Hot loops in C (optional; see influxdb/_accel.py).", -1, NULL,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (speedups_encode_init() < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddFunctions(module, speedups_encode_methods) < 0
        || PyModule_AddFunctions(module, speedups_scan_methods) < 0
        || PyModule_AddFunctions(module, speedups_msgpack_methods) < 0
        || PyModule_AddFunctions(module, speedups_rows_methods) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
