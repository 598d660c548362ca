/*
 * influxdb._speedups: bytes and lines scanned in one pass.
 *
 * without_byte(): the padding of DataFrame line matrices removed (_dataframe.lines).
 *
 * count_timeless(), split_lines(): which pre-built lines have no time (_core.stamps), and
 * the lines of a body, a new line in a string field kept in its line (_core.lines).
 */

#include "speedups.h"

PyDoc_STRVAR(without_byte_doc,
"without_byte(data, byte)\n"
"--\n\n"
"The bytes of ``data`` (any C-contiguous buffer) with every ``byte`` left out: the\n"
"padding of the DataFrame line matrices (``np.compress(flat != byte, flat)``).");

static PyObject *
without_byte(PyObject *module, PyObject *args)
{
    Py_buffer view;
    int byte;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*i", &view, &byte)) {
        return NULL;
    }
    PyObject *result = NULL;
    char *out = PyMem_Malloc(view.len > 0 ? (size_t)view.len : 1);
    if (out == NULL) {
        PyErr_NoMemory();
    }
    else {
        const unsigned char *in = view.buf;
        const unsigned char drop = (unsigned char)byte;
        Py_ssize_t kept = 0;
        const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
        const uint64_t pattern = ones * drop;
        Py_ssize_t i = 0;
        Py_BEGIN_ALLOW_THREADS
        /* Eight bytes at a time: text and padding come in runs, so most words are all
           kept or all dropped; mixed words go byte by byte, without branches. */
        for (; i + 8 <= view.len; i += 8) {
            uint64_t word;
            memcpy(&word, in + i, 8);
            uint64_t x = word ^ pattern; /* a zero byte where ``drop`` was */
            if (((x - ones) & ~x & highs) == 0) {
                memcpy(out + kept, &word, 8);
                kept += 8;
            }
            else if (word != pattern) {
                for (int j = 0; j < 8; j++) {
                    out[kept] = (char)in[i + j];
                    kept += in[i + j] != drop;
                }
            }
        }
        for (; i < view.len; i++) {
            out[kept] = (char)in[i];
            kept += in[i] != drop;
        }
        Py_END_ALLOW_THREADS
        result = PyBytes_FromStringAndSize(out, kept);
        PyMem_Free(out);
    }
    PyBuffer_Release(&view);
    return result;
}

/* -- lines of line protocol: which have no time, where they end ------------------------ */

PyDoc_STRVAR(count_timeless_doc,
"count_timeless(lines)\n"
"--\n\n"
"How many of ``lines`` (a list or tuple of str, one line each) have no timestamp, by\n"
"_core.stamps._line_is_timeless's rule (the text after the last space holds a ``=`` or ends\n"
"with ``\"``; empty lines and comments have a time); -1 when an item is not a str or holds\n"
"a new line (the caller looks closer).  Reference: _core.stamps._count_timeless_plain.");

/* 1: no timestamp, 0: one (or a comment, an empty line), -1: the text holds a new line. */
static int
line_timeless(PyObject *line)
{
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(line) < 0) {
        return -2;
    }
#endif
    const Py_ssize_t n = PyUnicode_GET_LENGTH(line);
    const int kind = PyUnicode_KIND(line);
    const void *data = PyUnicode_DATA(line);
    if (n == 0) {
        return 0;
    }
    if (kind == PyUnicode_1BYTE_KIND) {
        if (memchr(data, '\n', (size_t)n) != NULL) {
            return -1;
        }
    }
    else {
        for (Py_ssize_t i = 0; i < n; i++) {
            if (PyUnicode_READ(kind, data, i) == '\n') {
                return -1;
            }
        }
    }
    if (PyUnicode_READ(kind, data, 0) == '#') {
        return 0;
    }
    /* The tail, after the last space: a time holds no '=' and does not end with '"'. */
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        const Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == ' ') {
            break;
        }
        if (c == '=') {
            return 1;
        }
    }
    return PyUnicode_READ(kind, data, n - 1) == '"';
}

static PyObject *
count_timeless(PyObject *module, PyObject *lines)
{
    (void)module;
    if (!PyList_Check(lines) && !PyTuple_Check(lines)) {
        PyErr_SetString(PyExc_TypeError, "count_timeless() takes a list or tuple of str");
        return NULL;
    }
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(lines);
    PyObject **items = PySequence_Fast_ITEMS(lines);
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyUnicode_Check(items[i])) {
            return PyLong_FromLong(-1);
        }
        const int timeless = line_timeless(items[i]);
        if (timeless == -2) {
            return NULL;
        }
        if (timeless < 0) {
            return PyLong_FromLong(-1);
        }
        count += timeless;
    }
    return PyLong_FromSsize_t(count);
}

