/*
 * influxdb._speedups: five hot loops of the package, in C.
 *
 * Optional: the package works without it (pure Python, the same output), and
 * INFLUXDB_PURE_PYTHON=1 switches it off (influxdb/_accel.py).  Each function has a Python
 * counterpart that stays the reference; tests/unit/test_speedups.py compares the two.
 *
 * encode(): line protocol for the plain case, which is most points a service writes: a dict
 * whose measurement, tags and field keys form a "shape" that line_protocol._encode_into has
 * already escaped and remembered in its shape cache, whose field values are str (ASCII, no
 * quote or backslash), int (64-bit), float (finite or NaN) or bool or None, and whose time
 * is None, an int in range or a naive datetime.  Every other point is handed to the Python
 * encoder (``slow(point, index)``), which returns its line, or raises naming it, and
 * remembers its shape for the points after it.  So the rules of the format live in Python
 * only; this file only repeats the formatting of values that the Python fast path
 * (line_protocol._FAST_FORMS) writes.  Within one call, a shape found in the cache is
 * found again without building its key (the table of known shapes, below).
 *
 * without_byte(): the padding of DataFrame line matrices removed (_dataframe.lines).
 *
 * count_timeless(), split_lines(): which pre-built lines have no time (_stamping), and
 * the lines of a body, a new line in a string field kept in its line (_batching.buffer).
 *
 * msgpack_ext_hook(): InfluxDB's msgpack timestamps as RFC3339 text (_transport).
 *
 * msgpack_decode(): whole msgpack documents, with those timestamps (_transport).
 *
 * dict_rows(): answer rows as {column: value} dicts (resultset._rows).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <stdint.h>
#include <float.h>
#include <math.h>
#include <string.h>

/* -- a growing byte buffer ----------------------------------------------------------- */

typedef struct {
    char *data;
    Py_ssize_t len;
    Py_ssize_t cap;
    int ascii;      /* every byte so far < 0x80 */
    int line_ascii; /* every byte of the last line from plain_line < 0x80 */
    int in_bytes;   /* the data is that of ``bytes``, which becomes the result (no copy) */
    PyObject *bytes;
} Buffer;

static int
buf_reserve(Buffer *b, Py_ssize_t extra)
{
    if (b->len + extra <= b->cap) {
        return 0;
    }
    Py_ssize_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) {
        cap *= 2;
    }
    if (b->in_bytes) {
        if (b->bytes == NULL) {
            b->bytes = PyBytes_FromStringAndSize(NULL, cap);
        }
        else if (_PyBytes_Resize(&b->bytes, cap) < 0) {
            b->bytes = NULL; /* freed by _PyBytes_Resize */
        }
        b->data = b->bytes == NULL ? NULL : PyBytes_AS_STRING(b->bytes);
        b->cap = b->bytes == NULL ? 0 : cap;
        return b->bytes == NULL ? -1 : 0;
    }
    char *data = PyMem_Realloc(b->data, (size_t)cap);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

static int
buf_put(Buffer *b, const char *text, Py_ssize_t n)
{
    if (buf_reserve(b, n) < 0) {
        return -1;
    }
    memcpy(b->data + b->len, text, (size_t)n);
    b->len += n;
    return 0;
}

/* The text of a str: ASCII data directly, other text through its (cached) UTF-8. */
static int
buf_put_str(Buffer *b, PyObject *text)
{
    Py_ssize_t n;
    const char *data;
    if (PyUnicode_IS_ASCII(text)) {
        data = (const char *)PyUnicode_1BYTE_DATA(text);
        n = PyUnicode_GET_LENGTH(text);
    }
    else {
        data = PyUnicode_AsUTF8AndSize(text, &n);
        if (data == NULL) {
            return -1;
        }
        b->ascii = 0;
    }
    return buf_put(b, data, n);
}

static const char DIGIT_PAIRS[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Decimal digits of an unsigned integer, written backwards from ``end``; returns the start. */
static char *
format_ull(char *end, unsigned long long magnitude)
{
    char *p = end;
    while (magnitude >= 10000) { /* four digits per 64-bit division, the pairs in 32 bits */
        unsigned four = (unsigned)(magnitude % 10000);
        magnitude /= 10000;
        unsigned high = four / 100 * 2, low = four % 100 * 2;
        p -= 4;
        p[0] = DIGIT_PAIRS[high];
        p[1] = DIGIT_PAIRS[high + 1];
        p[2] = DIGIT_PAIRS[low];
        p[3] = DIGIT_PAIRS[low + 1];
    }
    while (magnitude >= 100) {
        unsigned pair = (unsigned)(magnitude % 100) * 2;
        magnitude /= 100;
        *--p = DIGIT_PAIRS[pair + 1];
        *--p = DIGIT_PAIRS[pair];
    }
    if (magnitude >= 10) {
        unsigned pair = (unsigned)magnitude * 2;
        *--p = DIGIT_PAIRS[pair + 1];
        *--p = DIGIT_PAIRS[pair];
    }
    else {
        *--p = (char)('0' + magnitude);
    }
    return p;
}

/* Decimal digits of a 64-bit integer, written backwards from ``end``; returns the start. */
static char *
format_ll(char *end, long long value)
{
    char *p = format_ull(end, value < 0 ? 0ULL - (unsigned long long)value
                                        : (unsigned long long)value);
    if (value < 0) {
        *--p = '-';
    }
    return p;
}

static int
buf_put_ll(Buffer *b, long long value)
{
    char digits[24];
    char *start = format_ll(digits + sizeof digits, value);
    return buf_put(b, start, (Py_ssize_t)(digits + sizeof digits - start));
}

/* -- values ------------------------------------------------------------------------------ */

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static long long
floor_div(long long a, long long b)
{
    long long q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) {
        q -= 1;
    }
    return q;
}

