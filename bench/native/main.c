/**
 * @file The native floor's driver: `xent-bench-native <W1..W5> <reps> <steps> <dims…>` reads its
 * inputs and the output positions to report from stdin (written by bench/src/native.ts), runs the
 * workload once to warm up, times `reps` runs of `steps` steps inside C, and prints one JSON line:
 * the time per step of each run (ms), the values at the positions, and the peak RSS.
 *
 * stdin, little-endian: i64 count of f32 inputs, each as i64 length + values; i64 label count +
 * i32 labels; i64 count of checks, each as i64 output index, i64 count + i64 positions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "workloads.h"

#define MAX_IO 3

typedef struct Job {
  long dims[3];
  float *in[MAX_IO];
  int32_t *labels;
  float *out[MAX_IO];
} Job;

/** A workload: how many dims it takes, its input, label and output lengths, and one step. */
typedef struct Workload {
  const char *id;
  int dims;
  int inputs;
  int outputs;
  void (*lengths)(const long *dims, long *in, long *labels, long *out);
  void (*step)(const Job *job);
} Workload;

static void logits_lengths(const long *d, long *in, long *labels, long *out) {
  in[0] = d[0] * d[1];
  *labels = d[0];
  out[0] = 1;
  out[1] = d[0] * d[1];
}

static void lse_lengths(const long *d, long *in, long *labels, long *out) {
  in[0] = d[0] * d[1];
  *labels = d[0];
  out[0] = d[0];
}

static void linear_lengths(const long *d, long *in, long *labels, long *out) {
  in[0] = d[0] * d[1];
  in[1] = d[2] * d[1];
  *labels = d[0];
  out[0] = 1;
  out[1] = d[0] * d[1];
  out[2] = d[2] * d[1];
}

static void small_lengths(const long *d, long *in, long *labels, long *out) {
  (void)d;
  in[0] = W4_BATCH * W4_FEATURES;
  in[1] = out[1] = W4_FEATURES * W4_HIDDEN;
  in[2] = out[2] = W4_HIDDEN * W4_CLASSES;
  *labels = W4_BATCH;
  out[0] = 1;
}

static void w1(const Job *j) { w1_cross_entropy(j->dims[0], j->dims[1], j->in[0], j->labels, j->out[0], j->out[1]); }
static void w2(const Job *j) { w2_logsumexp(j->dims[0], j->dims[1], j->in[0], j->out[0]); }
static void w3(const Job *j) {
  w3_linear_cross_entropy(j->dims[0], j->dims[1], j->dims[2], j->in[0], j->in[1], j->labels, j->out[0], j->out[1],
                          j->out[2]);
}
static void w4(const Job *j) { w4_small_loss(j->in[0], j->in[1], j->in[2], j->labels, j->out[0], j->out[1], j->out[2]); }
static void w5(const Job *j) { w5_entropy(j->dims[0], j->dims[1], j->in[0], j->out[0], j->out[1]); }

static const Workload workloads[] = {
    {"W1", 2, 1, 2, logits_lengths, w1}, {"W2", 2, 1, 1, lse_lengths, w2},     {"W3", 3, 2, 3, linear_lengths, w3},
    {"W4", 2, 3, 3, small_lengths, w4},  {"W5", 2, 1, 2, logits_lengths, w5},
};

static void fail(const char *what) {
  fprintf(stderr, "Error: xent-bench-native: %s\n", what);
  exit(1);
}

static void read_exact(void *p, size_t bytes) {
  if (fread(p, 1, bytes, stdin) != bytes) fail("stdin ended early");
}

static int64_t read_i64(void) {
  int64_t v;
  read_exact(&v, sizeof v);
  return v;
}

static void *alloc(size_t bytes) {
  void *p = malloc(bytes == 0 ? 1 : bytes);
  if (p == NULL) fail("out of memory");
  return p;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/** A size line of /proc/self/status in KiB (`VmHWM:` the peak RSS of this process image, `VmRSS:` the RSS now; -1 if absent). */
static long status_kb(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  size_t n = strlen(key);
  if (f == NULL) return kb;
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, key, n) == 0) kb = strtol(line + n, NULL, 10);
  fclose(f);
  return kb;
}