PyDoc_STRVAR(split_lines_doc,
"split_lines(body)\n"
"--\n\n"
"The lines of a line-protocol body (bytes), without their new lines and without blank\n"
"ones: a new line inside a quoted string field value, or escaped by a backslash, belongs\n"
"to its line.  One linear pass; the reference is _core.lines._split_quote_aware_py\n"
"(a regular expression, whose first match this follows step by step).");

/* Where a run of escaped text ends: bytes other than a backslash, a space and a new line
   (and, in a key, a comma and '='), or a backslash and the byte after it (a lone backslash
   at the end stops the run). */
static Py_ssize_t
lp_run(const char *s, Py_ssize_t i, Py_ssize_t n, int key)
{
    while (i < n) {
        const char c = s[i];
        if (c == '\\') {
            if (i + 1 >= n) {
                break;
            }
            i += 2;
            continue;
        }
        if (c == ' ' || c == '\n' || (key && (c == ',' || c == '='))) {
            break;
        }
        i++;
    }
    return i;
}

/* The end of ``key=value`` starting at i, or -1.  A value starting with '"' is a quoted
   string up to the next unescaped '"' (new lines included); unterminated, it is plain text
   up to a space, comma or new line, as the other values.  ``last_quote``: the position of
   the body's last '"' (no string opened at or after it can be closed). */
static Py_ssize_t
lp_field(const char *s, Py_ssize_t i, Py_ssize_t n, Py_ssize_t last_quote)
{
    const Py_ssize_t end = lp_run(s, i, n, 1);
    if (end == i || end >= n || s[end] != '=') {
        return -1;
    }
    i = end + 1;
    if (i < last_quote && s[i] == '"') {
        for (Py_ssize_t j = i + 1; j < n; j++) {
            if (s[j] == '"') {
                return j + 1;
            }
            if (s[j] == '\\') {
                if (j + 1 >= n) {
                    break;
                }
                j++;
            }
        }
    }
    while (i < n && s[i] != ' ' && s[i] != ',' && s[i] != '\n') {
        i++;
    }
    return i;
}

/* Where the line starting at ``pos`` ends: measurement and tags, then optionally a space,
   fields, and a space and anything up to the new line (the timestamp). */
static Py_ssize_t
lp_line_end(const char *s, Py_ssize_t pos, Py_ssize_t n, Py_ssize_t last_quote)
{
    Py_ssize_t i = lp_run(s, pos, n, 0);
    if (i < n && s[i] == ' ') {
        Py_ssize_t j = lp_field(s, i + 1, n, last_quote);
        if (j >= 0) {
            i = j;
            while (i < n && s[i] == ',') {
                j = lp_field(s, i + 1, n, last_quote);
                if (j < 0) {
                    break;
                }
                i = j;
            }
            if (i < n && s[i] == ' ') {
                const char *nl = memchr(s + i, '\n', (size_t)(n - i));
                i = nl == NULL ? n : nl - s;
            }
        }
    }
    return i;
}

static int
lp_blank(const char *s, Py_ssize_t len)
{
    for (Py_ssize_t i = 0; i < len; i++) {
        const char c = s[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\x0b' && c != '\x0c') {
            return 0;
        }
    }
    return 1;
}

static PyObject *
split_lines(PyObject *module, PyObject *body)
{
    (void)module;
    if (!PyBytes_Check(body)) {
        PyErr_SetString(PyExc_TypeError, "split_lines() takes bytes");
        return NULL;
    }
    const char *s = PyBytes_AS_STRING(body);
    const Py_ssize_t n = PyBytes_GET_SIZE(body);
    Py_ssize_t last_quote = -1;
    for (Py_ssize_t i = n - 1; i >= 0; i--) {
        if (s[i] == '"') {
            last_quote = i;
            break;
        }
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t pos = 0;
    while (pos < n) {
        Py_ssize_t stop = lp_line_end(s, pos, n, last_quote);
        if (stop < n && s[stop] != '\n') {
            /* Not a well-formed line: the server will say so; cut at the next new line. */
            const char *nl = memchr(s + pos, '\n', (size_t)(n - pos));
            stop = nl == NULL ? n : nl - s;
        }
        if (!lp_blank(s + pos, stop - pos)) {
            PyObject *line = PyBytes_FromStringAndSize(s + pos, stop - pos);
            if (line == NULL || PyList_Append(out, line) < 0) {
                Py_XDECREF(line);
                Py_DECREF(out);
                return NULL;
            }
            Py_DECREF(line);
        }
        pos = stop + 1;
    }
    return out;
}

PyMethodDef speedups_scan_methods[] = {
    {"without_byte", without_byte, METH_VARARGS, without_byte_doc},
    {"count_timeless", count_timeless, METH_O, count_timeless_doc},
    {"split_lines", split_lines, METH_O, split_lines_doc},
    {NULL, NULL, 0, NULL},
};