/* The stamp of ``time``: 1 with *stamp set, 0 for "no time", -1 for "not the plain case". */
static int
plain_stamp(PyObject *time, long long low, long long high, long long factor, long long *stamp)
{
    if (time == NULL || time == Py_None) {
        return 0;
    }
    if (PyLong_CheckExact(time)) {
        int overflow = 0;
        long long value = PyLong_AsLongLongAndOverflow(time, &overflow);
        if (overflow || (value == -1 && PyErr_Occurred())) {
            PyErr_Clear();
            return -1;
        }
        if (value < low || value > high) {
            return -1;
        }
        *stamp = value;
        return 1;
    }
    if (PyDateTime_CheckExact(time) && !((_PyDateTime_BaseTZInfo *)time)->hastzinfo) {
        long long days = days_from_civil(PyDateTime_GET_YEAR(time),
                                         (unsigned)PyDateTime_GET_MONTH(time),
                                         (unsigned)PyDateTime_GET_DAY(time));
        long long seconds = days * 86400 + PyDateTime_DATE_GET_HOUR(time) * 3600 +
                            PyDateTime_DATE_GET_MINUTE(time) * 60 +
                            PyDateTime_DATE_GET_SECOND(time);
        /* |seconds| <= 9e9 keeps the nanoseconds inside 64 bits; farther is out of range. */
        if (seconds > 9000000000LL || seconds < -9000000000LL) {
            return -1;
        }
        long long nanos = seconds * 1000000000LL +
                          (long long)PyDateTime_DATE_GET_MICROSECOND(time) * 1000;
        long long value = floor_div(nanos, factor);
        if (value < low || value > high) {
            return -1;
        }
        *stamp = value;
        return 1;
    }
    return -1;
}

/* The UTF-8 text of a str, borrowed from it (cached in the str for non-ASCII text). */
typedef struct {
    const char *data;
    Py_ssize_t len;
    int ascii;
} Text;

static int
text_of(PyObject *text, Text *out)
{
    out->data = PyUnicode_AsUTF8AndSize(text, &out->len);
    if (out->data == NULL) {
        return -1;
    }
    out->ascii = PyUnicode_IS_ASCII(text);
    return 0;
}

/* A field's ",<escaped key>=", without its comma for the first field of the line. */
static int
put_prefix(Buffer *b, const Text *prefix, int first)
{
    if (!prefix->ascii) {
        b->ascii = 0;
    }
    return first ? buf_put(b, prefix->data + 1, prefix->len - 1)
                 : buf_put(b, prefix->data, prefix->len);
}

static const double POW10[16] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
                                 1e11, 1e12, 1e13, 1e14, 1e15};
static const unsigned long long IPOW10[16] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL};

/* repr() of a finite float.  Two shortcuts give exactly repr()'s text where they apply:
   a whole number below 1e16 is its digits and ".0" (-0.0 excepted); a value from 1e-4 up
   whose shortest decimal has k <= 15 decimals and fewer than 2**50 as digits is found by
   trying k = 1, 2, ...: m = round(|x| * 10**k) is that decimal when m / 10**k == |x|
   (IEEE division is correctly rounded, so the text reads back as x; below 2**50 no other
   m rounds to x, and no shorter decimal was skipped).  Everything else goes to repr()'s
   own shortest-digits algorithm. */
/* The text of put_float, written backwards to end at ``end`` (at least 32 bytes after
   the start of its buffer: repr() of a finite float is at most 24 characters); returns
   its start, NULL on error. */
