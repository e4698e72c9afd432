/*
 * A main() for the fuzz harnesses when libFuzzer is not linked: feeds every
 * file named on the command line, and every regular file in every folder
 * named (not recursively, in name order), to LLVMFuzzerTestOneInput once.
 * This is how the default test run replays the corpus under gcc, plain and
 * with ASan+UBSan. Each input is copied into a buffer of exactly its size,
 * so a read past its end is caught by ASan as libFuzzer would catch it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs above this are refused: a corpus file that big is a mistake. */
#define REPLAY_MAX_INPUT ((size_t)64 << 20)

static int run_file(const char *path)
{
	struct stat st;
	uint8_t *data;
	size_t got;
	FILE *f = fopen(path, "rb");

	if (f == NULL || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "replay: cannot read '%s': %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if ((uint64_t)st.st_size > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: '%s' is larger than %zu bytes\n", path, REPLAY_MAX_INPUT);
		fclose(f);
		return -1;
	}
	/* malloc(0) may give NULL; one spare byte keeps the pointer real */
	data = malloc((size_t)st.st_size > 0 ? (size_t)st.st_size : 1);
	if (data == NULL) {
		fclose(f);
		return -1;
	}
	got = fread(data, 1, (size_t)st.st_size, f);
	fclose(f);
	if (got != (size_t)st.st_size) {
		fprintf(stderr, "replay: short read of '%s'\n", path);
		free(data);
		return -1;
	}
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, got);
	LLVMFuzzerTestOneInput(data, got);
	free(data);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file in `dir`; returns how many, or -1. */
static int run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t count = 0, capacity = 0;
	int ran = 0;

	if (d == NULL) {
		fprintf(stderr, "replay: cannot open folder '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (count == capacity) {
			size_t grown = capacity ? 2 * capacity : 64;
			char **more = realloc(names, grown * sizeof(*names));
			if (more == NULL)
				break;
			names = more;
			capacity = grown;
		}
		if ((names[count] = strdup(e->d_name)) == NULL)
			break;
		count++;
	}
	closedir(d);
	if (count > 0)
		qsort(names, count, sizeof(*names), by_name);
	for (size_t i = 0; i < count; i++) {
		char path[4096];
		struct stat st;
		if (ran >= 0 &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) < sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode))
			ran = run_file(path) == 0 ? ran + 1 : -1;
		free(names[i]);
	}
	free(names);
	return ran;
}

int main(int argc, char **argv)
{
	int total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|FOLDER...\n", argv[0]);
		return 129;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int n;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: '%s': %s\n", argv[i], strerror(errno));
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) == 0 ? 1 : -1;
		if (n < 0)
			return 1;
		total += n;
	}
	if (total == 0) {
		fprintf(stderr, "replay: no input found\n");
		return 1;
	}
	fprintf(stderr, "replay: %d inputs, no failure\n", total);
	return 0;
}
