/*
** test_hostile.c -- hostile input through the public C API: every input of
** issue 6 item 3 gives an error code and a clear message, never a crash, a
** hang or unbounded memory.
**
**   10^6 nested parentheses, a 100 MB line (expression and CSV), NUL bytes,
**   invalid UTF-8, 1e400, names of 10^5 characters, and the limits on
**   nesting depth, expression size, tape size, number of parameters and
**   data size against the machine's memory.
**
** Also the inputs the fuzz targets (tests/fuzz) found, kept as regression
** tests.  SLOPE_TEST_QUICK=1 (tests/valgrind.sh sets it) shrinks the 100 MB
** inputs to 8 MB; the limits they run into are the same.
*/
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ctx.h"

static int quick(void) {
  const char *q = getenv("SLOPE_TEST_QUICK");
  return q && *q && strcmp(q, "0") != 0;
}

static size_t big_size(void) { return quick() ? (size_t)8 << 20 : (size_t)100 << 20; }

/* The first line of the context's message ("L:C: what"), for comparison. */
static const char *first_line(slope_ctx *S, char *buf, size_t cap) {
  const char *m = slope_error_get(S).message;
  size_t n = strcspn(m, "\n");
  if (n >= cap) n = cap - 1;
  memcpy(buf, m, n);
  buf[n] = '\0';
  return buf;
}

static int has(slope_ctx *S, const char *text) {
  const char *m = slope_error_get(S).message;
  int ok = m && strstr(m, text) != NULL;
  if (!ok) fprintf(stderr, "    message \"%s\"\n    lacks   \"%s\"\n", m ? m : "(null)", text);
  return ok;
}

/* Parse 'len' bytes and expect failure with 'code' and first line 'msg'. */
static void parse_fails(const char *src, size_t len, int code, const char *msg) {
  slope_ctx *S = slope_new();
  char line[300];
  CHECK(slope_parse(S, src, len) == 0);
  CHECK_INT(slope_error_get(S).code, code);
  CHECK_STR(first_line(S, line, sizeof line), msg);
  slope_free(S);
}

/* ---- the parser -------------------------------------------------------------- */