static char *
float_text(char *end, double number)
{
    double magnitude = fabs(number);
    if (magnitude < 1e16 && number == (double)(long long)number &&
        !(number == 0.0 && signbit(number))) {
        char *p = format_ll(end - 2, (long long)number);
        end[-2] = '.';
        end[-1] = '0';
        return p;
    }
#if FLT_EVAL_METHOD == 0
    if (magnitude >= 0.0001 && magnitude < 1e15) {
        for (int k = 1; k <= 15; k++) {
            double scaled = magnitude * POW10[k];
            if (scaled >= 1125899906842624.0) { /* 2**50 */
                break;
            }
            unsigned long long m = (unsigned long long)(scaled + 0.5);
            if ((double)m / POW10[k] != magnitude) {
                continue;
            }
            unsigned long long whole = m / IPOW10[k], fraction = m % IPOW10[k];
            char *p = format_ull(end, fraction);
            while (end - p < k) {
                *--p = '0';
            }
            *--p = '.';
            p = format_ull(p, whole);
            if (number < 0) {
                *--p = '-';
            }
            return p;
        }
    }
#endif
    char *text = PyOS_double_to_string(number, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (text == NULL) {
        return NULL;
    }
    size_t n = strlen(text);
    if (n > 32) { /* not for a finite float */
        PyMem_Free(text);
        PyErr_SetString(PyExc_SystemError, "float repr longer than expected");
        return NULL;
    }
    memcpy(end - n, text, n);
    PyMem_Free(text);
    return end - n;
}

static int
put_float(Buffer *b, double number)
{
    char digits[48];
    char *end = digits + sizeof digits;
    char *p = float_text(end, number);
    return p == NULL ? -1 : buf_put(b, p, end - p);
}

/* Append ``,<key>=<value>`` for one field: 1 written, 0 left out (None, NaN), -1 "not the
   plain case", -2 error. */
static int
put_field(Buffer *b, const Text *prefix, PyObject *value, int first)
{
    PyTypeObject *kind = Py_TYPE(value);
    if (kind == &PyFloat_Type) {
        double number = PyFloat_AS_DOUBLE(value);
        if (number != number) {
            return 0;
        }
        if (number - number != 0.0) {
            return -1; /* infinite: the Python encoder refuses it */
        }
        return put_prefix(b, prefix, first) < 0 || put_float(b, number) < 0 ? -2 : 1;
    }
    if (kind == &PyLong_Type) {
        int overflow = 0;
        long long number = PyLong_AsLongLongAndOverflow(value, &overflow);
        if (overflow || (number == -1 && PyErr_Occurred())) {
            PyErr_Clear();
            return -1;
        }
        if (put_prefix(b, prefix, first) < 0 || buf_put_ll(b, number) < 0 ||
            buf_put(b, "i", 1) < 0) {
            return -2;
        }
        return 1;
    }
    if (kind == &PyBool_Type) {
        if (put_prefix(b, prefix, first) < 0) {
            return -2;
        }
        return (value == Py_True ? buf_put(b, "True", 4) : buf_put(b, "False", 5)) < 0 ? -2 : 1;
    }
    if (kind == &PyUnicode_Type) {
        if (!PyUnicode_IS_ASCII(value)) {
            return -1;
        }
        const char *text = (const char *)PyUnicode_1BYTE_DATA(value);
        Py_ssize_t n = PyUnicode_GET_LENGTH(value);
        if (memchr(text, '"', (size_t)n) != NULL || memchr(text, '\\', (size_t)n) != NULL) {
            return -1;
        }
        if (put_prefix(b, prefix, first) < 0 || buf_put(b, "\"", 1) < 0 || buf_put(b, text, n) < 0 ||
            buf_put(b, "\"", 1) < 0) {
            return -2;
        }
        return 1;
    }
    if (value == Py_None) {
        return 0;
    }
    return -1;
}

/* -- points ------------------------------------------------------------------------------ */

static PyObject *str_measurement, *str_tags, *str_fields, *str_time;

/* The shape-cache key of a point, built as line_protocol._encode_into builds it. */
static PyObject *
shape_key(PyObject *measurement, PyObject *tags, PyObject *fields)
{
    Py_ssize_t ntags = tags ? PyDict_GET_SIZE(tags) : 0;
    Py_ssize_t nfields = PyDict_GET_SIZE(fields);
    PyObject *key = PyTuple_New(2 + 2 * ntags + nfields);
    if (key == NULL) {
        return NULL;
    }
    Py_INCREF(measurement);
    PyTuple_SET_ITEM(key, 0, measurement);
    PyObject *count = PyLong_FromSsize_t(ntags);
    if (count == NULL) {
        Py_DECREF(key);
        return NULL;
    }
    PyTuple_SET_ITEM(key, 1, count);
    Py_ssize_t pos = 0, i = 0;
    PyObject *k, *v;
    if (tags) {
        while (PyDict_Next(tags, &pos, &k, &v)) {
            Py_INCREF(k);
            PyTuple_SET_ITEM(key, 2 + i, k);
            Py_INCREF(v);
            PyTuple_SET_ITEM(key, 2 + ntags + i, v);
            i++;
        }
    }
    pos = 0;
    i = 0;
    while (PyDict_Next(fields, &pos, &k, &v)) {
        Py_INCREF(k);
        PyTuple_SET_ITEM(key, 2 + 2 * ntags + i, k);
        i++;
    }
    return key;
}

/* Copy ``n`` bytes to ``w``, returning the end: eight at a time, inline (the names and
   numbers of a line are short; a call to memcpy costs more than copying them); the bytes
   of the tail may be written twice, never read or written outside the ``n``. */
static inline char *
copy_text(char *w, const char *text, Py_ssize_t n)
{
    if (n > 64) {
        memcpy(w, text, (size_t)n);
    }
    else if (n >= 8) { /* the last eight bytes again, overlapping: no loop for the tail */
        for (Py_ssize_t i = 0; i + 8 <= n; i += 8) {
            memcpy(w + i, text + i, 8);
        }
        memcpy(w + n - 8, text + n - 8, 8);
    }
    else if (n >= 4) {
        memcpy(w, text, 4);
        memcpy(w + n - 4, text + n - 4, 4);
    }
    else if (n > 0) { /* 1 to 3 bytes: the first, the middle and the last */
        w[0] = text[0];
        w[n / 2] = text[n / 2];
        w[n - 1] = text[n - 1];
    }
    return w + n;
}

/* -- shapes met in one encode() call, found without building their key ------------------- */
/*
 * Looking a point's shape up in the shape cache means building its key tuple, hashing it
 * and comparing it item by item: about three quarters of the C encoder's time per plain
 * point.  So each encode() call keeps the shapes it has found in a table of its own,
 * keyed by the same parts (measurement, tag keys, tag values, field keys), which a point
 * is matched against straight from its dicts: read once each (the point's keys are
 * matched by pointer to the interned "measurement", "tags", "fields", "time", which is
 * what a literal in the caller's code is), no tuple built, parts compared by pointer and
 * else by their text.  Only exact str parts (and None tag values) go into the table, so a
 * match there is a match in the cache (str equality is text equality) and no Python code
 * runs while a point is read with borrowed references.  An entry also knows where each
 * field, in the sorted order of the line, sits in the caller's order of the point's
 * fields, so the values are read in the same pass as the keys.
 *
 * The table lives for one call, holding its own references (the shape cache may be
 * emptied meanwhile: a shape's text depends on its key only, so an entry stays right).
 * It is bounded: KNOWN_SLOTS entries, KNOWN_PROBES places tried per key; a key that
 * finds no free place takes its first one, so many one-off shapes cost a bounded probe
 * each and the table keeps the recent ones.
 */

#define KNOWN_SLOTS 4096   /* a power of two */
#define KNOWN_PROBES 4
#define KNOWN_TAGS 32      /* the most tags (after merging) of a point the table takes */
#define KNOWN_FIELDS 64    /* the most fields */

typedef struct {
    const char *data; /* ",<escaped key>=" */
    Py_ssize_t len;
    Py_ssize_t at;    /* the field's place among the point's fields, in the caller's order */
} KnownField;

typedef struct {
    PyObject *key;     /* the shape-cache key: (measurement, ntags, tag keys, tag values,
                          field keys), every part an exact str (tag values: or None) */
    PyObject *shape;   /* (escaped measurement, measurement + tag set, spec) */
    PyObject *entries; /* spec[0], held: the field prefixes below are its texts */
    Py_hash_t hash;
    Py_ssize_t ntags, nfields;
    Text prefix;       /* measurement + tag set */
    Py_ssize_t names;  /* the bytes of the prefix and of every field's ",<key>=" */
    int ascii;         /* the prefix and every field key are ASCII */
    KnownField *fields;
} Known;

typedef struct {
    Known **slots; /* NULL until a shape is added (then 32 kB: no page faults per call) */
} KnownTable;

static void
known_clear(Known *k)
{
    if (k != NULL) {
        Py_XDECREF(k->key);
        Py_XDECREF(k->shape);
        Py_XDECREF(k->entries);
        PyMem_Free(k->fields);
        PyMem_Free(k);
    }
}

static void
known_free(KnownTable *t)
{
    if (t->slots != NULL) {
        for (Py_ssize_t i = 0; i < KNOWN_SLOTS; i++) {
            known_clear(t->slots[i]);
        }
        PyMem_Free(t->slots);
        t->slots = NULL;
    }
}

/* An exact, ready str (its length, kind and data can be read directly). */
static inline int
plain_str(PyObject *part)
{
#if PY_VERSION_HEX < 0x030C0000
    return PyUnicode_CheckExact(part) && PyUnicode_IS_READY(part);
#else
    return PyUnicode_CheckExact(part);
#endif
}

/* Equality of two parts, each an exact ready str or None (pointer first, then text). */
static inline int
same_part(PyObject *a, PyObject *b)
{
    if (a == b) {
        return 1;
    }
    if (a == Py_None || b == Py_None) {
        return 0;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(a);
    int kind = PyUnicode_KIND(a);
    if (n != PyUnicode_GET_LENGTH(b) || kind != (int)PyUnicode_KIND(b)) {
        return 0;
    }
    const char *x = PyUnicode_DATA(a), *y = PyUnicode_DATA(b);
    size_t size = (size_t)n * (size_t)kind;
    if (size > 16) {
        return memcmp(x, y, size) == 0;
    }
    for (size_t i = 0; i < size; i++) { /* a tag value or a name: shorter than a call */
        if (x[i] != y[i]) {
            return 0;
        }
    }
    return 1;
}

/* The hash of a point's parts (str hashes are cached in the str). */
static inline Py_uhash_t
mix_part(Py_uhash_t h, PyObject *part)
{
    Py_hash_t x = part == Py_None ? 0x2545F491L : ((PyASCIIObject *)part)->hash;
    if (x == -1) { /* not computed yet (str caches its hash) */
        x = PyObject_Hash(part);
    }
    return (h ^ (Py_uhash_t)x) * 1000003UL;
}

/* Add the shape a point was found to have, by its key (built by shape_key); nothing when
   its parts are not all exact str, or on any failure (the table is only a shortcut). */
static void
known_add(KnownTable *t, PyObject *key, PyObject *shape, PyObject *entries)
{
    Py_ssize_t size = PyTuple_GET_SIZE(key);
    PyObject *count = PyTuple_GET_ITEM(key, 1);
    if (!PyLong_CheckExact(count)) {
        return;
    }
    Py_ssize_t ntags = PyLong_AsSsize_t(count);
    Py_ssize_t nfields = size - 2 - 2 * ntags;
    if (ntags < 0 || ntags > KNOWN_TAGS || nfields < 1 || nfields > KNOWN_FIELDS ||
        PyTuple_GET_SIZE(entries) != nfields) {
        PyErr_Clear();
        return;
    }
    PyObject *prefix = PyTuple_GET_ITEM(shape, 1);
    if (!plain_str(prefix) || !plain_str(PyTuple_GET_ITEM(key, 0))) {
        return;
    }
    Py_uhash_t h = (Py_uhash_t)(ntags * 31 + nfields);
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject *part = PyTuple_GET_ITEM(key, i);
        if (i == 1) {
            continue;
        }
        int tag_value = i >= 2 + ntags && i < 2 + 2 * ntags;
        if (!(plain_str(part) || (tag_value && part == Py_None))) {
            return;
        }
        h = mix_part(h, part);
    }
    if (t->slots == NULL) {
        t->slots = PyMem_Calloc(KNOWN_SLOTS, sizeof(Known *));
        if (t->slots == NULL) {
            return;
        }
    }
    Known k = {NULL, NULL, NULL, (Py_hash_t)h, ntags, nfields, {NULL, 0, 1}, 0, 1, NULL};
    if (text_of(prefix, &k.prefix) < 0) {
        PyErr_Clear();
        return;
    }
    k.ascii = k.prefix.ascii;
    k.names = k.prefix.len;
    k.fields = PyMem_Malloc((size_t)nfields * sizeof(KnownField));
    if (k.fields == NULL) {
        return;
    }
    PyObject *const *field_keys = &PyTuple_GET_ITEM(key, 2 + 2 * ntags);
    for (Py_ssize_t i = 0; i < nfields; i++) {
        PyObject *entry = PyTuple_GET_ITEM(entries, i); /* (key, ",<escaped key>=") */
        Text text;
        if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 2 ||
            !plain_str(PyTuple_GET_ITEM(entry, 0)) || !plain_str(PyTuple_GET_ITEM(entry, 1)) ||
            text_of(PyTuple_GET_ITEM(entry, 1), &text) < 0 || text.len < 1) {
            PyErr_Clear();
            PyMem_Free(k.fields);
            return;
        }
        Py_ssize_t at = -1;
        for (Py_ssize_t j = 0; j < nfields && at < 0; j++) {
            if (same_part(PyTuple_GET_ITEM(entry, 0), field_keys[j])) {
                at = j;
            }
        }
        if (at < 0) {
            PyMem_Free(k.fields);
            return;
        }
        k.fields[i].data = text.data;
        k.fields[i].len = text.len;
        k.fields[i].at = at;
        k.names += text.len;
        k.ascii = k.ascii && text.ascii;
    }
    Known *entry = PyMem_Malloc(sizeof(Known));
    if (entry == NULL) {
        PyMem_Free(k.fields);
        return;
    }
    Py_INCREF(key);
    Py_INCREF(shape);
    Py_INCREF(entries);
    k.key = key;
    k.shape = shape;
    k.entries = entries;
    *entry = k;
    size_t home = (size_t)h & (KNOWN_SLOTS - 1), slot = home;
    for (int probe = 0; probe < KNOWN_PROBES; probe++) {
        size_t at = (home + (size_t)probe) & (KNOWN_SLOTS - 1);
        if (t->slots[at] == NULL) {
            slot = at;
            break;
        }
    }
    known_clear(t->slots[slot]);
    t->slots[slot] = entry;
}

