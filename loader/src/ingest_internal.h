/* SPDX-License-Identifier: MIT */
/*
 * Private to CSV ingest: the reader, the field splitter, exact number and
 * time parsing, the preset parsers, and the in-memory collector that turns
 * records into per-(table, asset) column arrays for tshm_bundle_put_day().
 */
#ifndef TSHM_INGEST_INTERNAL_H
#define TSHM_INGEST_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tickshm/bundle.h"
#include "tickshm/format.h"
#include "tickshm/ingest.h"
#include "tickshm/layout.h"

/* ---- csv_input.c: lines of a plain or zstd file -------------------------- */

#define TSHM__LINE_MAX (1u << 20) /* longest line accepted, bytes */

struct tshm__csv_in;

/*
 * Open @path for reading lines: zstd when it starts with a zstd frame
 * magic (a ".zst" name without one is an error), plain text otherwise.
 * Returns 0, -ENOMEM, -TSHM_ECORRUPT (see tshm__csv_in_why) or -errno.
 */
int tshm__csv_in_open(struct tshm__csv_in **out, const char *path);

/*
 * The next line without its "\n" or "\r\n" (a UTF-8 BOM at the start of
 * the text is skipped). *@line stays valid until the next call.
 * Returns 1 with a line, 0 at the end, or: -TSHM_ECORRUPT (zstd error or
 * truncated frame), -E2BIG (line longer than TSHM__LINE_MAX), -ENOMEM,
 * -errno (read); tshm__csv_in_why() says why. After an error, 0.
 */
int tshm__csv_in_next(struct tshm__csv_in *in, const char **line, size_t *len);

/* Line number (1-based) of the line last returned. */
uint64_t tshm__csv_in_lineno(const struct tshm__csv_in *in);

/* Text of the last error ("truncated zstd frame", ...), "" if none. */
const char *tshm__csv_in_why(const struct tshm__csv_in *in);

/* Bytes of text returned so far, and bytes read from the source. */
void tshm__csv_in_stats(const struct tshm__csv_in *in, uint64_t *text, uint64_t *source);

void tshm__csv_in_close(struct tshm__csv_in *in);

/* ---- csv_line.c: fields of a line ----------------------------------------- */

#define TSHM__MAX_FIELDS 32u

struct tshm__field {
	const char *p;
	size_t n;
};

/* Splitter state: the delimiter and a scratch buffer for unquoted fields. */
struct tshm__split {
	char delim;
	char *scratch;
	size_t cap;
	const char *why; /* reason of the last error */
};

/*
 * Split @line (@len bytes) at the delimiter into at most @max fields of
 * @f. Fields may be quoted ("a,b" and "" inside quotes for one quote);
 * unquoted fields then point into @s's scratch buffer, valid until the
 * next call. The whole line must be valid UTF-8.
 * Returns the number of fields in the line (which may exceed @max; only
 * @max are stored), -EILSEQ (invalid UTF-8), -EINVAL (unterminated quote,
 * text after a closing quote) or -ENOMEM; s->why says which.
 */
int tshm__csv_split(struct tshm__split *s, const char *line, size_t len, struct tshm__field *f,
		    unsigned max);

void tshm__csv_split_free(struct tshm__split *s);

/* Offset of the first byte of invalid UTF-8 in @p, or @n if it is valid. */
size_t tshm__utf8_invalid_at(const char *p, size_t n);

/* ---- ingest_decimal.c: exact numbers --------------------------------------- */

/* A decimal as written: value = m * 10^-scale; frac <= scale <= tfrac, where
 * frac counts the significant fraction digits (trailing zeros dropped) and
 * tfrac the fraction digits of the text. */
struct tshm__dec {
	int64_t m;
	int32_t scale;
	int32_t frac;
	int32_t tfrac;
};

extern const int64_t tshm__pow10[19];