static void print_float(double x) {
  if (isfinite(x))
    printf("%.9g", x);
  else
    printf("null");
}

int main(int argc, char **argv) {
  long base_kb = status_kb("VmRSS:"); /* before any input or output is allocated */
  if (argc < 4) fail("usage: xent-bench-native <W1..W5> <reps> <steps> <dims...>");
  const Workload *w = NULL;
  for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
    if (strcmp(argv[1], workloads[i].id) == 0) w = &workloads[i];
  if (w == NULL) fail("unknown workload");
  long reps = strtol(argv[2], NULL, 10), steps = strtol(argv[3], NULL, 10);
  if (argc != 4 + w->dims || reps < 1 || steps < 1) fail("bad arguments");
  Job job = {0};
  for (int i = 0; i < w->dims; i++) job.dims[i] = strtol(argv[4 + i], NULL, 10);
  long in_len[MAX_IO] = {0}, out_len[MAX_IO] = {0}, labels = 0;
  w->lengths(job.dims, in_len, &labels, out_len);

  if (read_i64() != w->inputs) fail("wrong number of inputs");
  for (int i = 0; i < w->inputs; i++) {
    if (read_i64() != in_len[i]) fail("an input has the wrong length");
    job.in[i] = alloc(sizeof(float) * (size_t)in_len[i]);
    read_exact(job.in[i], sizeof(float) * (size_t)in_len[i]);
  }
  if (read_i64() != labels) fail("wrong number of labels");
  job.labels = alloc(sizeof(int32_t) * (size_t)labels);
  read_exact(job.labels, sizeof(int32_t) * (size_t)labels);
  for (long i = 0; i < labels; i++)
    if (job.labels[i] < 0 || job.labels[i] >= job.dims[w->dims - 1]) fail("a label is out of range"); /* dims end with classes */
  long checks = read_i64();
  long *check_output = alloc(sizeof(long) * (size_t)checks), *check_count = alloc(sizeof(long) * (size_t)checks);
  long **check_positions = alloc(sizeof(long *) * (size_t)checks);
  for (long c = 0; c < checks; c++) {
    check_output[c] = read_i64();
    check_count[c] = read_i64();
    if (check_output[c] < 0 || check_output[c] >= w->outputs) fail("a check names no output");
    check_positions[c] = alloc(sizeof(long) * (size_t)check_count[c]);
    for (long k = 0; k < check_count[c]; k++) {
      check_positions[c][k] = read_i64();
      if (check_positions[c][k] < 0 || check_positions[c][k] >= out_len[check_output[c]]) fail("a check is out of range");
    }
  }
  for (int i = 0; i < w->outputs; i++) job.out[i] = alloc(sizeof(float) * (size_t)out_len[i]);

  w->step(&job); /* warm-up: first touch of the outputs */
  printf("{\"samples\":[");
  for (long r = 0; r < reps; r++) {
    double t0 = now_ms();
    for (long s = 0; s < steps; s++) {
      w->step(&job);
      __asm__ volatile("" ::: "memory");
    }
    printf(r == 0 ? "%.6f" : ",%.6f", (now_ms() - t0) / (double)steps);
  }
  printf("],\"checks\":[");
  for (long c = 0; c < checks; c++) {
    printf(c == 0 ? "[" : ",[");
    for (long k = 0; k < check_count[c]; k++) {
      if (k > 0) printf(",");
      print_float(job.out[check_output[c]][check_positions[c][k]]);
    }
    printf("]");
  }
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("],\"vmHwmKB\":%ld,\"maxRssKB\":%ld,\"baseRssKB\":%ld}\n", status_kb("VmHWM:"), usage.ru_maxrss, base_kb);
  return 0;
}