/* Append the line of a point whose shape is in the table: 1 done, 0 "not found here" (the
   general path decides), 2 "found, but not the plain case" (for the Python encoder), -1
   error; the buffer is as it was unless 1.  No Python code runs here: the point's dicts,
   read with borrowed references, cannot change meanwhile. */
static int
known_line(Buffer *b, KnownTable *t, PyObject *point, PyObject *static_tags,
           PyObject *default_measurement, long long low, long long high, long long factor,
           Py_ssize_t *timeless)
{
    if (t->slots == NULL || !PyDict_CheckExact(point)) {
        return 0;
    }
    PyObject *measurement = NULL, *tags = NULL, *fields = NULL, *time = NULL;
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    for (Py_ssize_t left = PyDict_GET_SIZE(point); left > 0; left--) {
        if (!PyDict_Next(point, &pos, &k, &v)) {
            return 0;
        }
        if (k == str_measurement) {
            measurement = v;
        }
        else if (k == str_tags) {
            tags = v;
        }
        else if (k == str_fields) {
            fields = v;
        }
        else if (k == str_time) {
            time = v;
        }
        else if (!plain_str(k)) {
            return 0; /* a key that may equal one of those: the general path looks */
        }
        else if (same_part(k, str_measurement)) {
            measurement = v;
        }
        else if (same_part(k, str_tags)) {
            tags = v;
        }
        else if (same_part(k, str_fields)) {
            fields = v;
        }
        else if (same_part(k, str_time)) {
            time = v;
        }
    }
    if (measurement == NULL) {
        measurement = default_measurement;
    }
    if (!plain_str(measurement) || fields == NULL || !PyDict_CheckExact(fields)) {
        return 0;
    }
    Py_ssize_t nfields = PyDict_GET_SIZE(fields);
    if (nfields < 1 || nfields > KNOWN_FIELDS) {
        return 0;
    }
    if (tags == Py_None || (tags != NULL && PyDict_CheckExact(tags) &&
                            PyDict_GET_SIZE(tags) == 0)) {
        tags = NULL;
    }
    if (tags != NULL && !PyDict_CheckExact(tags)) {
        return 0;
    }
    PyObject *tag_keys[KNOWN_TAGS], *tag_values[KNOWN_TAGS];
    PyObject *field_keys[KNOWN_FIELDS], *values[KNOWN_FIELDS];
    Py_ssize_t ntags = 0;
    if (static_tags != NULL) { /* {**static_tags, **tags}: the point's own values win */
        if (PyDict_GET_SIZE(static_tags) > KNOWN_TAGS) {
            return 0;
        }
        pos = 0;
        while (PyDict_Next(static_tags, &pos, &k, &v)) {
            if (!plain_str(k)) {
                return 0;
            }
            tag_keys[ntags] = k;
            tag_values[ntags++] = v;
        }
    }
    Py_ssize_t nstatic = ntags;
    if (tags != NULL) {
        pos = 0;
        for (Py_ssize_t left = PyDict_GET_SIZE(tags); left > 0; left--) {
            if (!PyDict_Next(tags, &pos, &k, &v) || !plain_str(k)) {
                return 0;
            }
            Py_ssize_t j = 0;
            while (j < nstatic && !same_part(tag_keys[j], k)) {
                j++;
            }
            if (j < nstatic) {
                tag_values[j] = v;
                continue;
            }
            if (ntags == KNOWN_TAGS) {
                return 0;
            }
            tag_keys[ntags] = k;
            tag_values[ntags++] = v;
        }
    }
    Py_uhash_t h = (Py_uhash_t)(ntags * 31 + nfields);
    h = mix_part(h, measurement);
    for (Py_ssize_t i = 0; i < ntags; i++) {
        h = mix_part(h, tag_keys[i]);
    }
    for (Py_ssize_t i = 0; i < ntags; i++) {
        if (tag_values[i] != Py_None && !plain_str(tag_values[i])) {
            return 0;
        }
        h = mix_part(h, tag_values[i]);
    }
    pos = 0;
    for (Py_ssize_t i = 0; i < nfields; i++) {
        if (!PyDict_Next(fields, &pos, &k, &v) || !plain_str(k)) {
            return 0;
        }
        field_keys[i] = k;
        values[i] = v;
        h = mix_part(h, k);
    }
    Known *known = NULL;
    size_t home = (size_t)h & (KNOWN_SLOTS - 1);
    for (int probe = 0; probe < KNOWN_PROBES && known == NULL; probe++) {
        Known *c = t->slots[(home + (size_t)probe) & (KNOWN_SLOTS - 1)];
        if (c == NULL) {
            return 0;
        }
        if (c->hash != (Py_hash_t)h || c->ntags != ntags || c->nfields != nfields) {
            continue;
        }
        PyObject *const *parts = &PyTuple_GET_ITEM(c->key, 0);
        int same = same_part(parts[0], measurement);
        for (Py_ssize_t i = 0; same && i < ntags; i++) {
            same = same_part(parts[2 + i], tag_keys[i]) &&
                   same_part(parts[2 + ntags + i], tag_values[i]);
        }
        for (Py_ssize_t i = 0; same && i < nfields; i++) {
            same = same_part(parts[2 + 2 * ntags + i], field_keys[i]);
        }
        if (same) {
            known = c;
        }
    }
    if (known == NULL) {
        return 0;
    }
    long long stamp = 0;
    int has_stamp = plain_stamp(time, low, high, factor, &stamp);
    if (has_stamp < 0) {
        return 2;
    }
    /* Room for the whole line but str values: the names, at most 32 bytes per value (a
       float's repr is at most 24, an int 21, a bool 5) and 21 for the time, a space each. */
    Py_ssize_t room = known->names + 32 * nfields + 24;
    if (buf_reserve(b, room) < 0) {
        return -1;
    }
    char *w = copy_text(b->data + b->len, known->prefix.data, known->prefix.len);
    *w++ = ' ';
    char *const fields_at = w;
    for (Py_ssize_t i = 0; i < nfields; i++) {
        const KnownField *f = &known->fields[i];
        PyObject *value = values[f->at];
        PyTypeObject *kind = Py_TYPE(value);
        const char *name = f->data;
        Py_ssize_t name_len = f->len;
        if (w == fields_at) { /* the first field written: no comma */
            name++;
            name_len--;
        }
        if (kind == &PyFloat_Type) {
            double number = PyFloat_AS_DOUBLE(value);
            if (number != number) {
                continue; /* NaN: left out */
            }
            if (number - number != 0.0) {
                return 2; /* infinite: the Python encoder refuses it */
            }
            char digits[48];
            char *end = digits + sizeof digits;
            char *p = float_text(end, number);
            if (p == NULL) {
                return -1;
            }
            w = copy_text(w, name, name_len);
            w = copy_text(w, p, end - p);
        }
        else if (kind == &PyLong_Type) {
            int overflow = 0;
            long long number = PyLong_AsLongLongAndOverflow(value, &overflow);
            if (overflow || (number == -1 && PyErr_Occurred())) {
                PyErr_Clear();
                return 2;
            }
            char digits[24];
            char *p = format_ll(digits + sizeof digits, number);
            w = copy_text(w, name, name_len);
            w = copy_text(w, p, digits + sizeof digits - p);
            *w++ = 'i';
        }
        else if (kind == &PyBool_Type) {
            w = copy_text(w, name, name_len);
            w = value == Py_True ? copy_text(w, "True", 4) : copy_text(w, "False", 5);
        }
        else if (kind == &PyUnicode_Type) {
            if (!PyUnicode_IS_ASCII(value)) {
                return 2;
            }
            const char *text = (const char *)PyUnicode_1BYTE_DATA(value);
            Py_ssize_t n = PyUnicode_GET_LENGTH(value);
            if (memchr(text, '"', (size_t)n) != NULL || memchr(text, '\\', (size_t)n) != NULL) {
                return 2;
            }
            Py_ssize_t used = w - (b->data + b->len);
            room += n + 2;
            if (buf_reserve(b, room) < 0) {
                return -1;
            }
            w = b->data + b->len + used;
            w = copy_text(w, name, name_len);
            *w++ = '"';
            w = copy_text(w, text, n);
            *w++ = '"';
        }
        else if (value != Py_None) {
            return 2;
        }
    }
    if (w == fields_at) {
        return 2; /* every value left out: the Python encoder says so */
    }
    if (has_stamp) {
        char digits[24];
        char *p = format_ll(digits + sizeof digits, stamp);
        *w++ = ' ';
        w = copy_text(w, p, digits + sizeof digits - p);
    }
    Py_ssize_t length = w - (b->data + b->len);
    if (length > 16380) { /* as plain_line: the Python encoder checks such lines */
        return 2;
    }
    b->len += length;
    b->line_ascii = known->ascii;
    b->ascii = b->ascii && known->ascii;
    *timeless += !has_stamp;
    return 1;
}

