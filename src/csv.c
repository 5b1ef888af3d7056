/*
** csv.c -- reading a data set from a CSV file.
**
** The format is the plain one spreadsheets and pandas write:
**
**   file   := { blank | comment } header { row | blank | comment }
**   header := name { ',' name }          -- names [A-Za-z_][A-Za-z0-9_]*, unique
**                                        -- or x[1], x[2], ..., x[k]: one vector column x
**   row    := number { ',' number }      -- as many fields as the header
**
** Fields may have spaces or tabs around them and double quotes around them;
** lines end in LF or CRLF; a line whose first non-blank character is '#' is a
** comment.  A field holds no comma, because neither a name nor a number can,
** so splitting at commas is exact.  Numbers are what strtod reads in full,
** finite only.  Lines are read with getline, so there is no length limit,
** and columns grow by doubling, so memory stays within twice the data.
** Errors name the file and line as "path:line: ..." like a compiler.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "elements.h"
#include "expr.h"

#define CSV_SHOW 40        /* longest field text quoted in an error message */

typedef struct csv_reader {
  slope_ctx *S;
  const char *path;
  FILE *f;
  char *line;  size_t capline;   /* the current line (getline's buffer) */
  size_t len;                    /* its length without the line end */
  long lineno;
  char *header;                  /* a copy of the header line; 'names' point into it */
  char **names;
  int ncols;
  double **cols;                 /* ncols arrays of 'caprows' doubles */
  size_t rows, caprows;
} csv_reader;

/* Read the next line into R->line without its line end.  0 at the end of
** the file, -1 after recording an error. */
static int read_line(csv_reader *R) {
  errno = 0;
  ssize_t n = getline(&R->line, &R->capline, R->f);
  if (n < 0) {
    if (ferror(R->f)) {
      sx_error(R->S, errno == ENOMEM ? SLOPE_ERRMEM : SLOPE_ERRIO, "cannot read '%s': %s",
               R->path, strerror(errno ? errno : EIO));
      return -1;
    }
    return 0;
  }
  R->lineno++;
  size_t len = (size_t)n;
  if (len && R->line[len - 1] == '\n') len--;
  if (len && R->line[len - 1] == '\r') len--;
  R->line[len] = '\0';
  if (memchr(R->line, '\0', len)) {
    sx_error(R->S, SLOPE_ERRDATA, "%s:%ld: unexpected NUL byte", R->path, R->lineno);
    return -1;
  }
  /* a UTF-8 byte order mark, as spreadsheets write, is not part of the header */
  if (R->lineno == 1 && strncmp(R->line, "\xEF\xBB\xBF", 3) == 0) {
    memmove(R->line, R->line + 3, len - 2);
    len -= 3;
  }
  R->len = len;
  return 1;
}

static int is_space(char c) { return c == ' ' || c == '\t'; }

/* Blank lines and '#' comments carry no data. */
static int skippable(const char *s) {
  while (is_space(*s)) s++;
  return *s == '\0' || *s == '#';
}

/* Cut the field starting at '*p' (ending at the next ',' or the end of the
** line) out of the line in place: trimmed of spaces and of one pair of
** surrounding quotes.  Advances '*p' past the comma. */
static char *next_field(char **p) {
  char *s = *p, *comma = strchr(s, ',');
  char *end = comma ? comma : s + strlen(s);
  *p = comma ? comma + 1 : end;
  while (s < end && is_space(*s)) s++;
  while (end > s && is_space(end[-1])) end--;
  if (end - s >= 2 && *s == '"' && end[-1] == '"') {
    s++;
    end--;
  }
  *end = '\0';
  return s;
}

static int count_fields(const char *s) {
  long n = 1;
  for (; *s; s++) n += *s == ',';
  return n > SX_MAX_COLS + 1 ? SX_MAX_COLS + 1 : (int)n;
}

/* "'text'" or, for long text, "'first 40 characters...'" */
static const char *ellipsis(const char *s) { return strlen(s) > CSV_SHOW ? "..." : ""; }


