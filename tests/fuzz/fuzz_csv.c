/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for one CSV ingest preset, chosen at compile time:
 * -DTSHM_FUZZ_PRESET="binance-trades" (one executable per preset).
 *
 * Input: one mode byte, then the file's bytes (plain or zstd: the reader
 * decides by the magic). The mode picks --on-error (bit 0), --duplicates
 * (bit 1), and for the generic preset the table (bits 2-3), the header rule
 * (bit 4) and the timestamp unit (bits 5-7). The bytes go to a memfd that a
 * dry-run ingest reads as a file: reader, splitter, preset parser, exponent
 * inference, sort, de-duplication and day split all run; nothing is
 * written. Any return other than success or bad input aborts, and under
 * skip every row must be accounted for (ingested, dropped or skipped).
 *
 * With TSHM_FUZZ_SEED_DIR set, the harness writes its seed files there and
 * exits (the ctest runs it once that way first).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tickshm/ingest.h"

#ifndef TSHM_FUZZ_PRESET
#error "build with -DTSHM_FUZZ_PRESET=\"<preset>\""
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const seeds[] = {
    "\x01"
    "100,42283.58000000,0.00118000,49.89,1704153600043,True,True\n"
    "101,42283.57000000,0.50000000,21141.78,1704153600044,False,True\n",
    "\x00"
    "id,price,qty,quote_qty,time,is_buyer_maker\n7,1.5,2,3,1735689600000123,false\n",
    "\x01"
    "26129,2290.10,0.053,1,3,1704153600001,true,true\n",
    "\x03"
    "1704153600000,42283.58,42298.62,42283.57,42298.61,35.04,1704153659999,1,1,1,1,0\n"
    "1704153600000,1,2,0.5,1.5,100,1704239999999,0,0,0,0,0\n",
    "\x01"
    "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\r\n"
    "binance,BTCUSDT,1704153600043000,1704153600050123,3331626453,sell,42283.58,0.00118\r\n"
    "binance,BTCUSDT,1704153600044000,1704153600050124,abc-1,buy,42283.57,0.5\r\n",
    "\x01"
    "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n"
    "deribit,BTC-PERPETUAL,1704153600000000,1,1000,42290.5,42290,25000\n"
    "deribit,BTC-PERPETUAL,1704153600001000,2,,,42290,24000\n",
    "\x01"
    "EUR/USD,20240102 00:00:00.123,1.10412,1.10415\nUSD/JPY,20240229 12:00:00.000,141.1,141.13\n",
    "\x01"
    "date,open,high,low,close,volume,dividend,split\n"
    "2024-01-02,187.15,188.44,183.89,185.64,82488700,0.0,1.0\n"
    "2024-01-03,184.22,185.88,183.43,184.25,58414500,0.24,0.5\n",
    "\x01"
    "ts,symbol,price,size,side,id\n1704153600000000001,\"A,B\",101.25,3,buy,7\n"
    "1704153600000000000,A,1e-3,3.50,s,\n",
    "\x25"
    "ts,symbol,bid_px,bid_sz,ask_px,ask_sz\n1704153600.5,ES,4780.25,12,4780.5,3\n",
    "\xa9"
    "ts,symbol,open,high,low,close,volume\n2024-01-02T14:30:00Z,SPY,472.16,473.67,471.49,472.65,"
    "1234.5\n",
    "\x01"
    "\xEF\xBB\xBF"
    "1,1,1,1,1,true\n\n",
};

static void write_seeds(const char *dir)
{
	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		char path[4096];
		FILE *fp;
		size_t n = strlen(seeds[i] + 1) + 1; /* a mode byte 0 ends the literal early */

		snprintf(path, sizeof(path), "%s/seed%zu", dir, i);
		fp = fopen(path, "wb");
		if (!fp || fwrite(seeds[i], 1, n, fp) != n)
			abort();
		fclose(fp);
	}
}

static int memfd = -1;
static char memfd_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("TSHM_FUZZ_SEED_DIR");

	(void)argc, (void)argv;
	if (dir) {
		write_seeds(dir);
		exit(0);
	}
	memfd = memfd_create("fuzz_csv", MFD_CLOEXEC);
	if (memfd < 0)
		abort();
	snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	return 0;
}

static void options(struct tshm_ingest_opts *o, uint8_t mode)
{
	static const enum tshm_table tables[4] = {TSHM_TABLE_TRADES, TSHM_TABLE_QUOTES,
						  TSHM_TABLE_BARS_1M, TSHM_TABLE_BARS_1D};
	bool generic = strcmp(TSHM_FUZZ_PRESET, "generic") == 0;

	tshm_ingest_opts_init(o);
	o->preset = TSHM_FUZZ_PRESET;
	o->flags = TSHM_INGEST_DRY_RUN;
	o->on_error = mode & 1 ? TSHM_INGEST_SKIP : TSHM_INGEST_FAIL;
	o->duplicates = mode & 2 ? TSHM_INGEST_DUPS_DROP : TSHM_INGEST_DUPS_KEEP;
	/* The file is /proc/self/fd/N: presets that take the symbol from the name need one. */
	if (!strncmp(TSHM_FUZZ_PRESET, "binance", 7) || !strncmp(TSHM_FUZZ_PRESET, "zipline", 7))
		o->symbol = "FUZZ";
	if (generic) {
		o->table = tables[mode >> 2 & 3];
		o->header = mode & 16 ? TSHM_INGEST_HEADER_ABSENT : TSHM_INGEST_HEADER_AUTO;
		o->ts_unit = (mode >> 5) % 6; /* AUTO, S, MS, US, NS, ISO */
		if (o->header == TSHM_INGEST_HEADER_ABSENT && !(mode & 64))
			o->symbol = "FUZZ";
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tshm_ingest_opts o;
	struct tshm_ingest_result r;
	const char *files[] = {memfd_path};
	int rc;

	if (size < 1)
		return 0;
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
		abort();
	options(&o, data[0]);
	o.files = files;
	o.nfiles = 1;
	rc = tshm_ingest_run(&o, &r);
	if (rc != 0 && rc != -EBADMSG && rc != -ENOMEM) {
		fprintf(stderr, "unexpected %d: %s\n", rc, r.error);
		abort();
	}
	if (rc == -EBADMSG && (o.on_error == TSHM_INGEST_SKIP || !r.error[0]))
		abort(); /* skip never fails on input; fail always says why */
	if (rc == 0 && o.on_error == TSHM_INGEST_SKIP &&
	    r.rows_ingested + r.duplicates_dropped + r.rows_skipped != r.rows_read) {
		fprintf(stderr, "rows: %llu read, %llu in, %llu dup, %llu skipped\n",
			(unsigned long long)r.rows_read, (unsigned long long)r.rows_ingested,
			(unsigned long long)r.duplicates_dropped,
			(unsigned long long)r.rows_skipped);
		abort();
	}
	return 0;
}