/* Append the line of one point to the buffer: 1 done, 0 "not the plain case" (the buffer
   as it was), -1 error; *timeless counts the lines written without a time.  The point's
   parts are held by strong references while it is read (a key's __eq__ may run code).
   A shape found in the cache is added to ``known``. */
static int
plain_line(Buffer *b, PyObject *point, PyObject *static_tags, PyObject *default_measurement,
           PyObject *shapes, long long low, long long high, long long factor,
           Py_ssize_t *timeless, KnownTable *known)
{
    PyObject *measurement = NULL, *tags = NULL, *fields = NULL, *time = NULL;
    PyObject *key = NULL, *shape = NULL, *entries = NULL;
    Py_ssize_t line_start = b->len;
    int ascii = b->ascii, result = 0;
    b->ascii = 1;
    if (!PyDict_CheckExact(point)) {
        goto done;
    }
    measurement = PyDict_GetItemWithError(point, str_measurement);
    if (measurement == NULL && PyErr_Occurred()) {
        goto fail;
    }
    measurement = measurement ? measurement : default_measurement;
    Py_INCREF(measurement);
    tags = PyDict_GetItemWithError(point, str_tags);
    if (tags == NULL && PyErr_Occurred()) {
        goto fail;
    }
    if (tags != NULL && tags != Py_None) {
        if (!PyDict_CheckExact(tags)) {
            tags = NULL; /* not held yet */
            goto done;
        }
        if (PyDict_GET_SIZE(tags) == 0) {
            tags = NULL;
        }
    }
    else {
        tags = NULL;
    }
    if (static_tags != NULL) { /* the envelope's tags, under the point's own */
        PyObject *merged = PyDict_Copy(static_tags);
        if (merged == NULL) {
            goto fail;
        }
        if (tags != NULL && PyDict_Update(merged, tags) < 0) {
            Py_DECREF(merged);
            goto fail;
        }
        tags = merged;
    }
    else {
        Py_XINCREF(tags);
    }
    fields = PyDict_GetItemWithError(point, str_fields);
    if (fields == NULL && PyErr_Occurred()) {
        goto fail;
    }
    if (fields == NULL || !PyDict_CheckExact(fields) || PyDict_GET_SIZE(fields) == 0) {
        fields = NULL;
        goto done;
    }
    Py_INCREF(fields);
    time = PyDict_GetItemWithError(point, str_time);
    if (time == NULL && PyErr_Occurred()) {
        goto fail;
    }
    Py_XINCREF(time);
    key = shape_key(measurement, tags, fields);
    if (key == NULL) {
        goto fail;
    }
    shape = PyDict_GetItemWithError(shapes, key);
    if (shape == NULL) {
        PyErr_Clear(); /* a miss, or an unhashable tag value: the Python encoder decides */
        goto done;
    }
    Py_INCREF(shape);
    /* shape = (escaped measurement, measurement + tag set,
                [entries, leading_blank, fast, count]): the spec is a list, which the Python
       encoder changes in place (it fills in ``fast``); the entries are held while read. */
    if (!PyTuple_CheckExact(shape) || PyTuple_GET_SIZE(shape) != 3) {
        goto done;
    }
    PyObject *prefix = PyTuple_GET_ITEM(shape, 1);
    PyObject *spec = PyTuple_GET_ITEM(shape, 2);
    if (!PyUnicode_CheckExact(prefix) || !PyList_CheckExact(spec) ||
        PyList_GET_SIZE(spec) < 2) {
        goto done;
    }
    if (PyList_GET_ITEM(spec, 1) != Py_False) {
        goto done; /* a first field key that starts with white space */
    }
    entries = PyList_GET_ITEM(spec, 0);
    if (!PyTuple_CheckExact(entries)) {
        entries = NULL;
        goto done;
    }
    Py_INCREF(entries);
    known_add(known, key, shape, entries); /* the next points of this shape go faster */
    long long stamp = 0;
    int has_stamp = plain_stamp(time, low, high, factor, &stamp);
    if (has_stamp < 0) {
        goto done;
    }
    if (buf_put_str(b, prefix) < 0 || buf_put(b, " ", 1) < 0) {
        goto fail;
    }
    Py_ssize_t fields_start = b->len, n = PyTuple_GET_SIZE(entries);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *entry = PyTuple_GET_ITEM(entries, i); /* (key, ",<escaped key>=") */
        PyObject *value = PyDict_GetItemWithError(fields, PyTuple_GET_ITEM(entry, 0));
        if (value == NULL) {
            if (PyErr_Occurred()) {
                goto fail;
            }
            goto done;
        }
        Text prefix_text;
        if (text_of(PyTuple_GET_ITEM(entry, 1), &prefix_text) < 0) {
            goto fail;
        }
        int written = put_field(b, &prefix_text, value, b->len == fields_start);
        if (written == -2) {
            goto fail;
        }
        if (written == -1) {
            goto done;
        }
    }
    if (b->len == fields_start) {
        goto done; /* every value left out: the Python encoder says so */
    }
    if (has_stamp && (buf_put(b, " ", 1) < 0 || buf_put_ll(b, stamp) < 0)) {
        goto fail;
    }
    /* At most 16380 bytes, so at most 16380 characters: longer lines may hold a key that
       is too long, which the Python encoder checks. */
    result = b->len - line_start <= 16380;
    *timeless += result && !has_stamp;
    goto done;