/* ---- the header ------------------------------------------------------------ */

static int check_name(csv_reader *R, int j, const char *name) {
  const char *path = R->path;
  long ln = R->lineno;
  if (!*name) return sx_error(R->S, SLOPE_ERRDATA, "%s:%ld: column %d has no name", path, ln, j + 1);
  if (strlen(name) > SX_MAX_NAME)
    return sx_error(R->S, SLOPE_ERRLIMIT, "%s:%ld: column %d: name '%.*s...' is longer than %d characters",
                    path, ln, j + 1, CSV_SHOW, name, SX_MAX_NAME);
  size_t bl;
  long idx[2];
  if (!sx_valid_name(name, strlen(name)) && sx_element_parse(name, &bl, idx) != 1) {
    /* files from spreadsheets set to some locales separate by ';' or tabs */
    const char *sep = strchr(name, ';') ? "';'" : strchr(name, '\t') ? "tabs" : NULL;
    char why[96] = "";
    if (sep) snprintf(why, sizeof why, "; the file seems separated by %s, and slope reads commas", sep);
    return sx_error(R->S, SLOPE_ERRDATA,
                    "%s:%ld: column %d: '%.*s%s' is not a valid name "
                    "(letters, digits and '_', not starting with a digit)%s",
                    path, ln, j + 1, CSV_SHOW, name, ellipsis(name), why);
  }
  for (int k = 0; k < j; k++)
    if (strcmp(R->names[k], name) == 0)
      return sx_error(R->S, SLOPE_ERRDATA, "%s:%ld: columns %d and %d are both named '%s'",
                      path, ln, k + 1, j + 1, name);
  return SLOPE_OK;
}

static int read_header(csv_reader *R) {
  int n = count_fields(R->line);
  if (n > SX_MAX_COLS)
    return sx_error(R->S, SLOPE_ERRLIMIT, "%s:%ld: more than %d columns", R->path, R->lineno, SX_MAX_COLS);
  R->header = malloc(R->len + 1);
  R->names = calloc((size_t)n, sizeof *R->names);
  R->cols = calloc((size_t)n, sizeof *R->cols);
  if (!R->header || !R->names || !R->cols)
    return sx_error(R->S, SLOPE_ERRMEM, "%s: out of memory", R->path);
  memcpy(R->header, R->line, R->len + 1);
  char *p = R->header;
  for (int j = 0; j < n; j++) {
    R->names[j] = next_field(&p);
    int rc = check_name(R, j, R->names[j]);
    if (rc != SLOPE_OK) return rc;
  }
  R->ncols = n;
  return SLOPE_OK;
}

/* ---- data rows ------------------------------------------------------------- */

/* Room for one more row in every column. */
static int grow_rows(csv_reader *R) {
  if (R->rows < R->caprows) return SLOPE_OK;
  size_t cap = R->caprows ? R->caprows * 2 : 64;
  if (cap < R->caprows || cap > SIZE_MAX / sizeof(double))
    return sx_error(R->S, SLOPE_ERRLIMIT, "%s:%ld: too many rows", R->path, R->lineno);
  double bytes = (double)cap * (double)R->ncols * sizeof(double);
  if (R->S->maxmem > 0 && bytes > R->S->maxmem)
    return sx_error(R->S, SLOPE_ERRLIMIT, "%s:%ld: the data would take %.0f MB, more than half this "
                    "machine's memory", R->path, R->lineno, bytes / 1e6);
  for (int j = 0; j < R->ncols; j++) {
    double *v = realloc(R->cols[j], cap * sizeof *v);
    if (!v)
      return sx_error(R->S, SLOPE_ERRMEM, "%s:%ld: out of memory after %zu rows", R->path,
                      R->lineno, R->rows);
    R->cols[j] = v;   /* a column grown before a failure is simply larger */
  }
  R->caprows = cap;
  return SLOPE_OK;
}