/*
 * Parse "[+-]digits[.digits][e[+-]digits]" (".5" and "5." accepted).
 * Returns 0, -EINVAL (syntax) or -ERANGE (the digits overflow int64).
 */
int tshm__dec_parse(const char *s, size_t n, struct tshm__dec *d);

/* @d as a mantissa with @digits fraction digits (@digits >= d->frac).
 * Returns 0 or -ERANGE (overflow). */
int tshm__dec_scale(const struct tshm__dec *d, int digits, int64_t *out);

/* Parse "[+-]digits" into *@out. Returns 0, -EINVAL or -ERANGE. */
int tshm__int_parse(const char *s, size_t n, int64_t *out);

/* ---- ingest_time.c: timestamps --------------------------------------------- */

/* Row timestamps must lie in [TSHM__TS_LO, TSHM__TS_HI): the days a
 * segment's day index covers, so every day bound fits int64 ns. */
#define TSHM__TS_LO ((int64_t)TSHM_DAY_MIN * TSHM_DAY_NS)
#define TSHM__TS_HI ((int64_t)TSHM_DAY_MAX * TSHM_DAY_NS)

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t tshm__days_from_civil(int64_t y, unsigned m, unsigned d);

/* Nanoseconds per unit (enum tshm_ingest_ts_unit S..NS). */
int64_t tshm__unit_ns(int unit);

/*
 * @d (a decimal number of @unit) in ns, exactly: fraction digits beyond ns
 * are -EDOM, results outside [TSHM__TS_LO, TSHM__TS_HI) -ERANGE.
 */
int tshm__ts_from_dec(const struct tshm__dec *d, int unit, int64_t *ns);

/* "YYYYMMDD HH:MM:SS[.fff...]" (TrueFX) as UTC ns. 0, -EINVAL, -ERANGE. */
int tshm__ts_parse_compact(const char *s, size_t n, int64_t *ns);

/* ISO-8601 date or date-time (tshm_ts_parse) of @n bytes. 0, -EINVAL, -ERANGE. */
int tshm__ts_parse_iso(const char *s, size_t n, int64_t *ns);

/* 0 if @ts is inside [TSHM__TS_LO, TSHM__TS_HI), else -ERANGE. */
static inline int tshm__ts_check(int64_t ts)
{
	return ts >= TSHM__TS_LO && ts < TSHM__TS_HI ? 0 : -ERANGE;
}

/* ---- presets ----------------------------------------------------------------- */

enum { TSHM__HDR_NONE, TSHM__HDR_OPTIONAL, TSHM__HDR_REQUIRED };

#define TSHM__MAX_VALS 5 /* price/size columns after ts: bars have 5 */

/* What a preset parser makes of one row. Text pointers point into the line. */
struct tshm__rec {
	enum tshm_table table;
	const char *sym; /* NULL: the file's symbol */
	size_t symlen;
	const char *exch; /* NULL: the default exchange */
	size_t exchlen;
	int64_t ts;
	struct tshm__dec v[TSHM__MAX_VALS]; /* the table's columns 1.. that are prices/sizes */
	const struct tshm__field *vf[TSHM__MAX_VALS]; /* their text, for messages */
	int32_t flags;				      /* trades */
	bool has_id;				      /* trades: else a per-asset sequence number */
	int64_t id;
	bool has_div, has_split; /* zipline: adjustments on this row's date */
	struct tshm__dec div;
	const struct tshm__field *divf;
	int64_t split_num, split_den;
	char why[200]; /* the parser's reason when it rejects the row */
};

/* Options a preset sees, resolved from tshm_ingest_opts. */
struct tshm__popts {
	int ts_unit;	       /* enum tshm_ingest_ts_unit */
	enum tshm_table table; /* generic */
	const char *map;       /* generic */
	bool symbol_given;     /* --symbol: no symbol column needed */
};

struct tshm__preset;

