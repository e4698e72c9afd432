/* The smallest library with an inline frame: built for other machines
 * (32-bit, big-endian) by make-seeds.sh. */
static inline __attribute__((always_inline)) int sq(int x)
{
	return x * x;
}

static __attribute__((noinline)) int add(int a, int b)
{
	return sq(a) + b;
}

int exported(int a)
{
	return add(a, 3) * 2;
}