fail:
    result = -1;
done:
    if (result != 1) {
        b->len = line_start;
    }
    b->line_ascii = b->ascii;
    b->ascii = ascii && b->ascii;
    Py_XDECREF(measurement);
    Py_XDECREF(tags);
    Py_XDECREF(fields);
    Py_XDECREF(time);
    Py_XDECREF(key);
    Py_XDECREF(shape);
    Py_XDECREF(entries);
    return result;
}

PyDoc_STRVAR(encode_doc,
"encode(points, static_tags, default_measurement, shapes, low, high, factor, slow, as_body,\n"
"       counts=None)\n"
"--\n\n"
"The lines of ``points``: a list of str, or with ``as_body`` the UTF-8 bytes of every\n"
"line followed by a newline.  Plain points are encoded here; any other point by\n"
"``slow(point, index)``, which returns its line or raises.  With ``counts`` (a list of\n"
"at least three items), the number of plain points written without a time is added to\n"
"``counts[2]``.");

static PyObject *
encode(PyObject *module, PyObject *args)
{
    PyObject *points, *static_tags, *default_measurement, *shapes, *slow, *counts = NULL;
    long long low, high, factor;
    int as_body;
    Py_ssize_t timeless = 0;
    (void)module;
    if (!PyArg_ParseTuple(args, "OOOO!LLLOp|O", &points, &static_tags, &default_measurement,
                          &PyDict_Type, &shapes, &low, &high, &factor, &slow, &as_body,
                          &counts)) {
        return NULL;
    }
    if (counts == Py_None) {
        counts = NULL;
    }
    if (counts != NULL && (!PyList_CheckExact(counts) || PyList_GET_SIZE(counts) < 3)) {
        PyErr_SetString(PyExc_TypeError, "counts must be a list of at least three items");
        return NULL;
    }
    if (factor <= 0) {
        PyErr_SetString(PyExc_ValueError, "factor must be positive");
        return NULL;
    }
    if (static_tags == Py_None) {
        static_tags = NULL;
    }
    else if (!PyDict_CheckExact(static_tags)) {
        PyErr_SetString(PyExc_TypeError, "static_tags must be a dict or None");
        return NULL;
    }
    else if (PyDict_GET_SIZE(static_tags) == 0) {
        static_tags = NULL;
    }
    PyObject *lines = NULL;
    if (!as_body && (lines = PyList_New(0)) == NULL) {
        return NULL;
    }
    /* A list is read by index, as its own iterator reads it (slow() may change it). */
    PyObject *iterator = NULL;
    if (!PyList_CheckExact(points) && (iterator = PyObject_GetIter(points)) == NULL) {
        Py_XDECREF(lines);
        return NULL;
    }
    Buffer b = {NULL, 0, 0, 1, 1, as_body, NULL}; /* a body is written into its bytes */
    KnownTable known = {NULL};
    PyObject *point;
    Py_ssize_t index = 0;
    int ok = 1;
    while (ok) {
        if (iterator != NULL) {
            if ((point = PyIter_Next(iterator)) == NULL) {
                break;
            }
        }
        else if (index < PyList_GET_SIZE(points)) {
            point = PyList_GET_ITEM(points, index);
            Py_INCREF(point);
        }
        else {
            break;
        }
        if (lines != NULL) {
            b.len = 0;
        }
        int plain = known_line(&b, &known, point, static_tags, default_measurement, low, high,
                               factor, &timeless);
        if (plain == 0) {
            plain = plain_line(&b, point, static_tags, default_measurement, shapes, low, high,
                               factor, &timeless, &known);
        }
        else if (plain == 2) {
            plain = 0;
        }
        PyObject *line = NULL;
        if (plain == 0) {
            line = PyObject_CallFunction(slow, "On", point, index);
            if (line != NULL && !PyUnicode_Check(line)) {
                PyErr_SetString(PyExc_TypeError, "slow() must return a str");
                Py_CLEAR(line);
            }
            ok = line != NULL;
        }
        else if (plain == 1 && lines != NULL) { /* the line as a str */
            line = b.line_ascii ? PyUnicode_New(b.len, 127)
                                : PyUnicode_DecodeUTF8(b.data, b.len, NULL);
            if (line != NULL && b.line_ascii) {
                memcpy(PyUnicode_1BYTE_DATA(line), b.data, (size_t)b.len);
            }
            ok = line != NULL;
        }
        else {
            ok = plain == 1;
        }
        if (ok && lines != NULL) {
            ok = PyList_Append(lines, line) == 0;
        }
        else if (ok) {
            ok = (line == NULL || buf_put_str(&b, line) == 0) && buf_put(&b, "\n", 1) == 0;
        }
        Py_XDECREF(line);
        Py_DECREF(point);
        index++;
    }
    Py_XDECREF(iterator);
    known_free(&known);
    PyObject *result = NULL;
    if (ok && !PyErr_Occurred() && counts != NULL && timeless) {
        /* counts[2] += timeless (the Python encoder counts the points it encoded there) */
        PyObject *add = PyLong_FromSsize_t(timeless);
        PyObject *sum = add == NULL ? NULL : PyNumber_Add(PyList_GET_ITEM(counts, 2), add);
        Py_XDECREF(add);
        ok = sum != NULL && PyList_SetItem(counts, 2, sum) == 0;
    }
    if (ok && !PyErr_Occurred()) {
        if (lines != NULL) {
            Py_INCREF(lines);
            result = lines;
        }
        else {
            if (b.bytes == NULL) {
                result = PyBytes_FromStringAndSize(NULL, 0);
            }
            else if (_PyBytes_Resize(&b.bytes, b.len) == 0) {
                result = b.bytes;
            }
            b.bytes = NULL; /* the result, or freed by _PyBytes_Resize */
        }
    }
    Py_XDECREF(lines);
    if (b.in_bytes) {
        Py_XDECREF(b.bytes);
    }
    else {
        PyMem_Free(b.data);
    }
    return result;
}

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
"_stamping._line_is_timeless's rule (the text after the last space holds a ``=`` or ends\n"
"with ``\"``; empty lines and comments have a time); -1 when an item is not a str or holds\n"
"a new line (the caller looks closer).  Reference: _stamping._count_timeless_plain.");

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
"to its line.  One linear pass; the reference is _batching.buffer._split_quote_aware_py\n"
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
"then hands to msgpack (_transport.decode_msgpack).");

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

