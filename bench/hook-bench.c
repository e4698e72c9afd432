/*
 * hook-bench.c: the timing half of bench/hook.sh, for the crash hook's cost.
 * `hook-bench install` times one nsym_hook_install() from the static archive
 * (linked mode); `hook-bench preload LIB` times one dlopen of the preload
 * library, whose constructor installs the hook; both print nanoseconds on
 * CLOCK_MONOTONIC. Given to the hook as NAPI_SYMBOLS_BIN, it is run as
 * `hook-bench symbolicate REPORT` once the report is written, and appends
 * the time it started (CLOCK_MONOTONIC, ns) to $BENCH_STAMP, so that the
 * crashing side can be timed from the fault to the report.
 */
#include "napi_symbols_hook.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int stamp(void)
{
	uint64_t t = now_ns();
	const char *path = getenv("BENCH_STAMP");
	char line[32];
	int fd, n, status = 1;
	if (!path)
		return 1;
	n = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)t);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0)
		return 1;
	if (write(fd, line, (size_t)n) == n)
		status = 0;
	close(fd);
	return status;
}

int main(int argc, char **argv)
{
	uint64_t t0, t1;
	if (argc >= 2 && strcmp(argv[1], "symbolicate") == 0)
		return stamp();
	if (argc == 2 && strcmp(argv[1], "install") == 0) {
		t0 = now_ns();
		if (nsym_hook_install(NULL) != 0)
			return 1;
		t1 = now_ns();
	} else if (argc == 3 && strcmp(argv[1], "preload") == 0) {
		t0 = now_ns();
		if (!dlopen(argv[2], RTLD_NOW | RTLD_GLOBAL)) {
			fprintf(stderr, "hook-bench: %s\n", dlerror());
			return 1;
		}
		t1 = now_ns();
	} else {
		fprintf(stderr, "usage: hook-bench install | preload LIB | symbolicate REPORT\n");
		return 129;
	}
	printf("%llu\n", (unsigned long long)(t1 - t0));
	return 0;
}