static int parse_number(csv_reader *R, int j, const char *s, double *v) {
  const char *path = R->path, *name = R->names[j];
  long ln = R->lineno;
  if (!*s) return sx_error(R->S, SLOPE_ERRDATA, "%s:%ld: column %d ('%s') is empty", path, ln, j + 1, name);
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  if (end == s || *end)
    return sx_error(R->S, SLOPE_ERRDATA, "%s:%ld: column %d ('%s'): '%.*s%s' is not a number",
                    path, ln, j + 1, name, CSV_SHOW, s, ellipsis(s));
  if (!isfinite(*v))
    return sx_error(R->S, SLOPE_ERRDATA, "%s:%ld: column %d ('%s'): '%.*s%s' is %s", path, ln,
                    j + 1, name, CSV_SHOW, s, ellipsis(s),
                    errno == ERANGE ? "out of range" : "not a finite number");
  return SLOPE_OK;
}

static int read_row(csv_reader *R) {
  int n = count_fields(R->line);
  if (n != R->ncols)
    return sx_error(R->S, SLOPE_ERRDATA, "%s:%ld: expected %d field%s, found %d%s", R->path,
                    R->lineno, R->ncols, R->ncols == 1 ? "" : "s", n, n > SX_MAX_COLS ? " or more" : "");
  int rc = grow_rows(R);
  if (rc != SLOPE_OK) return rc;
  char *p = R->line;
  for (int j = 0; j < n; j++) {
    double v = 0;
    if ((rc = parse_number(R, j, next_field(&p), &v)) != SLOPE_OK) return rc;
    R->cols[j][R->rows] = v;
  }
  R->rows++;
  return SLOPE_OK;
}

/* ---- the whole file ---------------------------------------------------------- */

static int read_file(csv_reader *R) {
  int got;
  while ((got = read_line(R)) > 0) {
    if (skippable(R->line)) continue;
    int rc = R->names ? read_row(R) : read_header(R);
    if (rc != SLOPE_OK) return rc;
  }
  if (got < 0) return R->S->errcode;
  if (R->rows == 0) return sx_error(R->S, SLOPE_ERRDATA, "%s: no data rows", R->path);
  return SLOPE_OK;
}

/* The data set refused a column of the header (x[3] not right after x[2]):
** its message, said of the file, as every error of a load is. */
static void header_refused(csv_reader *R) {
  slope_error err = slope_error_get(R->S);
  char msg[512];
  const char *m = err.message ? err.message : "";
  snprintf(msg, sizeof msg, "%s", strncmp(m, "data: ", 6) == 0 ? m + 6 : m);
  slope_clear_error(R->S);
  sx_error(R->S, err.code, "%s: header: %s", R->path, msg);
}

/* Hand the columns over one by one, freeing each after its copy, so the peak
** is the data plus one column. */
static slope_data *build(csv_reader *R) {
  slope_data *d = slope_data_new(R->S);
  for (int j = 0; d && j < R->ncols; j++) {
    if (slope_data_add(d, R->names[j], R->cols[j], R->rows) != SLOPE_OK) {
      header_refused(R);
      slope_data_free(d);
      d = NULL;
    }
    free(R->cols[j]);
    R->cols[j] = NULL;
  }
  return d;
}

slope_data *slope_data_csv(slope_ctx *S, const char *path) {
  if (!S) return NULL;
  sx_enter(S);
  if (!path) {
    sx_error(S, SLOPE_ERRARG, "csv: 'path' is NULL");
    return NULL;
  }
  csv_reader R;
  memset(&R, 0, sizeof R);
  R.S = S;
  R.path = path;
  R.f = fopen(path, "r");
  if (!R.f) {
    sx_error(S, SLOPE_ERRIO, "cannot open '%s': %s", path, strerror(errno));
    return NULL;
  }
  slope_data *d = read_file(&R) == SLOPE_OK ? build(&R) : NULL;
  fclose(R.f);
  for (int j = 0; R.cols && j < R.ncols; j++) free(R.cols[j]);
  free(R.cols);
  free(R.names);
  free(R.header);
  free(R.line);
  return d;
}