static void test_parser(void) {
  size_t big = big_size();
  char *buf = malloc(big + 16);
  if (!CHECK(buf != NULL)) return;

  /* 10^6 nested parentheses: the nesting limit, at the 201st */
  memset(buf, '(', 1000000);
  buf[1000000] = 'x';
  parse_fails(buf, 1000001, SLOPE_ERRLIMIT, "1:201: expression nested too deeply (limit 200)");
  /* balanced they are 2*10^6 + 1 bytes: the size limit comes first */
  memset(buf + 1000001, ')', 1000000);
  parse_fails(buf, 2000001, SLOPE_ERRLIMIT, "1:1: input is too long (2000001 bytes, limit 1048576)");

  /* a 100 MB line: refused by its length, at once */
  memset(buf, 'x', big);
  char want[120];
  snprintf(want, sizeof want, "1:1: input is too long (%zu bytes, limit 1048576)", big);
  parse_fails(buf, big, SLOPE_ERRLIMIT, want);
  for (size_t i = 0; i < big; i++) buf[i] = i % 2 ? '+' : '1';
  parse_fails(buf, big - 1, SLOPE_ERRLIMIT, (snprintf(want, sizeof want,
              "1:1: input is too long (%zu bytes, limit 1048576)", big - 1), want));

  /* NUL bytes are characters the language does not have */
  parse_fails("x\0y", 3, SLOPE_ERRSYNTAX, "1:2: unexpected character '\\x00'");
  parse_fails("x + 1\0", 6, SLOPE_ERRSYNTAX, "1:6: unexpected character '\\x00'");
  parse_fails("\0", 1, SLOPE_ERRSYNTAX, "1:1: unexpected character '\\x00'");
  slope_ctx *S = slope_new();
  CHECK(slope_parse(S, "x\0y", 3) == 0);
  CHECK(strstr(slope_error_get(S).message, "\nx?y\n ^") != NULL);   /* shown as '?' */
  slope_free(S);

  /* invalid UTF-8: the byte in hex; a valid character as itself */
  parse_fails("x + \xff", 5, SLOPE_ERRSYNTAX, "1:5: unexpected character '\\xff'");
  parse_fails("x\xc3", 2, SLOPE_ERRSYNTAX, "1:2: unexpected character '\\xc3'");         /* truncated */
  parse_fails("\xc0\xaf", 2, SLOPE_ERRSYNTAX, "1:1: unexpected character '\\xc0'");      /* overlong '/' */
  parse_fails("\xe0\x80\xaf", 3, SLOPE_ERRSYNTAX, "1:1: unexpected character '\\xe0'");  /* overlong */
  parse_fails("\xed\xa0\x80", 3, SLOPE_ERRSYNTAX, "1:1: unexpected character '\\xed'");  /* surrogate */
  parse_fails("\xf4\x90\x80\x80", 4, SLOPE_ERRSYNTAX, "1:1: unexpected character '\\xf4'"); /* > U+10FFFF */
  parse_fails("\x80x", 2, SLOPE_ERRSYNTAX, "1:1: unexpected character '\\x80'");
  parse_fails("2*\xc3\xa9", 4, SLOPE_ERRSYNTAX, "1:3: unexpected character '\xc3\xa9' (names are ASCII letters, digits and '_')");
  parse_fails("x\xe2\x80\x8by", 5, SLOPE_ERRSYNTAX, "1:2: unexpected invisible character U+200B (an invisible mark: delete it)");

  /* 1e400 and friends: out of range, not infinity */
  parse_fails("1e400", 5, SLOPE_ERRARG, "1:1: number '1e400' is out of range");
  parse_fails("x - 1e400", 9, SLOPE_ERRARG, "1:5: number '1e400' is out of range");
  parse_fails("2*1.8e308", 9, SLOPE_ERRARG, "1:3: number '1.8e308' is out of range");
  memset(buf, '9', 400);
  parse_fails(buf, 400, SLOPE_ERRARG, "1:1: number '9999999999999999999999999999999999999...' is out of range");
  parse_fails("1e308*10", 8, SLOPE_ERRARG, "1:1: constant overflows a double (1e+308 * 10)");
  S = slope_new();
  slope_expr e = slope_parse(S, "1e-400 + x", 10);   /* underflow to 0 is fine */
  CHECK(e != 0 && e == slope_var(S, "x"));
  CHECK(slope_num(S, INFINITY) == 0);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRARG);
  CHECK(has(S, "is not finite"));
  slope_clear_error(S);
  CHECK(slope_num(S, NAN) == 0);
  CHECK(has(S, "is not finite"));
  slope_free(S);

  /* names of 10^5 characters */
  memset(buf, 'n', 100000);
  parse_fails(buf, 100000, SLOPE_ERRLIMIT,
              "1:1: name 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...' is too long (limit 255 characters)");
  memcpy(buf + 100000, "(x)", 3);   /* as a function name */
  parse_fails(buf, 100003, SLOPE_ERRNAME, "1:1: 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...' is not a function");
  buf[100000] = '\0';
  S = slope_new();
  CHECK(slope_var(S, buf) == 0);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRARG);
  CHECK(has(S, "is not a valid variable name"));
  CHECK(has(S, "at most 255 characters"));
  CHECK(strlen(slope_error_get(S).message) < 400);   /* the name is not echoed whole */
  slope_clear_error(S);
  buf[255] = '\0';
  CHECK(slope_var(S, buf) != 0);                     /* 255 is allowed */
  CHECK(slope_diff(S, slope_var(S, "x"), (memset(buf, 'q', 100000), buf[100000] = '\0', buf)) == 0);
  CHECK(has(S, "is not a valid variable name"));
  slope_free(S);
  free(buf);
}

/* ---- expressions: depth and size ------------------------------------------------ */