static PyMethodDef methods[] = {
    {"encode", encode, METH_VARARGS, encode_doc},
    {"without_byte", without_byte, METH_VARARGS, without_byte_doc},
    {"count_timeless", count_timeless, METH_O, count_timeless_doc},
    {"split_lines", split_lines, METH_O, split_lines_doc},
    {"msgpack_ext_hook", (PyCFunction)(void (*)(void))msgpack_ext_hook, METH_FASTCALL,
     msgpack_ext_hook_doc},
    {"msgpack_decode", msgpack_decode, METH_VARARGS, msgpack_decode_doc},
    {"dict_rows", (PyCFunction)(void (*)(void))dict_rows, METH_FASTCALL, dict_rows_doc},
    {"set_ext_fallback", set_ext_fallback, METH_O,
     "set_ext_fallback(hook)\n--\n\nThe Python hook for what msgpack_ext_hook leaves."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "influxdb._speedups",
    "Hot loops in C (optional; see influxdb/_accel.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL) {
        return NULL;
    }
    str_measurement = PyUnicode_InternFromString("measurement");
    str_tags = PyUnicode_InternFromString("tags");
    str_fields = PyUnicode_InternFromString("fields");
    str_time = PyUnicode_InternFromString("time");
    if (!str_measurement || !str_tags || !str_fields || !str_time) {
        return NULL;
    }
    return PyModule_Create(&module_def);
}