/* One file being parsed. */
struct tshm__pfile {
	const struct tshm__preset *p;
	const struct tshm__popts *po;
	const char *path;
	int col[TSHM__MAX_FIELDS]; /* logical field -> column index, -1 absent */
	unsigned min_cols, max_cols;
	enum tshm_table table;
	char fsym[TSHM_SYMBOL_MAX + 1]; /* symbol from the file name, "" if none */
	size_t fsymlen;
};

struct tshm__preset {
	struct tshm_ingest_preset pub;
	enum tshm_table table; /* of the rows, unless the parser picks (klines) */
	int32_t asset_class;   /* of new assets */
	const char *exchange;  /* of new assets without --exchange or data */
	uint8_t header;	       /* TSHM__HDR_* */
	uint8_t nfields;       /* logical fields = columns in file order */
	uint8_t min_cols;      /* a row without header needs min_cols..nfields fields */
	bool negative_prices;  /* prices may be < 0 */
	uint32_t required;     /* logical fields (bits) a header must name */
	const char *const *names;
	/*
	 * Per file, once the header is known (@hdr NULL when there is none):
	 * finish pf (symbol from the file name, a mapping). Optional.
	 * Returns 0 or -EINVAL with a reason in @why.
	 */
	int (*open)(struct tshm__pfile *pf, const struct tshm__field *hdr, unsigned nhdr, char *why,
		    size_t len);
	/* One row -> @r. Returns 0 or -EINVAL with r->why set. */
	int (*parse)(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
		     struct tshm__rec *r);
};

extern const struct tshm__preset tshm__preset_binance_trades;
extern const struct tshm__preset tshm__preset_binance_aggtrades;
extern const struct tshm__preset tshm__preset_binance_klines;
extern const struct tshm__preset tshm__preset_tardis_trades;
extern const struct tshm__preset tshm__preset_tardis_quotes;
extern const struct tshm__preset tshm__preset_truefx;
extern const struct tshm__preset tshm__preset_zipline;
extern const struct tshm__preset tshm__preset_generic;

/* The preset called @name, or NULL. */
const struct tshm__preset *tshm__preset_find(const char *name);

/*
 * Set up @pf for @path: the column mapping, from the header @hdr (nhdr
 * fields) by name or positional when @hdr is NULL, then the preset's open
 * hook. Returns 0 or -EINVAL with a reason in @why.
 */
int tshm__pfile_open(struct tshm__pfile *pf, const struct tshm__preset *p,
		     const struct tshm__popts *po, const char *path, const struct tshm__field *hdr,
		     unsigned nhdr, char *why, size_t len);

/* Column of header cell named @name (case-insensitive), or -1. */
int tshm__header_find(const struct tshm__field *hdr, unsigned nhdr, const char *name);

/* Field of logical field @k in a row of @nf fields; an empty one if absent. */
static inline const struct tshm__field *tshm__fld(const struct tshm__pfile *pf,
						  const struct tshm__field *f, unsigned nf,
						  unsigned k)
{
	static const struct tshm__field none = {"", 0};
	int c = pf->col[k];

	return c >= 0 && (unsigned)c < nf ? &f[c] : &none;
}

/* Does the first line (its fields) look like a header? (first field not numeric) */
bool tshm__looks_like_header(const struct tshm__field *f, unsigned nf);

/* Parse one row: checks the field count, then the preset's parser. */
int tshm__pfile_parse(const struct tshm__pfile *pf, const struct tshm__field *f, unsigned nf,
		      struct tshm__rec *r);

/* Shared parsing helpers for preset files (ingest_fields.c). Each returns 0
 * or -EINVAL with r->why set, naming the field. */
int tshm__field_dec(struct tshm__rec *r, const struct tshm__field *f, const char *name,
		    struct tshm__dec *out);
int tshm__field_int(struct tshm__rec *r, const struct tshm__field *f, const char *name,
		    int64_t *out);
int tshm__field_bool(struct tshm__rec *r, const struct tshm__field *f, const char *name, bool *out);
/* A decimal ts in @unit (AUTO resolved by the caller) -> ns, range-checked. */
int tshm__field_ts(struct tshm__rec *r, const struct tshm__field *f, const char *name, int unit,
		   int64_t *out);
