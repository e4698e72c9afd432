// A C++ source for the MSVC demangler's agreement test (undname-test.sh): built
// with clang --target=x86_64-pc-windows-msvc and i686-pc-windows-msvc, its
// symbols are demangled by libnsym and llvm-undname-16 and must agree. It uses
// namespaces, classes, every operator, templates, overloads, function and member
// pointers, arrays, calling conventions, literals and local statics.
#include <stddef.h>
namespace outer {
namespace inner {
int plain(int a) { return a; }
long many(char, signed char, unsigned char, short, unsigned short, int, unsigned, long,
          unsigned long, long long, unsigned long long, float, double, long double, bool) { return 0; }
void chars(wchar_t, char8_t, char16_t, char32_t) {}
void nullp(decltype(nullptr)) {}
} // namespace inner
struct S { int x; };
union U { int i; float f; };
enum E { e0 };
enum class EC : short { a };
class C {
public:
  C();
  C(const C &);
  C(C &&);
  virtual ~C();
  C &operator=(const C &);
  C &operator=(C &&);
  bool operator==(const C &) const;
  bool operator!=(const C &) const;
  bool operator<(const C &) const;
  C operator+(const C &) const;
  C operator-(const C &) const;
  C &operator+=(const C &);
  C &operator-=(int);
  C &operator*=(int);
  C &operator/=(int);
  C &operator%=(int);
  C &operator<<=(int);
  C &operator>>=(int);
  C &operator&=(int);
  C &operator|=(int);
  C &operator^=(int);
  int operator*() const;
  int operator[](size_t) const;
  int operator()(int, int) volatile;
  C *operator->();
  C &operator++();
  C operator++(int);
  C &operator--();
  bool operator!() const;
  int operator~() const;
  int operator&(int) const;
  int operator|(int) const;
  int operator^(int) const;
  bool operator&&(int) const;
  bool operator||(int) const;
  int operator<<(int) const;
  int operator>>(int) const;
  int operator,(int) const;
  int operator->*(int) const;
  bool operator<=(const C &) const;
  bool operator>(const C &) const;
  bool operator>=(const C &) const;
  operator int() const;
  operator const char *() const;
  explicit operator bool() const;
  static void *operator new(size_t) noexcept;
  static void operator delete(void *);
  static void *operator new[](size_t) noexcept;
  static void operator delete[](void *);
  virtual int vf(int) const;
  static int sf(double);
  void rq() &;
  void rrq() &&;
  void nx() noexcept;
  static int sdm;
  static const double csdm;
protected:
  int prot(S, U, E, EC);
private:
  virtual void priv(int *, const int *, int *const, const volatile int &, int &&);
};
C::C() {}
C::C(const C &) {}
C::C(C &&) {}
C::~C() {}
C &C::operator=(const C &) { return *this; }
C &C::operator=(C &&) { return *this; }
bool C::operator==(const C &) const { return true; }
bool C::operator!=(const C &) const { return true; }
bool C::operator<(const C &) const { return true; }
C C::operator+(const C &) const { return *this; }
C C::operator-(const C &) const { return *this; }
C &C::operator+=(const C &) { return *this; }
C &C::operator-=(int) { return *this; }
C &C::operator*=(int) { return *this; }
C &C::operator/=(int) { return *this; }
C &C::operator%=(int) { return *this; }
C &C::operator<<=(int) { return *this; }
C &C::operator>>=(int) { return *this; }
C &C::operator&=(int) { return *this; }
C &C::operator|=(int) { return *this; }
C &C::operator^=(int) { return *this; }
int C::operator*() const { return 0; }
int C::operator[](size_t) const { return 0; }
int C::operator()(int, int) volatile { return 0; }
C *C::operator->() { return this; }
C &C::operator++() { return *this; }
C C::operator++(int) { return *this; }
C &C::operator--() { return *this; }
bool C::operator!() const { return false; }
int C::operator~() const { return 0; }
int C::operator&(int) const { return 0; }
int C::operator|(int) const { return 0; }
int C::operator^(int) const { return 0; }
bool C::operator&&(int) const { return 0; }
bool C::operator||(int) const { return 0; }
int C::operator<<(int) const { return 0; }
int C::operator>>(int) const { return 0; }
int C::operator,(int) const { return 0; }
int C::operator->*(int) const { return 0; }
bool C::operator<=(const C &) const { return true; }
bool C::operator>(const C &) const { return true; }
bool C::operator>=(const C &) const { return true; }
C::operator int() const { return 0; }
C::operator const char *() const { return ""; }
C::operator bool() const { return true; }
void *C::operator new(size_t) noexcept { return nullptr; }
void C::operator delete(void *) {}
void *C::operator new[](size_t) noexcept { return nullptr; }
void C::operator delete[](void *) {}
int C::vf(int) const { return 0; }
int C::sf(double) { return 0; }
void C::rq() & {}
void C::rrq() && {}
void C::nx() noexcept {}
int C::sdm = 1;
const double C::csdm = 2.0;
int C::prot(S, U, E, EC) { return 0; }
void C::priv(int *, const int *, int *const, const volatile int &, int &&) {}
struct Base1 { virtual void b1(); int x; };
struct Base2 { virtual void b2(); int y; };
struct Multi : Base1, Base2 { void b2() override; };
void Base1::b1() {}
void Base2::b2() {}
void Multi::b2() {}
struct VBase { virtual void vb(); };
struct VDer : virtual VBase { void vb() override; };
void VBase::vb() {}
void VDer::vb() {}
} // namespace outer