static void test_expression_limits(void) {
  slope_ctx *S = slope_new();
  /* a chain of constructors deeper than any recursion may go */
  slope_expr e = slope_var(S, "x");
  int depth = 0;
  while (e && depth < 6000) {
    e = slope_call(S, "sin", &e, 1);
    depth++;
  }
  CHECK(e == 0);
  CHECK_INT(depth, 5001);   /* sin^5000(x) is the deepest allowed */
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRLIMIT);
  CHECK_STR(slope_error_get(S).message, "expression nested too deeply (depth limit 5000)");
  slope_clear_error(S);

  /* just under the limit every stage works: the walkers do not recurse on
  ** the C stack (or do so within bounds), and differentiation, whose
  ** products of D factors are sorted D times, is not cubic in D */
  const int D = quick() ? 1000 : 4990;
  e = slope_var(S, "x");
  for (int i = 0; i < D && e; i++) e = slope_call(S, "sin", &e, 1);
  CHECK(e != 0);
  CHECK_INT((long long)slope_size(S, e), D + 1);
  const char *p = slope_print(S, e);
  CHECK(p && strncmp(p, "sin(sin(", 8) == 0 && strlen(p) == (size_t)D * 5 + 1);
  CHECK(slope_latex(S, e) != NULL);
  const char *params[] = {"x"};
  CHECK(slope_ccode(S, e, "f", params, 1) != NULL);
  double v = 0;
  CHECK_INT(slope_eval(S, e, params, (double[]){0.5}, 1, &v), SLOPE_OK);
  double ref = 0.5;
  for (int i = 0; i < D; i++) ref = sin(ref);
  CHECK_NEAR(v, ref, 1e-12);
  slope_tape *T = slope_compile(S, e, params, 1, NULL, 0);
  CHECK(T != NULL);
  double f = 0, g = 0;
  if (T) {
    CHECK_INT(slope_tape_grad(T, (double[]){0.5}, NULL, 0, &f, &g), SLOPE_OK);
    CHECK_NEAR(f, ref, 1e-12);
    /* d/dx sin^n(x) = prod cos(sin^k(x)), k = 0..n-1 */
    double d = 1, u = 0.5;
    for (int i = 0; i < D; i++) { d *= cos(u); u = sin(u); }
    CHECK_NEAR(g, d, 1e-9);
  }
  slope_tape_free(T);
  /* its derivative is deeper than the expression: either fine or a clean limit */
  slope_expr d = slope_diff(S, e, "x");
  if (d == 0) {
    CHECK_INT(slope_error_get(S).code, SLOPE_ERRLIMIT);
    CHECK(has(S, "nested too deeply"));
  }
  slope_clear_error(S);
  slope_free(S);

  /* 40 nested squares share each level: 122 nodes whose plain text is 2^40
  ** long.  The infix printer writes the shared levels once, as let-bindings
  ** that read back to the same node; LaTeX, which has no bindings, stops at
  ** the limit and says why; the C printer (one line per node) and the tape
  ** are linear in nodes anyway, and the value is the recurrence's */
  S = slope_new();
  char deep[4096] = "a0 = x;";
  for (int i = 0; i < 40; i++)
    snprintf(deep + strlen(deep), sizeof deep - strlen(deep), " a%d = a%d*a%d + sin(a%d);", i + 1, i, i, i);
  strcat(deep, " a40");
  e = slope_parse(S, deep, strlen(deep));
  CHECK(e != 0);
  p = slope_print(S, e);
  CHECK(p && strncmp(p, "_1 = x^2 + sin(x); _2 = _1^2 + sin(_1); _3 = _2^2 + sin(_2); ", 60) == 0);
  CHECK(p && strstr(p, "; _39 = _38^2 + sin(_38); _39^2 + sin(_39)") != NULL && strlen(p) < 1000);
  CHECK(p && slope_parse(S, p, strlen(p)) == e);
  CHECK(slope_latex(S, e) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRLIMIT);
  CHECK_STR(slope_error_get(S).message, "the text would be longer than 16 MB: shared subexpressions print again "
            "at every use (print a part, or compile it)");
  slope_clear_error(S);
  const char *c = slope_ccode(S, e, "f", params, 1);
  CHECK(c != NULL && strstr(c, "value and gradient of a long expression") != NULL);
  slope_clear_error(S);
  T = slope_compile(S, e, params, 1, NULL, 0);
  CHECK(T != NULL);
  if (T) {
    double a = -0.5, da = 1;   /* a_{k+1} = a_k^2 + sin(a_k) and its derivative, by hand */
    for (int i = 0; i < 40; i++) { da *= 2 * a + cos(a); a = a * a + sin(a); }
    CHECK_INT(slope_tape_grad(T, (double[]){-0.5}, NULL, 0, &f, &g), SLOPE_OK);
    CHECK_NEAR(f, a, 1e-12);
    CHECK_NEAR(g, da, 1e-12);
  }
  slope_tape_free(T);
  slope_free(S);

  /* the number of nodes: a context with a small limit says so */
  S = slope_new();
  S->maxnodes = 1000;
  char src[16000];
  size_t k = 0;
  for (int i = 0; i < 2000; i++) k += (size_t)snprintf(src + k, sizeof src - k, "x%d+", i);
  src[--k] = '\0';
  CHECK(slope_parse(S, src, k) == 0);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRLIMIT);
  CHECK(has(S, "too many expression nodes (limit 1000)"));
  CHECK(slope_error_get(S).line == 1);   /* placed where it happened */
  slope_free(S);
}