/* Binance rule: integer epoch, < 10^14 ms else us, unless @unit overrides. */
int tshm__field_ts_binance(struct tshm__rec *r, const struct tshm__field *f, const char *name,
			   int unit, int64_t *out);
/* Record a reason: "name: why \"text\"" (text shortened). Returns -EINVAL. */
int tshm__rec_fail(struct tshm__rec *r, const struct tshm__field *f, const char *name,
		   const char *why);
/* The preset value value k of @r's table from field @f (stores text for messages). */
int tshm__rec_val(struct tshm__rec *r, unsigned k, const struct tshm__field *f, const char *name);
/* The file name after the last '/' (a pointer into @path). */
const char *tshm__basename(const char *path);

/* ---- the collector ---------------------------------------------------------- */

/* Price/size kind of the value columns of a per-asset table (ingest_series.c). */
enum { TSHM__VAL_NONE, TSHM__VAL_PRICE, TSHM__VAL_SIZE };
extern const signed char tshm__val_kinds[TSHM_TABLE_COUNT][TSHM__MAX_VALS];
extern const unsigned char tshm__nvals[TSHM_TABLE_COUNT];

/* Values (price/size columns after ts) of per-asset @t; 0 for other tables. */
static inline unsigned tshm__table_nvals(enum tshm_table t)
{
	return (unsigned)t < TSHM_TABLE_COUNT ? tshm__nvals[t] : 0;
}

/* TSHM__VAL_PRICE or _SIZE: value @k of @t (column k + 1). */
static inline int tshm__table_val_kind(enum tshm_table t, unsigned k)
{
	return (unsigned)t < TSHM_TABLE_COUNT && k < TSHM__MAX_VALS ? tshm__val_kinds[t][k]
								    : TSHM__VAL_NONE;
}

unsigned tshm__table_ncols(enum tshm_table t);

/* Rows of one (table, asset), column by column in the segment's widths. */
struct tshm__series {
	enum tshm_table table;
	uint32_t ncols;
	uint8_t width[TSHM__MAX_VALS + 2];
	void *col[TSHM__MAX_VALS + 2];
	uint64_t n, cap;
	int64_t last_ts;
	bool unsorted; /* some ts went backwards: sort before writing */
};

int tshm__series_new(struct tshm__series **out, enum tshm_table table);
void tshm__series_free(struct tshm__series *s);
/* Append one row: @v[c] is column c (ts first), narrowed to its width. */
int tshm__series_append(struct tshm__series *s, const int64_t *v);
/* Multiply every value of kind @kind by 10^@k (1 <= k <= 18) if @apply,
 * else only check that none would overflow. Returns 0 or -ERANGE. */
int tshm__series_rescale(struct tshm__series *s, int kind, int k, bool apply);

/*
 * Sort @s by ts, stable (ties keep input order), if it is marked unsorted.
 * Returns 1 if it sorted, 0 if the rows were in order, or -ENOMEM.
 * (ingest_sort.c)
 */
int tshm__series_sort(struct tshm__series *s);

/* Drop rows identical in every column to an earlier row of @s (sorted).
 * Returns how many were dropped, or -ENOMEM. (ingest_dedup.c) */
int64_t tshm__series_dedup(struct tshm__series *s);

/* One asset the ingest has rows for. */
struct tshm__adj {
	int64_t ts;
	int32_t kind;
	int64_t num, den;
	struct tshm__dec amount;
	size_t seq; /* input order */
};

