/* The compiled screen: one pass over a plain CSV file, flagging each record on which a
 * record rule could fire and every record whose site code + accession number another
 * record shares (DIDS071). It decides nothing: the Polars rules (did.validate.checks)
 * check every flagged record again and say what fired. So it may flag a record in error
 * (it costs a little time) but must never fail to flag one on which a rule fires; the
 * tests hold it to the Polars validator on every rule and on generated files
 * (tests/did/test_screen.py). See docs/adr/013-compiled-screen.md.
 *
 * It reads only the simplest files: printable ASCII, no quote, 18 fields to a line, LF or
 * CR LF line ends, no blank line. Anything else makes it give up (None): the caller then
 * uses the Polars whole-file scan or the general reader, which say what is wrong.
 *
 * A blank field is null, as in the Polars rules. A field with a space at either end is
 * flagged (the rules trim, the screen does not), but its key is taken trimmed.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define ITEMS 18
#define TABLE_SIZE 65536 /* a code of one or two bytes -> allowed (1) or not (0) */

enum item {
    NHS_NUMBER, NHS_NUMBER_STATUS, BIRTH_DATE, ETHNIC_CATEGORY, GENDER, POSTCODE,
    GP_PRACTICE, PATIENT_SOURCE_SETTING, REFERRER_CODE, REFERRING_ORG, REQUEST_DATE,
    REQUEST_RECEIVED_DATE, NICIP_CODE, SNOMED_CODE, TEST_DATE, REPORT_DATE, SITE_CODE,
    ACCESSION_NUMBER
};

typedef struct {
    const unsigned char *status, *ethnic, *gender, *setting; /* code tables */
    long long received_day;   /* days since 1970-01-01 */
    long long received_month; /* year * 12 + month */
    long long cut_off_months; /* flag a test this many months before the receipt month */
    int palindrome;         /* flag NHS numbers whose halves mirror each other */
} params;

typedef struct {
    const unsigned char *p;
    Py_ssize_t n;
} field;

typedef struct {
    int present; /* a valid date */
    int64_t day, month, day_of_month;
} when;

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static unsigned char to_upper(unsigned char c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }
static int is_alpha(unsigned char c) { return is_upper(to_upper(c)); }
static int is_alnum(unsigned char c) { return is_digit(c) || is_alpha(c); }

static int all_digits(const unsigned char *p, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++)
        if (!is_digit(p[i])) return 0;
    return 1;
}

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant, days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* A CCYY-MM-DD date from 1900 on. Returns 0 when the value is not one (the record is
 * flagged: the rules reject a malformed date, and every date before 1900 fires a rule or
 * is checked by one that the Polars rules settle). */
static int parse_date(field f, when *out)
{
    static const int days_in[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const unsigned char *p = f.p;
    if (f.n != 10 || p[4] != '-' || p[7] != '-') return 0;
    if (!all_digits(p, 4) || !all_digits(p + 5, 2) || !all_digits(p + 8, 2)) return 0;
    int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    int m = (p[5] - '0') * 10 + (p[6] - '0');
    int d = (p[8] - '0') * 10 + (p[9] - '0');
    if (y < 1900 || m < 1 || m > 12 || d < 1) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > days_in[m] + (m == 2 && leap)) return 0;
    out->present = 1;
    out->day = days_from_civil(y, m, d);
    out->month = (int64_t)y * 12 + m;
    out->day_of_month = d;
    return 1;
}

static int in_table(const unsigned char *table, field f)
{
    if (f.n < 1 || f.n > 2) return 0;
    unsigned idx = (unsigned)f.p[0] << 8 | (f.n == 2 ? f.p[1] : 0);
    return table[idx];
}

static int length_between(field f, Py_ssize_t low, Py_ssize_t high)
{
    return f.n == 0 || (f.n >= low && f.n <= high);
}

/* Ten digits, modulus 11 (weights 10..2; 11 means 0, 10 is never valid). */
static int nhs_number_ok(field f, int palindrome)
{
    if (f.n != 10 || !all_digits(f.p, 10)) return 0;
    int sum = 0;
    for (int i = 0; i < 9; i++) sum += (f.p[i] - '0') * (10 - i);
    int check = (11 - sum % 11) % 11;
    if (check == 10 || check != f.p[9] - '0') return 0;
    if (palindrome) {
        int mirrored = 1;
        for (int i = 0; i < 5; i++)
            if (f.p[i] != f.p[9 - i]) mirrored = 0;
        if (mirrored) return 0;
    }
    return 1;
}

