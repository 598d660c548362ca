/*
 * influxdb._speedups: msgpack answers.
 *
 * msgpack_ext_hook(): InfluxDB's msgpack timestamps as RFC3339 text (_core.answers).
 *
 * msgpack_decode(): whole msgpack documents, with those timestamps (_core.answers).
 */

#include "speedups.h"

/* -- msgpack timestamps ------------------------------------------------------------------ */

static PyObject *ext_fallback = NULL; /* the Python hook, for everything but plain times */

/* Year, month and day of a day count from 1970-01-01 (Howard Hinnant's civil_from_days). */
static void
civil_from_days(long long z, long long *year, unsigned *month, unsigned *day)
{
    z += 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (long long)yoe + era * 400 + (*month <= 2);
}

static void
put_digits(char *out, unsigned value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

PyDoc_STRVAR(msgpack_ext_hook_doc,
"msgpack_ext_hook(code, data)\n"
"--\n\n"
"InfluxDB's msgpack timestamp (type 5: 8 bytes of seconds, 4 of nanoseconds, big-endian)\n"
"as the RFC3339Nano text of the JSON answers, for years 1 to 9999; anything else goes to\n"
"the Python hook given to set_ext_fallback().");

/* The RFC3339Nano text of a 12-byte type-5 payload, or NULL without an error when the
   time is not plain (nanoseconds >= 1e9, a year outside 1-9999): the Python hook's. */
static PyObject *
timestamp_text(const unsigned char *data)
{
    uint64_t raw = 0;
    for (int i = 0; i < 8; i++) {
        raw = (raw << 8) | data[i];
    }
    uint32_t nanos = ((uint32_t)data[8] << 24) | ((uint32_t)data[9] << 16) |
                     ((uint32_t)data[10] << 8) | data[11];
    long long seconds = (long long)raw;
    long long days = floor_div(seconds, 86400);
    long long second_of_day = seconds - days * 86400;
    long long year;
    unsigned month, day;
    if (nanos >= 1000000000u || days <= -1000000000LL || days >= 1000000000LL) {
        return NULL;
    }
    civil_from_days(days, &year, &month, &day);
    if (year < 1 || year > 9999) {
        return NULL;
    }
    char text[32];
    put_digits(text, (unsigned)year, 4);
    text[4] = '-';
    put_digits(text + 5, month, 2);
    text[7] = '-';
    put_digits(text + 8, day, 2);
    text[10] = 'T';
    put_digits(text + 11, (unsigned)(second_of_day / 3600), 2);
    text[13] = ':';
    put_digits(text + 14, (unsigned)(second_of_day / 60 % 60), 2);
    text[16] = ':';
    put_digits(text + 17, (unsigned)(second_of_day % 60), 2);
    int length = 19;
    if (nanos) { /* Go's RFC3339Nano: the fraction without trailing zeros */
        text[19] = '.';
        put_digits(text + 20, nanos, 9);
        length = 29;
        while (text[length - 1] == '0') {
            length--;
        }
    }
    text[length++] = 'Z';
    PyObject *result = PyUnicode_New(length, 127);
    if (result != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(result), text, (size_t)length);
    }
    return result;
}

/* The Python hook, for what the C code leaves: (code, data). */
static PyObject *
call_ext_fallback(PyObject *const *args, Py_ssize_t nargs)
{
    if (ext_fallback == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "set_ext_fallback() was not called");
        return NULL;
    }
    return PyObject_Vectorcall(ext_fallback, args, (size_t)nargs, NULL);
}

static PyObject *
msgpack_ext_hook(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs == 2 && PyLong_CheckExact(args[0]) && PyBytes_CheckExact(args[1]) &&
        PyBytes_GET_SIZE(args[1]) == 12 && PyLong_AsLong(args[0]) == 5) {
        PyObject *text = timestamp_text((const unsigned char *)PyBytes_AS_STRING(args[1]));
        if (text != NULL || PyErr_Occurred()) {
            return text;
        }
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    return call_ext_fallback(args, nargs);
}

static PyObject *
set_ext_fallback(PyObject *module, PyObject *hook)
{
    (void)module;
    if (!PyCallable_Check(hook)) {
        PyErr_SetString(PyExc_TypeError, "the fallback must be callable");
        return NULL;
    }
    Py_INCREF(hook);
    Py_XSETREF(ext_fallback, hook);
    Py_RETURN_NONE;
}

/* -- msgpack documents ---------------------------------------------------------------------- */

