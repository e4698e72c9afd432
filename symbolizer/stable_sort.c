/*
 * A stable sort: qsort may reorder equal elements, and several readers
 * must keep the first of equals (the one llvm-symbolizer answers with).
 * Bottom-up merge sort through one buffer of the array's size.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int nsym__sort_stable(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	unsigned char *a = base, *tmp, *from, *to;
	bool sorted = true;

	for (size_t i = 1; i < n && sorted; i++)
		sorted = cmp(a + (i - 1) * size, a + i * size) <= 0;
	if (sorted)
		return 0;
	tmp = malloc(n * size);
	if (tmp == NULL)
		return NSYM_ENOMEM;
	from = a;
	to = tmp;
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi) {
				/* ties take the left run: that is the stability */
				if (cmp(from + j * size, from + i * size) < 0)
					memcpy(to + k++ * size, from + j++ * size, size);
				else
					memcpy(to + k++ * size, from + i++ * size, size);
			}
			memcpy(to + k * size, from + i * size, (mid - i) * size);
			k += mid - i;
			memcpy(to + k * size, from + j * size, (hi - j) * size);
		}
		unsigned char *swap = from;
		from = to;
		to = swap;
	}
	if (from != a)
		memcpy(a, from, n * size);
	free(tmp);
	return 0;
}
