/*
 * influxdb._speedups: answer rows.
 *
 * dict_rows(): answer rows as {column: value} dicts (resultset._rows).
 */

#include "speedups.h"

/* -- answer rows as dicts ------------------------------------------------------------------ */

PyDoc_STRVAR(dict_rows_doc,
"dict_rows(columns, values, start, stop)\n"
"--\n\n"
"``[dict(zip(columns, row)) for row in values[start:stop]]`` for a tuple of str column\n"
"names and a list of rows (ResultSet.get_points, resultset._rows): the same dicts, built\n"
"without a Python call per row.");

static PyObject *
dict_rows(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 4 || !PyTuple_CheckExact(args[0]) || !PyList_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "dict_rows(tuple, list, start, stop)");
        return NULL;
    }
    PyObject *columns = args[0], *values = args[1];
    const Py_ssize_t width = PyTuple_GET_SIZE(columns);
    for (Py_ssize_t j = 0; j < width; j++) {
        /* exact str keys: inserting them runs no Python code (cached hash, C equality) */
        if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(columns, j))) {
            PyErr_SetString(PyExc_TypeError, "column names must be str");
            return NULL;
        }
    }
    Py_ssize_t start = PyLong_AsSsize_t(args[2]);
    if (start == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_ssize_t stop = PyLong_AsSsize_t(args[3]);
    if (stop == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (stop > PyList_GET_SIZE(values)) {
        stop = PyList_GET_SIZE(values);
    }
    if (start < 0) {
        start = 0;
    }
    if (start > stop) {
        start = stop;
    }
    PyObject *out = PyList_New(stop - start);
    if (out == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = start; i < stop; i++) {
        PyObject *dict;
        /* A collection set off by an allocation may run finalizers: the list's length and
           the row's are read again at every step, and the row is held. */
        if (i >= PyList_GET_SIZE(values)) {
            dict = PyDict_New();
        }
        else {
            PyObject *row = PyList_GET_ITEM(values, i);
            Py_INCREF(row);
            dict = PyDict_New();
            if (dict != NULL && (PyList_CheckExact(row) || PyTuple_CheckExact(row))) {
                for (Py_ssize_t j = 0; j < width; j++) {
                    PyObject *item;
                    if (PyList_CheckExact(row)) {
                        if (j >= PyList_GET_SIZE(row)) {
                            break;
                        }
                        item = PyList_GET_ITEM(row, j);
                    }
                    else {
                        if (j >= PyTuple_GET_SIZE(row)) {
                            break;
                        }
                        item = PyTuple_GET_ITEM(row, j);
                    }
                    Py_INCREF(item);
                    int failed = PyDict_SetItem(dict, PyTuple_GET_ITEM(columns, j), item);
                    Py_DECREF(item);
                    if (failed) {
                        Py_CLEAR(dict);
                        break;
                    }
                }
            }
            else if (dict != NULL) { /* any other iterable, taken as zip() takes it */
                PyObject *iterator = PyObject_GetIter(row);
                if (iterator == NULL) {
                    Py_CLEAR(dict);
                }
                for (Py_ssize_t j = 0; dict != NULL && j < width; j++) {
                    PyObject *item = PyIter_Next(iterator);
                    if (item == NULL) {
                        if (PyErr_Occurred()) {
                            Py_CLEAR(dict);
                        }
                        break;
                    }
                    int failed = PyDict_SetItem(dict, PyTuple_GET_ITEM(columns, j), item);
                    Py_DECREF(item);
                    if (failed) {
                        Py_CLEAR(dict);
                    }
                }
                Py_XDECREF(iterator);
            }
            Py_DECREF(row);
        }
        if (dict == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i - start, dict);
    }
    return out;
}

PyMethodDef speedups_rows_methods[] = {
    {"dict_rows", (PyCFunction)(void (*)(void))dict_rows, METH_FASTCALL, dict_rows_doc},
    {NULL, NULL, 0, NULL},
};