/* ---- tapes: size, and how many parameters -------------------------------------- */

static void test_tape_limits(void) {
  slope_ctx *S = slope_new();
  /* a large tape is fine and exact: sum of k*x_k^2 over 20000 parameters */
  const int NP = quick() ? 2000 : 20000;
  char **names = malloc(NP * sizeof *names);
  double *x = malloc(NP * sizeof *x), *g = malloc(NP * sizeof *g);
  if (!CHECK(names && x && g)) return;
  /* one sum of NP terms (adding them one by one would re-sort NP times) */
  char *text = malloc((size_t)NP * 24);
  if (!CHECK(text != NULL)) return;
  size_t len = 0;
  for (int i = 0; i < NP; i++) {
    char nm[16];
    snprintf(nm, sizeof nm, "p%d", i);
    names[i] = strdup(nm);
    len += (size_t)sprintf(text + len, "%s%d*%s^2", i ? " + " : "", i + 1, nm);
    x[i] = 1.0 / (i + 1);
  }
  slope_expr sum = slope_parse(S, text, len);
  free(text);
  CHECK(sum != 0);
  slope_tape *T = slope_compile(S, sum, (const char *const *)names, NP, NULL, 0);
  CHECK(T != NULL);
  if (T) {
    double f = 0;
    CHECK_INT(slope_tape_grad(T, x, NULL, 0, &f, g), SLOPE_OK);
    double ref = 0;   /* sum k*(1/k)^2 = harmonic number */
    for (int i = NP; i >= 1; i--) ref += 1.0 / i;
    CHECK_NEAR(f, ref, 1e-12);
    int ok = 1;
    for (int i = 0; i < NP; i++) ok &= fabs(g[i] - 2.0) <= 4e-16;   /* 2*k*(1/k) */
    CHECK(ok);
  }
  slope_tape_free(T);

  /* parameter lists: negative counts, NULL lists, repeats */
  slope_expr e = slope_parse(S, "a*b", 3);
  CHECK(slope_compile(S, e, NULL, 2, NULL, 0) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRARG);
  CHECK(has(S, "bad parameter or column list"));
  slope_clear_error(S);
  const char *ab[] = {"a", "b"}, *aa[] = {"a", "a"};
  CHECK(slope_compile(S, e, ab, -1, NULL, 0) == NULL);
  CHECK(has(S, "counts must be >= 0"));
  slope_clear_error(S);
  CHECK(slope_compile(S, e, aa, 2, NULL, 0) == NULL);
  CHECK(has(S, "parameter 'a' is listed twice"));
  slope_clear_error(S);
  CHECK(slope_compile(S, e, ab, 1, NULL, 0) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRNAME);
  CHECK(has(S, "unknown name 'b'"));
  slope_clear_error(S);
  CHECK(slope_compile(S, 123456, ab, 2, NULL, 0) == NULL);
  CHECK(has(S, "not an expression"));
  slope_clear_error(S);

  /* more parameters than a problem or optimizer may have: a limit error,
  ** before any memory is asked for (INT_MAX callback parameters used to
  ** mean 2^31 generated names) */
  CHECK(slope_optim_new(S, "adam", INT_MAX) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRLIMIT);
  CHECK(has(S, "adam: at most 1048576 parameters, got 2147483647"));
  slope_clear_error(S);
  CHECK(slope_optim_new(S, "adam", 0) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRARG);
  CHECK(has(S, "the number of parameters must be >= 1, got 0"));
  slope_clear_error(S);
  slope_objective obj = {NULL, NULL, NULL};
  CHECK(slope_problem_callback(S, INT_MAX, NULL, NULL, obj) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRARG);   /* no callback: checked first */
  slope_clear_error(S);
  free(x);
  x = NULL;
  for (int i = 0; i < NP; i++) free(names[i]);
  free(names);
  free(g);
  slope_free(S);
}