/* did.spec.codes.POSTCODE_AS_GIVEN_PATTERN: with its spaces removed, the value is
 * [A-Z][A-Z]?[0-9][A-Z0-9]?[0-9][A-Z][A-Z] in either case. Sets *pseudo for ZZ99... */
static int postcode_ok(field f, int *pseudo)
{
    unsigned char c[8];
    int n = 0;
    for (Py_ssize_t i = 0; i < f.n; i++) {
        if (f.p[i] == ' ') continue;
        if (!is_alnum(f.p[i]) || n == 7) return 0;
        c[n++] = to_upper(f.p[i]);
    }
    *pseudo = n >= 4 && c[0] == 'Z' && c[1] == 'Z' && c[2] == '9' && c[3] == '9';
    if (n < 5 || !is_digit(c[n - 3]) || !is_upper(c[n - 2]) || !is_upper(c[n - 1])) return 0;
    int k = n - 3; /* the outward code: letter, optional letter, digit, optional letter/digit */
    if (!is_upper(c[0])) return 0;
    if (k == 2) return is_digit(c[1]);
    if (k == 3) return (is_upper(c[1]) && is_digit(c[2])) || (is_digit(c[1]) && is_alnum(c[2]));
    if (k == 4) return is_upper(c[1]) && is_digit(c[2]) && is_alnum(c[3]);
    return 0;
}

/* did.spec.codes.REFERRER_CODE_PATTERN, in either case. */
static int referrer_ok(field f)
{
    static const char *fixed[] = {"H9999998", "M9999998", "R9999981", "A9999998",
                                  "P9999981", "X9999998", "N9999998"};
    unsigned char c[16];
    Py_ssize_t n = f.n;
    if (n < 2 || n > 8) return 0;
    for (Py_ssize_t i = 0; i < n; i++) c[i] = to_upper(f.p[i]);
    if (strchr("CDGS", c[0]) && all_digits(c + 1, n - 1)) return 1; /* 1-7 digits */
    static const char *two[] = {"CH", "DT", "CD", "PH", "SL"};
    for (int i = 0; i < 5; i++)
        if (c[0] == two[i][0] && c[1] == two[i][1] && n >= 3 && all_digits(c + 2, n - 2))
            return 1; /* 1-6 digits */
    if (n == 8 && is_digit(c[0]) && is_digit(c[1]) && is_upper(c[2]) && all_digits(c + 3, 4) &&
        is_upper(c[7]))
        return 1; /* NMC PIN */
    if (n == 8 && c[0] == 'Z' && strchr("ENSW", c[1]) && all_digits(c + 2, 6)) return 1;
    if (n == 8)
        for (int i = 0; i < 7; i++)
            if (memcmp(c, fixed[i], 8) == 0) return 1;
    return 0;
}

/* did.imaging_codes.is_snomed_concept_id: 6-18 digits, no leading zero, partition 00 or
 * 10, Verhoeff check digit. */
