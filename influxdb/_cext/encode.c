/*
 * influxdb._speedups: line protocol in C.
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
 */

#include "speedups.h"
#include <datetime.h>

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

PyMethodDef speedups_encode_methods[] = {
    {"encode", encode, METH_VARARGS, encode_doc},
    {NULL, NULL, 0, NULL},
};

int
speedups_encode_init(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL) {
        return -1;
    }
    str_measurement = PyUnicode_InternFromString("measurement");
    str_tags = PyUnicode_InternFromString("tags");
    str_fields = PyUnicode_InternFromString("fields");
    str_time = PyUnicode_InternFromString("time");
    if (!str_measurement || !str_tags || !str_fields || !str_time) {
        return -1;
    }
    return 0;
}