static int fg_sq(void *ud, const double *x, double *f, double *g) {
  (void)ud;
  *f = x[0] * x[0];
  if (g) g[0] = 2 * x[0];
  return SLOPE_OK;
}

static void test_parameter_limit(void) {
  slope_ctx *S = slope_new();
  slope_objective obj = {fg_sq, NULL, NULL};
  CHECK(slope_problem_callback(S, INT_MAX, NULL, NULL, obj) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRLIMIT);
  CHECK(has(S, "a problem has at most 1048576 parameters, got 2147483647"));
  slope_clear_error(S);
  CHECK(slope_problem_callback(S, -5, NULL, NULL, obj) == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRARG);
  CHECK(has(S, "at least one parameter"));
  slope_clear_error(S);
  slope_problem *p = slope_problem_callback(S, 1, NULL, (double[]){3}, obj);
  CHECK(p != NULL);
  slope_problem_free(p);
  slope_free(S);
}

/* ---- data: CSV files and sizes ---------------------------------------------------- */

static char tmpdir[64];

static const char *write_file(const char *name, const char *data, size_t len) {
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return path;
  fwrite(data, 1, len, f);
  fclose(f);
  return path;
}

/* Load 'len' bytes as a CSV file; expect failure with 'code' and 'msg' after "path:". */
static void csv_fails(const char *data, size_t len, int code, const char *msg) {
  slope_ctx *S = slope_new();
  const char *path = write_file("h.csv", data, len);
  slope_data *d = slope_data_csv(S, path);
  CHECK(d == NULL);
  slope_data_free(d);
  CHECK_INT(slope_error_get(S).code, code);
  char want[600];
  snprintf(want, sizeof want, "%s:%s", path, msg);
  CHECK_STR(slope_error_get(S).message, want);
  slope_free(S);
}