template <typename T> struct Box { T v; T get() const { return v; } template <typename U> U as() const { return U(); } };
template <int N> struct Num { static int value() { return N; } };
template <typename T, int N> int arrsize(T (&)[N]) { return N; }
template <typename... Ts> int count(Ts...) { return sizeof...(Ts); }
template <bool B> bool flag() { return B; }
template <long long V> long long big() { return V; }
template <typename T> T ident(T t) { return t; }

typedef int (*fp)(int, double);
typedef void (__stdcall *sfp)(void);
int takes_fp(fp f, sfp g) { return f(1, 2.0); }
int (*returns_fp(int))(int, double) noexcept { return nullptr; }
void arrays(int (*)[3], int (&)[4][5], const char (*)[2]);
void arrays(int (*)[3], int (&)[4][5], const char (*)[2]) {}
void memptrs(int outer::S::*, int (outer::C::*)(int) const) {}
void variadic(const char *, ...) {}
void __stdcall std_call(int) {}
void __fastcall fast_call(int) {}
#if defined(_M_X64)
void __vectorcall vec_call(double) {}
#endif
void __cdecl c_call(void) {}
void backrefs(outer::S, outer::S, outer::S *, outer::S *, const outer::S &, const outer::S &) {}
void deep(Box<Box<Box<int>>>, Box<Box<int>>, Box<int>) {}
void strs(const char *, const wchar_t *, const char16_t *, const char32_t *) {}
namespace { int anon(int x) { return x + 1; } }
int use_anon(int x) { return anon(x); }
static int file_static = 3;
int global_var = 4;
const int *const_ptr_var = nullptr;
int *volatile vol_ptr_var = nullptr;
int global_array[7];
extern "C" int c_func(int x) { return x; }
void lambdas() { auto l = [](int x) { return x; }; l(1); }
int local_static() { static int s = 5; return s++; }
const char *literal() { return "hello, world"; }
const wchar_t *wliteral() { return L"wide"; }

void instantiate() {
  Box<int> bi; bi.get(); bi.as<double>();
  Box<outer::C *> bc; bc.get();
  Box<const char *> bs; bs.get();
  Box<fp> bf; bf.get();
  Box<unsigned long long> bu; bu.get();
  Num<0>::value(); Num<5>::value(); Num<-7>::value(); Num<1000>::value();
  int a[9]; arrsize(a);
  count(1, 2.0, 'c'); count(); count(nullptr);
  flag<true>(); flag<false>();
  big<-1>(); big<0x7fffffffffffffffLL>();
  ident<outer::S>(outer::S()); ident<outer::E>(outer::e0); ident<outer::U *>(nullptr);
  ident<void (*)(int)>(nullptr); ident<int outer::S::*>(nullptr);
  ident<Box<int>>(Box<int>());
  ident<wchar_t>(L'a'); ident<char16_t>(u'a'); ident<char32_t>(U'a'); ident<char8_t>(u8'a');
  ident<bool>(true); ident<long double>(0); ident<short>(0); ident<signed char>(0);
  ident<decltype(nullptr)>(nullptr);
  ident<int *&>(*(new int *));
  literal(); wliteral(); local_static(); lambdas();
  (void)file_static;
}