static int snomed_ok(field f)
{
    static const unsigned char d5[10][10] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
        {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
        {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
        {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
        {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
    static const unsigned char p[8][10] = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
        {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
        {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
        {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
    Py_ssize_t n = f.n;
    if (n < 6 || n > 18 || !all_digits(f.p, n) || f.p[0] == '0') return 0;
    if (f.p[n - 2] != '0' || (f.p[n - 3] != '0' && f.p[n - 3] != '1')) return 0;
    int check = 0;
    for (Py_ssize_t i = 0; i < n; i++) check = d5[check][p[i % 8][f.p[n - 1 - i] - '0']];
    return check == 0;
}

static int nicip_ok(field f)
{
    if (f.n < 1 || f.n > 6) return 0;
    for (Py_ssize_t i = 0; i < f.n; i++)
        if (!is_alnum(f.p[i])) return 0;
    return 1;
}

static int padded(field f) { return f.n > 0 && (f.p[0] == ' ' || f.p[f.n - 1] == ' '); }

static field trimmed(field f)
{
    while (f.n > 0 && f.p[0] == ' ') f.p++, f.n--;
    while (f.n > 0 && f.p[f.n - 1] == ' ') f.n--;
    return f;
}

/* 1 when a record rule could fire on the record. */
static int could_fire(const field *v, const params *rules)
{
    for (int i = 0; i < ITEMS; i++)
        if (padded(v[i])) return 1;

    const field nhs = v[NHS_NUMBER];
    if (nhs.n && !nhs_number_ok(nhs, rules->palindrome)) return 1;
    if (v[NHS_NUMBER_STATUS].n && !in_table(rules->status, v[NHS_NUMBER_STATUS])) return 1;
    if (v[ETHNIC_CATEGORY].n && !in_table(rules->ethnic, v[ETHNIC_CATEGORY])) return 1;
    if (v[GENDER].n && !in_table(rules->gender, v[GENDER])) return 1;
    if (!in_table(rules->setting, v[PATIENT_SOURCE_SETTING])) return 1; /* blank too */
    int pseudo = 0;
    if (v[POSTCODE].n && !postcode_ok(v[POSTCODE], &pseudo)) return 1;
    int no_other_identifier = !nhs.n && !v[BIRTH_DATE].n && !v[ETHNIC_CATEGORY].n &&
                              !v[GENDER].n && !v[GP_PRACTICE].n;
    if (no_other_identifier && (pseudo || !v[POSTCODE].n)) return 1; /* DIDS074, DIDS073 */
    if (!length_between(v[GP_PRACTICE], 3, 12)) return 1;
    if (!length_between(v[REFERRING_ORG], 3, 12)) return 1;
    if (v[REFERRER_CODE].n && !referrer_ok(v[REFERRER_CODE])) return 1;
    if (!v[NICIP_CODE].n && !v[SNOMED_CODE].n) return 1;
    if (v[NICIP_CODE].n && !nicip_ok(v[NICIP_CODE])) return 1;
    if (v[SNOMED_CODE].n && !snomed_ok(v[SNOMED_CODE])) return 1;
    if (!v[SITE_CODE].n || !length_between(v[SITE_CODE], 5, 12)) return 1;
    if (!v[ACCESSION_NUMBER].n || v[ACCESSION_NUMBER].n > 20) return 1;

    when birth = {0}, request = {0}, rec = {0}, test = {0}, report = {0};
    if (v[BIRTH_DATE].n && !parse_date(v[BIRTH_DATE], &birth)) return 1;
    if (v[REQUEST_DATE].n && !parse_date(v[REQUEST_DATE], &request)) return 1;
    if (v[REQUEST_RECEIVED_DATE].n && !parse_date(v[REQUEST_RECEIVED_DATE], &rec)) return 1;
    if (!v[TEST_DATE].n || !parse_date(v[TEST_DATE], &test)) return 1; /* DIDS050 too */
    if (v[REPORT_DATE].n && !parse_date(v[REPORT_DATE], &report)) return 1;

    const int64_t day_1900_01_02 = -25566, day_1970_01_01 = 0;
    if (test.day > rules->received_day) return 1;
    if (rules->received_month - test.month >= rules->cut_off_months) return 1;
    if (report.present) {
        if (report.day > rules->received_day || report.day < test.day) return 1;
        int64_t months = report.month - test.month;
        if (months > 1 || (months == 1 && report.day_of_month > test.day_of_month)) return 1;
    }
    if (birth.present) {
        if (birth.day > test.day || birth.day < day_1900_01_02) return 1;
        if (report.present && birth.day > report.day) return 1;
        if (request.present && birth.month - request.month > 6) return 1;
        if (rec.present && birth.month - rec.month > 6) return 1;
    }
    if (request.present) {
        if (request.day < day_1970_01_01 || request.day > test.day) return 1;
        if (rec.present && request.day > rec.day) return 1;
        if (report.present && request.day > report.day) return 1;
        if (test.day - request.day > 365) return 1;
    }
    if (rec.present) {
        if (rec.day < day_1970_01_01 || rec.day > test.day) return 1;
        if (report.present && rec.day > report.day) return 1;
        if (test.day - rec.day > 365) return 1;
    }
    return 0;
}

/* FNV-1a over the upper-cased site code, a separator and the accession number. 0 means
 * "no key" (either is blank), so a real 0 is moved to 1. */
static uint64_t key_hash(field site, field accession)
{
    site = trimmed(site);
    accession = trimmed(accession);
    if (!site.n || !accession.n) return 0;
    uint64_t h = 1469598103934665603ULL;
    for (Py_ssize_t i = 0; i < site.n; i++) h = (h ^ to_upper(site.p[i])) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL; /* not a byte of any printable ASCII value */
    for (Py_ssize_t i = 0; i < accession.n; i++) h = (h ^ accession.p[i]) * 1099511628211ULL;
    h ^= h >> 29; /* mix the high bits down: the table is indexed by the low ones */
    return h ? h : 1;
}

/* Open addressing, one 64-bit word a slot: the high half is the key hash's top 32 bits
 * (top bit set, so a used slot is never 0) and the low half the first record holding it.
 * The slot comes from the hash's low bits, so a false repeat needs both halves to agree. */
typedef struct {
    uint64_t *slots;
    size_t mask;
} key_table;

/* Note the key of record `index`; flag it, and the first record with the same key, on a
 * repeat. A hash collision flags records whose keys differ: the rules settle them. */
static void note_key(key_table *keys, uint64_t h, int64_t index, unsigned char *flags)
{
    uint64_t tag = (h >> 32) | 0x80000000u;
    size_t slot = h & keys->mask;
    while (keys->slots[slot]) {
        if (keys->slots[slot] >> 32 == tag) {
            flags[index] = 1;
            flags[keys->slots[slot] & 0xffffffffu] = 1;
            return;
        }
        slot = (slot + 1) & keys->mask;
    }
    keys->slots[slot] = tag << 32 | (uint64_t)index;
}

/* Keys are noted KEYS_AHEAD records after their slot is prefetched: the table is far
 * larger than the caches, and waiting on memory for each key was half the pass. */
#define KEYS_AHEAD 16

typedef struct {
    uint64_t hash[KEYS_AHEAD];
    int64_t index[KEYS_AHEAD];
    int64_t pushed;
} key_queue;

static void queue_key(key_queue *queue, key_table *keys, uint64_t h, int64_t index,
                      unsigned char *flags)
{
    __builtin_prefetch(&keys->slots[h & keys->mask]);
    int at = queue->pushed % KEYS_AHEAD;
    if (queue->pushed >= KEYS_AHEAD) note_key(keys, queue->hash[at], queue->index[at], flags);
    queue->hash[at] = h;
    queue->index[at] = index;
    queue->pushed++;
}

static void drain_keys(key_queue *queue, key_table *keys, unsigned char *flags)
{
    int64_t from = queue->pushed > KEYS_AHEAD ? queue->pushed - KEYS_AHEAD : 0;
    for (int64_t k = from; k < queue->pushed; k++)
        note_key(keys, queue->hash[k % KEYS_AHEAD], queue->index[k % KEYS_AHEAD], flags);
}

/* A field ends at byte `at` of the line: note it. 0 when the line has too many fields. */
static int end_field(const unsigned char *line, Py_ssize_t at, const unsigned char *order,
                     field *v, int *column, Py_ssize_t *start)
{
    if (*column == ITEMS) return 0;
    v[order[*column]] = (field){line + *start, at - *start};
    (*column)++;
    *start = at + 1;
    return 1;
}

static int plain_byte(unsigned char c) { return c >= 0x20 && c <= 0x7e && c != '"'; }

/* Split one line (no line end) into the items; 0 unless it has exactly 18 fields of
 * printable ASCII without a quote. Sixteen bytes at a time where SSE2 is there (every
 * x86-64): the byte-at-a-time loop was a third of the pass. */
static int split(const unsigned char *line, const unsigned char *end, const unsigned char *order,
                 field *v)
{
    Py_ssize_t n = end - line, i = 0, start = 0;
    int column = 0;
#ifdef __SSE2__
    const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
    const __m128i low = _mm_set1_epi8(0x20), flip = _mm_set1_epi8((char)0x80);
    const __m128i top = _mm_set1_epi8((char)(0x5e ^ 0x80));
    for (; i + 16 <= n; i += 16) {
        __m128i bytes = _mm_loadu_si128((const __m128i *)(line + i));
        /* c - 0x20 > 0x5e unsigned, i.e. outside 0x20..0x7e, compared as signed bytes */
        __m128i outside = _mm_cmpgt_epi8(_mm_xor_si128(_mm_sub_epi8(bytes, low), flip), top);
        __m128i bad = _mm_or_si128(outside, _mm_cmpeq_epi8(bytes, quote));
        if (_mm_movemask_epi8(bad)) return 0;
        unsigned commas = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, comma));
        while (commas) {
            if (!end_field(line, i + __builtin_ctz(commas), order, v, &column, &start)) return 0;
            commas &= commas - 1;
        }
    }
#endif
    for (; i < n; i++) {
        if (line[i] == ',') {
            if (!end_field(line, i, order, v, &column, &start)) return 0;
        } else if (!plain_byte(line[i])) {
            return 0;
        }
    }
    return end_field(line, n, order, v, &column, &start) && column == ITEMS;
}

/* The end of the line starting at p (its LF, or `end`), and where its content ends. */
static const unsigned char *line_end(const unsigned char *p, const unsigned char *end,
                                     const unsigned char **content_end)
{
    const unsigned char *lf = memchr(p, '\n', end - p);
    if (!lf) lf = end;
    *content_end = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
    return lf;
}

/* Pages of a file mapping already read are let go every RELEASE_BYTES: otherwise every
 * page of the file stays mapped into the process (and counts in its memory) until the
 * pass ends. Only for a mapping of a file: on other memory MADV_DONTNEED would lose data. */
#define RELEASE_BYTES (32 << 20)

typedef struct {
    int mapped;                /* the buffer is a file mapping */
    const unsigned char *kept; /* pages from here on are still mapped */
} releaser;

static void release_behind(releaser *r, const unsigned char *p)
{
    if (!r->mapped || p - r->kept < RELEASE_BYTES) return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t from = ((uintptr_t)r->kept + page - 1) & ~(page - 1);
    uintptr_t to = (uintptr_t)p & ~(page - 1);
    if (to > from) madvise((void *)from, to - from, MADV_DONTNEED);
    r->kept = (const unsigned char *)to;
}

static int64_t count_lines(const unsigned char *p, const unsigned char *end, releaser *r)
{
    int64_t lines = 0;
    while (p < end) {
        const unsigned char *lf = memchr(p, '\n', end - p);
        lines++;
        if (!lf) break;
        p = lf + 1;
        release_behind(r, p);
    }
    return lines;
}

/* The pass itself, without the GIL. Returns the records, or -1 to give up. */
static int64_t run(const unsigned char *p, const unsigned char *end, const unsigned char *order,
                   const params *rules, unsigned char *flags, int64_t lines, key_table *keys,
                   releaser *r)
{
    int64_t index = 0;
    field v[ITEMS];
    key_queue queue = {.pushed = 0};
    while (p < end) {
        if (index == lines) return -1; /* the file changed since its lines were counted */
        const unsigned char *content_end;
        const unsigned char *lf = line_end(p, end, &content_end);
        if (!split(p, content_end, order, v)) return -1; /* blank lines too */
        if (could_fire(v, rules)) flags[index] = 1;
        uint64_t h = key_hash(v[SITE_CODE], v[ACCESSION_NUMBER]);
        if (h) queue_key(&queue, keys, h, index, flags);
        index++;
        p = lf + 1;
        release_behind(r, p);
    }
    drain_keys(&queue, keys, flags);
    return index;
}

static int table_arg(PyObject *object, const unsigned char **table)
{
    if (!PyBytes_Check(object) || PyBytes_GET_SIZE(object) != TABLE_SIZE) {
        PyErr_SetString(PyExc_ValueError, "a code table is 65536 bytes");
        return 0;
    }
    *table = (const unsigned char *)PyBytes_AS_STRING(object);
    return 1;
}

PyDoc_STRVAR(screen_doc,
             "screen(data, start, order, status, ethnic, gender, setting, received_day,\n"
             "       received_month, cut_off_months, palindrome, mapped)\n"
             "    -> (records, flags) | None\n\n"
             "Screen the records of `data` (a buffer) from byte `start`. `order` gives, for\n"
             "each file column, its item index (18 bytes); the four tables map a code of one\n"
             "or two bytes (first byte << 8 | second) to 1 when allowed. `flags` holds a byte\n"
             "per record, 1 where the record must be checked by the rules. None when the\n"
             "file is not simple enough (see the module comment). `mapped`: data is an mmap\n"
             "of a file, whose pages are let go once read.");

static PyObject *screen(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer data, order;
    Py_ssize_t start;
    PyObject *tables[4];
    params rules;
    int mapped;
    if (!PyArg_ParseTuple(args, "y*ny*OOOOLLLpp", &data, &start, &order, &tables[0], &tables[1],
                          &tables[2], &tables[3], &rules.received_day, &rules.received_month,
                          &rules.cut_off_months, &rules.palindrome, &mapped))
        return NULL;
    PyObject *result = NULL;
    unsigned char *flags = NULL;
    key_table keys = {NULL, 0};
    if (order.len != ITEMS || start < 0 || start > data.len) {
        PyErr_SetString(PyExc_ValueError, "order must be 18 bytes and start within data");
        goto done;
    }
    for (int i = 0; i < ITEMS; i++)
        if (((const unsigned char *)order.buf)[i] >= ITEMS) {
            PyErr_SetString(PyExc_ValueError, "order holds item indexes 0-17");
            goto done;
        }
    if (!table_arg(tables[0], &rules.status) || !table_arg(tables[1], &rules.ethnic) ||
        !table_arg(tables[2], &rules.gender) || !table_arg(tables[3], &rules.setting))
        goto done;

    const unsigned char *begin = (const unsigned char *)data.buf + start;
    const unsigned char *end = (const unsigned char *)data.buf + data.len;
    releaser counting = {mapped, begin}, screening = counting;
    int64_t lines = count_lines(begin, end, &counting);
    if (lines >= 0x80000000) { /* record indexes are kept in 32 bits */
        result = Py_NewRef(Py_None);
        goto done;
    }
    size_t capacity = 16;
    while (capacity < (size_t)(lines + lines / 3)) capacity <<= 1; /* at most 3/4 full */
    flags = calloc(lines ? lines : 1, 1);
    keys.slots = calloc(capacity, sizeof(uint64_t));
    keys.mask = capacity - 1;
    if (!flags || !keys.slots) {
        PyErr_NoMemory();
        goto done;
    }
    int64_t records;
    Py_BEGIN_ALLOW_THREADS
    records = run(begin, end, (const unsigned char *)order.buf, &rules, flags, lines, &keys,
                  &screening);
    Py_END_ALLOW_THREADS
    if (records < 0) {
        result = Py_NewRef(Py_None);
    } else {
        result = Py_BuildValue("Ly#", (long long)records, (const char *)flags,
                               (Py_ssize_t)records);
    }
done:
    free(flags);
    free(keys.slots);
    PyBuffer_Release(&data);
    PyBuffer_Release(&order);
    return result;
}

PyDoc_STRVAR(flagged_lines_doc,
             "flagged_lines(data, offset, flags, first, limit, mapped)\n"
             "    -> (text, next_offset, next)\n\n"
             "The flagged records from record index `first` (whose line starts at byte\n"
             "`offset` of `data`), at most `limit` of them, as CSV text: each line is the\n"
             "1-based record number, a comma and the line as in the file (without its line\n"
             "end). Returns where the next call starts; next == len(flags) when done.\n"
             "`mapped` as for screen().");

static PyObject *flagged_lines(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_buffer data, flags;
    Py_ssize_t offset, first, limit;
    int mapped;
    if (!PyArg_ParseTuple(args, "y*ny*nnp", &data, &offset, &flags, &first, &limit, &mapped))
        return NULL;
    PyObject *result = NULL;
    char *text = NULL;
    const unsigned char *base = data.buf, *end = base + data.len, *p = base + offset;
    const unsigned char *flag = flags.buf;
    if (offset < 0 || offset > data.len || first < 0 || first > flags.len || limit < 1) {
        PyErr_SetString(PyExc_ValueError, "offset, first or limit out of range");
        goto done;
    }
    size_t size = 0, capacity = 1 << 16;
    text = malloc(capacity);
    if (!text) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t index = first, taken = 0;
    releaser reading = {mapped, p};
    while (index < flags.len && taken < limit && p < end) {
        const unsigned char *content_end;
        const unsigned char *lf = line_end(p, end, &content_end);
        if (flag[index]) {
            size_t need = size + 24 + (size_t)(content_end - p);
            if (need > capacity) {
                while (capacity < need) capacity *= 2;
                char *grown = realloc(text, capacity);
                if (!grown) {
                    PyErr_NoMemory();
                    goto done;
                }
                text = grown;
            }
            size += sprintf(text + size, "%lld,", (long long)index + 1);
            memcpy(text + size, p, content_end - p);
            size += content_end - p;
            text[size++] = '\n';
            taken++;
        }
        index++;
        p = lf + 1;
        release_behind(&reading, p);
    }
    if (p > end) p = end;
    result = Py_BuildValue("y#nn", text, (Py_ssize_t)size, (Py_ssize_t)(p - base), index);
done:
    free(text);
    PyBuffer_Release(&data);
    PyBuffer_Release(&flags);
    return result;
}

static PyMethodDef methods[] = {
    {"screen", screen, METH_VARARGS, screen_doc},
    {"flagged_lines", flagged_lines, METH_VARARGS, flagged_lines_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "did.validate._screen",
    "The compiled screen for plain CSV files (see _screen.c).", -1, methods, NULL, NULL, NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__screen(void) { return PyModule_Create(&module); }