static void test_csv(void) {
  csv_fails("x,y\n1,2\n3,\0\n", 12, SLOPE_ERRDATA, "3: unexpected NUL byte");
  csv_fails("x\0,y\n1,2\n", 9, SLOPE_ERRDATA, "1: unexpected NUL byte");
  csv_fails("x\n1e400\n", 8, SLOPE_ERRDATA, "2: column 1 ('x'): '1e400' is out of range");
  csv_fails("x\n-1e400\n", 9, SLOPE_ERRDATA, "2: column 1 ('x'): '-1e400' is out of range");
  csv_fails("x\ninf\n", 6, SLOPE_ERRDATA, "2: column 1 ('x'): 'inf' is not a finite number");
  csv_fails("x\nnan\n", 6, SLOPE_ERRDATA, "2: column 1 ('x'): 'nan' is not a finite number");
  csv_fails("x\n1\xff\n", 5, SLOPE_ERRDATA, "2: column 1 ('x'): '1\xff' is not a number");
  csv_fails("\xc3\xa9t\xc3\xa9\n1\n", 9, SLOPE_ERRDATA,
            "1: column 1: '\xc3\xa9t\xc3\xa9' is not a valid name (letters, digits and '_', not starting with a digit)");
  csv_fails("x\xff\n1\n", 5, SLOPE_ERRDATA,
            "1: column 1: 'x\xff' is not a valid name (letters, digits and '_', not starting with a digit)");
  csv_fails("", 0, SLOPE_ERRDATA, " no data rows");

  /* names of 10^5 characters */
  size_t big = big_size();
  char *buf = malloc(big + 64);
  if (!CHECK(buf != NULL)) return;
  memset(buf, 'n', 100000);
  memcpy(buf + 100000, "\n1\n", 3);
  csv_fails(buf, 100003, SLOPE_ERRLIMIT,
            "1: column 1: name 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...' is longer than 255 characters");

  /* a 100 MB line: a number too long to be one, too many fields, too long a name */
  memcpy(buf, "x\n1", 3);
  memset(buf + 3, '0', big);
  buf[big + 3] = '\n';
  csv_fails(buf, big + 4, SLOPE_ERRDATA,
            "2: column 1 ('x'): '1000000000000000000000000000000000000000...' is out of range");
  memcpy(buf, "x\n", 2);
  for (size_t i = 2; i < big + 2; i++) buf[i] = i % 2 ? ',' : '1';
  buf[big + 2] = '\n';
  csv_fails(buf, big + 3, SLOPE_ERRDATA, "2: expected 1 field, found 4097 or more");
  for (size_t i = 0; i < big; i++) buf[i] = i % 2 ? ',' : 'a';
  csv_fails(buf, big, SLOPE_ERRLIMIT, "1: more than 4096 columns");
  free(buf);

  /* a CSV file whose rows outgrow the context's bound (half the machine's
  ** memory; lowered here) stops at the line that needed more */
  {
    char rows[1024] = "x,y\n";
    for (int i = 0; i < 100; i++) strcat(rows, "1,2\n");
    slope_ctx *S = slope_new();
    S->maxmem = 64 * 2 * sizeof(double);   /* 64 rows of two columns */
    const char *path = write_file("h.csv", rows, strlen(rows));
    CHECK(slope_data_csv(S, path) == NULL);
    CHECK_INT(slope_error_get(S).code, SLOPE_ERRLIMIT);
    char want[300];
    snprintf(want, sizeof want, "%s:66: the data would take 0 MB, more than half this machine's memory", path);
    CHECK_STR(slope_error_get(S).message, want);
    slope_free(S);
  }

  /* data sets larger than the machine's memory are refused up front */
  slope_ctx *S = slope_new();
  double w[2] = {1, 2};
  long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
  size_t ram = pages > 0 && psize > 0 ? (size_t)pages * (size_t)psize : (size_t)1 << 40;
  size_t n = ram / 16;   /* three columns of 8 bytes a row: 1.5 times the memory */
  slope_data *d = slope_data_regression(S, n, w, 2, 0, 0.1, 1);
  CHECK(d == NULL);
  slope_data_free(d);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRLIMIT);
  CHECK(has(S, "regression: 3 columns of"));
  CHECK(has(S, "more than half this machine's memory"));
  slope_clear_error(S);
  d = slope_data_regression(S, SIZE_MAX, w, 1, 0, 0, 1);
  CHECK(d == NULL);
  CHECK_INT(slope_error_get(S).code, SLOPE_ERRLIMIT);
  slope_clear_error(S);
  d = slope_data_regression(S, 1000, w, 2, 0, 0.1, 1);   /* and a normal one still works */
  CHECK(d != NULL && slope_data_rows(d) == 1000 && slope_data_ncols(d) == 3);
  slope_data_free(d);
  /* columns with non-finite values or absurd names */
  d = slope_data_new(S);
  double bad[3] = {1, NAN, 2};
  CHECK_INT(slope_data_add(d, "x", bad, 3), SLOPE_ERRDATA);
  CHECK(has(S, "data: column 'x', row 1: nan is not a finite number"));
  slope_clear_error(S);
  CHECK_INT(slope_data_add(d, "x y", bad, 1), SLOPE_ERRARG);
  slope_clear_error(S);
  CHECK_INT(slope_data_add(d, "x", NULL, 3), SLOPE_ERRARG);
  CHECK(has(S, "values are NULL"));
  slope_clear_error(S);
  slope_data_free(d);
  slope_free(S);
}

/* ---- runs: divergence, and a trace that would outgrow the machine -------------- */

/* Plain gradient descent on 'src', a function of x alone, from x0. */
typedef struct sgd_run { slope_ctx *S; slope_problem *p; slope_optim *o; } sgd_run;