struct tshm__iasset {
	char symbol[TSHM_SYMBOL_MAX + 1];
	size_t symlen;
	uint64_t hash;
	struct tshm_asset a; /* the bundle's row, or the new one */
	bool exists;	     /* in the bundle before this ingest */
	bool pfixed, sfixed; /* exponent fixed (existing asset or option) */
	int pd, sd;	     /* fraction digits of prices / sizes: exp = -digits */
	uint64_t seq;	     /* last per-asset sequence number given as trade id */
	int64_t min_ts, max_ts;
	uint64_t nrows;
	struct tshm__series *ser[TSHM_TABLE_COUNT];
	struct tshm__adj *adj;
	size_t nadj, adjcap;
};

#define TSHM__MAX_DIGITS 12 /* inferred exponents are bounded to [-12, 0] */

/* One tshm_ingest_run(). */
struct tshm__ingest {
	const struct tshm_ingest_opts *o;
	struct tshm_ingest_result *res;
	const struct tshm__preset *p;
	struct tshm__popts po;
	struct tshm_bundle_txn *txn;
	int64_t next_sid; /* first sid no asset of the bundle uses */
	/* assets, in order of first appearance, with a hash index by symbol */
	struct tshm__iasset **assets;
	size_t nassets, acap;
	uint32_t *slots; /* asset index + 1; 0 is empty */
	size_t nslots;
	struct tshm__iasset *last; /* the previous row's asset */
	/* parsing */
	struct tshm__split split;
	struct tshm__field fields[TSHM__MAX_FIELDS];
	struct tshm__rec rec;
	unsigned reported; /* report lines printed */
};

/*
 * A rejected row (@line > 0) or file (@line 0): under TSHM_INGEST_FAIL
 * record "file:line: why" as the result's error and return -EBADMSG; under
 * TSHM_INGEST_SKIP report it (up to max_report lines) and return 0.
 * (ingest.c)
 */
int tshm__ingest_reject(struct tshm__ingest *g, const char *path, uint64_t line, const char *why);

/* The same for the rest of a file, at line @line (a bad header, a long line). */
int tshm__ingest_reject_file(struct tshm__ingest *g, const char *path, uint64_t line,
			     const char *why);

/* Record a non-input failure "what: why" in the result; returns @rc. */
int tshm__ingest_fail(struct tshm__ingest *g, int rc, const char *what, const char *why);

/* Read, parse and collect every row of @path. Returns 0 or <0 (stop). (ingest_file.c) */
int tshm__ingest_file(struct tshm__ingest *g, const char *path);

/*
 * The asset a row belongs to, found or created (ingest_assets.c): looked up
 * by symbol among this ingest's assets, then in the bundle.
 * Returns 0; -EINVAL with r->why for a bad symbol or exchange; -EINVAL
 * (fatal, result error set) when options conflict with an existing asset;
 * -ENOMEM or the bundle's error.
 */
int tshm__asset_get(struct tshm__ingest *g, const struct tshm__pfile *pf, struct tshm__rec *r,
		    struct tshm__iasset **out);
void tshm__assets_free(struct tshm__ingest *g);

/*
 * Convert @r's values to mantissas at @a's exponents into @v[1..], growing
 * an inferred exponent (and rescaling the rows collected so far) when a
 * value has more fraction digits. Returns 0 or -EINVAL with r->why (a row
 * error: precision, overflow, negative). (ingest_exponent.c)
 */
int tshm__values_convert(struct tshm__ingest *g, struct tshm__iasset *a, struct tshm__rec *r,
			 int64_t *v);

/* Take @r's dividend and split as adjustments of @a. Returns 0 or -EINVAL
 * (r->why) or -ENOMEM. (ingest_exponent.c) */
int tshm__adjust_add(struct tshm__ingest *g, struct tshm__iasset *a, struct tshm__rec *r);

/* The sid the next new asset gets: max sid + 1, or 1 (ingest_sid.c).
 * Returns 0 or the database's error. */
int tshm__next_sid(struct tshm_bundle_txn *t, int64_t *out);

/* Write everything collected into the transaction (ingest_commit.c). */
int tshm__ingest_write(struct tshm__ingest *g);

#endif /* TSHM_INGEST_INTERNAL_H */