/* A msgpack decoder for what /query answers hold, equal to msgpack.unpackb(data,
   ext_hook=msgpack_ext_hook, raw=False, strict_map_key=False) wherever it succeeds: type-5
   times become text here, without the call msgpack makes per extension value (about a
   quarter of a million-row answer's decoding).  Whatever it does not handle (malformed or
   cut data, timestamp extensions of type -1, unhashable keys, nesting deeper than
   MAX_DEPTH) makes it fail, and the caller decodes the same bytes with msgpack instead,
   which gives the result or raises its own error. */

#define MAX_DEPTH 256

typedef struct {
    const unsigned char *p;
    const unsigned char *end;
    int depth;
} Reader;

static PyObject *
unsupported(const char *what)
{
    PyErr_SetString(PyExc_ValueError, what);
    return NULL;
}

static int
take(Reader *r, Py_ssize_t n, const unsigned char **out)
{
    *out = NULL; /* set on every path: callers read it only on success, which -O3 cannot see */
    if (n < 0 || r->end - r->p < n) {
        unsupported("msgpack data cut short");
        return -1;
    }
    *out = r->p;
    r->p += n;
    return 0;
}

static uint64_t
big_endian(const unsigned char *p, int n)
{
    uint64_t value = 0;
    for (int i = 0; i < n; i++) {
        value = (value << 8) | p[i];
    }
    return value;
}

static PyObject *read_object(Reader *r);

static PyObject *
read_ext(Reader *r, Py_ssize_t length)
{
    const unsigned char *head, *data;
    if (take(r, 1, &head) < 0 || take(r, length, &data) < 0) {
        return NULL;
    }
    int code = (signed char)head[0];
    if (code == -1) {
        return unsupported("msgpack timestamp extension"); /* msgpack's own Timestamp */
    }
    if (code == 5 && length == 12) {
        PyObject *text = timestamp_text(data);
        if (text != NULL || PyErr_Occurred()) {
            return text;
        }
    }
    PyObject *args[2];
    args[0] = PyLong_FromLong(code);
    args[1] = PyBytes_FromStringAndSize((const char *)data, length);
    PyObject *result = NULL;
    if (args[0] != NULL && args[1] != NULL) {
        result = call_ext_fallback(args, 2);
    }
    Py_XDECREF(args[0]);
    Py_XDECREF(args[1]);
    return result;
}