static int sgd_on(sgd_run *g, const char *src, double x0, double lr) {
  const char *names[] = {"x"};
  g->S = slope_new();
  g->p = slope_problem_new(g->S, slope_parse(g->S, src, strlen(src)), names, &x0, 1, NULL);
  g->o = slope_optim_new(g->S, "sgd", 1);
  if (!CHECK(g->p && g->o && slope_optim_set(g->o, "lr", &lr, 1) == SLOPE_OK)) {
    slope_problem_free(g->p);
    slope_optim_free(g->o);
    slope_free(g->S);
    return 0;
  }
  return 1;
}

static void sgd_free(sgd_run *g) {
  slope_problem_free(g->p);
  slope_optim_free(g->o);
  slope_free(g->S);
}

static void test_domain(void) {
  /* log of a value that the run drives negative: diverged at the step it
  ** happened, with the expression, and the last finite point kept;
  ** x1 = 1 - 0.3*(1/1 + 1) = 0.4, x2 = 0.4 - 0.3*(2.5 + 1) = -0.65 */
  sgd_run g;
  if (!sgd_on(&g, "log(x) + x", 1.0, 0.3)) return;
  slope_problem *p = g.p;
  slope_optim *o = g.o;
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 10;
  slope_result r;
  slope_result_init(&r);
  CHECK_INT(slope_run(p, o, &opts, &r, NULL), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_DIVERGED);
  CHECK_INT(r.steps, 2);
  CHECK_NEAR(slope_problem_x(p)[0], 0.4, 1e-15);
  CHECK(isfinite(r.f));
  CHECK_NEAR(r.f, log(0.4) + 0.4, 1e-15);
  CHECK(strstr(r.message, "diverged at step 2: ") != NULL);   /* the update that went too far */
  CHECK(strstr(r.message, "f = nan at x = -0.65, where log(x) = nan for x = -0.65 (outside its domain)") != NULL);
  if (!CHECK(strstr(r.message, "smaller learning rate") != NULL)) fprintf(stderr, "    %s\n", r.message);
  sgd_free(&g);
}

/* A long run whose trace reaches the context's bound (half the machine's
** memory; lowered here) stops there with its results, instead of growing
** until the kernel kills the process. */
static void test_trace_memory(void) {
  sgd_run g;
  if (!sgd_on(&g, "x^2", 10.0, 1e-6)) return;
  slope_ctx *S = g.S;
  slope_problem *p = g.p;
  slope_optim *o = g.o;
  S->maxmem = 40000.0 * 7 * sizeof(double);   /* 40000 rows of step, f, lr, |g|, batch_f, nfev, x */
  slope_run_opts opts;
  slope_run_defaults(&opts);
  opts.steps = 1000000000;   /* 10^9 rows would take 40 GB */
  opts.trace_every = 1;
  slope_result r;
  slope_result_init(&r);
  slope_trace *tr = NULL;
  CHECK_INT(slope_run(p, o, &opts, &r, &tr), SLOPE_OK);
  CHECK_INT(r.status, SLOPE_STOPPED);
  /* rows 0..39999 fill the bound; recording step 40000 would double it */
  CHECK_INT(r.steps, 40000);
  CHECK_STR(r.message, "stopped at step 40000: no memory left for the trace (record every k-th step with trace = k)");
  CHECK_INT(slope_error_get(S).code, SLOPE_OK);   /* a result, not an error */
  CHECK(tr != NULL && slope_trace_rows(tr) == 40000);
  double x = 10;
  for (int k = 0; k < 40000; k++) x -= 1e-6 * (2 * x);   /* the same 40000 updates by hand */
  CHECK(slope_problem_x(p)[0] == x);
  slope_trace_free(tr);
  sgd_free(&g);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/slope_hostile.XXXXXX");
  if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
  test_parser();
  test_expression_limits();
  test_tape_limits();
  test_parameter_limit();
  test_csv();
  test_domain();
  test_trace_memory();
  char path[128];
  snprintf(path, sizeof path, "%s/h.csv", tmpdir);
  remove(path);
  rmdir(tmpdir);
  return check_done();
}