static PyObject *
read_array(Reader *r, Py_ssize_t count)
{
    if (count > r->end - r->p) { /* every item takes a byte at least */
        return unsupported("msgpack array longer than the data");
    }
    PyObject *list = PyList_New(count);
    if (list == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = read_object(r);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

static PyObject *
read_map(Reader *r, Py_ssize_t count)
{
    if (count > (r->end - r->p) / 2) {
        return unsupported("msgpack map longer than the data");
    }
    PyObject *dict = PyDict_New();
    if (dict == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *key = read_object(r);
        if (key == NULL) {
            Py_DECREF(dict);
            return NULL;
        }
        if (PyUnicode_CheckExact(key)) {
            PyUnicode_InternInPlace(&key); /* as msgpack does */
        }
        PyObject *value = read_object(r);
        int failed = value == NULL || PyDict_SetItem(dict, key, value) < 0;
        Py_DECREF(key);
        Py_XDECREF(value);
        if (failed) {
            Py_DECREF(dict);
            return NULL;
        }
    }
    return dict;
}

static PyObject *
read_str(Reader *r, Py_ssize_t length)
{
    const unsigned char *data;
    if (take(r, length, &data) < 0) {
        return NULL;
    }
    return PyUnicode_DecodeUTF8((const char *)data, length, NULL);
}

static PyObject *
read_bin(Reader *r, Py_ssize_t length)
{
    const unsigned char *data;
    if (take(r, length, &data) < 0) {
        return NULL;
    }
    return PyBytes_FromStringAndSize((const char *)data, length);
}

static PyObject *
read_nested(Reader *r, int is_map, Py_ssize_t count)
{
    if (++r->depth > MAX_DEPTH) {
        return unsupported("msgpack nesting too deep");
    }
    PyObject *result = is_map ? read_map(r, count) : read_array(r, count);
    r->depth--;
    return result;
}

static PyObject *
read_object(Reader *r)
{
    const unsigned char *head, *data;
    if (take(r, 1, &head) < 0) {
        return NULL;
    }
    const unsigned char byte = head[0];
    if (byte <= 0x7f) {
        return PyLong_FromLong(byte);
    }
    if (byte >= 0xe0) {
        return PyLong_FromLong((long)(signed char)byte);
    }
    if (byte <= 0x8f) {
        return read_nested(r, 1, byte & 0x0f);
    }
    if (byte <= 0x9f) {
        return read_nested(r, 0, byte & 0x0f);
    }
    if (byte <= 0xbf) {
        return read_str(r, byte & 0x1f);
    }
    static const int widths[] = {
        /* c4-c6 bin, c7-c9 ext, ca-cb float, cc-cf uint, d0-d3 int */
        1, 2, 4, 1, 2, 4, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8,
    };
    switch (byte) {
    case 0xc0:
        Py_RETURN_NONE;
    case 0xc2:
        Py_RETURN_FALSE;
    case 0xc3:
        Py_RETURN_TRUE;
    case 0xc4: case 0xc5: case 0xc6:
    case 0xc7: case 0xc8: case 0xc9: {
        int width = widths[byte - 0xc4];
        if (take(r, width, &data) < 0) {
            return NULL;
        }
        Py_ssize_t length = (Py_ssize_t)big_endian(data, width);
        return byte <= 0xc6 ? read_bin(r, length) : read_ext(r, length);
    }
    case 0xca: {
        if (take(r, 4, &data) < 0) {
            return NULL;
        }
        uint32_t bits = (uint32_t)big_endian(data, 4);
        float value;
        memcpy(&value, &bits, 4);
        return PyFloat_FromDouble((double)value);
    }
    case 0xcb: {
        if (take(r, 8, &data) < 0) {
            return NULL;
        }
        uint64_t bits = big_endian(data, 8);
        double value;
        memcpy(&value, &bits, 8);
        return PyFloat_FromDouble(value);
    }
    case 0xcc: case 0xcd: case 0xce: case 0xcf: {
        int width = widths[byte - 0xc4];
        if (take(r, width, &data) < 0) {
            return NULL;
        }
        return PyLong_FromUnsignedLongLong((unsigned long long)big_endian(data, width));
    }
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        int width = widths[byte - 0xc4];
        if (take(r, width, &data) < 0) {
            return NULL;
        }
        uint64_t bits = big_endian(data, width);
        int shift = 64 - 8 * width; /* sign-extend */
        long long value = (long long)(bits << shift) >> shift;
        return PyLong_FromLongLong(value);
    }
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
        return read_ext(r, (Py_ssize_t)1 << (byte - 0xd4));
    case 0xd9: case 0xda: case 0xdb: {
        int width = 1 << (byte - 0xd9);
        if (take(r, width, &data) < 0) {
            return NULL;
        }
        return read_str(r, (Py_ssize_t)big_endian(data, width));
    }
    case 0xdc: case 0xdd: case 0xde: case 0xdf: {
        int width = (byte & 1) ? 4 : 2;
        if (take(r, width, &data) < 0) {
            return NULL;
        }
        return read_nested(r, byte >= 0xde, (Py_ssize_t)big_endian(data, width));
    }
    default: /* 0xc1: never used */
        return unsupported("msgpack byte 0xc1");
    }
}

PyDoc_STRVAR(msgpack_decode_doc,
"msgpack_decode(data, start, end)\n"
"--\n\n"
"The one msgpack object that fills ``data[start:end]``, decoded as\n"
"``msgpack.unpackb(..., ext_hook=msgpack_ext_hook, raw=False, strict_map_key=False)``\n"
"would; raises (most often ValueError) for anything it does not handle, which the caller\n"
"then hands to msgpack (influxdb._core.answers.decode_msgpack).");

static PyObject *
msgpack_decode(PyObject *module, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t start, end;
    (void)module;
    if (!PyArg_ParseTuple(args, "y*nn", &view, &start, &end)) {
        return NULL;
    }
    PyObject *result = NULL;
    if (start < 0 || end > view.len || start > end) {
        unsupported("msgpack_decode: start and end out of the data");
    }
    else {
        Reader r = {(const unsigned char *)view.buf + start,
                    (const unsigned char *)view.buf + end, 0};
        result = read_object(&r);
        if (result != NULL && r.p != r.end) {
            Py_CLEAR(result);
            unsupported("msgpack data after the object");
        }
    }
    PyBuffer_Release(&view);
    return result;
}

PyMethodDef speedups_msgpack_methods[] = {
    {"msgpack_ext_hook", (PyCFunction)(void (*)(void))msgpack_ext_hook, METH_FASTCALL,
     msgpack_ext_hook_doc},
    {"msgpack_decode", msgpack_decode, METH_VARARGS, msgpack_decode_doc},
    {"set_ext_fallback", set_ext_fallback, METH_O,
     "set_ext_fallback(hook)\n--\n\nThe Python hook for what msgpack_ext_hook leaves."},
    {NULL, NULL, 0, NULL},
};
